package pickle

import (
	"strconv"
)

// Opcodes that build and fill containers.

func (m *machine) opDict() error {
	items, err := m.popToMark()
	if err != nil {
		return err
	}
	if len(items)%2 != 0 {
		return m.fail(ErrInvalid, "odd number of items for DICT")
	}
	d := &Dict{}
	for i := 0; i < len(items); i += 2 {
		if !hashable(items[i], 0) {
			return m.fail(ErrInvalid, "unhashable type: '%s'", typeName(items[i]))
		}
		d.set(items[i], items[i+1])
	}
	return m.push(d)
}

// set stores k -> v, replacing an equal constant key.
func (d *Dict) set(k, v Value) {
	if ks, ok := constKey(k); ok {
		for i, old := range d.Keys {
			if os, ok := constKey(old); ok && os == ks {
				d.Vals[i] = v
				return
			}
		}
	}
	d.Keys = append(d.Keys, k)
	d.Vals = append(d.Vals, v)
}

// constKey returns a comparison key for constants that Python would treat
// as equal dict keys (str with str, int with int and bool).
func constKey(v Value) (string, bool) {
	switch t := v.(type) {
	case Str:
		if !t.Truncated {
			return "s:" + t.S, true
		}
	case Int:
		if t.Big == nil {
			return "i:" + strconv.FormatInt(t.Small, 10), true
		}
		return "i:" + t.Big.String(), true
	case Bool:
		if t {
			return "i:1", true
		}
		return "i:0", true
	case None:
		return "n", true
	}
	return "", false
}

// Get returns the value stored under a constant str key.
func (d *Dict) Get(key string) (Value, bool) {
	for i, k := range d.Keys {
		if s, ok := k.(Str); ok && s.S == key && !s.Truncated {
			return d.Vals[i], true
		}
	}
	return nil, false
}

func (m *machine) doAppend(x int, many bool) error {
	n := len(m.stack)
	if x > n || x <= m.fence() {
		return m.underflow()
	}
	if n == x {
		return nil
	}
	if l, ok := m.stack[x-1].(*List); ok {
		// The common case, without a temporary slice.
		if err := m.count(int64(n - x)); err != nil {
			return err
		}
		l.Items = append(l.Items, m.stack[x:]...)
		clear(m.stack[x:])
		m.stack = m.stack[:x]
		return nil
	}
	items, err := m.popFrom(x)
	if err != nil {
		return err
	}
	target := m.stack[x-1]
	switch t := target.(type) {
	case Bytes:
		if !t.Mutable {
			break
		}
		// bytearray.append / bytearray.extend take ints in range(256).
		for _, it := range items {
			if err := m.byteValue(it); err != nil {
				return err
			}
		}
		return nil
	case *Global:
		for _, it := range items {
			if err := m.mutate(MutateAppend, t, nil, it); err != nil {
				return err
			}
		}
		return nil
	}
	if opaque(target) {
		method := "append"
		if many {
			method = "extend"
		}
		_, err := m.call(CallMethod, target, &Tuple{Items: items}, nil, method)
		return err
	}
	return m.fail(ErrInvalid, "'%s' object has no attribute 'append'", typeName(target))
}

func (m *machine) doSetItems(x int) error {
	n := len(m.stack)
	if x > n || x <= m.fence() {
		return m.underflow()
	}
	if n == x {
		return nil
	}
	if (n-x)%2 != 0 {
		return m.fail(ErrInvalid, "odd number of items for SETITEMS")
	}
	items, err := m.popFrom(x)
	if err != nil {
		return err
	}
	target := m.stack[x-1]
	for i := 0; i < len(items); i += 2 {
		k, v := items[i], items[i+1]
		switch t := target.(type) {
		case Bytes:
			if !t.Mutable {
				return m.fail(ErrInvalid, "'bytes' object does not support item assignment")
			}
			if err := m.checkIndex(k, t.Len, "bytearray"); err != nil {
				return err
			}
			if err := m.byteValue(v); err != nil {
				return err
			}
		case *Dict:
			if !hashable(k, 0) {
				return m.fail(ErrInvalid, "unhashable type: '%s'", typeName(k))
			}
			t.set(k, v)
		case *Global:
			if err := m.mutate(MutateSetItem, t, k, v); err != nil {
				return err
			}
		case *List:
			if err := m.checkIndex(k, int64(len(t.Items)), "list"); err != nil {
				return err
			}
			if n, ok := k.(Int); ok && n.Big == nil {
				i := n.Small
				if i < 0 {
					i += int64(len(t.Items))
				}
				t.Items[i] = v
			}
		default:
			if opaque(target) {
				if _, err := m.call(CallMethod, target, &Tuple{Items: []Value{k, v}}, nil, "__setitem__"); err != nil {
					return err
				}
				continue
			}
			return m.fail(ErrInvalid, "'%s' object does not support item assignment", typeName(target))
		}
	}
	return nil
}

// checkIndex checks a sequence index as list.__setitem__ does.
func (m *machine) checkIndex(k Value, n int64, what string) error {
	switch t := k.(type) {
	case Int:
		if t.Big != nil || t.Small < -n || t.Small >= n {
			return m.fail(ErrInvalid, "%s assignment index out of range", what)
		}
		return nil
	case Bool:
		if (t && n < 2) || (!t && n < 1) {
			return m.fail(ErrInvalid, "%s assignment index out of range", what)
		}
		return nil
	}
	if opaque(k) {
		return nil
	}
	return m.fail(ErrInvalid, "%s indices must be integers or slices, not %s", what, typeName(k))
}

// byteValue checks a value stored into a bytearray.
func (m *machine) byteValue(v Value) error {
	switch t := v.(type) {
	case Int:
		if t.Big != nil || t.Small < 0 || t.Small > 255 {
			return m.fail(ErrInvalid, "byte must be in range(0, 256)")
		}
		return nil
	case Bool:
		return nil
	}
	if opaque(v) {
		return nil
	}
	return m.fail(ErrInvalid, "'%s' object cannot be interpreted as an integer", typeName(v))
}

func (m *machine) opAddItems() error {
	k, err := m.popMark()
	if err != nil {
		return err
	}
	n := len(m.stack)
	if k > n || k <= m.fence() {
		return m.underflow()
	}
	if n == k {
		return nil
	}
	items, err := m.popFrom(k)
	if err != nil {
		return err
	}
	switch t := m.stack[k-1].(type) {
	case *Set:
		if t.Frozen {
			return m.fail(ErrInvalid, "'frozenset' object has no attribute 'add'")
		}
		for _, it := range items {
			if !hashable(it, 0) {
				return m.fail(ErrInvalid, "unhashable type: '%s'", typeName(it))
			}
		}
		t.Items = append(t.Items, items...)
		return nil
	case *Global:
		for _, it := range items {
			if err := m.mutate(MutateAdd, t, nil, it); err != nil {
				return err
			}
		}
		return nil
	default:
		if opaque(t) {
			_, err := m.call(CallMethod, t, &Tuple{Items: items}, nil, "add")
			return err
		}
		return m.fail(ErrInvalid, "'%s' object has no attribute 'add'", typeName(t))
	}
}
