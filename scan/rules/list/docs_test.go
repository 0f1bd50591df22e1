package list

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md from the rule metadata")

// TestRulesDoc keeps docs/rules.md generated from the rules' metadata.
func TestRulesDoc(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("# Scan rules\n\nGenerated from the rule metadata by `go test ./scan/rules/list -update`; do not edit.\n\n")
	sb.WriteString("| ID | Default severity | Title |\n|---|---|---|\n")
	for _, r := range All() {
		m := r.Meta()
		fmt.Fprintf(&sb, "| [`%s`](#%s) | %s | %s |\n", m.ID, m.ID, m.Severity, m.Title)
	}
	for _, r := range All() {
		m := r.Meta()
		fmt.Fprintf(&sb, "\n## %s\n\n**%s** (default severity: %s)\n\n%s\n\n**Fix.** %s\n", m.ID, m.Title, m.Severity, m.Why, m.Fix)
	}
	got := sb.String()
	const path = "../../../docs/rules.md"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("docs/rules.md is stale; run go test ./scan/rules/list -update (-file +generated):\n%s", diff)
	}
}

// TestRuleMetadata checks every rule has complete, unique metadata.
func TestRuleMetadata(t *testing.T) {
	id := regexp.MustCompile(`^[a-z]+(-[a-z]+)+$`)
	seen := map[string]bool{}
	for _, r := range All() {
		m := r.Meta()
		if !id.MatchString(m.ID) {
			t.Errorf("rule ID %q is not kebab-case", m.ID)
		}
		if seen[m.ID] {
			t.Errorf("duplicate rule ID %q", m.ID)
		}
		seen[m.ID] = true
		if m.Title == "" || m.Why == "" || m.Fix == "" || m.Severity == 0 {
			t.Errorf("rule %s has incomplete metadata: %+v", m.ID, m)
		}
	}
}
