package numpy

import (
	"strconv"
	"unicode/utf8"
)

// Layout: what Python allows around and between the tokens of the header.

// newlineLen returns the length of the newline at i (\n, \r\n, \r) or 0.
func (p *parser) newlineLen(i int) int {
	switch p.at(i) {
	case '\n':
		return 1
	case '\r':
		if p.at(i+1) == '\n' {
			return 2
		}
		return 1
	}
	return 0
}

func (p *parser) skipComment() {
	for p.pos < len(p.src) && p.src[p.pos] != '\n' && p.src[p.pos] != '\r' {
		p.pos++
	}
}

// prefix skips what may precede the expression: literal_eval strips
// leading spaces and tabs, the tokenizer skips blank and comment lines,
// and the first token must not be indented.
func (p *parser) prefix() error {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	// contCol is CPython's cont_line_col: the column of the first
	// backslash continuation after indentation decides the indent.
	col, contCol, cont := 0, 0, false
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ':
			col++
		case c == '\t':
			col = (col/8 + 1) * 8
		case c == '\f' && cont && p.legacy:
			// numpy's untokenize turns it into a space: an indent.
			return errAt(p.pos, unsupportedf("form feed on a later line before the header dict"))
		case c == '\f':
			col = 0
		case c == '#':
			p.skipComment()
			continue
		case c == '\r' && p.legacy && p.at(p.pos+1) != '\n':
			// numpy's tokenize/untokenize round trip fails on a lone CR
			// before the first token in some layouts.
			return errAt(p.pos, unsupportedf("carriage return before the header dict"))
		case c == '\n' || c == '\r':
			p.pos += p.newlineLen(p.pos)
			col, contCol, cont = 0, 0, true
			continue
		case c == '\\' && p.newlineLen(p.pos+1) > 0:
			p.pos += 1 + p.newlineLen(p.pos+1)
			if contCol == 0 {
				contCol = col
			}
			cont = true
			continue
		default:
			if contCol != 0 {
				col = contCol
			}
			if col != 0 {
				if p.legacy {
					return errAt(p.pos, unsupportedf("indented first line"))
				}
				return errAt(p.pos, invalidf("unexpected indent before the header dict"))
			}
			return nil
		}
		p.pos++
	}
	return errAt(p.pos, invalidf("header is empty"))
}

// trailer checks what follows the expression: comments, blank lines and,
// for version 3.0, no indented last line without a newline (the tokenizer
// reports an unexpected indent; numpy's tokenize round trip for 1.0 and
// 2.0 removes such a line after a line feed).
func (p *parser) trailer() error {
	if err := p.space(); err != nil {
		return err
	}
	if p.peek() == '#' {
		p.skipComment()
	}
	if p.pos == len(p.src) {
		return nil
	}
	loneCR := false
	if n := p.newlineLen(p.pos); n == 0 {
		return errAt(p.pos, invalidf("unexpected %s after the header dict", p.describe(p.pos)))
	} else {
		loneCR = n == 1 && p.src[p.pos] == '\r'
		p.pos += n
	}
	col := 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ':
			col++
		case c == '\t':
			col = (col/8 + 1) * 8
		case c == '\f':
			col = 0
		case c == '#': // a comment line counts as blank
			p.skipComment()
			col = 0
			continue
		case c == '\n' || c == '\r':
			n := p.newlineLen(p.pos)
			loneCR = loneCR || (n == 1 && c == '\r')
			p.pos += n
			col = 0
			continue
		default:
			if c == '\\' {
				return errAt(p.pos, unsupportedf("backslash continuation after the header dict"))
			}
			return errAt(p.pos, invalidf("unexpected %s after the header dict", p.describe(p.pos)))
		}
		p.pos++
	}
	switch {
	case col == 0:
	case !p.legacy:
		return errAt(p.pos, invalidf("indented whitespace-only last line (Python reports an unexpected indent)"))
	case loneCR:
		// tokenize does not split lines at a lone CR, so numpy's version
		// 1.0 round trip may keep the indented line.
		return errAt(p.pos, unsupportedf("indented last line after a carriage return"))
	}
	return nil
}

// space skips blanks between tokens. Inside brackets newlines and
// comments are blanks too (implicit line joining).
func (p *parser) space() error {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\f':
			p.pos++
		case c == '\\':
			n := p.newlineLen(p.pos + 1)
			if n == 0 {
				return errAt(p.pos, invalidf("unexpected character after line continuation character"))
			}
			p.pos += 1 + n
			if p.pos == len(p.src) {
				return errAt(p.pos, invalidf("unexpected end of header after line continuation"))
			}
		case p.depth > 0 && (c == '\n' || c == '\r'):
			p.pos++
		case p.depth > 0 && c == '#':
			p.skipComment()
		default:
			return nil
		}
	}
	return nil
}

// describe names the character at i for error messages.
func (p *parser) describe(i int) string {
	if i >= len(p.src) {
		return "end of header"
	}
	r := rune(p.src[i])
	if p.utf8 && r >= utf8.RuneSelf {
		r, _ = utf8.DecodeRuneInString(p.src[i:])
	}
	return "character " + strconv.QuoteRune(r)
}
