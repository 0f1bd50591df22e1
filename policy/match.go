package policy

import (
	"strings"

	"github.com/modelgate/modelgate/finding"
)

// aliases folds the first component of a candidate path to the module whose
// objects it really exposes. posix and nt are what os re-exports; the C
// accelerator modules are the same objects as their public wrappers.
var aliases = map[string]string{
	"__builtin__":  "builtins",
	"__builtins__": "builtins",
	"posix":        "os",
	"nt":           "os",
	"_operator":    "operator",
	"_pickle":      "pickle",
	"cPickle":      "pickle",
	"_io":          "io",
	"_functools":   "functools",
	"copy_reg":     "copyreg",
	"_thread":      "thread",
	"_winreg":      "winreg",
	"_weakref":     "weakref",
	"_contextvars": "contextvars",
}

// allowEntry admits one module and one name, or with wildcard set any single
// name of module that starts with prefix (public names only if prefix is "").
type allowEntry struct {
	module   string
	name     string // exact name, possibly dotted; "" when wildcard
	wildcard bool
	prefix   string
}

// String returns the entry in canonical policy-file syntax.
func (a allowEntry) String() string {
	switch {
	case a.wildcard:
		return a.module + "." + a.prefix + "*"
	case strings.Contains(a.name, "."):
		return a.module + ":" + a.name
	}
	return a.module + "." + a.name
}

// denyEntry denies base and what is under it (or, with under set, only what
// is under it), except the relative paths in except.
type denyEntry struct {
	base     string
	under    bool
	reason   string
	severity finding.Severity // SeverityNone: use the rule's severity
	except   []string
}

// String returns the entry's match in policy-file syntax.
func (d denyEntry) String() string {
	if d.under {
		return d.base + ".*"
	}
	return d.base
}

// covers reports whether the entry matches candidate path c.
func (d denyEntry) covers(c string) bool {
	rel, ok := strings.CutPrefix(c, d.base)
	switch {
	case !ok:
		return false
	case rel == "":
		return !d.under
	case rel[0] != '.':
		return false
	}
	rel = rel[1:]
	for _, e := range d.except {
		if rel == e {
			return false
		}
	}
	return true
}

// unsafeEntry allows one exact import despite the denylist.
type unsafeEntry struct {
	module, name string
	reason       string
}

// String returns the entry's match in policy-file syntax.
func (u unsafeEntry) String() string {
	return allowEntry{module: u.module, name: u.name}.String()
}

// index builds the lookup tables. It is called once per Policy.
func (p *Policy) index() {
	p.exact = make(map[importKey]int)
	p.wild = make(map[string][]int)
	for i, a := range p.allow {
		if a.wildcard {
			p.wild[a.module] = append(p.wild[a.module], i)
		} else if _, dup := p.exact[importKey{a.module, a.name}]; !dup {
			p.exact[importKey{a.module, a.name}] = i
		}
	}
	p.denyByTop = make(map[string][]int)
	p.guard = make(map[string]struct{})
	for i, d := range p.deny {
		top, _, _ := strings.Cut(d.base, ".")
		p.denyByTop[top] = append(p.denyByTop[top], i)
		if !d.under {
			p.guard[d.base[strings.LastIndexByte(d.base, '.')+1:]] = struct{}{}
		}
	}
	for a := range aliases {
		p.guard[a] = struct{}{}
	}
	for _, x := range p.exclude {
		p.guard[x] = struct{}{}
	}
	p.unsafeBy = make(map[importKey]int)
	for i, u := range p.unsafe {
		if _, dup := p.unsafeBy[importKey{u.module, u.name}]; !dup {
			p.unsafeBy[importKey{u.module, u.name}] = i
		}
	}
}

// foldModule applies the alias table to the first component of module.
func foldModule(module string) string {
	top, rest, dotted := strings.Cut(module, ".")
	if a, ok := aliases[top]; ok {
		if dotted {
			return a + "." + rest
		}
		return a
	}
	return module
}

