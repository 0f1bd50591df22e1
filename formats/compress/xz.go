package compress

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// The xz container is parsed here rather than by github.com/ulikunitz/xz
// because that reader allocates each block's LZMA2 dictionary from the
// block header (up to 4 GiB from one byte) before any check could run.
// This parser bounds the dictionary with Limits.MaxWindow, shrinks it to a
// declared block size, and uses ulikunitz/xz/lzma only for LZMA2 chunks.
// Index records are verified through a running hash, so memory does not
// grow with the number of blocks. What may follow a stream is decided by
// lzmaFamilyDecoder.

// newXZStream reads a stream header and returns the stream's reader.
func newXZStream(r *Reader) (io.Reader, error) {
	s := &xzStream{r: r}
	if err := s.readHeader(); err != nil {
		return nil, err
	}
	return s, nil
}

var crc64Table = crc64.MakeTable(crc64.ECMA)

// xzCheckSize gives the size of each check type (xz file format 1.2.1,
// section 3.4); types 1, 4 and 10 are CRC32, CRC64 and SHA-256.
var xzCheckSize = [16]int{0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64}

// xzStream decodes one xz stream: blocks, then index and footer.
type xzStream struct {
	r     *Reader
	flags [2]byte
	check byte

	blk *xzBlock // block being decoded, or nil
	end bool     // index and footer verified

	// Running totals for the index check.
	blocks   uint64
	recHash  hash.Hash
	unpadded uint64
	usize    uint64
}

// xzBlock is the state of one block.
type xzBlock struct {
	lz          io.Reader
	in          *countingByteReader
	sum         hash.Hash // nil for check types this package cannot verify
	headerSize  int64
	out         int64
	declComp    int64 // -1 if absent
	declUncomp  int64 // -1 if absent
	checkOffset int64
}

// countingByteReader counts compressed bytes of a block.
type countingByteReader struct {
	r interface {
		io.Reader
		io.ByteReader
	}
	n int64
}

// Read reads and counts.
func (c *countingByteReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ReadByte reads and counts one byte.
func (c *countingByteReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// readHeader reads and checks the 12-byte stream header.
func (s *xzStream) readHeader() error {
	var h [12]byte
	if err := s.r.readFull(h[:]); err != nil {
		return err
	}
	if !bytes.Equal(h[:6], xzMagic) {
		return fmt.Errorf("xz: bad stream magic % x", h[:6])
	}
	if h[6] != 0 || h[7]&0xF0 != 0 {
		return fmt.Errorf("xz: reserved stream flag bits set (% x)", h[6:8])
	}
	if crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:12]) {
		return errors.New("xz: stream header CRC32 mismatch")
	}
	copy(s.flags[:], h[6:8])
	s.check = h[7] & 0x0F
	s.recHash = sha256.New()
	return nil
}

// Read returns decompressed bytes of the stream's blocks.
func (s *xzStream) Read(p []byte) (int, error) {
	for {
		if s.blk != nil {
			n, err := s.blk.lz.Read(p)
			if n > 0 {
				if err := s.blk.account(p[:n]); err != nil {
					return n, err
				}
			}
			if err == io.EOF {
				if err := s.finishBlock(); err != nil {
					return n, err
				}
				s.blk = nil
				if n > 0 {
					return n, nil
				}
				continue
			}
			return n, err
		}
		if s.end {
			return 0, io.EOF
		}
		if err := s.nextBlock(); err != nil {
			return 0, err
		}
	}
}

// account hashes output and checks it against the declared size.
func (b *xzBlock) account(p []byte) error {
	b.out += int64(len(p))
	if b.sum != nil {
		b.sum.Write(p)
	}
	if b.declUncomp >= 0 && b.out > b.declUncomp {
		return fmt.Errorf("xz: block produces more than its declared %d bytes", b.declUncomp)
	}
	return nil
}

// nextBlock reads a block header and starts its LZMA2 data, or reads the
// index and footer when the index indicator comes next.
func (s *xzStream) nextBlock() error {
	first, err := s.r.br.ReadByte()
	if err != nil {
		return truncated(err)
	}
	if first == 0 {
		return s.readIndex()
	}
	var hdr [1024]byte
	size := (int(first) + 1) * 4
	hdr[0] = first
	if err := s.r.readFull(hdr[1:size]); err != nil {
		return err
	}
	blk, dict, err := s.parseBlockHeader(hdr[:size])
	if err != nil {
		return err
	}
	if err := s.r.reserveWindow(dict); err != nil {
		return err
	}
	blk.in = &countingByteReader{r: s.r.br}
	lz, err := lzma.Reader2Config{DictCap: int(dict)}.NewReader2(blk.in)
	if err != nil {
		return err
	}
	blk.lz = lz
	s.blk = blk
	return nil
}

