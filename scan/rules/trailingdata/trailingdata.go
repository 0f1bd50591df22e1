// Package trailingdata reports has data after its end.
package trailingdata

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-trailing-data rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-trailing-data",
		Title:    "Pickle has data after its end",
		Why:      "Bytes follow STOP. pickle.load ignores them, but loaders that read several pickles from one file (torch's legacy format, custom loops) unpickle them, and scanners that stop at the first STOP never see them. modelgate scans every pickle that follows.",
		Fix:      "Check where the extra bytes come from; re-save the model with a current library.",
		Severity: finding.SeverityLow,
		Tags:     []string{"pickle", "anomaly"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	return rules.AnomalyFindings(c, r, pickle.AnomalyTrailingData, pickle.AnomalyMultiplePickles)
}
