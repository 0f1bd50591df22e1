package scan_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
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

	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/modelgate/modelgate/formats/compress"
	"github.com/modelgate/modelgate/pickle"
)

// Flags of TestJoblibDifferential.
var (
	jdiffN    = flag.Int("jdiff.n", 3000, "TestJoblibDifferential: number of mutated inputs")
	jdiffSeed = flag.Uint64("jdiff.seed", 1, "TestJoblibDifferential: mutator seed")
	jdiffOut  = flag.String("jdiff.out", "", "TestJoblibDifferential: directory for disagreeing inputs (default: a temporary directory)")
	jdiffDir  = flag.String("jdiff.dir", "", "TestJoblibDifferential: extra directory of inputs (every file, recursively)")
	jdiffShow = flag.Int("jdiff.show", 12, "TestJoblibDifferential: number of disagreements to describe in full")
)

const (
	jdiffDirName  = "testdata/joblibdiff"
	jdiffRecorder = jdiffDirName + "/recorder.py"
	jdiffCorpus   = "../testdata/corpus"
	// jdiffStall is how long the recorder may go without answering before
	// it is killed and the input it was on counted as crashed.
	jdiffStall = 20 * time.Second
	// jdiffMaxInflate bounds decompression of one input on the Go side.
	jdiffMaxInflate = 64 << 20
)

// jdInput is one input: the file as the victim gets it.
type jdInput struct {
	name string
	data []byte
}

// jdRecord is the recorder's report for one input.
type jdRecord struct {
	Index      int         `json:"i"`
	Outcome    string      `json:"o"` // ok, error, inconclusive, skipped; crash is set here
	Err        string      `json:"e"`
	Compressor string      `json:"c"`
	Imports    [][3]string `json:"imp"` // module hex, name hex, "o" outer / "n" nested
	Arrays     int         `json:"arr"`
	Limit      string      `json:"lim"` // "stand-in: ...", "real object: ..." or ""
}

// jdPair is one find_class request, raw.
type jdPair struct{ mod, name string }

func (p jdPair) String() string { return strconv.Quote(p.mod) + " " + strconv.Quote(p.name) }

// TestJoblibDifferential runs joblib files through joblib.load's real
// machinery and through the machine and compares the raw (module, name)
// imports. testdata/joblibdiff/README.md describes the design.
//
// Python side: testdata/joblibdiff/recorder.py runs joblib 1.2's own
// decompression and NumpyUnpickler with find_class recorded (inert
// stand-ins for everything but a data-only allowlist), in two modes:
// joblib.load(path) and joblib.load(io.BytesIO(data)).
//
// Machine side, as the scan engine reads a file: undo the compression
// compress.Sniff names with formats/compress, then
//
//   - the joblib reading, pickle.Run with DialectPython and Joblib (the
//     reading Analyze picks for joblib files), first pickle only, since
//     joblib.load reads one. It must make at least joblib's imports:
//     "fewer" (joblib imported something this reading missed) fails the
//     test; "more" is logged and counted. "more" is not counted when it comes after joblib failed on a
//     stand-in (the victim would have had a real object there), after a
//     numpy or codec object rejected plain data (the victim fails too, but
//     only numpy's own checks tell), or after a point where the machine
//     keeps a value the stand-ins cannot be (the cut of pickle's
//     differential test); each is counted apart.
//   - pickle.Analyze, what the engine reports. It merges the C unpickler's
//     readings and reads pickles after the first, so it may report more
//     than joblib imports: that is by design and only counted. It must not
//     report fewer; when only Analyze misses an import ("engine-fewer") the
//     test fails too.
//
// Inputs: the joblib files of ../testdata/corpus (joblib is recognised by
// content: NumpyArrayWrapper in the decompressed data),
// testdata/joblibdiff/seeds and regressions, -jdiff.dir, and -jdiff.n
// mutants of them all.
func TestJoblibDifferential(t *testing.T) {
	python := joblibPython(t)
	start := time.Now()
	inputs, skipped := jdInputs(t)
	dir := filepath.Join(t.TempDir(), "in")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, in := range inputs {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d", i)), in.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	modes := []string{"path", "fileobj"}
	results := make([][]jdRecord, len(modes))
	errs := make([]error, len(modes))
	took := make([]time.Duration, len(modes))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i, mode := range modes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := time.Now()
			results[i], errs[i] = jdRunRecorder(ctx, python, dir, len(inputs), mode)
			took[i] = time.Since(s)
		}()
	}
	mstart := time.Now()
	views := make([]*jdView, len(inputs))
	for i, in := range inputs {
		views[i] = jdMachine(in.data)
	}
	mtook := time.Since(mstart)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("recorder (%s mode): %v", modes[i], err)
		}
	}

	var report strings.Builder
	fmt.Fprintf(&report, "joblib differential: %d inputs (seed %d, -jdiff.n %d); machine %v for all, recorder %v (path) / %v (fileobj)\n",
		len(inputs), *jdiffSeed, *jdiffN, mtook.Round(time.Millisecond), took[0].Round(time.Millisecond), took[1].Round(time.Millisecond))
	for _, reason := range jdSortedKeys(skipped) {
		fmt.Fprintf(&report, "  skipped %d corpus files: %s\n", skipped[reason], reason)
	}
	var all []jdDisagreement
	for i, mode := range modes {
		st, ds := jdCompare(inputs, views, results[i], mode)
		st.write(&report, mode)
		all = append(all, ds...)
	}
	jdReport(t, &report, all, inputs, views)
	fmt.Fprintf(&report, "total time %v\n", time.Since(start).Round(time.Millisecond))
	t.Logf("%s", report.String())
	// Missing an import joblib made is a scanner bypass and fails the test.
	// Reporting one joblib did not make is over-approximation (the machine
	// does not run numpy or model every file object joblib may be given);
	// it is counted in the log, not failed on.
	var serious []jdDisagreement
	for _, d := range all {
		if d.kind != "more" {
			serious = append(serious, d)
		}
	}
	if len(serious) > 0 {
		t.Errorf("%d disagreements where the machine misses what joblib.load does (see log)", len(serious))
	}
}

