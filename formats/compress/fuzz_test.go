package compress

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// fuzzLimits keep each fuzz execution small. The Python fixtures use 4-8
// MiB dictionaries and so exercise the MaxWindow path; Go-encoded seeds with
// small dictionaries exercise LZMA decoding.
var fuzzLimits = Limits{MaxOutput: 1 << 20, MaxWindow: 1 << 20, RatioGrace: 64 << 10, MaxRatio: 2000}

// FuzzReader decodes arbitrary input as every kind and checks the Reader's
// contract: no panic (decoder panics are recovered and reported, and
// reported here as failures), bounded output, typed errors with offsets
// inside the input, and the same result whether the input arrives in one
// piece or one byte at a time.
func FuzzReader(f *testing.F) {
	kindIndex := map[Kind]byte{}
	for i, k := range Kinds() {
		kindIndex[k] = byte(i)
	}
	for _, fx := range loadManifest(f) {
		f.Add(kindIndex[fx.Kind], readFixture(f, fx.File))
	}
	payload := readFixture(f, "payload.pkl")
	for k, compress := range compressors {
		f.Add(kindIndex[k], compress(f, payload[:4096]))
	}
	f.Add(kindIndex[Zlib], []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	f.Add(kindIndex[Zstd], []byte{0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0})

	f.Fuzz(func(t *testing.T, ki byte, data []byte) {
		Sniff(data) // must not panic
		k := Kinds()[int(ki)%len(Kinds())]
		out, zr, err := decodeFuzz(t, k, bytes.NewReader(data))
		checkFuzzResult(t, k, data, out, zr, err)

		out2, _, err2 := decodeFuzz(t, k, iotest.OneByteReader(bytes.NewReader(data)))
		if !bytes.Equal(out, out2) {
			t.Fatalf("%s: one-byte reads give %d bytes, whole input %d", k, len(out2), len(out))
		}
		if (err == nil) != (err2 == nil) || errors.Is(err, ErrBomb) != errors.Is(err2, ErrBomb) {
			t.Fatalf("%s: one-byte reads end with %v, whole input with %v", k, err2, err)
		}
	})
}

// decodeFuzz reads everything with fuzzLimits.
func decodeFuzz(t *testing.T, k Kind, r io.Reader) ([]byte, *Reader, error) {
	rc, err := NewReader(k, r, fuzzLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out, err := io.ReadAll(rc)
	return out, rc.(*Reader), err
}

// checkFuzzResult asserts the properties of one decode.
func checkFuzzResult(t *testing.T, k Kind, data, out []byte, zr *Reader, err error) {
	t.Helper()
	if int64(len(out)) > fuzzLimits.MaxOutput || zr.Output() != int64(len(out)) {
		t.Fatalf("%s: %d bytes out, Output() = %d, MaxOutput %d", k, len(out), zr.Output(), fuzzLimits.MaxOutput)
	}
	if off, ok := zr.Trailing(); ok && (off < 0 || off > int64(len(data))) {
		t.Fatalf("%s: Trailing() = %d outside input of %d bytes", k, off, len(data))
	}
	if err == nil {
		return
	}
	if strings.Contains(err.Error(), "decoder panicked") {
		t.Fatalf("%s: %v", k, err)
	}
	var fe *FormatError
	var le *LimitError
	switch {
	case errors.As(err, &le):
		if !errors.Is(err, ErrBomb) || le.Kind != k || le.Input < 0 || le.Input > int64(len(data)) {
			t.Fatalf("%s: bad LimitError %+v", k, le)
		}
	case errors.As(err, &fe):
		if fe.Err == nil || fe.Kind != k || fe.Offset < 0 || fe.Offset > int64(len(data)) || fe.Output != int64(len(out)) {
			t.Fatalf("%s: bad FormatError %+v (input %d bytes, output %d)", k, fe, len(data), len(out))
		}
	default:
		t.Fatalf("%s: untyped error %T: %v", k, err, err)
	}
}
