package numpy

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseTypestr(t *testing.T) {
	tests := []struct {
		in   string
		want Descr
		err  error
	}{
		{in: "<f4", want: Descr{Kind: 'f', ByteOrder: '<', ItemSize: 4}},
		{in: ">f8", want: Descr{Kind: 'f', ByteOrder: '>', ItemSize: 8}},
		{in: "=i2", want: Descr{Kind: 'i', ByteOrder: '<', ItemSize: 2}},
		{in: "|u8", want: Descr{Kind: 'u', ByteOrder: '<', ItemSize: 8}},
		{in: "<i1", want: Descr{Kind: 'i', ByteOrder: '|', ItemSize: 1}},
		{in: "|b1", want: Descr{Kind: 'b', ByteOrder: '|', ItemSize: 1}},
		{in: ">b1", want: Descr{Kind: 'b', ByteOrder: '|', ItemSize: 1}},
		{in: "<U10", want: Descr{Kind: 'U', ByteOrder: '<', ItemSize: 40}},
		{in: ">U3", want: Descr{Kind: 'U', ByteOrder: '>', ItemSize: 12}},
		{in: "|S5", want: Descr{Kind: 'S', ByteOrder: '|', ItemSize: 5}},
		{in: "a5", want: Descr{Kind: 'S', ByteOrder: '|', ItemSize: 5}},
		{in: "S", want: Descr{Kind: 'S', ByteOrder: '|', ItemSize: 0}},
		{in: "|V8", want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 8}},
		{in: "|O", want: Descr{Kind: 'O', ByteOrder: '|', ItemSize: 8}},
		{in: "O4", want: Descr{Kind: 'O', ByteOrder: '|', ItemSize: 8}},
		{in: "<c16", want: Descr{Kind: 'c', ByteOrder: '<', ItemSize: 16}},
		{in: "<f16", want: Descr{Kind: 'f', ByteOrder: '<', ItemSize: 16}},
		{in: "f08", want: Descr{Kind: 'f', ByteOrder: '<', ItemSize: 8}},
		{in: "f+4", want: Descr{Kind: 'f', ByteOrder: '<', ItemSize: 4}},
		{in: "S 5", want: Descr{Kind: 'S', ByteOrder: '|', ItemSize: 5}},
		{in: "d", want: Descr{Kind: 'f', ByteOrder: '<', ItemSize: 8}},
		{in: ">l", want: Descr{Kind: 'i', ByteOrder: '>', ItemSize: 8}},
		{in: "c", want: Descr{Kind: 'S', ByteOrder: '|', ItemSize: 1}},
		{in: "\x11", want: Descr{Kind: 'O', ByteOrder: '|', ItemSize: 8}},
		{in: ">\x05", want: Descr{Kind: 'i', ByteOrder: '>', ItemSize: 4}},
		{in: "\x1a", want: Descr{Kind: 'S', ByteOrder: '|', ItemSize: 1}},
		{in: "float32", want: Descr{Kind: 'f', ByteOrder: '<', ItemSize: 4}},
		{in: "object", want: Descr{Kind: 'O', ByteOrder: '|', ItemSize: 8}},
		{in: "<M8[ns]", want: Descr{Kind: 'M', ByteOrder: '<', ItemSize: 8, Unit: "ns"}},
		{in: "|M8[D]", want: Descr{Kind: 'M', ByteOrder: '<', ItemSize: 8, Unit: "D"}},
		{in: ">m8[25ms]", want: Descr{Kind: 'm', ByteOrder: '>', ItemSize: 8, Unit: "25ms"}},
		{in: "M8[1us]", want: Descr{Kind: 'M', ByteOrder: '<', ItemSize: 8, Unit: "us"}},
		{in: "M8[\u03bcs]", want: Descr{Kind: 'M', ByteOrder: '<', ItemSize: 8, Unit: "us"}},
		{in: "datetime64[generic]", want: Descr{Kind: 'M', ByteOrder: '<', ItemSize: 8}},
		{in: "timedelta64", want: Descr{Kind: 'm', ByteOrder: '<', ItemSize: 8}},
		{in: "", err: ErrInvalid},
		{in: "<", err: ErrInvalid},
		{in: "<f3", err: ErrInvalid},
		{in: "b8", err: ErrInvalid},
		{in: "i0", err: ErrInvalid},
		{in: "O0", err: ErrInvalid},
		{in: "M4", err: ErrInvalid},
		{in: "<float32", err: ErrInvalid},
		{in: "f4 ", err: ErrInvalid},
		{in: "f4\x00", err: ErrInvalid},
		{in: "\x18", err: ErrInvalid},
		{in: "M8[xx]", err: ErrInvalid},
		{in: "M8[-1ns]", err: ErrInvalid},
		{in: "M8[ +1ns]", want: Descr{Kind: 'M', ByteOrder: '<', ItemSize: 8, Unit: "ns"}},
		{in: "M8[-0ns]", want: Descr{Kind: 'M', ByteOrder: '<', ItemSize: 8, Unit: "0ns"}},
		{in: "M8[2147483648ns]", err: ErrInvalid},
		{in: "M8[ns]x", err: ErrInvalid},
		{in: "i4,f8", err: ErrUnsupported},
		{in: "2f4", err: ErrUnsupported},
		{in: "()f4", err: ErrUnsupported},
		{in: "S-5", err: ErrUnsupported},
		{in: "S2147483648", err: ErrUnsupported},
		{in: "U536870912", err: ErrUnsupported},
		{in: "M8[ns/2]", err: ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, r := parseTypestr(tt.in)
			if tt.err != nil {
				if r == nil || !errors.Is(r, tt.err) {
					t.Fatalf("parseTypestr(%q) = %+v, %v; want %v", tt.in, got, r, tt.err)
				}
				return
			}
			if r != nil {
				t.Fatalf("parseTypestr(%q): %v", tt.in, r)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseTypestr(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// descrOf parses a descr literal as it would appear in a header.
func descrOf(t *testing.T, src string) (Descr, error) {
	t.Helper()
	v, _, err := parseLiteral(src, true, false, false)
	if err != nil {
		t.Fatalf("parseLiteral(%q): %v", src, err)
	}
	return (&descrBuilder{text: src}).descr(&v)
}

func f4() Descr { return Descr{Kind: 'f', ByteOrder: '<', ItemSize: 4} }

func TestDescrStructured(t *testing.T) {
	obj := Descr{Kind: 'O', ByteOrder: '|', ItemSize: 8}
	i2 := Descr{Kind: 'i', ByteOrder: '<', ItemSize: 2}
	tests := []struct {
		name, src string
		want      Descr
		object    bool
	}{
		{name: "padding dropped", src: "[('a', '<f4'), ('', '|V4'), ('b', '<f4')]",
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 12, Fields: []Field{{Name: "a", Descr: f4()}, {Name: "b", Offset: 8, Descr: f4()}}}},
		{name: "empty name kept when not void", src: "[('', '<f4')]",
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 4, Fields: []Field{{Descr: f4()}}}},
		{name: "subarray field", src: "[('m', '<f4', (2, 3)), ('n', '<i2', 4)]",
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 32, Fields: []Field{{Name: "m", Descr: f4(), Shape: []int64{2, 3}}, {Name: "n", Offset: 24, Descr: i2, Shape: []int64{4}}}}},
		{name: "field shape 1 is scalar", src: "[('a', '<f4', 1)]",
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 4, Fields: []Field{{Name: "a", Descr: f4()}}}},
		{name: "titles", src: "[(('The A', 'a'), '<f4'), ((None, 'b'), '<f4')]",
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 8, Fields: []Field{{Name: "a", Title: "The A", Descr: f4()}, {Name: "b", Offset: 4, Descr: f4()}}}},
		{name: "nested object", src: "[('p', [('x', '<f4'), ('o', '|O')])]", object: true,
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 12, Fields: []Field{{Name: "p", Descr: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 12,
				Fields: []Field{{Name: "x", Descr: f4()}, {Name: "o", Offset: 4, Descr: obj}}}}}}},
		{name: "object subarray padding is dropped", src: "[('a', '<f4'), ('', '|O', (2,))]",
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 20, Fields: []Field{{Name: "a", Descr: f4()}}}},
		{name: "object field named empty is kept", src: "[('', ('|O', 1))]", object: true,
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 8, Fields: []Field{{Descr: obj}}}},
		{name: "two-character str field", src: "['aO']", object: true,
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 8, Fields: []Field{{Name: "a", Descr: obj}}}},
		{name: "empty struct", src: "[]", want: Descr{Kind: 'V', ByteOrder: '|', Fields: []Field{}}},
		{name: "top-level subarray", src: "('<f4', (2,))",
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 8, Subarray: &Subarray{Base: f4(), Shape: []int64{2}}}},
		{name: "nested subarray", src: "(('<f4', (2,)), (3,))",
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 24, Subarray: &Subarray{Shape: []int64{3},
				Base: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 8, Subarray: &Subarray{Base: f4(), Shape: []int64{2}}}}}},
		{name: "object subarray", src: "('|O', (1,))", object: true,
			want: Descr{Kind: 'V', ByteOrder: '|', ItemSize: 8, Subarray: &Subarray{Base: obj, Shape: []int64{1}}}},
		{name: "item size tuple", src: "('U', 3)", want: Descr{Kind: 'U', ByteOrder: '<', ItemSize: 12}},
		{name: "type and empty tuple", src: "('<f4', ())", want: f4()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := descrOf(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Descr{}, "Raw")); diff != "" {
				t.Errorf("descr %s (-want +got):\n%s", tt.src, diff)
			}
			if got.HasObject() != tt.object {
				t.Errorf("HasObject() = %v, want %v", got.HasObject(), tt.object)
			}
		})
	}
}