// jdReport saves the disagreeing inputs and describes the disagreements:
// counts by kind, joblib's error and the machine's, then the shortest
// input of each group, up to -jdiff.show.
func jdReport(t *testing.T, report *strings.Builder, all []jdDisagreement, inputs []jdInput, views []*jdView) {
	t.Helper()
	out := *jdiffOut
	if out == "" {
		out = t.TempDir()
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	groups := map[string][]int{}
	for i, d := range all {
		d.path = filepath.Join(out, fmt.Sprintf("%s-%05d-%s.joblib", d.mode, d.index, d.kind))
		all[i] = d
		if err := os.WriteFile(d.path, inputs[d.index].data, 0o644); err != nil {
			t.Errorf("writing %s: %v", d.path, err)
		}
		groups[d.group()] = append(groups[d.group()], i)
	}
	if len(all) > 0 {
		fmt.Fprintf(report, "\ndisagreements by kind, joblib's error and the machine's (inputs written to %s):\n", out)
	}
	keys := jdSortedKeys(groups)
	for _, k := range keys {
		fmt.Fprintf(report, "  %4d  %s\n", len(groups[k]), k)
		sort.SliceStable(groups[k], func(a, b int) bool {
			return len(inputs[all[groups[k][a]].index].data) < len(inputs[all[groups[k][b]].index].data)
		})
	}
	shown := 0
	for round := 0; shown < *jdiffShow && shown < len(all); round++ {
		for _, k := range keys {
			if round < len(groups[k]) && shown < *jdiffShow {
				d := all[groups[k][round]]
				d.write(report, inputs[d.index], views[d.index])
				shown++
			}
		}
	}
	if len(all) > shown {
		fmt.Fprintf(report, "\n... %d more disagreements written to %s\n", len(all)-shown, out)
	}
}

// joblibPython returns the interpreter for the recorder (MODELGATE_PYTHON
// or /usr/bin/python3) after the recorder's self-test. Without Python or
// joblib the test skips, except under CI=true, where it fails.
func joblibPython(t *testing.T) string {
	t.Helper()
	python := os.Getenv("MODELGATE_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the joblib differential test cannot run: "+format, args...)
		}
		t.Skipf("joblib differential test skipped: "+format, args...)
	}
	if _, err := exec.LookPath(python); err != nil {
		unavailable("no Python interpreter at %s (set MODELGATE_PYTHON): %v", python, err)
	}
	v, err := exec.Command(python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").Output()
	if err != nil {
		unavailable("%s does not run: %v", python, err)
	}
	if got := strings.TrimSpace(string(v)); got != "3.11" {
		unavailable("%s is Python %s; the recorder is written for CPython 3.11 with joblib 1.2", python, got)
	}
	cmd := exec.Command(python, jdiffRecorder, "--selftest")
	outb, err := cmd.CombinedOutput()
	if err != nil {
		if cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == 3 {
			unavailable("%s", strings.TrimSpace(string(outb)))
		}
		t.Fatalf("recorder self-test failed: %v\n%s", err, outb)
	}
	return python
}

// jdInputs gathers the inputs: joblib files of the corpus, the seeds and
// regressions, then mutants of all of them.
func jdInputs(t *testing.T) ([]jdInput, map[string]int) {
	t.Helper()
	skipped := map[string]int{}
	var files []jdInput
	add := func(root string, corpus bool) {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == root {
					return fs.SkipDir
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			switch filepath.Ext(p) {
			case ".md", ".json", ".py", ".txt":
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if corpus {
				if reason := jdNotJoblib(data); reason != "" {
					skipped[reason]++
					return nil
				}
			}
			files = append(files, jdInput{name: p, data: data})
			return nil
		})
		if err != nil {
			t.Fatalf("reading %s: %v", root, err)
		}
	}
	add(jdiffCorpus, true)
	add(filepath.Join(jdiffDirName, "seeds"), false)
	add(filepath.Join(jdiffDirName, "regressions"), false)
	if *jdiffDir != "" {
		add(*jdiffDir, false)
	}
	var seeds []jdSeed
	for _, in := range files {
		if s, ok := newJDSeed(in); ok {
			seeds = append(seeds, s)
		}
	}
	if len(seeds) == 0 {
		t.Fatal("no joblib seeds for the mutator")
	}
	m := newJDMutator(*jdiffSeed, seeds)
	inputs := files
	for i := 0; i < *jdiffN; i++ {
		data, desc := m.next()
		inputs = append(inputs, jdInput{name: fmt.Sprintf("mutant %d (%s)", i, desc), data: data})
	}
	return inputs, skipped
}

// jdNotJoblib says why a corpus file is not a joblib file (empty if it is):
// joblib files are recognised by content, NumpyArrayWrapper in the data
// after decompression.
func jdNotJoblib(data []byte) string {
	k, body, err := jdDecompress(data)
	if k == compress.JoblibZFile {
		return "legacy joblib ZF file (joblib.load's load_compatibility, not NumpyUnpickler)"
	}
	if err != nil && len(body) == 0 {
		return fmt.Sprintf("%s data that does not decompress", k)
	}
	if !bytes.Contains(body, []byte("NumpyArrayWrapper")) {
		if k != "" {
			return "compressed, but no NumpyArrayWrapper inside (not joblib)"
		}
		return "no NumpyArrayWrapper (a plain pickle, not joblib)"
	}
	return ""
}

// jdDecompress undoes one layer of compression when compress.Sniff names
// one, as the engine does first (and joblib does once). It returns the
// kind ("" for none) and what was inflated, even if an error followed.
func jdDecompress(data []byte) (compress.Kind, []byte, error) {
	head := data[:min(len(data), compress.SniffLen)]
	k, ok := compress.Sniff(head)
	if !ok {
		return "", data, nil
	}
	zr, err := compress.NewReader(k, bytes.NewReader(data), compress.Limits{MaxOutput: jdiffMaxInflate})
	if err != nil {
		return k, nil, err
	}
	defer zr.Close()
	body, err := io.ReadAll(zr)
	return k, body, err
}

