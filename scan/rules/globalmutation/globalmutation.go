// Package globalmutation reports streams that change imported objects.
package globalmutation

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-global-mutation rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-global-mutation",
		Title:    "Pickle modifies an imported module, class or function",
		Why:      "BUILD, SETITEM and APPEND on an imported object set attributes or items on live modules and functions of the loading process. No pickler writes this; attackers use it to plant values that later imports read (modelscan issue #85) or to alter library behaviour after loading.",
		Fix:      "Do not load this file.",
		Severity: finding.SeverityCritical,
		Tags:     []string{"security", "pickle", "evasion"},
	}
}

var verbs = map[pickle.MutationKind]string{
	pickle.MutateSetAttr: "sets attribute",
	pickle.MutateSetItem: "sets item",
	pickle.MutateAppend:  "appends to",
	pickle.MutateAdd:     "adds to",
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	if c.Trace == nil {
		return nil
	}
	var out []finding.Finding
	for _, m := range c.Trace.Mutations {
		target := m.Target.Path()
		what := verbs[m.Kind] + " " + target
		if m.Key != nil {
			what = verbs[m.Kind] + " " + pickle.Render(m.Key, rules.RenderOptions) + " of " + target
		}
		val := pickle.Render(m.Value, rules.RenderOptions)
		out = append(out, c.New(r, m.Offset, m.Op.String()+" "+what+" = "+val,
			finding.Evidence{Opcode: m.Op.String(), Global: target, Detail: what + " = " + val}))
	}
	return out
}
