package zipx

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"
)

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// deflatedZeros returns n zero bytes deflated (about 1000:1).
func deflatedZeros(t testing.TB, n int64) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	if _, err := io.CopyN(w, zeros{}, n); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return b.Bytes()
}

// allocs returns the bytes allocated while f runs.
func allocs(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func TestInflateBomb(t *testing.T) {
	const stream = 64 << 20 // inflated size of the deflate stream
	bomb := deflatedZeros(t, stream)
	tests := []struct {
		name   string
		usize  uint64 // declared uncompressed size
		lim    Limits
		err    error
		n      int64 // bytes Open delivers before the error
		limErr bool
	}{
		{name: "declared 1 TiB, MaxInflate 1 MiB", usize: 1 << 40, lim: Limits{MaxInflate: 1 << 20}, err: ErrLimit, n: 1 << 20, limErr: true},
		{name: "declared 2^63, MaxInflate 1 MiB", usize: 1 << 63, lim: Limits{MaxInflate: 1 << 20}, err: ErrLimit, n: 1 << 20, limErr: true},
		{name: "declared 1000 bytes", usize: 1000, err: ErrSizeMismatch, n: 1000},
		{name: "declared 2^63, default MaxInflate", usize: 1 << 63, err: ErrSizeMismatch, n: stream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := torchZip(func(z *bZip) {
				e := ent("archive/data/1", bomb)
				e.method, e.usize, e.plain, e.crc, e.zip64 = 8, p64(tt.usize), []byte{}, p32(0), "u"
				z.entries = append(z.entries, e)
			})
			z := mustNew(t, b, tt.lim)
			e := z.Entries[3]
			if e.UncompressedSize != tt.usize {
				t.Fatalf("UncompressedSize = %d, want %d", e.UncompressedSize, tt.usize)
			}
			var n int64
			var err error
			start := time.Now()
			used := allocs(func() {
				rc, oerr := z.Open(e)
				if oerr != nil {
					t.Fatal(oerr)
				}
				n, err = io.Copy(io.Discard, rc)
				rc.Close()
			})
			if !errors.Is(err, tt.err) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
			var le *LimitError
			if tt.limErr && (!errors.As(err, &le) || le.Limit != LimitInflate || le.Offset != e.DataOffset) {
				t.Errorf("error = %#v, want a *LimitError for MaxInflate at the data offset", err)
			}
			if n != tt.n {
				t.Errorf("Open delivered %d bytes, want %d", n, tt.n)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if used > 4<<20 {
				t.Errorf("allocated %d bytes to inflate", used)
			}
		})
	}
}

// manyEntries returns an archive with one local header and n central
// records that all point at it.
func manyEntries(n int) []byte {
	z := &bZip{entries: []*bEntry{ent("archive/data.pkl", []byte("\x80\x02}."))}}
	for i := range n {
		e := ent(fmt.Sprintf("archive/alias%06d", i), nil)
		e.aliasOf = 1
		z.entries = append(z.entries, e)
	}
	return z.bytes()
}

func TestManyEntries(t *testing.T) {
	b := manyEntries(100_000)
	t.Run("default MaxEntries", func(t *testing.T) {
		start := time.Now()
		_, err := NewReader(bytes.NewReader(b), int64(len(b)), Limits{})
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != LimitEntries || !errors.Is(err, ErrLimit) {
			t.Fatalf("NewReader = %v, want a MaxEntries *LimitError", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("MaxEntries 200000", func(t *testing.T) {
		z := mustNew(t, b, Limits{MaxEntries: 200_000})
		if len(z.Entries) != 100_001 {
			t.Errorf("%d entries", len(z.Entries))
		}
		if z.DroppedAnomalies == 0 || len(z.Anomalies) != DefaultMaxAnomalies+1 {
			t.Errorf("%d anomalies, %d dropped; want the overlaps capped", len(z.Anomalies), z.DroppedAnomalies)
		}
		if e := z.Lookup("ARCHIVE/ALIAS099999"); e == nil || e.Index != 100_000 {
			t.Errorf("Lookup = %v", e)
		}
	})
	t.Run("MaxCentralDir 64 KiB", func(t *testing.T) {
		_, err := NewReader(bytes.NewReader(b), int64(len(b)), Limits{MaxCentralDir: 64 << 10})
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != LimitCentralDir {
			t.Fatalf("NewReader = %v, want a MaxCentralDir *LimitError", err)
		}
	})
}

// TestHugeClaims checks that counts and sizes claimed by the archive cost
// nothing the input does not back.
func TestHugeClaims(t *testing.T) {
	tests := []struct {
		name  string
		zip   []byte
		kinds []AnomalyKind
	}{
		{name: "2^32-1 entries declared", kinds: sorted(KindCDCountMismatch),
			zip: torchZip(func(z *bZip) { z.count64, z.sentinels = p64(1<<32-1), true })},
		{name: "2^40 entries declared", kinds: sorted(KindCDCountMismatch, KindZip64Inconsistent),
			zip: torchZip(func(z *bZip) { z.count64, z.sentinels = p64(1<<40), true })},
		{name: "sizes of 2^63", kinds: sorted(KindOutOfBounds, KindGap, KindLocalHeaderMismatch),
			zip: torchZip(func(z *bZip) {
				e := z.entries[1]
				e.zip64, e.csizeCD, e.usizeCD, e.lflags, e.cflags = "uc", p64(1<<63), p64(1<<63), 0, 0
			})},
		{name: "local header offset 2^63", kinds: sorted(KindOutOfBounds, KindGap),
			zip: torchZip(func(z *bZip) { z.entries[1].zip64, z.entries[1].lhoCD = "l", p64(1<<63) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var z *Reader
			used := allocs(func() { z = mustNew(t, tt.zip, Limits{}) })
			if used > 256<<10 {
				t.Errorf("allocated %d bytes for a %d-byte file", used, len(tt.zip))
			}
			if diff := kindsDiff(tt.kinds, z); diff != "" {
				t.Error(diff)
			}
			if z.TorchOpens() && tt.name != "sizes of 2^63" {
				t.Error("TorchOpens = true")
			}
			for _, e := range z.Entries {
				if rc, err := z.Open(e); err == nil {
					n, _ := io.Copy(io.Discard, rc)
					if n > int64(len(tt.zip)) {
						t.Errorf("Open(%q) delivered %d bytes from a %d-byte file", e.Name, n, len(tt.zip))
					}
				}
				z.CheckCRC(e)
			}
		})
	}
}

func kindsDiff(want []AnomalyKind, z *Reader) string {
	got := kindsOf(z)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Sprintf("anomaly kinds %v, want %v\n%s", got, want, anomalyList(z))
	}
	return ""
}
