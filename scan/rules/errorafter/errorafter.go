// Package errorafter reports streams that break after calls already ran.
package errorafter

import (
	"fmt"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-error-after-call rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-error-after-call",
		Title:    "Pickle breaks after it has already called code",
		Why:      "CPython runs opcodes one by one, so calls before a parse error have already happened when loading fails. Malware uses a broken tail to make scanners give up (\"execute, then crash\"); the error itself proves nothing was safe.",
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
	t := c.Trace
	if t.Err == nil {
		return nil
	}
	calls := 0
	for _, call := range t.Calls {
		if call.Kind != pickle.CallSetState && call.Kind != pickle.CallMethod {
			calls++
		}
	}
	if calls == 0 {
		return nil
	}
	off := t.End
	var fe *pickle.FormatError
	if asFormat(t.Err, &fe) {
		off = fe.Offset
	}
	return []finding.Finding{c.New(r, off, fmt.Sprintf("stream breaks at offset %d after %d calls ran: %v", off, calls, t.Err),
		finding.Evidence{Detail: t.Err.Error()})}
}

func asFormat(err error, fe **pickle.FormatError) bool {
	for err != nil {
		if e, ok := err.(*pickle.FormatError); ok {
			*fe = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
