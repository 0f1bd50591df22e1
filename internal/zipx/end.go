package zipx

import (
	"bytes"
	"fmt"
)

// dirInfo is where the central directory is, as torch's reader sees it.
type dirInfo struct {
	eocd       int64 // offset of the end of central directory record
	commentEnd int64 // end of that record and its comment, clipped to the input
	loc        int64 // offset of the ZIP64 locator, -1 if none
	e64        int64 // offset of the ZIP64 end record used, -1 if none
	e64Len     int64 // its length, clipped to the input

	disk, cdDisk  uint32
	onDisk, total uint64
	cdSize, cdOff uint64

	cdSize32, cdOff32 uint64 // the 32-bit end record's values
	adj64             bool   // a ZIP64 end record sits right before the locator
}

// findEnd locates the end of central directory record exactly as miniz's
// mz_zip_reader_locate_header_sig does: scan 4 KiB blocks from the end of
// the input backwards (consecutive blocks overlap by 3 bytes) for the last
// signature with at least 22 bytes after it, and give up once a block that
// starts 65535+22 bytes or more before the end holds none.
func (z *Reader) findEnd() (int64, error) {
	notZip := &FormatError{Offset: max(z.size-endLen, 0), Field: "end of central directory record", Err: ErrNotZip}
	if z.size < endLen {
		return -1, notZip
	}
	var buf [4096]byte
	cur := max(z.size-int64(len(buf)), 0)
	for {
		n := int(min(int64(len(buf)), z.size-cur))
		if err := z.readAt(buf[:n], cur, "end of central directory search block"); err != nil {
			return -1, err
		}
		for i := n - 4; i >= 0; i-- {
			if le32(buf[i:]) == sigEnd && z.size-(cur+int64(i)) >= endLen {
				return cur + int64(i), nil
			}
		}
		if cur == 0 || z.size-cur >= max16+endLen {
			return -1, notZip
		}
		cur = max(cur-(int64(len(buf))-3), 0)
	}
}

// readEnd reads the end record at pos and, if torch's reader would, the
// ZIP64 end record, and checks them the way miniz does.
func (z *Reader) readEnd(pos int64) (*dirInfo, error) {
	var b [endLen]byte
	if err := z.readAt(b[:], pos, "end of central directory record"); err != nil {
		return nil, err
	}
	z.EndOffset = pos
	d := &dirInfo{eocd: pos, loc: -1, e64: -1,
		disk: uint32(le16(b[4:])), cdDisk: uint32(le16(b[6:])),
		onDisk: uint64(le16(b[8:])), total: uint64(le16(b[10:])),
		cdSize: uint64(le32(b[12:])), cdOff: uint64(le32(b[16:])),
	}
	d.cdSize32, d.cdOff32 = d.cdSize, d.cdOff
	if err := z.readComment(d, int64(le16(b[20:]))); err != nil {
		return nil, err
	}
	if err := z.otherEnds(pos); err != nil {
		return nil, err
	}
	sentinels := d.total == max16 || d.onDisk == max16 || d.cdSize == max32 || d.cdOff == max32
	if err := z.readZip64(d); err != nil {
		return nil, err
	}
	if sentinels && !z.Zip64 {
		z.archive(KindZip64Inconsistent, pos, TorchReads,
			"end record holds ZIP64 sentinels (entries %d, size %#x, offset %#x) but torch finds no ZIP64 end record and uses them literally",
			d.total, d.cdSize, d.cdOff)
	}
	z.checkEnd(d)
	return d, nil
}

// readComment records the archive comment and its anomalies.
func (z *Reader) readComment(d *dirInfo, n int64) error {
	start := d.eocd + endLen
	avail := z.size - start
	if n > avail {
		z.archive(KindEOCDComment, d.eocd, TorchReads,
			"comment length %d runs %d bytes past the end of the file (strict readers such as Go's archive/zip reject this)", n, n-avail)
	} else if n > 0 {
		z.archive(KindEOCDComment, start, TorchReads, "%d-byte archive comment", n)
	}
	n = min(n, avail)
	d.commentEnd = start + n
	if n == 0 {
		return nil
	}
	c := make([]byte, n)
	if err := z.readAt(c, start, "archive comment"); err != nil {
		return err
	}
	z.Comment = string(c)
	return nil
}

// otherEnds reports end record signatures other than the one at pos in the
// region any reader searches (the last 64 KiB and a block).
func (z *Reader) otherEnds(pos int64) error {
	start := max(z.size-(max16+endLen+4096), 0)
	buf := make([]byte, z.size-start)
	if err := z.readAt(buf, start, "end of central directory search window"); err != nil {
		return err
	}
	for i := 0; i+4 <= len(buf); i++ {
		p := start + int64(i)
		if p == pos || le32(buf[i:]) != sigEnd {
			continue
		}
		if rest := buf[i:]; len(rest) < endLen {
			z.archive(KindMultipleEOCD, p, TorchReads,
				"end record signature at offset %d with only %d bytes after it; Python's zipfile takes the last signature and fails", p, len(rest))
		} else if plausibleEnd(rest, p) {
			z.archive(KindMultipleEOCD, p, TorchReads,
				"a second end record at offset %d declares %d entries at offset %d; torch uses the one at %d, readers that search differently the other",
				p, le16(rest[10:]), le32(rest[16:]), pos)
		}
	}
	return nil
}

