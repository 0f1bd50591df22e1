package compress

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/ulikunitz/xz/lzma"
)

// lzmaFamilyDecoder decodes .xz and .lzma files the way joblib and
// lzma.open read them: lzma.LZMAFile with FORMAT_AUTO, which gives every
// stream after the first a fresh liblzma auto decoder. So after a stream of
// either kind, another xz stream or another LZMA-alone stream may follow
// (liblzma checks an alone header with its "picky" rules), and bytes that
// decoder rejects at once are ignored and reported by Trailing. xz stream
// padding is such bytes: CPython does not pass LZMA_CONCATENATED, so it
// stops at padding.
//
// liblzma >= 5.4 also auto-detects lzip streams; this package does not
// decode lzip, so one after a stream is an ErrUnsupported error rather
// than silently skipped content.
type lzmaFamilyDecoder struct {
	first Kind // XZ or LZMA
}

// lzipMagic starts an lzip member.
var lzipMagic = []byte("LZIP")

// next starts the next stream.
func (d *lzmaFamilyDecoder) next(r *Reader, first bool) (io.Reader, error) {
	h, err := r.peek(lzmaHeaderLen)
	if err != nil {
		return nil, err
	}
	switch {
	case first && d.first == XZ, !first && isXZHeader(h):
		return newXZStream(r)
	case first:
		return newLZMAStream(r, h)
	case len(h) == 0:
		return nil, nil
	case isPickyLZMAHeader(h):
		return newLZMAStream(r, h)
	case bytes.HasPrefix(h, lzipMagic):
		return nil, fmt.Errorf("%w: lzip stream after %d complete stream(s); CPython would decode it", ErrUnsupported, r.streams)
	}
	r.noteTrailing(r.InputOffset())
	return nil, nil
}

// finish ends a clean file.
func (d *lzmaFamilyDecoder) finish(*Reader) error { return io.EOF }

// close has nothing to release.
func (d *lzmaFamilyDecoder) close() {}

// isPickyLZMAHeader applies liblzma's checks for an LZMA-alone header found
// by format auto-detection: a valid properties byte, a dictionary of 2^n or
// 2^n+2^(n-1) bytes (or all ones), and a size that is unknown or below
// 256 GiB.
func isPickyLZMAHeader(h []byte) bool {
	if len(h) < lzmaHeaderLen || h[0] >= 9*5*5 {
		return false
	}
	dict := binary.LittleEndian.Uint32(h[1:5])
	size := binary.LittleEndian.Uint64(h[5:13])
	return pickyDict(dict) && (size == ^uint64(0) || size < 1<<38)
}

// pickyDict is liblzma's dictionary test: round d-1 up to the next value of
// the form 2^n or 2^n+2^(n-1) and compare.
func pickyDict(d uint32) bool {
	if d == math.MaxUint32 {
		return true
	}
	x := d - 1
	x |= x >> 2
	x |= x >> 3
	x |= x >> 4
	x |= x >> 8
	x |= x >> 16
	return x+1 == d
}

// newLZMAStream starts an LZMA-alone stream whose header h has been peeked.
func newLZMAStream(r *Reader, h []byte) (io.Reader, error) {
	if len(h) < lzmaHeaderLen {
		return nil, io.ErrUnexpectedEOF
	}
	// The decoder allocates min(dictionary, uncompressed size) bytes, both
	// taken from the header; bound that before it does.
	headerDict := int64(binary.LittleEndian.Uint32(h[1:5]))
	dict := headerDict
	if size := binary.LittleEndian.Uint64(h[5:13]); size != ^uint64(0) && size < uint64(dict) {
		dict = int64(size)
	}
	if err := r.reserveWindow(max(dict, lzma.MinDictCap)); err != nil {
		return nil, err
	}
	// In ulikunitz/xz >= 0.5.14 DictCap is an upper bound on the header's
	// dictionary, which may exceed MaxWindow when the declared size is
	// smaller; the allocation is the smaller value checked above.
	cfg := lzma.ReaderConfig{DictCap: int(min(max(headerDict, lzma.MinDictCap), math.MaxInt))}
	// *bufio.Reader is an io.ByteReader, so the range decoder consumes the
	// stream exactly and a following stream starts at the buffer position.
	zr, err := cfg.NewReader(r.br)
	if err != nil {
		return nil, err
	}
	return zr, nil
}
