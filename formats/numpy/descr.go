package numpy

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// maxDims is NPY_MAXDIMS in numpy 1.x.
const maxDims = 32

// Descr is a numpy dtype as numpy.load builds it from the header's descr.
type Descr struct {
	// Kind is numpy's dtype.kind: 'b' bool, 'i' int, 'u' uint, 'f' float,
	// 'c' complex, 'S' bytes, 'U' unicode, 'V' void (also structured and
	// subarray dtypes), 'O' object, 'M' datetime64, 'm' timedelta64.
	Kind byte
	// ByteOrder is '<', '>' or '|' (not applicable), as numpy's dtype.str
	// shows it on a little-endian machine: native ('=') and unspecified
	// orders of multi-byte types are reported as '<'.
	ByteOrder byte
	// ItemSize is the size of one element in bytes (4 per character for
	// 'U'). It fits in a C int, as numpy requires.
	ItemSize int64
	// Unit is the datetime64/timedelta64 unit with its multiplier, such as
	// "ns" or "25ms"; empty for generic units and other kinds.
	Unit string
	// Fields lists the named fields of a structured dtype in order; it is
	// non-nil (possibly empty) exactly when the dtype is structured.
	// Padding fields (void fields named '') are not listed; they only
	// advance the offsets, as numpy's descr_to_dtype drops them.
	Fields []Field
	// Subarray is set for a subarray dtype such as ('<f4', (2, 3)).
	Subarray *Subarray
	// Raw is the descr's source text in the header.
	Raw string
}

// Field is one named field of a structured dtype.
type Field struct {
	// Name is the field name; it may be empty for non-void fields.
	Name string
	// Title is the field's title when the header gives a str one.
	Title string
	// Offset is the field's byte offset inside the structure.
	Offset int64
	// Descr is the element dtype. For a field with a shape it is the
	// subarray's base dtype.
	Descr Descr
	// Shape is the field's subarray shape, nil for scalar fields.
	Shape []int64
}

// Subarray describes a fixed-shape array of Base inside one element.
type Subarray struct {
	// Base is the element dtype, itself possibly a subarray.
	Base Descr
	// Shape is the subarray shape; its product times Base.ItemSize is the
	// enclosing Descr's ItemSize.
	Shape []int64
}

// HasObject reports whether the dtype holds Python objects anywhere
// (numpy's dtype.hasobject); numpy stores such arrays as a pickle.
func (d *Descr) HasObject() bool {
	if d.Kind == 'O' {
		return true
	}
	if d.Subarray != nil && d.Subarray.Base.HasObject() {
		return true
	}
	for i := range d.Fields {
		if d.Fields[i].Descr.HasObject() {
			return true
		}
	}
	return false
}

// Size returns the field's size in bytes: its element size times the
// product of its shape.
func (f *Field) Size() int64 {
	n := f.Descr.ItemSize
	for _, s := range f.Shape {
		n *= s
	}
	return n
}

// Str returns numpy's dtype.str for d, such as "<f4", "|S5", "<U10",
// "<M8[ns]", "|O" or "|V12" for structured and subarray dtypes.
func (d *Descr) Str() string {
	switch {
	case d.Fields != nil || d.Subarray != nil:
		return "|V" + strconv.FormatInt(d.ItemSize, 10)
	case d.Kind == 'O':
		return "|O"
	case d.Kind == 'U':
		return string(d.ByteOrder) + "U" + strconv.FormatInt(d.ItemSize/4, 10)
	case d.Kind == 'M' || d.Kind == 'm':
		s := string(d.ByteOrder) + string(d.Kind) + "8"
		if d.Unit != "" {
			s += "[" + d.Unit + "]"
		}
		return s
	}
	return string(d.ByteOrder) + string(d.Kind) + strconv.FormatInt(d.ItemSize, 10)
}

// unsized is numpy's PyDataType_ISUNSIZED: size 0 and no fields.
func (d *Descr) unsized() bool { return d.ItemSize == 0 && d.Fields == nil }

// descrBuilder converts header values to dtypes; text is the header, for
// Raw.
type descrBuilder struct{ text string }

func (b *descrBuilder) raw(v *value) string { return b.text[v.pos:v.end] }

