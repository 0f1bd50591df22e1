package manifest

import (
	"bytes"
	"sort"
)

// Diff lists how a model's manifest differs from the expected one, by
// resource name (path, or path:start:end in shards mode). Every list is
// sorted.
type Diff struct {
	// Changed names resources whose digest or algorithm differ.
	Changed []string
	// Missing names resources expected but not found.
	Missing []string
	// Extra names resources found but not expected.
	Extra []string
	// UnexpectedSymlinks names found resources that are symlinks while the
	// expected manifest does not allow symlinks.
	UnexpectedSymlinks []string
}

// Empty reports whether the manifests matched.
func (d Diff) Empty() bool {
	return len(d.Changed)+len(d.Missing)+len(d.Extra)+len(d.UnexpectedSymlinks) == 0
}

// Compare compares the expected manifest with the one computed from the
// model. Resource order does not matter, as in the reference verifier.
func Compare(want, got *Manifest) Diff {
	type val struct {
		alg     string
		digest  []byte
		symlink bool
	}
	index := func(m *Manifest) map[string]val {
		out := make(map[string]val, len(m.Items))
		for _, it := range m.Items {
			out[it.Name(m.Method)] = val{m.ResourceAlgorithm(), it.Digest, it.Symlink}
		}
		return out
	}
	w, g := index(want), index(got)
	var d Diff
	for name, wv := range w {
		gv, ok := g[name]
		switch {
		case !ok:
			d.Missing = append(d.Missing, name)
		case gv.alg != wv.alg || !bytes.Equal(gv.digest, wv.digest):
			d.Changed = append(d.Changed, name)
		}
	}
	for name, gv := range g {
		if _, ok := w[name]; !ok {
			d.Extra = append(d.Extra, name)
		}
		if gv.symlink && !want.AllowSymlinks {
			d.UnexpectedSymlinks = append(d.UnexpectedSymlinks, name)
		}
	}
	for _, l := range [][]string{d.Changed, d.Missing, d.Extra, d.UnexpectedSymlinks} {
		sort.Strings(l)
	}
	return d
}
