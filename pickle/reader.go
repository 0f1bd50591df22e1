package pickle

import (
	"encoding/binary"
	"fmt"
	"math"
)

// reader reproduces how the victim unpickler pulls bytes from its input.
//
// DialectC without FileInput reads one buffer linearly, as pickle.loads
// does. DialectC with FileInput keeps a window of buffered bytes, as
// _pickle.c does when it reads a file object without peek: FRAME loads the
// whole frame into the window and rewinds, and a later read that does not
// fit in what remains of the window discards the rest of it and reads fresh
// bytes from the file (the frame-straddle differential, CPython gh-154848).
// DialectPython follows pickle.py's _Unframer: a frame is read into memory,
// a read may not cross its end, and reads outside frames go to the file.
type reader struct {
	in      *input
	lim     *Limits
	dialect Dialect
	file    bool

	pos    int64 // C: cursor; Python: file position
	winEnd int64 // C file mode: end of the buffered window

	frameEnd int64 // C: end of the last frame, for anomaly reporting; -1 if none

	// Python dialect frame.
	inFrame  bool
	frame    []byte
	fpos     int
	frameOff int64

	straddled bool // an opcode's bytes crossed a frame end
	anomalies func(kind AnomalyKind, off int64, detail string)
}

func newReader(in *input, lim *Limits, opts Options, start int64) *reader {
	return &reader{in: in, lim: lim, dialect: opts.Dialect, file: opts.FileInput,
		pos: start, winEnd: start, frameEnd: -1}
}

// offset is the stream offset of the next byte the unpickler will read.
func (r *reader) offset() int64 {
	if r.dialect == DialectPython && r.inFrame && r.fpos < len(r.frame) {
		return r.frameOff + int64(r.fpos)
	}
	return r.pos
}

// resume returns where the file position is after a pickle ends: the
// victim's next load() starts there.
func (r *reader) resume() int64 {
	if r.dialect == DialectPython {
		// A new Unpickler starts at the file position: the rest of a
		// buffered frame is gone with the old one.
		return r.pos
	}
	if r.file && r.winEnd > r.pos {
		return r.winEnd
	}
	return r.pos
}

func (r *reader) truncated(what string) error {
	return fmt.Errorf("%w: pickle data was truncated (%s)", ErrTruncated, what)
}

// cSkipWindow applies the file-mode rule before a read of n bytes: if the
// window holds some but not all of them, the rest of the window is lost.
func (r *reader) cSkipWindow(n int64) {
	if r.file {
		if r.pos < r.winEnd && r.pos+n > r.winEnd {
			r.straddled = true
			r.anomalies(AnomalyFrameStraddle, r.pos, fmt.Sprintf("read of %d bytes crosses the frame end at %d; a file reader skips %d buffered bytes", n, r.winEnd, r.winEnd-r.pos))
			r.pos = r.winEnd
		}
		return
	}
	if r.frameEnd >= 0 && r.pos < r.frameEnd && r.pos+n > r.frameEnd {
		r.straddled = true
		r.anomalies(AnomalyFrameStraddle, r.pos, fmt.Sprintf("read of %d bytes crosses the frame end at %d", n, r.frameEnd))
	}
}

func (r *reader) cAdvance(n int64) {
	r.pos += n
	if r.file && r.pos > r.winEnd {
		r.winEnd = r.pos
	}
}

// read returns exactly n bytes (n is small: an opcode byte or a fixed-size
// argument).
func (r *reader) read(n int) ([]byte, error) {
	if r.dialect == DialectPython {
		if r.inFrame {
			avail := len(r.frame) - r.fpos
			if avail == 0 && n != 0 {
				r.inFrame = false
			} else if avail < n {
				r.straddled = true
				return nil, fmt.Errorf("%w: pickle exhausted before end of frame", ErrInvalid)
			} else {
				b := r.frame[r.fpos : r.fpos+n]
				r.fpos += n
				return b, nil
			}
		}
		b, err := r.in.peek(r.pos, n)
		if err != nil {
			return nil, err
		}
		if len(b) < n {
			return nil, r.truncated(fmt.Sprintf("need %d bytes at offset %d", n, r.pos))
		}
		r.pos += int64(n)
		return b, nil
	}
	r.cSkipWindow(int64(n))
	b, err := r.in.peek(r.pos, n)
	if err != nil {
		return nil, err
	}
	if len(b) < n {
		return nil, r.truncated(fmt.Sprintf("need %d bytes at offset %d", n, r.pos))
	}
	r.cAdvance(int64(n))
	return b, nil
}

