package compress

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/adler32"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/flate"
)

// inflater decodes one raw deflate stream from the Reader's buffered input,
// reusing one flate decompressor across members. Because *bufio.Reader is
// a flate.Reader, the decompressor consumes exactly the deflate data and
// leaves the trailer in the buffer.
type inflater struct {
	fl io.ReadCloser
}

// start begins a deflate stream at the current input position.
func (f *inflater) start(br *bufio.Reader) error {
	if f.fl == nil {
		f.fl = flate.NewReader(br)
		return nil
	}
	return f.fl.(flate.Resetter).Reset(br, nil)
}

// close releases the decompressor.
func (f *inflater) close() {
	if f.fl != nil {
		f.fl.Close()
	}
}

// checkedMember reads a deflate body, hashing the output, and calls trailer
// at the end of the body to verify the checksum and lengths.
type checkedMember struct {
	body    io.Reader
	sum     hash.Hash32
	size    int64
	trailer func(sum uint32, size int64) error
}

// Read reads the body and runs the trailer check at its end.
func (m *checkedMember) Read(p []byte) (int, error) {
	n, err := m.body.Read(p)
	m.sum.Write(p[:n])
	m.size += int64(n)
	if err == io.EOF {
		if terr := m.trailer(m.sum.Sum32(), m.size); terr != nil {
			return n, terr
		}
	}
	return n, err
}

// zlibDecoder decodes concatenated zlib streams.
type zlibDecoder struct {
	inflater
}

// next starts the next zlib stream. After the first, a stream must follow
// immediately; anything that is not a zlib header is ErrTrailingData.
func (d *zlibDecoder) next(r *Reader, first bool) (io.Reader, error) {
	if !first {
		h, err := r.peek(2)
		if err != nil {
			return nil, err
		}
		if len(h) == 0 {
			return nil, nil
		}
		if !zlibHeaderOK(h) {
			return nil, r.trailingError()
		}
	}
	return d.begin(r)
}

// begin reads a zlib header and returns the stream's reader.
func (d *zlibDecoder) begin(r *Reader) (io.Reader, error) {
	var h [2]byte
	if err := r.readFull(h[:]); err != nil {
		return nil, err
	}
	if !zlibHeaderOK(h[:]) {
		return nil, fmt.Errorf("zlib: invalid header % x (want method 8, window <= 32 KiB, CMF*256+FLG divisible by 31)", h[:])
	}
	if h[1]&0x20 != 0 {
		return nil, fmt.Errorf("%w: zlib stream needs a preset dictionary", ErrUnsupported)
	}
	if err := d.start(r.br); err != nil {
		return nil, err
	}
	return &checkedMember{body: d.fl, sum: adler32.New(), trailer: func(sum uint32, _ int64) error {
		var t [4]byte
		if err := r.readFull(t[:]); err != nil {
			return err
		}
		if got := binary.BigEndian.Uint32(t[:]); got != sum {
			return fmt.Errorf("zlib: Adler-32 mismatch: stream says %08x, data hashes to %08x", got, sum)
		}
		return nil
	}}, nil
}

// finish ends a clean zlib file.
func (d *zlibDecoder) finish(*Reader) error { return io.EOF }

// gzipDecoder decodes gzip members like CPython's gzip module: members one
// after another, zero bytes between or after members skipped, anything
// else after a member is an error.
type gzipDecoder struct {
	inflater
}

// gzip header flags (RFC 1952).
const (
	gzFHCRC    = 1 << 1
	gzFEXTRA   = 1 << 2
	gzFNAME    = 1 << 3
	gzFCOMMENT = 1 << 4
)

// next skips zero padding and starts the next member.
func (d *gzipDecoder) next(r *Reader, first bool) (io.Reader, error) {
	if !first {
		if err := skipZeros(r); err != nil {
			return nil, err
		}
		h, err := r.peek(2)
		if err != nil {
			return nil, err
		}
		if len(h) == 0 {
			return nil, nil
		}
		if len(h) < 2 || h[0] != 0x1F || h[1] != 0x8B {
			return nil, r.trailingError()
		}
	}
	if err := readGzipHeader(r); err != nil {
		return nil, err
	}
	if err := d.start(r.br); err != nil {
		return nil, err
	}
	return &checkedMember{body: d.fl, sum: crc32.NewIEEE(), trailer: func(sum uint32, size int64) error {
		var t [8]byte
		if err := r.readFull(t[:]); err != nil {
			return err
		}
		if got := binary.LittleEndian.Uint32(t[:4]); got != sum {
			return fmt.Errorf("gzip: CRC-32 mismatch: member says %08x, data hashes to %08x", got, sum)
		}
		if got := binary.LittleEndian.Uint32(t[4:]); got != uint32(size) {
			return fmt.Errorf("gzip: member says its size mod 2^32 is %d, decoded %d bytes", got, size)
		}
		return nil
	}}, nil
}

// finish ends a clean gzip file.
func (d *gzipDecoder) finish(*Reader) error { return io.EOF }

