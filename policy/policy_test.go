package policy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/finding"
)

const unlistedReason = "not on the allowlist; loading runs code from this module"

func allowedBy(match string) Decision {
	return Decision{Allowed: true, Reason: "on the allowlist", Match: "allow " + match}
}

func deniedBy(match, reason string) Decision {
	return Decision{RuleID: RuleDenied, Severity: finding.SeverityCritical, Reason: reason, Match: "deny " + match}
}

func unlisted() Decision {
	return Decision{RuleID: RuleUnlisted, Severity: finding.SeverityHigh, Reason: unlistedReason, Match: "default-deny"}
}

func TestCheckImportBuiltin(t *testing.T) {
	tests := []struct {
		name         string
		module, attr string
		want         Decision
	}{
		// Allowed: torch, numpy, sklearn, joblib, plain Python.
		{"torch rebuild", "torch._utils", "_rebuild_tensor_v2", allowedBy("torch._utils._rebuild_tensor_v2")},
		{"torch parameter", "torch._utils", "_rebuild_parameter", allowedBy("torch._utils._rebuild_parameter")},
		{"torch storage", "torch", "FloatStorage", allowedBy("torch.FloatStorage")},
		{"torch untyped storage", "torch.storage", "UntypedStorage", allowedBy("torch.storage.UntypedStorage")},
		{"torch dtype", "torch", "bfloat16", allowedBy("torch.bfloat16")},
		{"torch layer", "torch.nn.modules.linear", "Linear", allowedBy("torch.nn.modules.linear.*")},
		{"torch layout", "torch.serialization", "_get_layout", allowedBy("torch.serialization._get_layout")},
		{"numpy reconstruct", "numpy.core.multiarray", "_reconstruct", allowedBy("numpy.core.multiarray._reconstruct")},
		{"numpy 2 reconstruct", "numpy._core.multiarray", "_reconstruct", allowedBy("numpy._core.multiarray._reconstruct")},
		{"numpy dtype", "numpy", "dtype", allowedBy("numpy.dtype")},
		{"numpy random ctor", "numpy.random._pickle", "__randomstate_ctor", allowedBy("numpy.random._pickle.__randomstate_ctor")},
		{"numpy ufunc", "numpy.core._multiarray_umath", "log1p", allowedBy("numpy.core._multiarray_umath.log1p")},
		{"sklearn estimator", "sklearn.linear_model._logistic", "LogisticRegression", allowedBy("sklearn.linear_model._logistic.*")},
		{"sklearn tree", "sklearn.tree._tree", "Tree", allowedBy("sklearn.tree._tree.*")},
		{"sklearn cython unpickle", "sklearn._loss._loss", "__pyx_unpickle_CyHalfSquaredError", allowedBy("sklearn._loss._loss.__pyx_unpickle_Cy*")},
		{"joblib array", "joblib.numpy_pickle", "NumpyArrayWrapper", allowedBy("joblib.numpy_pickle.NumpyArrayWrapper")},
		{"ordered dict", "collections", "OrderedDict", allowedBy("collections.OrderedDict")},
		{"py2 set", "__builtin__", "set", allowedBy("builtins.set")},
		{"codecs encode", "_codecs", "encode", allowedBy("_codecs.encode")},
		{"posix path", "pathlib", "PosixPath", allowedBy("pathlib.PosixPath")},

		// Denied, with the entry and reason that decided.
		{"os.system", "os", "system", deniedBy("os", "process execution (os.system)")},
		{"posix.system", "posix", "system", deniedBy("os", "process execution (os.system, reached as posix.system)")},
		{"nt.system", "nt", "system", deniedBy("os", "process execution (os.system, reached as nt.system)")},
		{"os.path.join", "os.path", "join", deniedBy("os", "process execution (os.path.join)")},
		{"builtins.eval", "builtins", "eval", deniedBy("builtins.eval", "arbitrary code evaluation (builtins.eval)")},
		{"__builtin__.eval", "__builtin__", "eval", deniedBy("builtins.eval", "arbitrary code evaluation (builtins.eval, reached as __builtin__.eval)")},
		{"__import__", "builtins", "__import__", deniedBy("builtins.__import__", "dynamic import (builtins.__import__)")},
		{"pathlib dotted os", "pathlib", "os.system", deniedBy("os", "process execution (os.system, reached as pathlib.os.system)")},
		{"random private alias", "random", "_os.system", deniedBy("os", "process execution (os.system, reached as random._os.system)")},
		{"sysconfig deep", "sysconfig", "prefix.os.system", deniedBy("os", "process execution (os.system, reached as sysconfig.prefix.os.system)")},
		{"operator.attrgetter", "operator", "attrgetter", deniedBy("operator", "attribute access gadget (operator.attrgetter)")},
		{"_operator.attrgetter", "_operator", "attrgetter", deniedBy("operator", "attribute access gadget (operator.attrgetter, reached as _operator.attrgetter)")},
		{"functools.partial", "functools", "partial", deniedBy("functools", "attribute access gadget (functools.partial)")},
		{"pkgutil.resolve_name", "pkgutil", "resolve_name", deniedBy("pkgutil", "dynamic import (pkgutil.resolve_name)")},
		{"torch _load_from_bytes", "torch.storage", "_load_from_bytes", deniedBy("torch.storage._load_from_bytes", "nested unpickling (torch.storage._load_from_bytes)")},
		{"torch.serialization.load", "torch.serialization", "load", deniedBy("torch.serialization", "nested unpickling (torch.serialization.load)")},
		{"numpy ufunc reconstruct", "numpy.core", "_ufunc_reconstruct", deniedBy("numpy.core._ufunc_reconstruct", "dynamic import (numpy.core._ufunc_reconstruct)")},
		{"pathlib write_text", "pathlib", "Path.write_text", deniedBy("pathlib", "file system access (pathlib.Path.write_text)")},
		{"uuid command", "uuid", "_get_command_stdout", deniedBy("uuid", "process execution (uuid._get_command_stdout)")},
		{"joblib.load", "joblib", "load", deniedBy("joblib", "nested unpickling (joblib.load)")},
		{"scipy rv exec", "scipy.stats._distn_infrastructure", "rv_continuous_frozen",
			deniedBy("scipy.stats._distn_infrastructure", "arbitrary code evaluation (scipy.stats._distn_infrastructure.rv_continuous_frozen)")},
		{"numpy __builtins__", "numpy", "__builtins__", Decision{
			RuleID: RuleDenied, Severity: finding.SeverityCritical,
			Reason: "attribute access gadget (dunder attribute __builtins__ in numpy.__builtins__)",
			Match:  "deny dunder attribute",
		}},
		{"OrderedDict globals", "collections", "OrderedDict.__init__.__globals__", Decision{
			RuleID: RuleDenied, Severity: finding.SeverityCritical,
			Reason: "attribute access gadget (dunder attribute __init__ in collections.OrderedDict.__init__.__globals__)",
			Match:  "deny dunder attribute",
		}},
		{"encoded payload is high", "base64", "b64decode", Decision{
			RuleID: RuleDenied, Severity: finding.SeverityHigh,
			Reason: "encoded payload (base64.b64decode)", Match: "deny base64",
		}},

		// Unlisted: default deny.
		{"user class", "mypkg", "MyModel", unlisted()},
		{"main class", "__main__", "Net", unlisted()},
		{"dotted through allowed class", "collections", "OrderedDict.fromkeys", unlisted()},
		{"old joblib wrapper", "joblib.numpy_pickle_compat", "NDArrayWrapper", unlisted()},
		{"wildcard skips private", "sklearn.pipeline", "_fit_transform_one", unlisted()},
		{"wildcard skips re-export", "sklearn.calibration", "partial", unlisted()},
		{"wildcard skips module object", "torch.nn.modules.container", "operator", unlisted()},
		{"wildcard skips dotted", "sklearn.pipeline", "Pipeline.fit", unlisted()},
		{"case matters", "Collections", "OrderedDict", unlisted()},
		{"torch module not whole", "torch.nn.modules.module", "register_module_forward_hook", unlisted()},
	}
	p := Builtin()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.CheckImport(tt.module, tt.attr)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CheckImport(%q, %q) mismatch (-want +got):\n%s", tt.module, tt.attr, diff)
			}
		})
	}
}

