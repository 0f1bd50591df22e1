package numpy

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzLimits keep headers small so that the limit path is exercised too.
var fuzzLimits = Limits{MaxHeader: 1 << 16}

func fuzzSeeds(f *testing.F) [][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "files", "*.npy"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files (%v); run testdata/gen.py", err)
	}
	var seeds [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	for i, p := range loadProbes(f) {
		if i%7 == 0 { // a sample: the probes differ in small ways
			seeds = append(seeds, p.bytes())
		}
	}
	return seeds
}

// FuzzReadHeader feeds arbitrary files to ReadHeader and checks its
// contract: no panic, the same answer twice, an error or a header but not
// both, typed errors with offsets inside the input, and headers whose
// offsets, sizes and shape agree with each other and with the input.
func FuzzReadHeader(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReadHeader(t, data)
	})
}

// FuzzHeaderText builds a well-framed file around arbitrary header text,
// so that mutations explore the literal parser and the dtype rules rather
// than the length prefix.
func FuzzHeaderText(f *testing.F) {
	for _, p := range loadProbes(f) {
		f.Add(byte(p.Version[0]), p.Text, uint16(p.DataLen))
	}
	f.Fuzz(func(t *testing.T, major byte, text string, dataLen uint16) {
		major = 1 + major%3
		checkReadHeader(t, npyFile(major, text, make([]byte, dataLen%4096)))
	})
}

func checkReadHeader(t *testing.T, data []byte) {
	h, err := ReadHeader(bytes.NewReader(data), int64(len(data)), fuzzLimits)
	h2, err2 := ReadHeader(bytes.NewReader(data), int64(len(data)), fuzzLimits)
	if diff := cmp.Diff(h, h2); diff != "" || errText(err) != errText(err2) {
		t.Fatalf("two reads differ: %v / %v\n%s", err, err2, diff)
	}
	if err != nil {
		checkError(t, data, h, err)
		return
	}
	checkHeader(t, data, h)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func checkError(t *testing.T, data []byte, h *Header, err error) {
	t.Helper()
	if h != nil {
		t.Fatalf("both a header and an error: %v", err)
	}
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FormatError", err)
	}
	if fe.Offset < 0 || fe.Offset > int64(len(data)) || fe.Field == "" {
		t.Fatalf("error %v: offset %d outside the %d-byte input or no field", err, fe.Offset, len(data))
	}
	n := 0
	for _, s := range []error{ErrNotNPY, ErrInvalid, ErrUnsupported, ErrHeaderTooLarge} {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %v matches %d sentinels, want 1", err, n)
	}
}

func checkHeader(t *testing.T, data []byte, h *Header) {
	t.Helper()
	size := int64(len(data))
	lenSize := int64(4)
	if h.Major == 1 {
		lenSize = 2
	}
	switch {
	case !IsNPY(data):
		t.Fatal("accepted input without the magic")
	case h.Minor != 0 || h.Major < 1 || h.Major > 3:
		t.Fatalf("version %d.%d", h.Major, h.Minor)
	case h.HeaderLen > fuzzLimits.MaxHeader:
		t.Fatalf("HeaderLen %d beyond MaxHeader", h.HeaderLen)
	case h.DataOffset != 8+lenSize+h.HeaderLen || h.DataOffset > size:
		t.Fatalf("DataOffset %d (header %d bytes) for a %d-byte input", h.DataOffset, h.HeaderLen, size)
	case h.HeaderChars > h.HeaderLen || h.HeaderTooLargeForDefaultLoad != (h.HeaderChars > NumpyMaxHeaderChars):
		t.Fatalf("HeaderChars %d, HeaderLen %d, too large %v", h.HeaderChars, h.HeaderLen, h.HeaderTooLargeForDefaultLoad)
	case h.Object != h.Descr.HasObject():
		t.Fatal("Object disagrees with Descr.HasObject")
	}
	checkDescr(t, &h.Descr)
	if h.Object {
		if h.DataBytes != -1 || h.Trailing != 0 {
			t.Fatalf("object array with DataBytes %d, Trailing %d", h.DataBytes, h.Trailing)
		}
		return
	}
	if h.DataBytes < 0 || h.Trailing < 0 || h.DataOffset+h.DataBytes+h.Trailing != size {
		t.Fatalf("DataOffset %d + DataBytes %d + Trailing %d != size %d", h.DataOffset, h.DataBytes, h.Trailing, size)
	}
	if want, ok := shapeBytes(h); !ok || want != h.DataBytes {
		t.Fatalf("shape %v of %s (%d bytes) gives %d bytes (ok %v), DataBytes %d", h.Shape, h.Descr.Str(), h.Descr.ItemSize, want, ok, h.DataBytes)
	}
	if h.InferredDim < -1 || h.InferredDim >= len(h.Shape) || len(h.Shape) > maxDims {
		t.Fatalf("InferredDim %d for shape %v", h.InferredDim, h.Shape)
	}
}

// shapeBytes is the product of the shape and the innermost element size.
func shapeBytes(h *Header) (int64, bool) {
	_, _, base := subarrayItems(&h.Descr)
	n := base
	for _, d := range h.Shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			return 0, true
		}
	}
	for _, d := range h.Shape {
		var ok bool
		if n, ok = mul(n, d); !ok {
			return 0, false
		}
	}
	return n, true
}

// checkDescr checks item sizes and field layout recursively.
func checkDescr(t *testing.T, d *Descr) {
	t.Helper()
	if d.ItemSize < 0 || d.ItemSize > math.MaxInt32 || d.Str() == "" {
		t.Fatalf("dtype %s with item size %d", d.Str(), d.ItemSize)
	}
	end := int64(0)
	for i := range d.Fields {
		f := &d.Fields[i]
		if f.Offset < end || f.Offset+f.Size() > d.ItemSize {
			t.Fatalf("field %q at %d+%d overlaps or leaves the %d-byte struct", f.Name, f.Offset, f.Size(), d.ItemSize)
		}
		end = f.Offset + f.Size()
		checkDescr(t, &f.Descr)
	}
	if s := d.Subarray; s != nil {
		checkDescr(t, &s.Base)
		n := s.Base.ItemSize
		for _, x := range s.Shape {
			n *= x
		}
		if n != d.ItemSize {
			t.Fatalf("subarray %v of %d bytes in a %d-byte dtype", s.Shape, s.Base.ItemSize, d.ItemSize)
		}
	}
}

// TestFuzzSeeds runs the fuzz properties over every seed, so they hold in
// plain go test runs too.
func TestFuzzSeeds(t *testing.T) {
	for _, p := range loadProbes(t) {
		checkReadHeader(t, p.bytes())
	}
}
