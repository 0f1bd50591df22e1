package zipx

import "fmt"

// AnomalyKind names one kind of irregularity. The values are stable
// identifiers meant for reports. A file written by torch.save, numpy.savez
// or Go's archive/zip shows none of them.
type AnomalyKind string

// The anomaly kinds. Anomaly.Offset points at the evidence described here.
const (
	// KindPrependedData: bytes before the first local header (or before the
	// central directory of an archive without entries). Polyglot files and
	// "cat junk model.pt" produce it. Offset 0.
	KindPrependedData AnomalyKind = "prepended-data"
	// KindTrailingData: bytes after the end of central directory record and
	// its comment. Offset: the first such byte.
	KindTrailingData AnomalyKind = "trailing-data"
	// KindGap: bytes between entries, or between the last entry and the
	// central directory, that no record covers (a hidden payload or a
	// hidden archive). Offset: the first such byte.
	KindGap AnomalyKind = "gap"
	// KindOverlap: an entry's header or data overlaps another entry's, or
	// the central directory or end records. Offset: the entry's local
	// header.
	KindOverlap AnomalyKind = "overlap"
	// KindOutOfBounds: an entry's local header or data lies (partly)
	// outside the input. Offset: the central directory record when the
	// local header is outside, else the local header.
	KindOutOfBounds AnomalyKind = "entry-out-of-bounds"
	// KindLocalHeaderBad: no local file header signature at the declared
	// offset; torch cannot read the entry. Offset: the declared offset.
	KindLocalHeaderBad AnomalyKind = "local-header-bad"
	// KindLocalNameMismatch: the local header's name differs from the
	// central directory's (Python's zipfile refuses, torch ignores it).
	// Offset: the local header.
	KindLocalNameMismatch AnomalyKind = "local-name-mismatch"
	// KindLocalHeaderMismatch: the local header's method, flags, CRC or
	// sizes differ from the central directory's (sizes and CRC may be zero
	// when the data-descriptor flag is set). Offset: the local header.
	KindLocalHeaderMismatch AnomalyKind = "local-header-mismatch"
	// KindDataDescriptor: the data-descriptor flag (0x8) is set but no data
	// descriptor matching the central CRC and sizes follows the data
	// (readers that check descriptors, such as Go's archive/zip, fail).
	// Offset: where the descriptor should start.
	KindDataDescriptor AnomalyKind = "data-descriptor-mismatch"
	// KindDuplicateName: two entries have the same name, or names that
	// differ only in ASCII case (torch's lookup ignores case). The detail
	// says which entry torch's lookup picks. Offset: the later entry's
	// central directory record.
	KindDuplicateName AnomalyKind = "duplicate-name"
	// KindFlagBits: general-purpose flag bits that a model file never has:
	// 0x20 (patch data), 0x2000 (masked headers), reserved bits, or deflate
	// option bits on a non-deflate entry, in the central or local header.
	// Offset: the header holding them.
	KindFlagBits AnomalyKind = "flag-bits"
	// KindEncrypted: flag 0x1 (encrypted) or 0x40 (strong encryption) is
	// set in the central or local header. Readers differ: torch fails on
	// the central flag and ignores the local one; this package reads the
	// bytes as they are, like torch does when it reads them. Offset: the
	// header holding the flag.
	KindEncrypted AnomalyKind = "encrypted"
	// KindUnsupportedMethod: a compression method other than stored (0) or
	// deflate (8). Offset: the central directory record.
	KindUnsupportedMethod AnomalyKind = "unsupported-method"
	// KindSizeMismatch: a stored entry whose compressed and uncompressed
	// sizes differ (torch reads the uncompressed size, Python's zipfile the
	// smaller one), a non-empty entry with compressed size 0, or a
	// deflated entry that inflated to a length other than its declared
	// size. Offset: the central directory record, or the data.
	KindSizeMismatch AnomalyKind = "size-mismatch"
	// KindCRCMismatch: CheckCRC found data whose CRC-32 differs from the
	// central directory's (Python's zipfile refuses, torch does not check).
	// Offset: the data.
	KindCRCMismatch AnomalyKind = "crc-mismatch"
	// KindCRCNotComputed: CheckCRC found a central CRC of 0 on non-empty
	// data, which torch writes after set_crc32_options(False) and which
	// also hides tampering. Offset: the data.
	KindCRCNotComputed AnomalyKind = "crc-not-computed"
	// KindEOCDComment: the end of central directory record has a comment,
	// or its comment length runs past the end of the input. Offset: the
	// end record.
	KindEOCDComment AnomalyKind = "eocd-comment"
	// KindMultipleEOCD: another plausible end of central directory
	// signature exists near the end of the input, or one too close to the
	// end to be a record (Python's zipfile then fails). Readers that search
	// differently pick a different central directory. Offset: the other
	// signature.
	KindMultipleEOCD AnomalyKind = "multiple-eocd"
	// KindCDCountMismatch: the end record's entry counts disagree with
	// each other or with the records the central directory holds. Entries
	// past the declared count are seen by Python's zipfile but not by
	// torch. Offset: the end record (or ZIP64 end record).
	KindCDCountMismatch AnomalyKind = "cd-count-mismatch"
	// KindCDMalformed: central directory bytes that are not records: a bad
	// signature, a record running past the directory, or leftover bytes.
	// Offset: the first such byte.
	KindCDMalformed AnomalyKind = "cd-malformed"
	// KindCDOffset: the central directory does not end where the end
	// records begin. Python's zipfile then shifts every offset by the
	// difference (to support prepended data) while torch does not, so the
	// two read different bytes. Offset: the end record.
	KindCDOffset AnomalyKind = "cd-offset-mismatch"
	// KindZip64Inconsistent: ZIP64 structures disagree with the 32-bit ones
	// or with each other: EOCD values that are neither sentinels nor equal
	// to the ZIP64 end record's, sentinels without a ZIP64 locator, a
	// locator that points somewhere else than right before itself, a bad
	// record size or disk count, a sentinel without a matching ZIP64 extra
	// field. Offset: the structure at fault.
	KindZip64Inconsistent AnomalyKind = "zip64-inconsistent"
	// KindDiskNumber: a disk number field is not 0 (multi-disk archives do
	// not exist in model files). Offset: the record holding it.
	KindDiskNumber AnomalyKind = "disk-number"
	// KindExtraMalformed: an extra field block that does not parse as
	// (id, length, data) items. Offset: the header holding it.
	KindExtraMalformed AnomalyKind = "extra-malformed"
	// KindDirectoryEntry: an entry with data that torch treats as a
	// directory (name ending in "/" or DOS directory attribute); torch
	// then returns a buffer it never filled. Offset: the central record.
	KindDirectoryEntry AnomalyKind = "directory-entry"
	// KindNestedZip: an entry's data starts with a zip signature (a zip
	// inside the zip, which scanners that do not recurse miss). Offset: the
	// data.
	KindNestedZip AnomalyKind = "nested-zip"
	// KindAnomalyLimit: Limits.MaxAnomalies was reached; further anomalies
	// are counted in Reader.DroppedAnomalies only.
	KindAnomalyLimit AnomalyKind = "anomaly-limit"
)

