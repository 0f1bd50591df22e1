package pickle

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Joblib support: joblib.dump writes each numpy array as a
// joblib.numpy_pickle.NumpyArrayWrapper object followed, right after the
// BUILD that sets its state, by the raw array bytes (or, for object arrays,
// a nested pickle). joblib's NumpyUnpickler reads them from the file
// position, which in the pure-Python unpickler is the end of the current
// frame. The machine skips the bytes exactly and keeps parsing after them.

func isJoblibWrapper(o *Object) bool {
	g, ok := o.Call.Callee.(*Global)
	if !ok {
		return false
	}
	return g.Module == "joblib.numpy_pickle" && g.Name == "NumpyArrayWrapper"
}

func (m *machine) joblibArray(w *Object, state Value) error {
	// The normal BUILD runs first: NumpyArrayWrapper has no __setstate__,
	// so a dict state only updates the instance dict.
	d, ok := state.(*Dict)
	if !ok {
		return m.fail(ErrInvalid, "joblib NumpyArrayWrapper state is not a dict")
	}
	if _, err := m.call(CallSetState, w, &Tuple{Items: []Value{state}}, nil, "__setstate__"); err != nil {
		return err
	}
	m.stack = m.stack[:len(m.stack)-1]
	shape, err := wrapperShape(d)
	if err != nil {
		return m.fail(ErrInvalid, "joblib NumpyArrayWrapper: %v", err)
	}
	dt, _ := d.Get("dtype")
	itemsize, object, err := dtypeItemSize(dt)
	if err != nil {
		return m.fail(ErrInvalid, "joblib NumpyArrayWrapper: %v", err)
	}
	arr := &Array{Wrapper: w}
	if object {
		// An object array is a complete pickle of its own, read by
		// pickle.load (the C unpickler, unrestricted) from the file handle.
		off := m.r.pos
		arr.Offset, arr.Nested = off, true
		subOpts := m.opts
		subOpts.Dialect, subOpts.FileInput, subOpts.Joblib = DialectC, true, false
		sub := &machine{opts: subOpts, lim: m.lim, trace: m.trace, memo: map[int64]Value{},
			stream: m.stream, overlay: m.overlay, items: m.items, warnedProto: map[Opcode]bool{}}
		sub.r = newReader(m.r.in, m.lim, subOpts, off)
		sub.r.anomalies = sub.anomaly
		if err := sub.loop(); err != errStop {
			return err
		}
		// The array's own pickle is part of this one, not a stream result.
		m.trace.Results = m.trace.Results[:len(m.trace.Results)-1]
		end := sub.r.resume()
		if _, err := m.r.skipRaw(end - off); err != nil {
			return err
		}
		arr.Bytes = end - off
		m.trace.Arrays = append(m.trace.Arrays, arr)
		return m.push(arr)
	}
	if _, has := d.Get("numpy_array_alignment_bytes"); has {
		if v, _ := d.Get("numpy_array_alignment_bytes"); !isNoneOrNil(v) {
			pad, _, err := m.r.rawBytes(1)
			if err != nil {
				return err
			}
			if pad[0] > 0 {
				if _, err := m.r.skipRaw(int64(pad[0])); err != nil {
					return err
				}
			}
		}
	}
	count := new(big.Int).SetInt64(1)
	for _, n := range shape {
		count.Mul(count, big.NewInt(n))
	}
	count.Mul(count, big.NewInt(itemsize))
	if !count.IsInt64() {
		return m.fail(ErrInvalid, "joblib array of shape %v is larger than any file", shape)
	}
	off, err := m.r.skipRaw(count.Int64())
	if err != nil {
		return err
	}
	arr.Offset, arr.Bytes = off, count.Int64()
	m.trace.Arrays = append(m.trace.Arrays, arr)
	return m.push(arr)
}

func wrapperShape(d *Dict) ([]int64, error) {
	v, ok := d.Get("shape")
	if !ok {
		return nil, fmt.Errorf("state has no shape")
	}
	t, ok := v.(*Tuple)
	if !ok {
		return nil, fmt.Errorf("shape is not a tuple")
	}
	out := make([]int64, 0, len(t.Items))
	for _, it := range t.Items {
		n, ok := it.(Int)
		if !ok || n.Big != nil || n.Small < 0 {
			return nil, fmt.Errorf("shape has a non-integer or negative dimension")
		}
		out = append(out, n.Small)
	}
	return out, nil
}

// dtypeItemSize reads the item size from a pickled numpy.dtype: a call
// numpy.dtype(typestr, False, True) (then BUILD with its state). Object
// dtypes ('O') report object=true.
func dtypeItemSize(v Value) (int64, bool, error) {
	o, ok := v.(*Object)
	if !ok {
		return 0, false, fmt.Errorf("dtype is not a numpy.dtype object")
	}
	g, ok := o.Call.Callee.(*Global)
	if !ok || g.Module != "numpy" || g.Name != "dtype" {
		return 0, false, fmt.Errorf("dtype is not a numpy.dtype object")
	}
	args, ok := o.Call.Args.(*Tuple)
	if !ok || len(args.Items) == 0 {
		return 0, false, fmt.Errorf("numpy.dtype call has no type string")
	}
	s, ok := args.Items[0].(Str)
	if !ok || s.S == "" {
		return 0, false, fmt.Errorf("numpy.dtype type string is not a str")
	}
	kind, digits := s.S[0], strings.TrimLeft(s.S[1:], "")
	if kind == 'O' {
		return 8, true, nil
	}
	// Strip a datetime unit such as "M8[ns]".
	if i := strings.IndexByte(digits, '['); i >= 0 {
		digits = digits[:i]
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 {
		return 0, false, fmt.Errorf("numpy.dtype type string %q has no size", s.S)
	}
	switch kind {
	case 'U':
		n *= 4 // size in characters of UCS4
	case 'b', 'i', 'u', 'f', 'c', 'S', 'V', 'M', 'm', '?':
	default:
		return 0, false, fmt.Errorf("numpy.dtype kind %q not understood", kind)
	}
	return n, false, nil
}