// blob is a length-prefixed argument: the first bytes (up to
// Limits.MaxValueBytes) are kept, the rest is skipped but must exist.
type blob struct {
	off  int64 // stream offset of the first byte (outside a frame) or -1
	data []byte
	n    int64
	// in-frame blobs are fully in memory; others may be longer than data
}

// readBlob consumes n bytes of argument data. linear marks the bytes and
// bytearray opcodes, whose data _pickle.c reads with _Unpickler_ReadInto:
// it takes what the window holds and continues from the file, so those
// reads never skip buffered bytes.
func (r *reader) readBlob(n int64, linear bool) (blob, error) {
	if n < 0 {
		return blob{}, fmt.Errorf("%w: length %d exceeds the system's maximum size", ErrInvalid, n)
	}
	keep := min(n, r.lim.MaxValueBytes)
	if r.dialect == DialectPython && r.inFrame {
		avail := int64(len(r.frame) - r.fpos)
		if avail == 0 && n != 0 {
			r.inFrame = false
		} else if avail < n {
			r.straddled = true
			return blob{}, fmt.Errorf("%w: pickle exhausted before end of frame", ErrInvalid)
		} else {
			b := r.frame[r.fpos : r.fpos+int(n)]
			r.fpos += int(n)
			return blob{off: -1, data: b[:keep], n: n}, nil
		}
	}
	if r.dialect == DialectC && !linear {
		r.cSkipWindow(n)
	}
	ok, err := r.in.has(r.pos, n)
	if err != nil {
		return blob{}, err
	}
	if !ok {
		return blob{}, r.truncated(fmt.Sprintf("%d bytes declared at offset %d, fewer remain", n, r.pos))
	}
	data, err := r.in.readFresh(r.pos, int(keep))
	if err != nil {
		return blob{}, err
	}
	b := blob{off: r.pos, data: data, n: n}
	if r.dialect == DialectC {
		r.cAdvance(n)
	} else {
		r.pos += n
	}
	return b, nil
}

// readLine returns one text-opcode line. For DialectC the line always ends
// in '\n' (or the read fails, as _pickle.c's readline does); for
// DialectPython a line at the end of the file may lack it, and pickle.py
// then drops its last real character.
func (r *reader) readLine() ([]byte, error) {
	if r.dialect == DialectPython {
		return r.pyLine()
	}
	if r.file && r.pos < r.winEnd {
		nl, found, tooLong, err := r.in.indexLine(r.pos, r.winEnd, r.lim.MaxLine)
		if err != nil {
			return nil, err
		}
		if tooLong {
			return nil, r.lineLimit()
		}
		if found {
			return r.takeLine(nl)
		}
		r.straddled = true
		r.anomalies(AnomalyFrameStraddle, r.pos, fmt.Sprintf("text line crosses the frame end at %d; a file reader skips %d buffered bytes", r.winEnd, r.winEnd-r.pos))
		r.pos = r.winEnd
	}
	nl, found, tooLong, err := r.in.indexLine(r.pos, -1, r.lim.MaxLine)
	if err != nil {
		return nil, err
	}
	if tooLong {
		return nil, r.lineLimit()
	}
	if !found {
		return nil, r.truncated("text line has no final newline")
	}
	if !r.file && r.frameEnd >= 0 && r.pos < r.frameEnd && nl >= r.frameEnd {
		r.straddled = true
		r.anomalies(AnomalyFrameStraddle, r.pos, fmt.Sprintf("text line crosses the frame end at %d", r.frameEnd))
	}
	return r.takeLine(nl)
}

func (r *reader) lineLimit() error {
	return fmt.Errorf("%w: text line longer than %d bytes (MaxLine)", ErrLimit, r.lim.MaxLine)
}

func (r *reader) takeLine(nl int64) ([]byte, error) {
	n := nl - r.pos + 1
	b, err := r.in.readFresh(r.pos, int(n))
	if err != nil {
		return nil, err
	}
	r.cAdvance(n)
	return b, nil
}

