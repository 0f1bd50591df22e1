package compress

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CountingReader counts the bytes read through it and remembers the first
// error from R other than io.EOF, so that callers can report compressed
// offsets and tell I/O failures from corrupt data.
type CountingReader struct {
	R   io.Reader
	N   int64 // bytes returned so far
	Err error // first non-EOF error returned by R
	EOF bool  // R has returned io.EOF
}

// Read reads from R and counts.
func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	switch {
	case err == io.EOF:
		c.EOF = true
	case err != nil && c.Err == nil:
		c.Err = err
	}
	return n, err
}

// readBufSize is the read-ahead buffer over the compressed input. It is
// also the largest amount by which the compressed bytes pulled from the
// caller's reader exceed InputOffset.
const readBufSize = 64 << 10

// Reader is the decompressed view of one compressed file. NewReader returns
// a *Reader; its methods beyond Read and Close tell where decoding is and
// what it found after the last stream.
//
// A Reader never allocates from a size field in the input: window and
// dictionary allocations are bounded by Limits.MaxWindow, header fields are
// read into fixed buffers, and skipped regions are discarded as a stream.
// It is not safe for concurrent use.
type Reader struct {
	kind Kind
	lim  Limits
	src  *CountingReader
	br   *bufio.Reader
	dec  decoder
	cur  io.Reader // member being decoded; nil between members

	begun     bool  // the first member has been started
	out       int64 // decompressed bytes delivered
	streams   int   // members completed
	trailing  int64 // offset of ignored trailing data, or -1
	allocated int64 // window bytes reserved so far
	pending   error // member error to report after delivering its bytes
	err       error // sticky
}

// decoder is the per-Kind part of a Reader.
type decoder interface {
	// next positions the Reader on the next member and returns a reader of
	// its decompressed bytes that returns io.EOF exactly at the member's
	// end, or nil when the input ends cleanly. first is true for the first
	// member.
	next(r *Reader, first bool) (io.Reader, error)
	// finish runs when the input ended cleanly; it returns io.EOF or an
	// error found only at the end (a length mismatch).
	finish(r *Reader) error
	// close releases decoder resources.
	close()
}

// NewReader returns a reader of the decompressed stream of kind k read from
// r, enforcing lim (zero fields take DefaultLimits values). The dynamic type
// of the result is always *Reader.
//
// Errors from Read are a *FormatError (corrupt or truncated data; truncation
// unwraps to io.ErrUnexpectedEOF), a *LimitError (unwraps to ErrBomb), or an
// error wrapping the I/O error from r. Read delivers every byte decoded
// before an error, so a caller scanning the output sees all of it. Read
// errors are sticky. Close releases decoder resources but does not close r.
//
// Concatenation, following what the loaders that open these files do:
// zlib and gzip members, bzip2 and xz and lzma streams, and lz4 and zstd
// frames are decoded one after another (skippable lz4/zstd frames are
// skipped; zero padding after gzip members is skipped; after an xz or lzma
// stream either kind may follow, as with lzma.LZMAFile). Bytes after the
// last member are an ErrTrailingData error for zlib, gzip and zstd, and are
// ignored but reported by Trailing for the other kinds, whose Python
// readers ignore them.
func NewReader(k Kind, r io.Reader, lim Limits) (io.ReadCloser, error) {
	if !k.valid() {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, string(k))
	}
	src := &CountingReader{R: r}
	zr := &Reader{
		kind:     k,
		lim:      lim.withDefaults(),
		src:      src,
		br:       bufio.NewReaderSize(src, readBufSize),
		trailing: -1,
	}
	zr.dec = newDecoder(k)
	return zr, nil
}

// newDecoder returns the decoder for a valid Kind.
func newDecoder(k Kind) decoder {
	switch k {
	case Zlib:
		return &zlibDecoder{}
	case Gzip:
		return &gzipDecoder{}
	case JoblibZFile:
		return &zfileDecoder{}
	case Bzip2:
		return &bzip2Decoder{}
	case XZ, LZMA:
		return &lzmaFamilyDecoder{first: k}
	case LZ4:
		return &lz4Decoder{}
	default:
		return &zstdDecoder{}
	}
}

