package pickle

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
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
			if stream > 0 {
				m.anomaly(AnomalyMultiplePickles, start, fmt.Sprintf("pickle %d starts at offset %d, after the first STOP", stream+1, start))
			}
			start = m.r.resume()
			t.End = start
			if opts.Single || m.r.straddledStop() {
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

// straddledStop is a hook for future use; a pickle that ends normally
// always lets the next one start.
func (r *reader) straddledStop() bool { return false }

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
		if _, err := m.pop(); err != nil {
			return err
		}
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
		k, err := m.popMark()
		if err != nil {
			return err
		}
		_, err = m.popFrom(k)
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
		k, err := m.popMark()
		if err != nil {
			return err
		}
		items, err := m.popFrom(k)
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
		k, err := m.popMark()
		if err != nil {
			return err
		}
		items, err := m.popFrom(k)
		if err != nil {
			return err
		}
		return m.push(&List{Items: items})
	case DICT:
		return m.opDict()
	case FROZENSET:
		k, err := m.popMark()
		if err != nil {
			return err
		}
		items, err := m.popFrom(k)
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

func (m *machine) py() bool { return m.opts.Dialect == DialectPython }

// line reads a text argument and strips its last byte (the newline, or, in
// the Python dialect at end of file, the last real character). The C
// dialect rejects lines shorter than two bytes where _pickle.c does.
func (m *machine) line() ([]byte, error) {
	l, err := m.r.readLine()
	if err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return l, nil
	}
	return l[:len(l)-1], nil
}

// cLine is line() for opcodes where _pickle.c requires len >= 2.
func (m *machine) cLine() ([]byte, error) {
	l, err := m.r.readLine()
	if err != nil {
		return nil, err
	}
	if !m.py() && len(l) < 2 {
		return nil, m.fail(ErrTruncated, "pickle data was truncated (empty line)")
	}
	if len(l) == 0 {
		return l, nil
	}
	return l[:len(l)-1], nil
}

func (m *machine) opInt() error {
	l, err := m.cLine()
	if err != nil {
		return err
	}
	if m.py() {
		switch string(l) {
		case "00":
			return m.push(Bool(false))
		case "01":
			return m.push(Bool(true))
		}
		v, ok := pyIntLiteral(string(l), 0)
		if !ok {
			return m.fail(ErrInvalid, "invalid literal for int() with base 0: %q", l)
		}
		return m.push(v)
	}
	full := append(l, '\n')
	if x, ok := cStrtol(beforeNUL(full)); ok {
		if len(full) == 3 && (x == 0 || x == 1) {
			return m.push(Bool(x == 1))
		}
		return m.push(Int{Small: x})
	}
	v, ok := pyIntLiteral(string(beforeNUL(l)), 0)
	if !ok {
		return m.fail(ErrInvalid, "invalid literal for int() with base 0: %q", l)
	}
	return m.push(v)
}

func bytesHasNUL(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return true
		}
	}
	return false
}

func (m *machine) opLong() error {
	l, err := m.cLine()
	if err != nil {
		return err
	}
	if !m.py() {
		l = beforeNUL(l)
	}
	if len(l) > 0 && l[len(l)-1] == 'L' {
		l = l[:len(l)-1]
	}
	v, ok := pyIntLiteral(string(l), 0)
	if !ok {
		return m.fail(ErrInvalid, "invalid literal for int() with base 0: %q", l)
	}
	return m.push(v)
}

func (m *machine) opLongBin(op Opcode) error {
	var n int64
	if op == LONG1 {
		b, err := m.r.read(1)
		if err != nil {
			return err
		}
		n = int64(b[0])
	} else {
		b, err := m.r.read(4)
		if err != nil {
			return err
		}
		n = int64(int32(le32(b)))
		if n < 0 {
			return m.fail(ErrInvalid, "LONG pickle has negative byte count")
		}
	}
	bl, err := m.r.readBlob(n, false)
	if err != nil {
		return err
	}
	if int64(len(bl.data)) < n || n > 4096 {
		return m.push(Int{Big: big.NewInt(0)}) // value too large to keep; irrelevant to imports
	}
	return m.push(decodeLong(bl.data))
}