// kindDocs holds a one-line description of every kind, for reports.
var kindDocs = map[AnomalyKind]string{
	KindPrependedData:       "bytes before the first local header",
	KindTrailingData:        "bytes after the end of central directory record",
	KindGap:                 "bytes between records that no entry covers",
	KindOverlap:             "entry data overlaps another entry or the central directory",
	KindOutOfBounds:         "entry header or data lies outside the file",
	KindLocalHeaderBad:      "no local file header at the declared offset",
	KindLocalNameMismatch:   "local header name differs from the central directory name",
	KindLocalHeaderMismatch: "local header method, flags, CRC or sizes differ from the central directory",
	KindDataDescriptor:      "data descriptor missing or disagreeing with the central directory",
	KindDuplicateName:       "two entries share a name (ignoring ASCII case, as torch does)",
	KindFlagBits:            "unusual general-purpose flag bits (patch, masked, reserved)",
	KindEncrypted:           "encryption flag set",
	KindUnsupportedMethod:   "compression method other than stored or deflate",
	KindSizeMismatch:        "declared sizes disagree with each other or with the data",
	KindCRCMismatch:         "CRC-32 of the data differs from the central directory",
	KindCRCNotComputed:      "central CRC-32 is 0 for non-empty data",
	KindEOCDComment:         "archive comment present or overrunning the file",
	KindMultipleEOCD:        "more than one end of central directory signature",
	KindCDCountMismatch:     "entry counts disagree with each other or with the directory",
	KindCDMalformed:         "central directory bytes that are not records",
	KindCDOffset:            "central directory does not end where the end records start",
	KindZip64Inconsistent:   "ZIP64 records or fields disagree or are incomplete",
	KindDiskNumber:          "non-zero disk number",
	KindExtraMalformed:      "extra field block does not parse",
	KindDirectoryEntry:      "entry with data that torch treats as a directory",
	KindNestedZip:           "entry data is itself a zip archive",
	KindAnomalyLimit:        "too many anomalies; the rest were counted, not recorded",
}

// Kinds returns every anomaly kind, in a fixed order.
func Kinds() []AnomalyKind {
	return []AnomalyKind{
		KindPrependedData, KindTrailingData, KindGap, KindOverlap, KindOutOfBounds,
		KindLocalHeaderBad, KindLocalNameMismatch, KindLocalHeaderMismatch, KindDataDescriptor,
		KindDuplicateName, KindFlagBits, KindEncrypted, KindUnsupportedMethod, KindSizeMismatch,
		KindCRCMismatch, KindCRCNotComputed, KindEOCDComment, KindMultipleEOCD,
		KindCDCountMismatch, KindCDMalformed, KindCDOffset, KindZip64Inconsistent,
		KindDiskNumber, KindExtraMalformed, KindDirectoryEntry, KindNestedZip, KindAnomalyLimit,
	}
}

