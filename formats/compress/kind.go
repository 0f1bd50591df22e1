package compress

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// Kind names a whole-file compression format.
type Kind string

// The compression formats this package decodes.
const (
	// Zlib is an RFC 1950 zlib stream (joblib compress="zlib", files *.z).
	// Concatenated streams are decoded one after another.
	Zlib Kind = "zlib"
	// Gzip is an RFC 1952 gzip file; members are decoded one after another.
	Gzip Kind = "gzip"
	// Bzip2 is a bzip2 file; concatenated streams are decoded one after another.
	Bzip2 Kind = "bz2"
	// XZ is an .xz file with LZMA2 blocks.
	XZ Kind = "xz"
	// LZMA is the legacy LZMA "alone" format (.lzma, lzma.FORMAT_ALONE).
	LZMA Kind = "lzma"
	// LZ4 is the LZ4 frame format (lz4.frame, the lz4 command).
	LZ4 Kind = "lz4"
	// Zstd is the Zstandard frame format.
	Zstd Kind = "zstd"
	// JoblibZFile is the "ZF" container of joblib <= 0.9.3: "ZF", the
	// payload length in hex padded to 19 characters, then one zlib stream.
	JoblibZFile Kind = "joblib-zfile"
)

// Kinds lists every Kind in the order Sniff tries them (joblib's order,
// then Zstd).
func Kinds() []Kind {
	return []Kind{JoblibZFile, Zlib, Gzip, Bzip2, LZMA, XZ, LZ4, Zstd}
}

// String returns the Kind's name.
func (k Kind) String() string { return string(k) }

// valid reports whether k is one of the Kinds.
func (k Kind) valid() bool {
	for _, v := range Kinds() {
		if k == v {
			return true
		}
	}
	return false
}

// SniffLen is the number of leading bytes Sniff needs to decide for every
// Kind. Shorter heads are fine when the input is shorter.
const SniffLen = 32

// Sniff reports which compressor produced a stream starting with head.
// Pass at least the first SniffLen bytes when the input has that many.
//
// Sniff is meant to run before treating a file as a pickle, so every rule
// is strict enough that a valid pickle cannot match it, with one exception
// (Bzip2, below). The argument, per kind, uses the fact that a pickle's
// first byte is an opcode and that protocol 0/1 pickles have no header:
//
//   - JoblibZFile "ZF" and Zlib 0x78 ('x'): neither 'Z' nor 'x' is a pickle
//     opcode, so no pickle starts with them. Zlib additionally needs a valid
//     CMF/FLG pair. Only CMF 0x78 (32 KiB window, what every zlib writer
//     emits by default) is sniffed because that is all joblib's detector
//     accepts; CMF 0x28/0x58/0x68 would be '(' MARK, 'X' BINUNICODE and
//     'h' BINGET, so smaller-window zlib streams must be named explicitly
//     with NewReader(Zlib, ...).
//   - Gzip 1F 8B 08, XZ FD 37 7A 58 5A 00 and LZ4 04 22 4D 18: 0x1F, 0xFD
//     and 0x04 are not opcodes.
//   - LZMA 5D 00 ...: 0x5D is ']' EMPTY_LIST, but 0x00 is not an opcode, so
//     no valid pickle starts with 5D 00. The header must also carry
//     liblzma's "plausible" values (dictionary 2^n or 2^n+2^(n-1) between
//     4 KiB and 1.5 GiB, size unknown or below 256 GiB) so arbitrary binary
//     data starting with "]\x00" is not taken for LZMA.
//   - Zstd 28 B5 2F FD: 0x28 is '(' MARK, but 0xB5 is not an opcode. A zstd
//     file that starts with a skippable frame (50..5F 2A 4D 18, as pzstd
//     writes) is NOT sniffed: 'P' is PERSID and "P*M\x18..." is a valid
//     protocol-0 pickle prefix, so such a file may well be a pickle.
//     Callers that know the file is zstd use NewReader(Zstd, ...), which
//     accepts leading skippable frames.
//   - Bzip2 "BZh" + '1'..'9' + a block or end-of-stream magic: 'B' is
//     BINBYTES, whose 4-byte little-endian length would be "Zh" + level +
//     the next byte. With the 6-byte magics required here that length is
//     at least 0x1731685A (389 MB), so a collision needs a pickle that starts
//     with BINBYTES (no PROTO) carrying at least 389 MB. That is possible
//     for a hostile file. bzip2 works in blocks of up to 900 kB, so a
//     non-bzip2 payload fails within the first block: a caller must treat
//     any decompression error, and any Trailing data, as "also scan the raw
//     file as a pickle", never as "clean".
//
// Sniff never reads size fields beyond the header and never allocates.
func Sniff(head []byte) (Kind, bool) {
	for _, s := range sniffers {
		if s.match(head) {
			return s.kind, true
		}
	}
	return "", false
}

