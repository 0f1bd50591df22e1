package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/finding"
)

// MaxFileSize bounds the size of a policy file LoadFile reads.
const MaxFileSize = 4 << 20

// ErrInvalid is wrapped by every ParseError about the content of a policy
// (as opposed to a YAML syntax error or an I/O error).
var ErrInvalid = errors.New("policy: invalid policy")

// ParseError reports a problem in a policy file: the file, the 1-based line
// (0 when unknown), the field, e.g. "deny[3].match", and what is wrong.
type ParseError struct {
	File  string
	Line  int
	Field string
	Err   error
}

// Error formats the error as "policy: FILE:LINE: FIELD: message".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("policy: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// invalid is the message of a content error; it unwraps to ErrInvalid.
type invalid string

func (m invalid) Error() string        { return string(m) }
func (m invalid) Is(target error) bool { return target == ErrInvalid }

// LoadFile reads and parses the policy file at path.
func LoadFile(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("policy: %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, &ParseError{File: path, Err: invalid(fmt.Sprintf("file larger than %d bytes", MaxFileSize))}
	}
	return Parse(data, path)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// Parse parses a policy file, YAML or JSON. name is used in errors only.
// An empty document is an empty policy.
func Parse(data []byte, name string) (*Policy, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		pe := &ParseError{File: name, Err: err}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			pe.Line, _ = strconv.Atoi(m[1])
			pe.Err = errors.New(strings.TrimPrefix(err.Error(), m[0]))
		}
		return nil, pe
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &ParseError{File: name, Line: extra.Line, Err: invalid("more than one YAML document")}
	}
	ps := &parser{file: name, p: &Policy{sev: map[string]finding.Severity{}}}
	if err := ps.document(&doc); err != nil {
		return nil, err
	}
	ps.p.index()
	return ps.p, nil
}

type parser struct {
	file string
	p    *Policy
}

func (ps *parser) errf(n *yaml.Node, field, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ParseError{File: ps.file, Line: line, Field: field, Err: invalid(fmt.Sprintf(format, args...))}
}

// resolve follows aliases (YAML anchors) to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// mapping returns the key/value pairs of a mapping node, rejecting keys not
// in allowed and duplicate keys.
func (ps *parser) mapping(n *yaml.Node, field string, allowed ...string) ([][2]*yaml.Node, error) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return nil, ps.errf(n, field, "want a mapping, got %s", kind(n))
	}
	seen := map[string]bool{}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, ps.errf(k, field, "keys must be strings")
		}
		if len(allowed) > 0 && !slices.Contains(allowed, k.Value) {
			return nil, ps.errf(k, join(field, k.Value), "unknown field (want one of %s)", strings.Join(allowed, ", "))
		}
		if seen[k.Value] {
			return nil, ps.errf(k, join(field, k.Value), "duplicate key")
		}
		seen[k.Value] = true
		out = append(out, [2]*yaml.Node{k, v})
	}
	return out, nil
}

func (ps *parser) sequence(n *yaml.Node, field string) ([]*yaml.Node, error) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		return nil, ps.errf(n, field, "want a list, got %s", kind(n))
	}
	return n.Content, nil
}

func (ps *parser) scalar(n *yaml.Node, field string) (string, error) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", ps.errf(n, field, "want a string, got %s", kind(n))
	}
	return n.Value, nil
}

func (ps *parser) nonEmpty(n *yaml.Node, field string) (string, error) {
	s, err := ps.scalar(n, field)
	if err == nil && strings.TrimSpace(s) == "" {
		err = ps.errf(n, field, "must not be empty")
	}
	return s, err
}

