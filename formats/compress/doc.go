// Package compress recognizes and decompresses the whole-file compression
// that model files arrive in, as a bounded stream, so that the pickle inside
// can be scanned without running anything and without inflating the file in
// memory.
//
// Sniff names the compressor from the first bytes; its rules are strict
// enough not to fire on pickles (see Sniff for the one exception). NewReader
// returns the decompressed stream of one Kind under Limits that stop
// decompression bombs: total output, output/input ratio past a grace size,
// and decoder window memory.
//
// # Matching the loaders
//
// The scanner must see at least what the victim loader sees. What follows
// the first stream is where loaders differ, so each Kind follows its loader
// (checked against CPython 3.11 and joblib 1.2.0):
//
//	kind          loader                        after the first stream
//	zlib          joblib BinaryZlibFile         more streams; other bytes: ErrTrailingData
//	gzip          gzip module                   more members, zero padding; else ErrTrailingData
//	bz2           bz2.BZ2File                   more streams; other bytes ignored (Trailing)
//	xz, lzma      lzma.LZMAFile (FORMAT_AUTO)   xz or lzma streams; other bytes ignored (Trailing)
//	lz4           lz4.frame.LZ4FrameFile        more frames; other bytes ignored (Trailing)
//	zstd          zstd command                  more frames; other bytes: ErrTrailingData
//	joblib-zfile  joblib read_zfile             nothing; other bytes ignored (Trailing)
//
// joblib's BinaryZlibFile in fact never reads a second zlib or gzip member:
// it feeds the finished decompressor its own unused data until MemoryError.
// Decoding the further members anyway only shows the scanner more than the
// victim can see; Reader.Streams tells the caller it happened.
//
// # Memory
//
// Nothing is allocated from a size field in the input. Header fields go into
// fixed arrays, skipped regions are discarded as streams, and the only
// size-driven allocations, decoder dictionaries and windows, are checked
// against Limits.MaxWindow (and a budget over all streams of a file) before
// the decoder makes them. The xz container is parsed here for that reason.
package compress
