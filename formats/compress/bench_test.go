package compress

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// benchPayload is 4 MiB shaped like a model file: float32 weights from a
// random walk (poorly compressible), runs of zeros (bias and padding), and
// the joblib pickle fixture as structure.
var benchPayload = sync.OnceValue(func() []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	w := 0.0
	for b.Len() < 4<<20 {
		for range 4096 {
			w += rng.NormFloat64() * 0.01
			b.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(w))))
		}
		b.Write(make([]byte, 8192))
	}
	return b.Bytes()[:4<<20]
})

// benchmarkRead measures decompression of benchPayload compressed as k.
func benchmarkRead(b *testing.B, k Kind) {
	payload := benchPayload()
	in := compressors[k](b, payload)
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		rc, err := NewReader(k, bytes.NewReader(in), Limits{})
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, rc, buf)
		if err != nil || n != int64(len(payload)) {
			b.Fatalf("read %d bytes: %v", n, err)
		}
		rc.Close()
	}
	b.ReportMetric(float64(len(payload))/float64(len(in)), "ratio")
}

// BenchmarkGzipRead decompresses 4 MiB of model-like data from gzip.
func BenchmarkGzipRead(b *testing.B) { benchmarkRead(b, Gzip) }

// BenchmarkZlibRead decompresses 4 MiB of model-like data from zlib.
func BenchmarkZlibRead(b *testing.B) { benchmarkRead(b, Zlib) }

// BenchmarkRead covers the other kinds with Go encoders.
func BenchmarkRead(b *testing.B) {
	for _, k := range []Kind{Zstd, LZ4, XZ, LZMA} {
		b.Run(string(k), func(b *testing.B) { benchmarkRead(b, k) })
	}
}
