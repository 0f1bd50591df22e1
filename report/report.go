package report

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

// Format names an output format.
type Format string

// The output formats Write supports.
const (
	FormatText  Format = "text"  // for people: per-file blocks, a summary and a verdict
	FormatJSON  Format = "json"  // for programs: the versioned schema documented in the package doc
	FormatSARIF Format = "sarif" // SARIF 2.1.0 for GitHub code scanning and other SARIF consumers
)

// ErrUnknownFormat is returned (wrapped) by ParseFormat and Write for a
// format name they do not know.
var ErrUnknownFormat = errors.New("report: unknown format")

// Formats returns the supported formats in the order they are documented,
// for help text and shell completion.
func Formats() []Format {
	return []Format{FormatText, FormatJSON, FormatSARIF}
}

// ParseFormat parses a format name, case-insensitively and ignoring
// surrounding space.
func ParseFormat(s string) (Format, error) {
	name := Format(strings.ToLower(strings.TrimSpace(s)))
	for _, f := range Formats() {
		if f == name {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w %q (want text, json or sarif)", ErrUnknownFormat, s)
}

// String returns the format's name.
func (f Format) String() string { return string(f) }

// Options tune the writers. The zero value is valid: plain text, every
// finding shown, no tool version, paths as given.
type Options struct {
	// Color turns on ANSI colours in text output. The CLI sets it when
	// stdout is a terminal and NO_COLOR is unset. Other formats ignore it.
	Color bool

	// MinSeverity hides findings below it in text output. They are still
	// counted in the summary and the verdict, and the text says how many
	// were hidden. JSON and SARIF always carry every finding.
	MinSeverity finding.Severity

	// Verbose lists every clean file in text output. Without it, clean
	// files are listed one line each only while there are at most
	// CleanListLimit of them, and counted otherwise.
	Verbose bool

	// ToolVersion is the modelgate version, written to SARIF
	// tool.driver.version and to JSON tool.version. Empty omits it.
	ToolVersion string

	// BaseDir is the directory SARIF artifact URIs and finding fingerprints
	// are made relative to, normally the repository checkout. Paths inside
	// it become relative URIs with forward slashes and uriBaseId
	// %SRCROOT%; absolute paths outside it become file:// URIs. Empty
	// means the current directory for relative paths.
	BaseDir string
}

// CleanListLimit is how many clean files text output lists one by one
// when Options.Verbose is off. Beyond it, clean files are only counted.
const CleanListLimit = 20

// Write writes r to w in format f.
//
// Write never reports a scan as clean unless every file's status is
// clean or findings: files that were not fully scanned are shown (text,
// JSON) or surfaced as failed tool execution (SARIF). Errors from w are
// returned wrapped; nothing is retried.
func Write(w io.Writer, f Format, r *scan.Result, opts Options) error {
	if r == nil {
		return errors.New("report: nil scan result")
	}
	var err error
	switch f {
	case FormatText:
		err = writeText(w, r, opts)
	case FormatJSON:
		err = writeJSON(w, r, opts)
	case FormatSARIF:
		err = writeSARIF(w, r, opts)
	default:
		return fmt.Errorf("%w %q (want text, json or sarif)", ErrUnknownFormat, string(f))
	}
	if err != nil {
		return fmt.Errorf("report: writing %s: %w", f, err)
	}
	return nil
}
