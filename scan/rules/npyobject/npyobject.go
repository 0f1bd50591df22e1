// Package npyobject reports NumPy files whose data is a pickle.
package npyobject

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the npy-object-array rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "npy-object-array",
		Title:    "NumPy array of Python objects: its data is a pickle",
		Why:      "An object-dtype .npy stores a pickle, which numpy.load unpickles when allow_pickle=True (CVE-2019-6446). modelgate scans that pickle and reports what it runs under the member (pickle); the array itself can never be loaded without trusting its author.",
		Fix:      "Store numeric arrays, or a data-only format, instead of object arrays.",
		Severity: finding.SeverityMedium,
		Tags:     []string{"numpy", "pickle"},
	}
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	if c.Container == nil || !c.Container.ObjectArray {
		return nil
	}
	return []finding.Finding{c.New(r, 0, "object-dtype array: numpy.load(allow_pickle=True) unpickles its data", finding.Evidence{})}
}
