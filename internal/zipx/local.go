package zipx

import (
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/flate"
)

// maxLocalName bounds the bytes kept of a local name that differs from the
// central one: overlapping local headers could otherwise make 65536
// entries keep 64 KiB each.
const maxLocalName = 1024

// peekInput bounds the compressed bytes read to see how a deflated entry
// starts, so overlapping entries cannot make NewReader quadratic.
const peekInput = 4096

// readLocal reads e's local header the way torch does (for its name and
// extra lengths), then compares it with the central record and checks the
// data range, the data descriptor and the first data bytes.
func (z *Reader) readLocal(e *Entry) error {
	e.DataOffset = -1
	if e.HeaderOffset < 0 || !z.inFile(e.HeaderOffset, localLen) {
		z.entry(e, KindOutOfBounds, e.recOffset+42, TorchFailsEntry,
			"local header offset %d lies outside the %d-byte file", e.HeaderOffset, z.size)
		return nil
	}
	n := min(int64(localLen+len(e.Name)), z.size-e.HeaderOffset)
	buf := z.scratch(int(n))
	if err := z.readAt(buf, e.HeaderOffset, "local file header"); err != nil {
		return err
	}
	if sig := le32(buf); sig != sigLocal {
		z.entry(e, KindLocalHeaderBad, e.HeaderOffset, TorchFailsEntry,
			"no local file header at offset %d (found %q)", e.HeaderOffset, buf[:4])
		return nil
	}
	e.LocalFlags, e.LocalMethod = le16(buf[6:]), le16(buf[8:])
	nlen, xlen := int64(le16(buf[26:])), int64(le16(buf[28:]))
	e.DataOffset = e.HeaderOffset + localLen + nlen + xlen
	if err := z.localName(e, buf[localLen:], nlen); err != nil {
		return err
	}
	z.checkFlags(e, e.LocalFlags, e.LocalMethod, e.HeaderOffset, false)
	if err := z.compareLocal(e, buf[:localLen], nlen, xlen); err != nil {
		return err
	}
	return z.checkData(e)
}

// localName sets e.LocalName and reports a mismatch with the central name.
func (z *Reader) localName(e *Entry, have []byte, nlen int64) error {
	if nlen == int64(len(e.Name)) && int64(len(have)) == nlen && string(have) == e.Name {
		e.LocalName = e.Name
		return nil
	}
	at := e.HeaderOffset + localLen
	k := min(nlen, maxLocalName, z.size-at)
	b := have
	if int64(len(b)) >= k {
		b = b[:k]
	} else {
		b = make([]byte, k)
		if err := z.readAt(b, at, "local file name"); err != nil {
			return err
		}
	}
	e.LocalName = string(b)
	z.entry(e, KindLocalNameMismatch, e.HeaderOffset, TorchReads,
		"local header names %s (%d bytes), the central directory %s (%d bytes); torch uses the central name, Python's zipfile refuses",
		clip(e.LocalName), nlen, clip(e.Name), len(e.Name))
	return nil
}

// compareLocal reports local header fields that disagree with the central
// record. With the data-descriptor flag set, a zero CRC and zero sizes are
// normal (torch and Go's archive/zip write them).
func (z *Reader) compareLocal(e *Entry, h []byte, nlen, xlen int64) error {
	var diffs []string
	if e.LocalMethod != e.Method {
		diffs = append(diffs, fmt.Sprintf("method %d vs %d", e.LocalMethod, e.Method))
	}
	if e.LocalFlags != e.Flags {
		diffs = append(diffs, fmt.Sprintf("flags %#04x vs %#04x", e.LocalFlags, e.Flags))
	}
	desc := e.LocalFlags&0x8 != 0
	if crc := le32(h[14:]); !(desc && crc == 0) && crc != e.CRC32 {
		diffs = append(diffs, fmt.Sprintf("CRC-32 %08x vs %08x", crc, e.CRC32))
	}
	c, u := uint64(le32(h[18:])), uint64(le32(h[22:]))
	if !(desc && c == 0 && u == 0) {
		if c == max32 || u == max32 {
			var err error
			if c, u, err = z.localZip64(e, c, u, nlen, xlen); err != nil {
				return err
			}
		}
		if c != e.CompressedSize || u != e.UncompressedSize {
			diffs = append(diffs, fmt.Sprintf("sizes %d/%d vs %d/%d", c, u, e.CompressedSize, e.UncompressedSize))
		}
	}
	if diffs != nil {
		z.entry(e, KindLocalHeaderMismatch, e.HeaderOffset, TorchReads,
			"local header differs from the central directory (local vs central): %s", strings.Join(diffs, ", "))
	}
	return nil
}

