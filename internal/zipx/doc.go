// Package zipx reads zip archives the way torch.load reads them and reports
// everything about the archive that a careful reader would find unusual.
//
// torch.load does not use Python's zipfile. It uses PyTorchStreamReader, a
// thin layer over miniz (2.1.0 in torch 1.13, 3.0.2 in torch 2.x), built
// without CRC checks. What miniz does, and therefore what this package does:
//
//   - It finds the end of central directory record (EOCD) by scanning
//     backwards from the end of the file, in 4 KiB blocks, for the last
//     "PK\x05\x06" with at least 22 bytes after it, giving up about 64 KiB
//     from the end. The comment length is not checked.
//   - If a ZIP64 locator sits right before the EOCD and the offset it holds
//     points at a ZIP64 end record, the ZIP64 record's counts, size and
//     offset replace the EOCD's, whether or not the EOCD holds 0xFFFF or
//     0xFFFFFFFF sentinels.
//   - It reads exactly as many central directory records as the end record
//     declares, from the offset it declares. Offsets are absolute: bytes
//     prepended to an archive are not compensated for.
//   - Names are looked up case-insensitively (ASCII only) with a binary
//     search over a heap sort of the first records, so which of two
//     duplicate names wins depends on that sort; [Reader.Lookup]
//     reproduces it.
//   - To read a record it takes sizes, method, flags and the local header
//     offset from the central directory, reads the local header only for
//     its name and extra lengths, and reads at
//     offset + 30 + local name length + local extra length. A stored
//     record yields UncompressedSize bytes from there (miniz's read size,
//     which differs from the compressed size only in a crafted archive); a
//     deflated one is inflated from CompressedSize bytes.
//   - Central flags 0x1 and 0x40 (encryption) and 0x20 (patch data), and
//     methods other than 0 and 8, make torch fail when it reads that
//     record. Local flags, CRCs, local names, local sizes and data
//     descriptors are never looked at.
//
// Python's zipfile (numpy.load of .npz files), Go's archive/zip and other
// readers differ from this in many details. Every such difference an
// archive exercises, and every structural oddity that a legitimate
// torch.save or numpy.savez file never contains, is reported as an
// [Anomaly]. Anomaly.Torch says whether torch itself fails because of
// it. The reader never fails because of an anomaly: it returns an error only
// when no central directory can be located or read, or when a [Limits]
// value is exceeded.
//
// All reads go through an io.ReaderAt. No allocation is sized by a field of
// the archive beyond what the input can back, and Limits bounds the
// entries, the central directory bytes and the inflated size of a record.
package zipx
