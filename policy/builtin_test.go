package policy

import (
	"os"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/finding"
)

// TestBenignGlobalsAllowed checks every import recorded from real benign
// pickles by testdata/discover_globals.py.
func TestBenignGlobalsAllowed(t *testing.T) {
	p := Builtin()
	pairs := readPairs(t, "testdata/benign_globals.txt")
	if len(pairs) < 300 {
		t.Errorf("only %d benign globals; was the file regenerated correctly?", len(pairs))
	}
	for _, l := range pairs {
		if d := p.CheckImport(l.module, l.name); !d.Allowed {
			t.Errorf("benign_globals.txt:%d: %s %s: %+v", l.line, l.module, l.name, d)
		}
	}
}

// TestWildcardAuditNotAllowed checks the names discover_globals.py --audit
// found behind the wildcard allow entries: module objects and re-exports of
// denied callables must stay out.
func TestWildcardAuditNotAllowed(t *testing.T) {
	p := Builtin()
	lines := readPairs(t, "testdata/wildcard_audit.txt")
	if len(lines) < 100 {
		t.Errorf("only %d audited names; was the file regenerated correctly?", len(lines))
	}
	for _, l := range lines {
		if d := p.CheckImport(l.module, l.name); d.Allowed {
			t.Errorf("wildcard_audit.txt:%d: %s %s (%s) is allowed by %s", l.line, l.module, l.name, l.note, d.Match)
		}
	}
}

type pair struct {
	line               int
	module, name, note string
}

// readPairs reads "module<TAB>name[<TAB># note]" lines, skipping comments.
func readPairs(t *testing.T, path string) []pair {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []pair
	for i, text := range strings.Split(string(data), "\n") {
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) < 2 || f[0] == "" || f[1] == "" {
			t.Fatalf("%s:%d: want module<TAB>name, got %q", path, i+1, text)
		}
		p := pair{line: i + 1, module: f[0], name: f[1]}
		if len(f) > 2 {
			p.note = strings.TrimPrefix(f[2], "# ")
		}
		out = append(out, p)
	}
	return out
}

// TestBuiltinDenyEntriesWellFormed checks the shape of the denylist: valid
// matches, a reason from the documented vocabulary, no duplicates, and
// except entries that each exempt something.
func TestBuiltinDenyEntriesWellFormed(t *testing.T) {
	reasons := map[string]bool{
		"process execution": true, "arbitrary code evaluation": true,
		"nested unpickling": true, "dynamic import": true,
		"package installation": true, "native code": true,
		"attribute access gadget": true, "global callback hook": true,
		"interpreter control": true, "file system access": true,
		"file system write": true, "network": true, "encoded payload": true,
		"scanner tampering": true,
	}
	p := Builtin()
	seen := map[string]bool{}
	for _, d := range p.deny {
		m := d.String()
		if _, _, err := parseDeny(m); err != nil {
			t.Errorf("deny %q: %v", m, err)
		}
		if seen[m] {
			t.Errorf("deny %q: listed twice", m)
		}
		seen[m] = true
		if top, _, _ := strings.Cut(d.base, "."); aliases[top] != "" {
			t.Errorf("deny %q: never matches, %s is folded to %s first", m, top, aliases[top])
		}
		if !reasons[d.reason] {
			t.Errorf("deny %q: reason %q is not in the documented vocabulary", m, d.reason)
		}
		if d.severity != finding.SeverityNone && d.severity < finding.SeverityHigh {
			t.Errorf("deny %q: severity %s below high", m, d.severity)
		}
		for _, e := range d.except {
			if d.covers(d.base + "." + e) {
				t.Errorf("deny %q: except %q still covered", m, e)
			}
			if !d.covers(d.base + "." + e + ".x") {
				t.Errorf("deny %q: except %q also exempts its children", m, e)
			}
		}
	}
}

// TestBuiltinAllowNotDenied checks that no allow entry is shadowed by a deny
// entry, and that every exact allow entry is in fact allowed.
func TestBuiltinAllowNotDenied(t *testing.T) {
	p := Builtin()
	if s := p.Shadowed(); len(s) > 0 {
		t.Errorf("allow entries shadowed by deny entries: %v", s)
	}
	for _, a := range p.allow {
		if a.wildcard {
			continue
		}
		if d := p.CheckImport(a.module, a.name); !d.Allowed {
			t.Errorf("allow %s: %+v", a, d)
		}
	}
}

