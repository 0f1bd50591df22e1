package pickle

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// machine is the symbolic unpickler: one instance per pickle in a stream.
type machine struct {
	opts  Options
	lim   *Limits
	r     *reader
	trace *Trace

	stack  []Value
	marks  []int
	memo   map[int64]Value
	proto  int
	stream int

	declared    bool            // a PROTO opcode was seen
	warnedProto map[Opcode]bool // opcodes already reported above the protocol
	opIdx       int             // opcodes executed in this pickle

	overlay map[string]Value // attribute writes on imported objects, by dotted path
	items   *int64           // container items built across the run
	calls   int              // calls made in this run, for error-after-call

	curOp  Opcode
	curOff int64
}

// errStop is returned internally when STOP completes a pickle.
var errStop = errors.New("stop")

// run executes every pickle in the input with one set of options.
func run(in *input, opts Options) *Trace {
	lim := opts.Limits.withDefaults()
	opts.Limits = lim
	t := &Trace{}
	var items int64
	overlay := map[string]Value{}
	start := int64(0)
	for stream := 0; ; stream++ {
		if stream >= lim.MaxPickles {
			t.Err = &FormatError{Offset: start, Msg: fmt.Sprintf("more than %d pickles in one stream (MaxPickles)", lim.MaxPickles), Err: ErrLimit}
			return t
		}
		m := &machine{opts: opts, lim: &lim, trace: t, memo: map[int64]Value{},
			stream: stream, overlay: overlay, items: &items, warnedProto: map[Opcode]bool{}}
		m.r = newReader(in, &lim, opts, start)
		m.r.anomalies = m.anomaly
		err := m.loop()
		t.End = m.r.offset()
		if errors.Is(err, errStop) {
			t.Pickles++
			if stream > 0 && opts.Streams == 0 {
				m.anomaly(AnomalyMultiplePickles, start, fmt.Sprintf("pickle %d starts at offset %d, after the first STOP", stream+1, start))
			}
			start = m.r.resume()
			t.End = start
			if opts.Single || (opts.Streams > 0 && t.Pickles >= opts.Streams) {
				return t
			}
			more, herr := in.has(start, 1)
			if herr != nil {
				t.Err = &FormatError{Offset: start, Msg: herr.Error(), Err: ErrInvalid}
				return t
			}
			if !more || blankTail(in, start) {
				return t
			}
			continue
		}
		if stream > 0 && t.Err == nil {
			// The bytes after a complete pickle are not a pickle: pickle.load
			// stops at STOP and never reads them.
			m.anomaly(AnomalyTrailingData, start, fmt.Sprintf("%d bytes after STOP do not form a pickle: %v", max(0, in.eofAt-start), err))
			return t
		}
		t.Err = err
		return t
	}
}

// blankTail reports whether everything from off to the end of the input is
// ASCII whitespace or NUL padding (at most 4 KiB of it): an editor's final
// newline or block padding, which can hold no pickle.
func blankTail(in *input, off int64) bool {
	if in.eofAt < 0 || in.eofAt-off > 4096 {
		return false
	}
	b, err := in.peek(off, int(in.eofAt-off))
	if err != nil {
		return false
	}
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r', '\v', '\f', 0:
		default:
			return false
		}
	}
	return true
}

func (m *machine) anomaly(kind AnomalyKind, off int64, detail string) {
	if len(m.trace.Anomalies) >= m.lim.MaxEvents {
		return
	}
	m.trace.Anomalies = append(m.trace.Anomalies, Anomaly{Kind: kind, Offset: off, Detail: detail, Stream: m.stream})
}

