package numpy

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Go forms of parsed literals, for comparisons.
type (
	tupleLit   []any
	listLit    []any
	setLit     []any
	dictLit    [][2]any
	bytesLit   string
	floatLit   struct{}
	complexLit struct{}
	ellipsis   struct{}
	bigInt     struct{ Neg bool }
)

func toGo(v *value) any {
	switch v.kind {
	case kStr:
		return v.s
	case kBytes:
		return bytesLit(v.s)
	case kInt:
		if n, ok := v.int64(); ok {
			return n
		}
		return bigInt{v.neg}
	case kFloat:
		return floatLit{}
	case kComplex:
		return complexLit{}
	case kBool:
		return v.truth
	case kNone:
		return nil
	case kEllipsis:
		return ellipsis{}
	case kDict:
		d := dictLit{}
		for i := 0; i < len(v.elems); i += 2 {
			d = append(d, [2]any{toGo(&v.elems[i]), toGo(&v.elems[i+1])})
		}
		return d
	}
	items := []any{}
	for i := range v.elems {
		items = append(items, toGo(&v.elems[i]))
	}
	switch v.kind {
	case kTuple:
		return tupleLit(items)
	case kList:
		return listLit(items)
	}
	return setLit(items)
}

func TestParseLiteral(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		legacy bool
		want   any
		longs  int
	}{
		{name: "numpy header", src: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }    \n",
			want: dictLit{{"descr", "<f4"}, {"fortran_order", false}, {"shape", tupleLit{int64(2), int64(3)}}}},
		{name: "containers", src: "([1, (2,), ()], {1, 2}, set(), {}, [], None, True, ...)",
			want: tupleLit{listLit{int64(1), tupleLit{int64(2)}, tupleLit{}}, setLit{int64(1), int64(2)}, setLit{}, dictLit{}, listLit{}, nil, true, ellipsis{}}},
		{name: "grouping parens", src: "((1))", want: int64(1)},
		{name: "signs", src: "(-1, - 2, +3, -(4), -0)", want: tupleLit{int64(-1), int64(-2), int64(3), int64(-4), int64(0)}},
		{name: "int forms", src: "(0x1F, 0o17, 0b101, 1_000, 00, 0_0, 0X_f)", want: tupleLit{int64(31), int64(15), int64(5), int64(1000), int64(0), int64(0), int64(15)}},
		{name: "int64 edges", src: "(9223372036854775807, -9223372036854775808, 9223372036854775808, -9223372036854775809, 99999999999999999999999)",
			want: tupleLit{int64(math.MaxInt64), int64(math.MinInt64), bigInt{}, bigInt{true}, bigInt{}}},
		{name: "floats and complex", src: "(1.5, 1., .5, 1e5, 1_0.0_1, 01.5, 2j, 1+2j, -1.5-2j)",
			want: tupleLit{floatLit{}, floatLit{}, floatLit{}, floatLit{}, floatLit{}, floatLit{}, complexLit{}, complexLit{}, complexLit{}}},
		{name: "string escapes", src: `'\x41\u00e9\101\n\'\q\
z'`, want: "AéA\n'\\qz"},
		{name: "raw and prefixes", src: `(r'\n', R"\'", u'x', U'y', b'z', Rb'\x00')`, want: tupleLit{`\n`, `\'`, "x", "y", bytesLit("z"), bytesLit(`\x00`)}},
		{name: "concatenation", src: "('a' \"b\" '''c''', b'x' b'y')", want: tupleLit{"abc", bytesLit("xy")}},
		{name: "triple quoted newlines", src: "'''a\r\nb\rc'''", want: "a\nb\nc"},
		{name: "latin-1 text", src: "'\xe9'", want: "é"},
		{name: "implicit line joining", src: "(1,\n  # comment\n 2 \\\n)", want: tupleLit{int64(1), int64(2)}},
		{name: "layout around", src: "  # lead\n\n{} # trail\n\n# more\n", want: dictLit{}},
		{name: "form feed indent reset", src: "\f{}\n\f", want: dictLit{}},
		{name: "legacy long suffix", src: "(2L, 3 L, 4L L, 0x5L, 6\\\nL)", legacy: true, want: tupleLit{int64(2), int64(3), int64(4), int64(5), int64(6)}, longs: 6},
		{name: "continuation before blank line", src: "{} \\\n\n", want: dictLit{}},
		{name: "legacy trailing indent", src: "{}\n  ", legacy: true, want: dictLit{}},
		{name: "duplicate keys kept in order", src: "{'a': 1, 'a': 2}", want: dictLit{{"a", int64(1)}, {"a", int64(2)}}},
		{name: "nesting at the limit", src: strings.Repeat("(", 199) + "1," + strings.Repeat(")", 199), want: nested(199)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, longs, err := parseLiteral(tt.src, false, tt.legacy, false)
			if err != nil {
				t.Fatalf("parseLiteral(%q): %v", tt.src, err)
			}
			if diff := cmp.Diff(tt.want, toGo(&v)); diff != "" {
				t.Errorf("parseLiteral(%q) (-want +got):\n%s", tt.src, diff)
			}
			if longs != tt.longs {
				t.Errorf("longs = %d, want %d", longs, tt.longs)
			}
		})
	}
}

