// Package archtest checks the import direction DESIGN.md sets: pickle and
// formats are leaves, report sees only scan's result types, and nothing
// but the command imports internal/cli.
package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/modelgate/modelgate"

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// allowed lists, for a package prefix, the modelgate packages it may
// import (by prefix). Packages not listed may import anything except
// internal/cli.
var allowed = map[string][]string{
	mod + "/pickle":   {},
	mod + "/finding":  {},
	mod + "/formats":  {mod + "/formats"},
	mod + "/policy":   {mod + "/finding"},
	mod + "/report":   {mod + "/scan", mod + "/finding"},
	mod + "/scan":     {mod + "/scan", mod + "/pickle", mod + "/policy", mod + "/finding", mod + "/formats", mod + "/internal/zipx"},
	mod + "/internal": {mod + "/"},
}

func TestImportDirection(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, mod+"/") {
				continue
			}
			if strings.HasPrefix(imp, mod+"/internal/cli") && p.ImportPath != mod+"/cmd/modelgate" {
				t.Errorf("%s imports %s: only cmd/modelgate may", p.ImportPath, imp)
			}
			rules, ok := rulesFor(p.ImportPath)
			if !ok {
				continue
			}
			if !prefixed(imp, rules) {
				t.Errorf("%s imports %s, which DESIGN.md's import direction forbids", p.ImportPath, imp)
			}
		}
	}
}

func rulesFor(path string) ([]string, bool) {
	best, found := "", false
	var rules []string
	for prefix, r := range allowed {
		if (path == prefix || strings.HasPrefix(path, prefix+"/")) && len(prefix) > len(best) {
			best, rules, found = prefix, r, true
		}
	}
	return rules, found
}

func prefixed(imp string, prefixes []string) bool {
	for _, p := range prefixes {
		if imp == p || strings.HasPrefix(imp, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}
