package pickle

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMachineImportsAndCalls(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		imports []string
		call    string // rendering of the first call, if any
		errSub  string // substring of the error, "" for none
	}{
		{"global reduce protocol 0", asm(global("os", "system"), "(S'id'\ntR."), []string{"os.system"}, "os.system('id')", ""},
		{"compat rename under protocol 2", asm(PROTO, 2, global("__builtin__", "eval"), "(S'1'\ntR."), []string{"builtins.eval"}, "builtins.eval('1')", ""},
		{"no compat rename under protocol 3", asm(PROTO, 3, global("__builtin__", "eval"), ")R."), []string{"__builtin__.eval"}, "__builtin__.eval()", ""},
		{"stack global from short binunicode", asm(PROTO, 4, sbu("os"), sbu("system"), STACK_GLOBAL, sbu("ls"), TUPLE1, REDUCE, STOP), []string{"os.system"}, "os.system('ls')", ""},
		{"stack global from memo", asm(PROTO, 4, sbu("x"), MEMOIZE, sbu("os"), MEMOIZE, sbu("system"), MEMOIZE, POP, POP, POP, BINGET, 1, BINGET, 2, STACK_GLOBAL, STOP), []string{"os.system"}, "", ""},
		{"memoize counts len(memo) after sparse put", asm(PROTO, 4, sbu("os"), BINPUT, 5, sbu("system"), MEMOIZE, POP, POP, BINGET, 5, BINGET, 1, STACK_GLOBAL, STOP), []string{"os.system"}, "", ""},
		{"stack global from protocol 0 strings", asm(PROTO, 4, "S'subprocess'\n", "U\x05Popen", STACK_GLOBAL, STOP), []string{"subprocess.Popen"}, "", ""},
		{"stack global via dup", asm(PROTO, 4, sbu("os"), DUP, POP, sbu("getcwd"), STACK_GLOBAL, STOP), []string{"os.getcwd"}, "", ""},
		{"stack global needs str", asm(PROTO, 4, BININT1, 1, sbu("x"), STACK_GLOBAL, STOP), nil, "", "STACK_GLOBAL requires str"},
		{"dotted name", asm(PROTO, 4, sbu("pathlib"), sbu("os.system"), STACK_GLOBAL, STOP), []string{"pathlib.os.system"}, "", ""},
		{"inst calls", asm("(S'id'\n", "ios\nsystem\n."), []string{"os.system"}, "os.system('id')", ""},
		{"obj calls", asm(PROTO, 1, "(", global("os", "system"), "S'id'\n", "o."), []string{"os.system"}, "os.system('id')", ""},
		{"newobj", asm(PROTO, 2, global("collections", "OrderedDict"), EMPTY_TUPLE, NEWOBJ, STOP), []string{"collections.OrderedDict"}, "collections.OrderedDict.__new__()", ""},
		{"newobj_ex kwargs", asm(PROTO, 4, global("x", "Y"), EMPTY_TUPLE, EMPTY_DICT, sbu("k"), BININT1, 1, SETITEM, NEWOBJ_EX, STOP), []string{"x.Y"}, "x.Y.__new__(k=1)", ""},
		{"ext1 import", asm(PROTO, 2, EXT1, 7, EMPTY_TUPLE, REDUCE, STOP), []string{"__ext__.7"}, "", ""},
		{"ext code zero", asm(PROTO, 2, EXT1, 0, STOP), nil, "", "EXT specifies code <= 0"},
		{"reduce args must be tuple", asm(global("os", "system"), "(S'id'\nlR."), []string{"os.system"}, "", "argument list must be a tuple"},
		{"call before error is kept", asm(global("os", "system"), "(S'id'\ntR", 0xff), []string{"os.system"}, "os.system('id')", "invalid load key"},
		{"text line without newline", asm("cos\nsystem"), nil, "", "truncated"},
		{"unexpected mark fence", asm(PROTO, 2, BININT1, 1, MARK, TUPLE1, STOP), nil, "", "unexpected MARK found"},
		{"stop underflow", asm(STOP), nil, "", "stack underflow"},
		{"pop removes mark", asm(BININT1, 1, MARK, POP, STOP), nil, "", ""},
		{"no mark", asm(EMPTY_LIST, APPENDS), nil, "", "could not find MARK"},
		{"get missing", asm(PROTO, 2, BINGET, 3), nil, "", "Memo value not found at index 3"},
		{"negative put", asm("N", "p-1\n."), nil, "", "negative PUT argument"},
		{"proto too high", asm(PROTO, 6, "N."), nil, "", "unsupported pickle protocol: 6"},
		{"next buffer", asm(PROTO, 5, NEXT_BUFFER, STOP), nil, "", "out-of-band data"},
		{"int base 0 octal", asm("I010\n."), nil, "", ""},
		{"int invalid", asm("I1x\n."), nil, "", "invalid literal for int()"},
		{"string must be quoted", asm("Sabc\n."), nil, "", "must be quoted"},
		{"bad x escape", asm(`S'\x4'` + "\n."), nil, "", "invalid \\x escape"},
		{"binunicode invalid utf8", asm(PROTO, 4, SHORT_BINUNICODE, 1, 0xff, STOP), nil, "", "utf-8"},
		{"binunicode surrogatepass", asm(PROTO, 4, SHORT_BINUNICODE, 3, 0xed, 0xa0, 0x80, STOP), nil, "", ""},
		{"dict odd", asm("(K\x01d."), nil, "", "odd number of items for DICT"},
		{"unhashable key", asm(PROTO, 2, EMPTY_DICT, EMPTY_LIST, NONE, SETITEM, STOP), nil, "", "unhashable"},
		{"persistent id", asm(PROTO, 2, "K\x01Q."), nil, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := RunBytes(tc.data, Options{})
			if diff := cmp.Diff(tc.imports, importPaths(tr)); diff != "" {
				t.Errorf("imports (-want +got):\n%s", diff)
			}
			if tc.call != "" {
				if len(tr.Calls) == 0 {
					t.Fatalf("no call recorded; want %s", tc.call)
				}
				if got := RenderCall(tr.Calls[0], RenderOptions{}); got != tc.call {
					t.Errorf("call = %s, want %s", got, tc.call)
				}
			}
			switch {
			case tc.errSub == "" && tr.Err != nil:
				t.Errorf("unexpected error: %v", tr.Err)
			case tc.errSub != "" && (tr.Err == nil || !strings.Contains(tr.Err.Error(), tc.errSub)):
				t.Errorf("error = %v, want it to contain %q", tr.Err, tc.errSub)
			}
		})
	}
}

