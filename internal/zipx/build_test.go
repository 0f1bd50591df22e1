package zipx

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// bEntry is one record for bZip, the test writer. It writes the layout
// torch's PyTorchStreamWriter writes (the same as testdata/gen.py) unless a
// field asks for a trick.
type bEntry struct {
	name, localName string // localName "" means name
	data            []byte // bytes stored in the file
	plain           []byte // uncompressed bytes of a deflated entry
	method          uint16
	localMethod     *uint16
	cflags, lflags  uint16
	crc             *uint32 // central and descriptor CRC; default CRC of plain (or data)
	descCRC         *uint32 // descriptor CRC override
	usize           *uint64 // uncompressed size; default len(plain or data)
	csizeCD         *uint64 // central compressed size override
	usizeCD         *uint64 // central uncompressed size override
	lhoCD           *uint64 // central local header offset override
	time            uint16
	attr            uint32
	disk            uint16
	zip64           string // central sentinels with a ZIP64 extra: subset of "ucl"
	zip64Short      bool   // the ZIP64 extra holds only the first value
	cdExtra         []byte // raw central extra field (replaces the ZIP64 one)
	notInCD         bool
	aliasOf         int // 1 + index of the entry whose local header this record names
	lho             uint64
}

// ent returns a torch-style stored entry.
func ent(name string, data []byte) *bEntry {
	return &bEntry{name: name, data: data, cflags: 0x0808, lflags: 0x0808}
}

// deflated returns a torch-style entry holding plain deflated.
func deflated(name string, plain []byte) *bEntry {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(plain)
	w.Close()
	e := ent(name, b.Bytes())
	e.plain, e.method = plain, 8
	return e
}

func (e *bEntry) content() []byte {
	if e.plain != nil {
		return e.plain
	}
	return e.data
}

func (e *bEntry) crc32() uint32 {
	if e.crc != nil {
		return *e.crc
	}
	return crc32.ChecksumIEEE(e.content())
}

func (e *bEntry) uncompressed() uint64 {
	if e.usize != nil {
		return *e.usize
	}
	return uint64(len(e.content()))
}

// bZip is a zip archive to write, with knobs for tricks.
type bZip struct {
	entries          []*bEntry
	prepend          []byte
	relative         bool // offsets not adjusted for prepend
	comment          []byte
	commentLen       *uint16
	trailing         []byte
	sentinels        bool // end record holds ZIP64 sentinels
	noZip64          bool // no ZIP64 end record and locator
	locator          *uint64
	locatorDisks     *uint32
	end64Size        *uint64
	count32, count64 *uint64
	cdOff32          *uint64
	gaps             map[int][]byte // bytes written after entry i
	extraCD          []byte         // bytes appended to the central directory
}

func p16(v uint16) *uint16 { return &v }
func p32(v uint32) *uint32 { return &v }
func p64(v uint64) *uint64 { return &v }

func or64(p *uint64, v uint64) uint64 {
	if p != nil {
		return *p
	}
	return v
}

type le []byte

func (b le) u16(v uint16) le { return binary.LittleEndian.AppendUint16(b, v) }
func (b le) u32(v uint32) le { return binary.LittleEndian.AppendUint32(b, v) }
func (b le) u64(v uint64) le { return binary.LittleEndian.AppendUint64(b, v) }

// torchPadding is torch's detail::getPadding: an "FB" extra field that
// aligns the data to 64 bytes.
func torchPadding(cursor, nameLen int) []byte {
	start := cursor + 30 + nameLen + 4
	pad := (64 - start%64) % 64
	return append(le("FB").u16(uint16(pad)), bytes.Repeat([]byte("Z"), pad)...)
}

