package pickle

import (
	"errors"
	"io"
)

// input gives position-based access to the stream through a small read
// cache. size is -1 when the stream length is not known (a decompressed
// stream behind a forward-only ReaderAt).
type input struct {
	r    io.ReaderAt
	size int64

	cache    []byte
	cacheOff int64
	cacheLen int
	eofAt    int64 // first offset known to be past the end; -1 if unknown
}

const cacheSize = 64 << 10

func newInput(r io.ReaderAt, size int64) *input {
	n := cacheSize
	if size >= 0 && size < cacheSize {
		n = int(size)
	}
	in := &input{r: r, size: size, cache: make([]byte, n), eofAt: -1}
	if size >= 0 {
		in.eofAt = size
	}
	return in
}

// errShort is returned when fewer bytes exist than were asked for.
var errShort = errors.New("short")

// fill loads the cache starting at off.
func (in *input) fill(off int64) error {
	n, err := in.r.ReadAt(in.cache, off)
	in.cacheOff, in.cacheLen = off, n
	if n < len(in.cache) {
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			in.eofAt = off + int64(n)
			return nil
		}
		return err
	}
	return nil
}

// peek returns up to n bytes at off without copying when they are cached.
// It returns fewer than n bytes only at the end of the stream.
func (in *input) peek(off int64, n int) ([]byte, error) {
	if off >= in.cacheOff && off+int64(n) <= in.cacheOff+int64(in.cacheLen) {
		s := off - in.cacheOff
		return in.cache[s : s+int64(n)], nil
	}
	if n > len(in.cache) {
		return in.readFresh(off, n)
	}
	if len(in.cache) == 0 {
		return nil, nil
	}
	if err := in.fill(off); err != nil {
		return nil, err
	}
	if n > in.cacheLen {
		n = in.cacheLen
	}
	return in.cache[:n], nil
}

// readFresh reads n bytes at off into a new slice; n is bounded by callers
// to Limits.MaxValueBytes or MaxFrame, never by a length from the input
// alone (they first check the bytes exist).
func (in *input) readFresh(off int64, n int) ([]byte, error) {
	if in.eofAt >= 0 && off+int64(n) > in.eofAt {
		n = int(max(0, in.eofAt-off))
	}
	if n <= len(in.cache) {
		// Small reads go through the cache: no system call per string.
		b, err := in.peek(off, n)
		if err != nil {
			return nil, err
		}
		return append([]byte(nil), b...), nil
	}
	buf := make([]byte, n)
	got, err := in.r.ReadAt(buf, off)
	if got < n {
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			in.eofAt = off + int64(got)
			return buf[:got], nil
		}
		return nil, err
	}
	return buf, nil
}

// has reports whether the n bytes at off all exist. For streams of unknown
// size it reads the last byte, which a forward-only reader allows.
func (in *input) has(off, n int64) (bool, error) {
	if n == 0 {
		return true, nil
	}
	end := off + n
	if end < off {
		return false, nil
	}
	if in.eofAt >= 0 {
		return end <= in.eofAt, nil
	}
	b, err := in.peek(end-1, 1)
	if err != nil {
		return false, err
	}
	return len(b) == 1, nil
}

// indexLine returns the offset of the first '\n' at or after off and before
// limit (exclusive; -1 for no limit), scanning at most maxLen bytes. found
// is false when the stream or the limit ends first; tooLong is set when
// maxLen bytes were scanned without a newline.
func (in *input) indexLine(off, limit int64, maxLen int) (nl int64, found, tooLong bool, err error) {
	pos := off
	for {
		if limit >= 0 && pos >= limit {
			return 0, false, false, nil
		}
		if pos-off >= int64(maxLen) {
			return 0, false, true, nil
		}
		chunk := max(1, len(in.cache))
		b, err := in.peek(pos, chunk)
		if err != nil {
			return 0, false, false, err
		}
		if len(b) == 0 {
			return 0, false, false, nil
		}
		if limit >= 0 && pos+int64(len(b)) > limit {
			b = b[:limit-pos]
		}
		for i, c := range b {
			if c == '\n' {
				return pos + int64(i), true, false, nil
			}
		}
		pos += int64(len(b))
	}
}
