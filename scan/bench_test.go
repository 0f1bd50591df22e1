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
// reference command's over the same file in the same run (unit), and the
// peak heap of one scan.
func benchScan(b *testing.B, name, ref, unit string) {
	benchScanRatio(b, name, ref, unit, false)
}

// benchScanRatio is benchScan; with timeRatio it reports scan time divided
// by the reference's time instead (lower is better).
func benchScanRatio(b *testing.B, name, ref, unit string, timeRatio bool) {
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
	if timeRatio {
		b.ReportMetric(per/refSec, unit)
	} else {
		b.ReportMetric(refSec/per, unit)
	}
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

// BenchmarkScanTorchZip2GB scans a 2 GiB torch.save zip checkpoint. Its
// cost must follow its pickles, not its tensor bytes: scan-time/cat-time
// is the scan's time divided by `cat FILE > /dev/null`'s.
func BenchmarkScanTorchZip2GB(b *testing.B) {
	benchScanRatio(b, "torch-2gb.pt", catRef, "scan-time/cat-time", true)
}

// BenchmarkScanTorchLegacy2GB scans the same checkpoint in the legacy
// (pre-1.6) stream format, whose storage records are walked by their
// headers.
func BenchmarkScanTorchLegacy2GB(b *testing.B) {
	benchScanRatio(b, "torch-2gb-legacy.pt", catRef, "scan-time/cat-time", true)
}

// BenchmarkScanDir10k walks a folder of 10,000 small model files
// (pickles, joblib dumps, .npy) and reports files per second, and the
// throughput ratio to reading every file with cat.
func BenchmarkScanDir10k(b *testing.B) {
	dir := benchdata.File(b, "dir10k")
	sc := New(Options{})
	res, err := sc.Scan(context.Background(), []string{dir})
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range res.Files {
		if f.Status != StatusClean {
			b.Fatalf("%s: %s %v", f.Path, f.Status, f.Errors)
		}
	}
	refSec := refSeconds(b, `find "$0" -type f -exec cat {} + > /dev/null`, dir)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		sc.Scan(context.Background(), []string{dir})
	}
	per := time.Since(start).Seconds() / float64(b.N)
	b.ReportMetric(float64(len(res.Files))/per, "files/s")
	b.ReportMetric(refSec/per, "x-cat-throughput")
}
