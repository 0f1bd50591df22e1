package compress

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// compressors build test inputs with the Go encoders of each format.
var compressors = map[Kind]func(testing.TB, []byte) []byte{
	Zlib: func(t testing.TB, p []byte) []byte {
		var b bytes.Buffer
		w, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
		w.Write(p)
		w.Close()
		return b.Bytes()
	},
	Gzip: func(t testing.TB, p []byte) []byte {
		var b bytes.Buffer
		w, _ := kgzip.NewWriterLevel(&b, kgzip.BestCompression)
		w.Write(p)
		w.Close()
		return b.Bytes()
	},
	Zstd: func(t testing.TB, p []byte) []byte {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		return enc.EncodeAll(p, nil)
	},
	LZ4: func(t testing.TB, p []byte) []byte {
		var b bytes.Buffer
		w := lz4.NewWriter(&b)
		w.Write(p)
		w.Close()
		return b.Bytes()
	},
	XZ: func(t testing.TB, p []byte) []byte {
		var b bytes.Buffer
		w, err := xz.WriterConfig{DictCap: 64 << 10}.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p)
		w.Close()
		return b.Bytes()
	},
	LZMA: func(t testing.TB, p []byte) []byte {
		var b bytes.Buffer
		w, err := lzma.WriterConfig{DictCap: 64 << 10}.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p)
		w.Close()
		return b.Bytes()
	},
}

// bombZeros is the size of the zero payload in bombInputs.
const bombZeros = 4 << 20

// bombCache holds bombInputs, which are slow to build with the Go LZMA
// encoders.
var bombCache struct {
	once sync.Once
	in   map[Kind][]byte
}

// TestRoundTrip decodes what the Go encoders write.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	payload := readFixture(t, "payload.pkl")
	for k, compress := range compressors {
		t.Run(string(k), func(t *testing.T) {
			got, _, err := decodeAll(t, k, compress(t, payload), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, payload) {
				t.Errorf("round trip changed the data (%d vs %d bytes)", len(got), len(payload))
			}
		})
	}
}

// bombInputs returns 4 MiB of zeros in every kind, and the 10 MiB bzip2
// fixture written by gen.py (Go has no bzip2 encoder).
func bombInputs(t testing.TB) map[Kind][]byte {
	bombCache.once.Do(func() {
		zeros := make([]byte, bombZeros)
		bombCache.in = map[Kind][]byte{Bzip2: readFixture(t, "bomb-10m.bz2")}
		for k, compress := range compressors {
			bombCache.in[k] = compress(t, zeros)
		}
	})
	return bombCache.in
}

func TestMaxOutput(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	for k, in := range bombInputs(t) {
		t.Run(string(k), func(t *testing.T) {
			out, zr, err := decodeAll(t, k, in, Limits{MaxOutput: limit})
			var le *LimitError
			if !errors.Is(err, ErrBomb) || !errors.As(err, &le) || le.Limit != LimitOutput {
				t.Fatalf("err = %v, want a MaxOutput *LimitError", err)
			}
			if len(out) != limit || zr.Output() != limit || le.Output != limit {
				t.Errorf("delivered %d bytes (Output %d, error says %d), want exactly %d", len(out), zr.Output(), le.Output, limit)
			}
			if le.Kind != k || le.Input <= 0 || le.Input > int64(len(in)) {
				t.Errorf("LimitError = %+v", le)
			}
		})
	}
}

// TestMaxOutputExact checks that output of exactly MaxOutput is allowed.
func TestMaxOutputExact(t *testing.T) {
	payload := readFixture(t, "payload.pkl")
	in := compressors[Gzip](t, payload)
	out, _, err := decodeAll(t, Gzip, in, Limits{MaxOutput: int64(len(payload))})
	if err != nil || !bytes.Equal(out, payload) {
		t.Errorf("err = %v, %d bytes; want the payload and no error", err, len(out))
	}
	_, _, err = decodeAll(t, Gzip, in, Limits{MaxOutput: int64(len(payload)) - 1})
	if !errors.Is(err, ErrBomb) {
		t.Errorf("one byte over: err = %v, want ErrBomb", err)
	}
}

