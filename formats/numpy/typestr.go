package numpy

import (
	"math"
	"strconv"
	"strings"
)

// This file turns a dtype string into a Descr the way numpy 1.24's
// _convert_from_str does on x86-64 Linux (LP64, 128-bit long double):
//
//	comma strings and repeat counts ('i4,f8', '2f4', '()f4')  -> ErrUnsupported
//	optional byte order '<' '>' '=' '|', then
//	  datetime: 'M8' 'm8' 'datetime64' 'timedelta64' [+ '[unit]']
//	  one character: a type code, including the control characters
//	                 0x00-0x17 and 0x1a that numpy reads as type numbers
//	                 ('\x11' is object)
//	  kind + decimal size: 'f4', 'S5', 'U10' (characters), 'V8', 'O8'
//	otherwise the whole string, byte order included, is looked up among
//	numpy.sctypeDict's names ('float32', 'object', ...).

// basic is a builtin dtype: kind and item size in bytes.
type basic struct {
	kind byte
	size int64
}

// typeCodes maps one-character dtype strings to builtin dtypes. Bytes
// below 0x18 are numpy type numbers (NPY_BOOL ... NPY_HALF) and 0x1a is
// NPY_CHAR, because PyArray_DescrFromType accepts numbers and letters.
var typeCodes = map[byte]basic{
	'?': {'b', 1}, 'b': {'i', 1}, 'B': {'u', 1}, 'h': {'i', 2}, 'H': {'u', 2},
	'i': {'i', 4}, 'I': {'u', 4}, 'l': {'i', 8}, 'L': {'u', 8}, 'q': {'i', 8},
	'Q': {'u', 8}, 'p': {'i', 8}, 'P': {'u', 8}, 'e': {'f', 2}, 'f': {'f', 4},
	'd': {'f', 8}, 'g': {'f', 16}, 'F': {'c', 8}, 'D': {'c', 16}, 'G': {'c', 32},
	'O': {'O', 8}, 'S': {'S', 0}, 'a': {'S', 0}, 'U': {'U', 0}, 'V': {'V', 0},
	'M': {'M', 8}, 'm': {'m', 8}, 'c': {'S', 1},
	0: {'b', 1}, 1: {'i', 1}, 2: {'u', 1}, 3: {'i', 2}, 4: {'u', 2}, 5: {'i', 4},
	6: {'u', 4}, 7: {'i', 8}, 8: {'u', 8}, 9: {'i', 8}, 10: {'u', 8}, 11: {'f', 4},
	12: {'f', 8}, 13: {'f', 16}, 14: {'c', 8}, 15: {'c', 16}, 16: {'c', 32},
	17: {'O', 8}, 18: {'S', 0}, 19: {'U', 0}, 20: {'V', 0}, 21: {'M', 8},
	22: {'m', 8}, 23: {'f', 2}, 26: {'S', 1},
}

// typeNames holds the string keys of numpy.sctypeDict (numpy 1.24, x86-64
// Linux) that the code and kind+size rules do not already cover.
var typeNames = map[string]basic{
	"bool": {'b', 1}, "bool8": {'b', 1}, "bool_": {'b', 1},
	"byte": {'i', 1}, "int8": {'i', 1}, "short": {'i', 2}, "int16": {'i', 2},
	"intc": {'i', 4}, "int32": {'i', 4}, "int": {'i', 8}, "int0": {'i', 8},
	"int64": {'i', 8}, "int_": {'i', 8}, "intp": {'i', 8}, "long": {'i', 8},
	"longlong": {'i', 8}, "ubyte": {'u', 1}, "uint8": {'u', 1}, "ushort": {'u', 2},
	"uint16": {'u', 2}, "uintc": {'u', 4}, "uint32": {'u', 4}, "uint": {'u', 8},
	"uint0": {'u', 8}, "uint64": {'u', 8}, "uintp": {'u', 8}, "ulong": {'u', 8},
	"ulonglong": {'u', 8}, "half": {'f', 2}, "float16": {'f', 2}, "single": {'f', 4},
	"float32": {'f', 4}, "double": {'f', 8}, "float": {'f', 8}, "float64": {'f', 8},
	"float_": {'f', 8}, "longdouble": {'f', 16}, "longfloat": {'f', 16},
	"float128": {'f', 16}, "csingle": {'c', 8}, "singlecomplex": {'c', 8},
	"complex64": {'c', 8}, "cdouble": {'c', 16}, "cfloat": {'c', 16},
	"complex": {'c', 16}, "complex128": {'c', 16}, "complex_": {'c', 16},
	"clongdouble": {'c', 32}, "clongfloat": {'c', 32}, "longcomplex": {'c', 32},
	"complex256": {'c', 32}, "object": {'O', 8}, "object0": {'O', 8},
	"object_": {'O', 8}, "bytes": {'S', 0}, "bytes0": {'S', 0}, "bytes_": {'S', 0},
	"string_": {'S', 0}, "str": {'U', 0}, "str0": {'U', 0}, "str_": {'U', 0},
	"unicode": {'U', 0}, "unicode_": {'U', 0}, "void": {'V', 0}, "void0": {'V', 0},
	"datetime64": {'M', 8}, "timedelta64": {'m', 8},
}

