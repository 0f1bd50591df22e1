package manifest

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestHashJobDetectsChanges(t *testing.T) {
	root := writeTree(t, map[string]string{"a": "aaaa", "b": "bbbb"})
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	infoA, err := os.Stat(a)
	must(t, err)
	tests := []struct {
		name    string
		prepare func(t *testing.T)
		abs     string
		end     int64
	}{
		{name: "replaced by another file", prepare: func(*testing.T) {}, abs: b, end: -1},
		{name: "shrunk", prepare: func(t *testing.T) { must(t, os.WriteFile(a, []byte("aa"), 0o644)) }, abs: a, end: -1},
		{name: "grew", prepare: func(t *testing.T) { must(t, os.WriteFile(a, []byte("aaaaaa"), 0o644)) }, abs: a, end: -1},
		{name: "shard past new end", prepare: func(t *testing.T) { must(t, os.WriteFile(a, []byte("a"), 0o644)) }, abs: a, end: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.prepare(t)
			j := job{e: &entry{rel: "a", abs: tc.abs, info: infoA}, end: tc.end}
			_, err := hashJob(context.Background(), j, sha256.New(), make([]byte, 8), newProgress(nil, nil))
			if !errors.Is(err, ErrChanged) {
				t.Errorf("err = %v, want ErrChanged", err)
			}
		})
	}
}