// parseBlockHeader checks a block header (including its CRC32) and returns
// the block state and the dictionary size to allocate.
func (s *xzStream) parseBlockHeader(h []byte) (*xzBlock, int64, error) {
	body, crc := h[:len(h)-4], binary.LittleEndian.Uint32(h[len(h)-4:])
	if crc32.ChecksumIEEE(body) != crc {
		return nil, 0, errors.New("xz: block header CRC32 mismatch")
	}
	flags := body[1]
	if flags&0x3C != 0 {
		return nil, 0, fmt.Errorf("xz: reserved block flag bits set (%#02x)", flags)
	}
	blk := &xzBlock{headerSize: int64(len(h)), declComp: -1, declUncomp: -1}
	rest := body[2:]
	var err error
	if flags&0x40 != 0 {
		if blk.declComp, rest, err = xzSize(rest, "compressed size"); err != nil {
			return nil, 0, err
		}
	}
	if flags&0x80 != 0 {
		if blk.declUncomp, rest, err = xzSize(rest, "uncompressed size"); err != nil {
			return nil, 0, err
		}
	}
	if flags&0x03 != 0 {
		return nil, 0, fmt.Errorf("%w: xz block with %d filters (only a lone LZMA2 filter is supported)", ErrUnsupported, flags&3+1)
	}
	id, rest, err := xzVarint(rest)
	if err != nil {
		return nil, 0, err
	}
	propSize, rest, err := xzVarint(rest)
	if err != nil {
		return nil, 0, err
	}
	if id != 0x21 {
		return nil, 0, fmt.Errorf("%w: xz filter %#x (only LZMA2, 0x21, is supported)", ErrUnsupported, id)
	}
	if propSize != 1 || len(rest) < 1 {
		return nil, 0, fmt.Errorf("xz: LZMA2 filter properties of size %d, want 1", propSize)
	}
	dict, err := lzma2Dict(rest[0])
	if err != nil {
		return nil, 0, err
	}
	for _, b := range rest[1:] {
		if b != 0 {
			return nil, 0, errors.New("xz: non-zero block header padding")
		}
	}
	if blk.declUncomp >= 0 && blk.declUncomp < dict {
		dict = blk.declUncomp
	}
	blk.sum = newXZCheck(s.check)
	return blk, max(dict, lzma.MinDictCap), nil
}

// lzma2Dict decodes the LZMA2 dictionary-size property byte.
func lzma2Dict(p byte) (int64, error) {
	switch {
	case p > 40:
		return 0, fmt.Errorf("xz: invalid LZMA2 dictionary property %d", p)
	case p == 40:
		return 1<<32 - 1, nil
	}
	return int64(2|p&1) << (p/2 + 11), nil
}

// newXZCheck returns the hash for a check type, or nil when the type is one
// liblzma also skips without verifying.
func newXZCheck(t byte) hash.Hash {
	switch t {
	case 1:
		return crc32.NewIEEE()
	case 4:
		return crc64.New(crc64Table)
	case 10:
		return sha256.New()
	}
	return nil
}

// xzSize reads a size varint that must fit an int64.
func xzSize(b []byte, what string) (int64, []byte, error) {
	v, rest, err := xzVarint(b)
	if err != nil {
		return 0, nil, err
	}
	if v > 1<<63-1 || v == 0 && what == "compressed size" {
		return 0, nil, fmt.Errorf("xz: invalid block %s %d", what, v)
	}
	return int64(v), rest, nil
}

// errXZVarint reports a malformed multibyte integer.
var errXZVarint = errors.New("xz: malformed variable-length integer")

// xzVarint decodes an xz multibyte integer (at most 9 bytes, no redundant
// trailing zero byte).
func xzVarint(b []byte) (uint64, []byte, error) {
	var v uint64
	for i := 0; i < 9 && i < len(b); i++ {
		v |= uint64(b[i]&0x7F) << (7 * i)
		if b[i]&0x80 == 0 {
			if i > 0 && b[i] == 0 {
				return 0, nil, errXZVarint
			}
			return v, b[i+1:], nil
		}
	}
	return 0, nil, errXZVarint
}