// plausibleEnd reports whether the 22 bytes at b, found at offset p, make
// a consistent single-disk end record.
func plausibleEnd(b []byte, p int64) bool {
	return le16(b[4:]) == 0 && le16(b[6:]) == 0 && le16(b[8:]) == le16(b[10:]) &&
		int64(le32(b[16:]))+int64(le32(b[12:])) <= p
}

// readZip64 follows the ZIP64 locator the way miniz does and replaces d's
// values with the ZIP64 end record's.
func (z *Reader) readZip64(d *dirInfo) error {
	if d.eocd < end64Len+locator64Len {
		return nil
	}
	var loc [locator64Len]byte
	if err := z.readAt(loc[:], d.eocd-locator64Len, "ZIP64 end of central directory locator"); err != nil {
		return err
	}
	if le32(loc[:]) != sigLocator64 {
		return nil
	}
	d.loc = d.eocd - locator64Len
	adjacent := d.loc - end64Len
	if disk := le32(loc[4:]); disk != 0 {
		z.archive(KindDiskNumber, d.loc, TorchReads, "ZIP64 locator names disk %d (Python's zipfile refuses multi-disk archives)", disk)
	}
	off := le64(loc[8:])
	if off > uint64(z.size-end64Len) {
		z.archive(KindZip64Inconsistent, d.loc, TorchFailsArchive,
			"ZIP64 locator points to offset %d, past the last place a %d-byte ZIP64 end record fits in the %d-byte file; reading the one before the locator instead, as Python's zipfile does",
			off, end64Len, z.size)
		off = uint64(adjacent)
	}
	var rec [end64Len]byte
	if err := z.readAt(rec[:], int64(off), "ZIP64 end of central directory record"); err != nil {
		return err
	}
	if le32(rec[:]) != sigEnd64 {
		z.archive(KindZip64Inconsistent, int64(off), TorchReads,
			"ZIP64 locator at offset %d points to offset %d, which holds no ZIP64 end record; torch uses the 32-bit end record", d.loc, off)
		return nil
	}
	if int64(off) != adjacent {
		if err := z.compareAdjacent64(rec[:], adjacent, int64(off)); err != nil {
			return err
		}
	}
	z.Zip64 = true
	d.e64 = int64(off)
	z.useZip64(d, rec[:], le32(loc[16:]))
	return nil
}

// compareAdjacent64 reports a ZIP64 end record that Python's zipfile (which
// reads the record right before the locator) sees differently from torch
// (which follows the locator).
func (z *Reader) compareAdjacent64(rec []byte, adjacent, off int64) error {
	var py [end64Len]byte
	if err := z.readAt(py[:], adjacent, "ZIP64 end of central directory record"); err != nil {
		return err
	}
	if !bytes.Equal(py[:], rec) {
		z.archive(KindZip64Inconsistent, off, TorchReads,
			"ZIP64 locator points to a ZIP64 end record at offset %d, but Python's zipfile reads the 56 bytes before the locator, at %d, which differ",
			off, adjacent)
	}
	return nil
}

// useZip64 checks the ZIP64 end record rec against the 32-bit values in d,
// then replaces them, as miniz does whether or not they are sentinels.
func (z *Reader) useZip64(d *dirInfo, rec []byte, disks uint32) {
	at := d.e64
	recSize := le64(rec[4:])
	d.e64Len = int64(min(max(12+min(recSize, uint64(z.size)), end64Len), uint64(z.size-at)))
	switch {
	case recSize < end64Len-12:
		z.archive(KindZip64Inconsistent, at, TorchFailsArchive, "ZIP64 end record size field %d is below the minimum 44", recSize)
	case recSize > end64Len-12:
		z.archive(KindZip64Inconsistent, at, TorchReads,
			"ZIP64 end record declares %d bytes of extensible data; Python's zipfile assumes none", recSize-(end64Len-12))
	}
	if disks != 1 {
		z.archive(KindZip64Inconsistent, d.loc, TorchFailsArchive, "ZIP64 locator says the archive has %d disks; torch requires exactly 1", disks)
	}
	v := dirInfo{
		disk: le32(rec[16:]), cdDisk: le32(rec[20:]),
		onDisk: le64(rec[24:]), total: le64(rec[32:]),
		cdSize: le64(rec[40:]), cdOff: le64(rec[48:]),
	}
	type field struct {
		name         string
		old, new, sv uint64
	}
	for _, f := range []field{
		{"disk number", uint64(d.disk), uint64(v.disk), max16},
		{"central directory disk", uint64(d.cdDisk), uint64(v.cdDisk), max16},
		{"entries on this disk", d.onDisk, v.onDisk, max16},
		{"total entries", d.total, v.total, max16},
		{"central directory size", d.cdSize, v.cdSize, max32},
		{"central directory offset", d.cdOff, v.cdOff, max32},
	} {
		if f.old != f.sv && f.old != f.new {
			z.archive(KindZip64Inconsistent, at, TorchReads,
				"%s is %d in the end record but %d in the ZIP64 end record; torch and Python use %d, readers that consult ZIP64 only for sentinels use %d",
				f.name, f.old, f.new, f.new, f.old)
		}
	}
	if v.total > max32 || v.onDisk > max32 {
		z.archive(KindZip64Inconsistent, at, TorchFailsArchive, "ZIP64 end record declares %d entries, more than torch's reader supports (2^32-1)", max(v.total, v.onDisk))
	}
	if v.cdSize > max32 {
		z.archive(KindZip64Inconsistent, at, TorchFailsArchive, "ZIP64 central directory size %d exceeds the 4 GiB torch's reader supports", v.cdSize)
	}
	d.disk, d.cdDisk, d.onDisk, d.total, d.cdSize, d.cdOff = v.disk, v.cdDisk, v.onDisk, v.total, v.cdSize, v.cdOff
}

