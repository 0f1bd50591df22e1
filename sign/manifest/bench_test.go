package manifest

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkHashFile hashes a generated 256 MiB file. Each sub-benchmark
// reports "x_openssl": its time per op divided by the time of
// `openssl dgst -sha256 FILE` measured in the same run (skipped when openssl
// is not installed), so figures from different machines are comparable.
func BenchmarkHashFile(b *testing.B) {
	const size = 256 << 20
	file := filepath.Join(b.TempDir(), "model.bin")
	writeRandomFile(b, file, size)
	opensslNs := timeOpenSSL(b, file)
	cases := []struct {
		name string
		opts Options
	}{
		{"sha256-whole", Options{Workers: 1}},
		{"sha256-sharded-16MiB", Options{ShardSize: 16 << 20}},
		{"blake3-whole", Options{Algorithm: BLAKE3, Workers: 1}},
		{"blake2b-whole", Options{Algorithm: BLAKE2b, Workers: 1}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				if _, err := Build(context.Background(), file, c.opts); err != nil {
					b.Fatal(err)
				}
			}
			if opensslNs > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/opensslNs, "x_openssl")
			}
		})
	}
}

// timeOpenSSL returns the best of three `openssl dgst -sha256` runs in ns,
// or 0 when openssl is missing.
func timeOpenSSL(b *testing.B, file string) float64 {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		b.Log("openssl not found: x_openssl metric skipped")
		return 0
	}
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		if out, err := exec.Command(bin, "dgst", "-sha256", file).CombinedOutput(); err != nil {
			b.Fatalf("openssl dgst: %v: %s", err, out)
		}
		best = min(best, time.Since(start))
	}
	return float64(best.Nanoseconds())
}

func writeRandomFile(b *testing.B, name string, size int) {
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	buf := make([]byte, 1<<20)
	for done := 0; done < size; done += len(buf) {
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