// TestMatchingSemantics pins wildcard, except and ".*" rules on a small
// policy of its own.
func TestMatchingSemantics(t *testing.T) {
	p := mustParse(t, `
allow:
  - a.b.*
  - a.c.pre*
  - a:Outer.Inner
  - c.d.Exact
  - e.Keep
  - g.Thing
deny:
  - match: e
    reason: process execution
    except: [Keep]
  - match: g.Thing.*
    reason: file system write
  - match: h.run
    reason: process execution
  - match: os
    reason: process execution
`)
	tests := []struct {
		module, name string
		allowed      bool
		rule         string
	}{
		{"a.b", "Model", true, ""},
		{"a.b", "model_fn", true, ""},
		{"a.b", "_Private", false, RuleUnlisted},
		{"a.c", "prefixed", true, ""},
		{"a.c", "pre_private", true, ""},
		{"a.c", "pre", false, RuleUnlisted}, // the prefix alone is not a match
		{"a.c", "Other", false, RuleUnlisted},
		{"a.b", "Model.attr", false, RuleUnlisted},
		{"a.b", "__init__", false, RuleDenied},
		{"a.b", "os", false, RuleUnlisted}, // alias/deny names never match a wildcard
		{"a.b", "_os", false, RuleUnlisted},
		{"a.b", "posix", false, RuleUnlisted},
		{"a.b", "run", false, RuleUnlisted},
		{"a.b.c", "Model", false, RuleUnlisted}, // one module only
		{"a", "Outer.Inner", true, ""},
		{"a", "Outer", false, RuleUnlisted},
		{"a", "Outer.Inner.x", false, RuleUnlisted},
		{"c.d", "Exact", true, ""},
		{"c", "d.Exact", false, RuleUnlisted}, // same object, other split: not allowed
		{"e", "Keep", true, ""},
		{"e", "Keep.x", false, RuleDenied}, // except is exact
		{"e", "Other", false, RuleDenied},
		{"g", "Thing", true, ""}, // "g.Thing.*" leaves g.Thing itself alone
		{"g", "Thing.write", false, RuleDenied},
		{"x", "h.run", false, RuleDenied}, // suffix inside the name
		{"h", "run", false, RuleDenied},
		{"h.run", "x", false, RuleDenied},
		{"hh", "run", false, RuleUnlisted},
	}
	for _, tt := range tests {
		d := p.CheckImport(tt.module, tt.name)
		if d.Allowed != tt.allowed || d.RuleID != tt.rule {
			t.Errorf("CheckImport(%q, %q) = %+v, want allowed=%v rule=%q", tt.module, tt.name, d, tt.allowed, tt.rule)
		}
	}
}

