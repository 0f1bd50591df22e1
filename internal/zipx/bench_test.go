package zipx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkNewReader parses a 10,000-entry archive written by archive/zip
// (stored, 64 bytes each, with data descriptors), reading every local
// header, descriptor and the first bytes of every entry.
func BenchmarkNewReader(b *testing.B) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	data := bytes.Repeat([]byte{1}, 64)
	for i := range 10_000 {
		f, err := w.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("archive/data/%d", i), Method: zip.Store})
		if err != nil {
			b.Fatal(err)
		}
		f.Write(data)
	}
	w.Close()
	in := buf.Bytes()
	r := bytes.NewReader(in)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		z, err := NewReader(r, int64(len(in)), Limits{})
		if err != nil || len(z.Entries) != 10_000 || len(z.Anomalies) != 0 {
			b.Fatalf("NewReader: %v, %d entries, %d anomalies", err, len(z.Entries), len(z.Anomalies))
		}
	}
}