// decodeLong decodes a little-endian two's-complement integer.
func decodeLong(b []byte) Int {
	if len(b) == 0 {
		return Int{}
	}
	be := make([]byte, len(b))
	for i, c := range b {
		be[len(b)-1-i] = c
	}
	v := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return bigToInt(v)
}

func (m *machine) opString() error {
	l, err := m.cLine()
	if err != nil {
		return err
	}
	if len(l) < 2 || l[0] != l[len(l)-1] || (l[0] != '\'' && l[0] != '"') {
		return m.fail(ErrInvalid, "the STRING opcode argument must be quoted")
	}
	b, err := escapeDecode(l[1 : len(l)-1])
	if err != nil {
		return m.fail(ErrInvalid, "%v", err)
	}
	return m.pushPy2String(b, int64(len(b)), false)
}

// pushPy2String pushes a protocol 0-2 str, decoded with the unpickler's
// default encoding (ASCII). Non-ASCII bytes make pickle.load fail, but
// loaders with another encoding (torch uses utf-8, numpy latin1) accept
// them, so the machine records an anomaly and keeps going.
func (m *machine) pushPy2String(b []byte, n int64, truncated bool) error {
	if !isASCII(b) {
		m.anomaly(AnomalyStringDecode, m.curOff, "non-ASCII bytes in a protocol 0-2 string: pickle.load fails, loaders with encoding='latin1' or 'utf-8' do not")
	}
	return m.push(Str{S: string(b), Len: n, Truncated: truncated})
}

func (m *machine) lenArg(op Opcode) (int64, error) {
	switch op.Info().Arg {
	case ArgLen1:
		b, err := m.r.read(1)
		if err != nil {
			return 0, err
		}
		return int64(b[0]), nil
	case ArgLen4:
		b, err := m.r.read(4)
		if err != nil {
			return 0, err
		}
		if op == BINSTRING && m.py() {
			n := int64(int32(le32(b)))
			if n < 0 {
				return 0, m.fail(ErrInvalid, "BINSTRING pickle has negative byte count")
			}
			return n, nil
		}
		return int64(le32(b)), nil
	case ArgLen8:
		b, err := m.r.read(8)
		if err != nil {
			return 0, err
		}
		u := le64(b)
		if u > math.MaxInt64 {
			return 0, m.fail(ErrInvalid, "%s exceeds system's maximum size of %d bytes", op, int64(math.MaxInt64))
		}
		return int64(u), nil
	}
	return 0, m.fail(ErrInvalid, "bad argument kind")
}

func (m *machine) opBinString(op Opcode) error {
	n, err := m.lenArg(op)
	if err != nil {
		return err
	}
	bl, err := m.r.readBlob(n, false)
	if err != nil {
		return err
	}
	return m.pushPy2String(bl.data, n, int64(len(bl.data)) < n)
}

func (m *machine) opBinUnicode(op Opcode) error {
	n, err := m.lenArg(op)
	if err != nil {
		return err
	}
	bl, err := m.r.readBlob(n, false)
	if err != nil {
		return err
	}
	trunc := int64(len(bl.data)) < n
	if trunc {
		if err := m.validateTail(bl); err != nil {
			return err
		}
		s, _ := utf8Surrogatepass(trimPartialRune(bl.data))
		return m.push(Str{S: s, Len: n, Truncated: true})
	}
	s, ok := utf8Surrogatepass(bl.data)
	if !ok {
		return m.fail(ErrInvalid, "'utf-8' codec can't decode %s argument", op)
	}
	return m.push(Str{S: s, Len: n})
}