// descr is numpy's descr_to_dtype.
func (b *descrBuilder) descr(v *value) (Descr, error) {
	switch v.kind {
	case kStr:
		d, r := parseTypestr(v.s)
		if r != nil {
			return Descr{}, errAt(v.pos, r)
		}
		d.Raw = b.raw(v)
		return d, nil
	case kTuple:
		if len(v.elems) < 2 {
			return Descr{}, errAt(v.pos, invalidf("descr tuple has %d items; numpy reads (dtype, shape)", len(v.elems)))
		}
		base, err := b.descr(&v.elems[0])
		if err != nil {
			return Descr{}, err
		}
		d, err := b.withArg(base, &v.elems[1])
		d.Raw = b.raw(v)
		return d, err
	case kList:
		return b.structured(v)
	case kDict, kSet:
		return Descr{}, errAt(v.pos, unsupportedf("descr given as %s", v.kind))
	}
	return Descr{}, errAt(v.pos, invalidf("descr is %s, not a str, list or tuple", v.kind))
}

// withArg is numpy.dtype((base, x)) for the forms that matter here: an
// item size for unsized types ('S', 3), or a subarray shape.
func (b *descrBuilder) withArg(base Descr, x *value) (Descr, error) {
	var shape []int64
	switch x.kind {
	case kInt:
		n, ok := x.int64()
		if base.unsized() {
			return b.withItemSize(base, x, n, ok)
		}
		if !ok {
			return Descr{}, errAt(x.pos, invalidf("subarray dimension %s does not fit in an intp", b.raw(x)))
		}
		if n == 1 { // (type, 1) means type
			return base, nil
		}
		shape = []int64{n}
	case kTuple, kList:
		dims, r := intElems(x)
		if r != nil {
			return Descr{}, errAt(x.pos, r)
		}
		if base.unsized() {
			return Descr{}, errAt(x.pos, invalidf("invalid itemsize in generic type tuple: %s", x.kind))
		}
		if len(dims) == 0 && x.kind == kTuple { // (type, ()) means type
			return base, nil
		}
		shape = dims
	case kBool, kFloat:
		return Descr{}, errAt(x.pos, invalidf("invalid shape in fixed-type tuple: %s", x.kind))
	default:
		return Descr{}, errAt(x.pos, unsupportedf("dtype tuple with %s as second item (numpy tries it as a dtype)", x.kind))
	}
	return subarray(base, shape, x.pos)
}

// withItemSize handles (unsized type, n).
func (b *descrBuilder) withItemSize(base Descr, x *value, n int64, ok bool) (Descr, error) {
	switch {
	case base.Subarray != nil:
		return Descr{}, errAt(x.pos, unsupportedf("item size given for an empty subarray dtype"))
	case !ok || n > math.MaxInt32 || n < math.MinInt32:
		return Descr{}, errAt(x.pos, invalidf("invalid itemsize in generic type tuple: %s", b.raw(x)))
	case n < 0 || (base.Kind == 'U' && n > math.MaxInt32/4):
		return Descr{}, errAt(x.pos, unsupportedf("item size %d (numpy 1.24 makes a negative or wrapped size)", n))
	}
	if base.Kind == 'U' {
		n *= 4
	}
	base.ItemSize = n
	return base, nil
}

// intElems returns the elements of a tuple or list of ints.
func intElems(x *value) ([]int64, *reason) {
	dims := make([]int64, 0, len(x.elems))
	for i := range x.elems {
		e := &x.elems[i]
		switch e.kind {
		case kInt:
		case kBool, kFloat:
			return nil, invalidf("invalid shape in fixed-type tuple: item %d is %s", i, e.kind)
		default:
			return nil, unsupportedf("dtype tuple whose second item is %s holding %s", x.kind, e.kind)
		}
		n, ok := e.int64()
		if !ok {
			return nil, invalidf("subarray dimension %d does not fit in an intp", i)
		}
		dims = append(dims, n)
	}
	if x.kind == kList && len(dims) == 0 {
		return nil, unsupportedf("dtype tuple with an empty list (numpy reads it as a dtype)")
	}
	return dims, nil
}

// subarray builds the dtype of a fixed-shape subarray of base, with
// numpy's limits: at most 32 dimensions, each and the total in a C int.
func subarray(base Descr, shape []int64, pos int) (Descr, error) {
	if len(shape) > maxDims {
		return Descr{}, errAt(pos, invalidf("subarray has %d dimensions, more than %d", len(shape), maxDims))
	}
	items := int64(1)
	for i, n := range shape {
		if n < 0 || n > math.MaxInt32 {
			return Descr{}, errAt(pos, invalidf("subarray dimension %d is %d: outside 0..2147483647", i, n))
		}
		items *= n
		if items > math.MaxInt32 {
			return Descr{}, errAt(pos, invalidf("subarray of %v has more items than a C int holds", shape))
		}
	}
	size := items * base.ItemSize
	if size > math.MaxInt32 {
		return Descr{}, errAt(pos, invalidf("subarray dtype of %d bytes does not fit in a C int", size))
	}
	return Descr{Kind: 'V', ByteOrder: '|', ItemSize: size, Subarray: &Subarray{Base: base, Shape: shape}}, nil
}