// candidates returns the paths the denylist is matched against, longest
// first: the full path with its module folded, then every suffix of two or
// more components that starts inside name, folded, and again with leading
// underscores removed from its first component.
func candidates(module, name string) []string {
	out := []string{foldModule(module) + "." + name}
	parts := strings.Split(name, ".")
	for i := 0; i < len(parts)-1; i++ {
		rest := strings.Join(parts[i+1:], ".")
		head := parts[i]
		out = append(out, foldModule(head)+"."+rest)
		if bare := strings.TrimLeft(head, "_"); bare != head && bare != "" {
			out = append(out, foldModule(bare)+"."+rest)
		}
	}
	return out
}

// denied matches the denylist. See the package documentation for the order
// in which matches are preferred.
func (p *Policy) denied(module, name string) (Decision, bool) {
	best, bestCand := -1, ""
	var bestSev finding.Severity
	bestRank := -1
	for rank, c := range candidates(module, name) {
		top, _, _ := strings.Cut(c, ".")
		for _, i := range p.denyByTop[top] {
			d := p.deny[i]
			if !d.covers(c) {
				continue
			}
			sev := p.entrySeverity(d)
			if best >= 0 && !better(sev, rank, len(d.base), bestSev, bestRank, len(p.deny[best].base)) {
				continue
			}
			best, bestCand, bestSev, bestRank = i, c, sev, rank
		}
	}
	if best < 0 {
		return Decision{}, false
	}
	d := p.deny[best]
	reason := d.reason + " (" + bestCand
	if raw := module + "." + name; raw != bestCand {
		reason += ", reached as " + raw
	}
	return Decision{
		RuleID:   RuleDenied,
		Severity: bestSev,
		Reason:   reason + ")",
		Match:    "deny " + d.String(),
	}, true
}

// better reports whether a match (severity, candidate rank, entry length)
// beats the current best: more severe, then a later (shorter) candidate,
// then a longer, more specific entry.
func better(sev finding.Severity, rank, n int, bSev finding.Severity, bRank, bn int) bool {
	if sev != bSev {
		return sev > bSev
	}
	if rank != bRank {
		return rank > bRank
	}
	return n > bn
}

func (p *Policy) entrySeverity(d denyEntry) finding.Severity {
	if d.severity != finding.SeverityNone {
		return d.severity
	}
	return p.Severity(RuleDenied, DefaultDeniedSeverity)
}

// allowed matches the allowlist and returns the index of the entry.
func (p *Policy) allowed(module, name string) (int, bool) {
	module = foldModule(module)
	if i, ok := p.exact[importKey{module, name}]; ok {
		return i, true
	}
	if strings.Contains(name, ".") || isDunder(name) || p.guarded(name) {
		return 0, false
	}
	for _, i := range p.wild[module] {
		a := p.allow[i]
		if a.prefix == "" && strings.HasPrefix(name, "_") {
			continue
		}
		if len(name) > len(a.prefix) && strings.HasPrefix(name, a.prefix) && isIdentifier(name) {
			return i, true
		}
	}
	return 0, false
}

// guarded reports whether name, with or without leading underscores, is one
// a wildcard must not admit: a denied module or callable under another path.
func (p *Policy) guarded(name string) bool {
	if _, ok := p.guard[name]; ok {
		return true
	}
	_, ok := p.guard[strings.TrimLeft(name, "_")]
	return ok
}

// isDunder reports whether s has the form __x__.
func isDunder(s string) bool {
	return len(s) > 4 && strings.HasPrefix(s, "__") && strings.HasSuffix(s, "__")
}

// dunderComponent returns the first dunder component of a dotted name, or "".
func dunderComponent(name string) string {
	for _, c := range strings.Split(name, ".") {
		if isDunder(c) {
			return c
		}
	}
	return ""
}
