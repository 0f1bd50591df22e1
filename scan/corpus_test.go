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

const corpusDir = "../testdata/corpus"

func loadManifest(t *testing.T) []manifestEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "manifest.json"))
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

// TestCorpus scans every fixture: benign files must be clean, malicious
// files must be flagged with their expected rules and globals.
func TestCorpus(t *testing.T) {
	entries := loadManifest(t)
	sc := New(Options{})
	var benign, malicious int
	for _, e := range entries {
		if !strings.HasPrefix(e.File, "benign/") && !strings.HasPrefix(e.File, "malicious/") {
			continue
		}
		t.Run(e.File, func(t *testing.T) {
			fr := sc.ScanFile(context.Background(), filepath.Join(corpusDir, e.File))
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
	t.Logf("corpus: %d benign clean, %d malicious flagged", benign, malicious)
	if benign < 40 || malicious < 60 {
		t.Errorf("corpus too small: %d benign (want >= 40), %d malicious (want >= 60)", benign, malicious)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return slices.Clip(out)
}
