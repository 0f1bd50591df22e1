// Package deniedglobal reports imports of known-dangerous callables.
package deniedglobal

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-denied-global rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-denied-global",
		Title:    "Pickle imports a dangerous callable",
		Why:      "Unpickling imports every global the stream names and calls what it is told to. This global runs commands, evaluates code, touches files or the network, or reaches other code; loading the file runs it with the loader's privileges.",
		Fix:      "Do not load this file. Ask the publisher for a data-only format (safetensors, ONNX, .npy) or convert it with `modelgate convert`, which never executes the pickle.",
		Severity: finding.SeverityCritical,
		Tags:     []string{"security", "pickle", "code-execution"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding { return rules.ImportFindings(c, r) }