// jdView is what the machine makes of one input.
type jdView struct {
	kind       compress.Kind
	inflateErr error
	layers     int           // compression layers the engine undoes (joblib undoes one)
	body       []byte        // after one layer of decompression
	joblib     *pickle.Trace // joblib's reading of body
	engine     *pickle.Trace // pickle.Analyze of the innermost layer, as the engine
}

// jdMachine reads data as the engine does (see jdView).
func jdMachine(data []byte) *jdView {
	v := &jdView{}
	v.kind, v.body, v.inflateErr = jdDecompress(data)
	if v.kind != "" {
		v.layers = 1
	}
	inner := v.body
	for v.kind != "" && v.layers < 4 {
		k, b, _ := jdDecompress(inner)
		if k == "" || len(b) == 0 {
			break
		}
		inner = b
		v.layers++
	}
	v.joblib = pickle.RunBytes(v.body, pickle.Options{Dialect: pickle.DialectPython, Joblib: true})
	v.engine = pickle.Analyze(bytes.NewReader(inner), int64(len(inner)), pickle.Options{})
	return v
}

// ---- running the recorder ----------------------------------------------------

// jdRunRecorder runs the recorder over all inputs, restarting it after the
// input it was on if it dies or stalls (that input is reported "crash").
func jdRunRecorder(ctx context.Context, python, dir string, n int, mode string) ([]jdRecord, error) {
	results := make([]jdRecord, n)
	crashes := 0
	for start := 0; start < n; {
		next, detail, err := jdRecorderProcess(ctx, python, dir, n, mode, start, results)
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
		results[next] = jdRecord{Index: next, Outcome: "crash", Err: detail}
		start = next + 1
	}
	return results, nil
}

func jdRecorderProcess(ctx context.Context, python, dir string, n int, mode string, start int, results []jdRecord) (int, string, error) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(pctx, python, jdiffRecorder, "--mode", mode, "--dir", dir,
		"--count", strconv.Itoa(n), "--start", strconv.Itoa(start))
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
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			lines <- bytes.Clone(sc.Bytes())
		}
	}()
	next, stalled := start, false
	timer := time.NewTimer(jdiffStall)
	defer timer.Stop()
loop:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				break loop
			}
			var r jdRecord
			if err := json.Unmarshal(line, &r); err != nil || r.Index != next {
				cancel()
				for range lines {
				}
				_ = cmd.Wait()
				return 0, "", fmt.Errorf("bad recorder output at input %d: %q (%v)", next, line, err)
			}
			results[next] = r
			next++
			timer.Reset(jdiffStall)
		case <-timer.C:
			stalled = true
			cancel()
		}
	}
	werr := cmd.Wait()
	detail := fmt.Sprintf("recorder exited: %v", werr)
	if stalled {
		detail = fmt.Sprintf("recorder stalled for %v", jdiffStall)
	}
	if s := strings.TrimSpace(stderr.String()); s != "" {
		detail += "; stderr: " + jdTruncate(s, 300)
	}
	if next == start && werr != nil && strings.Contains(stderr.String(), "recorder:") {
		return 0, "", errors.New(detail)
	}
	return next, detail, nil
}

// ---- comparing -----------------------------------------------------------------

// jdStats counts the outcome of one mode.
type jdStats struct {
	compared, recOK, recError, inconclusive, crashed, skipped, machineLimit int
	fewer, engineFewer, more, modelLimited, cutLimited, numpyRejected       int
	engineMore, laterPickles, compressorDiffers, outcomeDiffers             int
	why                                                                     map[string]int
}

func (s *jdStats) write(w *strings.Builder, mode string) {
	fmt.Fprintf(w, "mode %s: %d inputs compared (joblib ok %d, error %d); %d inconclusive, %d recorder crashes, %d skipped by joblib, %d machine limits\n",
		mode, s.compared, s.recOK, s.recError, s.inconclusive, s.crashed, s.skipped, s.machineLimit)
	for _, k := range jdSortedKeys(s.why) {
		fmt.Fprintf(w, "    %4d x %s\n", s.why[k], k)
	}
	fmt.Fprintf(w, "  disagreements: %d fewer (the joblib reading missed an import joblib made), %d more (it reported one joblib did not make); %d inputs where Analyze, what the engine reports, missed an import joblib made\n",
		s.fewer, s.more, s.engineFewer)
	fmt.Fprintf(w, "  not counted as disagreements: %d more past a stand-in limitation (model-limited), %d more past a machine value the stand-ins cannot be (cut), %d more past a numpy/codec check that rejected plain data (the machine does not run numpy)\n",
		s.modelLimited, s.cutLimited, s.numpyRejected)
	fmt.Fprintf(w, "  by design: %d inputs where Analyze reports more than joblib imports (C readings merged in), %d with imports in pickles after the first (joblib.load reads one)\n",
		s.engineMore, s.laterPickles)
	fmt.Fprintf(w, "  information: %d inputs where joblib's compressor detection and compress.Sniff differ, %d where joblib failed and the machine did not or the reverse\n",
		s.compressorDiffers, s.outcomeDiffers)
}

// jdDisagreement is one input where the machine and joblib differ.
type jdDisagreement struct {
	mode, kind     string // fewer, engine-fewer, more
	index          int
	rec            jdRecord
	recSet         []jdPair
	missing, extra []jdPair
	note           string
	path           string
	machineErr     error // the error of the trace compared
}

// group names the kind of disagreement, joblib's outcome and where the
// machine stopped, without input-specific parts, to sort disagreements by
// likely cause.
func (d jdDisagreement) group() string {
	e := d.rec.Outcome
	if d.rec.Err != "" {
		e = jdKind(d.rec.Err)
	}
	m := "machine ok"
	if d.machineErr != nil {
		m = "machine: " + jdGenericErr(d.machineErr)
	}
	return d.kind + " | joblib " + e + " | " + jdTruncate(m, 110)
}