// readVarint decodes a multibyte integer from the input stream, feeding the
// bytes to h.
func (s *xzStream) readVarint(h io.Writer) (uint64, error) {
	var buf [9]byte
	for i := range buf {
		c, err := s.r.br.ReadByte()
		if err != nil {
			return 0, truncated(err)
		}
		buf[i] = c
		if c&0x80 == 0 {
			h.Write(buf[:i+1])
			v, _, err := xzVarint(buf[:i+1])
			return v, err
		}
	}
	return 0, errXZVarint
}

// finishBlock reads block padding and the check, and verifies the sizes.
func (s *xzStream) finishBlock() error {
	b := s.blk
	comp := b.in.n
	if b.declComp >= 0 && comp != b.declComp {
		return fmt.Errorf("xz: block declares %d compressed bytes, holds %d", b.declComp, comp)
	}
	if b.declUncomp >= 0 && b.out != b.declUncomp {
		return fmt.Errorf("xz: block declares %d uncompressed bytes, holds %d", b.declUncomp, b.out)
	}
	var pad [3]byte
	padding := pad[:(4-comp%4)%4]
	if err := s.r.readFull(padding); err != nil {
		return err
	}
	if !bytes.Equal(padding, make([]byte, len(padding))) {
		return errors.New("xz: non-zero block padding")
	}
	var chk [64]byte
	want := chk[:xzCheckSize[s.check]]
	if err := s.r.readFull(want); err != nil {
		return err
	}
	if b.sum != nil {
		got := b.sum.Sum(nil)
		if s.check == 1 || s.check == 4 {
			// CRC32 and CRC64 are stored little-endian; hash.Hash sums are
			// big-endian.
			for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
				got[i], got[j] = got[j], got[i]
			}
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("xz: block check mismatch (type %d)", s.check)
		}
	}
	unpadded := uint64(b.headerSize + comp + int64(len(want)))
	s.blocks++
	s.unpadded += unpadded
	s.usize += uint64(b.out)
	s.recHash.Write(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, unpadded), uint64(b.out)))
	return nil
}

// readIndex reads the index (its indicator byte already consumed) and the
// stream footer, verifying both against the blocks seen.
func (s *xzStream) readIndex() error {
	ih := &countedHash{Hash32: crc32.NewIEEE()}
	ih.Write([]byte{0})
	count, err := s.readVarint(ih)
	if err != nil {
		return err
	}
	if count != s.blocks {
		return fmt.Errorf("xz: index lists %d blocks, stream has %d", count, s.blocks)
	}
	rh := sha256.New()
	for range count {
		up, err := s.readVarint(ih)
		if err != nil {
			return err
		}
		us, err := s.readVarint(ih)
		if err != nil {
			return err
		}
		rh.Write(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, up), us))
	}
	if !bytes.Equal(rh.Sum(nil), s.recHash.Sum(nil)) {
		return errors.New("xz: index records do not match the blocks")
	}
	return s.readFooter(ih)
}

// readFooter reads index padding, the index CRC32 and the stream footer.
func (s *xzStream) readFooter(ih *countedHash) error {
	// The index size so far is what ih has hashed; pad it to 4 bytes.
	indexLen := ih.n
	var pad [3]byte
	padding := pad[:(4-indexLen%4)%4]
	if err := s.r.readFull(padding); err != nil {
		return err
	}
	if !bytes.Equal(padding, make([]byte, len(padding))) {
		return errors.New("xz: non-zero index padding")
	}
	ih.Write(padding)
	var tail [4 + 12]byte
	if err := s.r.readFull(tail[:]); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(tail[:4]) != ih.Sum32() {
		return errors.New("xz: index CRC32 mismatch")
	}
	f := tail[4:]
	if crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f[:4]) {
		return errors.New("xz: stream footer CRC32 mismatch")
	}
	if string(f[10:12]) != "YZ" {
		return fmt.Errorf("xz: bad footer magic % x", f[10:12])
	}
	if !bytes.Equal(f[8:10], s.flags[:]) {
		return errors.New("xz: footer flags differ from header flags")
	}
	backward := (int64(binary.LittleEndian.Uint32(f[4:8])) + 1) * 4
	if backward != indexLen+int64(len(padding))+4 {
		return fmt.Errorf("xz: footer backward size %d, index is %d bytes", backward, indexLen+int64(len(padding))+4)
	}
	s.end = true
	return nil
}

// countedHash is a CRC32 that counts the bytes it hashed.
type countedHash struct {
	hash.Hash32
	n int64
}

// Write hashes and counts p.
func (h *countedHash) Write(p []byte) (int, error) {
	h.n += int64(len(p))
	return h.Hash32.Write(p)
}
