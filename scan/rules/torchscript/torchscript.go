// Package torchscript reports TorchScript archives.
package torchscript

import (
	"strings"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the torchscript-archive rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "torchscript-archive",
		Title:    "File is a TorchScript archive: it contains code that runs when used",
		Why:      "A TorchScript archive carries TorchScript source under code/. torch.jit.load compiles it, and torch.load(weights_only=True) in torch <= 2.5.1 dispatched to it silently (CVE-2025-32434). Its methods can call aten::save and aten::from_file, which write and read arbitrary files, when the loaded module is used.",
		Fix:      "Load it only if you trust its author, with torch.jit.load in a sandbox; prefer weights in safetensors plus model code you control.",
		Severity: finding.SeverityHigh,
		Tags:     []string{"security", "pytorch", "torchscript"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	if c.Container == nil || !c.Container.TorchScript {
		return nil
	}
	detail := "constants.pkl present"
	if n := len(c.Container.Code); n > 0 {
		shown := c.Container.Code
		if n > 5 {
			shown = shown[:5]
		}
		detail += "; code members: " + strings.Join(shown, ", ")
		if n > 5 {
			detail += ", …"
		}
	}
	return []finding.Finding{c.New(r, 0, "TorchScript archive: loading and using it runs the TorchScript code it carries", finding.Evidence{Detail: detail})}
}
