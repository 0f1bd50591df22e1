package pickle_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgate/modelgate/pickle"
)

// TestDifferential runs every input through CPython's real C unpickler
// (testdata/diff/recorder.py, with find_class replaced by a recorder that
// returns inert stand-ins) and through the machine, and requires the two
// sets of (module, name) imports to be equal. A pair CPython requested that
// the machine did not report ("fewer") is a scanner bypass; a pair only the
// machine reports ("more") is a disagreement too.
//
// Inputs: ../testdata/corpus, ../testdata/containers/extracted, testdata/*.pkl, testdata/diff/seeds/*.pkl,
// the hand-written seeds in mutate_test.go, and -diff.n mutations of all of
// them. Each input is compared in two modes: "file" (pickle.load on a file
// object without peek, Options.FileInput) and "buffer" (pickle.loads).

var (
	diffN    = flag.Int("diff.n", 3000, "TestDifferential: number of mutated inputs")
	diffSeed = flag.Uint64("diff.seed", 1, "TestDifferential: mutator seed")
	diffOut  = flag.String("diff.out", "", "TestDifferential: directory for disagreeing inputs (default: the test's temporary directory)")
	diffDir  = flag.String("diff.dir", "", "TestDifferential: extra directory of inputs (every file, recursively)")
	diffShow = flag.Int("diff.show", 10, "TestDifferential: number of disagreements to describe in full")
)

const (
	recorderScript = "testdata/diff/recorder.py"
	corpusDir      = "../testdata/corpus"
	extractedDir   = "../testdata/containers/extracted" // pickles taken out of the container fixtures
	maxInputSize   = 8 << 20
	// recorderStall is how long the recorder may go without answering
	// before it is killed and the input it was on counted as crashed.
	recorderStall = 30 * time.Second
)

// namedInput is one input of the differential test.
type namedInput struct {
	name string
	data []byte
}

// recResult is the recorder's report for one input.
type recResult struct {
	Index   int         `json:"i"`
	Outcome string      `json:"o"` // ok, error, inconclusive; crash is set here
	Err     string      `json:"e"`
	Pickles int         `json:"n"`
	Imports [][2]string `json:"imp"` // hex of UTF-8 (surrogatepass)
	PIDs    int         `json:"pid"`
}

// pair is one find_class request.
type pair struct{ mod, name string }

func (p pair) String() string { return strconv.Quote(p.mod) + " " + strconv.Quote(p.name) }

