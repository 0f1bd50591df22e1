package policy

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/modelgate/modelgate/finding"
)

// parseSeverity accepts finding severity names and "off" (= none).
func parseSeverity(s string) (finding.Severity, error) {
	if strings.EqualFold(strings.TrimSpace(s), "off") {
		return finding.SeverityNone, nil
	}
	return finding.ParseSeverity(s)
}

// parseAllow parses "a.b.C", "a.b.*", "a.b.pre*" or "a.b:C.D".
func parseAllow(s string) (allowEntry, error) {
	if module, name, ok := strings.Cut(s, ":"); ok {
		if err := checkDotted(module); err != nil {
			return allowEntry{}, fmt.Errorf("module: %v", err)
		}
		if err := checkDotted(name); err != nil {
			return allowEntry{}, fmt.Errorf("name: %v", err)
		}
		return allowEntry{module: foldModule(module), name: name}, nil
	}
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return allowEntry{}, errors.New("want module.Name (at least two components)")
	}
	return parseAllowName(s[:i], s[i+1:])
}

// parseAllowName parses the name half of an allow entry: an exact, possibly
// dotted name, or a single component ending in "*".
func parseAllowName(module, name string) (allowEntry, error) {
	if err := checkDotted(module); err != nil {
		return allowEntry{}, fmt.Errorf("module: %v", err)
	}
	module = foldModule(module) // __builtin__.set is builtins.set
	if prefix, ok := strings.CutSuffix(name, "*"); ok {
		if prefix != "" && !isIdentifierPrefix(prefix) {
			return allowEntry{}, errors.New(`"*" may only follow the start of a single name`)
		}
		return allowEntry{module: module, wildcard: true, prefix: prefix}, nil
	}
	if err := checkDotted(name); err != nil {
		return allowEntry{}, fmt.Errorf("name: %v", err)
	}
	return allowEntry{module: module, name: name}, nil
}

// parseDeny parses "a.b" or "a.b.*".
func parseDeny(s string) (base string, under bool, err error) {
	base, under = strings.CutSuffix(s, ".*")
	if err := checkDotted(base); err != nil {
		return "", false, err
	}
	return base, under, nil
}

// checkDotted checks that s is identifiers joined by dots.
func checkDotted(s string) error {
	if s == "" {
		return errors.New("empty path")
	}
	for _, c := range strings.Split(s, ".") {
		if !isIdentifier(c) {
			if c == "" {
				return errors.New("empty component")
			}
			return fmt.Errorf("%q is not a Python identifier", c)
		}
	}
	return nil
}

// isIdentifier reports whether s is a Python identifier (letters, digits and
// underscores, not starting with a digit).
func isIdentifier(s string) bool {
	return s != "" && isIdentifierPrefix(s)
}

func isIdentifierPrefix(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}
