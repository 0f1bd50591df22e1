package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

// maxTextEvidence bounds one evidence value in text output; JSON and SARIF
// carry more.
const maxTextEvidence = 200

// Hints printed under files that were not fully scanned.
const (
	hintIncomplete = "an incomplete scan is never clean: the part that was not read may run code when loaded"
	hintError      = "a file that could not be read is never clean: fix the cause and scan it again"
)

// ANSI SGR sequences used when Options.Color is set.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiCyan    = "\x1b[36m"
	ansiBoldRed = "\x1b[1;31m"
)

type textWriter struct {
	b    *bufio.Writer
	opts Options

	printedAny bool // an entry has been written
	prevBody   bool // the last entry had indented lines under it
}

func writeText(w io.Writer, r *scan.Result, opts Options) error {
	t := &textWriter{b: bufio.NewWriter(w), opts: opts}
	sum := Summarize(r)
	listQuiet := opts.Verbose || sum.ByStatus.Clean+sum.ByStatus.Skipped <= CleanListLimit
	for _, f := range r.Files {
		if quiet(f) && !listQuiet {
			continue
		}
		t.file(f)
	}
	if !listQuiet {
		var parts []string
		if n := sum.ByStatus.Clean; n > 0 {
			parts = append(parts, plural(n, "clean file", "clean files"))
		}
		if n := sum.ByStatus.Skipped; n > 0 {
			parts = append(parts, plural(n, "skipped file", "skipped files"))
		}
		t.entry(false)
		fmt.Fprintf(t.b, "%s not listed (verbose output lists them)\n", strings.Join(parts, " and "))
	}
	t.summary(r, sum)
	return t.b.Flush()
}

// quiet reports whether f needs no more than its one header line: clean
// or skipped, with nothing to show under it.
func quiet(f scan.FileResult) bool {
	return (f.Status == scan.StatusClean || f.Status == statusSkipped) && len(f.Findings) == 0 && len(f.Errors) == 0
}

func (t *textWriter) paint(code, s string) string {
	if !t.opts.Color || code == "" {
		return s
	}
	return code + s + ansiReset
}

// entry separates entries: a blank line goes between two entries when
// either has lines under it, so bodies stand apart and clean files stay
// compact.
func (t *textWriter) entry(hasBody bool) {
	if t.printedAny && (t.prevBody || hasBody) {
		t.b.WriteString("\n")
	}
	t.printedAny, t.prevBody = true, hasBody
}

func (t *textWriter) file(f scan.FileResult) {
	shown, hidden := t.visible(f.Findings)
	notScanned := !fullyScanned(f.Status)
	verboseImports := t.opts.Verbose && len(f.Imports) > 0
	t.entry(len(shown) > 0 || hidden > 0 || notScanned || len(f.Errors) > 0 || verboseImports)

	status := string(f.Status)
	if status == "" {
		status = "unknown status"
	}
	fmt.Fprintf(t.b, "%s: %s", printable(f.Path), t.paint(statusColor(f.Status), printable(status)))
	if f.Format != "" {
		fmt.Fprintf(t.b, " (%s)", printable(f.Format))
	}
	t.b.WriteString("\n")

	for _, x := range shown {
		t.finding(x)
	}
	if hidden > 0 {
		fmt.Fprintf(t.b, "  %s below %s not shown\n", plural(hidden, "finding", "findings"), t.opts.MinSeverity)
	}
	for _, e := range f.Errors {
		fmt.Fprintf(t.b, "  %s  %s\n", t.paint(ansiRed, "error"), printable(e))
	}
	if notScanned {
		if len(f.Errors) == 0 {
			fmt.Fprintf(t.b, "  %s  no reason was recorded\n", t.paint(ansiRed, "error"))
		}
		hint := hintIncomplete
		if f.Status == scan.StatusError {
			hint = hintError
		}
		fmt.Fprintf(t.b, "  hint   %s\n", hint)
	}
	if verboseImports {
		quoted := make([]string, len(f.Imports))
		for i, imp := range f.Imports {
			quoted[i] = printable(imp)
		}
		fmt.Fprintf(t.b, "  imports  %s\n", strings.Join(quoted, ", "))
	}
}

// visible splits findings into those at or above MinSeverity, in their
// original order, and a count of the rest.
func (t *textWriter) visible(all []finding.Finding) (shown []finding.Finding, hidden int) {
	for _, x := range all {
		if x.Severity < t.opts.MinSeverity {
			hidden++
			continue
		}
		shown = append(shown, x)
	}
	return shown, hidden
}

