// Package symlinkescape reports symbolic links that point outside the
// folder or archive being scanned.
package symlinkescape

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the archive-symlink-escape rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "archive-symlink-escape",
		Title:    "Symbolic link points outside the model folder or archive",
		Why:      "A link out of the model's folder makes tools that follow it read or overwrite files elsewhere (archive slip), and lets a model folder present a file the publisher never shipped. modelgate does not follow it.",
		Fix:      "Remove the link; ship the file itself.",
		Severity: finding.SeverityHigh,
		Tags:     []string{"security", "archive"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	if c.Container == nil {
		return nil
	}
	var out []finding.Finding
	for _, e := range c.Container.Escapes {
		out = append(out, c.New(r, 0, e.Path+" links to "+e.Target+", outside the scan root", finding.Evidence{Detail: "target " + e.Target}))
	}
	return out
}
