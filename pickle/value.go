package pickle

import (
	"math/big"
)

// Value is a symbolic Python value on the machine's stack or in its memo.
//
// Constants (None, bool, int, float, str, bytes) and containers built from
// opcodes are represented exactly, up to the size limits in Limits. Anything
// produced by code the real unpickler would run (a call, a persistent load,
// an extension lookup) is an opaque node that remembers where it came from.
type Value interface {
	isValue()
}

// None is Python's None.
type None struct{}

// Bool is a Python bool.
type Bool bool

// Int is a Python int. Small values are held in Small; values that do not fit
// in an int64 are held in Big (which is then non-nil).
type Int struct {
	Small int64
	Big   *big.Int
}

// Float is a Python float.
type Float float64

// Str is a Python str. Truncated is set when the string was longer than
// Limits.MaxValueBytes and only a prefix is kept; Len is the full length in
// bytes of its encoded form.
type Str struct {
	S         string
	Len       int64
	Truncated bool
}

// Bytes is a Python bytes object (or bytearray when Mutable is set). Only a
// prefix is kept when Truncated is set; Len is the full length.
type Bytes struct {
	B         []byte
	Len       int64
	Truncated bool
	Mutable   bool
	// Offset is where the bytes start in the stream, or -1 when they were
	// read from a buffered frame or computed; with it a caller can read a
	// truncated value in full (to scan a nested pickle, for example).
	Offset int64
}

// Tuple is a Python tuple.
type Tuple struct {
	Items []Value
}

// List is a Python list. It is a pointer so that memo references and the
// stack share one object, as in CPython.
type List struct {
	Items []Value
}

// Dict is a Python dict, kept as ordered key/value pairs.
type Dict struct {
	Keys []Value
	Vals []Value
}

// Set is a Python set, or a frozenset when Frozen is set.
type Set struct {
	Items  []Value
	Frozen bool
}

// Global is the object find_class returned for Module and Name. Attrs holds
// attribute writes that BUILD made on the object later in the stream.
type Global struct {
	Module string
	Name   string
	Offset int64
	key    string // attribute path: module, then the name's traversal steps
}

// Object is the result of a call the unpickler would make: an instance made
// by REDUCE, NEWOBJ, NEWOBJ_EX, INST or OBJ. Call is the event that made it.
type Object struct {
	Call *Call
	// attrs is the instance dict BUILD gave the object (pure-Python
	// dialect, classes without __setstate__); state is the last BUILD
	// state. The joblib reader uses them for wrappers and dtypes.
	attrs map[string]Value
	state Value
}

// Persistent is the value persistent_load returned for PID.
type Persistent struct {
	PID    Value
	Offset int64
}

// Buffer is an out-of-band buffer (NEXT_BUFFER) or a read-only view of one.
type Buffer struct {
	Offset int64
}

// Array is a NumPy array read from joblib's inline data. The bytes themselves
// are skipped, never loaded.
type Array struct {
	Wrapper *Object
	Offset  int64 // offset of the first data byte
	Bytes   int64 // number of data bytes skipped
	Nested  bool  // object array stored as a nested pickle
}

func (None) isValue()        {}
func (Bool) isValue()        {}
func (Int) isValue()         {}
func (Float) isValue()       {}
func (Str) isValue()         {}
func (Bytes) isValue()       {}
func (*Tuple) isValue()      {}
func (*List) isValue()       {}
func (*Dict) isValue()       {}
func (*Set) isValue()        {}
func (*Global) isValue()     {}
func (*Object) isValue()     {}
func (*Persistent) isValue() {}
func (*Buffer) isValue()     {}
func (*Array) isValue()      {}
