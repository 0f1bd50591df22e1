package zipx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestZip64(t *testing.T) {
	tests := []struct {
		name  string
		zip   []byte
		kinds []AnomalyKind
		opens bool
		err   error
	}{
		{name: "sentinels everywhere with ZIP64 extra fields", opens: true,
			zip: torchZip(func(z *bZip) {
				z.sentinels = true
				for _, e := range z.entries {
					e.zip64 = "ucl"
				}
			})},
		{name: "extra field with the uncompressed size only", opens: true,
			zip: torchZip(func(z *bZip) { z.entries[1].zip64 = "u" })},
		{name: "extra field with both sizes only", opens: true,
			zip: torchZip(func(z *bZip) { z.entries[1].zip64 = "uc" })},
		{name: "extra field with the offset only", kinds: sorted(KindZip64Inconsistent),
			zip: torchZip(func(z *bZip) { z.entries[1].zip64 = "l" })},
		{name: "extra field shorter than the sentinels need", opens: true, kinds: sorted(KindZip64Inconsistent, KindOutOfBounds, KindGap),
			zip: torchZip(func(z *bZip) { z.entries[1].zip64, z.entries[1].zip64Short = "uc", true })},
		{name: "no ZIP64 records at all", opens: true,
			zip: torchZip(func(z *bZip) { z.noZip64 = true })},
		{name: "sentinels without a locator", err: ErrOutOfBounds,
			zip: torchZip(func(z *bZip) { z.noZip64, z.sentinels = true, true })},
		{name: "locator says two disks", kinds: sorted(KindZip64Inconsistent),
			zip: torchZip(func(z *bZip) { z.locatorDisks = p32(2) })},
		{name: "ZIP64 end record size field 20", kinds: sorted(KindZip64Inconsistent),
			zip: torchZip(func(z *bZip) { z.end64Size = p64(20) })},
		{name: "ZIP64 end record claims extensible data", opens: true, kinds: sorted(KindZip64Inconsistent, KindOverlap),
			zip: torchZip(func(z *bZip) { z.end64Size = p64(60) })},
		{name: "locator points past the end", kinds: sorted(KindZip64Inconsistent),
			zip: torchZip(func(z *bZip) { z.locator = p64(1 << 40) })},
		{name: "locator points at a local header", opens: true, kinds: sorted(KindZip64Inconsistent),
			zip: torchZip(func(z *bZip) { z.locator = p64(0) })},
		{name: "end record count differs from the ZIP64 count", opens: true, kinds: sorted(KindZip64Inconsistent),
			zip: torchZip(func(z *bZip) { z.count32 = p64(2) })},
		{name: "more than 2^32 entries declared", kinds: sorted(KindZip64Inconsistent, KindCDCountMismatch),
			zip: torchZip(func(z *bZip) { z.count64 = p64(1 << 33) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, err := NewReader(bytes.NewReader(tt.zip), int64(len(tt.zip)), Limits{})
			if tt.err != nil || err != nil {
				var fe *FormatError
				if !errors.Is(err, tt.err) || !errors.As(err, &fe) {
					t.Fatalf("NewReader error = %v, want a *FormatError wrapping %v", err, tt.err)
				}
				return
			}
			if diff := kindsDiff(tt.kinds, z); diff != "" {
				t.Error(diff)
			}
			if got := z.TorchOpens(); got != tt.opens {
				t.Errorf("TorchOpens = %v, want %v\n%s", got, tt.opens, anomalyList(z))
			}
			if !z.Zip64 {
				return
			}
			want := torchEntries()
			for i, e := range z.Entries {
				if e.Name != want[i].name {
					continue
				}
				if e.HeaderOffset < 0 || z.hasKind(e, KindZip64Inconsistent) {
					continue
				}
				if got := readEntry(t, z, e); !bytes.Equal(got, want[i].data) {
					t.Errorf("%s reads %q, want %q", e.Name, got, want[i].data)
				}
			}
		})
	}
}

// TestZip64DecoyDirectory builds an archive whose 32-bit end record points
// at a decoy central directory while the ZIP64 end record points at the
// real one. torch and Python's zipfile follow the ZIP64 record; Go's
// archive/zip, which consults ZIP64 only for sentinels, reads the decoy.
func TestZip64DecoyDirectory(t *testing.T) {
	good := ent("archive/data.pkl", []byte("benign"))
	good.notInCD = true
	evil := ent("archive/data.pkl", []byte("the pickle torch loads"))
	z := &bZip{entries: []*bEntry{good, evil}}
	decoy := z.central(nil, good) // good sits at offset 0
	z.gaps = map[int][]byte{0: decoy}
	b := z.bytes()
	at := bytes.Index(b, decoy)
	copy(b[len(b)-6:], le(nil).u32(uint32(at))) // the end record's directory offset

	r := mustNew(t, b, Limits{})
	if diff := kindsDiff(sorted(KindZip64Inconsistent, KindPrependedData), r); diff != "" {
		t.Error(diff)
	}
	if got := readEntry(t, r, r.Lookup("archive/data.pkl")); string(got) != "the pickle torch loads" {
		t.Errorf("zipx reads %q", got)
	}
	gz, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := gz.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	if string(got) != "benign" {
		t.Errorf("archive/zip reads %q; the differential this test documents is gone", got)
	}
}

// sparse is a large virtual file of zeros with a few written regions.
type sparse struct {
	size int64
	segs []sparseSeg
}

type sparseSeg struct {
	off int64
	b   []byte
}

func (s *sparse) write(off int64, b []byte) {
	s.segs = append(s.segs, sparseSeg{off, b})
	s.size = max(s.size, off+int64(len(b)))
}

func (s *sparse) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= s.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), s.size-off))
	clear(p[:n])
	for _, g := range s.segs {
		lo, hi := max(off, g.off), min(off+int64(n), g.off+int64(len(g.b)))
		if lo < hi {
			copy(p[lo-off:hi-off], g.b[lo-g.off:hi-g.off])
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestZip64Large lays out a 4.6 GiB archive the way torch (miniz) writes
// one: a storage record over 4 GiB with ZIP64 sizes, a record whose local
// header lies past 4 GiB with a ZIP64 offset, 24-byte data descriptors for
// the large one, and end records whose offset is a sentinel. Such files
// are legitimate and must show no anomaly.
func TestZip64Large(t *testing.T) {
	const big = 4<<30 + 512<<20
	f := &sparse{}
	var cur int64
	local := func(name string, z64 []byte, data []byte, n int64, crc uint32) int64 {
		lho := cur
		extra := append(z64, torchPadding(int(cur)+len(z64), len(name))...)
		h := le(nil).u32(sigLocal).u16(45).u16(0x0808).u16(0).u16(0).u16(0).u32(0).u32(0).u32(0).
			u16(uint16(len(name))).u16(uint16(len(extra)))
		h = append(append(h, name...), extra...)
		f.write(cur, h)
		cur += int64(len(h))
		f.write(cur, data)
		cur += n
		var d le
		if n >= max32 {
			d = le(nil).u32(sigDescriptor).u32(crc).u64(uint64(n)).u64(uint64(n))
		} else {
			d = le(nil).u32(sigDescriptor).u32(crc).u32(uint32(n)).u32(uint32(n))
		}
		f.write(cur, d)
		cur += int64(len(d))
		return lho
	}
	pkl := torchEntries()[0].data
	l0 := local("archive/data.pkl", nil, pkl, int64(len(pkl)), 1)
	l1 := local("archive/data/0", le(nil).u16(1).u16(16).u64(big).u64(big), nil, big, 2)
	l2 := local("archive/version", le(nil).u16(1).u16(8).u64(uint64(cur)), []byte("3\n"), 2, 3)
	cdOff := cur
	var cd le
	rec := func(name string, crc uint32, c, u, lho uint32, extra []byte) {
		cd = cd.u32(sigCentral).u16(0x031e).u16(45).u16(0x0808).u16(0).u16(0).u16(0).u32(crc).u32(c).u32(u).
			u16(uint16(len(name))).u16(uint16(len(extra))).u16(0).u16(0).u16(0).u32(0).u32(lho)
		cd = append(append(cd, name...), extra...)
	}
	rec("archive/data.pkl", 1, uint32(len(pkl)), uint32(len(pkl)), uint32(l0), nil)
	rec("archive/data/0", 2, max32, max32, uint32(l1), le(nil).u16(1).u16(16).u64(big).u64(big))
	rec("archive/version", 3, 2, 2, max32, le(nil).u16(1).u16(8).u64(uint64(l2)))
	e64 := cdOff + int64(len(cd))
	end := le(nil).u32(sigEnd64).u64(44).u16(0x031e).u16(45).u32(0).u32(0).u64(3).u64(3).u64(uint64(len(cd))).u64(uint64(cdOff))
	end = end.u32(sigLocator64).u32(0).u64(uint64(e64)).u32(1)
	end = end.u32(sigEnd).u16(0).u16(0).u16(3).u16(3).u32(uint32(len(cd))).u32(max32).u16(0)
	f.write(cdOff, append(cd, end...))

	z, err := NewReader(f, f.size, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(z.Anomalies) != 0 || !z.TorchOpens() || !z.Zip64 {
		t.Errorf("Zip64 = %v, TorchOpens = %v, anomalies:\n%s", z.Zip64, z.TorchOpens(), anomalyList(z))
	}
	e := z.Lookup("archive/data/0")
	if s, ok := z.Section(e); !ok || s.Size() != big || e.HeaderOffset != l1 {
		t.Errorf("data/0: section %v, header at %d (want %d)", s, e.HeaderOffset, l1)
	}
	v := z.Lookup("archive/version")
	if v.HeaderOffset != l2 || v.HeaderOffset < 1<<32 {
		t.Errorf("version header at %d, want %d", v.HeaderOffset, l2)
	}
	if got := readEntry(t, z, v); string(got) != "3\n" {
		t.Errorf("version reads %q", got)
	}
}
