package report

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

func TestSummarize(t *testing.T) {
	crit := finding.Finding{RuleID: "r", Severity: finding.SeverityCritical}
	info := finding.Finding{RuleID: "r", Severity: finding.SeverityInfo}
	file := func(st scan.Status, fs ...finding.Finding) scan.FileResult {
		return scan.FileResult{Path: "f", Status: st, Findings: fs}
	}
	tests := []struct {
		name  string
		files []scan.FileResult
		want  Summary
	}{
		{
			name: "no files",
			want: Summary{Verdict: VerdictEmpty},
		},
		{
			name:  "only skipped files",
			files: []scan.FileResult{file(statusSkipped)},
			want:  Summary{Files: 1, ByStatus: StatusCounts{Skipped: 1}, Verdict: VerdictEmpty},
		},
		{
			name:  "clean and skipped",
			files: []scan.FileResult{file(scan.StatusClean), file(statusSkipped)},
			want:  Summary{Files: 2, ByStatus: StatusCounts{Clean: 1, Skipped: 1}, Verdict: VerdictClean},
		},
		{
			name:  "info finding is still a finding",
			files: []scan.FileResult{file(scan.StatusFindings, info)},
			want: Summary{Files: 1, ByStatus: StatusCounts{Findings: 1}, Findings: 1,
				BySeverity: SeverityCounts{Info: 1}, Max: finding.SeverityInfo, Verdict: VerdictFindings},
		},
		{
			name:  "incomplete is never clean",
			files: []scan.FileResult{file(scan.StatusClean), file(scan.StatusIncomplete)},
			want: Summary{Files: 2, ByStatus: StatusCounts{Clean: 1, Incomplete: 1},
				NotFullyScanned: 1, Incomplete: true, Verdict: VerdictIncomplete},
		},
		{
			name:  "unknown status counts as not fully scanned",
			files: []scan.FileResult{file("timeout")},
			want: Summary{Files: 1, ByStatus: StatusCounts{Other: 1},
				NotFullyScanned: 1, Incomplete: true, Verdict: VerdictIncomplete},
		},
		{
			name:  "findings and incomplete",
			files: []scan.FileResult{file(scan.StatusIncomplete, crit, info), file(scan.StatusError)},
			want: Summary{Files: 2, ByStatus: StatusCounts{Incomplete: 1, Error: 1}, Findings: 2,
				BySeverity: SeverityCounts{Critical: 1, Info: 1}, Max: finding.SeverityCritical,
				NotFullyScanned: 2, Incomplete: true, Verdict: VerdictFindings},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scan.Result{Files: tt.files}
			got := Summarize(r)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Summarize (-want +got):\n%s", diff)
			}
			if got.Max != r.Max() {
				t.Errorf("Max = %v, scan.Result.Max() = %v", got.Max, r.Max())
			}
		})
	}
}
