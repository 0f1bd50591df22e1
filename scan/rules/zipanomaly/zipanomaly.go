// Package zipanomaly reports structural tricks in zip archives.
package zipanomaly

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the zip-anomaly rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "zip-anomaly",
		Title:    "Zip archive is malformed in a way loaders tolerate and scanners trip on",
		Why:      "torch.load reads zips through the central directory and ignores CRCs, flag bits and local-header names; Python's zipfile and most scanners reject or skip such entries. Bad CRCs, flipped flag bits, mismatched or duplicate names, overlapping entries and prepended data are the published ways to hide a pickle from scanners (CVE-2025-10156, CVE-2025-1944, CVE-2025-1945). torch.save never writes them.",
		Fix:      "Do not load this file; re-export the model from a trusted source.",
		Severity: finding.SeverityHigh,
		Tags:     []string{"security", "zip", "evasion"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	if c.Container == nil {
		return nil
	}
	var out []finding.Finding
	for _, a := range c.Container.Anomalies {
		f := c.New(r, a.Offset, a.Kind+": "+a.Detail, finding.Evidence{Detail: a.Kind})
		if a.Member != "" {
			f.Evidence.Detail = a.Kind + " in " + a.Member
		}
		out = append(out, f)
	}
	return out
}
