package compress

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fixture is one entry of testdata/manifest.json, written by gen.py.
type fixture struct {
	File     string `json:"file"`
	Kind     Kind   `json:"kind"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Trailing int64  `json:"trailing"`
}

func loadManifest(t testing.TB) []fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fs []fixture
	if err := json.Unmarshal(b, &fs); err != nil {
		t.Fatal(err)
	}
	return fs
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeAll decompresses b as k and returns the output, the *Reader and the
// error that ended reading (nil at a clean end).
func decodeAll(t testing.TB, k Kind, b []byte, lim Limits) ([]byte, *Reader, error) {
	t.Helper()
	rc, err := NewReader(k, bytes.NewReader(b), lim)
	if err != nil {
		t.Fatalf("NewReader(%s): %v", k, err)
	}
	defer rc.Close()
	out, err := io.ReadAll(rc)
	return out, rc.(*Reader), err
}

func TestFixtures(t *testing.T) {
	t.Parallel()
	for _, f := range loadManifest(t) {
		t.Run(f.File, func(t *testing.T) {
			in := readFixture(t, f.File)
			wantKind, wantOK := f.Kind, true
			if isSkippableFrame(in) {
				// Deliberately not sniffed: "P*M\x18" may start a pickle.
				wantKind, wantOK = "", false
			}
			if k, ok := Sniff(in[:min(len(in), SniffLen)]); ok != wantOK || k != wantKind {
				t.Errorf("Sniff = %q, %v; want %q, %v", k, ok, wantKind, wantOK)
			}
			out, zr, err := decodeAll(t, f.Kind, in, Limits{})
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			sum := sha256.Sum256(out)
			got := fixture{File: f.File, Kind: zr.Kind(), Size: int64(len(out)), SHA256: hex.EncodeToString(sum[:]), Trailing: -1}
			if off, ok := zr.Trailing(); ok {
				got.Trailing = off
			}
			if diff := cmp.Diff(f, got); diff != "" {
				t.Errorf("decoded %s differs from CPython's view (-want +got):\n%s", f.File, diff)
			}
			if zr.Output() != int64(len(out)) {
				t.Errorf("Output() = %d, want %d", zr.Output(), len(out))
			}
			if f.Trailing < 0 && zr.InputOffset() != int64(len(in)) {
				t.Errorf("InputOffset() = %d at EOF, want %d", zr.InputOffset(), len(in))
			}
		})
	}
}

// TestJoblibPayload checks that every joblib-compressed fixture inflates to
// the committed uncompressed dump byte for byte.
func TestJoblibPayload(t *testing.T) {
	t.Parallel()
	want := readFixture(t, "payload.pkl")
	for _, tc := range []struct {
		file string
		kind Kind
	}{
		{"joblib-zlib.z", Zlib},
		{"joblib-gzip.gz", Gzip},
		{"joblib-bz2.bz2", Bzip2},
		{"joblib-lzma.lzma", LZMA},
		{"joblib-xz.xz", XZ},
		{"payload.lz4", LZ4},
		{"payload.zst", Zstd},
		{"payload-pzstd.zst", Zstd},
		{"xz-blocks-mt.xz", XZ},
		{"zlib-concat.z", Zlib},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, _, err := decodeAll(t, tc.kind, readFixture(t, tc.file), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from payload.pkl (%d vs %d bytes)", len(got), len(want))
			}
		})
	}
}

func TestStreams(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		kind Kind
		want int
	}{
		{"joblib-zlib.z", Zlib, 1},
		{"zlib-concat.z", Zlib, 2},
		{"gzip-multi.gz", Gzip, 2},
		{"xz-multi.xz", XZ, 2},
		{"xz-padded.xz", XZ, 1},
		{"lzma-concat.lzma", LZMA, 2},
		{"lz4-multi.lz4", LZ4, 2},
		{"zstd-multi.zst", Zstd, 2},
		{"bz2-trailing.bz2", Bzip2, 1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, zr, err := decodeAll(t, tc.kind, readFixture(t, tc.file), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if zr.Streams() != tc.want {
				t.Errorf("Streams() = %d, want %d", zr.Streams(), tc.want)
			}
		})
	}
}

// TestTrailingData covers bytes after a complete stream: an error for the
// kinds whose victims fail on them, a Trailing report for the others.
func TestTrailingData(t *testing.T) {
	t.Parallel()
	garbage := []byte("GARBAGE!")
	for _, tc := range []struct {
		file    string
		kind    Kind
		wantErr error // nil: ignored and reported by Trailing
	}{
		{"joblib-zlib.z", Zlib, ErrTrailingData},
		{"joblib-gzip.gz", Gzip, ErrTrailingData},
		{"payload.zst", Zstd, ErrTrailingData},
		{"joblib-bz2.bz2", Bzip2, nil},
		{"joblib-xz.xz", XZ, nil},
		{"joblib-lzma.lzma", LZMA, nil},
		{"payload.lz4", LZ4, nil},
		{"zfile.pkl", JoblibZFile, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			clean := readFixture(t, tc.file)
			in := append(bytes.Clone(clean), garbage...)
			want, _, err := decodeAll(t, tc.kind, clean, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			got, zr, err := decodeAll(t, tc.kind, in, Limits{})
			if !bytes.Equal(got, want) {
				t.Errorf("output with trailing data differs (%d vs %d bytes)", len(got), len(want))
			}
			if tc.wantErr != nil {
				var fe *FormatError
				if !errors.Is(err, tc.wantErr) || !errors.As(err, &fe) || fe.Offset != int64(len(clean)) {
					t.Fatalf("err = %v; want *FormatError wrapping %v at offset %d", err, tc.wantErr, len(clean))
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			if off, ok := zr.Trailing(); !ok || off != int64(len(clean)) {
				t.Errorf("Trailing() = %d, %v; want %d, true", off, ok, len(clean))
			}
		})
	}
}

// zeroPadding is the zero padding gen.py appends after the last member.
var zeroPadding = map[string]int{"gzip-multi.gz": 7}

// TestTruncated cuts every fixture at several points: each cut must give a
// *FormatError matching io.ErrUnexpectedEOF (or, for kinds that stop at the
// end of a complete inner stream, a clean but shorter result), never a hang.
func TestTruncated(t *testing.T) {
	t.Parallel()
	for _, f := range loadManifest(t) {
		if f.Size > 1<<20 {
			continue // the bomb fixture; covered by bomb_test.go
		}
		in := readFixture(t, f.File)
		for _, cut := range []int{0, 1, 2, 5, 12, len(in) / 3, len(in) / 2, len(in) - 5, len(in) - 1} {
			if cut >= len(in) || cut < 0 {
				continue
			}
			out, _, err := decodeAll(t, f.Kind, in[:cut], Limits{})
			if err == nil {
				// A cut in ignored trailing bytes or padding, or exactly
				// between concatenated streams, leaves a valid file.
				inTail := f.Trailing >= 0 && int64(cut) >= f.Trailing || cut >= len(in)-zeroPadding[f.File]
				if int64(len(out)) >= f.Size && !inTail {
					t.Errorf("%s cut at %d: no error and full output", f.File, cut)
				}
				continue
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%s cut at %d: err = %v (%T), want *FormatError", f.File, cut, err, err)
				continue
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrLengthMismatch) {
				t.Errorf("%s cut at %d: err = %v, want io.ErrUnexpectedEOF", f.File, cut, err)
			}
		}
	}
}

// TestCorrupt flips bytes in the middle of each fixture: decoding must end
// in a typed error or, where the flip hit bytes no check covers, in output
// that differs. Nothing may panic or hang.
func TestCorrupt(t *testing.T) {
	t.Parallel()
	for _, f := range loadManifest(t) {
		if f.Size > 1<<20 {
			continue
		}
		in := readFixture(t, f.File)
		for _, pos := range []int{len(in) / 4, len(in) / 2, len(in) - 3} {
			bad := bytes.Clone(in)
			bad[pos] ^= 0x55
			out, _, err := decodeAll(t, f.Kind, bad, Limits{})
			if err == nil {
				sum := sha256.Sum256(out)
				if hex.EncodeToString(sum[:]) == f.SHA256 && f.Trailing < 0 {
					t.Errorf("%s: flip at %d went unnoticed", f.File, pos)
				}
				continue
			}
			checkErrorType(t, err)
		}
	}
}

// checkErrorType asserts the error contract of Read.
func checkErrorType(t testing.TB, err error) {
	t.Helper()
	var fe *FormatError
	var le *LimitError
	switch {
	case errors.As(err, &le):
		if !errors.Is(err, ErrBomb) {
			t.Errorf("LimitError does not match ErrBomb: %v", err)
		}
	case errors.As(err, &fe):
		if fe.Err == nil {
			t.Errorf("FormatError without cause: %v", err)
		}
	default:
		t.Errorf("untyped error %T: %v", err, err)
	}
}

func TestErrorMessages(t *testing.T) {
	in := readFixture(t, "joblib-gzip.gz")
	_, _, err := decodeAll(t, Gzip, in[:len(in)/2], Limits{})
	want := "compress: gzip: truncated input at compressed offset"
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("truncation error = %v, want it to contain %q", err, want)
	}
	_, _, err = decodeAll(t, Zlib, []byte{0x78, 0x01, 0xFF}, Limits{})
	want = "compress: zlib: corrupt data at compressed offset"
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("corruption error = %v, want it to contain %q", err, want)
	}
}

func TestNewReaderUnknownKind(t *testing.T) {
	_, err := NewReader("rar", bytes.NewReader(nil), Limits{})
	if !errors.Is(err, ErrUnknownKind) {
		t.Errorf("err = %v, want ErrUnknownKind", err)
	}
}

func TestEmptyInput(t *testing.T) {
	for _, k := range Kinds() {
		_, _, err := decodeAll(t, k, nil, Limits{})
		var fe *FormatError
		if !errors.As(err, &fe) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: empty input: err = %v, want truncation *FormatError", k, err)
		}
	}
}

func TestCloseThenRead(t *testing.T) {
	rc, err := NewReader(Gzip, bytes.NewReader(readFixture(t, "joblib-gzip.gz")), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if _, err := rc.Read(make([]byte, 10)); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close: err = %v, want ErrClosed", err)
	}
}

// errReader fails after delivering some bytes.
type errReader struct {
	data []byte
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

// TestIOErrorIsNotFormatError keeps "the disk failed" apart from "the data
// is corrupt".
func TestIOErrorIsNotFormatError(t *testing.T) {
	boom := errors.New("disk on fire")
	in := readFixture(t, "joblib-xz.xz")
	rc, err := NewReader(XZ, &errReader{data: in[:100], err: boom}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	var fe *FormatError
	if !errors.Is(err, boom) || errors.As(err, &fe) {
		t.Errorf("err = %v, want the I/O error and not a *FormatError", err)
	}
}

// TestLZMAFamilyTrailing: after an xz or lzma stream, lzma.LZMAFile would
// decode an lzip member, which this package cannot; that must not be
// skipped silently.
func TestLZMAFamilyTrailing(t *testing.T) {
	for _, tc := range []struct {
		file string
		kind Kind
	}{
		{"joblib-xz.xz", XZ},
		{"joblib-lzma.lzma", LZMA},
	} {
		in := append(bytes.Clone(readFixture(t, tc.file)), "LZIP\x01\x0c\x00\x00"...)
		_, _, err := decodeAll(t, tc.kind, in, Limits{})
		var fe *FormatError
		if !errors.Is(err, ErrUnsupported) || !errors.As(err, &fe) {
			t.Errorf("%s + lzip: err = %v, want *FormatError wrapping ErrUnsupported", tc.file, err)
		}
	}
}

func TestPickyDict(t *testing.T) {
	for _, tc := range []struct {
		d    uint32
		want bool
	}{
		{0, true}, {1, true}, {2, true}, {3, true}, {4, true}, {5, false}, {6, true},
		{1 << 16, true}, {3 << 15, true}, {5 << 20, false}, {1 << 31, true}, {^uint32(0), true}, {^uint32(0) - 1, false},
	} {
		if got := pickyDict(tc.d); got != tc.want {
			t.Errorf("pickyDict(%#x) = %v, want %v", tc.d, got, tc.want)
		}
	}
}