func (r *reader) pyLine() ([]byte, error) {
	if r.inFrame {
		if r.fpos == len(r.frame) {
			r.inFrame = false
		} else {
			rest := r.frame[r.fpos:]
			for i, c := range rest {
				if c == '\n' {
					r.fpos += i + 1
					return rest[:i+1], nil
				}
				if i >= r.lim.MaxLine {
					return nil, r.lineLimit()
				}
			}
			r.straddled = true
			return nil, fmt.Errorf("%w: pickle exhausted before end of frame", ErrInvalid)
		}
	}
	nl, found, tooLong, err := r.in.indexLine(r.pos, -1, r.lim.MaxLine)
	if err != nil {
		return nil, err
	}
	if tooLong {
		return nil, r.lineLimit()
	}
	if found {
		b, err := r.in.readFresh(r.pos, int(nl-r.pos+1))
		r.pos = nl + 1
		return b, err
	}
	// End of file without a newline: readline returns what is left.
	b, err := r.in.readFresh(r.pos, r.lim.MaxLine)
	r.pos += int64(len(b))
	return b, err
}

// frame handles the FRAME opcode's effect on reading, given its length.
func (r *reader) startFrame(n uint64, opOff int64) error {
	if n > math.MaxInt64 {
		return fmt.Errorf("%w: FRAME length exceeds system's maximum of %d bytes", ErrInvalid, int64(math.MaxInt64))
	}
	l := int64(n)
	if r.dialect == DialectPython {
		if r.inFrame && r.fpos < len(r.frame) {
			r.anomalies(AnomalyFrameNested, opOff, "FRAME before the end of the current frame")
			return fmt.Errorf("%w: beginning of a new frame before end of current frame", ErrInvalid)
		}
		if l > r.lim.MaxFrame {
			return fmt.Errorf("%w: frame of %d bytes exceeds MaxFrame (%d)", ErrLimit, l, r.lim.MaxFrame)
		}
		data, err := r.in.readFresh(r.pos, int(l))
		if err != nil {
			return err
		}
		r.frame, r.fpos, r.frameOff, r.inFrame = data, 0, r.pos, true
		r.pos += int64(len(data))
		return nil
	}
	if r.frameEnd >= 0 && r.pos < r.frameEnd {
		r.anomalies(AnomalyFrameNested, opOff, fmt.Sprintf("FRAME at %d inside the previous frame, which ends at %d", opOff, r.frameEnd))
	}
	if r.file {
		if r.pos+l <= r.winEnd {
			r.frameEnd = r.pos + l
			return nil
		}
		if r.pos < r.winEnd {
			r.straddled = true
			r.anomalies(AnomalyFrameStraddle, opOff, fmt.Sprintf("FRAME of %d bytes does not fit the buffered window; a file reader skips %d buffered bytes", l, r.winEnd-r.pos))
			r.pos = r.winEnd
		}
	}
	ok, err := r.in.has(r.pos, l)
	if err != nil {
		return err
	}
	if !ok {
		return r.truncated(fmt.Sprintf("FRAME declares %d bytes at offset %d, fewer remain", l, r.pos))
	}
	r.frameEnd = r.pos + l
	if r.file {
		r.winEnd = r.pos + l
	}
	return nil
}

// skipRaw consumes n raw bytes that are not pickle data (joblib's inline
// array bytes), from the file position: after the current frame, as
// joblib reads them through unpickler.file_handle.
func (r *reader) skipRaw(n int64) (int64, error) {
	off := r.pos
	if r.dialect == DialectC && r.file && r.winEnd > r.pos {
		off = r.winEnd
	}
	ok, err := r.in.has(off, n)
	if err != nil {
		return off, err
	}
	if !ok {
		return off, r.truncated(fmt.Sprintf("array data of %d bytes at offset %d, fewer remain", n, off))
	}
	if r.dialect == DialectC {
		if r.file && r.winEnd > r.pos {
			r.winEnd = off + n
			return off, nil
		}
		r.pos = off + n
		r.winEnd = max(r.winEnd, r.pos)
		return off, nil
	}
	r.pos = off + n
	return off, nil
}

// skipUpTo consumes up to n raw bytes from the file position, as a
// file.read(n) that may return fewer at the end, and returns them.
func (r *reader) skipUpTo(n int) []byte {
	b, err := r.in.peek(r.pos, n)
	if err != nil {
		return nil
	}
	out := append([]byte(nil), b...)
	r.pos += int64(len(out))
	return out
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
