package pickle

import (
	"fmt"
	"strconv"
	"strings"
)

// dtype is what the machine knows of a pickled numpy.dtype: enough to
// size an array's bytes and to tell whether its data is a pickle.
type dtype struct {
	typestr   string
	kind      byte
	itemsize  int64
	object    bool
	bigEndian bool
}

// charSizes maps numpy's one-letter type codes to (kind, item size).
var charSizes = map[byte]struct {
	kind byte
	size int64
}{
	'?': {'b', 1}, 'b': {'i', 1}, 'B': {'u', 1}, 'h': {'i', 2}, 'H': {'u', 2},
	'i': {'i', 4}, 'I': {'u', 4}, 'l': {'i', 8}, 'L': {'u', 8}, 'q': {'i', 8}, 'Q': {'u', 8},
	'p': {'i', 8}, 'P': {'u', 8}, 'e': {'f', 2}, 'f': {'f', 4}, 'd': {'f', 8}, 'g': {'f', 16},
	'F': {'c', 8}, 'D': {'c', 16}, 'G': {'c', 32}, 'O': {'O', 8}, 'M': {'M', 8}, 'm': {'m', 8},
	'S': {'S', 0}, 'U': {'U', 0}, 'V': {'V', 0}, 'a': {'S', 0},
}

// typeNames maps numpy type names accepted by numpy.dtype to typestrs.
var typeNames = map[string]string{
	"bool": "b1", "bool_": "b1", "int8": "i1", "int16": "i2", "int32": "i4", "int64": "i8",
	"uint8": "u1", "uint16": "u2", "uint32": "u4", "uint64": "u8",
	"float16": "f2", "float32": "f4", "float64": "f8", "float128": "f16", "half": "f2",
	"single": "f4", "double": "f8", "float": "f8", "int": "i8", "complex": "c16",
	"complex64": "c8", "complex128": "c16", "complex256": "c32", "object": "O8",
	"byte": "i1", "ubyte": "u1", "short": "i2", "ushort": "u2", "intc": "i4", "uintc": "u4",
	"int_": "i8", "uint": "u8", "longlong": "i8", "ulonglong": "u8", "bytes": "S0", "str": "U0",
	"datetime64": "M8", "timedelta64": "m8",
}

// numpyDtype interprets a pickled numpy.dtype(typestr, align, copy) call
// and the state BUILD gave it (version, byteorder, subarray, names,
// fields, elsize, alignment, flags[, metadata]).
func numpyDtype(v Value) (dtype, error) {
	o, ok := v.(*Object)
	if !ok {
		return dtype{}, fmt.Errorf("dtype is a %s, not a numpy.dtype", typeName(v))
	}
	g, ok := o.Call.Callee.(*Global)
	if !ok || g.Module != "numpy" || g.Name != "dtype" {
		return dtype{}, fmt.Errorf("dtype is not a numpy.dtype")
	}
	args := starArgs(o.Call.Args)
	if len(args) == 0 {
		return dtype{}, fmt.Errorf("numpy.dtype call has no type")
	}
	s, ok := args[0].(Str)
	if !ok {
		return dtype{}, fmt.Errorf("numpy.dtype type is a %s, not a str", typeName(args[0]))
	}
	d, err := parseTypestr(s.S)
	if err != nil {
		return dtype{}, err
	}
	applyDtypeState(&d, o.state)
	return d, nil
}

func parseTypestr(ts string) (dtype, error) {
	d := dtype{typestr: ts}
	t := ts
	if n, ok := typeNames[t]; ok {
		t = n
	}
	if t != "" && strings.ContainsRune("<>|=", rune(t[0])) {
		d.bigEndian = t[0] == '>'
		t = t[1:]
	}
	if t == "" {
		return d, fmt.Errorf("numpy.dtype type string %q is empty", ts)
	}
	if i := strings.IndexByte(t, '['); i >= 0 {
		t = t[:i]
	}
	c, ok := charSizes[t[0]]
	if !ok {
		if k := t[0]; strings.IndexByte("iufc", k) >= 0 {
			c.kind = k
		} else {
			return d, fmt.Errorf("numpy.dtype type string %q not understood", ts)
		}
	}
	d.kind, d.itemsize = c.kind, c.size
	if len(t) > 1 {
		n, err := strconv.ParseInt(t[1:], 10, 64)
		if err != nil || n < 0 {
			return d, fmt.Errorf("numpy.dtype type string %q not understood", ts)
		}
		d.itemsize = n
		if d.kind == 'U' {
			d.itemsize = 4 * n
		}
	}
	d.object = d.kind == 'O'
	return d, nil
}

// applyDtypeState applies what arraydescr_setstate keeps: the byte order,
// elsize for flexible types, the "has objects" flag and object fields.
func applyDtypeState(d *dtype, state Value) {
	t, ok := state.(*Tuple)
	if !ok || len(t.Items) < 8 {
		return
	}
	if s, ok := t.Items[1].(Str); ok {
		d.bigEndian = s.S == ">"
	}
	if n, ok := t.Items[5].(Int); ok && n.Big == nil && n.Small >= 0 {
		d.itemsize = n.Small
	}
	if f, ok := t.Items[7].(Int); ok && f.Big == nil && f.Small&1 != 0 {
		d.object = true // NPY_ITEM_HASOBJECT
	}
	if fields, ok := t.Items[4].(*Dict); ok {
		for _, fv := range fields.Vals {
			if ft, ok := fv.(*Tuple); ok && len(ft.Items) > 0 {
				if fd, err := numpyDtype(ft.Items[0]); err == nil && fd.object {
					d.object = true
				}
			}
		}
	}
}

// starArgs returns the positional arguments f(*args) receives: the pure-
// Python unpickler's REDUCE accepts any iterable, so a str "i4" passes
// "i" and "4".
func starArgs(v Value) []Value {
	switch t := v.(type) {
	case *Tuple:
		return t.Items
	case *List:
		return t.Items
	case Str:
		if t.Truncated || len(t.S) > 64 {
			return nil
		}
		var out []Value
		for _, r := range t.S {
			out = append(out, Str{S: string(r), Len: int64(len(string(r)))})
		}
		return out
	}
	return nil
}
