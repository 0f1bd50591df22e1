package zipx

import (
	"strconv"
	"strings"
)

// checkNames reports entries whose names collide, exactly or in ASCII case
// only (miniz compares names case-insensitively).
func (z *Reader) checkNames() {
	exact := make(map[string]int, len(z.Entries))
	folded := make(map[string]int, len(z.Entries))
	for _, e := range z.Entries {
		low := lowerASCII(e.Name)
		j, same := exact[e.Name]
		if !same {
			exact[e.Name] = e.Index
		}
		k, fold := folded[low]
		if !fold {
			folded[low] = e.Index
		}
		switch {
		case same:
			z.entry(e, KindDuplicateName, e.recOffset, TorchReads, "same name as entry #%d; %s", j, z.pickNote(e.Name))
		case fold:
			z.entry(e, KindDuplicateName, e.recOffset, TorchReads,
				"name differs from entry #%d %s only in ASCII case, which torch's lookup ignores; %s", k, clip(z.Entries[k].Name), z.pickNote(e.Name))
		}
	}
}

// pickNote says which entry torch's lookup returns for name.
func (z *Reader) pickNote(name string) string {
	if p := z.Lookup(name); p != nil {
		return "torch's lookup of this name returns entry #" + strconv.Itoa(p.Index)
	}
	return "torch's lookup does not find this name"
}

// Lookup returns the entry torch's reader returns for name (for example
// "archive/data.pkl"), or nil. Like miniz it compares names without regard
// to ASCII case, stops name at a NUL byte, and binary-searches a heap sort
// of the first DeclaredEntries records, so that among entries whose names
// collide it returns the one torch reads.
func (z *Reader) Lookup(name string) *Entry {
	if i := strings.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	z.sortOnce.Do(z.sortNames)
	lo, hi := 0, len(z.sorted)-1
	for lo <= hi {
		m := lo + (hi-lo)>>1
		e := z.Entries[z.sorted[m]]
		switch c := compareFold(e.Name, name); {
		case c == 0:
			return e
		case c < 0:
			lo = m + 1
		default:
			hi = m - 1
		}
	}
	return nil
}

// sortNames heap-sorts the indices of the records torch indexes, with the
// same sift-down steps as miniz's
// mz_zip_reader_sort_central_dir_offsets_by_filename: heap sort is not
// stable, and reproducing it exactly is what makes Lookup agree with torch
// on duplicate names.
func (z *Reader) sortNames() {
	n := int(min(z.DeclaredEntries, uint64(len(z.Entries))))
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	z.sorted = idx
	if n <= 1 {
		return
	}
	less := func(a, b int32) bool { return lessFold(z.Entries[a].Name, z.Entries[b].Name) }
	sift := func(root, end int) {
		for {
			child := root*2 + 1
			if child >= end {
				return
			}
			if child+1 < end && less(idx[child], idx[child+1]) {
				child++
			}
			if !less(idx[root], idx[child]) {
				return
			}
			idx[root], idx[child] = idx[child], idx[root]
			root = child
		}
	}
	for start := (n - 2) >> 1; start >= 0; start-- {
		sift(start, n)
	}
	for end := n - 1; end > 0; end-- {
		idx[end], idx[0] = idx[0], idx[end]
		sift(0, end)
	}
}

// lowerByte lowers ASCII letters only, like miniz's MZ_TOLOWER.
func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// lowerASCII lowers the ASCII letters of s.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerByte(b[j])
			}
			return string(b)
		}
	}
	return s
}

// compareFold orders l against r as miniz's mz_zip_filename_compare does:
// by the first differing lowered byte, else by length.
func compareFold(l, r string) int {
	n := min(len(l), len(r))
	for i := 0; i < n; i++ {
		if a, b := lowerByte(l[i]), lowerByte(r[i]); a != b {
			return int(a) - int(b)
		}
	}
	return len(l) - len(r)
}

// lessFold is miniz's mz_zip_reader_filename_less.
func lessFold(l, r string) bool { return compareFold(l, r) < 0 }