// Kind returns the kind being decoded.
func (r *Reader) Kind() Kind { return r.kind }

// InputOffset returns the number of compressed bytes consumed by the
// decoders so far (bytes read ahead from the source but not yet decoded are
// not counted).
func (r *Reader) InputOffset() int64 { return r.src.N - int64(r.br.Buffered()) }

// Output returns the number of decompressed bytes delivered so far.
func (r *Reader) Output() int64 { return r.out }

// Streams returns the number of complete members (zlib streams, gzip
// members, xz or lzma streams, lz4 or zstd frames) decoded so far. A bzip2
// file counts as one member however many streams it concatenates.
//
// joblib 1.2.0 (and joblib main as of 2026) cannot read past the first zlib
// or gzip member: its BinaryZlibFile feeds unused_data back into the
// finished decompressor until MemoryError. Streams() > 1 on such a file
// means the victim decodes only a prefix of what this Reader delivers.
func (r *Reader) Streams() int { return r.streams }

// Trailing returns the compressed offset at which ignored trailing data
// starts, once decoding has reached it. Such bytes are invisible to the
// decompressing loader but are still part of the file: a file that is both
// a bzip2 stream and, through its trailing bytes, a pickle is possible, so
// callers should report trailing data and scan the raw file as well.
func (r *Reader) Trailing() (offset int64, ok bool) {
	return r.trailing, r.trailing >= 0
}

// Close releases decoder resources. It does not close the source reader.
func (r *Reader) Close() error {
	if r.dec != nil {
		r.dec.close()
		r.dec = nil
	}
	if r.err == nil || r.err == io.EOF {
		r.err = ErrClosed
	}
	return nil
}

// Read reads decompressed bytes, enforcing the limits.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.lim.MaxOutput >= 0 {
		// Ask for one byte more than allowed so a stream that ends exactly
		// at the limit is not mistaken for one that exceeds it.
		if allowed := r.lim.MaxOutput - r.out; int64(len(p)) > allowed+1 {
			p = p[:allowed+1]
		}
	}
	n, err := r.read(p)
	if r.lim.MaxOutput >= 0 && r.out+int64(n) > r.lim.MaxOutput {
		n = int(r.lim.MaxOutput - r.out)
		r.out += int64(n)
		err = r.limitError(LimitOutput, float64(r.lim.MaxOutput), 0)
	} else {
		r.out += int64(n)
	}
	if err == nil && r.lim.ratioExceeded(r.out, r.InputOffset()) {
		err = r.limitError(LimitRatio, r.lim.MaxRatio, 0)
	}
	if err != nil {
		r.err = err
	}
	return n, err
}

// maxIdleReads bounds consecutive (0, nil) results from one member.
const maxIdleReads = 100

// read fills p from the current member, moving to the next member at the
// end of each one.
func (r *Reader) read(p []byte) (int, error) {
	if err := r.pending; err != nil {
		r.pending = nil
		return 0, r.fail(err)
	}
	idle := 0
	for {
		if r.cur == nil {
			m, err := r.nextMember()
			if err != nil {
				return 0, err
			}
			if m == nil {
				return 0, r.finish()
			}
			r.cur, idle = m, 0
		}
		n, err := r.readMember(p)
		switch {
		case err == io.EOF:
			r.cur = nil
			r.streams++
			if n > 0 {
				return n, nil
			}
		case err != nil && n > 0:
			// Deliver the bytes now and the error on the next call, so the
			// error's Output counts them.
			r.pending = err
			return n, nil
		case err != nil:
			return 0, r.fail(err)
		case n > 0:
			return n, nil
		default:
			if idle++; idle > maxIdleReads {
				return 0, r.fail(io.ErrNoProgress)
			}
		}
	}
}

// nextMember asks the decoder for the next member, typing its errors.
func (r *Reader) nextMember() (m io.Reader, err error) {
	defer r.recoverDecoder(&err)
	first := !r.begun
	r.begun = true
	m, err = r.dec.next(r, first)
	if err != nil {
		return nil, r.fail(err)
	}
	return m, nil
}

// readMember reads from the current member, turning a decoder panic into
// an error: the third-party decoders see hostile input.
func (r *Reader) readMember(p []byte) (n int, err error) {
	defer r.recoverDecoder(&err)
	return r.cur.Read(p)
}

