package pickle

import (
	"strconv"
)

// ---- imports and calls ----

func (m *machine) opGlobal() error {
	mod, err := m.cLine()
	if err != nil {
		return err
	}
	name, err := m.cLine()
	if err != nil {
		return err
	}
	ms, ok1 := utf8Strict(mod)
	ns, ok2 := utf8Strict(name)
	if !ok1 || !ok2 {
		return m.fail(ErrInvalid, "'utf-8' codec can't decode GLOBAL argument")
	}
	v, err := m.findClass(ms, ns, GLOBAL)
	if err != nil {
		return err
	}
	return m.push(v)
}

func (m *machine) opStackGlobal() error {
	name, err := m.pop()
	if err != nil {
		return err
	}
	mod, err := m.pop()
	if err != nil {
		return err
	}
	ms, ok1 := mod.(Str)
	ns, ok2 := name.(Str)
	if ok1 && ok2 {
		v, err := m.findClass(ms.S, ns.S, STACK_GLOBAL)
		if err != nil {
			return err
		}
		return m.push(v)
	}
	if (ok1 || opaque(mod)) && (ok2 || opaque(name)) {
		// Code produced an operand: it may be a str at load time.
		m.trace.Dynamic = append(m.trace.Dynamic, DynamicGlobal{Module: mod, Name: name, Offset: m.curOff, Stream: m.stream})
		return m.push(&Global{Module: "?", Name: "?", Offset: m.curOff})
	}
	return m.fail(ErrInvalid, "STACK_GLOBAL requires str")
}

func (m *machine) opInst() error {
	var k int
	var err error
	if !m.py() {
		if k, err = m.popMark(); err != nil {
			return err
		}
	}
	mod, err := m.cLine()
	if err != nil {
		return err
	}
	name, err := m.cLine()
	if err != nil {
		return err
	}
	if !isASCII(mod) || !isASCII(name) {
		return m.fail(ErrInvalid, "'ascii' codec can't decode INST argument")
	}
	cls, err := m.findClass(string(mod), string(name), INST)
	if err != nil {
		return err
	}
	if m.py() {
		if k, err = m.popMark(); err != nil {
			return err
		}
	}
	args, err := m.popFrom(k)
	if err != nil {
		return err
	}
	return m.instantiate(cls, args)
}

func (m *machine) opObj() error {
	k, err := m.popMark()
	if err != nil {
		return err
	}
	if len(m.stack)-k < 1 {
		return m.underflow()
	}
	args, err := m.popFrom(k + 1)
	if err != nil {
		return err
	}
	cls := m.stack[k]
	m.stack = m.stack[:k]
	return m.instantiate(cls, args)
}

func (m *machine) instantiate(cls Value, args []Value) error {
	if !callable(cls) {
		return m.fail(ErrInvalid, "'%s' object is not callable", typeName(cls))
	}
	kind := CallInst
	if m.curOp == OBJ {
		kind = CallObj
	}
	obj, err := m.call(kind, cls, &Tuple{Items: args}, nil, "")
	if err != nil {
		return err
	}
	return m.push(obj)
}

// callable reports whether v may be called: data built by opcodes is not.
func callable(v Value) bool { return opaque(v) }

func (m *machine) opReduce() error {
	args, err := m.pop()
	if err != nil {
		return err
	}
	fn, err := m.top()
	if err != nil {
		return err
	}
	if !m.py() {
		if _, ok := args.(*Tuple); !ok && !opaque(args) {
			return m.fail(ErrInvalid, "argument list must be a tuple")
		}
	} else if !iterable(args) {
		return m.fail(ErrInvalid, "argument after * must be an iterable, not %s", typeName(args))
	}
	if !callable(fn) {
		return m.fail(ErrInvalid, "'%s' object is not callable", typeName(fn))
	}
	obj, err := m.call(CallReduce, fn, args, nil, "")
	if err != nil {
		return err
	}
	m.stack[len(m.stack)-1] = obj
	return nil
}

func iterable(v Value) bool {
	switch v.(type) {
	case None, Bool, Int, Float:
		return false
	}
	return true
}

func (m *machine) opNewObj(ex bool) error {
	var kwargs Value
	var err error
	if ex {
		if kwargs, err = m.pop(); err != nil {
			return err
		}
	}
	args, err := m.pop()
	if err != nil {
		return err
	}
	cls, err := m.pop()
	if err != nil {
		return err
	}
	name := "NEWOBJ"
	if ex {
		name = "NEWOBJ_EX"
	}
	if !opaque(cls) {
		return m.fail(ErrInvalid, "%s class argument must be a type, not %s", name, typeName(cls))
	}
	if _, ok := args.(*Tuple); !ok && !opaque(args) && !m.py() {
		return m.fail(ErrInvalid, "%s args argument must be a tuple, not %s", name, typeName(args))
	}
	if m.py() && !iterable(args) {
		return m.fail(ErrInvalid, "argument after * must be an iterable, not %s", typeName(args))
	}
	if ex {
		d, ok := kwargs.(*Dict)
		if !ok && !opaque(kwargs) && !m.py() {
			return m.fail(ErrInvalid, "%s kwargs argument must be a dict, not %s", name, typeName(kwargs))
		}
		if ok {
			for _, k := range d.Keys {
				if _, isStr := k.(Str); !isStr && !opaque(k) {
					return m.fail(ErrInvalid, "keywords must be strings")
				}
			}
		}
	}
	kind := CallNewObj
	if ex {
		kind = CallNewObjEx
	}
	obj, err := m.call(kind, cls, args, kwargs, "__new__")
	if err != nil {
		return err
	}
	return m.push(obj)
}

