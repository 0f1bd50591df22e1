package manifest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
)

// FuzzShards checks, for any content and shard size, that the shards tile
// the file exactly in order, that each digest is the SHA-256 of its bytes,
// and that building twice gives the same root digest.
func FuzzShards(f *testing.F) {
	f.Add([]byte("xxxxxxxxxxxxxxxxxxxxxxx"), uint16(8))
	f.Add([]byte{}, uint16(1))
	f.Add([]byte("hello"), uint16(5))
	f.Fuzz(func(t *testing.T, data []byte, shard uint16) {
		if shard == 0 {
			shard = 1
		}
		dir := t.TempDir()
		must(t, os.WriteFile(filepath.Join(dir, "f"), data, 0o644))
		m, err := Build(context.Background(), dir, Options{ShardSize: int64(shard), Workers: 3})
		must(t, err)
		var next int64
		for _, it := range m.Items {
			if it.Start != next || it.End <= it.Start || it.End-it.Start > int64(shard) {
				t.Fatalf("shard %s does not continue at %d", it.Name(m.Method), next)
			}
			sum := sha256.Sum256(data[it.Start:it.End])
			if !bytes.Equal(sum[:], it.Digest) {
				t.Fatalf("shard %s: wrong digest", it.Name(m.Method))
			}
			next = it.End
		}
		if next != int64(len(data)) {
			t.Fatalf("shards end at %d, file has %d bytes", next, len(data))
		}
		again, err := Build(context.Background(), dir, Options{ShardSize: int64(shard), Workers: 1})
		must(t, err)
		if !bytes.Equal(m.RootDigest(), again.RootDigest()) {
			t.Fatal("root digest differs between runs")
		}
	})
}
