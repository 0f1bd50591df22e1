package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/finding"
)

// TestJSONSummary checks the counts a CI gate reads from the JSON
// report, decoded the way a consumer would.
func TestJSONSummary(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, FormatJSON, sampleResult(""), Options{MinSeverity: finding.SeverityCritical}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		SchemaVersion int `json:"schema_version"`
		Summary       struct {
			Files           int            `json:"files"`
			ByStatus        map[string]int `json:"by_status"`
			Findings        int            `json:"findings"`
			BySeverity      map[string]int `json:"by_severity"`
			MaxSeverity     string         `json:"max_severity"`
			NotFullyScanned int            `json:"not_fully_scanned"`
			Incomplete      bool           `json:"incomplete"`
			Verdict         string         `json:"verdict"`
		} `json:"summary"`
		Files []struct {
			Findings []struct {
				Fingerprint string `json:"fingerprint"`
			} `json:"findings"`
			Errors  []string `json:"errors"`
			Imports []string `json:"imports"`
		} `json:"files"`
		Rules []struct {
			ID string `json:"id"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.SchemaVersion != JSONSchemaVersion {
		t.Errorf("schema_version = %d", got.SchemaVersion)
	}
	s := got.Summary
	if s.Files != 5 || s.Findings != 3 || s.MaxSeverity != "critical" || s.NotFullyScanned != 2 || !s.Incomplete || s.Verdict != "findings" {
		t.Errorf("summary %+v", s)
	}
	wantStatus := map[string]int{"clean": 1, "findings": 1, "incomplete": 1, "error": 1, "skipped": 1, "other": 0}
	if diff := cmp.Diff(wantStatus, s.ByStatus); diff != "" {
		t.Errorf("by_status (-want +got):\n%s", diff)
	}
	wantSev := map[string]int{"critical": 1, "high": 0, "medium": 1, "low": 1, "info": 0}
	if diff := cmp.Diff(wantSev, s.BySeverity); diff != "" {
		t.Errorf("by_severity (-want +got); MinSeverity must not hide findings from JSON:\n%s", diff)
	}
	for i, f := range got.Files {
		if f.Findings == nil || f.Errors == nil || f.Imports == nil {
			t.Errorf("file %d: an array is null", i)
		}
		for _, x := range f.Findings {
			if len(x.Fingerprint) != 64 {
				t.Errorf("file %d: fingerprint %q", i, x.Fingerprint)
			}
		}
	}
	var ruleIDs []string
	for _, r := range got.Rules {
		ruleIDs = append(ruleIDs, r.ID)
	}
	if diff := cmp.Diff([]string{"pickle-denied-global", "pickle-trailing-data", "pickle-unlisted-global"}, ruleIDs); diff != "" {
		t.Errorf("rules are those that fired, sorted (-want +got):\n%s", diff)
	}
}