// jdSpecific matches offsets, sizes and quoted values in error messages.
var jdSpecific = regexp.MustCompile(`offset [0-9]+ \([A-Za-z0-9_()]+\): |'[^']*'|"[^"]*"|[0-9]+`)

// jdGenericErr is err without its input-specific parts.
func jdGenericErr(err error) string {
	return jdSpecific.ReplaceAllStringFunc(err.Error(), func(s string) string {
		if strings.HasPrefix(s, "offset ") {
			return ""
		}
		return "_"
	})
}

func (d jdDisagreement) write(w *strings.Builder, in jdInput, v *jdView) {
	fmt.Fprintf(w, "\n--- %s disagreement (%s mode) on input %d: %s\n", d.kind, d.mode, d.index, in.name)
	fmt.Fprintf(w, "  input: %d bytes, compression %q; content (%d bytes): %s\n", len(in.data), v.kind, len(v.body), jdHexPreview(v.body))
	fmt.Fprintf(w, "  saved to %s\n", d.path)
	if v.inflateErr != nil {
		fmt.Fprintf(w, "  %s decompression stopped: %v\n", v.kind, v.inflateErr)
	}
	if v.layers > 1 {
		fmt.Fprintf(w, "  %d layers of compression: the engine undoes all, joblib one\n", v.layers)
	}
	fmt.Fprintf(w, "  joblib: %s, %d arrays, %s; imports %v\n", d.rec.Outcome, d.rec.Arrays, d.rec.Err, d.recSet)
	if d.rec.Limit != "" {
		fmt.Fprintf(w, "  joblib error classified: %s\n", d.rec.Limit)
	}
	fmt.Fprintf(w, "  machine, joblib reading: err=%v, %d arrays; imports %v\n", v.joblib.Err, len(v.joblib.Arrays),
		jdSortedPairs(jdImportSet(v.joblib, nil, true)))
	fmt.Fprintf(w, "  machine, Analyze (the engine): err=%v; imports %v\n", v.engine.Err, jdSortedPairs(jdImportSet(v.engine, nil, false)))
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

// jdCompare compares the machine with the recorder's results for one mode.
func jdCompare(inputs []jdInput, views []*jdView, results []jdRecord, mode string) (*jdStats, []jdDisagreement) {
	st := &jdStats{why: map[string]int{}}
	var ds []jdDisagreement
	for i := range inputs {
		rec, v := results[i], views[i]
		switch rec.Outcome {
		case "crash":
			st.crashed++
			st.why["recorder crash: "+jdTruncate(rec.Err, 80)]++
			continue
		case "skipped":
			st.skipped++
			st.why["skipped by joblib: "+rec.Err]++
			continue
		}
		recSet, err := rec.pairs()
		if err != nil {
			ds = append(ds, jdDisagreement{mode: mode, kind: "harness", index: i, rec: rec, note: err.Error()})
			continue
		}
		if jk := jdJoblibKind(rec.Compressor); jk != v.kind {
			st.compressorDiffers++
		}
		cut, cutWhy := jdModelCut(v.joblib)
		full := jdImportSet(v.joblib, nil, true)
		engine := jdImportSet(v.engine, nil, false)
		d := jdDisagreement{mode: mode, index: i, rec: rec, recSet: jdSortedPairs(recSet),
			machineErr: v.joblib.Err}
		limited := errors.Is(v.joblib.Err, pickle.ErrLimit)
		switch {
		case limited:
			st.machineLimit++
		case rec.Outcome == "inconclusive":
			st.inconclusive++
			st.why["inconclusive: "+jdKind(rec.Err)]++
		default:
			st.compared++
			if rec.Outcome == "ok" {
				st.recOK++
			} else {
				st.recError++
			}
			if (rec.Outcome == "ok") != (v.joblib.Err == nil) {
				st.outcomeDiffers++
			}
		}
		if len(jdImportSet(v.joblib, nil, false)) > len(full) {
			st.laterPickles++
		}
		if len(jdMinus(engine, recSet)) > 0 {
			st.engineMore++
		}
		if limited {
			// The machine stopped at one of its limits: the scan is
			// incomplete, never clean, whatever it missed.
			if len(jdMinus(recSet, full)) > 0 {
				st.why["fewer past a machine limit (scan incomplete by design): "+jdGenericErr(v.joblib.Err)]++
			}
			continue
		}
		engineMissing := jdMinus(recSet, engine)
		if len(engineMissing) > 0 {
			st.engineFewer++
		}
		if missing := jdMinus(recSet, full); len(missing) > 0 {
			st.fewer++
			d.kind, d.missing = "fewer", jdSortedPairs(missing)
			d.note = "Analyze has these imports (from a C reading it merges)"
			if len(engineMissing) > 0 {
				d.note = fmt.Sprintf("Analyze misses %v too", jdSortedPairs(engineMissing))
			}
			ds = append(ds, d)
			continue
		}
		if len(engineMissing) > 0 {
			d.kind, d.missing, d.machineErr = "engine-fewer", jdSortedPairs(engineMissing), v.engine.Err
			d.note = "the joblib reading has them; Analyze did not pick it"
			ds = append(ds, d)
			continue
		}
		if rec.Outcome == "inconclusive" {
			continue
		}
		extra := jdMinus(full, recSet)
		if len(extra) == 0 {
			continue
		}
		switch {
		case strings.HasPrefix(rec.Limit, "stand-in: "):
			st.modelLimited++
			st.why["model-limited more: "+jdGeneric(rec.Limit)]++
		case strings.HasPrefix(rec.Limit, "real object: "):
			st.numpyRejected++
			st.why["more past numpy's own data checks: "+jdGeneric(rec.Limit)]++
		case cut != nil && len(jdMinus(jdImportSet(v.joblib, cut, true), recSet)) == 0:
			st.cutLimited++
			st.why["cut more: "+cutWhy]++
		default:
			st.more++
			d.kind, d.extra, d.note = "more", jdSortedPairs(extra), cutWhy
			ds = append(ds, d)
		}
	}
	return st, ds
}

// jdJoblibKind maps joblib's compressor names to compress Kinds.
func jdJoblibKind(name string) compress.Kind {
	switch name {
	case "", "not-compressed":
		return ""
	case "compat":
		return compress.JoblibZFile
	}
	return compress.Kind(name)
}

// jdPosition orders events: the pickle in the stream, then the offset.
type jdPosition struct {
	stream int
	offset int64
}

func (p jdPosition) before(q jdPosition) bool {
	return p.stream < q.stream || p.stream == q.stream && p.offset < q.offset
}

// jdModelCut finds the first point where the machine keeps going with a
// value the recorder's stand-ins cannot be (so joblib under the recorder
// necessarily stops there, though the victim might not): a STACK_GLOBAL
// whose operands were made by code, NEWOBJ on a call result, call
// arguments that are an imported object, BUILD on an imported object with
// state made by code, and non-ASCII protocol 0-2
// strings (the machine reads on, as loaders with encoding='latin1' do).
func jdModelCut(tr *pickle.Trace) (*jdPosition, string) {
	var cut *jdPosition
	why := ""
	at := func(p jdPosition, reason string) {
		if cut == nil || p.before(*cut) {
			cut, why = &p, reason
		}
	}
	for _, d := range tr.Dynamic {
		at(jdPosition{d.Stream, d.Offset}, "STACK_GLOBAL with an operand made by code")
	}
	for _, c := range tr.Calls {
		p := jdPosition{c.Stream, c.Offset}
		switch c.Kind {
		case pickle.CallNewObj, pickle.CallNewObjEx:
			if jdIsInstance(c.Callee) {
				at(p, c.Kind.String()+" on a call result")
			}
			if jdIsClass(c.Args) || (c.Kind == pickle.CallNewObjEx && (jdIsClass(c.Kwargs) || jdIsInstance(c.Kwargs))) {
				at(p, c.Kind.String()+" arguments made by code")
			}
		case pickle.CallReduce, pickle.CallInst, pickle.CallObj:
			if jdIsClass(c.Args) || jdIsInstance(c.Args) {
				at(p, c.Kind.String()+" arguments made by code")
			}
		}
	}
	for _, a := range tr.Anomalies {
		if a.Kind == pickle.AnomalyStringDecode {
			at(jdPosition{a.Stream, a.Offset}, "non-ASCII protocol 0-2 string")
		}
	}
	for _, m := range tr.Mutations {
		if m.Kind == pickle.MutateSetAttr && m.Key == nil {
			at(jdPosition{m.Stream, m.Offset}, "BUILD on an imported object with state made by code")
		}
	}
	return cut, why
}

func jdIsClass(v pickle.Value) bool {
	_, ok := v.(*pickle.Global)
	return ok
}

func jdIsInstance(v pickle.Value) bool {
	switch v.(type) {
	case *pickle.Object, *pickle.Persistent:
		return true
	}
	return false
}

// jdImportSet is the set of raw import pairs of tr: only the first pickle
// if first, only those before cut if cut is set.
func jdImportSet(tr *pickle.Trace, cut *jdPosition, first bool) map[jdPair]bool {
	s := map[jdPair]bool{}
	for _, im := range tr.Imports {
		if first && im.Stream > 0 {
			continue
		}
		if cut != nil && !(jdPosition{im.Stream, im.Offset}).before(*cut) {
			continue
		}
		s[jdPair{im.RawModule, im.RawName}] = true
	}
	return s
}

func (r jdRecord) pairs() (map[jdPair]bool, error) {
	s := map[jdPair]bool{}
	for _, p := range r.Imports {
		m, err1 := hex.DecodeString(p[0])
		n, err2 := hex.DecodeString(p[1])
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("recorder import %v: %w", p, err)
		}
		s[jdPair{string(m), string(n)}] = true
	}
	return s, nil
}

