package policy

import (
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/modelgate/modelgate/finding"
)

// WriteTo writes the effective policy as canonical YAML: version, severities
// sorted by rule ID, allow entries sorted and deduplicated in single-string
// form, deny entries sorted by match, allow_unsafe entries sorted. Parsing
// the output gives a policy that decides every import the same way and has
// the same Version. It implements io.WriterTo.
func (p *Policy) WriteTo(w io.Writer) (int64, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	root.HeadComment = "modelgate effective import policy (see `go doc github.com/modelgate/modelgate/policy`)"
	if v := p.Version(); v != "" {
		addPair(root, "version", str(v))
	}
	if len(p.sev) > 0 {
		m := &yaml.Node{Kind: yaml.MappingNode}
		ids := make([]string, 0, len(p.sev))
		for id := range p.sev {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			addPair(m, id, str(severityName(p.sev[id])))
		}
		addPair(root, "severity", m)
	}
	if len(p.allow) > 0 {
		addPair(root, "allow", strList(p.allowStrings()))
	}
	if len(p.exclude) > 0 {
		x := slices.Compact(slices.Sorted(slices.Values(p.exclude)))
		l := strList(x)
		l.Style = yaml.FlowStyle
		addPair(root, "wildcard_exclude", l)
	}
	if len(p.deny) > 0 {
		addPair(root, "deny", p.denyNodes())
	}
	if len(p.unsafe) > 0 {
		addPair(root, "allow_unsafe", p.unsafeNodes())
	}
	cw := &countingWriter{w: w}
	enc := yaml.NewEncoder(cw)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return cw.n, err
	}
	return cw.n, enc.Close()
}

func (p *Policy) allowStrings() []string {
	out := make([]string, 0, len(p.allow))
	for _, a := range p.allow {
		out = append(out, a.String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (p *Policy) denyNodes() *yaml.Node {
	entries := slices.Clone(p.deny)
	slices.SortStableFunc(entries, func(a, b denyEntry) int { return strings.Compare(a.String(), b.String()) })
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	var prev *denyEntry
	for i := range entries {
		d := &entries[i]
		d.except = slices.Compact(slices.Sorted(slices.Values(d.except)))
		if prev != nil && sameDeny(*prev, *d) {
			continue
		}
		prev = d
		m := &yaml.Node{Kind: yaml.MappingNode}
		addPair(m, "match", str(d.String()))
		addPair(m, "reason", str(d.reason))
		if d.severity != finding.SeverityNone {
			addPair(m, "severity", str(d.severity.String()))
		}
		if len(d.except) > 0 {
			l := strList(d.except)
			l.Style = yaml.FlowStyle
			addPair(m, "except", l)
		}
		seq.Content = append(seq.Content, m)
	}
	return seq
}

func sameDeny(a, b denyEntry) bool {
	return a.base == b.base && a.under == b.under && a.reason == b.reason &&
		a.severity == b.severity && slices.Equal(a.except, b.except)
}

func (p *Policy) unsafeNodes() *yaml.Node {
	entries := slices.Clone(p.unsafe)
	slices.SortStableFunc(entries, func(a, b unsafeEntry) int { return strings.Compare(a.String(), b.String()) })
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, u := range entries {
		m := &yaml.Node{Kind: yaml.MappingNode}
		addPair(m, "match", str(u.String()))
		addPair(m, "reason", str(u.reason))
		seq.Content = append(seq.Content, m)
	}
	return seq
}

func severityName(s finding.Severity) string {
	if s == finding.SeverityNone {
		return "off"
	}
	return s.String()
}

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func strList(items []string) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range items {
		seq.Content = append(seq.Content, str(s))
	}
	return seq
}

func addPair(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
