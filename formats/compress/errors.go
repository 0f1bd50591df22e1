package compress

import (
	"errors"
	"fmt"
	"io"
)

// Sentinel errors. Callers branch on them with errors.Is; the errors this
// package returns wrap them in a *LimitError or *FormatError that carries
// the kind and the offsets.
var (
	// ErrBomb means a Limits value was exceeded. It is wrapped in a
	// *LimitError.
	ErrBomb = errors.New("compress: decompression limit exceeded")
	// ErrTrailingData means bytes follow the last complete stream where the
	// victim loader would fail on them (zlib, gzip, zstd). Kinds whose
	// loaders ignore trailing bytes report them through Reader.Trailing
	// instead.
	ErrTrailingData = errors.New("compress: unexpected data after the end of the compressed stream")
	// ErrLengthMismatch means a Z-file's declared length does not match its
	// decompressed size (joblib asserts on it).
	ErrLengthMismatch = errors.New("compress: decompressed size differs from the declared length")
	// ErrUnsupported means the stream uses a valid feature this package does
	// not decode (a zlib preset dictionary, an xz filter other than LZMA2,
	// a randomized bzip2 block).
	ErrUnsupported = errors.New("compress: unsupported feature")
	// ErrUnknownKind is returned by NewReader for a Kind it does not know.
	ErrUnknownKind = errors.New("compress: unknown kind")
	// ErrClosed is returned by Read after Close.
	ErrClosed = errors.New("compress: read after Close")
)

// Names of the Limits fields, used in LimitError.Limit.
const (
	LimitOutput = "MaxOutput"
	LimitRatio  = "MaxRatio"
	LimitWindow = "MaxWindow"
)

// LimitError reports which limit stopped decompression and how far it got.
// It unwraps to ErrBomb.
type LimitError struct {
	Kind  Kind
	Limit string  // LimitOutput, LimitRatio or LimitWindow
	Max   float64 // the limit's value: bytes, or the ratio for LimitRatio
	// Output and Input are the decompressed bytes delivered and the
	// compressed bytes consumed when the limit was hit.
	Output, Input int64
	// Window is the window or dictionary size the stream asked for (for
	// LimitWindow), or the cumulative window allocations when that budget
	// ran out.
	Window int64
}

// Error describes the limit, its value and the progress made.
func (e *LimitError) Error() string {
	switch e.Limit {
	case LimitRatio:
		return fmt.Sprintf("compress: %s: decompression ratio %.0f:1 exceeds MaxRatio %.0f:1 (%d bytes out of %d compressed bytes); likely a decompression bomb",
			e.Kind, float64(e.Output)/float64(max(e.Input, 1)), e.Max, e.Output, e.Input)
	case LimitWindow:
		return fmt.Sprintf("compress: %s: window of %d bytes exceeds MaxWindow %.0f bytes at compressed offset %d",
			e.Kind, e.Window, e.Max, e.Input)
	default:
		return fmt.Sprintf("compress: %s: decompressed size exceeds MaxOutput %.0f bytes (from %d compressed bytes)",
			e.Kind, e.Max, e.Input)
	}
}

// Unwrap returns ErrBomb.
func (e *LimitError) Unwrap() error { return ErrBomb }

// FormatError reports corrupt, truncated or unsupported compressed data.
// Truncated input unwraps to io.ErrUnexpectedEOF.
type FormatError struct {
	Kind Kind
	// Offset is the compressed offset at which the problem was detected.
	// Decoders read whole headers and blocks before judging them, so the
	// corrupt byte is at or before Offset.
	Offset int64
	// Output is the number of decompressed bytes delivered before the error.
	Output int64
	Err    error
}

// Error says what failed and where.
func (e *FormatError) Error() string {
	what := "corrupt data"
	if errors.Is(e.Err, io.ErrUnexpectedEOF) {
		what = "truncated input"
	}
	return fmt.Sprintf("compress: %s: %s at compressed offset %d (after %d decompressed bytes): %v",
		e.Kind, what, e.Offset, e.Output, e.Err)
}

// Unwrap returns the underlying cause.
func (e *FormatError) Unwrap() error { return e.Err }

// truncated wraps a decoder error that was caused by running out of input
// so that it matches io.ErrUnexpectedEOF and still shows the decoder's text.
func truncated(err error) error {
	if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
		return io.ErrUnexpectedEOF
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	return fmt.Errorf("%w (%w)", io.ErrUnexpectedEOF, err)
}
