package numpy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The fixtures and numpy's verdicts come from testdata/gen.py; see there.

// npHeader is what numpy's own header reader returned (null if it failed).
type npHeader struct {
	Version     []int    `json:"version"`
	HeaderShape pyInts   `json:"header_shape"`
	Fortran     bool     `json:"fortran"`
	ItemSize    int64    `json:"itemsize"`
	Kind        string   `json:"kind"`
	Str         string   `json:"str"`
	Object      bool     `json:"object"`
	NFields     int      `json:"nfields"`
	Names       []string `json:"names"`
	Offsets     []int64  `json:"offsets"`
	DataOffset  int64    `json:"data_offset"`
}

// pyInts is a list of Python ints; bools (which Python counts as ints)
// read as 0 and 1.
type pyInts []int64

func (p *pyInts) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return err
	}
	*p = make(pyInts, len(raw))
	for i, v := range raw {
		switch string(v) {
		case "true":
			(*p)[i] = 1
		case "false":
		default:
			// Ints beyond int64 (only ever in rejected files) read as 0.
			_ = json.Unmarshal(v, &(*p)[i])
		}
	}
	return nil
}

// npLoad is numpy.load's verdict: "ok" (with shape and itemsize of the
// loaded array), "object" (refused for allow_pickle=False after reading
// the header) or "error".
type npLoad struct {
	Result   string  `json:"result"`
	Error    string  `json:"error"`
	Shape    []int64 `json:"shape"`
	ItemSize int64   `json:"itemsize"`
}

