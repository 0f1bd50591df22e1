package zipx

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	b := torchZip(func(z *bZip) {
		z.entries = append(z.entries, ent("archive/Data/1", []byte("x")), ent("archive/hidden", []byte("h")))
		z.count32, z.count64 = p64(4), p64(4) // hidden is past the declared count
	})
	z := mustNew(t, b, Limits{})
	tests := []struct {
		name string
		want int // entry index, -1 for nil
	}{
		{"archive/data.pkl", 0},
		{"ARCHIVE/DATA.PKL", 0},
		{"archive/data.pkl\x00ignored", 0},
		{"archive/data/1", 3},
		{"archive/version", 2},
		{"archive/versio", -1},
		{"archive/version2", -1},
		{"archive/hidden", -1},
		{"", -1},
	}
	for _, tt := range tests {
		got := -1
		if e := z.Lookup(tt.name); e != nil {
			got = e.Index
		}
		if got != tt.want {
			t.Errorf("Lookup(%q) = entry #%d, want #%d", tt.name, got, tt.want)
		}
	}
}

// TestLookupSorted checks, on random names full of case-folded duplicates,
// that the heap sort orders names as miniz compares them and that Lookup
// finds a record for every name, one that torch would accept as equal.
func TestLookupSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		z := &bZip{}
		n := 1 + r.IntN(300)
		for range n {
			var s strings.Builder
			for range 1 + r.IntN(4) {
				s.WriteByte("aAbB/._"[r.IntN(7)])
			}
			z.entries = append(z.entries, ent(s.String(), nil))
		}
		zr := mustNew(t, z.bytes(), Limits{})
		zr.sortOnce.Do(zr.sortNames)
		perm := slices.Clone(zr.sorted)
		slices.Sort(perm)
		for i, v := range perm {
			if int(v) != i {
				t.Fatalf("round %d: sorted indices are not a permutation", round)
			}
		}
		for i := 1; i < len(zr.sorted); i++ {
			a, b := zr.Entries[zr.sorted[i-1]].Name, zr.Entries[zr.sorted[i]].Name
			if lessFold(b, a) {
				t.Fatalf("round %d: %q sorted before %q", round, a, b)
			}
		}
		for _, e := range zr.Entries {
			got := zr.Lookup(e.Name)
			if got == nil || !strings.EqualFold(got.Name, e.Name) {
				t.Fatalf("round %d: Lookup(%q) = %v", round, e.Name, got)
			}
		}
	}
}
