package manifest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"lukechampine.com/blake3"
)

// writeTree creates files (path -> content) under a new temp dir.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func names(m *Manifest) []string {
	var out []string
	for _, r := range m.Resources() {
		out = append(out, r.Name)
	}
	return out
}

func TestIgnoreRules(t *testing.T) {
	files := map[string]string{
		".git/HEAD": "x", ".gitattributes": "x", ".github/ci.yml": "x", ".gitignore": "x",
		"sub/.git/HEAD": "x", "sub/.gitignore": "x", ".hidden": "x", "model.sig": "sig",
		"w/a.bin": "a", "w/b.bin": "b", "wx": "c", "logs/run/1": "l",
	}
	tests := []struct {
		name        string
		opts        Options
		want        []string
		wantIgnores []string
	}{
		{
			name:        "git defaults top level only",
			want:        []string{".hidden", "logs/run/1", "model.sig", "sub/.git/HEAD", "sub/.gitignore", "w/a.bin", "w/b.bin", "wx"},
			wantIgnores: GitIgnores,
		},
		{
			name:        "signature and user ignores",
			opts:        Options{SignatureName: "model.sig", Ignore: []string{"w", "logs/run/", "./sub/.git"}},
			want:        []string{".hidden", "sub/.gitignore", "wx"},
			wantIgnores: []string{".git", ".gitattributes", ".github", ".gitignore", "logs/run", "model.sig", "sub/.git", "w"},
		},
		{
			name:        "file ignore is exact, not a name prefix",
			opts:        Options{Ignore: []string{"w/a.bin", "wx/"}},
			want:        []string{".hidden", "logs/run/1", "model.sig", "sub/.git/HEAD", "sub/.gitignore", "w/b.bin"},
			wantIgnores: []string{".git", ".gitattributes", ".github", ".gitignore", "w/a.bin", "wx"},
		},
		{
			name:        "ignoring a missing path is recorded",
			opts:        Options{Ignore: []string{"nothing"}},
			want:        []string{".hidden", "logs/run/1", "model.sig", "sub/.git/HEAD", "sub/.gitignore", "w/a.bin", "w/b.bin", "wx"},
			wantIgnores: []string{".git", ".gitattributes", ".github", ".gitignore", "nothing"},
		},
	}
	root := writeTree(t, files)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Build(context.Background(), root, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names(m)); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantIgnores, m.IgnorePaths); diff != "" {
				t.Errorf("ignore_paths (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	root := writeTree(t, map[string]string{"a": "a"})
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"algorithm", Options{Algorithm: "md5"}, `manifest: unsupported hash algorithm "md5"`},
		{"negative shard", Options{ShardSize: -1}, "manifest: shard size -1"},
		{"absolute ignore", Options{Ignore: []string{"/etc"}}, `manifest: ignore path "/etc"`},
		{"escaping ignore", Options{Ignore: []string{"../x"}}, `manifest: ignore path "../x"`},
		{"root ignore", Options{Ignore: []string{"."}}, `manifest: ignore path "."`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(context.Background(), root, tc.opts)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v, want prefix %q", err, tc.want)
			}
		})
	}
	if _, err := Build(context.Background(), filepath.Join(root, "missing"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing root: err = %v, want ErrNotExist", err)
	}
}

