package scan

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/benchdata"
)

// refSeconds times a reference shell command over path ($0), best of 3.
func refSeconds(b *testing.B, ref, path string) float64 {
	best := 0.0
	for i := 0; i < 3; i++ {
		start := time.Now()
		if err := exec.Command("sh", "-c", ref, path).Run(); err != nil {
			b.Fatal(err)
		}
		if s := time.Since(start).Seconds(); best == 0 || s < best {
			best = s
		}
	}
	return best
}

// peakHeap samples the heap while f runs and returns the highest value.
func peakHeap(f func()) uint64 {
	done := make(chan struct{})
	res := make(chan uint64)
	go func() {
		var p uint64
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			p = max(p, ms.HeapAlloc)
			select {
			case <-done:
				res <- p
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	return <-res
}

const (
	catRef  = `cat "$0" > /dev/null`
	gzipRef = `gzip -dc "$0" > /dev/null`
	// genopsRef walks the opcodes with CPython's pickletools, which is
	// what linear scanners (picklescan, ModelScan) do per file; it runs no
	// stack or memo emulation, so it is a lower bound on their cost.
	genopsRef = `/usr/bin/python3 -c 'import pickletools,sys
for _ in pickletools.genops(open(sys.argv[1],"rb")): pass' "$0"`
)

// benchScan scans name and reports its throughput as a ratio to the
// reference command's over the same file in the same run, and the peak
// heap of one scan.
func benchScan(b *testing.B, name, ref, unit string) {
	path := benchdata.File(b, name)
	st, _ := os.Stat(path)
	sc := New(Options{})
	var fr FileResult
	runtime.GC()
	peak := peakHeap(func() { fr = sc.ScanFile(context.Background(), path) })
	if fr.Status != StatusClean {
		b.Fatalf("%s: %s %v %v", name, fr.Status, fr.Errors, fr.Findings)
	}
	refSec := refSeconds(b, ref, path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		sc.ScanFile(context.Background(), path)
	}
	per := time.Since(start).Seconds() / float64(b.N)
	b.ReportMetric(refSec/per, unit)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkScanJoblib1GB scans a 1 GiB uncompressed joblib file with large
// inline arrays; x-cat-throughput is the scan's throughput divided by
// `cat FILE > /dev/null`'s in the same run.
func BenchmarkScanJoblib1GB(b *testing.B) {
	benchScan(b, "joblib-1024mb.joblib", catRef, "x-cat-throughput")
}
func BenchmarkScanJoblib256MB(b *testing.B) {
	benchScan(b, "joblib-256mb.joblib", catRef, "x-cat-throughput")
}
func BenchmarkScanJoblib64MB(b *testing.B) {
	benchScan(b, "joblib-64mb.joblib", catRef, "x-cat-throughput")
}

// BenchmarkScanJoblibGzip64MB scans a gzip-compressed joblib file, which
// has to be inflated; compare with `gzip -dc FILE > /dev/null`.
func BenchmarkScanJoblibGzip64MB(b *testing.B) {
	benchScan(b, "joblib-64mb.joblib.gz", gzipRef, "x-gzip-throughput")
}

// BenchmarkScanStateDict50k scans the data.pkl of a 50,000-tensor state dict.
func BenchmarkScanStateDict50k(b *testing.B) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		b.Skip("needs /usr/bin/python3 for the pickletools reference")
	}
	benchScan(b, "statedict50k.pkl", genopsRef, "x-pickletools-genops")
}
