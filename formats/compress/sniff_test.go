package compress

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name string
		head string
		want Kind // "" means not compressed
	}{
		// Positive cases: real headers.
		{"zlib level 3 (joblib)", "\x78\x5e\x00\x00", Zlib},
		{"zlib default", "\x78\x9c", Zlib},
		{"zlib best", "\x78\xda", Zlib},
		{"zlib fastest", "\x78\x01", Zlib},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", Gzip},
		{"bz2 block", "BZh91AY&SY\x00\x00", Bzip2},
		{"bz2 empty stream", "BZh9\x17\x72\x45\x38\x50\x90\x00\x00\x00\x00", Bzip2},
		{"lzma joblib preset 3", "\x5d\x00\x00\x40\x00\xff\xff\xff\xff\xff\xff\xff\xff", LZMA},
		{"lzma 8 MiB known size", "\x5d\x00\x00\x80\x00\x10\x00\x00\x00\x00\x00\x00\x00", LZMA},
		{"lzma 3 MiB", "\x5d\x00\x00\x30\x00\xff\xff\xff\xff\xff\xff\xff\xff", LZMA},
		{"xz crc64", "\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46", XZ},
		{"lz4", "\x04\x22\x4d\x18\x64\x40\xa7", LZ4},
		{"zstd", "\x28\xb5\x2f\xfd\x24\x00", Zstd},
		{"zfile", "ZF0x1f               \x78\x9c", JoblibZFile},
		{"zfile py2 space", "ZF0x1f                \x78\x9c", JoblibZFile},

		// Near misses.
		{"zlib bad check", "\x78\x00", ""},
		{"zlib window 2 KiB is '(' MARK", "\x28\x15", ""},
		{"x alone", "x", ""},
		{"gzip method 0", "\x1f\x8b\x00", ""},
		{"BZ without h", "BZ01AY&SY\x00", ""},
		{"BZh0", "BZh01AY&SY\x00", ""},
		{"BZh9 without block magic", "BZh9\x00\x00\x00\x00\x00\x00", ""},
		{"BZh9 short", "BZh9", ""},
		{"lzma dict 5 MiB", "\x5d\x00\x00\x50\x00\xff\xff\xff\xff\xff\xff\xff\xff", ""},
		{"lzma dict 2 GiB", "\x5d\x00\x00\x00\x80\xff\xff\xff\xff\xff\xff\xff\xff", ""},
		{"lzma size 1 TiB", "\x5d\x00\x00\x80\x00\x00\x00\x00\x00\x00\x01\x00\x00", ""},
		{"lzma other props", "\x5e\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff", ""},
		{"lzma short", "\x5d\x00\x00\x40\x00", ""},
		{"xz bad crc", "\xfd7zXZ\x00\x00\x04\x00\x00\x00\x00", ""},
		{"xz reserved flag", "\xfd7zXZ\x00\x01\x04\xe6\xd6\xb4\x46", ""},
		{"lz4 legacy", "\x02\x21\x4c\x18\x00\x00", ""},
		{"lz4 version 0", "\x04\x22\x4d\x18\x24\x40\xa7", ""},
		{"zstd reserved bit", "\x28\xb5\x2f\xfd\x08\x00", ""},
		{"zstd skippable first (PERSID)", "\x50\x2a\x4d\x18\x04\x00\x00\x00\x00\x00\x00\x00\x28\xb5\x2f\xfd\x24\x00", ""},
		{"ZF bad length", "ZF0xZZ               \x78\x9c", ""},
		{"ZF negative length", "ZF-0x1f              \x78\x9c", ""},
		{"ZF without zlib", "ZF0x1f               \x00\x00", ""},
		{"empty", "", ""},

		// Pickle starts, protocols 0-5.
		{"proto0 list", "(lp0\nI1\na.", ""},
		{"proto0 global", "cos\nsystem\n(S'id'\ntR.", ""},
		{"proto0 dict", "(dp0\n", ""},
		{"proto0 PERSID", "P*M\x18\n.", ""},
		{"proto0 STRING in tuple", "(S'abc'\np0\ntp1\n.", ""},
		{"proto1 empty list", "]q\x00(K\x01e.", ""},
		{"proto1 empty dict", "}q\x00.", ""},
		{"proto1 EMPTY_LIST then MARK", "](K\x01e.", ""},
		{"proto2", "\x80\x02]q\x00.", ""},
		{"proto3 no PROTO BINBYTES", "B\x05\x00\x00\x00hello.", ""},
		{"BINBYTES spelling BZh9 short length", "BZh9\x00.", ""},
		{"proto4", "\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00]\x94.", ""},
		{"proto5", "\x80\x05\x95", ""},
		{"torch legacy", "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", ""},
		{"zip", "PK\x03\x04", ""},
		{"npy", "\x93NUMPY\x01\x00", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Sniff([]byte(tc.head))
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("Sniff(%q) = %q, %v; want %q, %v", tc.head, got, ok, tc.want, tc.want != "")
			}
		})
	}
}