func (z *bZip) bytes() []byte {
	out := le(append([]byte(nil), z.prepend...))
	base := 0
	if z.relative {
		base = len(z.prepend)
	}
	for i, e := range z.entries {
		if e.aliasOf > 0 {
			continue
		}
		e.lho = uint64(len(out) - base)
		lname := e.localName
		if lname == "" {
			lname = e.name
		}
		extra := torchPadding(len(out), len(lname))
		lm := e.method
		if e.localMethod != nil {
			lm = *e.localMethod
		}
		out = out.u32(sigLocal).u16(0).u16(e.lflags).u16(lm).u16(e.time).u16(0).
			u32(0).u32(0).u32(0).u16(uint16(len(lname))).u16(uint16(len(extra)))
		out = append(append(append(out, lname...), extra...), e.data...)
		if e.lflags&8 != 0 {
			crc := e.crc32()
			if e.descCRC != nil {
				crc = *e.descCRC
			}
			out = out.u32(sigDescriptor).u32(crc).u32(uint32(len(e.data))).u32(uint32(e.uncompressed()))
		}
		out = append(out, z.gaps[i]...)
	}
	cdOff := uint64(len(out) - base)
	n := 0
	for _, e := range z.entries {
		if e.notInCD {
			continue
		}
		n++
		out = z.central(out, e)
	}
	out = append(out, z.extraCD...)
	cdSize := uint64(len(out)-base) - cdOff
	if !z.noZip64 {
		e64 := uint64(len(out) - base)
		n64 := or64(z.count64, uint64(n))
		out = out.u32(sigEnd64).u64(or64(z.end64Size, 44)).u16(0x031e).u16(0x2d).u32(0).u32(0).
			u64(n64).u64(n64).u64(cdSize).u64(cdOff)
		disks := uint32(1)
		if z.locatorDisks != nil {
			disks = *z.locatorDisks
		}
		out = out.u32(sigLocator64).u32(0).u64(or64(z.locator, e64)).u32(disks)
	}
	n32 := uint16(or64(z.count32, uint64(n)))
	size32, off32 := uint32(cdSize), uint32(or64(z.cdOff32, cdOff))
	if z.sentinels {
		n32, size32, off32 = max16, max32, max32
	}
	clen := uint16(len(z.comment))
	if z.commentLen != nil {
		clen = *z.commentLen
	}
	out = out.u32(sigEnd).u16(0).u16(0).u16(n32).u16(n32).u32(size32).u32(off32).u16(clen)
	return append(append(out, z.comment...), z.trailing...)
}

// central appends e's central directory record.
func (z *bZip) central(out le, e *bEntry) le {
	src := e
	if e.aliasOf > 0 {
		src = z.entries[e.aliasOf-1]
	}
	c := or64(e.csizeCD, uint64(len(src.data)))
	u := or64(e.usizeCD, src.uncompressed())
	lho := or64(e.lhoCD, src.lho)
	var extra []byte
	if e.zip64 != "" {
		var vals []uint64
		for _, f := range []struct {
			c byte
			v *uint64
		}{{'u', &u}, {'c', &c}, {'l', &lho}} {
			if bytes.IndexByte([]byte(e.zip64), f.c) >= 0 {
				vals = append(vals, *f.v)
				*f.v = max32
			}
		}
		if e.zip64Short {
			vals = vals[:1]
		}
		extra = le(nil).u16(1).u16(uint16(8 * len(vals)))
		for _, v := range vals {
			extra = le(extra).u64(v)
		}
	}
	if e.cdExtra != nil {
		extra = e.cdExtra
	}
	method := e.method
	if e.aliasOf > 0 {
		method = src.method
	}
	out = out.u32(sigCentral).u16(0).u16(0).u16(e.cflags).u16(method).u16(e.time).u16(0).
		u32(src.crc32()).u32(uint32(c)).u32(uint32(u)).u16(uint16(len(e.name))).u16(uint16(len(extra))).
		u16(0).u16(e.disk).u16(0).u32(e.attr).u32(uint32(lho))
	return append(append(out, e.name...), extra...)
}

// torchEntries returns the records of a small torch.save archive.
func torchEntries() []*bEntry {
	return []*bEntry{
		ent("archive/data.pkl", []byte("\x80\x02}q\x00X\x01\x00\x00\x00wq\x01K\x01s.")),
		ent("archive/data/0", bytes.Repeat([]byte{0, 0, 0x80, 0x3f}, 6)),
		ent("archive/version", []byte("3\n")),
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustNew(t testing.TB, b []byte, lim Limits) *Reader {
	t.Helper()
	z, err := NewReader(bytes.NewReader(b), int64(len(b)), lim)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return z
}

func readEntry(t testing.TB, z *Reader, e *Entry) []byte {
	t.Helper()
	rc, err := z.Open(e)
	if err != nil {
		t.Fatalf("Open(%q): %v", e.Name, err)
	}
	defer rc.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(rc); err != nil {
		t.Fatalf("reading %q: %v", e.Name, err)
	}
	return b.Bytes()
}

// TestBuilderMatchesTorch checks that the test writer reproduces a real
// torch.save file byte for byte, so that archives built with it differ
// from torch's only by the tricks asked for.
func TestBuilderMatchesTorch(t *testing.T) {
	want := mustRead(t, "testdata/torch/base.pt")
	z := mustNew(t, want, Limits{})
	var b bZip
	for _, e := range z.Entries {
		b.entries = append(b.entries, ent(e.Name, readEntry(t, z, e)))
	}
	if diff := cmp.Diff(want, b.bytes()); diff != "" {
		t.Errorf("writer output differs from torch.save (-torch +writer):\n%s", diff)
	}
}