// checkEnd applies miniz's checks on the counts and disk numbers.
func (z *Reader) checkEnd(d *dirInfo) {
	at := d.eocd
	if z.Zip64 {
		at = d.e64
	}
	z.DeclaredEntries = d.total
	if d.total != d.onDisk {
		z.archive(KindCDCountMismatch, at, TorchFailsArchive, "end record declares %d entries in total but %d on this disk", d.total, d.onDisk)
	}
	if d.disk|d.cdDisk != 0 {
		t := TorchFailsArchive
		if d.disk == 1 && d.cdDisk == 1 {
			t = TorchReads
		}
		z.archive(KindDiskNumber, at, t, "end record names disk %d and central directory disk %d", d.disk, d.cdDisk)
	}
	if need := d.total * centralLen; d.total <= max32 && d.cdSize < need {
		z.archive(KindCDCountMismatch, at, TorchFailsArchive,
			"end record declares %d entries, which need at least %d bytes, but the central directory is %d bytes", d.total, need, d.cdSize)
	}
}

// pythonDir returns where Python's zipfile looks for the central directory
// and by how much it shifts every offset ("concat", for archives with
// prepended data): it reads the ZIP64 end record right before the locator,
// ignoring the locator's offset.
func (z *Reader) pythonDir(d *dirInfo) (off, size uint64, concat int64, err error) {
	off, size, end := d.cdOff32, d.cdSize32, d.eocd
	if d.loc >= 0 {
		var rec [end64Len]byte
		if err := z.readAt(rec[:], d.loc-end64Len, "ZIP64 end of central directory record"); err != nil {
			return 0, 0, 0, err
		}
		if le32(rec[:]) == sigEnd64 {
			d.adj64 = true
			off, size, end = le64(rec[48:]), le64(rec[40:]), d.loc-end64Len
		}
	}
	if off > uint64(z.size) || size > uint64(z.size) {
		return off, size, 0, nil
	}
	return off, size, end - int64(size) - int64(off), nil
}

// locateDir returns the offset and size of the central directory torch
// reads or, when there is none there, of the one Python's zipfile reads.
func (z *Reader) locateDir(d *dirInfo) (int64, uint64, error) {
	pyOff, pySize, concat, err := z.pythonDir(d)
	if err != nil {
		return 0, 0, err
	}
	if concat != 0 {
		z.archive(KindCDOffset, d.eocd, TorchReads,
			"central directory at offset %d (%d bytes) does not end where the end records start; Python's zipfile shifts every offset by %d bytes, torch does not",
			pyOff, pySize, concat)
	}
	fieldAt := d.eocd + 16
	if z.Zip64 {
		fieldAt = d.e64 + 48
	}
	why, err := z.checkDirAt(d.cdOff, d.cdSize, d.total)
	if err != nil || why == nil {
		return int64(d.cdOff), d.cdSize, err
	}
	z.archive(KindCDOffset, fieldAt, TorchFailsArchive, "torch finds no central directory at offset %d: %v", d.cdOff, why)
	if concat > 0 {
		start := pyOff + uint64(concat)
		pyWhy, err := z.checkDirAt(start, pySize, d.total)
		if err != nil {
			return 0, 0, err
		}
		if pyWhy == nil {
			z.Shift = concat
			return int64(start), pySize, nil
		}
	}
	return 0, 0, &FormatError{Offset: fieldAt, Field: "central directory offset", Err: why}
}

// checkDirAt returns why n bytes at off cannot be a central directory of
// total records (nil if they can), or an I/O error.
func (z *Reader) checkDirAt(off, n, total uint64) (why, err error) {
	if off > uint64(z.size) || n > uint64(z.size)-off {
		return fmt.Errorf("%w: %d bytes at offset %d in a %d-byte file", ErrOutOfBounds, n, off, z.size), nil
	}
	if total == 0 || n < 4 {
		return nil, nil
	}
	var sig [4]byte
	if err := z.readAt(sig[:], int64(off), "central directory"); err != nil {
		return nil, err
	}
	if le32(sig[:]) != sigCentral {
		return fmt.Errorf("%w: found %q", ErrSignature, sig[:]), nil
	}
	return nil, nil
}
