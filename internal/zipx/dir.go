package zipx

import (
	"fmt"
	"math"
	"strings"
)

// readDir reads the central directory d describes and parses its records.
//
// torch reads exactly DeclaredEntries records; Python's zipfile reads
// records until the directory's size is used up. Records are parsed while
// they are well-formed and inside the directory, so Entries holds what
// either reader sees, and the difference is reported.
func (z *Reader) readDir(d *dirInfo) error {
	start, n, err := z.locateDir(d)
	if err != nil {
		return err
	}
	if n > uint64(z.lim.MaxCentralDir) {
		return &LimitError{Limit: LimitCentralDir, Max: z.lim.MaxCentralDir, Offset: start}
	}
	// n fits in the input: locateDir checked it.
	cd := make([]byte, n)
	if err := z.readAt(cd, start, "central directory"); err != nil {
		return err
	}
	z.DirOffset, z.DirSize = start, int64(n)
	// Every record takes at least 46 bytes, so this bounds the slab by the
	// input, whatever the end record claims.
	slab := make([]Entry, 0, min(len(cd)/centralLen, z.lim.MaxEntries))
	off := 0
	for off < len(cd) {
		rec, why := recordAt(cd[off:])
		if why != "" {
			t := TorchReads
			if uint64(len(slab)) < z.DeclaredEntries {
				t = TorchFailsArchive
			}
			z.archive(KindCDMalformed, start+int64(off), t, "central directory record #%d at offset %d: %s", len(slab), start+int64(off), why)
			break
		}
		if len(slab) == z.lim.MaxEntries {
			return &LimitError{Limit: LimitEntries, Max: int64(z.lim.MaxEntries), Offset: start}
		}
		slab = append(slab, Entry{Index: len(slab), recOffset: start + int64(off)})
		e := &slab[len(slab)-1]
		z.Entries = append(z.Entries, e)
		z.parseRecord(e, rec, d)
		off += len(rec)
	}
	z.checkCount(d, start)
	return nil
}

// recordAt returns the central directory record at the start of b, or why
// there is none.
func recordAt(b []byte) ([]byte, string) {
	if len(b) < centralLen {
		return nil, fmt.Sprintf("%d leftover bytes, too few for a record", len(b))
	}
	if le32(b) != sigCentral {
		return nil, fmt.Sprintf("no record signature (found %q)", b[:4])
	}
	n := centralLen + int(le16(b[28:])) + int(le16(b[30:])) + int(le16(b[32:]))
	if n > len(b) {
		return nil, fmt.Sprintf("record of %d bytes runs %d bytes past the end of the directory", n, n-len(b))
	}
	return b[:n], ""
}

// checkCount compares the records found with the declared count.
func (z *Reader) checkCount(d *dirInfo, start int64) {
	got := uint64(len(z.Entries))
	at := d.eocd
	if z.Zip64 {
		at = d.e64
	}
	switch {
	case got < d.total:
		z.archive(KindCDCountMismatch, at, TorchFailsArchive,
			"end record declares %d entries, the central directory at offset %d holds %d", d.total, start, got)
	case got > d.total:
		z.archive(KindCDCountMismatch, at, TorchReads,
			"central directory at offset %d holds %d records, the end record declares %d: Python's zipfile reads the %d extra records, torch does not",
			start, got, d.total, got-d.total)
	}
}

