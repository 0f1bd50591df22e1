package pickle

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyIntLiteral parses s with the rules of Python's int(s, base) for base 0
// or 10: surrounding whitespace, a sign, single underscores between digits,
// and (base 0) the 0x/0o/0b prefixes; a base-0 literal may not have leading
// zeros unless it is zero.
func pyIntLiteral(s string, base int) (Int, bool) {
	s = strings.TrimFunc(s, isPySpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	b := base
	if base == 0 {
		b = 10
		if len(s) >= 2 && s[0] == '0' {
			switch s[1] {
			case 'x', 'X':
				b, s = 16, s[2:]
			case 'o', 'O':
				b, s = 8, s[2:]
			case 'b', 'B':
				b, s = 2, s[2:]
			}
			if b != 10 && strings.HasPrefix(s, "_") {
				s = s[1:]
			}
		}
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return Int{}, false
	}
	digits := strings.ReplaceAll(s, "_", "")
	if b == 10 && len(digits) > maxStrDigits {
		// CPython 3.11+ refuses to convert longer decimal strings
		// (sys.get_int_max_str_digits(), default 4300).
		return Int{}, false
	}
	if base == 0 && b == 10 && len(digits) > 1 && digits[0] == '0' && strings.Trim(digits, "0") != "" {
		return Int{}, false
	}
	v, ok := new(big.Int).SetString(digits, b)
	if !ok {
		return Int{}, false
	}
	if neg {
		v.Neg(v)
	}
	return bigToInt(v), true
}

// maxStrDigits is CPython's default limit on decimal digits in int().
const maxStrDigits = 4300

func isPySpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

func bigToInt(v *big.Int) Int {
	if v.IsInt64() {
		return Int{Small: v.Int64()}
	}
	return Int{Big: v}
}

// cStrtol mimics C strtol(s, &end, 0) on the bytes before the first NUL:
// it reports whether the whole text up to '\n' or NUL was consumed without
// overflow.
func cStrtol(s []byte) (int64, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	start := i
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := 10
	if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && hexDigit(s[i+2]) >= 0 {
		base, i = 16, i+2
	} else if i < len(s) && s[i] == '0' {
		base = 8
	}
	var v uint64
	digits, overflow := 0, false
	for i < len(s) {
		d := hexDigit(s[i])
		if d < 0 || d >= base {
			break
		}
		if v > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
		} else {
			v = v*uint64(base) + uint64(d)
		}
		digits++
		i++
	}
	end := i
	if digits == 0 {
		end = 0 // no conversion: endptr is the start of the string
		_ = start
	}
	// The caller passes the text before any NUL, so reaching its end means
	// endptr points at '\0' or '\n': accepted, even with no digits.
	if end < len(s) && s[end] != '\n' && s[end] != 0 {
		return 0, false
	}
	if overflow || (!neg && v > math.MaxInt64) || (neg && v > 1<<63) {
		return 0, false
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// beforeNUL returns s up to its first NUL byte, as C string functions see it.
func beforeNUL(s []byte) []byte {
	for i, c := range s {
		if c == 0 {
			return s[:i]
		}
	}
	return s
}

// parseFloatLine mimics PyOS_string_to_double on a FLOAT line (C) or
// float() on its text (Python).
func parseFloatLine(s []byte, python bool) (float64, bool) {
	var t string
	if python {
		t = strings.TrimFunc(string(s), isPySpace)
		if strings.Contains(t, "_") {
			if strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
				return 0, false
			}
			t = strings.ReplaceAll(t, "_", "")
		}
	} else {
		t = strings.TrimSuffix(string(beforeNUL(s)), "\n")
		if strings.ContainsAny(t, "\n") {
			return 0, false
		}
	}
	if t == "" {
		return 0, false
	}
	// Go accepts forms Python does not: hex floats, underscores, "infinity"
	// spelled "inf" variants are shared. Reject the Go-only ones.
	l := strings.ToLower(t)
	if strings.Contains(l, "0x") || strings.ContainsAny(l, "_p") {
		return 0, false
	}
	body := strings.TrimLeft(l, "+-")
	switch body {
	case "inf", "infinity", "nan":
		f, _ := strconv.ParseFloat(l, 64)
		return f, true
	}
	for _, c := range body {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(l, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && !math.IsInf(f, 0) {
			return f, true // underflow rounds to zero in Python
		}
		return 0, false
	}
	return f, true
}

// escapeDecode mimics codecs.escape_decode (PyBytes_DecodeEscape).
func escapeDecode(s []byte) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, fmt.Errorf("\\ at end of string")
		}
		switch c = s[i]; c {
		case '\n':
		case '\\', '\'', '"':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 'v':
			out = append(out, '\v')
		case 'a':
			out = append(out, '\a')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 0; k < 2 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(s[i]-'0')
			}
			out = append(out, byte(v))
		case 'x':
			if i+2 < len(s)+0 && i+2 <= len(s)-1 && hexDigit(s[i+1]) < 16 && hexDigit(s[i+2]) < 16 {
				out = append(out, byte(hexDigit(s[i+1])<<4|hexDigit(s[i+2])))
				i += 2
			} else {
				return nil, fmt.Errorf("invalid \\x escape at position %d", i-1)
			}
		default:
			out = append(out, '\\', c)
		}
	}
	return out, nil
}

