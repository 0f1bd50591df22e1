package zipx

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// Record signatures and fixed sizes.
const (
	sigLocal      = 0x04034b50
	sigCentral    = 0x02014b50
	sigEnd        = 0x06054b50
	sigEnd64      = 0x06064b50
	sigLocator64  = 0x07064b50
	sigDescriptor = 0x08074b50

	localLen     = 30
	centralLen   = 46
	endLen       = 22
	end64Len     = 56
	locator64Len = 20

	max16 = 0xFFFF
	max32 = 0xFFFFFFFF
)

// Entry is one central directory record, resolved the way torch resolves it.
type Entry struct {
	Name        string // central directory name
	LocalName   string // local header name; "" if unreadable; cut to 1 KiB when it differs from Name
	Method      uint16 // central compression method
	LocalMethod uint16 // local header compression method
	Flags       uint16 // central general-purpose flags
	LocalFlags  uint16 // local header general-purpose flags
	CRC32       uint32 // central CRC-32
	// CompressedSize and UncompressedSize come from the central directory,
	// or from its ZIP64 extra field where the 32-bit value is 0xFFFFFFFF.
	CompressedSize   uint64
	UncompressedSize uint64
	// HeaderOffset is the local header offset (ZIP64-aware), or -1 if it
	// does not fit in an int64.
	HeaderOffset int64
	// DataOffset is HeaderOffset + 30 + local name length + local extra
	// length, where torch reads the data; -1 if the local header is
	// unreadable.
	DataOffset int64
	Index      int // position in the central directory

	recOffset int64  // offset of the central directory record
	modTime   uint16 // DOS time, which miniz's stored-size check reads by accident
	extAttr   uint32
	descLen   int64 // length of the data descriptor found after the data
}

// Reader holds the parsed central directory of a zip archive and the
// anomalies found in it. NewReader fills it; Open, Section and Lookup may be
// called concurrently. CheckCRC appends to Anomalies and must not run
// concurrently with code that reads Anomalies.
type Reader struct {
	// Entries are the central directory records in directory order,
	// including records past the declared count (which torch does not see,
	// see DeclaredEntries).
	Entries []*Entry
	// Anomalies lists every irregularity found, in a deterministic order.
	Anomalies []Anomaly
	// DroppedAnomalies counts anomalies not recorded because
	// Limits.MaxAnomalies was reached.
	DroppedAnomalies int
	// Comment is the archive comment (clipped to the input).
	Comment string
	// Zip64 reports that torch's reader takes the counts, size and offset of
	// the central directory from a ZIP64 end record.
	Zip64 bool
	// EndOffset is the offset of the end of central directory record torch
	// uses.
	EndOffset int64
	// DirOffset and DirSize locate the central directory that was read.
	DirOffset, DirSize int64
	// DeclaredEntries is the entry count from the end record(s). torch
	// indexes exactly the first DeclaredEntries records.
	DeclaredEntries uint64
	// Shift is non-zero when torch's reader finds no central directory but
	// Python's zipfile does, by shifting every offset by Shift bytes to
	// compensate for prepended data; offsets in Entries then include it.
	Shift int64

	r    io.ReaderAt
	size int64
	lim  Limits
	head [4]byte // the first bytes of the input
	buf  []byte  // scratch space for NewReader, see scratch

	dropped TorchEffect // worst effect among dropped anomalies

	mu         sync.Mutex
	crcChecked map[crcKey]bool

	sortOnce sync.Once
	sorted   []int32
}

// IsZip reports whether head, the first bytes of a file, starts like a zip
// archive: "PK\x03\x04" (a local header) or "PK\x05\x06" (an empty
// archive), the two prefixes numpy.load accepts. torch.load's _is_zipfile
// accepts only the first; a file that holds a zip after other bytes gets a
// KindPrependedData anomaly saying whether torch.load opens it.
func IsZip(head []byte) bool {
	if len(head) < 4 || head[0] != 'P' || head[1] != 'K' {
		return false
	}
	return (head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6)
}

// NewReader reads the central directory of the size-byte archive in r the
// way torch's reader does, then every local header, and records anomalies.
// It returns an error only when no central directory can be located or read
// (a *FormatError naming the offset and field), when a Limits value is
// exceeded (a *LimitError), or when r fails.
func NewReader(r io.ReaderAt, size int64, lim Limits) (*Reader, error) {
	z := &Reader{r: r, size: size, lim: lim.withDefaults(), EndOffset: -1}
	if size >= 4 {
		if err := z.readAt(z.head[:], 0, "file header"); err != nil {
			return nil, err
		}
	}
	pos, err := z.findEnd()
	if err != nil {
		return nil, err
	}
	d, err := z.readEnd(pos)
	if err != nil {
		return nil, err
	}
	if err := z.readDir(d); err != nil {
		return nil, err
	}
	for _, e := range z.Entries {
		if err := z.readLocal(e); err != nil {
			return nil, err
		}
	}
	z.buf = nil
	z.checkNames()
	z.checkLayout(d)
	return z, nil
}

// readAt fills buf from off. The caller has checked that the range lies in
// the input, so a short read is an I/O error, reported as such.
func (z *Reader) readAt(buf []byte, off int64, what string) error {
	n, err := z.r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("zipx: reading %s (%d bytes at offset %d): %w", what, len(buf), off, err)
}

// inFile reports whether [off, off+n) lies inside the input.
func (z *Reader) inFile(off int64, n uint64) bool {
	return off >= 0 && off <= z.size && n <= uint64(z.size-off)
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
