package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

func writeTextString(t *testing.T, r *scan.Result, opts Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, FormatText, r, opts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestTextHostileStrings checks that names and evidence taken from a model
// file cannot inject terminal escapes, extra lines or bidi overrides.
func TestTextHostileStrings(t *testing.T) {
	evil := "evil.pkl\x1b[2K\rok.pkl: clean\n\u202egnp.pkl"
	r := &scan.Result{Files: []scan.FileResult{{
		Path: evil, Format: "pickle", Status: scan.StatusFindings,
		Findings: []finding.Finding{{
			RuleID: "r", Severity: finding.SeverityHigh, Message: "m\x07",
			Location: finding.Location{Path: evil, Member: "a\nb", Offset: 1},
			Evidence: finding.Evidence{Call: "os.system('x')\x1b]0;title\x07" + strings.Repeat("A", 1000), Global: "os.\xffsystem"},
		}},
	}}}
	out := writeTextString(t, r, Options{})
	for _, bad := range []string{"\x1b", "\r", "\x07", "\u202e", "\xff", "a\nb"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{`evil.pkl\x1b[2K\rok.pkl: clean\n\u202egnp.pkl: findings (pickle)`, `member  a\nb`, `os.\xffsystem`, "more bytes)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Colour codes are ours only: with Color on, no escape comes from the data.
	colored := writeTextString(t, r, Options{Color: true})
	if strings.Contains(colored, "\x1b[2K") || strings.Contains(colored, "\x1b]0") {
		t.Errorf("coloured output lets data escapes through:\n%q", colored)
	}
}

func TestTextCleanListing(t *testing.T) {
	many := &scan.Result{}
	for i := range CleanListLimit + 1 {
		many.Files = append(many.Files, scan.FileResult{Path: fmt.Sprintf("m%02d.pkl", i), Format: "pickle", Status: scan.StatusClean})
	}
	many.Files = append(many.Files, scan.FileResult{Path: "notes.txt", Status: statusSkipped})
	tests := []struct {
		name      string
		r         *scan.Result
		opts      Options
		want      []string
		wantNotIn []string
	}{
		{
			name: "few clean files are listed",
			r:    &scan.Result{Files: many.Files[:2]},
			want: []string{"m00.pkl: clean (pickle)\nm01.pkl: clean (pickle)\n\n2 files scanned: 2 clean\nno findings\nverdict: clean\n"},
		},
		{
			name:      "many clean files are counted",
			r:         many,
			want:      []string{"21 clean files and 1 skipped file not listed (verbose output lists them)\n", "22 files scanned: 21 clean, 1 skipped\n"},
			wantNotIn: []string{"m00.pkl"},
		},
		{
			name: "verbose lists them all",
			r:    many,
			opts: Options{Verbose: true},
			want: []string{"m00.pkl: clean (pickle)\n", "m20.pkl: clean (pickle)\n", "notes.txt: skipped\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := writeTextString(t, tt.r, tt.opts)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantNotIn {
				if strings.Contains(out, w) {
					t.Errorf("output contains %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestTextVerdicts(t *testing.T) {
	f := func(st scan.Status, sev finding.Severity) scan.FileResult {
		fr := scan.FileResult{Path: "a.pkl", Status: st}
		if sev != finding.SeverityNone {
			fr.Findings = []finding.Finding{{RuleID: "r", Severity: sev, Location: finding.Location{Offset: -1}}}
		}
		return fr
	}
	tests := []struct {
		name  string
		files []scan.FileResult
		want  string
	}{
		{"clean", []scan.FileResult{f(scan.StatusClean, 0)}, "verdict: clean\n"},
		{"findings", []scan.FileResult{f(scan.StatusFindings, finding.SeverityMedium)}, "verdict: findings, highest severity medium\n"},
		{"incomplete", []scan.FileResult{f(scan.StatusIncomplete, 0)}, "verdict: incomplete, 1 file not fully scanned; an incomplete scan is never clean\n"},
		{"both", []scan.FileResult{f(scan.StatusIncomplete, finding.SeverityHigh), f(scan.StatusError, 0)},
			"verdict: findings, highest severity high; 2 files not fully scanned, so there may be more\n"},
		{"empty", nil, "verdict: empty, no files were scanned\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := writeTextString(t, &scan.Result{Files: tt.files}, Options{})
			if !strings.HasSuffix(out, tt.want) {
				t.Errorf("output does not end with %q:\n%s", tt.want, out)
			}
		})
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc… (3 more bytes)"},
		{"aé", 2, "a… (2 more bytes)"}, // never splits a rune
	}
	for _, tt := range tests {
		if got := shorten(tt.in, tt.max); got != tt.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
