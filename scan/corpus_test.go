package scan

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// manifestEntry is one line of testdata/corpus/manifest.json.
type manifestEntry struct {
	File      string   `json:"file"`
	Technique string   `json:"technique"`
	Expect    []string `json:"expect"`
	Globals   []string `json:"globals"`
	Note      string   `json:"note"`
}

const (
	corpusDir     = "../testdata/corpus"
	containersDir = "../testdata/containers"
)

func loadManifest(t *testing.T, dir string) []manifestEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("reading the fixture manifest: %v (regenerate with /usr/bin/python3 testdata/gen/gen_corpus.py)", err)
	}
	var m []manifestEntry
	if err := json.Unmarshal(b, &m); err != nil {
		var wrapped struct {
			Files []manifestEntry `json:"files"`
		}
		if err2 := json.Unmarshal(b, &wrapped); err2 != nil {
			t.Fatalf("parsing manifest.json: %v", err)
		}
		m = wrapped.Files
	}
	return m
}

// TestCorpus scans every pickle and joblib fixture: benign files must be
// clean, malicious files must be flagged with their expected rules and
// globals.
func TestCorpus(t *testing.T) { testManifest(t, corpusDir, 40, 60) }

// TestContainers does the same for the container fixtures (torch zip and
// legacy, TorchScript, numpy, archives, compressors, folders).
func TestContainers(t *testing.T) { testManifest(t, containersDir, 40, 50) }

func testManifest(t *testing.T, dir string, minBenign, minMalicious int) {
	entries := loadManifest(t, dir)
	sc := New(Options{})
	var benign, malicious int
	for _, e := range entries {
		if !strings.HasPrefix(e.File, "benign/") && !strings.HasPrefix(e.File, "malicious/") {
			continue
		}
		t.Run(e.File, func(t *testing.T) {
			fr := scanPath(t, sc, filepath.Join(dir, e.File))
			if strings.HasPrefix(e.File, "benign/") {
				benign++
				if fr.Status != StatusClean || len(fr.Findings) > 0 {
					t.Errorf("benign file is %s with %d findings: %+v; errors %v", fr.Status, len(fr.Findings), fr.Findings, fr.Errors)
				}
				return
			}
			malicious++
			if fr.Status != StatusFindings && fr.Status != StatusIncomplete {
				t.Fatalf("malicious file is %s (errors %v)", fr.Status, fr.Errors)
			}
			if len(fr.Findings) == 0 {
				t.Fatalf("malicious file has no findings (status %s, errors %v)", fr.Status, fr.Errors)
			}
			rules := map[string]bool{}
			globals := map[string]bool{}
			for _, f := range fr.Findings {
				rules[f.RuleID] = true
				if f.Evidence.Global != "" {
					globals[f.Evidence.Global] = true
				}
			}
			for _, g := range fr.Imports {
				globals[g] = true
			}
			for _, want := range e.Expect {
				// A denied import is the stronger verdict on an import
				// the fixture only expects to be off the allowlist.
				if !rules[want] && !(want == "pickle-unlisted-global" && rules["pickle-denied-global"]) {
					t.Errorf("want rule %s; got %v", want, keys(rules))
				}
			}
			for _, want := range e.Globals {
				if !globals[want] {
					t.Errorf("want global %s named; got %v", want, keys(globals))
				}
			}
		})
	}
	t.Logf("%s: %d benign clean, %d malicious flagged", dir, benign, malicious)
	if benign < minBenign || malicious < minMalicious {
		t.Errorf("corpus too small: %d benign (want >= %d), %d malicious (want >= %d)", benign, minBenign, malicious, minMalicious)
	}
}

// scanPath scans a fixture file, or a fixture folder as one result that
// merges its files.
func scanPath(t *testing.T, sc *Scanner, p string) FileResult {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&os.ModeSymlink != 0 {
		// A link is judged where a folder walk meets it.
		res, err := sc.Scan(context.Background(), []string{filepath.Dir(p)})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Files {
			if f.Path == p {
				return f
			}
		}
		t.Fatalf("the walk of %s did not report %s", filepath.Dir(p), p)
	}
	if !st.IsDir() {
		return sc.ScanFile(context.Background(), p)
	}
	res, err := sc.Scan(context.Background(), []string{p})
	if err != nil {
		t.Fatal(err)
	}
	merged := FileResult{Path: p, Status: StatusClean}
	for _, f := range res.Files {
		merged.Findings = append(merged.Findings, f.Findings...)
		merged.Imports = append(merged.Imports, f.Imports...)
		merged.Errors = append(merged.Errors, f.Errors...)
		switch {
		case f.Status == StatusIncomplete || f.Status == StatusError:
			merged.Status = StatusIncomplete
		case f.Status == StatusFindings && merged.Status == StatusClean:
			merged.Status = StatusFindings
		}
	}
	return merged
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return slices.Clip(out)
}
