package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"runtime"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// checkAllocs fails if f allocates more than limit bytes in total.
func checkAllocs(t *testing.T, limit uint64, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Errorf("allocated %d bytes, want at most %d", got, limit)
	}
}

// xzBlockSpec describes one hand-built xz block: an LZMA2 stream of
// uncompressed chunks holding data.
type xzBlockSpec struct {
	data       []byte
	dictProp   byte
	declUncomp int64 // written to the header when >= 0
}

// xzVarintEnc encodes an xz multibyte integer.
func xzVarintEnc(v uint64) []byte {
	var b []byte
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// buildXZ writes a single-stream xz file with check type None.
func buildXZ(blocks []xzBlockSpec) []byte {
	var out bytes.Buffer
	flags := []byte{0, 0}
	out.Write(xzMagic)
	out.Write(flags)
	out.Write(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(flags)))
	var index bytes.Buffer
	index.WriteByte(0)
	index.Write(xzVarintEnc(uint64(len(blocks))))
	for _, b := range blocks {
		hdr := []byte{0, 0x00}
		if b.declUncomp >= 0 {
			hdr[1] = 0x80
			hdr = append(hdr, xzVarintEnc(uint64(b.declUncomp))...)
		}
		hdr = append(hdr, 0x21, 0x01, b.dictProp)
		for (len(hdr)+4)%4 != 0 {
			hdr = append(hdr, 0)
		}
		hdr[0] = byte((len(hdr)+4)/4 - 1)
		hdr = binary.LittleEndian.AppendUint32(hdr, crc32.ChecksumIEEE(hdr))
		var body []byte
		for i, rest := 0, b.data; len(rest) > 0; i++ {
			n := min(len(rest), 1<<16)
			ctl := byte(0x02)
			if i == 0 {
				ctl = 0x01 // dictionary reset
			}
			body = append(body, ctl, byte((n-1)>>8), byte(n-1))
			body = append(body, rest[:n]...)
			rest = rest[n:]
		}
		body = append(body, 0x00)
		out.Write(hdr)
		out.Write(body)
		for i := 0; i < (4-len(body)%4)%4; i++ {
			out.WriteByte(0)
		}
		index.Write(xzVarintEnc(uint64(len(hdr) + len(body))))
		index.Write(xzVarintEnc(uint64(len(b.data))))
	}
	for index.Len()%4 != 0 {
		index.WriteByte(0)
	}
	idx := index.Bytes()
	out.Write(idx)
	out.Write(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(idx)))
	footer := binary.LittleEndian.AppendUint32(nil, uint32((len(idx)+4)/4-1))
	footer = append(footer, flags...)
	out.Write(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(footer)))
	out.Write(footer)
	out.WriteString("YZ")
	return out.Bytes()
}

func TestHandBuiltXZ(t *testing.T) {
	data := bytes.Repeat([]byte("modelgate "), 10000)
	in := buildXZ([]xzBlockSpec{{data: data[:70000], dictProp: 16, declUncomp: -1}, {data: data[70000:], dictProp: 0, declUncomp: int64(len(data) - 70000)}})
	got, _, err := decodeAll(t, XZ, in, Limits{})
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes, err %v; want %d bytes", len(got), err, len(data))
	}
}

func TestXZWindow(t *testing.T) {
	small := []byte("tiny block")
	for _, tc := range []struct {
		name    string
		blocks  []xzBlockSpec
		lim     Limits
		wantErr string // Limit name, "" for success
	}{
		{"4 GiB dictionary", []xzBlockSpec{{small, 40, -1}}, Limits{}, LimitWindow},
		{"dictionary just over MaxWindow", []xzBlockSpec{{small, 21, -1}}, Limits{MaxWindow: 1 << 20}, LimitWindow},
		{"dictionary at MaxWindow", []xzBlockSpec{{small, 16, -1}}, Limits{MaxWindow: 1 << 20}, ""},
		{"4 GiB dictionary shrunk by declared size", []xzBlockSpec{{small, 40, int64(len(small))}}, Limits{MaxWindow: 1 << 20}, ""},
		{"many blocks exhaust the allocation budget", bytes16Blocks(64, 16), Limits{MaxWindow: 1 << 20}, LimitWindow},
		{"many small-dictionary blocks are fine", bytes16Blocks(64, 0), Limits{MaxWindow: 1 << 20}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkAllocs(t, 8<<20, func() {
				_, _, err := decodeAll(t, XZ, buildXZ(tc.blocks), tc.lim)
				var le *LimitError
				switch {
				case tc.wantErr == "" && err != nil:
					t.Errorf("err = %v, want nil", err)
				case tc.wantErr != "" && (!errors.As(err, &le) || le.Limit != tc.wantErr):
					t.Errorf("err = %v, want a %s *LimitError", err, tc.wantErr)
				}
			})
		})
	}
}

// bytes16Blocks returns n one-byte blocks with the given dictionary property.
func bytes16Blocks(n int, prop byte) []xzBlockSpec {
	var bs []xzBlockSpec
	for range n {
		bs = append(bs, xzBlockSpec{data: []byte{'x'}, dictProp: prop, declUncomp: -1})
	}
	return bs
}