// sizedKind is numpy's PyArray_TypestrConvert for kinds other than S, U, V.
func sizedKind(kind byte, n int64) (basic, bool) {
	ok := false
	switch kind {
	case 'b':
		ok = n == 1
	case 'i', 'u':
		ok = n == 1 || n == 2 || n == 4 || n == 8
	case 'f':
		ok = n == 2 || n == 4 || n == 8 || n == 16
	case 'c':
		ok = n == 8 || n == 16 || n == 32
	case 'O':
		return basic{'O', 8}, n == 4 || n == 8
	case 'M', 'm': // reached with strtol forms such as 'M 8' or 'M08'
		ok = n == 8
	}
	return basic{kind, n}, ok
}

// parseTypestr converts a descr string. Errors are *reason values.
func parseTypestr(s string) (Descr, *reason) {
	if s == "" {
		return Descr{}, invalidf("empty dtype string")
	}
	if isCommaString(s) {
		return Descr{}, unsupportedf("comma-separated or repeat-count dtype string %q", s)
	}
	endian, t := byte('='), s
	switch s[0] {
	case '<', '>', '=':
		endian, t = s[0], s[1:]
	case '|':
		t = s[1:]
	}
	if t == "" {
		return Descr{}, invalidf("dtype string %q has no type", s)
	}
	if isDatetimeTypestr(t) {
		return parseDatetime(s, t, endian)
	}
	b, found, r := typestrBasic(t)
	if r != nil {
		return Descr{}, r
	}
	if !found {
		b, found = typeNames[s]
	}
	if !found {
		return Descr{}, invalidf("data type %q not understood", s)
	}
	return Descr{Kind: b.kind, ByteOrder: byteOrder(b, endian), ItemSize: b.size}, nil
}