func TestMaxRatio(t *testing.T) {
	t.Parallel()
	for k, in := range bombInputs(t) {
		t.Run(string(k), func(t *testing.T) {
			lim := Limits{MaxRatio: 100, RatioGrace: 1 << 20}
			out, _, err := decodeAll(t, k, in, lim)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != LimitRatio || !errors.Is(err, ErrBomb) {
				t.Fatalf("err = %v, want a MaxRatio *LimitError", err)
			}
			if len(out) <= 1<<20 || len(out) >= bombZeros {
				t.Errorf("stopped after %d bytes, want just past the 1 MiB grace", len(out))
			}
		})
	}
	// A ratio just above what the data reaches is not triggered.
	in := bombInputs(t)[Gzip]
	if _, _, err := decodeAll(t, Gzip, in, Limits{MaxRatio: 2000, RatioGrace: 1 << 20}); err != nil {
		t.Errorf("gzip ratio below limit: %v", err)
	}
}

// repeatFrames concatenates a frame n times.
func repeatFrames(frame []byte, n int) []byte {
	return bytes.Repeat(frame, n)
}

// TestDefaultLimitsStopZstdBomb builds a 2 GiB zstd bomb (2048 frames of 1
// MiB of zeros, about 40 KB) and checks that DefaultLimits stop it within
// the ratio grace, quickly and without buffering the output.
func TestDefaultLimitsStopZstdBomb(t *testing.T) {
	frame := compressors[Zstd](t, make([]byte, 1<<20))
	in := repeatFrames(frame, 2048)
	checkBombStopped(t, Zstd, in, Limits{}, LimitRatio)
}

// TestBzip2Bomb uses a bzip2 file of 2 GiB of zeros made of concatenated
// copies of the 10 MiB fixture. Go's bzip2 decodes zeros at about 200 MB/s,
// so the grace is lowered to keep the test fast.
func TestBzip2Bomb(t *testing.T) {
	in := repeatFrames(readFixture(t, "bomb-10m.bz2"), 205)
	checkBombStopped(t, Bzip2, in, Limits{RatioGrace: 16 << 20}, LimitRatio)
}

// TestDefaultLimitsStopGzipBomb builds a 2 GiB gzip bomb from 128 members
// of 16 MiB of zeros at level 9 (1029:1, just above DefaultMaxRatio; 1 MiB
// members only reach 997:1).
func TestDefaultLimitsStopGzipBomb(t *testing.T) {
	member := compressors[Gzip](t, make([]byte, 16<<20))
	in := repeatFrames(member, 128)
	checkBombStopped(t, Gzip, in, Limits{}, LimitRatio)
}

// TestLowRatioGzipBombStoppedByMaxOutput: level-1 deflate of zeros stays
// far below MaxRatio, so MaxOutput (lowered here) is what stops it.
func TestLowRatioGzipBombStoppedByMaxOutput(t *testing.T) {
	var b bytes.Buffer
	w, _ := kgzip.NewWriterLevel(&b, kgzip.BestSpeed)
	w.Write(make([]byte, 1<<20))
	w.Close()
	in := repeatFrames(b.Bytes(), 2048)
	checkBombStopped(t, Gzip, in, Limits{MaxOutput: 64 << 20}, LimitOutput)
}

// checkBombStopped decodes a bomb and checks which limit stopped it, how
// long that took, and how much was allocated.
func checkBombStopped(t *testing.T, k Kind, in []byte, lim Limits, wantLimit string) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	rc, err := NewReader(k, bytes.NewReader(in), lim)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.CopyBuffer(io.Discard, rc, make([]byte, 64<<10))
	rc.Close()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != wantLimit {
		t.Fatalf("after %d bytes: err = %v, want a %s *LimitError", n, err, wantLimit)
	}
	t.Logf("%s: stopped after %d MiB from %d compressed bytes in %v: %v", k, n>>20, le.Input, elapsed, err)
	if elapsed > 3*time.Second && !raceEnabled {
		t.Errorf("took %v to stop the bomb", elapsed)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MiB while streaming, want < 64 MiB", alloc>>20)
	}
}
