package pickle

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Joblib support. joblib.dump writes each numpy array as a
// joblib.numpy_pickle.NumpyArrayWrapper object followed, right after the
// BUILD that sets its state, by the raw array bytes (or, for object arrays,
// a nested pickle). joblib's NumpyUnpickler (the pure-Python unpickler)
// runs the normal BUILD, then reads the array from the file position, which
// is the end of the current frame. The machine does the same: it keeps the
// wrapper's instance dict as BUILD and __init__ leave it, works out the
// array's byte size from its shape and dtype as numpy would, and skips the
// bytes exactly.

const joblibWrapper = "joblib.numpy_pickle.NumpyArrayWrapper"

// isJoblibWrapper reports whether o is a NumpyArrayWrapper instance, made
// by calling or __new__-ing the class, or by copyreg._reconstructor (which
// protocols 0 and 1 use).
func isJoblibWrapper(o *Object) bool {
	g, ok := o.Call.Callee.(*Global)
	if !ok {
		return false
	}
	if g.Path() == joblibWrapper {
		return true
	}
	if g.Path() == "copyreg._reconstructor" || g.Path() == "copy_reg._reconstructor" {
		if args, ok := o.Call.Args.(*Tuple); ok && len(args.Items) > 0 {
			cls, ok := args.Items[0].(*Global)
			return ok && cls.Path() == joblibWrapper
		}
	}
	return false
}

// wrapperInit lists NumpyArrayWrapper.__init__'s parameters in order.
var wrapperInit = []string{"subclass", "shape", "order", "dtype", "allow_mmap", "numpy_array_alignment_bytes"}

// wrapperAttrs returns the wrapper's instance dict, starting from what
// __init__ set when the class was called with arguments.
func wrapperAttrs(o *Object) map[string]Value {
	if o.attrs != nil {
		return o.attrs
	}
	o.attrs = map[string]Value{}
	c := o.Call
	if c.Kind == CallReduce || c.Kind == CallInst || c.Kind == CallObj {
		if g, ok := c.Callee.(*Global); ok && g.Path() == joblibWrapper {
			if args, ok := c.Args.(*Tuple); ok && len(args.Items) >= 4 {
				o.attrs["allow_mmap"] = Bool(false)
				o.attrs["numpy_array_alignment_bytes"] = Int{Small: 16}
				for i, v := range args.Items {
					if i < len(wrapperInit) {
						o.attrs[wrapperInit[i]] = v
					}
				}
			}
		}
	}
	return o.attrs
}

// truthy reports Python truthiness where the machine can know it.
func truthy(v Value) (bool, bool) {
	switch t := v.(type) {
	case None:
		return false, true
	case Bool:
		return bool(t), true
	case Int:
		return t.Big != nil || t.Small != 0, true
	case Float:
		return t != 0, true
	case Str:
		return t.Len > 0, true
	case Bytes:
		return t.Len > 0, true
	case *Tuple:
		return len(t.Items) > 0, true
	case *List:
		return len(t.Items) > 0, true
	case *Dict:
		return len(t.Keys) > 0, true
	case *Set:
		return len(t.Items) > 0, true
	}
	return true, false
}

// pyBuildAttrs applies pickle.py's load_build to an instance dict.
func (m *machine) pyBuildAttrs(attrs map[string]Value, state Value) error {
	var slot Value
	if t, ok := state.(*Tuple); ok && len(t.Items) == 2 {
		state, slot = t.Items[0], t.Items[1]
	}
	apply := func(v Value, setattr bool) error {
		if t, known := truthy(v); known && !t {
			return nil
		}
		d, ok := v.(*Dict)
		if !ok {
			return m.fail(ErrInvalid, "joblib NumpyArrayWrapper state: '%s' object has no attribute 'items'", typeName(v))
		}
		for i, k := range d.Keys {
			s, ok := k.(Str)
			if !ok {
				if setattr {
					return m.fail(ErrInvalid, "attribute name must be string, not '%s'", typeName(k))
				}
				continue
			}
			attrs[s.S] = d.Vals[i]
		}
		return nil
	}
	if err := apply(state, false); err != nil {
		return err
	}
	if slot != nil {
		return apply(slot, true)
	}
	return nil
}

