package policy

import (
	_ "embed"
	"sync"

	"github.com/modelgate/modelgate/finding"
)

// Rule IDs of the decisions CheckImport makes.
const (
	// RuleDenied marks an import of a known-dangerous callable or module.
	RuleDenied = "pickle-denied-global"
	// RuleUnlisted marks an import that is not on the allowlist.
	RuleUnlisted = "pickle-unlisted-global"
)

// Default severities of the two rules, used when a policy does not set them.
const (
	DefaultDeniedSeverity   = finding.SeverityCritical
	DefaultUnlistedSeverity = finding.SeverityHigh
)

// Decision is the verdict on one import.
type Decision struct {
	// Allowed is true when loading the import is considered safe.
	Allowed bool
	// RuleID is "" when allowed, else RuleDenied or RuleUnlisted.
	RuleID string
	// Severity is SeverityNone when allowed. On a decision that is not
	// allowed, SeverityNone means the policy switched the rule off and the
	// caller should not report it.
	Severity finding.Severity
	// Reason is a human reason, e.g. "process execution (os.system)".
	Reason string
	// Match names the policy entry that decided, e.g. "deny os" or
	// "allow torch._utils._rebuild_tensor_v2"; "default-deny" for unlisted.
	Match string
}

// Policy is an import policy: allowlist, denylist, explicit unsafe
// allowances and per-rule severities. A Policy is immutable and safe for
// concurrent use.
type Policy struct {
	name    string // from the file; folded into version by Version
	version string

	allow   []allowEntry
	deny    []denyEntry
	unsafe  []unsafeEntry
	exclude []string // names no wildcard matches
	sev     map[string]finding.Severity

	// Indexes built by index().
	exact     map[importKey]int   // exact allow entries
	wild      map[string][]int    // module -> wildcard allow entries
	denyByTop map[string][]int    // first component of base -> deny entries
	unsafeBy  map[importKey]int   // exact allow_unsafe entries
	guard     map[string]struct{} // names a wildcard must not match
}

type importKey struct{ module, name string }

//go:embed builtin.yaml
var builtinYAML []byte

var builtin = sync.OnceValue(func() *Policy {
	p, err := Parse(builtinYAML, "builtin.yaml")
	if err != nil {
		panic("policy: embedded builtin.yaml is invalid: " + err.Error())
	}
	return p
})

// Builtin returns the embedded built-in policy. It is parsed once and shared;
// it must not be, and cannot be, modified.
func Builtin() *Policy { return builtin() }

// Version returns the policy's version string: the builtin's version (e.g.
// "2026.11.1"), a user file's "name@version", or for an extended policy the
// base version followed by "+" and the user policy's version.
func (p *Policy) Version() string {
	switch {
	case p.name != "" && p.version != "":
		return p.name + "@" + p.version
	case p.name != "":
		return p.name
	}
	return p.version
}

// Severity returns the policy's severity for ruleID, or def when the policy
// does not set one. SeverityNone means the rule is switched off.
func (p *Policy) Severity(ruleID string, def finding.Severity) finding.Severity {
	if s, ok := p.sev[ruleID]; ok {
		return s
	}
	return def
}

// Extend returns a new policy made of p followed by user: the union of their
// allow and deny lists, user's allow_unsafe entries, and user's severities
// overriding p's. Neither input changes. The version is p's version followed
// by "+" and user's version, or "+custom" when user has none.
func (p *Policy) Extend(user *Policy) *Policy {
	uv := user.Version()
	if uv == "" {
		uv = "custom"
	}
	q := &Policy{
		version: p.Version() + "+" + uv,
		allow:   append(append([]allowEntry(nil), p.allow...), user.allow...),
		deny:    append(append([]denyEntry(nil), p.deny...), user.deny...),
		unsafe:  append(append([]unsafeEntry(nil), p.unsafe...), user.unsafe...),
		exclude: append(append([]string(nil), p.exclude...), user.exclude...),
		sev:     make(map[string]finding.Severity, len(p.sev)+len(user.sev)),
	}
	for k, v := range p.sev {
		q.sev[k] = v
	}
	for k, v := range user.sev {
		q.sev[k] = v
	}
	q.index()
	return q
}

// Shadowed returns the allow entries that can never take effect because a
// deny entry covers what they name, in policy order. A user policy that
// needs one of them must list the import under allow_unsafe.
func (p *Policy) Shadowed() []string {
	var out []string
	for _, a := range p.allow {
		probe := a.name
		if a.wildcard {
			probe = a.prefix + "X" // any name the wildcard could match
		}
		if _, ok := p.denied(a.module, probe); ok {
			out = append(out, a.String())
		}
	}
	return out
}

// CheckImport decides one import. module and name are as find_class would
// receive them after _compat_pickle renaming; name may be dotted.
func (p *Policy) CheckImport(module, name string) Decision {
	if u, ok := p.unsafeBy[importKey{foldModule(module), name}]; ok {
		e := p.unsafe[u]
		return Decision{Allowed: true, Reason: "allowed unsafely: " + e.reason, Match: "allow_unsafe " + e.String()}
	}
	if d, ok := p.denied(module, name); ok {
		return d
	}
	if c := dunderComponent(name); c != "" {
		return Decision{
			RuleID:   RuleDenied,
			Severity: p.Severity(RuleDenied, DefaultDeniedSeverity),
			Reason:   "attribute access gadget (dunder attribute " + c + " in " + module + "." + name + ")",
			Match:    "deny dunder attribute",
		}
	}
	if a, ok := p.allowed(module, name); ok {
		return Decision{Allowed: true, Reason: "on the allowlist", Match: "allow " + p.allow[a].String()}
	}
	return Decision{
		RuleID:   RuleUnlisted,
		Severity: p.Severity(RuleUnlisted, DefaultUnlistedSeverity),
		Reason:   "not on the allowlist; loading runs code from this module",
		Match:    "default-deny",
	}
}