func (ps *parser) document(doc *yaml.Node) error {
	if doc.Kind == 0 {
		return nil // empty file
	}
	root := doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil // "---" and nothing else
	}
	kvs, err := ps.mapping(root, "", "name", "version", "allow", "deny", "allow_unsafe", "severity", "wildcard_exclude")
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		k, v := kv[0].Value, kv[1]
		switch k {
		case "name":
			ps.p.name, err = ps.nonEmpty(v, k)
		case "version":
			ps.p.version, err = ps.nonEmpty(v, k)
		case "allow":
			err = ps.allowList(v)
		case "deny":
			err = ps.denyList(v)
		case "allow_unsafe":
			err = ps.unsafeList(v)
		case "severity":
			err = ps.severities(v)
		case "wildcard_exclude":
			err = ps.excludeList(v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (ps *parser) allowList(n *yaml.Node) error {
	items, err := ps.sequence(n, "allow")
	if err != nil {
		return err
	}
	for i, it := range items {
		field := fmt.Sprintf("allow[%d]", i)
		if it = resolve(it); it.Kind == yaml.MappingNode {
			err = ps.allowGroup(it, field)
		} else {
			var s string
			if s, err = ps.nonEmpty(it, field); err == nil {
				var a allowEntry
				if a, err = parseAllow(s); err != nil {
					err = ps.errf(it, field, "%q: %v", s, err)
				}
				ps.p.allow = append(ps.p.allow, a)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// allowGroup parses {module: m, names: [a, b.c, "*"]}.
func (ps *parser) allowGroup(n *yaml.Node, field string) error {
	kvs, err := ps.mapping(n, field, "module", "names")
	if err != nil {
		return err
	}
	var module string
	var names []*yaml.Node
	var namesNode *yaml.Node
	for _, kv := range kvs {
		switch kv[0].Value {
		case "module":
			if module, err = ps.nonEmpty(kv[1], field+".module"); err != nil {
				return err
			}
			if err := checkDotted(module); err != nil {
				return ps.errf(kv[1], field+".module", "%q: %v", module, err)
			}
		case "names":
			namesNode = kv[1]
			if names, err = ps.sequence(kv[1], field+".names"); err != nil {
				return err
			}
		}
	}
	if module == "" || namesNode == nil {
		return ps.errf(n, field, "a group needs both module and names")
	}
	if len(names) == 0 {
		return ps.errf(namesNode, field+".names", "must not be empty")
	}
	for j, nn := range names {
		f := fmt.Sprintf("%s.names[%d]", field, j)
		s, err := ps.nonEmpty(nn, f)
		if err != nil {
			return err
		}
		a, err := parseAllowName(module, s)
		if err != nil {
			return ps.errf(nn, f, "%q: %v", s, err)
		}
		ps.p.allow = append(ps.p.allow, a)
	}
	return nil
}

func (ps *parser) denyList(n *yaml.Node) error {
	items, err := ps.sequence(n, "deny")
	if err != nil {
		return err
	}
	for i, it := range items {
		field := fmt.Sprintf("deny[%d]", i)
		kvs, err := ps.mapping(it, field, "match", "reason", "severity", "except")
		if err != nil {
			return err
		}
		var d denyEntry
		var matched bool
		for _, kv := range kvs {
			f := field + "." + kv[0].Value
			switch kv[0].Value {
			case "match":
				s, err := ps.nonEmpty(kv[1], f)
				if err != nil {
					return err
				}
				if d.base, d.under, err = parseDeny(s); err != nil {
					return ps.errf(kv[1], f, "%q: %v", s, err)
				}
				matched = true
			case "reason":
				if d.reason, err = ps.nonEmpty(kv[1], f); err != nil {
					return err
				}
			case "severity":
				s, err := ps.nonEmpty(kv[1], f)
				if err != nil {
					return err
				}
				if d.severity, err = parseSeverity(s); err != nil {
					return ps.errf(kv[1], f, "%v", err)
				}
				if d.severity == finding.SeverityNone {
					return ps.errf(kv[1], f, "a deny entry cannot be switched off; remove it instead")
				}
			case "except":
				if d.except, err = ps.exceptList(kv[1], f); err != nil {
					return err
				}
			}
		}
		if !matched || d.reason == "" {
			return ps.errf(it, field, "a deny entry needs match and reason")
		}
		ps.p.deny = append(ps.p.deny, d)
	}
	return nil
}

func (ps *parser) exceptList(n *yaml.Node, field string) ([]string, error) {
	items, err := ps.sequence(n, field)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for j, it := range items {
		f := fmt.Sprintf("%s[%d]", field, j)
		s, err := ps.nonEmpty(it, f)
		if err != nil {
			return nil, err
		}
		if err := checkDotted(s); err != nil {
			return nil, ps.errf(it, f, "%q: %v", s, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func (ps *parser) excludeList(n *yaml.Node) error {
	items, err := ps.sequence(n, "wildcard_exclude")
	if err != nil {
		return err
	}
	for i, it := range items {
		f := fmt.Sprintf("wildcard_exclude[%d]", i)
		s, err := ps.nonEmpty(it, f)
		if err != nil {
			return err
		}
		if !isIdentifier(s) {
			return ps.errf(it, f, "%q: want a single name", s)
		}
		ps.p.exclude = append(ps.p.exclude, s)
	}
	return nil
}

func (ps *parser) unsafeList(n *yaml.Node) error {
	items, err := ps.sequence(n, "allow_unsafe")
	if err != nil {
		return err
	}
	for i, it := range items {
		field := fmt.Sprintf("allow_unsafe[%d]", i)
		kvs, err := ps.mapping(it, field, "match", "reason")
		if err != nil {
			return err
		}
		var u unsafeEntry
		for _, kv := range kvs {
			f := field + "." + kv[0].Value
			s, err := ps.nonEmpty(kv[1], f)
			if err != nil {
				return err
			}
			if kv[0].Value == "reason" {
				u.reason = s
				continue
			}
			a, err := parseAllow(s)
			if err == nil && a.wildcard {
				err = errors.New("allow_unsafe takes one exact import, not a wildcard")
			}
			if err != nil {
				return ps.errf(kv[1], f, "%q: %v", s, err)
			}
			u.module, u.name = foldModule(a.module), a.name
		}
		if u.module == "" || u.reason == "" {
			return ps.errf(it, field, "an allow_unsafe entry needs match and reason")
		}
		ps.p.unsafe = append(ps.p.unsafe, u)
	}
	return nil
}

var ruleIDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func (ps *parser) severities(n *yaml.Node) error {
	kvs, err := ps.mapping(n, "severity")
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		id, f := kv[0].Value, "severity."+kv[0].Value
		if !ruleIDPattern.MatchString(id) {
			return ps.errf(kv[0], f, "not a rule ID (lower-case words joined by -)")
		}
		s, err := ps.nonEmpty(kv[1], f)
		if err != nil {
			return err
		}
		sev, err := parseSeverity(s)
		if err != nil {
			return ps.errf(kv[1], f, "%v", err)
		}
		if id == RuleDenied && sev < DefaultDeniedSeverity {
			return ps.errf(kv[1], f, "cannot be lowered below %s; list the imports that must load under allow_unsafe", DefaultDeniedSeverity)
		}
		ps.p.sev[id] = sev
	}
	return nil
}

func kind(n *yaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return "null"
	case n.Kind == yaml.ScalarNode:
		return "a scalar"
	}
	return "an alias"
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}
