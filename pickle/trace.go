package pickle

// Import is one find_class request: the module and name the real unpickler
// would import. RawModule and RawName are the strings as written in the
// stream; Module and Name are after _compat_pickle renaming (protocol < 3).
type Import struct {
	Module, Name       string
	RawModule, RawName string
	Offset             int64  // offset of the opcode that requested it
	Op                 Opcode // GLOBAL, STACK_GLOBAL, INST or EXT1/2/4
	Stream             int    // index of the pickle in a multi-pickle stream
}

// Path returns the dotted path "Module.Name".
func (i Import) Path() string { return i.Module + "." + i.Name }

// CallKind says which opcode makes a call.
type CallKind uint8

// Kinds of call.
const (
	CallReduce   CallKind = iota + 1 // REDUCE: callable(*args)
	CallNewObj                       // NEWOBJ: cls.__new__(cls, *args)
	CallNewObjEx                     // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
	CallInst                         // INST: instantiate(cls, args)
	CallObj                          // OBJ: instantiate(cls, args)
	CallSetState                     // BUILD on an object whose class may define __setstate__
	CallMethod                       // extend/append/add/__setitem__ on a non-builtin object
)

// String names the call kind.
func (k CallKind) String() string {
	switch k {
	case CallReduce:
		return "REDUCE"
	case CallNewObj:
		return "NEWOBJ"
	case CallNewObjEx:
		return "NEWOBJ_EX"
	case CallInst:
		return "INST"
	case CallObj:
		return "OBJ"
	case CallSetState:
		return "BUILD"
	case CallMethod:
		return "METHOD"
	}
	return "CALL?"
}

// Call is one call the real unpickler would make.
type Call struct {
	Kind   CallKind
	Offset int64
	Op     Opcode
	Stream int
	// Callee is what is called: usually a *Global; for CallSetState and
	// CallMethod it is the object whose method runs.
	Callee Value
	// Method names the method for CallSetState ("__setstate__") and
	// CallMethod ("extend", "append", "add", "__setitem__").
	Method string
	Args   Value // *Tuple normally; whatever the stream supplied otherwise
	Kwargs Value // NEWOBJ_EX only
}

// Target returns the import a call resolves to, following instances back
// to the class that made them, and whether it could be resolved.
func (c *Call) Target() (*Global, bool) {
	v := c.Callee
	for i := 0; i < 64; i++ {
		switch t := v.(type) {
		case *Global:
			return t, true
		case *Object:
			v = t.Call.Callee
		default:
			return nil, false
		}
	}
	return nil, false
}

// MutationKind says how an imported object is mutated.
type MutationKind uint8

// Kinds of mutation of imported objects.
const (
	MutateSetAttr MutationKind = iota + 1 // BUILD: setattr or __dict__ update
	MutateSetItem                         // SETITEM/SETITEMS
	MutateAppend                          // APPEND/APPENDS
	MutateAdd                             // ADDITEMS
)

// Mutation is a change the stream makes to an imported object (a module, a
// class, a function): never done by legitimate pickles, and the basis of
// several scanner bypasses (modelscan#85).
type Mutation struct {
	Kind   MutationKind
	Target *Global
	Key    Value // attribute name or item key; nil for appends
	Value  Value
	Offset int64
	Op     Opcode
	Stream int
}

// DynamicGlobal is a STACK_GLOBAL whose operands are not constants, so the
// import cannot be named statically.
type DynamicGlobal struct {
	Module, Name Value
	Offset       int64
	Stream       int
}

// PersistentLoad is one persistent_load request.
type PersistentLoad struct {
	PID    Value
	Offset int64
	Op     Opcode
	Stream int
}

// AnomalyKind classifies stream anomalies.
type AnomalyKind string

// Anomalies the machine records. None of these appear in pickles written by
// CPython's pickler.
const (
	AnomalyFrameStraddle    AnomalyKind = "frame-straddle"     // an opcode's bytes cross the end of a frame
	AnomalyFrameNested      AnomalyKind = "frame-nested"       // FRAME before the previous frame was consumed
	AnomalyProtoLate        AnomalyKind = "proto-not-first"    // PROTO after the first opcode
	AnomalyProtoOpcode      AnomalyKind = "opcode-above-proto" // opcode newer than the declared protocol
	AnomalyTrailingData     AnomalyKind = "trailing-data"      // bytes after the last STOP that are not a pickle
	AnomalyMultiplePickles  AnomalyKind = "multiple-pickles"   // more than one pickle in the stream
	AnomalyStackLeftover    AnomalyKind = "stack-leftover"     // items left on the stack at STOP
	AnomalyDialectDiffers   AnomalyKind = "dialect-differs"    // C and Python unpicklers would read different programs
	AnomalyStringDecode     AnomalyKind = "string-decode"      // STRING/BINSTRING bytes not ASCII
	AnomalyOutOfBandBuffer  AnomalyKind = "out-of-band-buffer" // NEXT_BUFFER used
	AnomalyJoblibFramedData AnomalyKind = "joblib-array-in-frame"
)

// Anomaly is something unusual about the stream itself.
type Anomaly struct {
	Kind   AnomalyKind
	Offset int64
	Detail string
	Stream int
}

// Trace is everything a run of the machine saw. Events are in stream order.
type Trace struct {
	Imports    []Import
	Calls      []*Call
	Mutations  []Mutation
	Dynamic    []DynamicGlobal
	Persistent []PersistentLoad
	Anomalies  []Anomaly
	Arrays     []*Array // joblib inline arrays skipped

	// Pickles counts the pickles that reached STOP.
	Pickles int
	// Results holds the value each completed pickle returned, in order.
	Results []Value
	// Ops counts the opcodes executed.
	Ops int64
	// End is the offset just after the last byte consumed.
	End int64
	// Err is why the run stopped early, or nil. Events before it are kept.
	Err error
}