// Describe returns a one-line description of the kind.
func (k AnomalyKind) Describe() string {
	if d, ok := kindDocs[k]; ok {
		return d
	}
	return "unknown anomaly kind"
}

// TorchEffect says what an anomaly does to torch.load's reader.
type TorchEffect uint8

// The effects, in increasing severity.
const (
	// TorchReads: torch reads the archive and the entry regardless.
	TorchReads TorchEffect = iota
	// TorchFailsEntry: torch fails when it reads this entry (and only
	// then: torch reads data.pkl, the version record and the storages the
	// pickle names, nothing else).
	TorchFailsEntry
	// TorchFailsArchive: torch cannot open the archive at all.
	TorchFailsArchive
)

// String names the effect.
func (t TorchEffect) String() string {
	switch t {
	case TorchReads:
		return "torch reads it"
	case TorchFailsEntry:
		return "torch fails reading this entry"
	case TorchFailsArchive:
		return "torch fails opening the archive"
	}
	return fmt.Sprintf("TorchEffect(%d)", uint8(t))
}

// Anomaly is one irregularity found in an archive.
type Anomaly struct {
	Kind  AnomalyKind
	Entry string // central directory name of the entry concerned; "" for the archive
	// Index is the entry's position in the central directory, or -1 when
	// the anomaly concerns the archive as a whole.
	Index  int
	Offset int64  // byte offset of the evidence in the input
	Detail string // what exactly was found, with values and offsets
	// Torch says whether torch.load's reader fails because of this.
	Torch TorchEffect
}

// String formats the anomaly on one line.
func (a Anomaly) String() string {
	where := "archive"
	if a.Index >= 0 {
		where = fmt.Sprintf("entry #%d %q", a.Index, a.Entry)
	}
	s := fmt.Sprintf("%s: %s at offset %d: %s", a.Kind, where, a.Offset, a.Detail)
	if a.Torch != TorchReads {
		s += " (" + a.Torch.String() + ")"
	}
	return s
}

// add records a, or counts it once Limits.MaxAnomalies is reached.
func (z *Reader) add(a Anomaly) {
	if len(z.Anomalies) < z.lim.MaxAnomalies {
		z.Anomalies = append(z.Anomalies, a)
		return
	}
	if z.DroppedAnomalies == 0 {
		z.Anomalies = append(z.Anomalies, Anomaly{Kind: KindAnomalyLimit, Index: -1, Offset: a.Offset,
			Detail: fmt.Sprintf("more than MaxAnomalies %d anomalies; the rest are only counted", z.lim.MaxAnomalies)})
	}
	z.DroppedAnomalies++
	if a.Torch > z.dropped {
		z.dropped = a.Torch
		// The limit anomaly is the last one recorded: carry the worst
		// effect so TorchOpens stays right.
		z.Anomalies[len(z.Anomalies)-1].Torch = a.Torch
	}
}

// archive records an anomaly about the archive as a whole.
func (z *Reader) archive(k AnomalyKind, off int64, t TorchEffect, format string, args ...any) {
	z.add(Anomaly{Kind: k, Index: -1, Offset: off, Torch: t, Detail: fmt.Sprintf(format, args...)})
}

// entry records an anomaly about e. Entries past the declared count are
// invisible to torch, so nothing about them can make torch fail.
func (z *Reader) entry(e *Entry, k AnomalyKind, off int64, t TorchEffect, format string, args ...any) {
	if !z.torchSees(e) {
		t = TorchReads
	}
	z.add(Anomaly{Kind: k, Entry: e.Name, Index: e.Index, Offset: off, Torch: t, Detail: fmt.Sprintf(format, args...)})
}

// torchSees reports whether e is among the records torch indexes.
func (z *Reader) torchSees(e *Entry) bool { return uint64(e.Index) < z.DeclaredEntries }

// TorchOpens reports whether torch's reader opens the archive: no anomaly
// (recorded or dropped) has the effect TorchFailsArchive.
func (z *Reader) TorchOpens() bool {
	if z.dropped == TorchFailsArchive {
		return false
	}
	for _, a := range z.Anomalies {
		if a.Torch == TorchFailsArchive {
			return false
		}
	}
	return true
}

// TorchReadsEntry reports whether torch's reader opens the archive and
// reads e without error, as far as the anomalies found so far tell (a
// deflated entry's length is only known after Open or CheckCRC read it).
func (z *Reader) TorchReadsEntry(e *Entry) bool {
	if !z.TorchOpens() || !z.torchSees(e) || z.dropped != TorchReads {
		return false
	}
	for _, a := range z.Anomalies {
		if a.Index == e.Index && a.Torch != TorchReads {
			return false
		}
	}
	return true
}
