package report

import (
	"cmp"
	"slices"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

// toolName is the tool name written to SARIF and JSON.
const toolName = "modelgate"

// ruleSet returns every rule a report needs, sorted by ID: all of
// r.Rules (the first of any duplicate IDs wins), plus a placeholder for
// any rule ID a finding uses that r.Rules does not describe, so no
// finding is ever dropped for lack of metadata. Sorting by ID keeps SARIF
// ruleIndex values stable from run to run.
func ruleSet(r *scan.Result) []finding.Rule {
	seen := map[string]bool{}
	var rules []finding.Rule
	for _, rule := range r.Rules {
		if !seen[rule.ID] {
			seen[rule.ID] = true
			rules = append(rules, rule)
		}
	}
	for _, f := range r.Files {
		for _, x := range f.Findings {
			if !seen[x.RuleID] {
				seen[x.RuleID] = true
				rules = append(rules, placeholderRule(x))
			}
		}
	}
	slices.SortStableFunc(rules, func(a, b finding.Rule) int { return cmp.Compare(a.ID, b.ID) })
	return rules
}

// placeholderRule describes a rule that fired without metadata. It is a
// bug in the rule registry, but the finding still has to reach the user.
func placeholderRule(x finding.Finding) finding.Rule {
	return finding.Rule{
		ID:       x.RuleID,
		Title:    "Rule " + x.RuleID,
		Why:      "This rule fired, but the scan result carries no description of it.",
		Fix:      "Read the finding's message and evidence, and report the missing rule metadata to the modelgate maintainers.",
		Severity: x.Severity,
	}
}
