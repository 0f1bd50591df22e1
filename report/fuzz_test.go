package report

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

// FuzzWrite feeds hostile names and evidence to every writer and checks
// properties, not just the absence of panics: JSON and SARIF are valid
// JSON, text output holds no control character but newlines and no
// bidirectional override, every line of text is one entry (no injected
// newlines), artifact URIs parse and hold no backslash, and writing is
// deterministic.
func FuzzWrite(f *testing.F) {
	f.Add("models/evil.pt", "evil/data.pkl", "os.system('touch /tmp/x')", "Pickle calls os.system", "/src/repo", int64(58))
	f.Add("C:\\m\\a.pkl", "", "\x1b[2Kok", "m\nclean", "", int64(-1))
	f.Add("/tmp/a b#c?.pkl", "a\u202eb", "\xff\xfe", "", "/tmp", int64(0))
	f.Fuzz(func(t *testing.T, path, member, call, msg, base string, offset int64) {
		r := &scan.Result{Rules: sampleRules(), Files: []scan.FileResult{{
			Path: path, Format: "pickle", Status: scan.StatusFindings,
			Findings: []finding.Finding{{
				RuleID: "pickle-denied-global", Severity: finding.SeverityCritical, Message: msg,
				Location: finding.Location{Path: path, Member: member, Offset: offset},
				Evidence: finding.Evidence{Call: call, Global: member},
			}},
			Errors: []string{call},
		}}}
		opts := Options{BaseDir: base, Verbose: true}
		for _, format := range Formats() {
			var a, b bytes.Buffer
			if err := Write(&a, format, r, opts); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if err := Write(&b, format, r, opts); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("%s: second write differs (err %v)", format, err)
			}
			if format == FormatText {
				checkText(t, a.String())
			} else if !json.Valid(a.Bytes()) {
				t.Fatalf("%s output is not valid JSON:\n%s", format, a.Bytes())
			}
		}
		uri, relative := artifactURI(path, base)
		if strings.Contains(uri, `\`) {
			t.Fatalf("URI %q contains a backslash", uri)
		}
		u, err := url.Parse(uri)
		if err != nil {
			t.Fatalf("URI %q does not parse: %v", uri, err)
		}
		if relative == (u.Scheme != "") {
			t.Fatalf("URI %q: relative = %v but scheme %q", uri, relative, u.Scheme)
		}
	})
}

func checkText(t *testing.T, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("text output is not valid UTF-8: %q", out)
	}
	for _, r := range out {
		if r != '\n' && mustEscape(r) {
			t.Fatalf("text output contains %U: %q", r, out)
		}
	}
	// One file with one finding and one error: header, finding line, the
	// evidence lines, error, hint, blank, three summary lines. Injected
	// newlines would add lines.
	if n := strings.Count(out, "\n"); n > 16 {
		t.Fatalf("text output has %d lines:\n%s", n, out)
	}
}
