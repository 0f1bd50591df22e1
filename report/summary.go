package report

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

// Verdict is the one-word outcome of a whole scan.
type Verdict string

// Verdicts, in the order Summarize checks them.
const (
	// VerdictFindings: at least one finding of any severity. Whether that
	// fails a build is the caller's threshold (--fail-on), not ours.
	VerdictFindings Verdict = "findings"
	// VerdictIncomplete: no findings, but at least one file was not fully
	// scanned (status incomplete, error or unknown). Never clean.
	VerdictIncomplete Verdict = "incomplete"
	// VerdictEmpty: no files were scanned at all (none given, or every one
	// skipped). Not clean either: a scan of nothing usually means a wrong
	// path or filter.
	VerdictEmpty Verdict = "empty"
	// VerdictClean: every file was scanned to the end and nothing was found.
	VerdictClean Verdict = "clean"
)

// statusSkipped is the status of a file that is not a format modelgate
// reads and not a pickle any loader would run. It is spelled out here so
// this package builds whether or not scan defines it yet; it should become
// scan.StatusSkipped.
const statusSkipped = scan.Status("skipped")

// StatusCounts counts files by scan.Status.
type StatusCounts struct {
	Clean      int `json:"clean"`
	Findings   int `json:"findings"`
	Incomplete int `json:"incomplete"`
	Error      int `json:"error"`
	Skipped    int `json:"skipped"` // not a model format and not a pickle any loader would run
	Other      int `json:"other"`   // a status this version does not know; treated as not fully scanned
}

// SeverityCounts counts findings by severity, highest first.
type SeverityCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

// Summary is what a scan amounts to. It is the "summary" object of the
// JSON report and the last lines of the text report.
type Summary struct {
	Files      int              `json:"files"`
	ByStatus   StatusCounts     `json:"by_status"`
	Findings   int              `json:"findings"`
	BySeverity SeverityCounts   `json:"by_severity"`
	Max        finding.Severity `json:"max_severity"` // "none" when there are no findings
	// NotFullyScanned counts files whose status is neither clean nor
	// findings. Incomplete is NotFullyScanned > 0.
	NotFullyScanned int     `json:"not_fully_scanned"`
	Incomplete      bool    `json:"incomplete"`
	Verdict         Verdict `json:"verdict"`
}

// Summarize counts r's files and findings and decides the verdict.
// Every finding counts, whatever Options.MinSeverity hides from text.
func Summarize(r *scan.Result) Summary {
	var s Summary
	s.Files = len(r.Files)
	for _, f := range r.Files {
		s.countStatus(f.Status)
		for _, x := range f.Findings {
			s.countSeverity(x.Severity)
		}
	}
	s.Incomplete = s.NotFullyScanned > 0
	s.Verdict = s.verdict()
	return s
}

// fullyScanned reports whether a file with status st was dealt with
// completely: read to the end (clean, findings) or rightly not read at
// all (skipped). Every other status, including ones this version does not
// know, means the file may hide something.
func fullyScanned(st scan.Status) bool {
	return st == scan.StatusClean || st == scan.StatusFindings || st == statusSkipped
}

func (s *Summary) countStatus(st scan.Status) {
	switch st {
	case scan.StatusClean:
		s.ByStatus.Clean++
		return
	case scan.StatusFindings:
		s.ByStatus.Findings++
		return
	case statusSkipped:
		s.ByStatus.Skipped++
		return
	case scan.StatusIncomplete:
		s.ByStatus.Incomplete++
	case scan.StatusError:
		s.ByStatus.Error++
	default:
		s.ByStatus.Other++
	}
	s.NotFullyScanned++
}

func (s *Summary) countSeverity(sev finding.Severity) {
	s.Findings++
	if sev > s.Max {
		s.Max = sev
	}
	switch {
	case sev >= finding.SeverityCritical:
		s.BySeverity.Critical++
	case sev == finding.SeverityHigh:
		s.BySeverity.High++
	case sev == finding.SeverityMedium:
		s.BySeverity.Medium++
	case sev == finding.SeverityLow:
		s.BySeverity.Low++
	default: // info, and anything below it, which a rule should never emit
		s.BySeverity.Info++
	}
}

func (s *Summary) verdict() Verdict {
	switch {
	case s.Findings > 0:
		return VerdictFindings
	case s.Incomplete:
		return VerdictIncomplete
	case s.Files-s.ByStatus.Skipped == 0:
		return VerdictEmpty
	default:
		return VerdictClean
	}
}
