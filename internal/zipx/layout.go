package zipx

import (
	"cmp"
	"math"
	"slices"
)

// span is a byte range of the input that a record covers.
type span struct {
	start, end int64
	idx        int    // entry index, or -1 for the archive's own records
	what       string // for the archive's own records
}

// checkLayout reports overlapping records, prepended and trailing bytes, and
// gaps no record covers. Each entry covers its local header, the data torch
// reads and its data descriptor.
func (z *Reader) checkLayout(d *dirInfo) {
	spans := make([]span, 0, len(z.Entries)+4)
	for _, e := range z.Entries {
		if e.HeaderOffset < 0 || e.HeaderOffset >= z.size {
			continue
		}
		end := e.HeaderOffset + localLen
		if e.DataOffset >= 0 {
			// Data that runs past the end of the file (reported as
			// entry-out-of-bounds) is not there: cover the header only.
			end = min(e.DataOffset, z.size)
			if z.inFile(e.DataOffset, max(e.CompressedSize, e.torchLen())) {
				end = max(addSat(e.DataOffset, e.CompressedSize, uint64(e.descLen)), addSat(e.DataOffset, e.torchLen(), 0))
			}
		}
		spans = append(spans, span{e.HeaderOffset, min(end, z.size), e.Index, ""})
	}
	spans = append(spans, span{z.DirOffset, z.DirOffset + z.DirSize, -1, "central directory"})
	if d.e64 >= 0 {
		spans = append(spans, span{d.e64, d.e64 + d.e64Len, -1, "ZIP64 end record"})
	}
	if d.e64 < 0 && d.adj64 {
		spans = append(spans, span{d.loc - end64Len, d.loc, -1, "ZIP64 end record Python's zipfile reads"})
	}
	if d.loc >= 0 {
		spans = append(spans, span{d.loc, d.loc + locator64Len, -1, "ZIP64 locator"})
	}
	spans = append(spans, span{d.eocd, d.commentEnd, -1, "end record"})
	slices.SortStableFunc(spans, func(a, b span) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end), cmp.Compare(a.idx, b.idx))
	})
	var cur int64
	var owner *span
	for i := range spans {
		s := &spans[i]
		if s.end <= s.start {
			continue
		}
		switch {
		case s.start > cur && owner == nil:
			z.prepended(s.start)
		case s.start > cur:
			z.archive(KindGap, cur, TorchReads, "%d bytes at offsets %d to %d that no record covers", s.start-cur, cur, s.start)
		case s.start < cur:
			z.overlap(s, owner)
		}
		if s.end > cur {
			cur, owner = s.end, s
		}
	}
	if cur < z.size {
		z.archive(KindTrailingData, cur, TorchReads, "%d bytes after the end of the archive at offset %d", z.size-cur, cur)
	}
}

// prepended reports bytes before the first record at first.
func (z *Reader) prepended(first int64) {
	t := TorchReads
	if le32(z.head[:]) != sigLocal {
		t = TorchFailsArchive
	}
	z.archive(KindPrependedData, 0, t,
		"%d bytes before the first record at offset %d; torch.load opens the file as a zip only if it starts with \"PK\\x03\\x04\" (it starts with %q)",
		first, first, z.head[:min(z.size, 4)])
}

// overlap reports s, which starts inside owner.
func (z *Reader) overlap(s, owner *span) {
	switch {
	case s.idx >= 0 && owner.idx >= 0:
		o := z.Entries[owner.idx]
		z.entry(z.Entries[s.idx], KindOverlap, s.start, TorchReads,
			"bytes %d to %d overlap entry #%d %s (bytes %d to %d)", s.start, s.end, o.Index, clip(o.Name), owner.start, owner.end)
	case s.idx >= 0:
		z.entry(z.Entries[s.idx], KindOverlap, s.start, TorchReads,
			"bytes %d to %d overlap the %s (bytes %d to %d)", s.start, s.end, owner.what, owner.start, owner.end)
	case owner.idx >= 0:
		z.entry(z.Entries[owner.idx], KindOverlap, owner.start, TorchReads,
			"bytes %d to %d contain the %s (bytes %d to %d)", owner.start, owner.end, s.what, s.start, s.end)
	default:
		z.archive(KindOverlap, s.start, TorchReads, "the %s (bytes %d to %d) overlaps the %s (bytes %d to %d)",
			s.what, s.start, s.end, owner.what, owner.start, owner.end)
	}
}

// addSat returns off+a+b, saturating at math.MaxInt64.
func addSat(off int64, a, b uint64) int64 {
	room := uint64(math.MaxInt64 - off)
	if a > room || b > room-a {
		return math.MaxInt64
	}
	return off + int64(a+b)
}