// TestEntriesAreFolded checks that entries written with an alias module
// (py2 or C-accelerator names) match imports the same way lookups do.
func TestEntriesAreFolded(t *testing.T) {
	p := Builtin().Extend(mustParse(t, `
allow:
  - __builtin__.frobnicate
allow_unsafe:
  - match: _operator.itemgetter
    reason: test
`))
	for _, imp := range [][2]string{
		{"builtins", "frobnicate"}, {"__builtin__", "frobnicate"},
		{"operator", "itemgetter"}, {"_operator", "itemgetter"},
	} {
		if d := p.CheckImport(imp[0], imp[1]); !d.Allowed {
			t.Errorf("CheckImport(%q, %q) = %+v, want allowed", imp[0], imp[1], d)
		}
	}
}

// TestDenyPreference checks which entry is reported when several match.
func TestDenyPreference(t *testing.T) {
	p := mustParse(t, `
deny:
  - match: torch.serialization
    reason: nested unpickling
  - match: torch.serialization.load
    reason: specific
  - match: pathlib
    reason: file system access
  - match: os
    reason: process execution
  - match: zz
    reason: process execution
  - match: zz.top
    reason: encoded payload
    severity: high
`)
	tests := []struct{ module, name, match string }{
		{"torch.serialization", "load", "deny torch.serialization.load"}, // longest entry
		{"pathlib", "os.system", "deny os"},                              // the object reached
		{"zz", "top", "deny zz"},                                         // most severe
	}
	for _, tt := range tests {
		if got := p.CheckImport(tt.module, tt.name).Match; got != tt.match {
			t.Errorf("CheckImport(%q, %q).Match = %q, want %q", tt.module, tt.name, got, tt.match)
		}
	}
}