func (m *machine) opBuild() error {
	if len(m.stack)-2 < m.fence() {
		return m.underflow()
	}
	state, err := m.pop()
	if err != nil {
		return err
	}
	inst, err := m.top()
	if err != nil {
		return err
	}
	switch t := inst.(type) {
	case *Global:
		return m.buildOnGlobal(t, state)
	case *Object, *Persistent, *Buffer, *Array:
		if o, ok := inst.(*Object); ok {
			o.state = state
			if m.opts.Joblib && m.py() && isJoblibWrapper(o) {
				return m.joblibArray(o, state)
			}
		}
		_, err := m.call(CallSetState, inst, &Tuple{Items: []Value{state}}, nil, "__setstate__")
		return err
	}
	// Builtin data (list, dict, ...) has no __setstate__ and no __dict__:
	// BUILD works only when it has nothing to set.
	st, slot := splitState(state)
	stateEmpty := isNoneOrNil(st) || (m.py() && isEmptyOrNone(st))
	if !stateEmpty {
		if _, ok := st.(*Dict); !ok && !opaque(st) && !m.py() {
			return m.fail(ErrInvalid, "state is not a dictionary")
		}
		return m.fail(ErrInvalid, "'%s' object has no attribute '__dict__'", typeName(inst))
	}
	if slot == nil || (m.py() && isEmptyOrNone(slot)) {
		return nil
	}
	d, ok := slot.(*Dict)
	if !ok {
		if opaque(slot) {
			return nil
		}
		return m.fail(ErrInvalid, "slot state is not a dictionary")
	}
	if len(d.Keys) == 0 {
		return nil
	}
	return m.fail(ErrInvalid, "'%s' object has no attribute %s", typeName(inst), Render(d.Keys[0], RenderOptions{}))
}

func isNoneOrNil(v Value) bool {
	if v == nil {
		return true
	}
	_, ok := v.(None)
	return ok
}

func isEmptyOrNone(v Value) bool {
	switch t := v.(type) {
	case nil, None:
		return true
	case *Dict:
		return len(t.Keys) == 0
	}
	return false
}

// splitState splits BUILD's state into (state, slotstate) the way
// load_build does for objects without __setstate__.
func splitState(state Value) (Value, Value) {
	if t, ok := state.(*Tuple); ok && len(t.Items) == 2 {
		return t.Items[0], t.Items[1]
	}
	return state, nil
}

// buildOnGlobal applies BUILD to an imported object: attribute writes on a
// module, class or function, visible to later imports of the same path.
func (m *machine) buildOnGlobal(g *Global, state Value) error {
	st, slot := splitState(state)
	base := g.key
	apply := func(v Value, what string) error {
		if v == nil {
			return nil
		}
		if t, known := truthy(v); m.py() && known && !t {
			return nil // pickle.py skips a false state
		}
		if _, ok := v.(None); ok && what == "state" {
			return nil
		}
		d, ok := v.(*Dict)
		if !ok {
			if opaque(v) {
				return m.mutate(MutateSetAttr, g, nil, v)
			}
			if what == "state" {
				return m.fail(ErrInvalid, "state is not a dictionary")
			}
			return m.fail(ErrInvalid, "slot state is not a dictionary")
		}
		for i, k := range d.Keys {
			if _, isStr := k.(Str); what == "slotstate" && !isStr && !opaque(k) {
				return m.fail(ErrInvalid, "attribute name must be string, not '%s'", typeName(k))
			}
			if err := m.mutate(MutateSetAttr, g, k, d.Vals[i]); err != nil {
				return err
			}
			if s, ok := k.(Str); ok && !s.Truncated && base != "" {
				m.overlay[base+"\x00"+s.S] = d.Vals[i]
			}
		}
		return nil
	}
	if err := apply(st, "state"); err != nil {
		return err
	}
	return apply(slot, "slotstate")
}

func (m *machine) opExt(op Opcode) error {
	var code int64
	switch op {
	case EXT1:
		b, err := m.r.read(1)
		if err != nil {
			return err
		}
		code = int64(b[0])
	case EXT2:
		b, err := m.r.read(2)
		if err != nil {
			return err
		}
		code = int64(le16(b))
	default:
		b, err := m.r.read(4)
		if err != nil {
			return err
		}
		code = int64(int32(le32(b)))
	}
	if code <= 0 {
		return m.fail(ErrInvalid, "EXT specifies code <= 0")
	}
	// The registry maps the code to (module, name), which find_class then
	// imports; statically the pair is unknown, so the object is named by
	// its code and behaves like any other import (BUILD on it plants
	// attributes that later imports of "CODE.attr" see).
	v, err := m.findClass(ExtModule, strconv.FormatInt(code, 10), op)
	if err != nil {
		return err
	}
	return m.push(v)
}

// ExtModule is the module name under which EXT1/EXT2/EXT4 imports are
// reported: the name is the decimal extension code. The real target is
// whatever copyreg's extension registry holds, which a file cannot show.
const ExtModule = "__ext__"

func (m *machine) persistent(pid Value) error {
	if m.opts.NoPersistentLoad || m.opts.Joblib {
		if m.py() {
			return m.fail(ErrInvalid, "unsupported persistent id encountered")
		}
		return m.fail(ErrInvalid, "A load persistent id instruction was encountered, but no persistent_load function was specified.")
	}
	m.trace.Persistent = append(m.trace.Persistent, PersistentLoad{PID: pid, Offset: m.curOff, Op: m.curOp, Stream: m.stream})
	if len(m.trace.Persistent) > m.lim.MaxEvents {
		return m.fail(ErrLimit, "more than %d persistent loads (MaxEvents)", m.lim.MaxEvents)
	}
	return m.push(&Persistent{PID: pid, Offset: m.curOff})
}

// GlobalPath returns "module.name" for a Global.
func (g *Global) Path() string { return g.Module + "." + g.Name }
