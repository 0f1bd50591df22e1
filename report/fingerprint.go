package report

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/modelgate/modelgate/finding"
)

// fingerprintVersion is hashed into every fingerprint and names the SARIF
// partialFingerprints key. Change it whenever the recipe below changes, so
// a baseline keyed by old fingerprints is not silently mismatched.
const fingerprintVersion = "modelgate/v1"

// Fingerprint returns a stable identifier for x: the hex SHA-256 of the
// rule ID, the file's path relative to baseDir (as in SARIF), the archive
// member, the byte offset and the global. It does not depend on the
// message text, the severity, the checkout directory or the order of
// findings, so the same problem in the same file keeps its fingerprint
// across runs and machines. JSON reports carry it as "fingerprint" and
// SARIF as partialFingerprints["modelgate/v1"], so a baseline can be
// keyed by it.
func Fingerprint(x finding.Finding, baseDir string) string {
	uri, _ := artifactURI(x.Location.Path, baseDir)
	h := sha256.New()
	for _, field := range []string{
		fingerprintVersion,
		x.RuleID,
		uri,
		x.Location.Member,
		strconv.FormatInt(x.Location.Offset, 10),
		x.Evidence.Global,
	} {
		// Length-prefix each field so no two tuples hash the same input.
		h.Write([]byte(strconv.Itoa(len(field))))
		h.Write([]byte{':'})
		h.Write([]byte(field))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lineHashes hands out primaryLocationLineHash values. GitHub uses only
// that key to match alerts across runs, and its own recipe hashes the
// text after the alert's line, which means nothing in a binary model
// file. We give it a prefix of our fingerprint instead, in the same
// "<hex>:<n>" shape, where n counts earlier results with the same hash
// (as codeql-action does), so the value is never computed from the file
// by the uploader.
type lineHashes map[string]int

func (l lineHashes) next(fp string) string {
	h := fp[:16]
	l[h]++
	return h + ":" + strconv.Itoa(l[h])
}
