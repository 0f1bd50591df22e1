// Package pickle reads Python pickle streams and runs them on a symbolic
// machine that mirrors CPython's unpickler without executing anything.
//
// The machine reports every import the real unpickler would request through
// find_class, every call it would make (REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ
// and BUILD on objects that may define __setstate__), every mutation of an
// imported object, and every anomaly of the stream itself. Values are kept
// symbolically and folded to constants where the stream makes them constant,
// so that a report can say os.system('curl ...') rather than "REDUCE at 42".
//
// The package matches CPython's C unpickler (Modules/_pickle.c), including
// its quirks: PROTO anywhere, opcodes above the declared protocol, lenient
// framing whose reads may skip buffered bytes when the input is a file,
// trailing bytes after STOP and several pickles back to back. A second
// dialect follows the pure-Python unpickler (Lib/pickle.py), which joblib
// uses, with strict framing and joblib's inline NumPy arrays.
//
// Every resource is bounded by Limits. No allocation is sized by a length read
// from the input beyond the bytes that remain, and every run ends with either
// a complete Trace or a Trace plus an error saying where and why it stopped;
// the events seen before the error are kept, because CPython executes opcodes
// one by one and a call made before a parse error has already happened.
//
// This package imports no other modelgate package.
package pickle
