// Package indirectcall reports calls of values that are not named imports.
package indirectcall

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-indirect-call rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-indirect-call",
		Title:    "Pickle calls a value that is not a named import",
		Why:      "The stream calls something it did not import by name: an object from persistent_load, a copyreg extension or a global computed at load time. What runs cannot be known from the file.",
		Fix:      "Do not load this file.",
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
	for _, call := range c.Trace.Calls {
		if call.Kind == pickle.CallSetState || call.Kind == pickle.CallMethod {
			continue
		}
		if g, ok := call.Target(); ok && g.Module != "?" {
			continue
		}
		out = append(out, c.New(r, call.Offset, call.Op.String()+" calls "+pickle.RenderCall(call, rules.RenderOptions),
			finding.Evidence{Opcode: call.Op.String(), Call: pickle.RenderCall(call, rules.RenderOptions)}))
	}
	return out
}