// structured converts a list of (name, dtype[, shape]) fields the way
// descr_to_dtype does: void fields with an empty name are padding and only advance
// the offset; the rest become fields at consecutive offsets.
func (b *descrBuilder) structured(v *value) (Descr, error) {
	d := Descr{Kind: 'V', ByteOrder: '|', Fields: []Field{}, Raw: b.raw(v)}
	used := map[string]bool{}
	for i := range v.elems {
		f, titled, pad, err := b.field(&v.elems[i])
		if err != nil {
			return Descr{}, err
		}
		if !pad {
			if r := claimNames(used, &f, titled); r != nil {
				return Descr{}, errAt(v.elems[i].pos, r)
			}
			f.Offset = d.ItemSize
			d.Fields = append(d.Fields, f)
		}
		d.ItemSize += f.Size()
		if d.ItemSize > math.MaxInt32 {
			return Descr{}, errAt(v.elems[i].pos, invalidf("structured dtype reaches %d bytes, more than a C int holds", d.ItemSize))
		}
	}
	return d, nil
}

// claimNames records a field's name and str title; numpy rejects names or
// titles used twice.
func claimNames(used map[string]bool, f *Field, titled bool) *reason {
	if used[f.Name] {
		return invalidf("field name %q already used as a name or title", f.Name)
	}
	used[f.Name] = true
	if titled {
		if used[f.Title] {
			return invalidf("field title %q already used as a name or title", f.Title)
		}
		used[f.Title] = true
	}
	return nil
}

// field converts one item of a structured descr list. titled reports a
// str title; pad reports a padding field, whose Size still counts.
func (b *descrBuilder) field(item *value) (f Field, titled, pad bool, err error) {
	var nameV, descrV, shapeV *value
	var dt Descr
	switch item.kind {
	case kTuple, kList:
		switch len(item.elems) {
		case 2:
			nameV, descrV = &item.elems[0], &item.elems[1]
		case 3:
			nameV, descrV, shapeV = &item.elems[0], &item.elems[1], &item.elems[2]
		default:
			return f, false, false, errAt(item.pos, invalidf("field has %d items; numpy wants (name, dtype[, shape])", len(item.elems)))
		}
		if dt, err = b.descr(descrV); err != nil {
			return f, false, false, err
		}
	case kStr:
		// A two-character string unpacks as (name, type code).
		if utf8.RuneCountInString(item.s) != 2 {
			return f, false, false, errAt(item.pos, unsupportedf("field given as a str of %d characters", utf8.RuneCountInString(item.s)))
		}
		r, n := utf8.DecodeRuneInString(item.s)
		d, rr := parseTypestr(item.s[n:])
		if rr != nil {
			return f, false, false, errAt(item.pos, rr)
		}
		d.Raw = item.s[n:]
		return Field{Name: string(r), Descr: d}, false, false, nil
	case kDict, kSet:
		return f, false, false, errAt(item.pos, unsupportedf("field given as %s", item.kind))
	default:
		return f, false, false, errAt(item.pos, invalidf("field is %s, not a (name, dtype[, shape]) tuple", item.kind))
	}
	if shapeV != nil {
		if dt, err = b.withArg(dt, shapeV); err != nil {
			return f, false, false, err
		}
	}
	if nameV.kind == kStr && nameV.s == "" && dt.Kind == 'V' && dt.Fields == nil {
		return Field{Descr: dt}, false, true, nil
	}
	f, titled, err = fieldNames(nameV)
	if err != nil {
		return f, false, false, err
	}
	f.Descr = dt
	if dt.Subarray != nil {
		f.Descr, f.Shape = dt.Subarray.Base, dt.Subarray.Shape
	}
	return f, titled, false, nil
}

// fieldNames reads a field name or a (title, name) pair.
func fieldNames(v *value) (f Field, titled bool, err error) {
	if v.kind == kTuple {
		if len(v.elems) != 2 {
			return f, false, errAt(v.pos, invalidf("field (title, name) pair has %d items", len(v.elems)))
		}
		if t := &v.elems[0]; t.kind == kStr {
			f.Title, titled = t.s, true
		}
		v = &v.elems[1]
	}
	if v.kind != kStr {
		return f, false, errAt(v.pos, invalidf("field name is %s; field names must be strings", v.kind))
	}
	f.Name = v.s
	return f, titled, nil
}