// localZip64 resolves sentinel sizes in a local header from its ZIP64 extra
// field (uncompressed size first). Unresolvable values stay sentinels.
func (z *Reader) localZip64(e *Entry, c, u uint64, nlen, xlen int64) (uint64, uint64, error) {
	at := e.HeaderOffset + localLen + nlen
	if !z.inFile(at, uint64(xlen)) {
		return c, u, nil
	}
	extra := make([]byte, xlen)
	if err := z.readAt(extra, at, "local extra field"); err != nil {
		return 0, 0, err
	}
	body, ok, why := findExtra(extra, 0x0001)
	if why != "" {
		z.entry(e, KindExtraMalformed, e.HeaderOffset, TorchReads, "local extra field: %s", why)
	}
	if !ok {
		return c, u, nil
	}
	for _, v := range []*uint64{&u, &c} {
		if *v == max32 && len(body) >= 8 {
			*v, body = le64(body), body[8:]
		}
	}
	return c, u, nil
}

// torchLen is how many bytes torch reads from the data offset: the
// uncompressed size for a stored entry (miniz reads straight into the
// output buffer), the compressed size otherwise.
func (e *Entry) torchLen() uint64 {
	if e.Method == 0 {
		return e.UncompressedSize
	}
	return e.CompressedSize
}

// checkData checks that the data torch reads lies in the file, then the
// data descriptor and the first bytes of the data.
func (z *Reader) checkData(e *Entry) error {
	c := e.CompressedSize
	inC := z.inFile(e.DataOffset, c)
	if !inC || !z.inFile(e.DataOffset, e.torchLen()) {
		t := TorchFailsEntry
		if c == 0 || z.isDir(e) {
			t = TorchReads // miniz returns before reading
		}
		z.entry(e, KindOutOfBounds, e.HeaderOffset, t,
			"data at offset %d (%d bytes compressed, %d uncompressed) runs past the end of the %d-byte file",
			e.DataOffset, c, e.UncompressedSize, z.size)
	}
	if !inC {
		return nil
	}
	if (e.Flags|e.LocalFlags)&0x8 != 0 {
		if err := z.checkDescriptor(e); err != nil {
			return err
		}
	}
	return z.peekNested(e)
}

// checkDescriptor looks for a data descriptor after the data, in any of its
// four layouts (with or without signature, 32- or 64-bit sizes), that
// agrees with the central record.
func (z *Reader) checkDescriptor(e *Entry) error {
	at := e.DataOffset + int64(e.CompressedSize)
	b := z.scratch(int(min(24, z.size-at)))
	if err := z.readAt(b, at, "data descriptor"); err != nil {
		return err
	}
	e.descLen = matchDescriptor(b, e)
	if e.descLen == 0 {
		if len(b) >= 16 && le32(b) == sigDescriptor {
			e.descLen = 16 // a descriptor, with other values: it covers its bytes
		}
		z.entry(e, KindDataDescriptor, at, TorchReads,
			"flag 0x8 is set but no data descriptor with CRC-32 %08x and sizes %d/%d follows the data at offset %d",
			e.CRC32, e.CompressedSize, e.UncompressedSize, at)
	}
	return nil
}

// matchDescriptor returns the length of the descriptor layout at the start
// of b that holds e's CRC and sizes, or 0.
func matchDescriptor(b []byte, e *Entry) int64 {
	for _, l := range []struct {
		sig, wide bool
		n         int
	}{{true, false, 16}, {true, true, 24}, {false, false, 12}, {false, true, 20}} {
		if len(b) < l.n {
			continue
		}
		d := b
		if l.sig {
			if le32(d) != sigDescriptor {
				continue
			}
			d = d[4:]
		}
		var c, u uint64
		if l.wide {
			c, u = le64(d[4:]), le64(d[12:])
		} else {
			c, u = uint64(le32(d[4:])), uint64(le32(d[8:]))
		}
		if le32(d) == e.CRC32 && c == e.CompressedSize && u == e.UncompressedSize {
			return int64(l.n)
		}
	}
	return 0
}

// peekNested reports an entry whose data starts like a zip archive.
func (z *Reader) peekNested(e *Entry) error {
	if e.UncompressedSize < 4 || e.CompressedSize == 0 {
		return nil
	}
	b := z.scratch(4)
	switch e.Method {
	case 0:
		if !z.inFile(e.DataOffset, 4) {
			return nil
		}
		if err := z.readAt(b, e.DataOffset, "entry data"); err != nil {
			return err
		}
	case 8:
		src := io.NewSectionReader(z.r, e.DataOffset, int64(min(e.CompressedSize, peekInput)))
		fr := flate.NewReader(src)
		_, err := io.ReadFull(fr, b)
		fr.Close()
		if err != nil {
			return nil // Open reports corrupt streams
		}
	default:
		return nil
	}
	if IsZip(b) {
		z.entry(e, KindNestedZip, e.DataOffset, TorchReads, "data starts with %q: a zip archive inside the zip", b)
	}
	return nil
}

// scratch returns a buffer of n bytes that NewReader reuses between
// entries; n is at most 30 + 65535.
func (z *Reader) scratch(n int) []byte {
	if cap(z.buf) < n {
		z.buf = make([]byte, max(n, 256))
	}
	return z.buf[:n]
}

// clip quotes s, cut to 64 bytes, for details.
func clip(s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("%q…", s[:64])
	}
	return fmt.Sprintf("%q", s)
}