type manifestFile struct {
	Name        string    `json:"name"`
	File        string    `json:"file"`
	Kind        string    `json:"kind"`
	Size        int64     `json:"size"`
	HeaderLen   int64     `json:"header_len"`
	HeaderChars int64     `json:"header_chars"`
	Header      *npHeader `json:"header"`
	Load        npLoad    `json:"load"`
	LoadPickle  npLoad    `json:"load_pickle"`
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("%v (run /usr/bin/python3 formats/numpy/testdata/gen.py)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func loadManifest(t testing.TB) []manifestFile {
	var m struct{ Files []manifestFile }
	loadJSON(t, "manifest.json", &m)
	return m.Files
}

func readHeaderBytes(b []byte) (*Header, error) {
	return ReadHeader(bytes.NewReader(b), int64(len(b)), Limits{})
}

// summary is the part of a Header the numpy fixtures can vouch for.
type summary struct {
	Version                      [2]int
	Str                          string
	Kind                         string
	ItemSize                     int64
	Shape                        []int64
	Fortran, Object              bool
	DataOffset, HeaderLen        int64
	HeaderChars                  int64
	DataBytes, Trailing          int64
	HeaderTooLargeForDefaultLoad bool
	NFields                      int
	Names                        []string
	Offsets                      []int64
}

func summarize(h *Header) summary {
	s := summary{
		Version: [2]int{h.Major, h.Minor}, Str: h.Descr.Str(), Kind: string(h.Descr.Kind),
		ItemSize: h.Descr.ItemSize, Shape: h.Shape, Fortran: h.Fortran, Object: h.Object,
		DataOffset: h.DataOffset, HeaderLen: h.HeaderLen, HeaderChars: h.HeaderChars,
		DataBytes: h.DataBytes, Trailing: h.Trailing, NFields: -1,
		HeaderTooLargeForDefaultLoad: h.HeaderTooLargeForDefaultLoad,
	}
	if h.Descr.Fields != nil {
		s.NFields = len(h.Descr.Fields)
		s.Names = []string{}
		for i, f := range h.Descr.Fields {
			if i == 64 {
				break
			}
			s.Names = append(s.Names, f.Name)
			s.Offsets = append(s.Offsets, f.Offset)
		}
	}
	return s
}

// wantSummary builds the expected summary from numpy's answers.
func wantSummary(f *manifestFile) summary {
	h := f.Header
	s := summary{
		Version: [2]int{h.Version[0], h.Version[1]}, Str: h.Str, Kind: h.Kind, ItemSize: h.ItemSize,
		Shape: h.HeaderShape, Fortran: h.Fortran, Object: h.Object, DataOffset: h.DataOffset,
		HeaderLen: f.HeaderLen, HeaderChars: f.HeaderChars, DataBytes: -1, NFields: h.NFields,
		HeaderTooLargeForDefaultLoad: f.HeaderChars > NumpyMaxHeaderChars,
		Names:                        h.Names, Offsets: h.Offsets,
	}
	if !h.Object {
		s.Shape = f.LoadPickle.Shape
		s.DataBytes = product(s.Shape) * h.ItemSize
		s.Trailing = f.Size - h.DataOffset - s.DataBytes
	}
	return s
}

func product(dims []int64) int64 {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	return n
}

// TestManifest checks every file gen.py wrote: files numpy.load accepts
// must be read with the same dtype, shape, offsets and sizes; files it
// rejects must be rejected.
func TestManifest(t *testing.T) {
	for _, f := range loadManifest(t) {
		t.Run(f.Name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", f.File))
			if err != nil {
				t.Fatal(err)
			}
			h, err := readHeaderBytes(data)
			accepted := f.LoadPickle.Result == "ok" || f.Load.Result == "object"
			if !accepted {
				if err == nil {
					t.Fatalf("numpy.load rejects the file (%s) but ReadHeader accepts it: %+v", f.LoadPickle.Error, summarize(h))
				}
				if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNotNPY) {
					t.Errorf("error %v: want ErrInvalid or ErrNotNPY", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("numpy.load accepts the file but ReadHeader says: %v", err)
			}
			if diff := cmp.Diff(wantSummary(&f), summarize(h)); diff != "" {
				t.Errorf("header mismatch (-numpy +ReadHeader):\n%s", diff)
			}
			loadsPlain := f.Load.Result == "ok"
			if got := !h.Object && !h.HeaderTooLargeForDefaultLoad; got != loadsPlain {
				t.Errorf("loads without allow_pickle: got %v, numpy %v (%s)", got, loadsPlain, f.Load.Error)
			}
		})
	}
}

// TestManifestAnomalies checks the anomaly fields on the hand-made files.
func TestManifestAnomalies(t *testing.T) {
	tests := []struct {
		file                         string
		duplicateKeys                []string
		inferredDim, longs           int
		tooLarge, object, hasTrailer bool
	}{
		{file: "f32", inferredDim: -1},
		{file: "trailing", inferredDim: -1, hasTrailer: true},
		{file: "quirk_duplicate_key", duplicateKeys: []string{"descr"}, inferredDim: -1},
		{file: "quirk_duplicate_key_object", duplicateKeys: []string{"descr"}, inferredDim: -1, object: true},
		{file: "quirk_negative_dim_2d", inferredDim: 1},
		{file: "quirk_negative_dim_partial", inferredDim: 0, hasTrailer: true},
		{file: "quirk_py2_long", inferredDim: -1, longs: 1},
		{file: "quirk_py2_long_v2", inferredDim: -1, longs: 2},
		{file: "quirk_control_char_object", inferredDim: -1, object: true},
		{file: "quirk_pad_object_subarray", inferredDim: -1},
		{file: "quirk_header_over_10000", inferredDim: -1, tooLarge: true},
		{file: "big_header_v1", inferredDim: -1, tooLarge: true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "files", tt.file+".npy"))
			if err != nil {
				t.Fatal(err)
			}
			h, err := readHeaderBytes(data)
			if err != nil {
				t.Fatal(err)
			}
			type anomalies struct {
				DuplicateKeys             []string
				InferredDim, LongSuffixes int
				TooLarge, Object, Trailer bool
			}
			want := anomalies{tt.duplicateKeys, tt.inferredDim, tt.longs, tt.tooLarge, tt.object, tt.hasTrailer}
			got := anomalies{h.DuplicateKeys, h.InferredDim, h.LongSuffixes, h.HeaderTooLargeForDefaultLoad, h.Object, h.Trailing > 0}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("anomalies (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMalformedErrors pins the field and offset of errors on the malformed
// fixtures, so messages keep saying where the problem is.
func TestMalformedErrors(t *testing.T) {
	tests := []struct {
		file, field string
		offset      int64
		sentinel    error
		truncated   bool
		text        string
	}{
		{"bad_magic", FieldMagic, 5, ErrNotNPY, false, "magic"},
		{"bad_version_1_1", FieldVersion, 6, ErrInvalid, false, "version 1.1"},
		{"short_magic", FieldMagic, 7, ErrInvalid, true, "inside the 8-byte magic"},
		{"short_header_len", FieldHeaderLen, 8, ErrInvalid, true, "header length"},
		{"truncated_header", FieldHeader, 10, ErrInvalid, true, "runs past the end"},
		{"missing_key", FieldHeader, 10, ErrInvalid, false, "missing [fortran_order]"},
		{"extra_key", FieldHeader, 66, ErrInvalid, false, "unexpected header key 'x'"},
		{"non_literal_import", FieldHeader, 20, ErrInvalid, false, `name "__import__" is not a literal`},
		{"shape_two_negative", FieldShape, 60, ErrInvalid, false, "both negative"},
		{"shape_bool", FieldShape, 61, ErrInvalid, false, "bool"},
		{"fortran_int", FieldFortran, 44, ErrInvalid, false, "fortran_order is an int"},
		{"descr_unknown", FieldDescr, 20, ErrInvalid, false, `"<f3" not understood`},
		{"data_short", FieldData, 128, ErrInvalid, true, "12 data bytes"},
		{"descr_bomb", FieldData, 128, ErrInvalid, true, "2000000000 data bytes"},
		{"v3_bad_utf8", FieldHeader, 69, ErrInvalid, false, "UTF-8"},
		{"nul_in_header", FieldHeader, 24, ErrInvalid, false, "NUL"},
		{"too_deep", FieldHeader, 259, ErrInvalid, false, "nested"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "files", tt.file+".npy"))
			if err != nil {
				t.Fatal(err)
			}
			h, err := readHeaderBytes(data)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, %v; want a *FormatError", h, err)
			}
			if fe.Field != tt.field || fe.Offset != tt.offset || !errors.Is(err, tt.sentinel) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("got %q (field %s, offset %d); want field %s, offset %d, %v, text %q",
					err, fe.Field, fe.Offset, tt.field, tt.offset, tt.sentinel, tt.text)
			}
			if got := errors.Is(err, io.ErrUnexpectedEOF); got != tt.truncated {
				t.Errorf("errors.Is(err, io.ErrUnexpectedEOF) = %v, want %v", got, tt.truncated)
			}
		})
	}
}
