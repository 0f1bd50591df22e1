// Package framing reports has inconsistent framing.
package framing

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-frame-violation rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-frame-violation",
		Title:    "Pickle has inconsistent framing",
		Why:      "Protocol 4 frames tell the reader how many bytes to buffer. An opcode that crosses a frame end, or a frame inside a frame, is never written by CPython; the C unpickler reading from a file then skips bytes that disassemblers show (CPython gh-154848), so the program that runs differs from the program scanners see.",
		Fix:      "Do not load this file. modelgate reports what every reading of it would run.",
		Severity: finding.SeverityMedium,
		Tags:     []string{"pickle", "anomaly"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	return rules.AnomalyFindings(c, r, pickle.AnomalyFrameStraddle, pickle.AnomalyFrameNested)
}