// TestBuiltinCatalogueDenied runs the gadgets of the bypass catalogue
// (scanners.md (b) and (c)) through the builtin policy: every one must be
// denied, whatever spelling the pickle uses.
func TestBuiltinCatalogueDenied(t *testing.T) {
	gadgets := [][2]string{
		{"os", "system"}, {"posix", "system"}, {"nt", "system"}, {"os", "popen"},
		{"os", "execvp"}, {"subprocess", "Popen"}, {"subprocess", "check_output"},
		{"_posixsubprocess", "fork_exec"}, {"pty", "spawn"}, {"builtins", "eval"},
		{"builtins", "exec"}, {"builtins", "compile"}, {"builtins", "open"},
		{"builtins", "getattr"}, {"builtins", "setattr"}, {"builtins", "__import__"},
		{"builtins", "breakpoint"}, {"builtins", "type"}, {"builtins", "property"},
		{"builtins", "hasattr"}, {"builtins", "map"}, {"builtins", "filter"},
		{"builtins", "iter"}, {"builtins", "next"}, {"builtins", "vars"},
		{"__builtin__", "eval"}, {"__builtin__", "property"}, {"__builtins__", "exec"},
		{"__builtin__", "apply"}, {"__builtin__", "execfile"},
		{"runpy", "_run_code"}, {"pip", "main"}, {"ensurepip", "_run_pip"},
		{"venv", "create"}, {"pydoc", "pipepager"}, {"pydoc", "locate"},
		{"pkgutil", "resolve_name"}, {"pkgutil", "iter_importers"},
		{"importlib", "import_module"}, {"code", "InteractiveInterpreter.runcode"},
		{"timeit", "timeit"}, {"cProfile", "run"}, {"profile", "Profile.runctx"},
		{"trace", "Trace.run"}, {"bdb", "Bdb.run"}, {"doctest", "debug_script"},
		{"idlelib.pyshell", "ModifiedInterpreter.runcode"},
		{"lib2to3.pgen2.grammar", "Grammar.loads"},
		{"asyncio.unix_events", "_UnixSubprocessTransport._start"},
		{"uuid", "_get_command_stdout"}, {"uuid", "_popen"}, {"uuid", "getnode"},
		{"imaplib", "IMAP4_stream"}, {"_osx_support", "_read_output"},
		{"_aix_support", "_read_cmd_output"}, {"_pyrepl.pager", "pipe_pager"},
		{"test.support.script_helper", "assert_python_ok"}, {"ctypes", "CDLL"},
		{"multiprocessing.util", "spawnv_passfds"}, {"_xxsubinterpreters", "run_string"},
		{"_interpreters", "run_string"}, {"site", "addpackage"}, {"atexit", "register"},
		{"mailcap", "findmatch"}, {"setuptools._distutils.spawn", "spawn"},
		{"pipes", "Template.copy"}, {"imp", "load_source"},
		{"numpy.testing._private.utils", "runstring"},
		{"numpy.f2py.crackfortran", "getlincoef"}, {"typing", "_eval_type"},
		{"typing", "get_type_hints"}, {"typing", "ForwardRef"},
		{"dataclasses", "_create_fn"}, {"sympy", "lambdify"},
		{"torch._dynamo.guards", "GuardBuilder.get"},
		{"torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression"},
		{"torch.jit.unsupported_tensor_ops", "execWrapper"},
		{"torch.utils.collect_env", "run"}, {"torch.utils.collect_env", "run_and_read_all"},
		{"torch.utils.bottleneck.__main__", "run_cprofile"},
		{"torch._inductor.codecache", "compile_file"}, {"torch.serialization", "load"},
		{"torch.utils._config_module", "ConfigModule.load_config"},
		{"torch.utils.data.datapipes.utils.decoder", "basichandlers"},
		{"torch.storage", "_load_from_bytes"}, {"torch", "load"}, {"torch.hub", "load"},
		{"torch.distributed.rpc", "rpc_sync"},
		{"mlflow.projects.backend.local", "_run_entry_point"},
		{"pandas.io.parsers.readers", "read_csv"}, {"pandas", "read_pickle"},
		{"distutils.file_util", "write_file"}, {"logging", "FileHandler"},
		{"logging", "Filterer.filter"}, {"logging.config", "listen"},
		{"_io", "FileIO"}, {"io", "open"}, {"pathlib", "Path.write_text"},
		{"pathlib", "Path.touch"}, {"pathlib", "PosixPath.open"},
		{"pathlib", "Path.write_bytes"}, {"shutil", "rmtree"}, {"tempfile", "NamedTemporaryFile"},
		{"linecache", "getline"}, {"urllib.request", "urlopen"},
		{"ssl", "get_server_certificate"}, {"requests", "get"}, {"requests.api", "get"},
		{"http.client", "HTTPSConnection"}, {"webbrowser", "open"},
		{"types", "CodeType"}, {"types", "FunctionType"}, {"types", "MethodType"},
		{"cloudpickle.cloudpickle", "_make_function"}, {"cloudpickle.cloudpickle", "_builtin_type"},
		{"marshal", "loads"}, {"pickle", "loads"}, {"_pickle", "loads"}, {"cPickle", "loads"},
		{"dill", "loads"}, {"dill._dill", "_create_code"}, {"joblib", "load"},
		{"joblib.numpy_pickle", "load"}, {"joblib", "_pickle_load"}, {"numpy", "load"},
		{"operator", "attrgetter"}, {"_operator", "attrgetter"}, {"operator", "methodcaller"},
		{"operator", "itemgetter"}, {"operator", "call"}, {"_operator", "call"},
		{"functools", "partial"}, {"functools", "cmp_to_key"}, {"functools", "reduce"},
		{"functools", "cached_property"}, {"itertools", "starmap"},
		{"collections", "OrderedDict.__init__.__globals__"}, {"numpy", "__builtins__"},
		{"builtins", "object.__subclasses__"}, {"numpy", "size.__class__"},
		{"pathlib", "os.system"}, {"site", "os.system"}, {"sysconfig", "prefix.os.system"},
		{"random", "_os.system"}, {"random", "_os.getcwd"}, {"pydantic", "_os.system"},
		{"sklearn.utils", "_os.system"}, {"torch", "serialization.load"},
		{"numpy.core", "_ufunc_reconstruct"}, {"numpy._core", "_ufunc_reconstruct"},
		{"copyreg", "add_extension"}, {"copyreg", "_inverted_registry"},
		{"weakref", "finalize"}, {"contextlib", "ExitStack"}, {"string", "Formatter"},
		{"sched", "scheduler"}, {"resource", "setrlimit"}, {"faulthandler", "_sigsegv"},
		{"concurrent.futures", "ProcessPoolExecutor"}, {"gc", "get_objects"},
		{"inspect", "getmembers"}, {"yaml", "unsafe_load"}, {"base64", "b64decode"},
		{"codecs", "decode"}, {"_codecs", "decode"}, {"zipfile", "ZipFile"},
		{"tarfile", "open"}, {"socket", "create_connection"}, {"numpy", "savetxt"},
		{"scipy.stats._distn_infrastructure", "rv_continuous_frozen"},
		{"torch.fx.graph_module", "reduce_graph_module"}, {"fickling", "load"},
		{"modelscan", "cli"}, {"picklescan", "scanner"},
	}
	p := Builtin()
	for _, g := range gadgets {
		d := p.CheckImport(g[0], g[1])
		if d.Allowed || d.RuleID != RuleDenied || d.Severity < finding.SeverityHigh {
			t.Errorf("%s %s: want denied, got %+v", g[0], g[1], d)
		}
	}
}

// TestBuiltinVersion pins the builtin's version format.
func TestBuiltinVersion(t *testing.T) {
	if got, want := Builtin().Version(), "2026.11.1"; got != want {
		t.Errorf("Version() = %q, want %q", got, want)
	}
	if Builtin() != Builtin() {
		t.Error("Builtin() parses more than once")
	}
}