func TestDifferential(t *testing.T) {
	python := findPython(t)
	script := recorderScript
	if s := os.Getenv("MODELGATE_DIFF_RECORDER"); s != "" {
		script = s // an experimental recorder, for debugging the harness
	}
	inputs, skipped := diffInputs(t)
	records := filepath.Join(t.TempDir(), "inputs.bin")
	if err := writeRecords(records, inputs); err != nil {
		t.Fatal(err)
	}
	modes := []string{"file", "buffer"}
	results := make([][]recResult, len(modes))
	errs := make([]error, len(modes))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	took := make([]time.Duration, len(modes))
	for i, mode := range modes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			results[i], errs[i] = runRecorder(ctx, python, script, records, len(inputs), mode)
			took[i] = time.Since(start)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("recorder (%s mode): %v", modes[i], err)
		}
	}

	out := *diffOut
	if out == "" {
		out = t.TempDir()
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	fmt.Fprintf(&report, "differential: %d inputs (seed %d, -diff.n %d)\n", len(inputs), *diffSeed, *diffN)
	for _, reason := range sortedKeys(skipped) {
		fmt.Fprintf(&report, "  skipped %d files: %s\n", skipped[reason], reason)
	}
	var all []disagreement
	for i, mode := range modes {
		start := time.Now()
		st, ds := compareMode(inputs, results[i], mode)
		st.write(&report, mode)
		fmt.Fprintf(&report, "  time: recorder %v, machine %v\n", took[i].Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		all = append(all, ds...)
	}
	groups := map[string][]int{}
	for i, d := range all {
		d.path = filepath.Join(out, fmt.Sprintf("%s-%04d-%s.pkl", d.mode, d.index, d.kind))
		all[i] = d
		if err := os.WriteFile(d.path, inputs[d.index].data, 0o644); err != nil {
			t.Errorf("writing %s: %v", d.path, err)
		}
		groups[d.group()] = append(groups[d.group()], i)
	}
	if len(all) > 0 {
		fmt.Fprintf(&report, "\ndisagreements by kind and CPython outcome (all inputs written to %s):\n", out)
	}
	keys := sortedKeys(groups)
	for _, k := range keys {
		fmt.Fprintf(&report, "  %4d  %s\n", len(groups[k]), k)
	}
	// Show the shortest input of each group first, then more, up to 10.
	for _, k := range keys {
		sort.SliceStable(groups[k], func(a, b int) bool {
			return len(inputs[all[groups[k][a]].index].data) < len(inputs[all[groups[k][b]].index].data)
		})
	}
	shown := 0
	for round := 0; shown < *diffShow && shown < len(all); round++ {
		for _, k := range keys {
			if round < len(groups[k]) && shown < *diffShow {
				d := all[groups[k][round]]
				d.write(&report, inputs[d.index])
				shown++
			}
		}
	}
	if len(all) > shown {
		fmt.Fprintf(&report, "\n... %d more disagreements written to %s\n", len(all)-shown, out)
	}
	if testing.Verbose() {
		fmt.Print(report.String()) // once, not again through t.Log
		t.Logf("differential: report printed above")
	} else {
		t.Log(report.String())
	}
	if len(all) > 0 {
		t.Errorf("%d disagreements between the machine and CPython's C unpickler (see log)", len(all))
	}
}

// findPython returns the interpreter for the recorder: MODELGATE_PYTHON or
// /usr/bin/python3. Without one the test skips, except under CI=true,
// where it fails. The recorder's self-test must pass.
func findPython(t *testing.T) string {
	t.Helper()
	python := os.Getenv("MODELGATE_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the differential test cannot run: "+format, args...)
		}
		t.Skipf("differential test skipped: "+format, args...)
	}
	if _, err := exec.LookPath(python); err != nil {
		unavailable("no Python interpreter at %s (set MODELGATE_PYTHON): %v", python, err)
	}
	v, err := exec.Command(python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").Output()
	if err != nil {
		unavailable("%s does not run: %v", python, err)
	}
	if got := strings.TrimSpace(string(v)); got != "3.11" {
		unavailable("%s is Python %s; the recorder is written for CPython 3.11's _pickle", python, got)
	}
	outb, err := exec.Command(python, recorderScript, "--selftest").CombinedOutput()
	if err != nil {
		t.Fatalf("recorder self-test failed: %v\n%s", err, outb)
	}
	return python
}

// diffInputs gathers the inputs: files, hand seeds, then mutations.
func diffInputs(t *testing.T) ([]namedInput, map[string]int) {
	t.Helper()
	skipped := map[string]int{}
	var files []namedInput
	addDir := func(dir string, recursive bool) {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return fs.SkipDir
				}
				return err
			}
			if d.IsDir() {
				if p != dir && !recursive {
					return fs.SkipDir
				}
				return nil
			}
			if !recursive && !strings.HasSuffix(p, ".pkl") {
				return nil
			}
			switch filepath.Ext(p) {
			case ".md", ".json", ".py", ".txt":
				skipped["documentation or code, not a model file"]++
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if reason := skipReason(data); reason != "" {
				skipped[reason]++
				return nil
			}
			files = append(files, namedInput{name: p, data: data})
			return nil
		})
		if err != nil {
			t.Fatalf("reading %s: %v", dir, err)
		}
	}
	addDir(corpusDir, true)
	addDir(extractedDir, true)
	if *diffDir != "" {
		addDir(*diffDir, true)
	}
	addDir("testdata", false)
	addDir("testdata/diff/seeds", false)
	addDir("testdata/diff/regressions", false)
	inputs := append(files, handSeeds()...)

	seeds := make([][]byte, 0, len(inputs))
	for _, in := range inputs {
		if len(in.data) <= 1<<20 {
			seeds = append(seeds, in.data)
		}
	}
	mut := newMutator(*diffSeed, seeds)
	for i := 0; i < *diffN; i++ {
		data, desc := mut.next()
		inputs = append(inputs, namedInput{name: fmt.Sprintf("mutant %d (%s)", i, desc), data: data})
	}
	return inputs, skipped
}