func (t *textWriter) finding(x finding.Finding) {
	sev := fmt.Sprintf("%-8s", x.Severity)
	fmt.Fprintf(t.b, "  %s  %s  %s\n", t.paint(severityColor(x.Severity), sev), printable(x.RuleID), printable(x.Message))
	for _, ev := range evidenceLines(x) {
		fmt.Fprintf(t.b, "            %-6s  %s\n", ev[0], printable(shorten(ev[1], maxTextEvidence)))
	}
}

// evidenceLines returns the label/value pairs shown under a finding, in
// the order a reader follows them: where, then what.
func evidenceLines(x finding.Finding) [][2]string {
	var lines [][2]string
	add := func(label, value string) {
		if value != "" {
			lines = append(lines, [2]string{label, value})
		}
	}
	loc, ev := x.Location, x.Evidence
	add("member", loc.Member)
	if loc.Offset >= 0 && loc.Line == 0 {
		add("offset", strconv.FormatInt(loc.Offset, 10))
	}
	if loc.Line > 0 {
		pos := strconv.Itoa(loc.Line)
		if loc.Column > 0 {
			pos += ":" + strconv.Itoa(loc.Column)
		}
		add("line", pos)
	}
	add("opcode", ev.Opcode)
	add("global", ev.Global)
	add("call", ev.Call)
	add("detail", ev.Detail)
	return lines
}

func (t *textWriter) summary(r *scan.Result, s Summary) {
	if t.printedAny {
		t.b.WriteString("\n")
	}
	if t.opts.Verbose && r.PolicyVersion != "" {
		fmt.Fprintf(t.b, "policy %s\n", printable(r.PolicyVersion))
	}
	line := plural(s.Files, "file", "files") + " scanned"
	if parts := statusParts(s.ByStatus); len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	fmt.Fprintln(t.b, line)
	if s.Findings == 0 {
		fmt.Fprintln(t.b, "no findings")
	} else {
		fmt.Fprintf(t.b, "%s: %s\n", plural(s.Findings, "finding", "findings"), strings.Join(severityParts(s.BySeverity), ", "))
	}
	fmt.Fprintf(t.b, "verdict: %s\n", t.verdict(s))
}

func (t *textWriter) verdict(s Summary) string {
	notScanned := plural(s.NotFullyScanned, "file", "files") + " not fully scanned"
	switch s.Verdict {
	case VerdictFindings:
		v := t.paint(severityColor(s.Max), "findings") + ", highest severity " + s.Max.String()
		if s.Incomplete {
			v += "; " + notScanned + ", so there may be more"
		}
		return v
	case VerdictIncomplete:
		return t.paint(ansiBold+ansiYellow, "incomplete") + ", " + notScanned + "; an incomplete scan is never clean"
	case VerdictEmpty:
		return t.paint(ansiYellow, "empty") + ", no files were scanned"
	default:
		return t.paint(ansiBold+ansiGreen, "clean")
	}
}

func statusParts(c StatusCounts) []string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+what)
		}
	}
	add(c.Clean, "clean")
	add(c.Findings, "with findings")
	add(c.Incomplete, "incomplete")
	add(c.Error, "error")
	add(c.Skipped, "skipped")
	add(c.Other, "unknown status")
	return parts
}

func severityParts(c SeverityCounts) []string {
	var parts []string
	add := func(n int, sev finding.Severity) {
		if n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+sev.String())
		}
	}
	add(c.Critical, finding.SeverityCritical)
	add(c.High, finding.SeverityHigh)
	add(c.Medium, finding.SeverityMedium)
	add(c.Low, finding.SeverityLow)
	add(c.Info, finding.SeverityInfo)
	return parts
}

func severityColor(s finding.Severity) string {
	switch {
	case s >= finding.SeverityCritical:
		return ansiBoldRed
	case s == finding.SeverityHigh:
		return ansiRed
	case s == finding.SeverityMedium:
		return ansiYellow
	case s == finding.SeverityLow:
		return ansiCyan
	default:
		return ansiDim
	}
}

func statusColor(s scan.Status) string {
	switch s {
	case scan.StatusClean:
		return ansiGreen
	case scan.StatusFindings:
		return ansiRed
	case statusSkipped:
		return ansiDim
	default:
		return ansiYellow
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