// typestrBasic handles the one-character and kind+size forms.
func typestrBasic(t string) (basic, bool, *reason) {
	if len(t) == 1 {
		b, ok := typeCodes[t[0]]
		return b, ok, nil
	}
	// numpy reads the size with C strtol: leading white space and a '+'
	// are accepted ('f+4', 'S 5').
	digits := strings.TrimLeft(t[1:], " \t\n\v\f\r")
	if strings.HasPrefix(digits, "-") && allDigits(digits[1:]) {
		return basic{}, false, unsupportedf("negative dtype size %q (numpy 1.24 makes a negative item size)", t[1:])
	}
	digits = strings.TrimPrefix(digits, "+")
	if !allDigits(digits) {
		return basic{}, false, nil
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > math.MaxInt32 {
		return basic{}, false, unsupportedf("dtype size %s does not fit in a C int (numpy 1.24 wraps it)", digits)
	}
	switch t[0] {
	case 'S', 'a':
		return basic{'S', n}, true, nil
	case 'U':
		if n > math.MaxInt32/4 {
			return basic{}, false, unsupportedf("unicode dtype of %d characters overflows a C int (numpy 1.24 wraps it)", n)
		}
		return basic{'U', 4 * n}, true, nil
	case 'V':
		return basic{'V', n}, true, nil
	}
	if n == 0 {
		return basic{}, false, nil
	}
	b, ok := sizedKind(t[0], n)
	return b, ok, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// byteOrder gives the order numpy's dtype.str shows, assuming a
// little-endian host: '|' where order does not apply, '>' only when asked.
func byteOrder(b basic, endian byte) byte {
	switch {
	case b.kind == 'b' || b.kind == 'S' || b.kind == 'V' || b.kind == 'O' || b.size == 1:
		return '|'
	case endian == '>':
		return '>'
	}
	return '<'
}

// isCommaString is numpy's _check_for_commastring.
func isCommaString(s string) bool {
	isOrder := func(c byte) bool { return c == '<' || c == '>' || c == '|' || c == '=' }
	if isDigit(s[0]) || (len(s) > 1 && isOrder(s[0]) && isDigit(s[1])) {
		return true
	}
	if (len(s) > 1 && s[:2] == "()") || (len(s) > 3 && isOrder(s[0]) && s[1:3] == "()") {
		return true
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',':
			if depth == 0 {
				return true
			}
		case '[':
			depth++
		case ']':
			depth--
		}
	}
	return false
}

func isDatetimeTypestr(t string) bool {
	return (len(t) >= 2 && t[1] == '8' && (t[0] == 'M' || t[0] == 'm')) ||
		strings.HasPrefix(t, "datetime64") || strings.HasPrefix(t, "timedelta64")
}

var datetimeUnits = map[string]string{
	"Y": "Y", "M": "M", "W": "W", "D": "D", "h": "h", "m": "m", "s": "s",
	"ms": "ms", "us": "us", "\u03bcs": "us", "ns": "ns", "ps": "ps", "fs": "fs", "as": "as",
}

// parseDatetime parses M8/m8/datetime64/timedelta64 with optional unit
// metadata "[unit]" or "[Nunit]".
func parseDatetime(s, t string, endian byte) (Descr, *reason) {
	kind, meta := t[0], t[2:]
	switch {
	case strings.HasPrefix(t, "datetime64"):
		kind, meta = 'M', t[len("datetime64"):]
	case strings.HasPrefix(t, "timedelta64"):
		kind, meta = 'm', t[len("timedelta64"):]
	}
	d := Descr{Kind: kind, ByteOrder: byteOrder(basic{kind, 8}, endian), ItemSize: 8}
	if meta == "" {
		return d, nil
	}
	if len(meta) < 2 || meta[0] != '[' || meta[len(meta)-1] != ']' {
		return Descr{}, invalidf("invalid datetime metadata %q in dtype %q", meta, s)
	}
	body := meta[1 : len(meta)-1]
	if body == "generic" {
		return d, nil
	}
	// The multiplier is read with C strtol: white space, a sign, digits.
	num, rest := int64(1), body
	m := strings.TrimLeft(body, " \t\n\v\f\r")
	neg := strings.HasPrefix(m, "-")
	if neg || strings.HasPrefix(m, "+") {
		m = m[1:]
	}
	i := 0
	for i < len(m) && isDigit(m[i]) {
		i++
	}
	if i > 0 {
		n, err := strconv.ParseInt(m[:i], 10, 64)
		switch {
		case err != nil || n > math.MaxInt32:
			return Descr{}, invalidf("datetime multiplier %s does not fit in a C int", m[:i])
		case neg && n != 0:
			return Descr{}, invalidf("negative datetime multiplier in %q", s)
		}
		num, rest = n, m[i:]
	}
	unit, ok := datetimeUnits[rest]
	switch {
	case strings.Contains(rest, "/") || rest == "generic":
		return Descr{}, unsupportedf("datetime metadata %q", meta)
	case !ok:
		return Descr{}, invalidf("invalid datetime unit in %q", s)
	}
	d.Unit = unit
	if num != 1 {
		d.Unit = strconv.FormatInt(num, 10) + unit
	}
	return d, nil
}
