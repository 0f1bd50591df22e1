package zipx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// goZip writes files with Go's archive/zip: names ending in ".z" deflated,
// the rest stored.
func goZip(t testing.TB, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, name := range files {
		m := zip.Store
		if strings.HasSuffix(name, ".z") {
			m = zip.Deflate
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, strings.Repeat("content of "+name+"\n", 20))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// torchZip builds a torch-style archive after letting edit change it.
func torchZip(edit func(z *bZip)) []byte {
	z := &bZip{entries: torchEntries()}
	if edit != nil {
		edit(z)
	}
	return z.bytes()
}

func TestAnomalies(t *testing.T) {
	innerZip := goZip(t, "payload.pkl")
	tests := []struct {
		name  string
		zip   []byte
		kinds []AnomalyKind
		opens bool // torch's reader opens the archive
	}{
		{name: "archive/zip stored and deflated", zip: goZip(t, "a/data.pkl", "a/data/0.z", "a/version"), opens: true},
		{name: "archive/zip empty", zip: goZip(t), opens: true},
		{name: "torch layout", zip: torchZip(nil), opens: true},
		{name: "data descriptor with another CRC", opens: true, kinds: sorted(KindDataDescriptor),
			zip: torchZip(func(z *bZip) { z.entries[1].descCRC = p32(1) })},
		{name: "local method differs", opens: true, kinds: sorted(KindLocalHeaderMismatch),
			zip: torchZip(func(z *bZip) { z.entries[0].localMethod = p16(8) })},
		{name: "garbage after the declared records", opens: true, kinds: sorted(KindCDMalformed),
			zip: torchZip(func(z *bZip) { z.extraCD = []byte("garbage that is not a record") })},
		{name: "more entries declared than present", kinds: sorted(KindCDCountMismatch),
			zip: torchZip(func(z *bZip) { z.count32, z.count64 = p64(5), p64(5) })},
		{name: "record on disk 5", kinds: sorted(KindDiskNumber),
			zip: torchZip(func(z *bZip) { z.entries[2].disk = 5 })},
		{name: "malformed central extra field", opens: true, kinds: sorted(KindExtraMalformed),
			zip: torchZip(func(z *bZip) { z.entries[1].cdExtra = []byte{0x99, 0x99, 16, 0} })},
		{name: "malformed extra before the ZIP64 field", kinds: sorted(KindExtraMalformed, KindZip64Inconsistent, KindOutOfBounds, KindGap, KindDataDescriptor),
			zip: torchZip(func(z *bZip) { z.entries[1].zip64, z.entries[1].cdExtra = "u", []byte{0x99, 0x99, 16, 0} })},
		{name: "directory with data", opens: true, kinds: sorted(KindDirectoryEntry),
			zip: torchZip(func(z *bZip) { z.entries[1].name = "archive/data/" })},
		{name: "deflated nested zip", opens: true, kinds: sorted(KindNestedZip),
			zip: torchZip(func(z *bZip) { z.entries = append(z.entries, deflated("archive/inner", innerZip)) })},
		{name: "bzip2 method", opens: true, kinds: sorted(KindUnsupportedMethod),
			zip: torchZip(func(z *bZip) { z.entries[1].method = 12 })},
		{name: "masked headers flag", kinds: sorted(KindFlagBits, KindLocalHeaderMismatch),
			zip: torchZip(func(z *bZip) { z.entries[2].cflags |= 0x2000 })},
		{name: "reserved local flag", opens: true, kinds: sorted(KindFlagBits, KindLocalHeaderMismatch),
			zip: torchZip(func(z *bZip) { z.entries[2].lflags |= 0x4000 })},
		{name: "deflate option bits on a stored entry", opens: true, kinds: sorted(KindFlagBits),
			zip: torchZip(func(z *bZip) { z.entries[2].cflags |= 2; z.entries[2].lflags |= 2 })},
		{name: "local header offset past the end", kinds: sorted(KindOutOfBounds, KindGap),
			zip: torchZip(func(z *bZip) { z.entries[1].lhoCD = p64(1 << 20) })},
		{name: "local header offset at another entry's data", opens: true, kinds: sorted(KindLocalHeaderBad, KindGap, KindOverlap),
			zip: torchZip(func(z *bZip) { z.entries[2].lhoCD = p64(64) })},
		{name: "comment length past the end", opens: true, kinds: sorted(KindEOCDComment),
			zip: torchZip(func(z *bZip) { z.commentLen = p16(100) })},
		{name: "end signature in the last bytes", opens: true, kinds: sorted(KindMultipleEOCD, KindTrailingData),
			zip: torchZip(func(z *bZip) { z.trailing = []byte("PK\x05\x06tail") })},
		{name: "compressed size 0 with data", kinds: sorted(KindSizeMismatch, KindDataDescriptor, KindGap),
			zip: torchZip(func(z *bZip) { z.entries[0].csizeCD = p64(0) })},
		{name: "stored size covering the central directory", opens: true, kinds: sorted(KindOverlap, KindDataDescriptor, KindCRCMismatch),
			zip: torchZip(func(z *bZip) { z.entries[2].csizeCD, z.entries[2].usizeCD = p64(100), p64(100) })},
		{name: "local name differs", opens: true, kinds: sorted(KindLocalNameMismatch),
			zip: torchZip(func(z *bZip) { z.entries[0].localName = "archive/other.pkl" })},
		{name: "duplicate data.pkl", opens: true, kinds: sorted(KindDuplicateName),
			zip: torchZip(func(z *bZip) { z.entries = append(z.entries, ent("archive/data.pkl", []byte("x"))) })},
		{name: "hidden record in a gap", opens: true, kinds: sorted(KindGap),
			zip: torchZip(func(z *bZip) { z.gaps = map[int][]byte{0: []byte("PK\x03\x04hidden")} })},
		{name: "encrypted in both headers", opens: true, kinds: sorted(KindEncrypted),
			zip: torchZip(func(z *bZip) { z.entries[1].cflags |= 1; z.entries[1].lflags |= 1 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := mustNew(t, tt.zip, Limits{})
			for _, e := range z.Entries {
				z.CheckCRC(e)
			}
			if diff := cmp.Diff(tt.kinds, kindsOf(z)); diff != "" {
				t.Errorf("anomaly kinds (-want +got):\n%s\nanomalies:\n%s", diff, anomalyList(z))
			}
			if got := z.TorchOpens(); got != tt.opens {
				t.Errorf("TorchOpens = %v, want %v\nanomalies:\n%s", got, tt.opens, anomalyList(z))
			}
			for _, a := range z.Anomalies {
				if a.Offset < -1 || a.Offset > int64(len(tt.zip)) {
					t.Errorf("anomaly offset outside the file: %v", a)
				}
				if a.Kind.Describe() == "unknown anomaly kind" || a.Detail == "" {
					t.Errorf("undocumented anomaly: %v", a)
				}
			}
		})
	}
}

func TestOpen(t *testing.T) {
	plain := bytes.Repeat([]byte("tensor bytes "), 1000)
	b := torchZip(func(z *bZip) {
		z.entries = append(z.entries, deflated("archive/data/1", plain))
		z.entries = append(z.entries, ent("archive/cut", []byte("12345678")))
		z.entries[4].usizeCD, z.entries[4].time = p64(1<<20), 1
		z.entries = append(z.entries, ent("archive/lzma", []byte("x")))
		z.entries[5].method = 14
	})
	z := mustNew(t, b, Limits{})
	byName := map[string]*Entry{}
	for _, e := range z.Entries {
		byName[e.Name] = e
	}
	tests := []struct {
		name string
		want []byte
		err  error // errors.Is target after the bytes
	}{
		{name: "archive/data.pkl", want: torchEntries()[0].data},
		{name: "archive/data/1", want: plain},
		{name: "archive/cut", want: b[byName["archive/cut"].DataOffset:], err: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := z.Open(byName[tt.name])
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if !errors.Is(err, tt.err) {
				t.Errorf("read error = %v, want %v", err, tt.err)
			}
			var fe *FormatError
			if err != nil && !errors.As(err, &fe) {
				t.Errorf("read error %T is not a *FormatError", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("read %d bytes, want %d", len(got), len(tt.want))
			}
		})
	}
	t.Run("section", func(t *testing.T) {
		s, ok := z.Section(byName["archive/data/0"])
		if !ok {
			t.Fatal("Section = false for a stored entry")
		}
		got := make([]byte, 4)
		if _, err := s.ReadAt(got, 20); err != nil || !bytes.Equal(got, []byte{0, 0, 0x80, 0x3f}) {
			t.Errorf("ReadAt(20) = %x, %v", got, err)
		}
		if _, ok := z.Section(byName["archive/data/1"]); ok {
			t.Error("Section = true for a deflated entry")
		}
	})
	t.Run("unsupported method", func(t *testing.T) {
		_, err := z.Open(byName["archive/lzma"])
		var fe *FormatError
		if !errors.Is(err, ErrUnsupportedMethod) || !errors.As(err, &fe) || fe.Offset != byName["archive/lzma"].recOffset+10 {
			t.Errorf("Open = %v, want ErrUnsupportedMethod at the method field", err)
		}
	})
	t.Run("unreadable local header", func(t *testing.T) {
		b := torchZip(func(z *bZip) { z.entries[1].lhoCD = p64(70) })
		z := mustNew(t, b, Limits{})
		_, err := z.Open(z.Entries[1])
		if !errors.Is(err, ErrLocalHeader) {
			t.Errorf("Open = %v, want ErrLocalHeader", err)
		}
	})
}

func TestDeflateErrors(t *testing.T) {
	plain := bytes.Repeat([]byte("abc"), 10000)
	tests := []struct {
		name string
		edit func(e *bEntry)
		err  error
		n    int // bytes delivered before the error
	}{
		{name: "stream longer than declared", edit: func(e *bEntry) { e.usize = p64(1000) }, err: ErrSizeMismatch, n: 1000},
		{name: "stream shorter than declared", edit: func(e *bEntry) { e.usize = p64(40000) }, err: ErrSizeMismatch, n: 30000},
		{name: "corrupt stream", edit: func(e *bEntry) { e.data = append([]byte{0xff, 0xff}, e.data...) }, err: ErrCorrupt},
		{name: "cut stream", edit: func(e *bEntry) { e.data = e.data[:len(e.data)/2] }, err: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := torchZip(func(z *bZip) {
				e := deflated("archive/data/1", plain)
				tt.edit(e)
				z.entries = append(z.entries, e)
			})
			z := mustNew(t, b, Limits{})
			e := z.Entries[3]
			rc, err := z.Open(e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			var fe *FormatError
			if !errors.Is(err, tt.err) || !errors.As(err, &fe) {
				t.Errorf("error = %v, want a *FormatError wrapping %v", err, tt.err)
			}
			if tt.n > 0 && len(got) != tt.n {
				t.Errorf("read %d bytes before the error, want %d", len(got), tt.n)
			}
			if ok, err := z.CheckCRC(e); ok || err == nil {
				t.Errorf("CheckCRC = %v, %v; want false and an error", ok, err)
			}
			if tt.err == ErrSizeMismatch && !z.hasKind(e, KindSizeMismatch) {
				t.Errorf("CheckCRC recorded no size-mismatch:\n%s", anomalyList(z))
			}
		})
	}
}

func (z *Reader) hasKind(e *Entry, k AnomalyKind) bool {
	for _, a := range z.Anomalies {
		if a.Kind == k && a.Index == e.Index {
			return true
		}
	}
	return false
}

func TestCheckCRC(t *testing.T) {
	b := torchZip(func(z *bZip) {
		z.entries[0].crc = p32(0x12345678)
		z.entries[1].crc = p32(0)
		z.entries = append(z.entries, ent("archive/empty", nil))
		z.entries[3].crc = p32(0)
	})
	z := mustNew(t, b, Limits{})
	want := []bool{false, true, true, true}
	for i, e := range z.Entries {
		for range 2 { // anomalies are recorded once
			if ok, err := z.CheckCRC(e); ok != want[i] || err != nil {
				t.Errorf("CheckCRC(%q) = %v, %v; want %v", e.Name, ok, err, want[i])
			}
		}
	}
	if diff := cmp.Diff(sorted(KindCRCMismatch, KindCRCNotComputed), kindsOf(z)); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	if len(z.Anomalies) != 2 {
		t.Errorf("%d anomalies, want 2:\n%s", len(z.Anomalies), anomalyList(z))
	}
}

func TestNotZip(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		err   error
	}{
		{name: "empty", input: nil, err: ErrNotZip},
		{name: "short", input: []byte("PK\x05\x06"), err: ErrNotZip},
		{name: "pickle", input: []byte("\x80\x02}q\x00.\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), err: ErrNotZip},
		{name: "end record only 64 KiB before the end", err: ErrNotZip,
			input: append(goZip(t), make([]byte, 70000)...)},
		{name: "central directory past the end", err: ErrOutOfBounds,
			input: torchZip(func(z *bZip) { z.noZip64, z.cdOff32 = true, p64(5000) })},
		{name: "central directory signature damaged", err: ErrSignature,
			input: bytes.Replace(torchZip(nil), []byte("PK\x01\x02"), []byte("XK\x01\x02"), 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, err := NewReader(bytes.NewReader(tt.input), int64(len(tt.input)), Limits{})
			var fe *FormatError
			if z != nil || !errors.Is(err, tt.err) || !errors.As(err, &fe) {
				t.Fatalf("NewReader = %v, %v; want nil and a *FormatError wrapping %v", z, err, tt.err)
			}
			if fe.Offset < 0 || fe.Offset > int64(len(tt.input)) || fe.Field == "" {
				t.Errorf("error does not say where: %+v", fe)
			}
		})
	}
}

func TestIsZip(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{"PK\x03\x04rest", true},
		{"PK\x05\x06", true},
		{"PK\x01\x02", false},
		{"PK\x03", false},
		{"\x80\x02", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsZip([]byte(tt.head)); got != tt.want {
			t.Errorf("IsZip(%q) = %v, want %v", tt.head, got, tt.want)
		}
	}
}

func TestKindsDocumented(t *testing.T) {
	for _, k := range Kinds() {
		if kindDocs[k] == "" {
			t.Errorf("kind %q has no description", k)
		}
	}
	if len(kindDocs) != len(Kinds()) {
		t.Errorf("%d descriptions for %d kinds", len(kindDocs), len(Kinds()))
	}
}

func TestAnomalyLimit(t *testing.T) {
	b := torchZip(func(z *bZip) {
		for i := range 50 {
			e := ent("archive/dup", []byte{byte(i)})
			e.cflags |= 0x2000 // each makes torch fail on the archive
			z.entries = append(z.entries, e)
		}
	})
	z := mustNew(t, b, Limits{MaxAnomalies: 10})
	if len(z.Anomalies) != 11 || z.Anomalies[10].Kind != KindAnomalyLimit {
		t.Fatalf("%d anomalies, want 10 and one anomaly-limit:\n%s", len(z.Anomalies), anomalyList(z))
	}
	if z.DroppedAnomalies == 0 || z.TorchOpens() {
		t.Errorf("DroppedAnomalies = %d, TorchOpens = %v", z.DroppedAnomalies, z.TorchOpens())
	}
}
