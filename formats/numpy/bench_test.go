package numpy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkReadHeader reads headers of typical sizes: a plain array, an
// aligned structured dtype, a 14 kB header (600 fields) and an 84 kB
// version 2.0 header (3500 fields). Bytes/s counts header bytes.
func BenchmarkReadHeader(b *testing.B) {
	for _, name := range []string{"f32", "struct_aligned", "object_mixed", "big_header_v1", "huge_header_v2"} {
		data, err := os.ReadFile(filepath.Join("testdata", "files", name+".npy"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			r := bytes.NewReader(data)
			h, err := ReadHeader(r, int64(len(data)), Limits{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(h.HeaderLen)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ReadHeader(r, int64(len(data)), Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