const userPolicy = `
name: acme-models
version: "3"
allow:
  - acme.models.Net
  - module: acme.layers
    names: [Block, "*"]
  - functools.partial        # shadowed: a plain allow cannot undo a deny
deny:
  - match: acme.tools.shell
    reason: process execution
allow_unsafe:
  - match: operator.getitem
    reason: used by our tokenizer; reviewed SEC-12
severity:
  pickle-unlisted-global: medium
  pickle-custom-rule: low
`

func TestUserPolicy(t *testing.T) {
	user := mustParse(t, userPolicy)
	p := Builtin().Extend(user)
	tests := []struct {
		name         string
		module, attr string
		want         Decision
	}{
		{"own class", "acme.models", "Net", allowedBy("acme.models.Net")},
		{"own wildcard", "acme.layers", "Head", allowedBy("acme.layers.*")},
		{"builtin still allowed", "torch._utils", "_rebuild_tensor_v2", allowedBy("torch._utils._rebuild_tensor_v2")},
		{"unlisted lowered", "other", "Thing", Decision{RuleID: RuleUnlisted, Severity: finding.SeverityMedium, Reason: unlistedReason, Match: "default-deny"}},
		{"plain allow cannot undo deny", "functools", "partial", deniedBy("functools", "attribute access gadget (functools.partial)")},
		{"allow_unsafe undoes one deny", "operator", "getitem", Decision{
			Allowed: true, Reason: "allowed unsafely: used by our tokenizer; reviewed SEC-12", Match: "allow_unsafe operator.getitem",
		}},
		{"allow_unsafe is exact", "operator", "attrgetter", deniedBy("operator", "attribute access gadget (operator.attrgetter)")},
		{"allow_unsafe via alias", "_operator", "getitem", Decision{
			Allowed: true, Reason: "allowed unsafely: used by our tokenizer; reviewed SEC-12", Match: "allow_unsafe operator.getitem",
		}},
		{"user deny", "acme.tools.shell", "run", deniedBy("acme.tools.shell", "process execution (acme.tools.shell.run)")},
		{"builtin deny kept", "os", "system", deniedBy("os", "process execution (os.system)")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, p.CheckImport(tt.module, tt.attr)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]string{"functools.partial"}, p.Shadowed()); diff != "" {
		t.Errorf("Shadowed() mismatch (-want +got):\n%s", diff)
	}
	sevs := []struct {
		rule string
		want finding.Severity
	}{
		{RuleUnlisted, finding.SeverityMedium},
		{RuleDenied, finding.SeverityInfo}, // not set: the caller's default
		{"pickle-custom-rule", finding.SeverityLow},
		{"not-set", finding.SeverityInfo},
	}
	for _, s := range sevs {
		if got := p.Severity(s.rule, finding.SeverityInfo); got != s.want {
			t.Errorf("Severity(%q) = %s, want %s", s.rule, got, s.want)
		}
	}
	// Extend changes neither input.
	if d := Builtin().CheckImport("acme.models", "Net"); d.Allowed {
		t.Error("Extend modified the builtin policy")
	}
	if d := user.CheckImport("torch._utils", "_rebuild_tensor_v2"); d.Allowed {
		t.Error("Extend modified the user policy")
	}
}