func jdMinus(a, b map[jdPair]bool) map[jdPair]bool {
	out := map[jdPair]bool{}
	for p := range a {
		if !b[p] {
			out[p] = true
		}
	}
	return out
}

func jdSortedPairs(s map[jdPair]bool) []jdPair {
	out := make([]jdPair, 0, len(s))
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

func jdSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jdKind(err string) string {
	if i := strings.IndexByte(err, ':'); i > 0 {
		return err[:i]
	}
	return err
}

// jdGeneric drops the kind prefix of a classification.
func jdGeneric(s string) string {
	if i := strings.Index(s, ": "); i > 0 {
		return s[i+2:]
	}
	return s
}

func jdHexPreview(b []byte) string {
	const max = 320
	if len(b) <= max {
		return hex.EncodeToString(b)
	}
	return hex.EncodeToString(b[:max]) + fmt.Sprintf("... (+%d bytes)", len(b)-max)
}

func jdTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// ---- the mutator -----------------------------------------------------------------

// jdSeed is a joblib file prepared for mutation: its decompressed content,
// the raw array regions (padding and data, never mutated) and the frames.
type jdSeed struct {
	name    string
	kind    compress.Kind
	data    []byte
	protect [][2]int // [start, end) of raw array bytes
}

func newJDSeed(in jdInput) (jdSeed, bool) {
	k, body, err := jdDecompress(in.data)
	if err != nil || len(body) == 0 || len(body) > 1<<20 || k == compress.JoblibZFile {
		return jdSeed{}, false
	}
	s := jdSeed{name: in.name, kind: k, data: body}
	tr := pickle.RunBytes(body, pickle.Options{Dialect: pickle.DialectPython, Joblib: true, Single: true})
	for _, a := range tr.Arrays {
		if a.Nested {
			continue // a nested pickle: mutable like the rest
		}
		start, end := int(a.Offset), int(a.Offset+a.Bytes)
		// joblib's padding: a length byte n, then n bytes 0xFF.
		for n := 1; n <= 16 && start-1-n >= 0; n++ {
			if int(body[start-1-n]) == n && bytes.Count(body[start-n:start], []byte{0xff}) == n {
				start = start - 1 - n
				break
			}
		}
		s.protect = append(s.protect, [2]int{min(start, len(body)), min(end, len(body))})
	}
	return s, true
}

// jdMutator makes deterministic variations of joblib seeds.
type jdMutator struct {
	r     *rand.Rand
	seeds []jdSeed
}

func newJDMutator(seed uint64, seeds []jdSeed) *jdMutator {
	return &jdMutator{r: rand.New(rand.NewPCG(seed, seed^0x6a6f626c6962)), seeds: seeds}
}

// jdDoc is one input being mutated: bytes and protected regions, kept in
// step as bytes are inserted and deleted.
type jdDoc struct {
	b       []byte
	protect [][2]int
}

func (d *jdDoc) protected(i int) bool {
	for _, p := range d.protect {
		if i >= p[0] && i < p[1] {
			return true
		}
	}
	return false
}

// clip keeps the protected regions inside the data.
func (d *jdDoc) clip() {
	for k, p := range d.protect {
		d.protect[k] = [2]int{min(p[0], len(d.b)), min(p[1], len(d.b))}
	}
}

// shift moves protected regions after position i by n bytes.
func (d *jdDoc) shift(i, n int) {
	for k, p := range d.protect {
		if p[0] >= i {
			d.protect[k] = [2]int{p[0] + n, p[1] + n}
		}
	}
}

func (d *jdDoc) insert(i int, s []byte) {
	out := make([]byte, 0, len(d.b)+len(s))
	out = append(append(append(out, d.b[:i]...), s...), d.b[i:]...)
	d.b = out
	d.shift(i, len(s))
}

func (d *jdDoc) delete(i, j int) {
	d.b = append(d.b[:i:i], d.b[j:]...)
	d.shift(j, i-j)
}

// frames lists the FRAME opcodes of a joblib stream: [header, end) each,
// following frames from the start and jumping over array regions.
func (d *jdDoc) frames() [][2]int {
	var out [][2]int
	pos := 0
	if len(d.b) >= 2 && d.b[0] == byte(pickle.PROTO) {
		pos = 2
	}
	for pos+9 <= len(d.b) && d.b[pos] == byte(pickle.FRAME) && len(out) < 4096 {
		n := binary.LittleEndian.Uint64(d.b[pos+1:])
		if n > uint64(len(d.b)-pos-9) {
			break
		}
		end := pos + 9 + int(n)
		out = append(out, [2]int{pos, end})
		pos = end
		for _, p := range d.protect {
			if p[0] == pos {
				pos = p[1]
			}
		}
	}
	return out
}

// frameAt returns the index of the frame whose body holds i, or -1.
func (d *jdDoc) frameAt(i int) (int, [2]int) {
	for k, f := range d.frames() {
		if i >= f[0]+9 && i < f[1] {
			return k, f
		}
	}
	return -1, [2]int{}
}

func (d *jdDoc) setFrameLen(f [2]int, n int) {
	binary.LittleEndian.PutUint64(d.b[f[0]+1:], uint64(n))
}

// pos picks a mutable position (an opcode boundary inside a frame body
// half of the time).
func (m *jdMutator) pos(d *jdDoc) int {
	if fs := d.frames(); len(fs) > 0 && m.r.IntN(2) == 0 {
		f := fs[m.r.IntN(len(fs))]
		if b := jdOpBoundaries(d.b[f[0]+9 : f[1]]); len(b) > 0 {
			return f[0] + 9 + b[m.r.IntN(len(b))]
		}
	}
	for try := 0; try < 16; try++ {
		i := m.r.IntN(len(d.b) + 1)
		if !d.protected(i) {
			return i
		}
	}
	return len(d.b)
}

// jdOpBoundaries returns the start offsets of the opcodes of a linear walk
// of b, stopping at the first invalid or truncated opcode.
func jdOpBoundaries(b []byte) []int {
	var out []int
	pos := 0
	for pos < len(b) && len(out) < 1<<14 {
		info := pickle.Opcode(b[pos]).Info()
		if info == nil {
			break
		}
		n, ok := jdArgLen(info.Arg, b[pos+1:])
		if !ok {
			break
		}
		out = append(out, pos)
		pos += 1 + n
	}
	return out
}

func jdArgLen(k pickle.ArgKind, b []byte) (int, bool) {
	switch k {
	case pickle.ArgNone:
		return 0, true
	case pickle.ArgU1:
		return 1, len(b) >= 1
	case pickle.ArgU2:
		return 2, len(b) >= 2
	case pickle.ArgI4, pickle.ArgU4:
		return 4, len(b) >= 4
	case pickle.ArgU8, pickle.ArgF8:
		return 8, len(b) >= 8
	case pickle.ArgLine:
		i := bytes.IndexByte(b, '\n')
		return i + 1, i >= 0
	case pickle.ArgTwoLines:
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return 0, false
		}
		j := bytes.IndexByte(b[i+1:], '\n')
		return i + j + 2, j >= 0
	}
	w := map[pickle.ArgKind]int{pickle.ArgLen1: 1, pickle.ArgLen4: 4, pickle.ArgLen4Signed: 4, pickle.ArgLen8: 8}[k]
	if len(b) < w {
		return 0, false
	}
	var n uint64
	for i := w - 1; i >= 0; i-- {
		n = n<<8 | uint64(b[i])
	}
	if n > uint64(len(b)-w) {
		return 0, false
	}
	return w + int(n), true
}

