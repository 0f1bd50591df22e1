package compress

import (
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
)

// bzip2Decoder decodes a bzip2 file with the standard library, which
// handles concatenated streams itself. Go's reader rejects any bytes after
// a stream that do not start with "BZ"; CPython's BZ2File ignores them, so
// that one error is turned into a clean end plus a Trailing report.
//
// Divergences from CPython, both failing closed: randomized blocks (written
// only by bzip2 < 0.9.5) are unsupported, and trailing data that starts with
// "BZ" but is not a valid stream is an error where CPython may ignore it.
type bzip2Decoder struct{}

// Messages of the compress/bzip2 errors that need special handling.
const (
	bz2ContinuationMsg = "bad magic value in continuation file"
	bz2RandomizedMsg   = "deprecated randomized files"
)

// next returns the whole file as one member.
func (d *bzip2Decoder) next(r *Reader, first bool) (io.Reader, error) {
	if !first {
		return nil, nil
	}
	// *bufio.Reader is an io.ByteReader, so the decoder reads exactly the
	// bytes it needs and InputOffset stays accurate.
	return &bzip2Member{r: r, z: bzip2.NewReader(r.br)}, nil
}

// finish ends a clean bzip2 file.
func (d *bzip2Decoder) finish(*Reader) error { return io.EOF }

// close has nothing to release.
func (d *bzip2Decoder) close() {}

// bzip2Member maps the standard library's errors.
type bzip2Member struct {
	r *Reader
	z io.Reader
}

// Read reads decompressed bytes.
func (m *bzip2Member) Read(p []byte) (int, error) {
	n, err := m.z.Read(p)
	var se bzip2.StructuralError
	if err == nil || !errors.As(err, &se) {
		return n, err
	}
	switch string(se) {
	case bz2ContinuationMsg:
		// The decoder has consumed the two bytes it compared with "BZ".
		m.r.noteTrailing(m.r.InputOffset() - 2)
		return n, io.EOF
	case bz2RandomizedMsg:
		return n, fmt.Errorf("%w: randomized bzip2 block (%v)", ErrUnsupported, err)
	}
	return n, err
}
