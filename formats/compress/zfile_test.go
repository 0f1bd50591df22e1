package compress

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"testing"
)

func TestParsePyHexInt(t *testing.T) {
	// Expectations checked against CPython 3.11 int(s, 16).
	for _, tc := range []struct {
		in      string
		v       uint64
		neg, ok bool
	}{
		{" 0x1f   ", 31, false, true},
		{"+0x1f", 31, false, true},
		{"-0x1f", 31, true, true},
		{"0x_1f", 31, false, true},
		{"1_f", 31, false, true},
		{"0x1f\v", 31, false, true},
		{"0X1F", 31, false, true},
		{"0x1f\x1c", 0, false, false},
		{"__1f", 0, false, false},
		{"1f_", 0, false, false},
		{"1__f", 0, false, false},
		{"0x", 0, false, false},
		{"", 0, false, false},
		{"   ", 0, false, false},
		{"1 f", 0, false, false},
		{"0x1f\x00", 0, false, false},
		{"\xa00x1f", 0, false, false},
		{"0x10000000000000000", ^uint64(0), false, true},
	} {
		v, neg, ok := parsePyHexInt([]byte(tc.in))
		if v != tc.v || neg != tc.neg || ok != tc.ok {
			t.Errorf("parsePyHexInt(%q) = %d, %v, %v; want %d, %v, %v", tc.in, v, neg, ok, tc.v, tc.neg, tc.ok)
		}
	}
}

// zfile builds a Z-file with the given length field around data.
func zfile(field string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("ZF")
	b.WriteString(fmt.Sprintf("%-19s", field))
	w := zlib.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func TestZFile(t *testing.T) {
	data := []byte("\x80\x02]q\x00.")
	for _, tc := range []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{"exact", zfile("0x6", data), nil},
		{"declared too large", zfile("0x7", data), ErrLengthMismatch},
		{"declared too small", zfile("0x5", data), ErrLengthMismatch},
		{"declared zero", zfile("0x0", data), ErrLengthMismatch},
		{"declared huge", zfile("0x7fffffffffffffff", data), ErrLengthMismatch},
		{"uppercase, no prefix, underscore", zfile("0_6", data), nil},
		{"negative", zfile("-0x8", data), errZFileHeader},
		{"beyond ssize_t", zfile("0x8000000000000000", data), errZFileHeader},
		{"not hex", zfile("0xg", data), errZFileHeader},
		{"bad magic", append([]byte("ZG"), zfile("0x8", data)[2:]...), errZFileHeader},
		{"short header", []byte("ZF0x8"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := decodeAll(t, JoblibZFile, tc.in, Limits{})
			switch {
			case tc.name == "short header":
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Errorf("err = %v, want *FormatError", err)
				}
			case tc.wantErr == nil:
				if err != nil || !bytes.Equal(out, data) {
					t.Errorf("got %q, %v; want %q, nil", out, err, data)
				}
			default:
				var fe *FormatError
				if !errors.Is(err, tc.wantErr) || !errors.As(err, &fe) {
					t.Errorf("err = %v, want *FormatError wrapping %v", err, tc.wantErr)
				}
			}
		})
	}
}

// TestZFileLengthNeverAllocates: a Z-file declaring 2^63-1 bytes is read
// with bounded memory (the declared length is only compared at the end).
func TestZFileLengthNeverAllocates(t *testing.T) {
	in := zfile("0x7fffffffffffffff", []byte("x"))
	checkAllocs(t, 1<<20, func() {
		decodeAll(t, JoblibZFile, in, Limits{})
	})
}
