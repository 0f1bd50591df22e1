// Package dynamicglobal reports STACK_GLOBAL imports whose module or name
// is computed while loading, so the import cannot be named statically.
package dynamicglobal

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-dynamic-global rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-dynamic-global",
		Title:    "Pickle imports a global whose name is computed at load time",
		Why:      "STACK_GLOBAL takes its module and name from the stack. Here they are the results of calls, so the import is decided while loading and no static reading can name it. Legitimate pickles always push constant strings.",
		Fix:      "Do not load this file.",
		Severity: finding.SeverityCritical,
		Tags:     []string{"security", "pickle", "evasion"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	if c.Trace == nil {
		return nil
	}
	var out []finding.Finding
	for _, d := range c.Trace.Dynamic {
		mod := pickle.Render(d.Module, rules.RenderOptions)
		name := pickle.Render(d.Name, rules.RenderOptions)
		out = append(out, c.New(r, d.Offset, "STACK_GLOBAL imports a name computed at load time: module "+mod+", name "+name,
			finding.Evidence{Opcode: "STACK_GLOBAL", Detail: "module=" + mod + " name=" + name}))
	}
	return out
}