// TestSniffRealPickles runs Sniff over the first 32 bytes of pickles of many
// values in every protocol, produced by CPython (gen.py).
func TestSniffRealPickles(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "pickle-heads.json"))
	if err != nil {
		t.Fatal(err)
	}
	var heads map[string]string
	if err := json.Unmarshal(b, &heads); err != nil {
		t.Fatal(err)
	}
	if len(heads) < 80 {
		t.Fatalf("only %d pickle heads", len(heads))
	}
	for name, h := range heads {
		head, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		if k, ok := Sniff(head); ok {
			t.Errorf("%s (%x) sniffed as %s", name, head, k)
		}
	}
}

// pickleOpcodes is every opcode of pickle protocols 0-5.
const pickleOpcodes = "(.012FIJKLMNPQRSTUVXabcd}eghijl]opqrstu)G" +
	"\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f" +
	"\x90\x91\x92\x93\x94\x95\x96\x97\x98BC"

// TestSniffOpcodeCollisions checks the argument in Sniff's documentation:
// for every kind except Bzip2, either the first byte of its signature is
// not a pickle opcode, or the second is not one (after an opcode taking no
// argument).
func TestSniffOpcodeCollisions(t *testing.T) {
	isOp := func(c byte) bool {
		for i := 0; i < len(pickleOpcodes); i++ {
			if pickleOpcodes[i] == c {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		kind  Kind
		magic []byte
	}{
		{JoblibZFile, []byte("ZF")},
		{Zlib, []byte{0x78}},
		{Gzip, []byte{0x1f, 0x8b}},
		{LZMA, []byte{0x5d, 0x00}},
		{XZ, xzMagic},
		{LZ4, lz4Magic},
		{Zstd, zstdMagic},
	} {
		first, second := isOp(tc.magic[0]), len(tc.magic) > 1 && isOp(tc.magic[1])
		if first && second {
			t.Errorf("%s: magic % x starts with two opcodes", tc.kind, tc.magic)
		}
	}
	if !isOp('B') {
		t.Error("BINBYTES missing from the opcode table")
	}
}

// TestSniffNoFalsePositiveOnAllShortHeads checks that no 1- or 2-byte input
// sniffs as anything (every rule needs a longer header).
func TestSniffShortHeads(t *testing.T) {
	for a := 0; a < 256; a++ {
		if k, ok := Sniff([]byte{byte(a)}); ok {
			t.Errorf("Sniff(%#02x) = %s", a, k)
		}
	}
	n := 0
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			if _, ok := Sniff([]byte{byte(a), byte(b)}); ok {
				n++
				if a != 0x78 {
					t.Errorf("Sniff(%02x %02x) matched", a, b)
				}
			}
		}
	}
	if n != 9 { // the zlib FLG values valid with CMF 0x78
		t.Errorf("%d two-byte heads sniffed, want 9", n)
	}
}

func TestPlausibleDict(t *testing.T) {
	for _, tc := range []struct {
		d    uint32
		want bool
	}{
		{1 << 12, true}, {3 << 11, true}, {1 << 23, true}, {3 << 22, true}, {3 << 29, true},
		{1<<12 - 1, false}, {5 << 20, false}, {1 << 31, false}, {^uint32(0), false}, {0, false},
	} {
		if got := plausibleDict(tc.d); got != tc.want {
			t.Errorf("plausibleDict(%#x) = %v, want %v", tc.d, got, tc.want)
		}
	}
}
