package scan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/modelgate/modelgate/pickle"
)

// FuzzScan runs the whole engine (sniffing, decompression, pickle
// readings, rules, nested pickles) on arbitrary bytes.
func FuzzScan(f *testing.F) {
	for _, dir := range []string{corpusDir, containersDir} {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
					f.Add(b)
				}
			}
			return nil
		})
	}
	lim := DefaultLimits()
	lim.Pickle = pickle.Limits{MaxOps: 100000, MaxItems: 100000, MaxEvents: 2000}
	lim.Decompress.MaxOutput = 4 << 20
	sc := New(Options{Limits: lim, Workers: 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		a := sc.ScanReader(context.Background(), "fuzz", bytes.NewReader(data), int64(len(data)))
		b := sc.ScanReader(context.Background(), "fuzz", bytes.NewReader(data), int64(len(data)))
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("nondeterministic scan:\n%+v\n%+v", a, b)
		}
		switch a.Status {
		case StatusClean, StatusSkipped:
			if len(a.Findings) > 0 || len(a.Errors) > 0 {
				t.Fatalf("%s with findings or errors: %+v", a.Status, a)
			}
		case StatusFindings:
			if len(a.Findings) == 0 {
				t.Fatalf("status findings without findings")
			}
		case StatusIncomplete:
			if len(a.Errors) == 0 {
				t.Fatalf("incomplete without a reason")
			}
		default:
			t.Fatalf("unexpected status %q", a.Status)
		}
		for _, fd := range a.Findings {
			if fd.Location.Offset < 0 {
				t.Fatalf("negative offset in %+v", fd)
			}
			if fd.Location.Member == "" && fd.Location.Offset > int64(len(data)) && a.Format != "" && !hasCompression(a.Format) {
				t.Fatalf("offset %d beyond input of %d bytes: %+v", fd.Location.Offset, len(data), fd)
			}
		}
	})
}

func hasCompression(format string) bool {
	for _, k := range []string{"zlib", "gzip", "bz2", "xz", "lzma", "lz4", "zstd", "joblib-zfile"} {
		if bytes.Contains([]byte(format), []byte(k)) {
			return true
		}
	}
	return false
}
