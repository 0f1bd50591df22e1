package pickle

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedCorpus adds every fixture under the repository's testdata/corpus and
// this package's testdata as fuzz seeds.
func seedCorpus(f *testing.F) {
	for _, dir := range []string{"../testdata/corpus", "testdata"} {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
				f.Add(b)
			}
			return nil
		})
	}
	for _, b := range [][]byte{
		asm(global("os", "system"), "(S'id'\ntR."),
		asm(PROTO, 4, FRAME, u64(3), SHORT_BINUNICODE, 3, "X", "osZ."),
		asm(PROTO, 4, sbu("os"), MEMOIZE, sbu("system"), STACK_GLOBAL, STOP),
		asm(PROTO, 2, EXT2, 1, 2, EMPTY_TUPLE, REDUCE, STOP),
	} {
		f.Add(b)
	}
}

// summary is a comparable digest of a trace.
func summary(t *Trace) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "p=%d ops=%d end=%d err=%v\n", t.Pickles, t.Ops, t.End, t.Err)
	for _, im := range t.Imports {
		fmt.Fprintf(&sb, "i %d %s %s\n", im.Offset, im.RawModule, im.RawName)
	}
	for _, c := range t.Calls {
		fmt.Fprintf(&sb, "c %d %s %s\n", c.Offset, c.Kind, RenderCall(c, RenderOptions{}))
	}
	for _, m := range t.Mutations {
		fmt.Fprintf(&sb, "m %d %s\n", m.Offset, m.Target.Path())
	}
	for _, a := range t.Anomalies {
		fmt.Fprintf(&sb, "a %d %s\n", a.Offset, a.Kind)
	}
	return sb.String()
}

// checkTrace asserts the properties every run must have.
func checkTrace(t *testing.T, data []byte, tr *Trace, lim Limits) {
	t.Helper()
	n := int64(len(data))
	if tr.End < 0 || tr.End > n {
		t.Fatalf("End %d outside input of %d bytes", tr.End, n)
	}
	if tr.Ops > lim.MaxOps {
		t.Fatalf("Ops %d beyond MaxOps %d", tr.Ops, lim.MaxOps)
	}
	if ev := len(tr.Imports) + len(tr.Calls) + len(tr.Mutations); ev > lim.MaxEvents {
		t.Fatalf("%d events beyond MaxEvents %d", ev, lim.MaxEvents)
	}
	for _, im := range tr.Imports {
		if im.Offset < 0 || im.Offset >= n {
			t.Fatalf("import offset %d outside input", im.Offset)
		}
	}
	for _, c := range tr.Calls {
		if c.Offset < 0 || c.Offset >= n {
			t.Fatalf("call offset %d outside input", c.Offset)
		}
	}
	if tr.Pickles == 0 && tr.Err == nil {
		t.Fatalf("no pickle completed and no error")
	}
}

func FuzzRun(f *testing.F) {
	seedCorpus(f)
	lim := Limits{MaxOps: 200000, MaxItems: 100000, MaxMemo: 10000, MaxStack: 10000, MaxMarks: 1000, MaxEvents: 1000, MaxLine: 4096, MaxValueBytes: 4096, MaxFrame: 1 << 20}
	full := lim.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range []Options{{}, {FileInput: true}, {Dialect: DialectPython}, {Dialect: DialectPython, Joblib: true}} {
			o.Limits = lim
			a := RunBytes(data, o)
			b := RunBytes(data, o)
			if sa, sb := summary(a), summary(b); sa != sb {
				t.Fatalf("nondeterministic run with %+v:\n%s\nvs\n%s", o, sa, sb)
			}
			checkTrace(t, data, a, full)
		}
	})
}

func FuzzAnalyze(f *testing.F) {
	seedCorpus(f)
	lim := Limits{MaxOps: 200000, MaxItems: 100000, MaxEvents: 1000, MaxValueBytes: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		a := Analyze(bytesReader(data), int64(len(data)), Options{Limits: lim})
		b := Analyze(bytesReader(data), int64(len(data)), Options{Limits: lim})
		if sa, sb := summary(a), summary(b); sa != sb {
			t.Fatalf("nondeterministic:\n%s\nvs\n%s", sa, sb)
		}
		checkTrace(t, data, a, lim.withDefaults())
		// Every import the C buffer reading sees is in the merged trace.
		c := RunBytes(data, Options{Limits: lim})
		have := map[string]bool{}
		for _, im := range a.Imports {
			have[fmt.Sprint(im.Offset, im.RawModule, im.RawName)] = true
		}
		for _, im := range c.Imports {
			if !have[fmt.Sprint(im.Offset, im.RawModule, im.RawName)] && len(a.Imports)+len(a.Calls)+len(a.Mutations) < lim.MaxEvents {
				t.Fatalf("Analyze lost import %s at %d", im.Path(), im.Offset)
			}
		}
	})
}
