// Package unlistedglobal reports imports that the policy does not allow.
package unlistedglobal

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-unlisted-global rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-unlisted-global",
		Title:    "Pickle imports a global that is not on the allowlist",
		Why:      "modelgate decides by default-deny: an import is safe only if the policy allows it. Unpickling imports this module and may call this name, running code nobody has reviewed for safety.",
		Fix:      "If the class is your own and you trust its code, allow it in a policy file (`--policy`); otherwise do not load the file, or convert it to a data-only format.",
		Severity: finding.SeverityHigh,
		Tags:     []string{"security", "pickle", "default-deny"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding { return rules.ImportFindings(c, r) }