func TestSeverityOverrides(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want finding.Severity
	}{
		{"raise", "severity: {pickle-unlisted-global: critical}", finding.SeverityCritical},
		{"lower", "severity: {pickle-unlisted-global: low}", finding.SeverityLow},
		{"off", "severity: {pickle-unlisted-global: off}", finding.SeverityNone},
		{"case", "severity: {pickle-unlisted-global: MEDIUM}", finding.SeverityMedium},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Builtin().Extend(mustParse(t, tt.yaml)).CheckImport("mypkg", "Model")
			if d.Allowed || d.RuleID != RuleUnlisted || d.Severity != tt.want {
				t.Errorf("got %+v, want unlisted at %s", d, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    string
		invalid bool // wraps ErrInvalid
	}{
		{"syntax", "allow: [a.b\n", "policy: user.yaml:1: did not find expected ',' or ']'", false},
		{"not a mapping", "- a.b.C\n", "policy: user.yaml:1: want a mapping, got a list", true},
		{"unknown top-level", "version: 1\nallowed: [a.b]\n", "policy: user.yaml:2: allowed: unknown field (want one of name, version, allow, deny, allow_unsafe, severity, wildcard_exclude)", true},
		{"duplicate key", "version: 1\nversion: 2\n", "policy: user.yaml:2: version: duplicate key", true},
		{"allow not list", "allow: a.b.C\n", "policy: user.yaml:1: allow: want a list, got a scalar", true},
		{"allow one component", "allow:\n  - os\n", `policy: user.yaml:2: allow[0]: "os": want module.Name (at least two components)`, true},
		{"allow empty component", "allow:\n  - a..C\n", `policy: user.yaml:2: allow[0]: "a..C": module: empty component`, true},
		{"allow bad identifier", "allow:\n  - a.b.1x\n", `policy: user.yaml:2: allow[0]: "a.b.1x": name: "1x" is not a Python identifier`, true},
		{"allow star inside", "allow:\n  - a.*.C\n", `policy: user.yaml:2: allow[0]: "a.*.C": module: "*" is not a Python identifier`, true},
		{"allow star in split", "allow:\n  - a:b.*\n", `policy: user.yaml:2: allow[0]: "a:b.*": name: "*" is not a Python identifier`, true},
		{"allow null", "allow:\n  -\n", "policy: user.yaml:2: allow[0]: want a string, got null", true},
		{"group without names", "allow:\n  - module: a.b\n", "policy: user.yaml:2: allow[0]: a group needs both module and names", true},
		{"group bad name", "allow:\n  - module: a.b\n    names: [C, 'x y']\n", `policy: user.yaml:3: allow[0].names[1]: "x y": name: "x y" is not a Python identifier`, true},
		{"group unknown key", "allow:\n  - module: a.b\n    name: [C]\n", "policy: user.yaml:3: allow[0].name: unknown field (want one of module, names)", true},
		{"deny string", "deny:\n  - os\n", "policy: user.yaml:2: deny[0]: want a mapping, got a scalar", true},
		{"deny without reason", "deny:\n  - match: os\n", "policy: user.yaml:2: deny[0]: a deny entry needs match and reason", true},
		{"deny bad match", "deny:\n  - match: os.*.x\n    reason: r\n", `policy: user.yaml:2: deny[0].match: "os.*.x": "*" is not a Python identifier`, true},
		{"deny bad severity", "deny:\n  - match: os\n    reason: r\n    severity: severe\n", `policy: user.yaml:4: deny[0].severity: finding: unknown severity "severe" (want one of none, info, low, medium, high, critical)`, true},
		{"deny off", "deny:\n  - match: os\n    reason: r\n    severity: off\n", "policy: user.yaml:4: deny[0].severity: a deny entry cannot be switched off; remove it instead", true},
		{"deny bad except", "deny:\n  - match: os\n    reason: r\n    except: [a.]\n", `policy: user.yaml:4: deny[0].except[0]: "a.": empty component`, true},
		{"unsafe without reason", "allow_unsafe:\n  - match: os.system\n", "policy: user.yaml:2: allow_unsafe[0]: an allow_unsafe entry needs match and reason", true},
		{"unsafe wildcard", "allow_unsafe:\n  - match: os.*\n    reason: r\n", `policy: user.yaml:2: allow_unsafe[0].match: "os.*": allow_unsafe takes one exact import, not a wildcard`, true},
		{"unsafe empty reason", "allow_unsafe:\n  - match: os.system\n    reason: ' '\n", "policy: user.yaml:3: allow_unsafe[0].reason: must not be empty", true},
		{"severity bad rule", "severity:\n  Pickle_Rule: high\n", "policy: user.yaml:2: severity.Pickle_Rule: not a rule ID (lower-case words joined by -)", true},
		{"severity bad value", "severity:\n  pickle-unlisted-global: loud\n", `policy: user.yaml:2: severity.pickle-unlisted-global: finding: unknown severity "loud" (want one of none, info, low, medium, high, critical)`, true},
		{"lower denied", "severity:\n  pickle-denied-global: high\n", "policy: user.yaml:2: severity.pickle-denied-global: cannot be lowered below critical; list the imports that must load under allow_unsafe", true},
		{"exclude dotted", "wildcard_exclude: [a.b]\n", `policy: user.yaml:1: wildcard_exclude[0]: "a.b": want a single name`, true},
		{"empty version", "version: ''\n", "policy: user.yaml:1: version: must not be empty", true},
		{"two documents", "version: 1\n---\nversion: 2\n", "policy: user.yaml:2: more than one YAML document", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "user.yaml")
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "user.yaml" {
				t.Errorf("error %T does not carry the file name", err)
			}
			if got := errors.Is(err, ErrInvalid); got != tt.invalid {
				t.Errorf("errors.Is(err, ErrInvalid) = %v, want %v", got, tt.invalid)
			}
		})
	}
}