// parseRecord fills e from its central directory record and reports what
// miniz checks or refuses.
func (z *Reader) parseRecord(e *Entry, rec []byte, d *dirInfo) {
	e.Flags, e.Method, e.modTime = le16(rec[8:]), le16(rec[10:]), le16(rec[12:])
	e.CRC32 = le32(rec[16:])
	e.CompressedSize, e.UncompressedSize = uint64(le32(rec[20:])), uint64(le32(rec[24:]))
	e.extAttr = le32(rec[38:])
	nlen, xlen := int(le16(rec[28:])), int(le16(rec[30:]))
	e.Name = string(rec[centralLen : centralLen+nlen])
	lho := uint64(le32(rec[42:]))
	extra := rec[centralLen+nlen : centralLen+nlen+xlen]
	sentinel := e.CompressedSize == max32 || e.UncompressedSize == max32 || lho == max32
	if _, _, why := findExtra(extra, -1); why != "" {
		// miniz walks the block only to find the ZIP64 field, and fails
		// if it breaks before that; Python's zipfile walks all of it.
		t := TorchReads
		if _, _, whyZ := findExtra(extra, 0x0001); sentinel && whyZ != "" {
			t = TorchFailsArchive
		}
		z.entry(e, KindExtraMalformed, e.recOffset, t, "central extra field: %s; Python's zipfile refuses it", why)
	}
	if sentinel {
		lho = z.resolveZip64(e, extra, lho)
	}
	e.HeaderOffset = -1
	if lho <= math.MaxInt64-uint64(max(z.Shift, 0)) {
		e.HeaderOffset = int64(lho) + z.Shift
	}
	if disk := le16(rec[34:]); disk != 0 {
		t := TorchReads
		if disk == max16 || (uint32(disk) != d.disk && disk != 1) {
			t = TorchFailsArchive
		}
		z.entry(e, KindDiskNumber, e.recOffset, t, "entry starts on disk %d", disk)
	}
	z.checkFlags(e, e.Flags, e.Method, e.recOffset, true)
	if e.Method != 0 && e.Method != 8 {
		z.entry(e, KindUnsupportedMethod, e.recOffset, TorchFailsEntry, "compression method %d (%s)", e.Method, methodName(e.Method))
	}
	z.checkSizes(e, rec, lho)
	if z.isDir(e) && (e.CompressedSize > 0 || e.UncompressedSize > 0) {
		z.entry(e, KindDirectoryEntry, e.recOffset, TorchFailsEntry,
			"entry with %d bytes of data is a directory to torch (name ends in \"/\" or attribute %#x): torch returns an unfilled %d-byte buffer instead of the data",
			e.CompressedSize, e.extAttr, e.UncompressedSize)
	}
}

// resolveZip64 replaces the sentinel sizes and offset of e with the values
// of the ZIP64 extra field, reading them in miniz's order. It returns the
// local header offset.
func (z *Reader) resolveZip64(e *Entry, extra []byte, lho uint64) uint64 {
	body, ok, _ := findExtra(extra, 0x0001)
	if !ok {
		z.entry(e, KindZip64Inconsistent, e.recOffset, TorchReads,
			"sizes %#x/%#x or offset %#x hold the ZIP64 sentinel but there is no ZIP64 extra field; torch uses 0xFFFFFFFF literally",
			e.CompressedSize, e.UncompressedSize, lho)
		return lho
	}
	var missing []string
	take := func(v *uint64, name string) {
		if *v != max32 {
			return
		}
		if len(body) < 8 {
			missing = append(missing, name)
			return
		}
		*v, body = le64(body), body[8:]
	}
	take(&e.UncompressedSize, "uncompressed size")
	take(&e.CompressedSize, "compressed size")
	take(&lho, "local header offset")
	if missing != nil {
		z.entry(e, KindZip64Inconsistent, e.recOffset, TorchFailsEntry,
			"ZIP64 extra field lacks the %s that the sentinel(s) call for", strings.Join(missing, " and "))
	}
	return lho
}

// findExtra returns the data of the first extra field with the given id, and
// why the block is malformed (if it is) up to that field. With id -1 it
// checks the whole block.
func findExtra(extra []byte, id int) (body []byte, ok bool, why string) {
	for len(extra) > 0 {
		if len(extra) < 4 {
			return nil, false, fmt.Sprintf("%d trailing bytes, too few for a field header", len(extra))
		}
		fid, n := le16(extra), int(le16(extra[2:]))
		if 4+n > len(extra) {
			return nil, false, fmt.Sprintf("field %#04x of %d bytes runs %d bytes past the block", fid, n, 4+n-len(extra))
		}
		if int(fid) == id {
			return extra[4 : 4+n], true, ""
		}
		extra = extra[4+n:]
	}
	return nil, false, ""
}

