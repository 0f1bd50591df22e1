// Package protocol reports uses its protocol in ways no pickler does.
package protocol

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-protocol-anomaly rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-protocol-anomaly",
		Title:    "Pickle uses its protocol in ways no pickler does",
		Why:      "The stream declares one protocol and uses opcodes of a later one, declares its protocol twice, leaves values on the stack, uses out-of-band buffers or non-ASCII protocol-0 strings. CPython accepts all of these; picklers never write them, so they point to hand-made streams.",
		Fix:      "Check the file's provenance.",
		Severity: finding.SeverityInfo,
		Tags:     []string{"pickle", "anomaly"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	return rules.AnomalyFindings(c, r, pickle.AnomalyProtoLate, pickle.AnomalyProtoOpcode, pickle.AnomalyStringDecode, pickle.AnomalyOutOfBandBuffer, pickle.AnomalyStackLeftover)
}