func TestParseJSONAndEmpty(t *testing.T) {
	p := mustParse(t, "{\n\t\"version\": \"7\",\n\t\"allow\": [\"acme.Net\"],\n\t\"severity\": {\"pickle-unlisted-global\": \"low\"}\n}\n")
	if !p.CheckImport("acme", "Net").Allowed || p.Version() != "7" {
		t.Errorf("JSON policy not understood: %+v, version %q", p.CheckImport("acme", "Net"), p.Version())
	}
	for _, empty := range []string{"", "# nothing\n", "---\n"} {
		p := mustParse(t, empty)
		if d := p.CheckImport("collections", "OrderedDict"); d.RuleID != RuleUnlisted {
			t.Errorf("empty policy %q: %+v", empty, d)
		}
	}
}

func TestVersion(t *testing.T) {
	tests := []struct {
		name string
		p    *Policy
		want string
	}{
		{"builtin", Builtin(), "2026.11.1"},
		{"name and version", mustParse(t, "name: acme\nversion: 3\n"), "acme@3"},
		{"name only", mustParse(t, "name: acme\n"), "acme"},
		{"version only", mustParse(t, "version: 2.1\n"), "2.1"},
		{"extended", Builtin().Extend(mustParse(t, "name: acme\nversion: 3\n")), "2026.11.1+acme@3"},
		{"extended anonymous", Builtin().Extend(mustParse(t, "allow: [a.B]\n")), "2026.11.1+custom"},
	}
	for _, tt := range tests {
		if got := tt.p.Version(); got != tt.want {
			t.Errorf("%s: Version() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestWriteToRoundTrip checks that WriteTo's output parses back to a policy
// that writes the same bytes, has the same version and decides the same.
func TestWriteToRoundTrip(t *testing.T) {
	policies := map[string]*Policy{
		"builtin":  Builtin(),
		"extended": Builtin().Extend(mustParse(t, userPolicy)),
		"user":     mustParse(t, userPolicy),
	}
	probes := readPairs(t, "testdata/benign_globals.txt")
	probes = append(probes, readPairs(t, "testdata/wildcard_audit.txt")...)
	for _, imp := range [][2]string{{"os", "system"}, {"operator", "getitem"}, {"acme.layers", "X"},
		{"acme.tools.shell", "run"}, {"joblib", "load"}, {"pathlib", "Path.touch"}, {"mypkg", "M"}} {
		probes = append(probes, pair{module: imp[0], name: imp[1]})
	}
	for name, p := range policies {
		t.Run(name, func(t *testing.T) {
			var first bytes.Buffer
			n, err := p.WriteTo(&first)
			if err != nil || n != int64(first.Len()) {
				t.Fatalf("WriteTo = %d, %v; wrote %d bytes", n, err, first.Len())
			}
			q, err := Parse(first.Bytes(), "dump.yaml")
			if err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, first.String())
			}
			var second bytes.Buffer
			if _, err := q.WriteTo(&second); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(first.String(), second.String()); diff != "" {
				t.Errorf("second dump differs (-first +second):\n%s", diff)
			}
			if p.Version() != q.Version() {
				t.Errorf("Version %q became %q", p.Version(), q.Version())
			}
			for _, pr := range probes {
				if a, b := p.CheckImport(pr.module, pr.name), q.CheckImport(pr.module, pr.name); a != b {
					t.Errorf("%s %s: %+v became %+v", pr.module, pr.name, a, b)
				}
			}
			for _, id := range []string{RuleDenied, RuleUnlisted, "pickle-custom-rule"} {
				if a, b := p.Severity(id, finding.SeverityInfo), q.Severity(id, finding.SeverityInfo); a != b {
					t.Errorf("Severity(%s) %s became %s", id, a, b)
				}
			}
		})
	}
}

func TestWriteToShape(t *testing.T) {
	var b bytes.Buffer
	if _, err := mustParse(t, userPolicy).WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	want := `# modelgate effective import policy (see ` + "`go doc github.com/modelgate/modelgate/policy`" + `)
version: acme-models@3
severity:
  pickle-custom-rule: low
  pickle-unlisted-global: medium
allow:
  - acme.layers.*
  - acme.layers.Block
  - acme.models.Net
  - functools.partial
deny:
  - match: acme.tools.shell
    reason: process execution
allow_unsafe:
  - match: operator.getitem
    reason: used by our tokenizer; reviewed SEC-12
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteTo mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(good, []byte(userPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := LoadFile(good)
	if err != nil || p.Version() != "acme-models@3" {
		t.Fatalf("LoadFile = %v, %v", p, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("deny:\n  - match: os\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(bad); err == nil || !strings.HasPrefix(err.Error(), "policy: "+bad+":2: deny[0]:") {
		t.Errorf("LoadFile(bad) error = %v, want it to name file, line and field", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#\n"), MaxFileSize/2+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(big); !errors.Is(err, ErrInvalid) {
		t.Errorf("LoadFile(big) error = %v, want ErrInvalid", err)
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile(missing) error = %v, want os.ErrNotExist", err)
	}
}

// FuzzCheckImport asserts the shape of every decision: allowed decisions
// carry no rule, others carry one of the two rules, and the same input gives
// the same decision.
func FuzzCheckImport(f *testing.F) {
	for _, s := range [][2]string{{"os", "system"}, {"pathlib", "os.system"}, {"random", "_os.system"},
		{"torch._utils", "_rebuild_tensor_v2"}, {"sklearn.pipeline", "Pipeline"}, {"a", "__x__.b"},
		{"", ""}, {".", "."}, {"os.", ".system"}, {"numpy", "__builtins__"}} {
		f.Add(s[0], s[1])
	}
	p := Builtin()
	f.Fuzz(func(t *testing.T, module, name string) {
		d := p.CheckImport(module, name)
		if d != p.CheckImport(module, name) {
			t.Fatal("not deterministic")
		}
		switch {
		case d.Allowed && (d.RuleID != "" || d.Severity != finding.SeverityNone):
			t.Fatalf("allowed with a rule: %+v", d)
		case !d.Allowed && d.RuleID != RuleDenied && d.RuleID != RuleUnlisted:
			t.Fatalf("not allowed without a rule: %+v", d)
		case d.Allowed && dunderComponent(name) != "":
			t.Fatalf("dunder allowed: %+v", d)
		case d.Match == "" || d.Reason == "":
			t.Fatalf("decision does not explain itself: %+v", d)
		}
	})
}

// FuzzParse asserts that Parse never panics and that whatever it accepts
// survives a WriteTo round trip unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(userPolicy))
	f.Add(builtinYAML)
	f.Add([]byte("deny:\n  - match: joblib\n    reason: nested unpickling\n    except: [a.B]\n    severity: high\nwildcard_exclude: [np]\n"))
	f.Add([]byte("{\"allow\": [\"a.b.*\"]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "fuzz.yaml")
		if err != nil {
			return
		}
		var a, b bytes.Buffer
		if _, err := p.WriteTo(&a); err != nil {
			t.Fatal(err)
		}
		q, err := Parse(a.Bytes(), "dump.yaml")
		if err != nil {
			t.Fatalf("dump does not parse: %v\n%s", err, a.String())
		}
		if _, err := q.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() {
			t.Fatalf("dump not stable:\n%s\n---\n%s", a.String(), b.String())
		}
	})
}

func mustParse(t testing.TB, s string) *Policy {
	t.Helper()
	p, err := Parse([]byte(s), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
