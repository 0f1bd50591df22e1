package manifest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCompare(t *testing.T) {
	base := map[string]string{"a": "a", "b": "b", "c/d": "d", "big": "0123456789"}
	tests := []struct {
		name   string
		opts   Options
		mutate func(t *testing.T, root string)
		want   Diff
	}{
		{name: "same", mutate: func(*testing.T, string) {}},
		{
			name: "changed missing extra",
			mutate: func(t *testing.T, root string) {
				must(t, os.WriteFile(filepath.Join(root, "a"), []byte("A"), 0o644))
				must(t, os.Remove(filepath.Join(root, "c/d")))
				must(t, os.WriteFile(filepath.Join(root, "new"), nil, 0o644))
			},
			want: Diff{Changed: []string{"a"}, Missing: []string{"c/d"}, Extra: []string{"new"}},
		},
		{
			name: "shards",
			opts: Options{ShardSize: 4},
			mutate: func(t *testing.T, root string) {
				must(t, os.WriteFile(filepath.Join(root, "big"), []byte("0123456789X"), 0o644))
			},
			want: Diff{Extra: []string{"big:8:11"}, Missing: []string{"big:8:10"}},
		},
		{
			name: "symlink replacing a file",
			opts: Options{AllowSymlinks: true},
			mutate: func(t *testing.T, root string) {
				must(t, os.Remove(filepath.Join(root, "b")))
				must(t, os.Symlink("a", filepath.Join(root, "b")))
			},
			want: Diff{Changed: []string{"b"}, UnexpectedSymlinks: []string{"b"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := writeTree(t, base)
			want, err := Build(context.Background(), root, Options{ShardSize: tc.opts.ShardSize})
			must(t, err)
			tc.mutate(t, root)
			got, err := Build(context.Background(), root, tc.opts)
			must(t, err)
			d := Compare(want, got)
			if diff := cmp.Diff(tc.want, d, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("diff (-want +got):\n%s", diff)
			}
			if d.Empty() != (tc.name == "same") {
				t.Errorf("Empty() = %v", d.Empty())
			}
		})
	}
}

func TestCompareAlgorithmMismatch(t *testing.T) {
	root := writeTree(t, map[string]string{"a": "a"})
	want, err := Build(context.Background(), root, Options{})
	must(t, err)
	got, err := Build(context.Background(), root, Options{Algorithm: BLAKE3})
	must(t, err)
	if diff := cmp.Diff(Diff{Changed: []string{"a"}}, Compare(want, got), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCompareSingleFileName(t *testing.T) {
	got, err := Build(context.Background(), "testdata/edge/single.bin", Options{ShardSize: 2})
	must(t, err)
	tests := []struct {
		name   string
		rename string
		digest byte
		want   Diff
	}{
		{name: "reference name", rename: "."},
		{name: "basename", rename: "single.bin"},
		{name: "basename changed", rename: "single.bin", digest: 1, want: Diff{Changed: []string{"single.bin:0:2"}}},
		{name: "other dir path", rename: "x/single.bin", want: Diff{
			Missing: []string{"x/single.bin:0:2", "x/single.bin:2:4", "x/single.bin:4:5"},
			Extra:   []string{".:0:2", ".:2:4", ".:4:5"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := *got
			want.Items = nil
			for i, it := range got.Items {
				it.Path = tc.rename
				if i == 0 && tc.digest != 0 {
					it.Digest = append([]byte{tc.digest}, it.Digest[1:]...)
				}
				want.Items = append(want.Items, it)
			}
			if diff := cmp.Diff(tc.want, Compare(&want, got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
