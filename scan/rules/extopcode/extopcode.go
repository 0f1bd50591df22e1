// Package extopcode reports EXT1/EXT2/EXT4 opcodes: imports through
// copyreg's extension registry, which a file cannot show.
package extopcode

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-ext-opcode rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-ext-opcode",
		Title:    "Pickle imports through the copyreg extension registry",
		Why:      "EXT1, EXT2 and EXT4 import whatever global the loading process registered under a code with copyreg.add_extension. The file does not say what that is, so the import cannot be checked; no common library registers extension codes.",
		Fix:      "Do not load this file unless you know which extension codes your process registers.",
		Severity: finding.SeverityHigh,
		Tags:     []string{"security", "pickle", "evasion"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	if c.Trace == nil {
		return nil
	}
	var out []finding.Finding
	for _, im := range c.Trace.Imports {
		if im.Module != pickle.ExtModule {
			continue
		}
		out = append(out, c.New(r, im.Offset, im.Op.String()+" imports extension code "+im.Name+", which cannot be resolved statically",
			finding.Evidence{Opcode: im.Op.String(), Global: "copyreg extension " + im.Name}))
	}
	return out
}