// readGzipHeader parses a member header the way CPython does: magic and
// method 8 are checked; reserved flags and the header CRC are not; the
// extra field, name and comment are skipped as streams (any length).
func readGzipHeader(r *Reader) error {
	var h [10]byte
	if err := r.readFull(h[:]); err != nil {
		return err
	}
	if h[0] != 0x1F || h[1] != 0x8B {
		return fmt.Errorf("gzip: bad magic % x", h[:2])
	}
	if h[2] != 8 {
		return fmt.Errorf("gzip: unknown compression method %d", h[2])
	}
	flg := h[3]
	if flg&gzFEXTRA != 0 {
		var x [2]byte
		if err := r.readFull(x[:]); err != nil {
			return err
		}
		if err := r.discard(int64(binary.LittleEndian.Uint16(x[:]))); err != nil {
			return err
		}
	}
	for _, f := range []byte{gzFNAME, gzFCOMMENT} {
		if flg&f != 0 {
			if err := skipCString(r.br); err != nil {
				return err
			}
		}
	}
	if flg&gzFHCRC != 0 {
		return r.discard(2)
	}
	return nil
}

// skipCString discards bytes up to and including a NUL.
func skipCString(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice(0)
		if err == nil {
			return nil
		}
		if err != bufio.ErrBufferFull {
			return truncated(err)
		}
	}
}

// skipZeros discards zero bytes at the current position.
func skipZeros(r *Reader) error {
	for {
		b, err := r.peek(readBufSize)
		if err != nil {
			return err
		}
		n := 0
		for n < len(b) && b[n] == 0 {
			n++
		}
		if _, err := r.br.Discard(n); err != nil {
			return err
		}
		if n < len(b) || len(b) == 0 {
			return nil
		}
	}
}

// zfileDecoder decodes a joblib <= 0.9.3 Z-file.
type zfileDecoder struct {
	zlibDecoder
	declared int64
}

// zfileHeaderLen is "ZF" plus the 19-character length field.
const zfileHeaderLen = 2 + 19

// next parses the Z-file header and starts the single zlib stream. After it,
// joblib's zlib.decompress ignores any further bytes; they are reported by
// Trailing.
func (d *zfileDecoder) next(r *Reader, first bool) (io.Reader, error) {
	if !first {
		end, err := r.atEOF()
		if err == nil && !end {
			r.noteTrailing(r.InputOffset())
		}
		return nil, err
	}
	var h [zfileHeaderLen]byte
	if err := r.readFull(h[:]); err != nil {
		return nil, err
	}
	n, err := parseZFileHeader(h[:])
	if err != nil {
		return nil, err
	}
	d.declared = n
	// Writers of joblib <= 0.8.4 under Python 2 padded to 20 characters; a
	// zlib stream never starts with a space, so one space is skipped.
	if b, err := r.peek(1); err != nil {
		return nil, err
	} else if len(b) == 1 && b[0] == ' ' {
		r.br.Discard(1)
	}
	return d.begin(r)
}

// finish compares the output with the declared length, as joblib asserts.
func (d *zfileDecoder) finish(r *Reader) error {
	if r.out != d.declared {
		return fmt.Errorf("%w: Z-file header declares %d bytes, stream holds %d", ErrLengthMismatch, d.declared, r.out)
	}
	return io.EOF
}

// errZFileHeader is the cause of every header parse failure.
var errZFileHeader = errors.New("joblib Z-file: bad header")

// parseZFileHeader checks the "ZF" magic and parses the length field with
// Python's int(field, 16) rules, then rejects what zlib.decompress would:
// negative values and values beyond a Py_ssize_t.
func parseZFileHeader(h []byte) (int64, error) {
	if len(h) < zfileHeaderLen || h[0] != 'Z' || h[1] != 'F' {
		return 0, fmt.Errorf("%w: missing \"ZF\" magic", errZFileHeader)
	}
	field := h[2:zfileHeaderLen]
	v, neg, ok := parsePyHexInt(field)
	switch {
	case !ok:
		return 0, fmt.Errorf("%w: length field %q is not a Python hex integer", errZFileHeader, field)
	case neg && v != 0:
		return 0, fmt.Errorf("%w: negative length field %q", errZFileHeader, field)
	case v > 1<<63-1:
		return 0, fmt.Errorf("%w: length field %q exceeds a Py_ssize_t", errZFileHeader, field)
	}
	return int64(v), nil
}

// isZFileHeader is the Sniff rule for Z-files: a parsable header followed
// (after an optional space) by a zlib header.
func isZFileHeader(h []byte) bool {
	if len(h) < zfileHeaderLen {
		return false
	}
	if _, err := parseZFileHeader(h); err != nil {
		return false
	}
	rest := h[zfileHeaderLen:]
	if len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	return zlibHeaderOK(rest)
}

// parsePyHexInt parses s like Python's int(s, 16): surrounding ASCII
// whitespace, an optional sign, an optional 0x/0X prefix (which may be
// followed by one underscore), and hex digits with single underscores
// between them. Values above 2^64-1 saturate.
func parsePyHexInt(s []byte) (v uint64, neg, ok bool) {
	s = trimPySpace(s)
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
		if len(s) > 0 && s[0] == '_' {
			s = s[1:]
		}
	}
	if len(s) == 0 {
		return 0, false, false
	}
	prevUnderscore := false
	for i, c := range s {
		if c == '_' {
			if prevUnderscore || i == 0 || i == len(s)-1 {
				return 0, false, false
			}
			prevUnderscore = true
			continue
		}
		prevUnderscore = false
		d, good := hexDigit(c)
		if !good {
			return 0, false, false
		}
		if v > (^uint64(0)-uint64(d))/16 {
			v = ^uint64(0)
		} else {
			v = v*16 + uint64(d)
		}
	}
	return v, neg, true
}

// hexDigit returns the value of an ASCII hex digit.
func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// trimPySpace strips the bytes Python's int() treats as whitespace.
func trimPySpace(s []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || ('\t' <= c && c <= '\r') }
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