// finish runs the decoder's end-of-input check.
func (r *Reader) finish() error {
	if err := r.dec.finish(r); err != io.EOF {
		return r.fail(err)
	}
	return io.EOF
}

// recoverDecoder converts a panic into a *FormatError.
func (r *Reader) recoverDecoder(err *error) {
	if v := recover(); v != nil {
		*err = &FormatError{Kind: r.kind, Offset: r.InputOffset(), Output: r.out,
			Err: fmt.Errorf("decoder panicked: %v", v)}
	}
}

// fail types err: limit and format errors pass through, failures of the
// source reader are reported as I/O errors, everything else becomes a
// *FormatError at the current offset.
func (r *Reader) fail(err error) error {
	var le *LimitError
	var fe *FormatError
	if errors.As(err, &le) || errors.As(err, &fe) {
		return err
	}
	if r.src.Err != nil {
		return fmt.Errorf("compress: %s: reading compressed input at offset %d: %w", r.kind, r.src.N, r.src.Err)
	}
	if r.isTruncation(err) {
		err = truncated(err)
	}
	return &FormatError{Kind: r.kind, Offset: r.InputOffset(), Output: r.out, Err: err}
}

// isTruncation reports whether err means the input ended too early.
// Decoders spell that differently ("lzma: unexpected EOF"), so once the
// source is exhausted any EOF-flavoured error counts.
func (r *Reader) isTruncation(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		return true
	}
	drained := r.src.EOF && r.br.Buffered() == 0
	return drained && strings.Contains(err.Error(), "EOF")
}

// formatError builds a *FormatError at the current offset.
func (r *Reader) formatError(err error) *FormatError {
	return &FormatError{Kind: r.kind, Offset: r.InputOffset(), Output: r.out, Err: err}
}

// limitError builds a *LimitError at the current position.
func (r *Reader) limitError(limit string, maxVal float64, window int64) *LimitError {
	return &LimitError{Kind: r.kind, Limit: limit, Max: maxVal,
		Output: r.out, Input: r.InputOffset(), Window: window}
}

// reserveWindow accounts for a decoder window of n bytes about to be
// allocated. A single window may not exceed MaxWindow, and the sum over the
// file may not exceed 4*MaxWindow plus 8 bytes per byte of output, so that
// a file of many tiny blocks cannot make the decoder allocate and clear a
// large dictionary over and over.
func (r *Reader) reserveWindow(n int64) error {
	if n > r.lim.MaxWindow {
		return r.limitError(LimitWindow, float64(r.lim.MaxWindow), n)
	}
	budget := 4*r.lim.MaxWindow + 8*r.out
	if r.allocated+n > budget {
		return r.limitError(LimitWindow, float64(budget), r.allocated+n)
	}
	r.allocated += n
	return nil
}

// peek returns up to n upcoming bytes without consuming them. Fewer bytes
// mean the input ends; an I/O error from the source is returned.
func (r *Reader) peek(n int) ([]byte, error) {
	b, err := r.br.Peek(n)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return b, err
	}
	return b, nil
}

// atEOF reports whether the input has no more bytes.
func (r *Reader) atEOF() (bool, error) {
	b, err := r.peek(1)
	return len(b) == 0, err
}

// noteTrailing records ignored trailing data at the current offset.
func (r *Reader) noteTrailing(off int64) {
	if r.trailing < 0 {
		r.trailing = off
	}
}

// trailingError reports bytes after the last member that the victim
// loader would reject.
func (r *Reader) trailingError() error {
	b, _ := r.peek(8)
	return r.formatError(fmt.Errorf("%w (% x...) after %d complete stream(s)", ErrTrailingData, b, r.streams))
}

// readFull reads exactly len(p) bytes of structure, reporting a short read
// as truncation.
func (r *Reader) readFull(p []byte) error {
	if _, err := io.ReadFull(r.br, p); err != nil {
		return truncated(err)
	}
	return nil
}

// discard skips n bytes of input without buffering them.
func (r *Reader) discard(n int64) error {
	got, err := io.CopyN(io.Discard, r.br, n)
	if got < n {
		return truncated(err)
	}
	return nil
}
