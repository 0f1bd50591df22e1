package numpy

import (
	"errors"
	"fmt"
	"io"
)

// Sentinel errors. ReadHeader wraps them in a *FormatError that says where
// the problem is; callers branch on them with errors.Is.
var (
	// ErrNotNPY means the input does not start with Magic. numpy.load
	// would not read it as an .npy file (it tries zip, then pickle).
	ErrNotNPY = errors.New("numpy: not an .npy file")
	// ErrInvalid means numpy.load (numpy 1.24) rejects the file: a bad
	// version, a header that is not the literal dict numpy wants, a dtype
	// or shape numpy refuses, or a data section shorter than the header
	// declares. Truncated input also matches io.ErrUnexpectedEOF.
	ErrInvalid = errors.New("numpy: numpy.load rejects the file")
	// ErrUnsupported means the header uses a construct that numpy.load may
	// accept but this package does not model (for example a comma-separated
	// dtype string or a \N{...} escape). The file cannot be judged, so it
	// must not be reported clean.
	ErrUnsupported = errors.New("numpy: header construct not modelled")
	// ErrHeaderTooLarge means the header length exceeds Limits.MaxHeader.
	ErrHeaderTooLarge = errors.New("numpy: header exceeds Limits.MaxHeader")
)

// Field names used in FormatError.Field.
const (
	FieldMagic     = "magic"
	FieldVersion   = "version"
	FieldHeaderLen = "header_len"
	FieldHeader    = "header"
	FieldDescr     = "descr"
	FieldFortran   = "fortran_order"
	FieldShape     = "shape"
	FieldData      = "data"
)

// FormatError reports where and why an .npy file deviates from what
// numpy.load accepts, or where this package gave up. Err wraps exactly one
// of ErrNotNPY, ErrInvalid, ErrUnsupported and ErrHeaderTooLarge.
type FormatError struct {
	// Offset is the byte offset in the file of the offending byte or of
	// the start of the offending header value.
	Offset int64
	// Field names the part of the file: one of the Field constants.
	Field string
	// Err says what is wrong.
	Err error
}

// Error describes the field, the offset and the reason.
func (e *FormatError) Error() string {
	return fmt.Sprintf("numpy: %s at offset %d: %v", e.Field, e.Offset, e.Err)
}

// Unwrap returns the reason, which wraps one of the sentinel errors.
func (e *FormatError) Unwrap() error { return e.Err }

// reason is the Err of a FormatError: a message and the sentinel it
// belongs to. Truncation also unwraps to io.ErrUnexpectedEOF.
type reason struct {
	kind      error
	msg       string
	truncated bool
}

func (r *reason) Error() string {
	switch r.kind {
	case ErrUnsupported:
		return r.msg + " (numpy.load may accept this; modelgate does not model it)"
	case ErrInvalid:
		return r.msg + " (numpy.load rejects this)"
	}
	return r.msg
}

func (r *reason) Unwrap() []error {
	if r.truncated {
		return []error{r.kind, io.ErrUnexpectedEOF}
	}
	return []error{r.kind}
}

func invalidf(format string, args ...any) *reason {
	return &reason{kind: ErrInvalid, msg: fmt.Sprintf(format, args...)}
}

func unsupportedf(format string, args ...any) *reason {
	return &reason{kind: ErrUnsupported, msg: fmt.Sprintf(format, args...)}
}

func truncatedf(format string, args ...any) *reason {
	return &reason{kind: ErrInvalid, msg: fmt.Sprintf(format, args...), truncated: true}
}

// posError is a reason found at a byte position inside the header text.
type posError struct {
	pos int
	r   *reason
}

func (e *posError) Error() string { return fmt.Sprintf("header byte %d: %v", e.pos, e.r) }

func errAt(pos int, r *reason) *posError { return &posError{pos: pos, r: r} }
