package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// LZ4 and Zstandard files are sequences of frames, possibly with skippable
// frames between them. A frameSplitter walks the framing (headers and block
// lengths, never the compressed contents) and passes exactly one frame
// through to the real decoder, which then sees a clean end of input. That
// gives exact offsets for trailing data, lets the window size be checked
// before the decoder allocates, and puts the handling of skippable frames
// and of bytes after the last frame (ignored for LZ4, an error for zstd)
// in one place.

// frameSplitter passes one frame from the Reader's input through.
type frameSplitter struct {
	r      *Reader
	buf    [19]byte // structure bytes read but not yet passed on (LZ4 max)
	pend   []byte
	remain int64 // payload bytes to pass through before the next step
	step   func() error
	done   bool
}

// Read passes frame bytes through, parsing structure as it goes.
func (f *frameSplitter) Read(p []byte) (int, error) {
	for {
		if len(f.pend) > 0 {
			n := copy(p, f.pend)
			f.pend = f.pend[n:]
			return n, nil
		}
		if f.remain > 0 {
			if int64(len(p)) > f.remain {
				p = p[:f.remain]
			}
			n, err := f.r.br.Read(p)
			f.remain -= int64(n)
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		if f.done {
			return 0, io.EOF
		}
		if err := f.step(); err != nil {
			return 0, err
		}
	}
}

// take reads n structure bytes and queues them for the decoder.
func (f *frameSplitter) take(n int) ([]byte, error) {
	b := f.buf[:n]
	if err := f.r.readFull(b); err != nil {
		return nil, err
	}
	f.pend = b
	return b, nil
}

// skipSkippableFrames discards any skippable frames at the current
// position; the 32-bit length is skipped as a stream, never allocated.
func skipSkippableFrames(r *Reader) error {
	for {
		h, err := r.peek(8)
		if err != nil {
			return err
		}
		if !isSkippableFrame(h) {
			return nil
		}
		if len(h) < 8 {
			return io.ErrUnexpectedEOF
		}
		n := int64(binary.LittleEndian.Uint32(h[4:8]))
		r.br.Discard(8)
		if err := r.discard(n); err != nil {
			return err
		}
	}
}

// nextFrame is the shared member logic: skip skippable frames, end cleanly
// at EOF, and otherwise require magic. After the first frame, other bytes
// are handled by onTrailing.
func nextFrame(r *Reader, first bool, magic []byte, onTrailing func() error) (bool, error) {
	if err := skipSkippableFrames(r); err != nil {
		return false, err
	}
	h, err := r.peek(4)
	if err != nil {
		return false, err
	}
	switch {
	case len(h) < 4 && first:
		return false, io.ErrUnexpectedEOF
	case len(h) == 0:
		return false, nil
	case bytes.Equal(h, magic):
		return true, nil
	case first:
		return false, fmt.Errorf("bad frame magic % x, want % x", h, magic)
	}
	return false, onTrailing()
}

// lz4Decoder decodes LZ4 frames with github.com/pierrec/lz4/v4. Trailing
// bytes are ignored and reported, as lz4.frame's LZ4FrameFile (built on
// CPython's DecompressReader) ignores them.
type lz4Decoder struct {
	zr *lz4.Reader
}

// next starts the next frame.
func (d *lz4Decoder) next(r *Reader, first bool) (io.Reader, error) {
	ok, err := nextFrame(r, first, lz4Magic, func() error {
		r.noteTrailing(r.InputOffset())
		return nil
	})
	if !ok || err != nil {
		return nil, err
	}
	f := &frameSplitter{r: r}
	f.step = func() error { return lz4Header(f) }
	if d.zr == nil {
		d.zr = lz4.NewReader(f)
	} else {
		d.zr.Reset(f)
	}
	return d.zr, nil
}

// finish ends a clean file.
func (d *lz4Decoder) finish(*Reader) error { return io.EOF }

// close has nothing to release.
func (d *lz4Decoder) close() {}

// LZ4 frame descriptor flags.
const (
	lz4BlockChecksum   = 1 << 4
	lz4ContentSize     = 1 << 3
	lz4ContentChecksum = 1 << 2
	lz4DictID          = 1 << 0
)

// lz4Header reads the frame descriptor.
func lz4Header(f *frameSplitter) error {
	b, err := f.take(6)
	if err != nil {
		return err
	}
	if !isLZ4Header(b) {
		return fmt.Errorf("lz4: invalid frame descriptor % x", b[4:6])
	}
	flg := b[4]
	maxBlock := int64(1) << (8 + 2*(b[5]>>4))
	extra := 1 // header checksum
	if flg&lz4ContentSize != 0 {
		extra += 8
	}
	if flg&lz4DictID != 0 {
		extra += 4
	}
	if err := f.r.readFull(f.buf[6 : 6+extra]); err != nil {
		return err
	}
	f.pend = f.buf[:6+extra]
	f.step = func() error { return lz4Block(f, flg, maxBlock) }
	return nil
}

// lz4Block reads one block length (or the end mark).
func lz4Block(f *frameSplitter, flg byte, maxBlock int64) error {
	b, err := f.take(4)
	if err != nil {
		return err
	}
	size := int64(binary.LittleEndian.Uint32(b) &^ (1 << 31))
	if binary.LittleEndian.Uint32(b) == 0 {
		if flg&lz4ContentChecksum != 0 {
			f.remain = 4
		}
		f.done = true
		return nil
	}
	if size > maxBlock {
		return fmt.Errorf("lz4: block of %d bytes exceeds the frame's %d-byte maximum", size, maxBlock)
	}
	f.remain = size
	if flg&lz4BlockChecksum != 0 {
		f.remain += 4
	}
	return nil
}

// zstdDecoder decodes Zstandard frames with github.com/klauspost/compress.
// Trailing bytes are an error, as for the zstd command.
type zstdDecoder struct {
	zd *zstd.Decoder
}

// zstdMaxBlock is the largest block the format allows.
const zstdMaxBlock = 128 << 10

// next starts the next frame.
func (d *zstdDecoder) next(r *Reader, first bool) (io.Reader, error) {
	ok, err := nextFrame(r, first, zstdMagic, r.trailingError)
	if !ok || err != nil {
		return nil, err
	}
	f := &frameSplitter{r: r}
	f.step = func() error { return zstdHeader(f) }
	if d.zd == nil {
		d.zd, err = zstd.NewReader(f,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(uint64(r.lim.MaxWindow)),
			zstd.WithDecoderMaxMemory(1<<62),
			zstd.WithDecodeBuffersBelow(0))
	} else {
		err = d.zd.Reset(f)
	}
	if err != nil {
		return nil, err
	}
	return zstdFrame{d.zd}, nil
}

// zstdFrame adapts decoder errors.
type zstdFrame struct{ zd *zstd.Decoder }

// Read reads the frame; an unknown dictionary is reported as unsupported.
func (z zstdFrame) Read(p []byte) (int, error) {
	n, err := z.zd.Read(p)
	if errors.Is(err, zstd.ErrUnknownDictionary) {
		err = fmt.Errorf("%w: zstd frame needs a dictionary (%v)", ErrUnsupported, err)
	}
	return n, err
}

// finish ends a clean file.
func (d *zstdDecoder) finish(*Reader) error { return io.EOF }

// close stops the decoder.
func (d *zstdDecoder) close() {
	if d.zd != nil {
		d.zd.Close()
	}
}

// zstdHeader reads the frame header and checks the window against
// MaxWindow before the decoder sees it.
func zstdHeader(f *frameSplitter) error {
	b, err := f.take(5)
	if err != nil {
		return err
	}
	fhd := b[4]
	if fhd&0x08 != 0 {
		return fmt.Errorf("zstd: reserved frame header bit set (%#02x)", fhd)
	}
	single := fhd&0x20 != 0
	fcsLen := [4]int{0, 2, 4, 8}[fhd>>6]
	if fcsLen == 0 && single {
		fcsLen = 1
	}
	dictLen := [4]int{0, 1, 2, 4}[fhd&3]
	winLen := 1
	if single {
		winLen = 0
	}
	rest := f.buf[5 : 5+winLen+dictLen+fcsLen]
	if err := f.r.readFull(rest); err != nil {
		return err
	}
	f.pend = f.buf[:5+len(rest)]
	if err := f.r.reserveWindow(zstdWindow(rest, single, winLen, dictLen, fcsLen)); err != nil {
		return err
	}
	checksum := fhd&0x04 != 0
	f.step = func() error { return zstdBlock(f, checksum) }
	return nil
}

// zstdWindow computes the window a frame needs (RFC 8878, 3.1.1.1.2).
func zstdWindow(rest []byte, single bool, winLen, dictLen, fcsLen int) int64 {
	const minWindow = 1 << 10
	if !single {
		wd := rest[0]
		base := int64(1) << (10 + wd>>3)
		return base + base/8*int64(wd&7)
	}
	var fcs uint64
	for i, c := range rest[winLen+dictLen:] {
		fcs |= uint64(c) << (8 * i)
	}
	if fcsLen == 2 {
		fcs += 256
	}
	return int64(min(max(fcs, minWindow), 1<<62))
}

// zstdBlock reads one block header.
func zstdBlock(f *frameSplitter, checksum bool) error {
	b, err := f.take(3)
	if err != nil {
		return err
	}
	h := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	last, typ, size := h&1 != 0, (h>>1)&3, int64(h>>3)
	switch typ {
	case 1: // RLE: one byte repeated size times
		f.remain = 1
	case 3:
		return errors.New("zstd: reserved block type")
	default:
		if size > zstdMaxBlock {
			return fmt.Errorf("zstd: block of %d bytes exceeds the 128 KiB maximum", size)
		}
		f.remain = size
	}
	if last {
		if checksum {
			f.remain += 4
		}
		f.done = true
	}
	return nil
}