// next returns one mutated input (compressed like its seed, or with
// another compressor, some of the time) and what was done.
func (m *jdMutator) next() ([]byte, string) {
	si := m.r.IntN(len(m.seeds))
	s := m.seeds[si]
	d := &jdDoc{b: bytes.Clone(s.data), protect: append([][2]int(nil), s.protect...)}
	desc := filepath.Base(s.name)
	for n := 1 + m.r.IntN(3); n > 0; n-- {
		desc += "+" + m.once(d)
		d.clip()
	}
	kind := s.kind
	if m.r.IntN(4) == 0 {
		kinds := []compress.Kind{"", compress.Zlib, compress.Gzip, compress.XZ, compress.LZMA, compress.LZ4}
		kind = kinds[m.r.IntN(len(kinds))]
	}
	if kind == "" {
		return d.b, desc
	}
	out, err := jdCompress(kind, d.b)
	if err != nil {
		return d.b, desc + "+uncompressed"
	}
	return out, desc + "+" + string(kind)
}

// jdCompress compresses b as joblib.dump would with kind; bz2 (no writer in
// Go) is left uncompressed.
func jdCompress(kind compress.Kind, b []byte) ([]byte, error) {
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch kind {
	case compress.Zlib:
		w, err = zlib.NewWriterLevel(&buf, 3)
	case compress.Gzip:
		w, err = gzip.NewWriterLevel(&buf, 3)
	case compress.XZ:
		w, err = xz.NewWriter(&buf)
	case compress.LZMA:
		w, err = lzma.NewWriter(&buf)
	case compress.LZ4:
		w = lz4.NewWriter(&buf)
	default:
		return nil, fmt.Errorf("no writer for %s", kind)
	}
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// once applies one mutation.
func (m *jdMutator) once(d *jdDoc) string {
	if len(d.b) == 0 {
		d.insert(0, jdPayload(m.r.IntN(3)))
		return "payload"
	}
	switch k := m.r.IntN(24); {
	case k < 3:
		return m.flip(d)
	case k < 7:
		return m.insertSnippet(d)
	case k < 9:
		return m.deleteRange(d)
	case k < 12:
		return m.shape(d)
	case k < 14:
		return m.dtype(d)
	case k < 16:
		return m.alignment(d)
	case k < 20:
		return m.frame(d)
	case k < 22:
		return m.afterArray(d)
	case k < 23:
		d.b = d.b[:m.r.IntN(len(d.b))]
		return "truncate"
	default:
		d.insert(len(d.b), jdPayload(m.r.IntN(3)))
		return "append"
	}
}

// jdPayload is an import of os.system in one of three spellings: a whole
// protocol-4 pickle, frameless opcodes, or a protocol-0 GLOBAL.
func jdPayload(k int) []byte {
	sg := []byte("\x8c\x02os\x8c\x06system\x93")
	switch k {
	case 0:
		body := append(append([]byte(nil), sg...), '.')
		return append(append([]byte{0x80, 4, 0x95}, binary.LittleEndian.AppendUint64(nil, uint64(len(body)))...), body...)
	case 1:
		return append(sg, '0') // import, POP
	}
	return []byte("cos\nsystem\n0")
}

func (m *jdMutator) flip(d *jdDoc) string {
	i := m.pos(d)
	if i >= len(d.b) {
		i = len(d.b) - 1
	}
	if d.protected(i) {
		return "flip-skipped"
	}
	switch m.r.IntN(3) {
	case 0:
		d.b[i] ^= 1 << m.r.IntN(8)
	case 1:
		d.b[i] = byte(m.r.IntN(256))
	default:
		ops := []byte("()0.bRs\x81\x85\x93\x94\x95Qhut}]N\x88\x89K")
		d.b[i] = ops[m.r.IntN(len(ops))]
	}
	return "flip"
}

// fix makes the frame holding position i longer by n bytes, most of the
// time, so that an edit keeps the stream framed.
func (m *jdMutator) fix(d *jdDoc, i, n int) string {
	if m.r.IntN(4) == 0 {
		return ""
	}
	k, f := d.frameAt(i)
	if k < 0 {
		return ""
	}
	d.setFrameLen(f, f[1]-f[0]-9+n)
	return "(framed)"
}

func (m *jdMutator) insertSnippet(d *jdDoc) string {
	snippets := [][]byte{
		jdPayload(1), jdPayload(2), []byte("0"), []byte("("), []byte("b"), []byte("."), []byte("\x85"),
		[]byte("}b"), []byte(")R"), []byte(")\x81"), []byte("\x94"), []byte("h\x00"), []byte("h\x02b"),
		[]byte("N\x86b"), []byte("Q"), []byte("\x8c\x03pid\x94Q0"), []byte("\x95\x00\x00\x00\x00\x00\x00\x00\x00"),
		[]byte("\x8c\x05numpy\x8c\x05dtype\x93\x8c\x02O8\x89\x88\x87R"),
		[]byte("\x8c\x13joblib.numpy_pickle\x8c\x11NumpyArrayWrapper\x93)\x81"),
	}
	s := snippets[m.r.IntN(len(snippets))]
	if m.r.IntN(5) == 0 {
		s = make([]byte, 1+m.r.IntN(6))
		for i := range s {
			s[i] = byte(m.r.IntN(256))
		}
	}
	i := m.pos(d)
	if d.protected(i) {
		return "insert-skipped"
	}
	fixed := m.fix(d, i, len(s))
	d.insert(i, s)
	return "insert" + fixed
}

func (m *jdMutator) deleteRange(d *jdDoc) string {
	i := m.pos(d)
	j := min(len(d.b), i+1+m.r.IntN(8))
	for k := i; k < j; k++ {
		if d.protected(k) {
			return "delete-skipped"
		}
	}
	if i >= j {
		return "delete-skipped"
	}
	fixed := m.fix(d, i, i-j)
	d.delete(i, j)
	return "delete" + fixed
}

// find returns the positions of key in the mutable parts of d.
func (d *jdDoc) find(key string) []int {
	var out []int
	for i := 0; ; {
		j := bytes.Index(d.b[i:], []byte(key))
		if j < 0 {
			return out
		}
		if !d.protected(i + j) {
			out = append(out, i+j)
		}
		i += j + 1
	}
}

// intAfter finds the first BININT1/BININT2/BININT opcode in the few bytes
// after position i.
func (d *jdDoc) intAfter(i int) int {
	for k := i; k < min(len(d.b), i+24); k++ {
		switch d.b[k] {
		case 'K', 'M', 'J':
			if !d.protected(k) {
				return k
			}
		}
	}
	return -1
}

// shape changes a dimension of a wrapper's shape.
func (m *jdMutator) shape(d *jdDoc) string {
	at := d.find("shape")
	if len(at) == 0 {
		return "shape-none"
	}
	k := d.intAfter(at[m.r.IntN(len(at))] + 5)
	if k < 0 {
		return "shape-none"
	}
	vals := []uint32{0, 1, 2, 3, 7, 255, 256, 4096, 1 << 20, 1 << 31, 0xffffffff}
	v := vals[m.r.IntN(len(vals))]
	switch d.b[k] {
	case 'K':
		if k+1 < len(d.b) {
			d.b[k+1] = byte(v)
		}
	case 'M':
		if k+2 < len(d.b) {
			binary.LittleEndian.PutUint16(d.b[k+1:], uint16(v))
		}
	case 'J':
		if k+4 < len(d.b) {
			binary.LittleEndian.PutUint32(d.b[k+1:], v)
		}
	}
	if m.r.IntN(3) == 0 {
		// One more dimension: the int again, and TUPLE1 -> TUPLE2 etc.
		end := k + 1 + map[byte]int{'K': 1, 'M': 2, 'J': 4}[d.b[k]]
		if end < len(d.b) && (d.b[end] == 0x85 || d.b[end] == 0x86) {
			dup := bytes.Clone(d.b[k:end])
			d.b[end]++
			fixed := m.fix(d, k, len(dup))
			d.insert(k, dup)
			return "shape+dim" + fixed
		}
	}
	return "shape"
}

// dtype replaces a two-character type string with another one.
func (m *jdMutator) dtype(d *jdDoc) string {
	var at []int
	for _, key := range []string{"\x8c\x02", "X\x02\x00\x00\x00"} {
		for _, i := range d.find(key) {
			j := i + len(key)
			if j+2 <= len(d.b) && d.b[j] >= 'A' && d.b[j] <= 'z' && d.b[j+1] >= '0' && d.b[j+1] <= '9' {
				at = append(at, j)
			}
		}
	}
	if len(at) == 0 {
		return "dtype-none"
	}
	types := []string{"f8", "f4", "f2", "i8", "i4", "i2", "i1", "u1", "u8", "b1", "c8", "O8", "V8", "V1", "S8", "S1", "U2", "U1", "M8", "m8"}
	j := at[m.r.IntN(len(at))]
	copy(d.b[j:], types[m.r.IntN(len(types))])
	return "dtype"
}

// alignment changes numpy_array_alignment_bytes: another int, None, False,
// or a missing key.
func (m *jdMutator) alignment(d *jdDoc) string {
	at := d.find("numpy_array_alignment_bytes")
	if len(at) == 0 {
		return "align-none"
	}
	k := at[m.r.IntN(len(at))] + len("numpy_array_alignment_bytes")
	if k < len(d.b) && d.b[k] == 0x94 { // MEMOIZE
		k++
	}
	if k+2 > len(d.b) || d.b[k] != 'K' {
		return "align-none"
	}
	switch m.r.IntN(4) {
	case 0:
		d.b[k+1] = []byte{0, 1, 8, 15, 17, 32, 255}[m.r.IntN(7)]
		return "align"
	case 1:
		fixed := m.fix(d, k, -1)
		d.delete(k, k+2)
		d.insert(k, []byte("N"))
		return "align-none" + fixed
	case 2:
		fixed := m.fix(d, k, -1)
		d.delete(k, k+2)
		d.insert(k, []byte{0x89})
		return "align-false" + fixed
	}
	d.b[k], d.b[k+1] = 'K', 16
	return "align-same"
}

// frame moves frame boundaries relative to the opcodes and the arrays:
// lengths off by a little, a frame that takes in the array after it, a
// frame split at an opcode boundary (so the wrapper's BUILD is no longer
// its last byte), or a frame header removed.
func (m *jdMutator) frame(d *jdDoc) string {
	fs := d.frames()
	if len(fs) == 0 {
		return "frame-none"
	}
	k := m.r.IntN(len(fs))
	f := fs[k]
	n := f[1] - f[0] - 9
	switch m.r.IntN(5) {
	case 0:
		delta := []int{-3, -2, -1, 1, 2, 3}[m.r.IntN(6)]
		if n+delta >= 0 {
			d.setFrameLen(f, n+delta)
		}
		return "framelen"
	case 1:
		for _, p := range d.protect {
			if p[0] == f[1] {
				d.setFrameLen(f, n+p[1]-p[0]+m.r.IntN(3))
				return "frame+array"
			}
		}
		d.setFrameLen(f, 0)
		return "frame0"
	case 2:
		b := jdOpBoundaries(d.b[f[0]+9 : f[1]])
		if len(b) < 2 {
			return "split-none"
		}
		at := b[1+m.r.IntN(len(b)-1)]
		d.setFrameLen(f, at)
		hdr := append([]byte{byte(pickle.FRAME)}, binary.LittleEndian.AppendUint64(nil, uint64(n-at))...)
		d.insert(f[0]+9+at, hdr)
		return "split"
	case 3:
		d.delete(f[0], f[0]+9)
		return "unframe"
	}
	// Merge with the next frame, taking in any array between them.
	if k+1 < len(fs) {
		g := fs[k+1]
		d.setFrameLen(f, g[1]-f[0]-9-9)
		d.delete(g[0], g[0]+9)
		for i, p := range d.protect {
			if p[0] >= f[0] && p[1] <= g[0] {
				d.protect[i] = [2]int{p[0], p[0]} // now inside a frame: mutable
			}
		}
		return "merge"
	}
	return "merge-none"
}

// afterArray inserts opcodes right after an array's bytes, where the
// pickle goes on.
func (m *jdMutator) afterArray(d *jdDoc) string {
	if len(d.protect) == 0 {
		return "after-none"
	}
	p := d.protect[m.r.IntN(len(d.protect))]
	if p[0] == p[1] {
		return "after-none"
	}
	s := jdPayload(m.r.IntN(3))
	if m.r.IntN(3) == 0 {
		s = []byte{byte(m.r.IntN(256)), byte(m.r.IntN(256))}
	}
	d.insert(p[1], s)
	return "after-array"
}
