// Package finding holds the types every modelgate analysis reports: rule
// metadata, severities and findings with their locations and evidence.
// Scanning, auditing and the report writers share them.
package finding

import (
	"fmt"
	"strings"
)

// Severity orders findings by how much harm they allow.
type Severity int

// Severities, lowest first. SeverityNone is the zero value and is never
// reported; it is used as a threshold meaning "fail on nothing".
const (
	SeverityNone Severity = iota
	SeverityInfo
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"none", "info", "low", "medium", "high", "critical"}

// String returns the lower-case name of s.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name, case-insensitively.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, s := range severityNames {
		if s == n {
			return Severity(i), nil
		}
	}
	return SeverityNone, fmt.Errorf("finding: unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Rule is the advice half of a finding: what the rule detects, why it
// matters and how to fix it. Reports and docs are generated from it.
type Rule struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Why      string   `json:"why"`
	Fix      string   `json:"fix"`
	Severity Severity `json:"severity"` // default severity
	Tags     []string `json:"tags,omitempty"`
}

// Location says where a finding is.
type Location struct {
	Path   string `json:"path"`             // file on disk
	Member string `json:"member,omitempty"` // member inside an archive or container, "/"-separated for nesting
	Offset int64  `json:"offset"`           // byte offset inside Member (or Path); -1 when not applicable
	Line   int    `json:"line,omitempty"`   // 1-based line for source files
	Column int    `json:"column,omitempty"` // 1-based column for source files
}

// Evidence is what a finding saw.
type Evidence struct {
	Opcode string `json:"opcode,omitempty"` // opcode that caused it
	Global string `json:"global,omitempty"` // dotted import, e.g. "os.system"
	Call   string `json:"call,omitempty"`   // rendered call, e.g. "os.system('id')"
	Detail string `json:"detail,omitempty"` // anything else worth showing
}

// Finding is one reported problem.
type Finding struct {
	RuleID   string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Location Location `json:"location"`
	Evidence Evidence `json:"evidence"`
}