func nested(n int) any {
	var v any = tupleLit{int64(1)}
	for i := 1; i < n; i++ {
		v = tupleLit{v}[0] // grouping parens add no tuple
	}
	return v
}

func TestParseLiteralErrors(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		legacy bool
		utf8   bool
		kind   error
		pos    int
		text   string
	}{
		{"name", "os", false, false, ErrInvalid, 0, `name "os" is not a literal`},
		{"call", "__import__('os')", false, false, ErrInvalid, 0, "__import__"},
		{"attribute", "{'a': 'x'.upper()}", false, false, ErrInvalid, 9, "expected ',' or '}'"},
		{"double sign", "(--1,)", false, false, ErrInvalid, 2, "repeated sign"},
		{"sign on bool", "-True", false, false, ErrInvalid, 0, "sign applied to a bool"},
		{"int plus int", "1+2", false, false, ErrInvalid, 1, "only real + imaginary"},
		{"chained complex", "1+2j+3j", false, false, ErrInvalid, 4, "chained"},
		{"leading zero", "(02,)", false, false, ErrInvalid, 1, "leading zeros"},
		{"bad underscore", "(1__0,)", false, false, ErrInvalid, 2, "'_' must separate digits"},
		{"trailing underscore", "(1_,)", false, false, ErrInvalid, 2, "'_' must separate digits"},
		{"exponent without digits", "1e", false, false, ErrInvalid, 1, "exponent"},
		{"long suffix in 3.0", "(2L,)", false, true, ErrInvalid, 2, "invalid number literal"},
		{"lower-case l", "(2l,)", true, false, ErrInvalid, 2, "invalid number literal"},
		{"long after newline", "(2\nL,)", true, false, ErrInvalid, 3, "found character 'L'"},
		{"long after comment", "(2#c\nL,)", true, false, ErrInvalid, 5, "found character 'L'"},
		{"unterminated", "'abc", false, false, ErrInvalid, 0, "unterminated"},
		{"newline in quotes", "'a\nb'", false, false, ErrInvalid, 0, "unterminated"},
		{"mixed bytes", "'a' b'b'", false, false, ErrInvalid, 4, "mix bytes"},
		{"non-ASCII bytes", "b'\xe9'", false, false, ErrInvalid, 2, "ASCII"},
		{"f-string", "f'x'", false, false, ErrInvalid, 0, "f-string"},
		{"bad prefix", "ur'x'", false, false, ErrInvalid, 0, "invalid string prefix"},
		{"short hex escape", `'\x4'`, false, false, ErrInvalid, 1, `\x escape`},
		{"escape past U+10FFFF", `'\U00110000'`, false, false, ErrInvalid, 1, "beyond U+10FFFF"},
		{"named escape", `'\N{DASH}'`, false, false, ErrUnsupported, 1, `\N{...}`},
		{"surrogate", `'\ud800'`, false, false, ErrUnsupported, 1, "surrogate"},
		{"unbalanced", "{'a': (1,}", false, false, ErrInvalid, 9, "unexpected character '}'"},
		{"empty tuple item", "(,)", false, false, ErrInvalid, 1, "unexpected character ','"},
		{"double comma", "{'a': 1,,}", false, false, ErrInvalid, 8, "unexpected character ','"},
		{"dict unpacking", "{**x}", false, false, ErrInvalid, 1, "unexpected character '*'"},
		{"too deep", strings.Repeat("[", 201) + strings.Repeat("]", 201), false, false, ErrInvalid, 200, "nested brackets"},
		{"empty", "  ", false, false, ErrInvalid, 2, "empty"},
		{"indented first line", "\n  {}", false, true, ErrInvalid, 3, "unexpected indent"},
		{"indented first line 1.0", "\n  {}", true, false, ErrUnsupported, 3, "indented"},
		{"extra token", "{} {}", false, false, ErrInvalid, 3, "after the header dict"},
		{"extra line", "{}\n{}", false, false, ErrInvalid, 3, "after the header dict"},
		{"indented last line", "{}\n  ", false, true, ErrInvalid, 5, "indented whitespace-only"},
		{"vertical tab", "(1,\v2)", false, false, ErrInvalid, 3, `'\v'`},
		{"no-break space", "(1,\xa02)", false, false, ErrInvalid, 3, `'\u00a0'`},
		{"stray backslash", "(1, \\ 2)", false, false, ErrInvalid, 4, "continuation"},
		{"continuation at end", "{}\\\n", false, false, ErrInvalid, 4, "after line continuation"},
		{"continuation then text", "{}\\\n\n  \\\n", false, false, ErrUnsupported, 7, "backslash continuation"},
		{"set call with args", "set([1])", false, false, ErrInvalid, 0, "with arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseLiteral(tt.src, tt.utf8, tt.legacy, false)
			var pe *posError
			if !errors.As(err, &pe) {
				t.Fatalf("parseLiteral(%q) = %v, want a *posError", tt.src, err)
			}
			if !errors.Is(pe.r, tt.kind) || pe.pos != tt.pos || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("parseLiteral(%q) = %v at %d; want %v at %d containing %q", tt.src, err, pe.pos, tt.kind, tt.pos, tt.text)
			}
		})
	}
}
