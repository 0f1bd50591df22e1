package numpy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// npyFile builds a version 1.0 (or 2.0/3.0) file around header text.
func npyFile(major byte, header string, data []byte) []byte {
	b := []byte(Magic)
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(header)))
	}
	return append(append(b, header...), data...)
}

func TestIsNPY(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{"\x93NUMPY\x01\x00", true},
		{"\x93NUMPY", true},
		{"\x93NUMP", false},
		{"PK\x03\x04", false},
		{"\x80\x02", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsNPY([]byte(tt.head)); got != tt.want {
			t.Errorf("IsNPY(%q) = %v, want %v", tt.head, got, tt.want)
		}
	}
}

func TestLimits(t *testing.T) {
	header := "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}" + strings.Repeat(" ", 200)
	file := npyFile(1, header, make([]byte, 4))
	tests := []struct {
		name      string
		maxHeader int64
		wantErr   error
	}{
		{"default", 0, nil},
		{"exactly", int64(len(header)), nil},
		{"one short", int64(len(header)) - 1, ErrHeaderTooLarge},
		{"unlimited", -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadHeader(bytes.NewReader(file), int64(len(file)), Limits{MaxHeader: tt.maxHeader})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("ReadHeader with MaxHeader %d: %v, want %v", tt.maxHeader, err, tt.wantErr)
			}
			var fe *FormatError
			if err != nil && (!errors.As(err, &fe) || fe.Field != FieldHeaderLen || fe.Offset != 8) {
				t.Errorf("error %v: want a *FormatError for header_len at offset 8", err)
			}
		})
	}
}

// errReaderAt fails every read.
type errReaderAt struct{ err error }

func (r errReaderAt) ReadAt([]byte, int64) (int, error) { return 0, r.err }

// shortReaderAt holds fewer bytes than the size it is read with.
type shortReaderAt struct{ b []byte }

func (r shortReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(r.b)) {
		return 0, io.EOF
	}
	n := copy(p, r.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestReadErrors(t *testing.T) {
	file := npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", make([]byte, 4))
	boom := errors.New("disk on fire")
	tests := []struct {
		name string
		r    io.ReaderAt
		size int64
		want error
	}{
		{"reader error", errReaderAt{boom}, 100, boom},
		{"reader shorter than size", shortReaderAt{file[:20]}, int64(len(file)), io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ReadHeader(tt.r, tt.size, Limits{})
			var fe *FormatError
			if h != nil || !errors.Is(err, tt.want) || errors.As(err, &fe) {
				t.Errorf("got %v, %v; want an I/O error wrapping %v, not a *FormatError", h, err, tt.want)
			}
		})
	}
	if _, err := ReadHeader(bytes.NewReader(file), -1, Limits{}); err == nil {
		t.Error("negative size accepted")
	}
}

// TestNoAllocationFromFields reads files whose fields claim huge sizes and
// checks that ReadHeader's allocations stay small.
func TestNoAllocationFromFields(t *testing.T) {
	bomb, err := os.ReadFile(filepath.Join("testdata", "files", "descr_bomb.npy"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		file    []byte
		wantErr bool
	}{
		{"descr bomb", bomb, true},
		{"4 GiB header len", append(append([]byte(Magic), 2, 0), 0xff, 0xff, 0xff, 0xff, '{'), true},
		{"huge shape", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000)}", nil), true},
		{"huge subarray", npyFile(1, "{'descr': [('a', '<f8', (100000, 20000))], 'fortran_order': False, 'shape': (1,)}", nil), true},
		{"negative dim, empty", npyFile(1, "{'descr': '|S2000000000', 'fortran_order': False, 'shape': (-1, 3)}", make([]byte, 10)), false},
		{"negative dim 2^40", npyFile(3, "{'descr': 'V2147483647', 'fortran_order': False, 'shape': (-1, 1099511627776)}", nil), true},
	}
	for _, tt := range tests {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		h, err := ReadHeader(bytes.NewReader(tt.file), int64(len(tt.file)), Limits{})
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<10 {
			t.Errorf("%s: ReadHeader allocated %d bytes (err %v)", tt.name, alloc, err)
		}
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: got %+v, %v; want error %v", tt.name, h, err, tt.wantErr)
		}
	}
}

func TestErrorText(t *testing.T) {
	file := npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", make([]byte, 4))
	_, err := readHeaderBytes(file)
	want := "numpy: data at offset 65: header declares 12 data bytes (shape [3], item size 4) but 4 bytes follow the header (numpy.load rejects this)"
	if err == nil || err.Error() != want {
		t.Errorf("error text:\n got %v\nwant %s", err, want)
	}
}
