// Package differential reports runs different code under different loaders.
package differential

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-loader-differential rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-loader-differential",
		Title:    "Pickle runs different code under different loaders",
		Why:      "The stream reads differently under the C unpickler, the pure-Python unpickler, or joblib's, so what runs depends on how it is loaded. modelgate reports the union; the difference itself is a sign of a crafted file.",
		Fix:      "Do not load this file.",
		Severity: finding.SeverityMedium,
		Tags:     []string{"pickle", "anomaly"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	return rules.AnomalyFindings(c, r, pickle.AnomalyDialectDiffers)
}