func TestMachineBuildOnGlobalPlantsValues(t *testing.T) {
	// modelscan#85: BUILD writes attributes on an imported function, and a
	// later import of that attribute path yields the planted strings.
	data := asm(PROTO, 4,
		global("numpy", "prod"), NONE, EMPTY_DICT, MARK, sbu("a"), sbu("os"), sbu("b"), sbu("system"), SETITEMS, TUPLE2, BUILD, POP,
		sbu("numpy"), sbu("prod.a"), STACK_GLOBAL, sbu("numpy"), sbu("prod.b"), STACK_GLOBAL, STACK_GLOBAL, sbu("id"), TUPLE1, REDUCE, STOP)
	tr := RunBytes(data, Options{})
	if tr.Err != nil {
		t.Fatal(tr.Err)
	}
	want := []string{"numpy.prod", "numpy.prod.a", "numpy.prod.b", "os.system"}
	if diff := cmp.Diff(want, importPaths(tr)); diff != "" {
		t.Errorf("imports (-want +got):\n%s", diff)
	}
	if len(tr.Mutations) != 2 {
		t.Errorf("mutations = %d, want 2", len(tr.Mutations))
	}
	if got := RenderCall(tr.Calls[len(tr.Calls)-1], RenderOptions{}); got != "os.system('id')" {
		t.Errorf("call = %s", got)
	}
}

func TestMachineMultiplePicklesAndTrailingData(t *testing.T) {
	tr := RunBytes(asm("N.", global("os", "system"), "(S'x'\ntR."), Options{})
	if tr.Err != nil || tr.Pickles != 2 {
		t.Fatalf("pickles=%d err=%v", tr.Pickles, tr.Err)
	}
	if joined(importPaths(tr)) != "os.system" || tr.Imports[0].Stream != 1 {
		t.Errorf("imports = %v", tr.Imports)
	}
	tr = RunBytes(asm("N.", "garbage"), Options{})
	if tr.Err != nil || tr.Pickles != 1 {
		t.Fatalf("pickles=%d err=%v", tr.Pickles, tr.Err)
	}
	kinds := map[AnomalyKind]bool{}
	for _, a := range tr.Anomalies {
		kinds[a.Kind] = true
	}
	if !kinds[AnomalyTrailingData] {
		t.Errorf("anomalies = %v, want trailing-data", tr.Anomalies)
	}
	tr = RunBytes(asm("N.", "N."), Options{Single: true})
	if tr.Pickles != 1 {
		t.Errorf("Single: pickles = %d", tr.Pickles)
	}
}

func TestMachineFrameStraddleReadings(t *testing.T) {
	// FRAME(3) holds SHORT_BINUNICODE len 3 and one byte 'X'; the string
	// needs 3 bytes. pickle.loads reads "Xos" then fails on 'Z'; a file
	// reader skips 'X' and reads "osZ" then STOP (CPython 3.11, verified).
	data := asm(PROTO, 4, FRAME, u64(3), SHORT_BINUNICODE, 3, "X", "osZ.")
	lin := RunBytes(data, Options{})
	if lin.Err == nil || !strings.Contains(lin.Err.Error(), "invalid load key, 'Z'") {
		t.Errorf("buffer reading: err = %v", lin.Err)
	}
	file := RunBytes(data, Options{FileInput: true})
	if file.Err != nil || file.Pickles != 1 {
		t.Errorf("file reading: pickles=%d err=%v", file.Pickles, file.Err)
	}
	a := Analyze(bytesReader(data), int64(len(data)), Options{})
	kinds := map[AnomalyKind]bool{}
	for _, x := range a.Anomalies {
		kinds[x.Kind] = true
	}
	if !kinds[AnomalyFrameStraddle] {
		t.Errorf("Analyze anomalies = %v, want frame-straddle", a.Anomalies)
	}
}

func TestMachineFrameTruncatedDropsLaterEvents(t *testing.T) {
	// FRAME declaring more bytes than remain fails before anything after it
	// runs, as _pickle.c's load_frame does.
	data := asm(PROTO, 4, FRAME, u64(1000), global("os", "system"), "(S'id'\ntR.")
	tr := RunBytes(data, Options{})
	if !errors.Is(tr.Err, ErrTruncated) {
		t.Fatalf("err = %v, want truncated", tr.Err)
	}
	if len(tr.Imports) != 0 {
		t.Errorf("imports after a failed FRAME: %v", importPaths(tr))
	}
}
