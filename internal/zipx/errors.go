package zipx

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Callers branch on them with errors.Is; the errors this
// package returns wrap them in a *FormatError or *LimitError that carries
// the offset.
var (
	// ErrNotZip means no end of central directory record was found where
	// torch's reader looks for it (the last 64 KiB of the input).
	ErrNotZip = errors.New("zipx: not a zip archive: no end of central directory record")
	// ErrOutOfBounds means a field points outside the input.
	ErrOutOfBounds = errors.New("zipx: points outside the input")
	// ErrSignature means a record does not start with its signature.
	ErrSignature = errors.New("zipx: wrong record signature")
	// ErrLocalHeader means a record's local file header cannot be read, so
	// its data offset is unknown (torch fails on such a record too).
	ErrLocalHeader = errors.New("zipx: local file header unreadable")
	// ErrUnsupportedMethod is returned by Open for compression methods other
	// than 0 (stored) and 8 (deflate).
	ErrUnsupportedMethod = errors.New("zipx: unsupported compression method")
	// ErrSizeMismatch means a deflate stream inflated to a length other than
	// the declared UncompressedSize (torch fails on such a record).
	ErrSizeMismatch = errors.New("zipx: inflated length differs from the declared uncompressed size")
	// ErrCorrupt means a deflate stream is invalid.
	ErrCorrupt = errors.New("zipx: corrupt deflate data")
	// ErrLimit means a Limits value was exceeded. It is wrapped in a
	// *LimitError.
	ErrLimit = errors.New("zipx: limit exceeded")
)

// FormatError reports an archive whose structure cannot be read, naming the
// field and where it is. It unwraps to one of the sentinel errors above or
// to io.ErrUnexpectedEOF.
type FormatError struct {
	Offset int64  // byte offset of the field or record in the input
	Field  string // what was being read, e.g. "central directory offset"
	Err    error  // why it failed
}

// Error says what failed, where and why.
func (e *FormatError) Error() string {
	return fmt.Sprintf("zipx: %s at offset %d: %s", e.Field, e.Offset, strings.TrimPrefix(e.Err.Error(), "zipx: "))
}

// Unwrap returns the cause.
func (e *FormatError) Unwrap() error { return e.Err }

// Names of the Limits fields, used in LimitError.Limit.
const (
	LimitEntries    = "MaxEntries"
	LimitCentralDir = "MaxCentralDir"
	LimitInflate    = "MaxInflate"
)

// LimitError reports which limit stopped the reader and where. It unwraps
// to ErrLimit.
type LimitError struct {
	Limit  string // LimitEntries, LimitCentralDir or LimitInflate
	Max    int64  // the limit's value
	Offset int64  // offset of the record or data that hit the limit
	Entry  string // the entry being inflated, for LimitInflate
}

// Error names the limit, its value and the place.
func (e *LimitError) Error() string {
	switch e.Limit {
	case LimitInflate:
		return fmt.Sprintf("zipx: entry %q (data at offset %d) inflates beyond MaxInflate %d bytes; likely a decompression bomb",
			e.Entry, e.Offset, e.Max)
	case LimitEntries:
		return fmt.Sprintf("zipx: central directory at offset %d has more than MaxEntries %d records", e.Offset, e.Max)
	default:
		return fmt.Sprintf("zipx: central directory at offset %d is larger than MaxCentralDir %d bytes", e.Offset, e.Max)
	}
}

// Unwrap returns ErrLimit.
func (e *LimitError) Unwrap() error { return ErrLimit }
