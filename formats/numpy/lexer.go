package numpy

import (
	"math"
	"strings"
	"unicode/utf8"
)

// number parses an int, float or imaginary literal with CPython 3.11's
// rules: 0x/0o/0b prefixes, underscores between digits, no leading zeros
// in non-zero decimal ints, and no name character right after the number.
func (p *parser) number() (value, error) {
	start := p.pos
	v := value{kind: kInt, pos: start}
	if p.src[p.pos] == '0' && strings.IndexByte("xXoObB", p.at(p.pos+1)) >= 0 {
		base := map[byte]uint64{'x': 16, 'o': 8, 'b': 2}[p.src[p.pos+1]|0x20]
		p.pos += 2
		if err := p.digits(base, &v, true); err != nil {
			return value{}, err
		}
	} else {
		if err := p.decimal(&v); err != nil {
			return value{}, err
		}
	}
	v.end = p.pos
	p.dropLongSuffix()
	if p.pos < len(p.src) && isWord(p.src[p.pos]) {
		return value{}, errAt(p.pos, invalidf("invalid number literal: %s right after %q", p.describe(p.pos), p.src[start:p.pos]))
	}
	return v, nil
}

// decimal parses digits, an optional fraction and exponent, and an
// imaginary suffix.
func (p *parser) decimal(v *value) error {
	intStart := p.pos
	if isDigit(p.peek()) {
		if err := p.digits(10, v, false); err != nil {
			return err
		}
	}
	isFloat := false
	if p.peek() == '.' {
		isFloat = true
		p.pos++
		if isDigit(p.peek()) {
			if err := p.digits(10, nil, false); err != nil {
				return err
			}
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		q := p.pos + 1
		if c := p.at(q); c == '+' || c == '-' {
			q++
		}
		if !isDigit(p.at(q)) {
			return errAt(p.pos, invalidf("invalid decimal literal: exponent without digits"))
		}
		p.pos = q
		if err := p.digits(10, nil, false); err != nil {
			return err
		}
		isFloat = true
	}
	switch {
	case p.peek() == 'j' || p.peek() == 'J':
		p.pos++
		v.kind = kComplex
	case isFloat:
		v.kind = kFloat
	case p.src[intStart] == '0' && v.mag != 0:
		return errAt(intStart, invalidf("leading zeros in decimal integer literals are not permitted"))
	}
	if v.kind != kInt {
		v.mag, v.big = 0, false
	}
	return nil
}

// digits parses ('_'? digit)+ in base (leadingUnderscore) or
// digit ('_'? digit)*, accumulating the magnitude into v when v is not nil.
func (p *parser) digits(base uint64, v *value, leadingUnderscore bool) error {
	n := 0
	for {
		c := p.peek()
		if c == '_' && (n > 0 || leadingUnderscore) {
			if _, ok := digitValue(p.at(p.pos+1), base); !ok {
				return errAt(p.pos, invalidf("invalid number literal: '_' must separate digits"))
			}
			p.pos++
			continue
		}
		d, ok := digitValue(c, base)
		if !ok {
			break
		}
		if v != nil && !v.big {
			if v.mag > (math.MaxUint64-d)/base {
				v.big = true
			} else {
				v.mag = v.mag*base + d
			}
		}
		p.pos++
		n++
	}
	if n == 0 {
		return errAt(p.pos, invalidf("invalid number literal: no digits"))
	}
	return nil
}

func digitValue(c byte, base uint64) (uint64, bool) {
	var d uint64
	switch {
	case isDigit(c):
		d = uint64(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		d = uint64(c|0x20-'a') + 10
	default:
		return 0, false
	}
	return d, d < base
}

// dropLongSuffix implements numpy's _filter_header for versions 1.0 and
// 2.0: a NAME token "L" that follows a NUMBER token is removed, also after
// spaces, tabs, form feeds and backslash continuations (not a backslash
// before a lone CR, which tokenize does not join), and repeatedly
// ("2L L" loses both). A newline or comment in between stops it, as
// tokenize emits a token for those.
func (p *parser) dropLongSuffix() {
	for p.legacy {
		q := p.pos
		for {
			if c := p.at(q); c == ' ' || c == '\t' || c == '\f' {
				q++
			} else if n := p.newlineLen(q + 1); c == '\\' && n > 0 && p.src[q+n] == '\n' {
				q += 1 + n // tokenize's continuation is \\\r?\n
			} else {
				break
			}
		}
		if p.at(q) != 'L' || isWord(p.at(q+1)) {
			return
		}
		p.pos = q + 1
		p.longs++
	}
}

// startsString reports whether a string literal (with an optional prefix
// of up to two letters) starts at the current position.
func (p *parser) startsString() bool {
	for i := p.pos; i < p.pos+3 && i < len(p.src); i++ {
		c := p.src[i]
		if c == '\'' || c == '"' {
			return true
		}
		if !isNameStart(c) {
			return false
		}
	}
	return false
}

// strings parses one or more adjacent string literals, which Python
// concatenates; str and bytes cannot be mixed.
func (p *parser) strings() (value, error) {
	start := p.pos
	var parts []string
	kind := valueKind(0)
	for {
		litStart := p.pos
		s, isBytes, err := p.stringLiteral()
		if err != nil {
			return value{}, err
		}
		k := kStr
		if isBytes {
			k = kBytes
		}
		if kind != 0 && k != kind {
			return value{}, errAt(litStart, invalidf("cannot mix bytes and str literals"))
		}
		kind = k
		parts = append(parts, s)
		end := p.pos
		if err := p.space(); err != nil {
			return value{}, err
		}
		if !p.startsString() {
			return value{kind: kind, s: strings.Join(parts, ""), pos: start, end: end}, nil
		}
	}
}

// stringLiteral parses prefix, quotes and body of one literal and returns
// its value (UTF-8 for str, raw bytes for bytes).
func (p *parser) stringLiteral() (string, bool, error) {
	start := p.pos
	for isNameStart(p.peek()) {
		p.pos++
	}
	raw, isBytes := false, false
	switch prefix := strings.ToLower(string(p.src[start:p.pos])); prefix {
	case "", "u":
	case "r":
		raw = true
	case "b":
		isBytes = true
	case "br", "rb":
		raw, isBytes = true, true
	case "f", "fr", "rf":
		return "", false, errAt(start, invalidf("f-string is not a literal"))
	default:
		return "", false, errAt(start, invalidf("invalid string prefix %q", p.src[start:p.pos]))
	}
	q := p.peek()
	n := 1
	if p.at(p.pos+1) == q && p.at(p.pos+2) == q {
		n = 3
	}
	p.pos += n
	if end, ok := p.plainString(q, n); ok { // no escapes: no copy
		out := p.src[p.pos:end]
		p.pos = end + n
		return out, isBytes, nil
	}
	var out []byte
	for {
		if p.pos >= len(p.src) {
			return "", false, errAt(start, invalidf("unterminated string literal"))
		}
		c := p.src[p.pos]
		switch {
		case c == q && (n == 1 || (p.at(p.pos+1) == q && p.at(p.pos+2) == q)):
			p.pos += n
			return string(out), isBytes, nil
		case c == '\\':
			var err error
			if out, err = p.escape(out, raw, isBytes); err != nil {
				return "", false, err
			}
		case c == '\n' || c == '\r':
			if n == 1 {
				return "", false, errAt(start, invalidf("unterminated string literal (newline inside quotes)"))
			}
			out = append(out, '\n') // the tokenizer translates \r\n and \r
			p.pos += p.newlineLen(p.pos)
		default:
			var err error
			if out, err = p.char(out, isBytes); err != nil {
				return "", false, err
			}
		}
	}
}

// plainString reports where a literal closed by n quote characters q
// ends when its body needs no decoding: ASCII without backslashes or
// newlines.
func (p *parser) plainString(q byte, n int) (int, bool) {
	for i := p.pos; i < len(p.src); i++ {
		switch c := p.src[i]; {
		case c == q && (n == 1 || (p.at(i+1) == q && p.at(i+2) == q)):
			return i, true
		case c == '\\' || c == '\n' || c == '\r' || c >= utf8.RuneSelf:
			return 0, false
		}
	}
	return 0, false
}

// char appends the source character at the current position.
func (p *parser) char(out []byte, isBytes bool) ([]byte, error) {
	c := p.src[p.pos]
	if c < utf8.RuneSelf {
		p.pos++
		return append(out, c), nil
	}
	if isBytes {
		return nil, errAt(p.pos, invalidf("bytes literal can only contain ASCII characters"))
	}
	r, size := rune(c), 1
	if p.utf8 {
		r, size = utf8.DecodeRuneInString(p.src[p.pos:])
	}
	p.pos += size
	return utf8.AppendRune(out, r), nil
}

var simpleEscapes = map[byte]byte{
	'\\': '\\', '\'': '\'', '"': '"', 'a': 7, 'b': 8, 'f': 12, 'n': 10, 'r': 13, 't': 9, 'v': 11,
}

// escape handles a backslash inside a string literal.
func (p *parser) escape(out []byte, raw, isBytes bool) ([]byte, error) {
	start := p.pos
	p.pos++
	if p.pos >= len(p.src) {
		return nil, errAt(start, invalidf("unterminated string literal"))
	}
	if n := p.newlineLen(p.pos); n > 0 { // line continuation inside the string
		p.pos += n
		if raw {
			out = append(out, '\\', '\n')
		}
		return out, nil
	}
	c := p.src[p.pos]
	if raw {
		return p.char(append(out, '\\'), isBytes)
	}
	if e, ok := simpleEscapes[c]; ok {
		p.pos++
		return append(out, e), nil
	}
	switch {
	case c >= '0' && c <= '7':
		v := 0
		for i := 0; i < 3 && p.peek() >= '0' && p.peek() <= '7'; i++ {
			v = v*8 + int(p.peek()-'0')
			p.pos++
		}
		if isBytes {
			return append(out, byte(v)), nil
		}
		return utf8.AppendRune(out, rune(v)), nil
	case c == 'x':
		return p.hexEscape(out, start, 2, isBytes)
	case (c == 'u' || c == 'U') && !isBytes:
		return p.hexEscape(out, start, map[byte]int{'u': 4, 'U': 8}[c], false)
	case c == 'N' && !isBytes:
		return nil, errAt(start, unsupportedf("\\N{...} escape in a string"))
	}
	// Unknown escapes keep the backslash (Python warns but accepts them).
	return p.char(append(out, '\\'), isBytes)
}

func (p *parser) hexEscape(out []byte, start, digits int, isBytes bool) ([]byte, error) {
	p.pos++ // the x, u or U
	var v uint64
	for i := 0; i < digits; i++ {
		d, ok := digitValue(p.peek(), 16)
		if !ok {
			return nil, errAt(start, invalidf("truncated \\%c escape: want %d hex digits", p.src[start+1], digits))
		}
		v = v*16 + d
		p.pos++
	}
	switch {
	case isBytes:
		return append(out, byte(v)), nil
	case v > utf8.MaxRune:
		return nil, errAt(start, invalidf("escape \\%s is beyond U+10FFFF", p.src[start+1:p.pos]))
	case v >= 0xD800 && v <= 0xDFFF:
		return nil, errAt(start, unsupportedf("surrogate escape \\%s", p.src[start+1:p.pos]))
	}
	return utf8.AppendRune(out, rune(v)), nil
}