// fail builds the error for the current opcode.
func (m *machine) fail(sentinel error, format string, args ...any) error {
	return &FormatError{Offset: m.curOff, Op: m.curOp, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

func (m *machine) wrap(err error) error {
	var fe *FormatError
	if errors.As(err, &fe) || errors.Is(err, errStop) {
		return err
	}
	s := ErrInvalid
	if errors.Is(err, ErrTruncated) {
		s = ErrTruncated
	} else if errors.Is(err, ErrLimit) {
		s = ErrLimit
	}
	return &FormatError{Offset: m.curOff, Op: m.curOp, Msg: err.Error(), Err: s}
}

func (m *machine) loop() error {
	for {
		if m.trace.Ops >= m.lim.MaxOps {
			return &FormatError{Offset: m.r.offset(), Msg: fmt.Sprintf("more than %d opcodes (MaxOps)", m.lim.MaxOps), Err: ErrLimit}
		}
		m.curOff = m.r.offset()
		m.curOp = 0
		b, err := m.r.read(1)
		if err != nil {
			if m.opIdx == 0 && errors.Is(err, ErrTruncated) {
				return &FormatError{Offset: m.curOff, Msg: "ran out of input", Err: ErrTruncated}
			}
			return m.wrap(err)
		}
		op := Opcode(b[0])
		m.curOp = op
		m.trace.Ops++
		info := op.Info()
		if info == nil {
			return m.fail(ErrInvalid, "invalid load key, %s", pyByteRepr(b[0]))
		}
		// Protocols 0 and 1 have no PROTO opcode; a stream that declares
		// none but uses protocol 2+ opcodes was not written by a pickler.
		if (m.declared && info.Proto > m.proto || !m.declared && info.Proto >= 2 && op != PROTO) && !m.warnedProto[op] {
			m.warnedProto[op] = true
			m.anomaly(AnomalyProtoOpcode, m.curOff, fmt.Sprintf("%s needs protocol %d, stream declared %d", info.Name, info.Proto, m.proto))
		}
		err = m.step(op)
		m.opIdx++
		if err != nil {
			return m.wrap(err)
		}
	}
}

func pyByteRepr(c byte) string {
	if c >= 0x20 && c < 0x7f && c != '\'' && c != '\\' {
		return "'" + string(rune(c)) + "'."
	}
	return fmt.Sprintf("'\\x%02x'.", c)
}

// ---- stack primitives, with _pickle.c's fence semantics ----

func (m *machine) fence() int {
	if len(m.marks) == 0 {
		return 0
	}
	return m.marks[len(m.marks)-1]
}

func (m *machine) underflow() error {
	if len(m.marks) > 0 {
		return m.fail(ErrInvalid, "unexpected MARK found")
	}
	return m.fail(ErrInvalid, "unpickling stack underflow")
}

func (m *machine) push(v Value) error {
	if len(m.stack) >= m.lim.MaxStack {
		return m.fail(ErrLimit, "stack deeper than %d (MaxStack)", m.lim.MaxStack)
	}
	m.stack = append(m.stack, v)
	return nil
}

func (m *machine) pop() (Value, error) {
	if len(m.stack) <= m.fence() {
		return nil, m.underflow()
	}
	v := m.stack[len(m.stack)-1]
	m.stack[len(m.stack)-1] = nil
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

func (m *machine) top() (Value, error) {
	if len(m.stack) <= m.fence() {
		return nil, m.underflow()
	}
	return m.stack[len(m.stack)-1], nil
}

// popMark removes the topmost mark and returns its stack index.
func (m *machine) popMark() (int, error) {
	if len(m.marks) == 0 {
		return 0, m.fail(ErrInvalid, "could not find MARK")
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	return k, nil
}

// popToMark removes the topmost mark and everything above it, returning
// the items (the "pop_mark" of pickle.py).
func (m *machine) popToMark() ([]Value, error) {
	k, err := m.popMark()
	if err != nil {
		return nil, err
	}
	return m.popFrom(k)
}

// popFrom removes stack[k:] and returns a copy.
func (m *machine) popFrom(k int) ([]Value, error) {
	if k < m.fence() || k > len(m.stack) {
		return nil, m.underflow()
	}
	items := append([]Value(nil), m.stack[k:]...)
	clear(m.stack[k:])
	m.stack = m.stack[:k]
	return items, m.count(int64(len(items)))
}

func (m *machine) count(n int64) error {
	*m.items += n
	if *m.items > m.lim.MaxItems {
		return m.fail(ErrLimit, "more than %d container items (MaxItems)", m.lim.MaxItems)
	}
	return nil
}

// ---- events ----

func (m *machine) roomForEvent() error {
	n := len(m.trace.Imports) + len(m.trace.Calls) + len(m.trace.Mutations)
	if n >= m.lim.MaxEvents {
		return m.fail(ErrLimit, "more than %d imports, calls and mutations (MaxEvents)", m.lim.MaxEvents)
	}
	return nil
}

// findClass records an import and returns the object the recorder-faithful
// find_class yields: a Global, or a value an earlier BUILD stored at that
// attribute path.
func (m *machine) findClass(rawMod, rawName string, op Opcode) (Value, error) {
	if err := m.roomForEvent(); err != nil {
		return nil, err
	}
	mod, name := rawMod, rawName
	if m.proto < 3 {
		if p, ok := compatNames[[2]string{mod, name}]; ok {
			mod, name = p[0], p[1]
		} else if nm, ok := compatModules[mod]; ok {
			mod = nm
		}
	}
	m.trace.Imports = append(m.trace.Imports, Import{Module: mod, Name: name, RawModule: rawMod, RawName: rawName, Offset: m.curOff, Op: op, Stream: m.stream})
	key := m.attrKey(mod, name)
	if v, ok := m.overlay[key]; ok {
		return v, nil
	}
	if err := m.lookupFails(mod, name, op); err != nil {
		return nil, err
	}
	return &Global{Module: mod, Name: name, Offset: m.curOff, key: key}, nil
}

// attrKey names the object find_class returns by the steps that reach it:
// the module, then getattr of the whole name (protocol < 4) or of each
// dotted component (protocol 4+). BUILD on that object stores attributes
// under key + "\x00" + attribute, which is the key a later import of that
// attribute computes.
func (m *machine) attrKey(mod, name string) string {
	base := strings.ReplaceAll(mod, ".", "\x00") // import a.b is getattr(a, "b") for submodules
	if m.proto >= 4 {
		return base + "\x00" + strings.ReplaceAll(name, ".", "\x00")
	}
	return base + "\x00" + name
}

// lookupFails reports the find_class failures that do not depend on what
// the module contains: an empty module name, a dotted name before protocol
// 4 (getattr of "a.b" itself), and a "<locals>" component after it. (An
// empty component fails too unless something set that attribute; the
// machine cannot know, so it keeps going.)
// A name planted earlier by BUILD is found in the overlay before this.
func (m *machine) lookupFails(mod, name string, op Opcode) error {
	if op == EXT1 || op == EXT2 || op == EXT4 {
		return nil
	}
	if mod == "" {
		return m.fail(ErrInvalid, "Empty module name")
	}
	if m.proto >= 4 && name == "<locals>" {
		return m.fail(ErrInvalid, "Can't get local attribute %q on module %q", name, mod)
	}
	if !strings.Contains(name, ".") {
		return nil
	}
	if m.proto < 4 {
		return m.fail(ErrInvalid, "Can't get attribute %q on module %q (dotted names need protocol 4)", name, mod)
	}
	for _, part := range strings.Split(name, ".") {
		if part == "<locals>" {
			return m.fail(ErrInvalid, "Can't get local attribute %q on module %q", name, mod)
		}
	}
	return nil
}

func (m *machine) call(kind CallKind, callee, args, kwargs Value, method string) (*Object, error) {
	if err := m.roomForEvent(); err != nil {
		return nil, err
	}
	c := &Call{Kind: kind, Offset: m.curOff, Op: m.curOp, Stream: m.stream, Callee: callee, Method: method, Args: args, Kwargs: kwargs}
	m.trace.Calls = append(m.trace.Calls, c)
	m.calls++
	return &Object{Call: c}, nil
}

func (m *machine) mutate(kind MutationKind, g *Global, key, val Value) error {
	if err := m.roomForEvent(); err != nil {
		return err
	}
	m.trace.Mutations = append(m.trace.Mutations, Mutation{Kind: kind, Target: g, Key: key, Value: val, Offset: m.curOff, Op: m.curOp, Stream: m.stream})
	return nil
}

// ---- value classification ----

// opaque reports whether v is an object the stream cannot see into (the
// result of code, which may be of any type).
func opaque(v Value) bool {
	switch v.(type) {
	case *Global, *Object, *Persistent, *Buffer, *Array:
		return true
	}
	return false
}

// hashable reports whether v could be a dict key or set member.
func hashable(v Value, depth int) bool {
	switch t := v.(type) {
	case *List, *Dict, *Set:
		if s, ok := v.(*Set); ok && s.Frozen {
			return true
		}
		return false
	case Bytes:
		return !t.Mutable
	case *Tuple:
		if depth > 64 {
			return true
		}
		for _, it := range t.Items {
			if !hashable(it, depth+1) {
				return false
			}
		}
	}
	return true
}

func typeName(v Value) string {
	switch t := v.(type) {
	case None:
		return "NoneType"
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Float:
		return "float"
	case Str:
		return "str"
	case Bytes:
		if t.Mutable {
			return "bytearray"
		}
		return "bytes"
	case *Tuple:
		return "tuple"
	case *List:
		return "list"
	case *Dict:
		return "dict"
	case *Set:
		if t.Frozen {
			return "frozenset"
		}
		return "set"
	}
	return "object"
}

// ---- opcode semantics ----

func (m *machine) step(op Opcode) error {
	switch op {
	case MARK:
		if len(m.marks) >= m.lim.MaxMarks {
			return m.fail(ErrLimit, "marks nested deeper than %d (MaxMarks)", m.lim.MaxMarks)
		}
		m.marks = append(m.marks, len(m.stack))
		return nil
	case STOP:
		v, err := m.pop()
		if err != nil {
			return err
		}
		m.trace.Results = append(m.trace.Results, v)
		if len(m.stack) > 0 {
			m.anomaly(AnomalyStackLeftover, m.curOff, fmt.Sprintf("%d values left on the stack at STOP", len(m.stack)))
		}
		return errStop
	case POP:
		if n := len(m.marks); n > 0 && m.marks[n-1] == len(m.stack) {
			m.marks = m.marks[:n-1]
			return nil
		}
		_, err := m.pop()
		return err
	case POP_MARK:
		_, err := m.popToMark()
		return err
	case DUP:
		v, err := m.top()
		if err != nil {
			return err
		}
		return m.push(v)
	case PROTO:
		b, err := m.r.read(1)
		if err != nil {
			return err
		}
		if b[0] > HighestProtocol {
			return m.fail(ErrInvalid, "unsupported pickle protocol: %d", b[0])
		}
		if m.opIdx > 0 {
			m.anomaly(AnomalyProtoLate, m.curOff, fmt.Sprintf("PROTO %d after the first opcode", b[0]))
		}
		m.proto = int(b[0])
		m.declared = true
		return nil
	case FRAME:
		b, err := m.r.read(8)
		if err != nil {
			return err
		}
		return m.r.startFrame(le64(b), m.curOff)
	case NONE:
		return m.push(None{})
	case NEWTRUE:
		return m.push(Bool(true))
	case NEWFALSE:
		return m.push(Bool(false))
	case INT:
		return m.opInt()
	case LONG:
		return m.opLong()
	case BININT:
		b, err := m.r.read(4)
		if err != nil {
			return err
		}
		return m.push(Int{Small: int64(int32(le32(b)))})
	case BININT1:
		b, err := m.r.read(1)
		if err != nil {
			return err
		}
		return m.push(Int{Small: int64(b[0])})
	case BININT2:
		b, err := m.r.read(2)
		if err != nil {
			return err
		}
		return m.push(Int{Small: int64(le16(b))})
	case LONG1, LONG4:
		return m.opLongBin(op)
	case FLOAT:
		line, err := m.line()
		if err != nil {
			return err
		}
		f, ok := parseFloatLine(line, m.py())
		if !ok {
			return m.fail(ErrInvalid, "could not convert string to float: %q", line)
		}
		return m.push(Float(f))
	case BINFLOAT:
		b, err := m.r.read(8)
		if err != nil {
			return err
		}
		u := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 | uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
		return m.push(Float(math.Float64frombits(u)))
	case STRING:
		return m.opString()
	case BINSTRING, SHORT_BINSTRING:
		return m.opBinString(op)
	case UNICODE:
		line, err := m.line()
		if err != nil {
			return err
		}
		s, err := rawUnicodeEscape(line)
		if err != nil {
			return m.fail(ErrInvalid, "'rawunicodeescape' codec can't decode: %v", err)
		}
		return m.push(Str{S: s, Len: int64(len(line))})
	case BINUNICODE, SHORT_BINUNICODE, BINUNICODE8:
		return m.opBinUnicode(op)
	case BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8:
		return m.opBinBytes(op)
	case NEXT_BUFFER:
		m.anomaly(AnomalyOutOfBandBuffer, m.curOff, "NEXT_BUFFER needs out-of-band buffers, which loaders do not pass")
		return m.fail(ErrInvalid, "pickle stream refers to out-of-band data but no *buffers* argument was given")
	case READONLY_BUFFER:
		v, err := m.top()
		if err != nil {
			return err
		}
		switch t := v.(type) {
		case Bytes:
			t.Mutable = false
			m.stack[len(m.stack)-1] = t
			return nil
		case *Buffer, *Object, *Global, *Persistent, *Array:
			return nil
		}
		return m.fail(ErrInvalid, "memoryview: a bytes-like object is required, not '%s'", typeName(v))
	case EMPTY_TUPLE:
		return m.push(&Tuple{})
	case EMPTY_LIST:
		return m.push(&List{})
	case EMPTY_DICT:
		return m.push(&Dict{})
	case EMPTY_SET:
		return m.push(&Set{})
	case TUPLE:
		items, err := m.popToMark()
		if err != nil {
			return err
		}
		return m.push(&Tuple{Items: items})
	case TUPLE1, TUPLE2, TUPLE3:
		n := int(op-TUPLE1) + 1
		items, err := m.popFrom(len(m.stack) - n)
		if err != nil {
			return err
		}
		return m.push(&Tuple{Items: items})
	case LIST:
		items, err := m.popToMark()
		if err != nil {
			return err
		}
		return m.push(&List{Items: items})
	case DICT:
		return m.opDict()
	case FROZENSET:
		items, err := m.popToMark()
		if err != nil {
			return err
		}
		for _, it := range items {
			if !hashable(it, 0) {
				return m.fail(ErrInvalid, "unhashable type: '%s'", typeName(it))
			}
		}
		return m.push(&Set{Items: items, Frozen: true})
	case APPEND:
		return m.doAppend(len(m.stack)-1, false)
	case APPENDS:
		k, err := m.popMark()
		if err != nil {
			return err
		}
		return m.doAppend(k, true)
	case SETITEM:
		return m.doSetItems(len(m.stack) - 2)
	case SETITEMS:
		k, err := m.popMark()
		if err != nil {
			return err
		}
		return m.doSetItems(k)
	case ADDITEMS:
		return m.opAddItems()
	case GET, BINGET, LONG_BINGET:
		return m.opGet(op)
	case PUT, BINPUT, LONG_BINPUT:
		return m.opPut(op)
	case MEMOIZE:
		v, err := m.top()
		if err != nil {
			return err
		}
		return m.memoPut(int64(len(m.memo)), v)
	case GLOBAL:
		return m.opGlobal()
	case STACK_GLOBAL:
		return m.opStackGlobal()
	case INST:
		return m.opInst()
	case OBJ:
		return m.opObj()
	case REDUCE:
		return m.opReduce()
	case NEWOBJ, NEWOBJ_EX:
		return m.opNewObj(op == NEWOBJ_EX)
	case BUILD:
		return m.opBuild()
	case EXT1, EXT2, EXT4:
		return m.opExt(op)
	case PERSID:
		line, err := m.line()
		if err != nil {
			return err
		}
		if !isASCII(line) {
			return m.fail(ErrInvalid, "persistent IDs in protocol 0 must be ASCII strings")
		}
		return m.persistent(Str{S: string(line), Len: int64(len(line))})
	case BINPERSID:
		pid, err := m.pop()
		if err != nil {
			return err
		}
		return m.persistent(pid)
	}
	return m.fail(ErrInvalid, "opcode %s not implemented", op)
}