// sniffers holds one matcher per Kind, in joblib's detection order.
var sniffers = []struct {
	kind  Kind
	match func([]byte) bool
}{
	{JoblibZFile, isZFileHeader},
	{Zlib, func(h []byte) bool { return len(h) >= 2 && h[0] == 0x78 && zlibHeaderOK(h) }},
	{Gzip, isGzipHeader},
	{Bzip2, isBzip2Header},
	{LZMA, isLZMAHeader},
	{XZ, isXZHeader},
	{LZ4, isLZ4Header},
	{Zstd, isZstdHeader},
}

// zlibHeaderOK reports whether h starts with a zlib CMF/FLG pair that
// CPython's zlib accepts with wbits=15: method 8 (deflate), window at most
// 32 KiB, and the FCHECK bits making CMF*256+FLG a multiple of 31.
func zlibHeaderOK(h []byte) bool {
	if len(h) < 2 {
		return false
	}
	cmf, flg := h[0], h[1]
	return cmf&0x0F == 8 && cmf>>4 <= 7 && (uint16(cmf)<<8|uint16(flg))%31 == 0
}

// isGzipHeader checks the gzip magic and method 8, the only method
// CPython's gzip module accepts.
func isGzipHeader(h []byte) bool {
	return len(h) >= 3 && h[0] == 0x1F && h[1] == 0x8B && h[2] == 8
}

var (
	bz2BlockMagic = []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}
	bz2EOSMagic   = []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90}
)

// isBzip2Header checks "BZh", the block-size digit and the magic of the
// first block or of the end-of-stream marker (an empty stream).
func isBzip2Header(h []byte) bool {
	if len(h) < 10 || string(h[:3]) != "BZh" || h[3] < '1' || h[3] > '9' {
		return false
	}
	return bytes.Equal(h[4:10], bz2BlockMagic) || bytes.Equal(h[4:10], bz2EOSMagic)
}

// lzmaHeaderLen is the size of an LZMA-alone header: properties, 32-bit
// dictionary size, 64-bit uncompressed size (all ones when unknown).
const lzmaHeaderLen = 13

// isLZMAHeader accepts only the default properties byte 0x5D (lc=3 lp=0
// pb=2, what Python's lzma and the xz tools write and what joblib's
// detector requires) with a dictionary whose low byte is zero, and then
// applies liblzma's plausibility test for headerless .lzma detection.
func isLZMAHeader(h []byte) bool {
	if len(h) < lzmaHeaderLen || h[0] != 0x5D || h[1] != 0 {
		return false
	}
	dict := binary.LittleEndian.Uint32(h[1:5])
	size := binary.LittleEndian.Uint64(h[5:13])
	return plausibleDict(dict) && (size == ^uint64(0) || size < 1<<38)
}

// plausibleDict reports whether d is 2^n or 2^n+2^(n-1) within the range
// LZMA encoders use (4 KiB to 1.5 GiB).
func plausibleDict(d uint32) bool {
	if d < 1<<12 || d > 3<<29 {
		return false
	}
	for n := 12; n <= 30; n++ {
		if d == 1<<n || d == 1<<n+1<<(n-1) {
			return true
		}
	}
	return false
}

var xzMagic = []byte{0xFD, '7', 'z', 'X', 'Z', 0x00}

// isXZHeader checks the xz stream header: magic, stream flags with the
// reserved bits clear, and the CRC32 of the flags.
func isXZHeader(h []byte) bool {
	if len(h) < 12 || !bytes.Equal(h[:6], xzMagic) {
		return false
	}
	return h[6] == 0 && h[7]&0xF0 == 0 && crc32.ChecksumIEEE(h[6:8]) == binary.LittleEndian.Uint32(h[8:12])
}

var lz4Magic = []byte{0x04, 0x22, 0x4D, 0x18}

// isLZ4Header checks the LZ4 frame magic, version 01, the reserved FLG
// bit and the block-descriptor byte (reserved bits clear, block size
// 64 KiB..4 MiB).
func isLZ4Header(h []byte) bool {
	if len(h) < 6 || !bytes.Equal(h[:4], lz4Magic) {
		return false
	}
	flg, bd := h[4], h[5]
	return flg>>6 == 1 && flg&0x02 == 0 && bd&0x8F == 0 && bd>>4 >= 4
}

var zstdMagic = []byte{0x28, 0xB5, 0x2F, 0xFD}

// isZstdHeader checks the Zstandard frame magic and the reserved bit of the
// frame header descriptor.
func isZstdHeader(h []byte) bool {
	return len(h) >= 5 && bytes.Equal(h[:4], zstdMagic) && h[4]&0x08 == 0
}

// isSkippableFrame reports whether h starts with the magic of a skippable
// frame (0x184D2A50..0x184D2A5F little-endian), shared by LZ4 and Zstd.
func isSkippableFrame(h []byte) bool {
	return len(h) >= 4 && h[0]&0xF0 == 0x50 && h[1] == 0x2A && h[2] == 0x4D && h[3] == 0x18
}
