package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Everything a report prints about a model comes from the model: archive
// member names, rendered calls, global names, even file names. A hostile
// file can put terminal escape sequences, newlines or bidirectional
// overrides in them to hide a finding or forge a "clean" line. Text output
// therefore passes every such string through printable, and bounds long
// evidence with shorten. JSON and SARIF escape control characters by
// construction (encoding/json), so they carry strings unchanged.

// printable returns s with control characters, invalid UTF-8 and
// bidirectional formatting characters replaced by Go-style escapes, so one
// value prints as one visible line. Backslashes are left alone: they are
// ordinary in Windows paths, and a literal "\x1b" in a name is harmless.
func printable(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case mustEscape(r):
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func isPrintable(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || mustEscape(r) {
			return false
		}
		i += size
	}
	return true
}

// mustEscape reports whether r could change how the terminal shows the
// rest of the line: C0/C1 controls and DEL, line and paragraph
// separators, and the bidirectional embedding, override and isolate
// characters used in "Trojan Source" attacks.
func mustEscape(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	case r == '\u200e' || r == '\u200f' || r == '\u061c':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// shorten cuts s to at most max bytes, on a rune boundary, and says how
// much it left out.
func shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}