func TestSymlinks(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret": "s"})
	tests := []struct {
		name    string
		link    string // target of link "l" inside the model
		allow   bool
		want    []string
		wantErr error
	}{
		{name: "file refused", link: "t", wantErr: ErrSymlink},
		{name: "file allowed", link: "t", allow: true, want: []string{"l", "t", "z/t"}},
		{name: "dir allowed is skipped", link: "z", allow: true, want: []string{"t", "z/t"}},
		{name: "escaping absolute", link: filepath.Join(outside, "secret"), allow: true, wantErr: ErrSymlinkEscape},
		{name: "escaping relative", link: "REL", allow: true, wantErr: ErrSymlinkEscape},
		{name: "link to root is a dir, skipped", link: ".", allow: true, want: []string{"t", "z/t"}},
		{name: "dangling", link: "nope", allow: true, wantErr: os.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"t": "t", "z/t": "zt"})
			link := tc.link
			if link == "REL" {
				rel, err := filepath.Rel(root, filepath.Join(outside, "secret"))
				if err != nil {
					t.Fatal(err)
				}
				link = rel
			}
			if err := os.Symlink(link, filepath.Join(root, "l")); err != nil {
				t.Fatal(err)
			}
			m, err := Build(context.Background(), root, Options{AllowSymlinks: tc.allow})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names(m)); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShardBoundaries(t *testing.T) {
	const shard = 16
	content := func(n int) string { return strings.Repeat("0123456789abcdef", 4)[:n] }
	tests := []struct {
		size int
		want []string
	}{
		{0, nil},
		{1, []string{"f:0:1"}},
		{shard - 1, []string{"f:0:15"}},
		{shard, []string{"f:0:16"}},
		{shard + 1, []string{"f:0:16", "f:16:17"}},
		{3*shard + 2, []string{"f:0:16", "f:16:32", "f:32:48", "f:48:50"}},
	}
	for _, tc := range tests {
		t.Run(itoa(tc.size), func(t *testing.T) {
			c := content(tc.size)
			root := writeTree(t, map[string]string{"f": c})
			m, err := Build(context.Background(), root, Options{ShardSize: shard})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names(m)); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			for _, it := range m.Items {
				sum := sha256.Sum256([]byte(c[it.Start:it.End]))
				if !bytes.Equal(it.Digest, sum[:]) {
					t.Errorf("%s: digest mismatch", it.Name(m.Method))
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestAlgorithms(t *testing.T) {
	root := writeTree(t, map[string]string{"f": "hello"})
	b3 := blake3.Sum256([]byte("hello"))
	tests := []struct {
		name       string
		opts       Options
		wantMethod string
		wantAlg    string
		wantLen    int
	}{
		{"default sha256", Options{}, "files", "sha256", 32},
		{"blake2b", Options{Algorithm: BLAKE2b}, "files", "blake2b", 64},
		{"blake2b shards", Options{Algorithm: BLAKE2b, ShardSize: 2}, "shards", "blake2b-sharded-2", 64},
		{"blake3", Options{Algorithm: BLAKE3}, "files", "blake3", 32},
		{"blake3 shards falls back to files", Options{Algorithm: BLAKE3, ShardSize: 2}, "files", "blake3", 32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Build(context.Background(), root, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{m.Method, m.ResourceAlgorithm(), len(m.Items[0].Digest)}
			if diff := cmp.Diff([]any{tc.wantMethod, tc.wantAlg, tc.wantLen}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tc.opts.Algorithm == BLAKE3 && !bytes.Equal(m.Items[0].Digest, b3[:]) {
				t.Errorf("blake3 digest is not the standard BLAKE3-256")
			}
		})
	}
}

func TestDeterminism(t *testing.T) {
	files := map[string]string{}
	for i := range 40 {
		files["d"+itoa(i%7)+"/f"+itoa(i)] = strings.Repeat(itoa(i), 1000+i*37)
	}
	root := writeTree(t, files)
	var first *Manifest
	for _, workers := range []int{1, 2, 8, 64} {
		for _, shard := range []int64{0, 100} {
			m, err := Build(context.Background(), root, Options{Workers: workers, ShardSize: shard})
			if err != nil {
				t.Fatal(err)
			}
			if shard == 0 {
				if first == nil {
					first = m
				} else if diff := cmp.Diff(first, m); diff != "" {
					t.Errorf("workers=%d differs (-first +got):\n%s", workers, diff)
				}
			}
		}
	}
}

func TestProgressAndCancel(t *testing.T) {
	root := writeTree(t, map[string]string{"a": "abc", "b": "de"})
	var buf bytes.Buffer
	if _, err := Build(context.Background(), root, Options{Progress: &buf}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "hashed 5 of 5 bytes\n"; !strings.HasSuffix(got, want) {
		t.Errorf("progress = %q, want suffix %q", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, root, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}