// skipReason says why a corpus file is not a raw pickle this test handles.
func skipReason(data []byte) string {
	switch {
	case len(data) > maxInputSize:
		return "larger than 8 MiB"
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		return "gzip-compressed (needs the joblib dialect)"
	case bytes.HasPrefix(data, []byte("BZh")):
		return "bz2-compressed (needs the joblib dialect)"
	case bytes.HasPrefix(data, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return "xz-compressed (needs the joblib dialect)"
	case bytes.HasPrefix(data, []byte{0x5d, 0, 0}):
		return "lzma-compressed (needs the joblib dialect)"
	case bytes.HasPrefix(data, []byte{0x04, 0x22, 0x4d, 0x18}):
		return "lz4-compressed (needs the joblib dialect)"
	case len(data) >= 2 && data[0] == 0x78 && (uint16(data[0])<<8|uint16(data[1]))%31 == 0:
		return "zlib-compressed (needs the joblib dialect)"
	case bytes.HasPrefix(data, []byte("ZF")):
		return "joblib zfile (needs the joblib dialect)"
	case bytes.Contains(data, []byte("joblib.numpy_pickle")):
		return "joblib pickle (needs the joblib dialect)"
	}
	return ""
}

func writeRecords(path string, inputs []namedInput) error {
	var b bytes.Buffer
	for _, in := range inputs {
		b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(in.data))))
		b.Write(in.data)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// runRecorder runs the recorder over all inputs in one process, restarting
// it after the input it was on if it dies (a C stack overflow, say) or
// stalls; such inputs are reported with Outcome "crash".
func runRecorder(ctx context.Context, python, script, records string, n int, mode string) ([]recResult, error) {
	results := make([]recResult, n)
	crashes := 0
	for start := 0; start < n; {
		next, detail, err := recorderProcess(ctx, python, script, records, mode, start, results)
		if err != nil {
			return nil, err
		}
		if next >= n {
			break
		}
		crashes++
		if crashes > 50 || ctx.Err() != nil {
			return nil, fmt.Errorf("recorder keeps dying (last at input %d): %s", next, detail)
		}
		results[next] = recResult{Index: next, Outcome: "crash", Err: detail}
		start = next + 1
	}
	return results, nil
}

// recorderProcess runs one recorder process from input start and returns
// the index of the first input it did not answer.
func recorderProcess(ctx context.Context, python, script, records, mode string, start int, results []recResult) (int, string, error) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(pctx, python, script, "--mode", mode, "--input", records, "--start", strconv.Itoa(start))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, "", err
	}
	if err := cmd.Start(); err != nil {
		return 0, "", err
	}
	lines := make(chan []byte)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 256<<20)
		for sc.Scan() {
			lines <- bytes.Clone(sc.Bytes())
		}
	}()
	next, stalled := start, false
	timer := time.NewTimer(recorderStall)
	defer timer.Stop()
loop:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				break loop
			}
			var r recResult
			if err := json.Unmarshal(line, &r); err != nil || r.Index != next {
				cancel()
				for range lines { // let the reader see the killed process's EOF
				}
				_ = cmd.Wait()
				return 0, "", fmt.Errorf("bad recorder output at input %d: %q (%v)", next, line, err)
			}
			results[next] = r
			next++
			timer.Reset(recorderStall)
		case <-timer.C:
			stalled = true
			cancel()
		}
	}
	werr := cmd.Wait()
	detail := fmt.Sprintf("recorder exited: %v", werr)
	if stalled {
		detail = fmt.Sprintf("recorder stalled for %v", recorderStall)
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		detail += "; stderr: " + truncate(s, 300)
	}
	if next == start && werr != nil && strings.Contains(stderr.String(), "recorder:") {
		return 0, "", errors.New(detail)
	}
	return next, detail, nil
}