// validateTail checks that a long string argument is valid UTF-8 by
// reading it in chunks, never holding more than one chunk.
func (m *machine) validateTail(bl blob) error {
	if bl.off < 0 {
		return nil
	}
	var carry []byte
	for off := bl.off; off < bl.off+bl.n; {
		n := min(int64(cacheSize), bl.off+bl.n-off)
		chunk, err := m.r.in.peek(off, int(n))
		if err != nil {
			return err
		}
		buf := append(carry, chunk...)
		last := off+n >= bl.off+bl.n
		body := buf
		if !last {
			body = trimPartialRune(buf)
		}
		if _, ok := utf8Surrogatepass(body); !ok {
			return m.fail(ErrInvalid, "'utf-8' codec can't decode %s argument", m.curOp)
		}
		carry = append([]byte(nil), buf[len(body):]...)
		off += n
	}
	return nil
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if c >= 0xC0 {
			need := 2
			if c >= 0xF0 {
				need = 4
			} else if c >= 0xE0 {
				need = 3
			}
			if i < need {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

func (m *machine) opBinBytes(op Opcode) error {
	n, err := m.lenArg(op)
	if err != nil {
		return err
	}
	bl, err := m.r.readBlob(n, true)
	if err != nil {
		return err
	}
	return m.push(Bytes{B: bl.data, Len: n, Truncated: int64(len(bl.data)) < n, Mutable: op == BYTEARRAY8, Offset: bl.off})
}

func (m *machine) opDict() error {
	k, err := m.popMark()
	if err != nil {
		return err
	}
	items, err := m.popFrom(k)
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

func (m *machine) memoIndex(op Opcode) (int64, error) {
	switch op {
	case BINGET, BINPUT:
		b, err := m.r.read(1)
		if err != nil {
			return 0, err
		}
		return int64(b[0]), nil
	case LONG_BINGET, LONG_BINPUT:
		b, err := m.r.read(4)
		if err != nil {
			return 0, err
		}
		return int64(le32(b)), nil
	}
	l, err := m.cLine()
	if err != nil {
		return 0, err
	}
	if !m.py() {
		l = beforeNUL(l)
	}
	v, ok := pyIntLiteral(string(l), 10)
	if !ok {
		return 0, m.fail(ErrInvalid, "invalid literal for int() with base 10: %q", l)
	}
	if v.Big != nil {
		return 0, m.fail(ErrInvalid, "Python int too large to convert to C ssize_t")
	}
	return v.Small, nil
}

func (m *machine) opGet(op Opcode) error {
	i, err := m.memoIndex(op)
	if err != nil {
		return err
	}
	v, ok := m.memo[i]
	if !ok {
		return m.fail(ErrInvalid, "Memo value not found at index %d", i)
	}
	return m.push(v)
}

func (m *machine) opPut(op Opcode) error {
	var i int64
	var err error
	if op == PUT && !m.py() {
		// _pickle.c reads the line, then checks the stack, then parses.
		l, err := m.cLine()
		if err != nil {
			return err
		}
		v, err := m.top()
		if err != nil {
			return err
		}
		n, ok := pyIntLiteral(string(beforeNUL(l)), 10)
		if !ok {
			return m.fail(ErrInvalid, "invalid literal for int() with base 10: %q", l)
		}
		if n.Big != nil {
			return m.fail(ErrInvalid, "Python int too large to convert to C ssize_t")
		}
		if n.Small < 0 {
			return m.fail(ErrInvalid, "negative PUT argument")
		}
		return m.memoPut(n.Small, v)
	}
	i, err = m.memoIndex(op)
	if err != nil {
		return err
	}
	if i < 0 {
		return m.fail(ErrInvalid, "negative PUT argument")
	}
	v, err := m.top()
	if err != nil {
		return err
	}
	return m.memoPut(i, v)
}

func (m *machine) memoPut(i int64, v Value) error {
	if _, ok := m.memo[i]; !ok && len(m.memo) >= m.lim.MaxMemo {
		return m.fail(ErrLimit, "more than %d memo entries (MaxMemo)", m.lim.MaxMemo)
	}
	m.memo[i] = v
	return nil
}

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
		if m.opts.Joblib && m.py() {
			if w, ok := inst.(*Object); ok && isJoblibWrapper(w) {
				return m.joblibArray(w, state)
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
	m.trace.Persistent = append(m.trace.Persistent, PersistentLoad{PID: pid, Offset: m.curOff, Op: m.curOp, Stream: m.stream})
	if len(m.trace.Persistent) > m.lim.MaxEvents {
		return m.fail(ErrLimit, "more than %d persistent loads (MaxEvents)", m.lim.MaxEvents)
	}
	return m.push(&Persistent{PID: pid, Offset: m.curOff})
}

// GlobalPath returns "module.name" for a Global.
func (g *Global) Path() string { return g.Module + "." + g.Name }