// checkSizes applies miniz's central directory checks on sizes and
// bounds. torch 1.13's miniz 2.1 runs them on the raw 32-bit fields, so a
// sentinel skips a check or, for the offset, fails it; miniz 3 (newer
// torch) runs them on the ZIP64 values. Effects follow miniz 2.1, the
// version reproduced in testdata.
func (z *Reader) checkSizes(e *Entry, raw []byte, lho uint64) {
	c, u := e.CompressedSize, e.UncompressedSize
	rc, ru, rl := uint64(le32(raw[20:])), uint64(le32(raw[24:])), uint64(le32(raw[42:]))
	checked := rc != max32 && ru != max32
	t := func(fails bool) TorchEffect {
		if fails && checked {
			return TorchFailsArchive
		}
		return TorchReads
	}
	switch {
	case u != 0 && c == 0:
		z.entry(e, KindSizeMismatch, e.recOffset, t(true), "uncompressed size %d but compressed size 0", u)
	case e.Method == 0 && c != u && c != max32 && u != max32:
		// miniz reads method and DOS time as one 32-bit value here, so the
		// check only runs when the time field is 0.
		z.entry(e, KindSizeMismatch, e.recOffset, t(e.modTime == 0),
			"stored entry with compressed size %d and uncompressed size %d: torch reads %d bytes, Python's zipfile %d",
			c, u, u, min(c, u))
	}
	if rc == max32 {
		return
	}
	rawFails := rl+localLen+rc > uint64(z.size)
	switch {
	case lho > uint64(z.size) || c > uint64(z.size) || lho+localLen+c > uint64(z.size):
		t := TorchReads // torch fails later, reading the local header
		if rawFails {
			t = TorchFailsArchive
		}
		z.entry(e, KindOutOfBounds, e.recOffset, t,
			"local header offset %d + 30 + compressed size %d exceeds the %d-byte file", lho, c, z.size)
	case rawFails:
		z.entry(e, KindZip64Inconsistent, e.recOffset, TorchFailsArchive,
			"local header offset is the ZIP64 sentinel: torch 1.13's reader (miniz 2.1) checks 0xFFFFFFFF + 30 + compressed size %d against the %d-byte file and refuses the archive (miniz 3 uses the ZIP64 offset %d; files over 4 GiB pass either way)",
			c, z.size, lho)
	}
}

// isDir reports whether miniz treats e as a directory and reads nothing.
func (z *Reader) isDir(e *Entry) bool {
	return strings.HasSuffix(e.Name, "/") || e.extAttr&0x10 != 0
}

// unusualFlags are general-purpose flag bits no model file sets: enhanced
// deflate, patch data, unused bits, reserved bits and masked headers.
const unusualFlags = 0x0010 | 0x0020 | 0x0080 | 0x0100 | 0x0200 | 0x0400 | 0x1000 | 0x2000 | 0x4000 | 0x8000

// checkFlags reports encryption and unusual bits in one header's flags.
// Only the central flags matter to torch.
func (z *Reader) checkFlags(e *Entry, flags, method uint16, off int64, central bool) {
	where := "local header"
	if central {
		where = "central directory"
	}
	if enc := flags & 0x41; enc != 0 {
		t := TorchReads
		if central {
			t = TorchFailsEntry
		}
		z.entry(e, KindEncrypted, off, t, "%s flags %#04x set encryption bit(s) %#x; the data is read as stored", where, flags, enc)
	}
	odd := flags & unusualFlags
	if method != 6 && method != 8 && method != 9 && method != 14 {
		odd |= flags & 0x6
	}
	if odd == 0 {
		return
	}
	t := TorchReads
	switch {
	case central && odd&0x2000 != 0:
		t = TorchFailsArchive
	case central && odd&0x20 != 0:
		t = TorchFailsEntry
	}
	z.entry(e, KindFlagBits, off, t, "%s flags %#04x have unusual bits %#04x (%s)", where, flags, odd, flagNames(odd))
}

// flagNames describes the unusual bits in odd.
func flagNames(odd uint16) string {
	var s []string
	for _, b := range []struct {
		bit  uint16
		name string
	}{
		{0x6, "compression options on a method without them"},
		{0x10, "enhanced deflate"},
		{0x20, "patch data"},
		{0x780, "unused"},
		{0x1000, "reserved"},
		{0x2000, "masked local headers"},
		{0xC000, "reserved"},
	} {
		if odd&b.bit != 0 {
			s = append(s, b.name)
		}
	}
	return strings.Join(s, ", ")
}

// methodName names common compression methods.
func methodName(m uint16) string {
	switch m {
	case 0:
		return "stored"
	case 8:
		return "deflate"
	case 9:
		return "deflate64"
	case 12:
		return "bzip2"
	case 14:
		return "lzma"
	case 93:
		return "zstd"
	case 95:
		return "xz"
	case 99:
		return "AES encrypted"
	}
	return "unknown"
}