func (m *machine) joblibArray(w *Object, state Value) error {
	if _, err := m.call(CallSetState, w, &Tuple{Items: []Value{state}}, nil, "__setstate__"); err != nil {
		return err
	}
	attrs := wrapperAttrs(w)
	if err := m.pyBuildAttrs(attrs, state); err != nil {
		return err
	}
	m.stack = m.stack[:len(m.stack)-1]
	count, err := m.wrapperCount(attrs["shape"])
	if err != nil {
		return m.fail(ErrInvalid, "joblib NumpyArrayWrapper shape: %v", err)
	}
	dt, ok := attrs["dtype"]
	if !ok {
		return m.fail(ErrInvalid, "'NumpyArrayWrapper' object has no attribute 'dtype'")
	}
	d, err := numpyDtype(dt)
	if err != nil {
		return m.fail(ErrInvalid, "joblib NumpyArrayWrapper dtype: %v", err)
	}
	arr := &Array{Wrapper: w, Offset: m.r.pos}
	if d.object {
		if err := m.joblibObjectArray(arr); err != nil {
			return err
		}
	} else {
		if err := m.joblibRawArray(arr, attrs, count, d.itemsize); err != nil {
			return err
		}
	}
	m.trace.Arrays = append(m.trace.Arrays, arr)
	// read() uses order and subclass after reading the data.
	if _, ok := attrs["order"]; !ok {
		return m.fail(ErrInvalid, "'NumpyArrayWrapper' object has no attribute 'order'")
	}
	sub, ok := attrs["subclass"]
	if !ok {
		return m.fail(ErrInvalid, "'NumpyArrayWrapper' object has no attribute 'subclass'")
	}
	if g, ok := sub.(*Global); !ok || (g.Path() != "numpy.ndarray" && g.Path() != "numpy.memmap") {
		// read() rebuilds other subclasses with
		// numpy.core.multiarray._reconstruct(subclass, (0,), 'b'), which
		// needs a type.
		if !opaque(sub) {
			return m.fail(ErrInvalid, "_reconstruct() argument 1 must be type, not %s", typeName(sub))
		}
	}
	return m.push(arr)
}

// joblibRawArray skips the padding and the bytes of a numeric array.
func (m *machine) joblibRawArray(arr *Array, attrs map[string]Value, count *big.Int, itemsize int64) error {
	if count.Sign() < 0 {
		return m.fail(ErrInvalid, "negative dimensions are not allowed")
	}
	if v, ok := attrs["numpy_array_alignment_bytes"]; ok && !isNoneOrNil(v) {
		// One byte gives the padding length (a missing byte reads as 0),
		// then that many bytes, unchecked.
		pad := m.r.skipUpTo(1)
		if len(pad) == 1 && pad[0] > 0 {
			m.r.skipUpTo(int(pad[0]))
		}
	}
	n := new(big.Int).Mul(count, big.NewInt(itemsize))
	if !n.IsInt64() {
		return m.fail(ErrInvalid, "array of %s bytes is larger than any file", n)
	}
	off, err := m.r.skipRaw(n.Int64())
	if err != nil {
		return err
	}
	arr.Offset, arr.Bytes = off, n.Int64()
	return nil
}

// joblibObjectArray reads an object array's nested pickle. joblib reads it
// with pickle.load on the file (the C unpickler, unrestricted, no
// persistent_load). Files opened by path have peek, which reads like
// pickle.loads; when the nested stream straddles a frame, the file-object
// reading is run as well for its events.
func (m *machine) joblibObjectArray(arr *Array) error {
	off := m.r.pos
	arr.Offset, arr.Nested = off, true
	sub := m.nestedC(off, false)
	err := sub.loop()
	if sub.r.straddled {
		alt := m.nestedC(off, true)
		alt.loop()
	}
	if err != errStop {
		return err
	}
	m.trace.Results = m.trace.Results[:len(m.trace.Results)-1] // the array's pickle is not a stream result
	end := sub.r.resume()
	if _, err := m.r.skipRaw(end - off); err != nil {
		return err
	}
	arr.Bytes = end - off
	return nil
}

func (m *machine) nestedC(off int64, file bool) *machine {
	o := m.opts
	o.Dialect, o.FileInput, o.Joblib, o.NoPersistentLoad = DialectC, file, false, true
	sub := &machine{opts: o, lim: m.lim, trace: m.trace, memo: map[int64]Value{},
		stream: m.stream, overlay: m.overlay, items: m.items, warnedProto: map[Opcode]bool{}}
	sub.r = newReader(m.r.in, m.lim, o, off)
	sub.r.anomalies = sub.anomaly
	return sub
}