func TestDescrErrors(t *testing.T) {
	tests := []struct {
		src  string
		kind error
		text string
	}{
		{"[('a', '<f4'), ('a', '<i4')]", ErrInvalid, `"a" already used`},
		{"[(('t', 'a'), '<f4'), (('t', 'b'), '<f4')]", ErrInvalid, `title "t" already used`},
		{"[(('a', 'a'), '<f4')]", ErrInvalid, `title "a" already used`},
		{"[(1, '<f4')]", ErrInvalid, "field names must be strings"},
		{"[('a',)]", ErrInvalid, "field has 1 items"},
		{"[('a', '<f4', (2,), 1)]", ErrInvalid, "field has 4 items"},
		{"[('a', '<f4', (-1,))]", ErrInvalid, "outside 0..2147483647"},
		{"[('a', '<f4', (True,))]", ErrInvalid, "is a bool"},
		{"[('a', 'S2000000000'), ('b', 'S2000000000')]", ErrInvalid, "more than a C int"},
		{"('<f4', (536870912,))", ErrInvalid, "does not fit in a C int"},
		{"('<f4', (1,) * 33)", ErrInvalid, "expected ',' or ')'"}, // not a literal
		{"('S', (3,))", ErrInvalid, "invalid itemsize"},
		{"('S', True)", ErrInvalid, "invalid shape"},
		{"('<f4',)", ErrInvalid, "has 1 items"},
		{"b'<f4'", ErrInvalid, "descr is a bytes"},
		{"None", ErrInvalid, "descr is None"},
		{"{'names': ['a']}", ErrUnsupported, "descr given as a dict"},
		{"('<f8', None)", ErrUnsupported, "numpy tries it as a dtype"},
		{"('<f4', [])", ErrUnsupported, "empty list"},
		{"['abc']", ErrUnsupported, "str of 3 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, v, err := parseLiteralDescr(tt.src)
			if err == nil {
				_, err = (&descrBuilder{text: tt.src}).descr(v)
			}
			if err == nil || !errors.Is(err.(*posError).r, tt.kind) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("descr %s: got %v, want %v containing %q", tt.src, err, tt.kind, tt.text)
			}
		})
	}
}

func parseLiteralDescr(src string) (int, *value, error) {
	v, n, err := parseLiteral(src, true, false, false)
	return n, &v, err
}

// TestTypeNames checks every string key of numpy.sctypeDict (recorded by
// gen.py) against parseTypestr, and that typeNames invents no names.
func TestTypeNames(t *testing.T) {
	var tn struct {
		Names map[string]struct {
			Str      string `json:"str"`
			ItemSize int64  `json:"itemsize"`
			Kind     string `json:"kind"`
		}
	}
	loadJSON(t, "typenames.json", &tn)
	for name, want := range tn.Names {
		d, r := parseTypestr(name)
		if r != nil {
			t.Errorf("%q: %v", name, r)
			continue
		}
		if d.Str() != want.Str || d.ItemSize != want.ItemSize || string(d.Kind) != want.Kind {
			t.Errorf("%q: got %s (%d bytes, kind %c), numpy %s (%d bytes, kind %s)", name, d.Str(), d.ItemSize, d.Kind, want.Str, want.ItemSize, want.Kind)
		}
	}
	for name := range typeNames {
		if _, ok := tn.Names[name]; !ok {
			t.Errorf("typeNames has %q, which numpy.sctypeDict lacks", name)
		}
	}
}