// stats counts the outcome of one mode.
type stats struct {
	compared, recOK, recError           int
	inconclusive, crashed, modelLimited int
	fewer, more, outcome, persistent    int
	machineLimit                        int
	inconclusiveWhy                     map[string]int
	examples                            []string // inconclusive inputs other than MemoryError
}

func (s *stats) write(w *strings.Builder, mode string) {
	fmt.Fprintf(w, "mode %s: %d inputs compared (CPython ok %d, error %d); %d inconclusive, %d recorder crashes, %d machine limits\n",
		mode, s.compared, s.recOK, s.recError, s.inconclusive, s.crashed, s.machineLimit)
	for _, why := range sortedKeys(s.inconclusiveWhy) {
		fmt.Fprintf(w, "    inconclusive: %d x %s\n", s.inconclusiveWhy[why], why)
	}
	for _, e := range s.examples {
		fmt.Fprintf(w, "      e.g. %s\n", e)
	}
	fmt.Fprintf(w, "  %d compared only up to where the machine kept an opaque value the stand-ins cannot be (model-limited)\n", s.modelLimited)
	fmt.Fprintf(w, "  disagreements: %d fewer (machine missed an import CPython made), %d more (machine reported an import CPython did not make), %d outcome (pickles completed or error differ), %d persistent_load counts\n",
		s.fewer, s.more, s.outcome, s.persistent)
}

// disagreement is one input where the machine and CPython differ.
type disagreement struct {
	mode, kind     string // kind: fewer, more, outcome, persistent
	index          int
	rec            recResult
	recSet, mSet   []pair
	missing, extra []pair
	machineErr     error
	pickles        int
	note           string
	path           string // where the input was written
}

// specific matches where the input-specific part of a CPython error
// message starts (a quoted or repr'd value), and digits.
var specific = regexp.MustCompile(` ['"<].*$|[0-9]+`)

// group names the kind of disagreement and the CPython outcome, without
// the input-specific parts, to sort disagreements by likely cause.
func (d disagreement) group() string {
	e := d.rec.Outcome
	if d.rec.Err != "" {
		e = specific.ReplaceAllString(d.rec.Err, " _")
	}
	return d.kind + " | CPython " + e
}

func (d disagreement) write(w *strings.Builder, in namedInput) {
	fmt.Fprintf(w, "\n--- %s disagreement (%s mode) on input %d: %s\n", d.kind, d.mode, d.index, in.name)
	fmt.Fprintf(w, "  input (%d bytes): %s\n", len(in.data), hexPreview(in.data))
	fmt.Fprintf(w, "  saved to %s\n", d.path)
	fmt.Fprintf(w, "  CPython: %s, %d pickles, %s; imports %v\n", d.rec.Outcome, d.rec.Pickles, d.rec.Err, d.recSet)
	fmt.Fprintf(w, "  machine: err=%v, %d pickles; imports %v\n", d.machineErr, d.pickles, d.mSet)
	if len(d.missing) > 0 {
		fmt.Fprintf(w, "  machine missed: %v\n", d.missing)
	}
	if len(d.extra) > 0 {
		fmt.Fprintf(w, "  machine only: %v\n", d.extra)
	}
	if d.note != "" {
		fmt.Fprintf(w, "  note: %s\n", d.note)
	}
}

