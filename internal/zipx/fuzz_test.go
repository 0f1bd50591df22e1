package zipx

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzLimits keeps each input cheap while still exercising every limit.
var fuzzLimits = Limits{MaxEntries: 512, MaxCentralDir: 1 << 20, MaxInflate: 1 << 20, MaxAnomalies: 256}

// FuzzReader asserts properties of NewReader, Open and CheckCRC on any
// input: no panic; an error is a *FormatError or *LimitError and comes
// without a Reader; the same input gives the same entries and anomalies;
// anomaly offsets lie in the input; every entry's data lies in the input
// or the entry has an entry-out-of-bounds or local-header anomaly; Open
// delivers at most the declared size, MaxInflate and (for stored entries)
// the input's size.
func FuzzReader(f *testing.F) {
	for _, pattern := range []string{"testdata/torch/*.pt", "testdata/npz/*.npz"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			f.Add(mustRead(f, p))
		}
	}
	f.Add(goZip(f, "a/data.pkl", "a/data/0.z"))
	f.Add(goZip(f))
	f.Add(torchZip(func(z *bZip) { z.entries = append(z.entries, deflated("archive/d", []byte("deflated data"))) }))
	f.Add(manyEntries(20))
	f.Fuzz(func(t *testing.T, b []byte) {
		size := int64(len(b))
		z, err := NewReader(bytes.NewReader(b), size, fuzzLimits)
		if err != nil {
			var fe *FormatError
			var le *LimitError
			if z != nil || (!errors.As(err, &fe) && !errors.As(err, &le)) {
				t.Fatalf("NewReader = %v, %v (%T); want nil and a typed error", z, err, err)
			}
			if fe != nil && (fe.Offset < 0 || fe.Offset > size) {
				t.Fatalf("error offset outside the input: %v", err)
			}
			return
		}
		z2, err := NewReader(bytes.NewReader(b), size, fuzzLimits)
		if err != nil {
			t.Fatalf("second NewReader: %v", err)
		}
		if diff := cmp.Diff(z.Entries, z2.Entries, cmp.AllowUnexported(Entry{})); diff != "" {
			t.Fatalf("entries differ between runs:\n%s", diff)
		}
		if diff := cmp.Diff(z.Anomalies, z2.Anomalies); diff != "" {
			t.Fatalf("anomalies differ between runs:\n%s", diff)
		}
		for _, a := range z.Anomalies {
			if a.Offset < 0 || a.Offset > size {
				t.Fatalf("anomaly offset outside the input: %v", a)
			}
		}
		for _, e := range z.Entries {
			checkEntry(t, z, e, size)
		}
	})
}

// checkEntry asserts the per-entry properties FuzzReader promises.
func checkEntry(t *testing.T, z *Reader, e *Entry, size int64) {
	flagged := z.hasKind(e, KindOutOfBounds) || z.hasKind(e, KindLocalHeaderBad)
	if e.DataOffset < 0 && !flagged {
		t.Fatalf("entry %d has no data offset and no anomaly saying why", e.Index)
	}
	if e.DataOffset >= 0 && !z.inFile(e.DataOffset, max(e.CompressedSize, e.torchLen())) && !flagged {
		t.Fatalf("entry %d data [%d, +%d) outside the %d-byte input without an anomaly", e.Index, e.DataOffset, e.CompressedSize, size)
	}
	if z.Lookup(e.Name) == nil && z.torchSees(e) && !strings.Contains(e.Name, "\x00") {
		t.Fatalf("Lookup(%q) = nil for an entry torch indexes", e.Name)
	}
	rc, err := z.Open(e)
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("Open error %v (%T) is not a *FormatError", err, err)
		}
		return
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	limit := min(e.UncompressedSize, uint64(fuzzLimits.MaxInflate))
	if e.Method == 0 {
		limit = min(e.UncompressedSize, uint64(size))
	}
	if uint64(n) > limit {
		t.Fatalf("Open(%d) delivered %d bytes, more than %d", e.Index, n, limit)
	}
	if err != nil {
		var fe *FormatError
		var le *LimitError
		if !errors.As(err, &fe) && !errors.As(err, &le) {
			t.Fatalf("read error %v (%T) is not typed", err, err)
		}
	}
	z.CheckCRC(e)
}