func TestXZStructureErrors(t *testing.T) {
	good := buildXZ([]xzBlockSpec{{[]byte("hello, xz"), 0, -1}})
	blockHdr := 12
	for _, tc := range []struct {
		name   string
		mutate func([]byte) []byte
		want   error // nil: any *FormatError
	}{
		{"declared size too small", func([]byte) []byte {
			return buildXZ([]xzBlockSpec{{[]byte("hello, xz"), 0, 3}})
		}, nil},
		{"block header crc", func(b []byte) []byte { b[blockHdr+2] ^= 1; return b }, nil},
		{"unsupported filter", func(b []byte) []byte {
			b[blockHdr+2] = 0x03 // delta
			fixBlockCRC(b, blockHdr)
			return b
		}, ErrUnsupported},
		{"two filters", func(b []byte) []byte {
			b[blockHdr+1] = 0x01
			fixBlockCRC(b, blockHdr)
			return b
		}, ErrUnsupported},
		{"index crc", func(b []byte) []byte { b[len(b)-14] ^= 1; return b }, nil},
		{"footer magic", func(b []byte) []byte { b[len(b)-1] = 'X'; return b }, nil},
		{"index count", func(b []byte) []byte {
			i := bytes.LastIndex(b[:len(b)-12], []byte{0x00, 0x01})
			b[i+1] = 2
			return b
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeAll(t, XZ, tc.mutate(bytes.Clone(good)), Limits{})
			var fe *FormatError
			if !errors.As(err, &fe) || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want *FormatError (%v)", err, tc.want)
			}
		})
	}
}

// fixBlockCRC recomputes the CRC32 of the block header at off.
func fixBlockCRC(b []byte, off int) {
	size := (int(b[off]) + 1) * 4
	binary.LittleEndian.PutUint32(b[off+size-4:], crc32.ChecksumIEEE(b[off:off+size-4]))
}

func TestLZMAWindow(t *testing.T) {
	in := readFixture(t, "joblib-lzma.lzma") // dictionary 4 MiB, size unknown
	_, _, err := decodeAll(t, LZMA, in, Limits{MaxWindow: 1 << 20})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitWindow || le.Window != 4<<20 {
		t.Errorf("err = %v, want a MaxWindow *LimitError for 4 MiB", err)
	}
	// A 4 GiB-1 dictionary with a declared size of 10 needs only 4 KiB.
	hdr := []byte{0x5D, 0xFF, 0xFF, 0xFF, 0xFF, 10, 0, 0, 0, 0, 0, 0, 0}
	checkAllocs(t, 4<<20, func() {
		_, _, err = decodeAll(t, LZMA, append(hdr, 0, 0, 0, 0, 0), Limits{})
	})
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Errorf("garbage body: err = %v, want *FormatError", err)
	}
	// Unknown size with a 4 GiB-1 dictionary is refused before allocating.
	hdr = []byte{0x5D, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	checkAllocs(t, 4<<20, func() {
		_, _, err = decodeAll(t, LZMA, append(hdr, 0, 0, 0, 0, 0), Limits{})
	})
	if !errors.As(err, &le) || le.Limit != LimitWindow {
		t.Errorf("err = %v, want a MaxWindow *LimitError", err)
	}
}

func TestZstdWindow(t *testing.T) {
	enc, err := zstd.NewWriter(nil, zstd.WithWindowSize(8<<20), zstd.WithSingleSegment(false), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	in := enc.EncodeAll(bytes.Repeat([]byte("abc"), 1000), nil)
	enc.Close()
	// The encoder shrinks the window to the input; declare 8 MiB instead.
	if in[4]&0x20 != 0 {
		t.Fatalf("unexpected single-segment frame: % x", in[:6])
	}
	in[5] = (23 - 10) << 3
	_, _, err = decodeAll(t, Zstd, in, Limits{MaxWindow: 1 << 20})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitWindow || le.Window != 8<<20 {
		t.Errorf("err = %v, want a MaxWindow *LimitError for 8 MiB", err)
	}
	if _, _, err := decodeAll(t, Zstd, in, Limits{}); err != nil {
		t.Errorf("default limits: %v", err)
	}
	// A single-segment frame declaring 1 TiB of content.
	huge := []byte{0x28, 0xB5, 0x2F, 0xFD, 0xE0, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0, 0}
	_, _, err = decodeAll(t, Zstd, huge, Limits{})
	if !errors.As(err, &le) || le.Limit != LimitWindow {
		t.Errorf("1 TiB single segment: err = %v, want a MaxWindow *LimitError", err)
	}
}

func TestDeflateErrors(t *testing.T) {
	gz := readFixture(t, "joblib-gzip.gz")
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-8] ^= 1
	badSize := bytes.Clone(gz)
	badSize[len(badSize)-1] ^= 1
	z := readFixture(t, "joblib-zlib.z")
	badAdler := bytes.Clone(z)
	badAdler[len(badAdler)-1] ^= 1
	for _, tc := range []struct {
		name string
		kind Kind
		in   []byte
		want error
	}{
		{"gzip crc", Gzip, badCRC, nil},
		{"gzip isize", Gzip, badSize, nil},
		{"gzip method", Gzip, []byte{0x1f, 0x8b, 0x07, 0, 0, 0, 0, 0, 0, 0}, nil},
		{"zlib adler", Zlib, badAdler, nil},
		{"zlib preset dictionary", Zlib, []byte{0x78, 0xBB, 0, 0, 0, 1, 3, 0}, ErrUnsupported},
		{"zlib window 64 KiB", Zlib, []byte{0x88, 0x98, 3, 0}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeAll(t, tc.kind, tc.in, Limits{})
			var fe *FormatError
			if !errors.As(err, &fe) || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want *FormatError (%v)", err, tc.want)
			}
		})
	}
}