// compareMode compares the machine with the recorder's results for mode.
func compareMode(inputs []namedInput, results []recResult, mode string) (*stats, []disagreement) {
	st := &stats{inconclusiveWhy: map[string]int{}}
	var ds []disagreement
	for i, in := range inputs {
		rec := results[i]
		if rec.Outcome == "crash" {
			st.crashed++
			continue
		}
		tr := pickle.RunBytes(in.data, pickle.Options{Dialect: pickle.DialectC, FileInput: mode == "file"})
		recSet, err := rec.pairs()
		if err != nil {
			ds = append(ds, disagreement{mode: mode, kind: "harness", index: i, rec: rec, note: err.Error()})
			continue
		}
		cut, cutWhy := modelCut(tr)
		full := importSet(tr, nil)
		mSet := full
		if cut != nil {
			mSet = importSet(tr, cut)
		}
		checkMore := true
		if standinRejected(rec.Err) {
			// CPython failed on one of the stand-ins at a point the trace
			// does not show: only "fewer" can be checked.
			cutWhy, checkMore = "stand-in rejected: "+rec.Err, false
		}
		d := disagreement{mode: mode, index: i, rec: rec, recSet: sortedPairs(recSet), mSet: sortedPairs(full),
			machineErr: tr.Err, pickles: tr.Pickles}
		d.missing = sortedPairs(minus(recSet, full))
		limited := errors.Is(tr.Err, pickle.ErrLimit)
		switch {
		case limited:
			st.machineLimit++
		case rec.Outcome == "inconclusive":
			st.inconclusive++
			st.inconclusiveWhy[inconclusiveKind(rec.Err)]++
			if len(st.examples) < 5 && !strings.HasPrefix(rec.Err, "MemoryError") {
				st.examples = append(st.examples, fmt.Sprintf("input %d (%s, %d bytes): %s", i, in.name, len(in.data), truncate(rec.Err, 120)))
			}
		default:
			st.compared++
			if rec.Outcome == "ok" {
				st.recOK++
			} else {
				st.recError++
			}
			if cutWhy != "" {
				st.modelLimited++
			}
		}
		if len(d.missing) > 0 {
			st.fewer++
			d.kind = "fewer"
			if cutWhy != "" {
				d.note = cutWhy
			}
			ds = append(ds, d)
			continue
		}
		if limited || rec.Outcome == "inconclusive" {
			continue
		}
		if checkMore {
			if extra := minus(mSet, recSet); len(extra) > 0 {
				st.more++
				d.kind, d.extra, d.note = "more", sortedPairs(extra), cutWhy
				ds = append(ds, d)
				continue
			}
		}
		if checkMore {
			// With a cut, CPython made at least the machine's loads before
			// it and at most all of them.
			if lo, hi := persistentLoads(tr, cut), len(tr.Persistent); rec.PIDs < lo || rec.PIDs > hi {
				st.persistent++
				d.kind = "persistent"
				d.note = fmt.Sprintf("CPython called persistent_load %d times, the machine reports %d (%d before the cut)", rec.PIDs, hi, lo)
				ds = append(ds, d)
				continue
			}
		}
		if cutWhy == "" && !sameOutcome(rec, tr) {
			st.outcome++
			d.kind = "outcome"
			ds = append(ds, d)
		}
	}
	return st, ds
}

// position orders events: the pickle in the stream, then the offset.
type position struct {
	stream int
	offset int64
}

func (p position) before(q position) bool {
	return p.stream < q.stream || p.stream == q.stream && p.offset < q.offset
}

// modelCut finds the first point where the machine kept going with an
// opaque value that the recorder's stand-ins cannot be, so CPython under
// the recorder necessarily stops there: imports are compared only before
// it. The same holds where the machine is deliberately more lenient than
// pickle.load (non-ASCII protocol 0-2 strings). The stand-ins are: imported objects and EXT results are classes
// (not tuples, dicts or str; BUILD takes the __dict__ path); call results
// and persistent objects are instances (tuples, not types, dicts or str).
func modelCut(tr *pickle.Trace) (*position, string) {
	var cut *position
	why := ""
	at := func(p position, reason string) {
		if cut == nil || p.before(*cut) {
			cut, why = &p, reason
		}
	}
	for _, d := range tr.Dynamic {
		at(position{d.Stream, d.Offset}, "STACK_GLOBAL with an operand made by code")
	}
	for _, c := range tr.Calls {
		p := position{c.Stream, c.Offset}
		switch c.Kind {
		case pickle.CallNewObj, pickle.CallNewObjEx:
			if isInstance(c.Callee) {
				at(p, c.Kind.String()+" on a call result (stand-in instances are not types)")
			}
			if isClass(c.Args) {
				at(p, c.Kind.String()+" args are an imported object")
			}
			if c.Kind == pickle.CallNewObjEx && (isClass(c.Kwargs) || isInstance(c.Kwargs)) {
				at(p, "NEWOBJ_EX kwargs made by code")
			}
			if d, ok := c.Kwargs.(*pickle.Dict); ok && c.Kind == pickle.CallNewObjEx {
				for _, k := range d.Keys {
					if isClass(k) || isInstance(k) {
						at(p, "NEWOBJ_EX keyword made by code (stand-ins are not str)")
					}
				}
			}
		case pickle.CallReduce:
			if isClass(c.Args) {
				at(p, "REDUCE args are an imported object")
			}
		}
	}
	for _, a := range tr.Anomalies {
		if a.Kind == pickle.AnomalyStringDecode {
			// Deliberate: the machine reads on as loaders with
			// encoding='latin1' or 'utf-8' do; pickle.load (ASCII) stops.
			at(position{a.Stream, a.Offset}, "non-ASCII protocol 0-2 string (pickle.load decodes ASCII)")
		}
	}
	for _, m := range tr.Mutations {
		if m.Kind == pickle.MutateSetAttr && m.Key == nil {
			at(position{m.Stream, m.Offset}, "BUILD on an imported object with state made by code")
		}
	}
	return cut, why
}

