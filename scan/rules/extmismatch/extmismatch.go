// Package extmismatch reports files whose name suggests another format
// than their content.
package extmismatch

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the format-extension-mismatch rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "format-extension-mismatch",
		Title:    "File extension does not match the content",
		Why:      "modelgate decides formats by content, as loaders do; scanners that route by extension skip a pickle named .safetensors or a torch zip named .txt. The mismatch is reported so reviewers know the name is misleading.",
		Fix:      "Rename the file after its real format.",
		Severity: finding.SeverityInfo,
		Tags:     []string{"format"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	if c.Container == nil || c.Container.ExtensionSays == "" {
		return nil
	}
	return []finding.Finding{c.New(r, 0, "the name suggests "+c.Container.ExtensionSays+" but the content is "+c.Container.Kind, finding.Evidence{})}
}