// wrapperCount computes prod(shape) the way joblib does (each dimension
// through numpy.int64).
func (m *machine) wrapperCount(shape Value) (*big.Int, error) {
	var items []Value
	switch t := shape.(type) {
	case nil:
		return nil, fmt.Errorf("'NumpyArrayWrapper' object has no attribute 'shape'")
	case *Tuple:
		items = t.Items
	case *List:
		items = t.Items
	default:
		return nil, fmt.Errorf("shape is a %s", typeName(shape))
	}
	count := big.NewInt(1)
	for _, it := range items {
		n, err := int64Value(it)
		if err != nil {
			return nil, err
		}
		count.Mul(count, big.NewInt(n))
	}
	return count, nil
}

// int64Value converts a dimension as numpy.int64(x) would.
func int64Value(v Value) (int64, error) {
	switch t := v.(type) {
	case Int:
		if t.Big != nil {
			return 0, fmt.Errorf("dimension %s overflows int64", t.Big)
		}
		return t.Small, nil
	case Bool:
		if t {
			return 1, nil
		}
		return 0, nil
	case Float:
		if math.IsNaN(float64(t)) || math.IsInf(float64(t), 0) || math.Abs(float64(t)) > 9.2e18 {
			return 0, fmt.Errorf("dimension %v is not an integer", float64(t))
		}
		return int64(t), nil
	case Str:
		n, err := strconv.ParseInt(strings.TrimSpace(t.S), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("dimension %q is not an integer", t.S)
		}
		return n, nil
	case *Object:
		return numpyScalarInt(t)
	}
	return 0, fmt.Errorf("dimension is a %s", typeName(v))
}

// numpyScalarInt decodes numpy.core.multiarray.scalar(dtype, bytes) for
// integer dtypes.
func numpyScalarInt(o *Object) (int64, error) {
	g, ok := o.Call.Callee.(*Global)
	if !ok || (g.Path() != "numpy.core.multiarray.scalar" && g.Path() != "numpy._core.multiarray.scalar") {
		return 0, fmt.Errorf("dimension is an object made by code")
	}
	args, ok := o.Call.Args.(*Tuple)
	if !ok || len(args.Items) < 2 {
		return 0, fmt.Errorf("numpy scalar without data")
	}
	d, err := numpyDtype(args.Items[0])
	if err != nil {
		return 0, err
	}
	b, ok := constBytes(args.Items[1])
	if !ok || int64(len(b)) < d.itemsize || d.itemsize > 8 || d.itemsize == 0 || (d.kind != 'i' && d.kind != 'u' && d.kind != 'b') {
		return 0, fmt.Errorf("numpy scalar of dtype %q is not an integer", d.typestr)
	}
	b = b[:d.itemsize] // numpy uses the first itemsize bytes
	var buf [8]byte
	if d.bigEndian {
		copy(buf[8-len(b):], b)
		v := binary.BigEndian.Uint64(buf[:])
		return signExtend(v, len(b), d.kind == 'i'), nil
	}
	copy(buf[:], b)
	return signExtend(binary.LittleEndian.Uint64(buf[:]), len(b), d.kind == 'i'), nil
}

func signExtend(v uint64, n int, signed bool) int64 {
	if !signed || n == 8 || n == 0 {
		return int64(v)
	}
	shift := uint(64 - 8*n)
	return int64(v<<shift) >> shift
}

// constBytes returns the bytes of a constant: bytes, a latin-1 str, or
// _codecs.encode(str, 'latin1') as protocol 2 writes bytes.
func constBytes(v Value) ([]byte, bool) {
	switch t := v.(type) {
	case Bytes:
		return t.B, !t.Truncated
	case Str:
		return latin1(t.S)
	case *Object:
		g, ok := t.Call.Callee.(*Global)
		if !ok || g.Path() != "_codecs.encode" {
			return nil, false
		}
		args, ok := t.Call.Args.(*Tuple)
		if !ok || len(args.Items) == 0 {
			return nil, false
		}
		if s, ok := args.Items[0].(Str); ok {
			return latin1(s.S)
		}
	}
	return nil, false
}

func latin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}
