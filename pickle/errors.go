package pickle

import (
	"errors"
	"fmt"
)

// Sentinel errors callers can branch on with errors.Is.
var (
	// ErrTruncated means the stream ended inside an opcode or before STOP.
	ErrTruncated = errors.New("pickle: data truncated")
	// ErrLimit means a Limits bound was reached; the run is incomplete.
	ErrLimit = errors.New("pickle: limit exceeded")
	// ErrInvalid means the bytes are not a pickle CPython would accept.
	ErrInvalid = errors.New("pickle: invalid stream")
)

// FormatError says where and why a stream stopped: the offset and opcode
// of the failing instruction and what went wrong.
type FormatError struct {
	Offset int64  // offset of the opcode byte
	Op     Opcode // the opcode being executed (0 if none was read)
	Msg    string // what went wrong, in CPython's words where it has them
	Err    error  // ErrTruncated, ErrLimit or ErrInvalid
}

// Error implements error.
func (e *FormatError) Error() string {
	if e.Op == 0 && e.Msg == "" {
		return fmt.Sprintf("offset %d: %v", e.Offset, e.Err)
	}
	op := e.Op.String()
	if e.Op == 0 {
		op = "start"
	}
	return fmt.Sprintf("offset %d (%s): %s", e.Offset, op, e.Msg)
}

// Unwrap returns the sentinel.
func (e *FormatError) Unwrap() error { return e.Err }