// rawUnicodeEscape mimics the raw-unicode-escape codec's decoder.
func rawUnicodeEscape(s []byte) (string, error) {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			sb.WriteRune(rune(c))
			continue
		}
		// Count the run of backslashes; only an odd run escapes u/U.
		j := i
		for j < len(s) && s[j] == '\\' {
			j++
		}
		run := j - i
		for k := 0; k < run-1; k++ {
			sb.WriteByte('\\')
		}
		i = j - 1
		if run%2 == 0 || j >= len(s) || (s[j] != 'u' && s[j] != 'U') {
			sb.WriteByte('\\')
			continue
		}
		n := 4
		if s[j] == 'U' {
			n = 8
		}
		if j+1+n > len(s) {
			return "", fmt.Errorf("truncated \\%cXXXX escape", s[j])
		}
		var v rune
		for _, d := range s[j+1 : j+1+n] {
			h := hexDigit(d)
			if h > 15 {
				return "", fmt.Errorf("truncated \\%cXXXX escape", s[j])
			}
			v = v<<4 | rune(h)
		}
		if v > 0x10FFFF || v < 0 {
			return "", fmt.Errorf("\\Uxxxxxxxx out of range")
		}
		writeRuneLoose(&sb, v)
		i = j + n
	}
	return sb.String(), nil
}

// writeRuneLoose writes r as UTF-8, encoding lone surrogates the way the
// "surrogatepass" handler does (three bytes ED xx xx), so a str holding
// them compares equal to what CPython would produce.
func writeRuneLoose(sb *strings.Builder, r rune) {
	if r >= 0xD800 && r <= 0xDFFF {
		sb.WriteByte(0xE0 | byte(r>>12))
		sb.WriteByte(0x80 | byte(r>>6)&0x3F)
		sb.WriteByte(0x80 | byte(r)&0x3F)
		return
	}
	sb.WriteRune(r)
}

// utf8Surrogatepass validates b as UTF-8 with the "surrogatepass" error
// handler (encoded surrogates allowed) and returns the decoded text.
// carry handles sequences split across calls: pass the returned rest back
// in front of the next chunk. final says no more data follows.
func utf8Surrogatepass(b []byte) (string, bool) {
	if utf8.Valid(b) {
		return string(b), true
	}
	var sb strings.Builder
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if i+2 < len(b) && b[i] == 0xED && b[i+1] >= 0xA0 && b[i+1] <= 0xBF && b[i+2] >= 0x80 && b[i+2] <= 0xBF {
				sr := rune(b[i]&0x0F)<<12 | rune(b[i+1]&0x3F)<<6 | rune(b[i+2]&0x3F)
				writeRuneLoose(&sb, sr)
				i += 3
				continue
			}
			return "", false
		}
		sb.WriteRune(r)
		i += size
	}
	return sb.String(), true
}

// utf8Strict validates b as strict UTF-8 (no surrogates).
func utf8Strict(b []byte) (string, bool) {
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
