// Package storagemismatch reports tensor storages that do not match the
// persistent ids that reference them.
package storagemismatch

import (
	"fmt"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the torch-storage-mismatch rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "torch-storage-mismatch",
		Title:    "Checkpoint references a tensor storage that is missing or too small",
		Why:      "Each persistent id in data.pkl names a storage record and its size. A missing or short record makes torch.load fail or read out of bounds; torch.save never writes one. It points to a damaged or hand-made file.",
		Fix:      "Re-download or re-export the checkpoint.",
		Severity: finding.SeverityMedium,
		Tags:     []string{"pytorch", "integrity"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	if c.Container == nil {
		return nil
	}
	var out []finding.Finding
	for _, s := range c.Container.Storages {
		msg := fmt.Sprintf("storage %q needs %d bytes but its record %s is missing", s.Key, s.Want, s.Member)
		if s.Have >= 0 {
			msg = fmt.Sprintf("storage %q needs %d bytes but its record %s has %d", s.Key, s.Want, s.Member, s.Have)
		}
		out = append(out, c.New(r, s.Offset, msg, finding.Evidence{Opcode: "BINPERSID", Detail: "storage " + s.Key}))
	}
	return out
}