func isClass(v pickle.Value) bool {
	switch v.(type) {
	case *pickle.Global:
		return true
	}
	return false
}

func isInstance(v pickle.Value) bool {
	switch v.(type) {
	case *pickle.Object, *pickle.Persistent:
		return true
	}
	return false
}

// importSet is the machine's set of raw import pairs, those before cut if
// cut is set.
func importSet(tr *pickle.Trace, cut *position) map[pair]bool {
	s := map[pair]bool{}
	for _, im := range tr.Imports {
		if cut != nil && !(position{im.Stream, im.Offset}).before(*cut) {
			continue
		}
		s[pair{im.RawModule, im.RawName}] = true
	}
	return s
}

// sameOutcome reports whether the machine ended as CPython did: the same
// number of complete pickles, and an error exactly when CPython's first
// load failed. (When a later pickle fails, CPython's load raises but the
// machine reports the bytes as trailing data, with no error.)
func sameOutcome(rec recResult, tr *pickle.Trace) bool {
	if tr.Pickles != rec.Pickles {
		return false
	}
	if rec.Outcome == "ok" {
		return tr.Err == nil
	}
	return (tr.Err != nil) == (rec.Pickles == 0)
}

// standinRejected reports whether CPython's error shows it rejected a
// stand-in where the machine keeps an opaque value that may be anything:
// the message names a stand-in type, or it is a type check on BUILD state,
// which the machine lets opaque values pass without recording an event.
func standinRejected(err string) bool {
	return strings.Contains(err, "__mg_") ||
		strings.HasPrefix(err, "UnpicklingError: state is not a dictionary") ||
		strings.HasPrefix(err, "UnpicklingError: slot state is not a dictionary")
}

// persistentLoads counts the machine's persistent loads, those before cut
// if cut is set.
func persistentLoads(tr *pickle.Trace, cut *position) int {
	n := 0
	for _, p := range tr.Persistent {
		if cut == nil || (position{p.Stream, p.Offset}).before(*cut) {
			n++
		}
	}
	return n
}

func (r recResult) pairs() (map[pair]bool, error) {
	s := map[pair]bool{}
	for _, p := range r.Imports {
		m, err1 := hex.DecodeString(p[0])
		n, err2 := hex.DecodeString(p[1])
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("recorder import %v: %w", p, err)
		}
		s[pair{string(m), string(n)}] = true
	}
	return s, nil
}

func inconclusiveKind(err string) string {
	if i := strings.IndexByte(err, ':'); i > 0 {
		return err[:i]
	}
	return err
}

func minus(a, b map[pair]bool) map[pair]bool {
	out := map[pair]bool{}
	for p := range a {
		if !b[p] {
			out[p] = true
		}
	}
	return out
}

func sortedPairs(s map[pair]bool) []pair {
	out := make([]pair, 0, len(s))
	for p := range s {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].mod != out[j].mod {
			return out[i].mod < out[j].mod
		}
		return out[i].name < out[j].name
	})
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func hexPreview(b []byte) string {
	const max = 256
	if len(b) <= max {
		return hex.EncodeToString(b)
	}
	return hex.EncodeToString(b[:max]) + fmt.Sprintf("... (+%d bytes)", len(b)-max)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
