package report

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// sampleRules is deliberately unsorted and includes a rule that never
// fires, so tests see that SARIF lists every rule in ID order.
func sampleRules() []finding.Rule {
	return []finding.Rule{
		{
			ID:       "pickle-trailing-data",
			Title:    "Data after the pickle's STOP",
			Why:      "Bytes after STOP are ignored by pickle.load but can hide a second payload for a loader that keeps reading.",
			Fix:      "Re-save the model from trusted code; do not ship files with trailing data.",
			Severity: finding.SeverityLow,
			Tags:     []string{"pickle", "anomaly"},
		},
		{
			ID:       "pickle-denied-global",
			Title:    "Pickle imports a dangerous global",
			Why:      "Unpickling imports and calls what the pickle names. A global such as os.system runs a command as soon as the file is loaded.",
			Fix:      "Do not load this file. Get the model as safetensors, or load it with torch.load(weights_only=True) after checking its source.",
			Severity: finding.SeverityCritical,
			Tags:     []string{"pickle", "code-execution", "external/cwe/cwe-502"},
		},
		{
			ID:       "pickle-unlisted-global",
			Title:    "Pickle imports a global no policy allows",
			Why:      "Only globals a policy allows are known to be safe to import; anything else may execute code.",
			Fix:      "Check what the global does; if it is safe, allow it in a policy file.",
			Severity: finding.SeverityMedium,
			Tags:     []string{"pickle"},
		},
		{
			ID:       "pickle-frame-violation",
			Title:    "Pickle frame boundaries are violated",
			Why:      "CPython's C unpickler and the pure-Python one disagree on malformed frames, so a scanner may see a different stream than the loader.",
			Fix:      "Re-save the model with a current pickle implementation.",
			Severity: finding.SeverityHigh,
		},
	}
}

// sampleResult is a representative scan: a clean file, a PyTorch archive
// with a critical os.system call in a member plus two lesser findings, an
// incomplete file, an unreadable file and a skipped one. Paths are joined
// to root ("" keeps them relative).
func sampleResult(root string) *scan.Result {
	p := func(rel string) string {
		if root == "" {
			return rel
		}
		return path.Join(root, rel)
	}
	evil := p("models/evil.pt")
	return &scan.Result{
		PolicyVersion: "2026.11.0",
		Rules:         sampleRules(),
		Files: []scan.FileResult{
			{
				Path: p("models/clean.pkl"), Format: "pickle", Size: 1480, Status: scan.StatusClean,
				Imports: []string{"collections.OrderedDict", "torch._utils._rebuild_tensor_v2"},
			},
			{
				Path: evil, Format: "pytorch-zip", Size: 2048, Status: scan.StatusFindings,
				Findings: []finding.Finding{
					{
						RuleID: "pickle-denied-global", Severity: finding.SeverityCritical,
						Message:  "Pickle calls os.system when loaded",
						Location: finding.Location{Path: evil, Member: "evil/data.pkl", Offset: 58},
						Evidence: finding.Evidence{Opcode: "REDUCE", Global: "os.system", Call: "os.system('touch /tmp/x')"},
					},
					{
						RuleID: "pickle-unlisted-global", Severity: finding.SeverityMedium,
						Message:  "Pickle imports collections.Counter, which no policy allows",
						Location: finding.Location{Path: evil, Member: "evil/data.pkl", Offset: 31},
						Evidence: finding.Evidence{Opcode: "STACK_GLOBAL", Global: "collections.Counter"},
					},
					{
						RuleID: "pickle-trailing-data", Severity: finding.SeverityLow,
						Message:  "12 bytes follow the end of the zip archive",
						Location: finding.Location{Path: evil, Offset: 2036},
						Evidence: finding.Evidence{Detail: "trailing bytes start with 80 04 95"},
					},
				},
				Imports: []string{"collections.Counter", "os.system"},
			},
			{
				Path: p("models/truncated.pkl"), Format: "pickle", Size: 4096, Status: scan.StatusIncomplete,
				Errors: []string{"pickle: unexpected end of data at offset 4096 (opcode BINUNICODE)"},
			},
			{
				Path: p("models/unreadable.joblib"), Status: scan.StatusError,
				Errors: []string{"open models/unreadable.joblib: permission denied"},
			},
			{Path: p("README.md"), Format: "text", Size: 900, Status: statusSkipped},
		},
	}
}

// checkGolden compares got with testdata/name, or rewrites the file
// with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", file, diff)
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		root   string
		opts   Options
	}{
		{name: "sample.text.golden", format: FormatText},
		{name: "sample.color.text.golden", format: FormatText, opts: Options{Color: true}},
		{name: "sample.minhigh.text.golden", format: FormatText, opts: Options{MinSeverity: finding.SeverityHigh, Verbose: true}},
		{name: "sample.json.golden", format: FormatJSON, opts: Options{ToolVersion: "0.1.0"}},
		{name: "sample.sarif.golden", format: FormatSARIF, root: "/src/repo", opts: Options{ToolVersion: "0.1.0", BaseDir: "/src/repo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.format, sampleResult(tt.root), tt.opts); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, buf.Bytes())

			var again bytes.Buffer
			if err := Write(&again, tt.format, sampleResult(tt.root), tt.opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("two writes of the same result differ")
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr bool
	}{
		{in: "text", want: FormatText},
		{in: "JSON", want: FormatJSON},
		{in: " sarif\n", want: FormatSARIF},
		{in: "", wantErr: true},
		{in: "table", wantErr: true},
		{in: "sarif2", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFormat(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrUnknownFormat) {
					t.Fatalf("ParseFormat(%q) error = %v, want ErrUnknownFormat", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	for _, f := range Formats() {
		if got, err := ParseFormat(f.String()); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v; Formats and ParseFormat disagree", f, got, err)
		}
	}
}

type failWriter struct{}

var errDiskFull = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteErrors(t *testing.T) {
	r := sampleResult("")
	if err := Write(&bytes.Buffer{}, "xml", r, Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: error = %v, want ErrUnknownFormat", err)
	}
	if err := Write(&bytes.Buffer{}, FormatText, nil, Options{}); err == nil {
		t.Error("nil result: no error")
	}
	for _, f := range Formats() {
		if err := Write(failWriter{}, f, r, Options{}); !errors.Is(err, errDiskFull) {
			t.Errorf("%s to a failing writer: error = %v, want it to wrap %v", f, err, errDiskFull)
		}
	}
}

// TestEmptyResult checks every format accepts a result with no files and
// no rules, and that the text and JSON verdicts are "empty", not clean.
func TestEmptyResult(t *testing.T) {
	wants := map[Format]string{
		FormatText:  "0 files scanned\nno findings\nverdict: empty, no files were scanned\n",
		FormatJSON:  `"verdict": "empty"`,
		FormatSARIF: `"results": []`,
	}
	for _, f := range Formats() {
		var buf bytes.Buffer
		if err := Write(&buf, f, &scan.Result{}, Options{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !bytes.Contains(buf.Bytes(), []byte(wants[f])) {
			t.Errorf("%s output for an empty scan lacks %q:\n%s", f, wants[f], buf.Bytes())
		}
	}
}
