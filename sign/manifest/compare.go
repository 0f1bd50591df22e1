package manifest

import (
	"bytes"
	"sort"
	"strings"
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
// model. Resource order does not matter, as in the reference verifier. For a
// single-file model, an expected manifest that names the file by its
// basename (spec and Go-port style) matches a computed one named "."
// (reference style), signing.md §7a.10; differences are then reported under
// the expected name.
func Compare(want, got *Manifest) Diff {
	alias := singleFileName(want, got)
	type val struct {
		alg     string
		digest  []byte
		symlink bool
	}
	index := func(m *Manifest) map[string]val {
		out := make(map[string]val, len(m.Items))
		for _, it := range m.Items {
			if m == got && alias != "" {
				it.Path = alias
			}
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

// singleFileName returns the name want uses for a single-file model when got
// is a single-file model named ".", or "" when no renaming applies.
func singleFileName(want, got *Manifest) string {
	name := ""
	for _, it := range want.Items {
		if it.Path == "." || strings.Contains(it.Path, "/") || (name != "" && it.Path != name) {
			return ""
		}
		name = it.Path
	}
	for _, it := range got.Items {
		if it.Path != "." {
			return ""
		}
	}
	return name
}
