package zipx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// torchRecord is one file's entry in testdata/torch/torch.json, written by
// testdata/gen.py from what torch 1.13 and Python's zipfile did with it.
type torchRecord struct {
	File   string `json:"file"`
	What   string `json:"what"`
	Record struct {
		OK     bool    `json:"ok"`
		Len    int     `json:"len"`
		SHA256 *string `json:"sha256"`
		Error  string  `json:"error"`
	} `json:"record"`
	Load struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	} `json:"load"`
	Zipfile struct {
		OK     bool   `json:"ok"`
		SHA256 string `json:"sha256"`
		Error  string `json:"error"`
	} `json:"zipfile"`
}

func loadTorchJSON(t *testing.T) map[string]torchRecord {
	t.Helper()
	var doc struct {
		Files []torchRecord `json:"files"`
	}
	if err := json.Unmarshal(mustRead(t, "testdata/torch/torch.json"), &doc); err != nil {
		t.Fatal(err)
	}
	m := map[string]torchRecord{}
	for _, f := range doc.Files {
		m[f.File] = f
	}
	return m
}

// kindsOf returns the distinct anomaly kinds of z, sorted.
func kindsOf(z *Reader) []AnomalyKind {
	var ks []AnomalyKind
	for _, a := range z.Anomalies {
		if !slices.Contains(ks, a.Kind) {
			ks = append(ks, a.Kind)
		}
	}
	slices.Sort(ks)
	return ks
}

func sorted(ks ...AnomalyKind) []AnomalyKind {
	ks = slices.Clone(ks)
	slices.Sort(ks)
	return ks
}

// torchReads returns the entries torch.load reads: data.pkl, the version
// record and the storages, looked up as torch does.
func torchReads(z *Reader) (pkl *Entry, read []*Entry) {
	prefix, _, _ := strings.Cut(z.Entries[0].Name, "/")
	pkl = z.Lookup(prefix + "/data.pkl")
	read = append(read, pkl)
	if v := z.Lookup(prefix + "/.data/version"); v != nil {
		read = append(read, v)
	} else {
		read = append(read, z.Lookup(prefix+"/version"))
	}
	for _, e := range z.Entries {
		if strings.HasPrefix(e.Name, prefix+"/data/") {
			read = append(read, z.Lookup(e.Name))
		}
	}
	return pkl, read
}

// pythonPick returns the entry Python's zipfile reads for name: the last
// record with exactly that name.
func pythonPick(z *Reader, name string) *Entry {
	var p *Entry
	for _, e := range z.Entries {
		if e.Name == name {
			p = e
		}
	}
	return p
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestTorchFixtures checks every file gen.py made against what real torch
// did with it: the anomaly kinds, that the bytes torch's reader returned
// for data.pkl are the bytes Lookup+Open return, that the bytes Python's
// zipfile returned are the last same-named entry's, and that the predicted
// torch.load outcome (no anomaly making torch fail on the archive or on an
// entry it reads) is the real one.
func TestTorchFixtures(t *testing.T) {
	results := loadTorchJSON(t)
	tests := []struct {
		file  string
		kinds []AnomalyKind
		err   error
	}{
		{file: "base.pt"},
		{file: "badcrc.pt", kinds: sorted(KindCRCMismatch)},
		{file: "crc0.pt", kinds: sorted(KindCRCNotComputed)},
		{file: "cflag01.pt", kinds: sorted(KindEncrypted, KindLocalHeaderMismatch)},
		{file: "cflag20.pt", kinds: sorted(KindFlagBits, KindLocalHeaderMismatch)},
		{file: "cflag40.pt", kinds: sorted(KindEncrypted, KindLocalHeaderMismatch)},
		{file: "lflag01.pt", kinds: sorted(KindEncrypted, KindLocalHeaderMismatch)},
		{file: "lflag20.pt", kinds: sorted(KindFlagBits, KindLocalHeaderMismatch)},
		{file: "lflag40.pt", kinds: sorted(KindEncrypted, KindLocalHeaderMismatch)},
		{file: "localname.pt", kinds: sorted(KindLocalNameMismatch)},
		{file: "dup-last.pt", kinds: sorted(KindDuplicateName)},
		{file: "dup-first.pt", kinds: sorted(KindDuplicateName)},
		{file: "dup-case.pt", kinds: sorted(KindDuplicateName)},
		{file: "dup-many.pt", kinds: sorted(KindDuplicateName)},
		{file: "prepend-pk.pt", kinds: sorted(KindPrependedData)},
		{file: "prepend-junk.pt", kinds: sorted(KindPrependedData)},
		{file: "prepend-rel.pt", kinds: sorted(KindCDOffset, KindPrependedData, KindZip64Inconsistent)},
		{file: "zip64.pt"},
		{file: "zip64-partial.pt", kinds: sorted(KindZip64Inconsistent)},
		{file: "zip64-short.pt", kinds: sorted(KindZip64Inconsistent, KindOutOfBounds, KindGap)},
		{file: "zip64-nolocator.pt", err: ErrOutOfBounds},
		{file: "zip64-count.pt", kinds: sorted(KindZip64Inconsistent)},
		{file: "zip64-locator.pt", kinds: sorted(KindZip64Inconsistent)},
		{file: "deflate.pt"},
		{file: "comment.pt", kinds: sorted(KindEOCDComment)},
		{file: "trailing.pt", kinds: sorted(KindTrailingData)},
		{file: "eocd-fake.pt", kinds: sorted(KindMultipleEOCD, KindPrependedData, KindGap)},
		{file: "stored-size.pt", kinds: sorted(KindSizeMismatch, KindDataDescriptor, KindGap)},
		{file: "stored-size-t0.pt", kinds: sorted(KindSizeMismatch, KindDataDescriptor, KindGap)},
		{file: "cd-hidden.pt", kinds: sorted(KindCDCountMismatch)},
		{file: "nested.pt", kinds: sorted(KindNestedZip, KindMultipleEOCD)},
		{file: "overlap.pt", kinds: sorted(KindOverlap, KindLocalNameMismatch)},
		{file: "gap.pt", kinds: sorted(KindGap)},
		{file: "dir-attr.pt", kinds: sorted(KindDirectoryEntry)},
		{file: "method99.pt", kinds: sorted(KindUnsupportedMethod)},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			res, ok := results[tt.file]
			if !ok {
				t.Fatalf("%s is not in torch.json: rerun testdata/gen.py", tt.file)
			}
			b := mustRead(t, filepath.Join("testdata/torch", tt.file))
			z, err := NewReader(bytes.NewReader(b), int64(len(b)), Limits{})
			if tt.err != nil || err != nil {
				var fe *FormatError
				if !errors.Is(err, tt.err) || !errors.As(err, &fe) {
					t.Fatalf("NewReader error = %v, want a *FormatError wrapping %v", err, tt.err)
				}
				if res.Record.OK || res.Load.OK || res.Zipfile.OK {
					t.Errorf("NewReader fails on a file that torch or Python's zipfile reads: %v", err)
				}
				return
			}
			for _, e := range z.Entries {
				z.CheckCRC(e)
			}
			if diff := cmp.Diff(tt.kinds, kindsOf(z)); diff != "" {
				t.Errorf("anomaly kinds (-want +got):\n%s\nanomalies:\n%s", diff, anomalyList(z))
			}
			pkl, read := torchReads(z)
			if res.Record.OK && res.Record.SHA256 != nil {
				if pkl == nil {
					t.Fatal("Lookup finds no data.pkl, torch did")
				}
				if got := sha(readEntry(t, z, pkl)); got != *res.Record.SHA256 {
					t.Errorf("data.pkl torch read has sha256 %s, Lookup+Open give %s (entry #%d)", *res.Record.SHA256, got, pkl.Index)
				}
			}
			if res.Zipfile.OK {
				prefix, _, _ := strings.Cut(z.Entries[0].Name, "/")
				if got := sha(readEntry(t, z, pythonPick(z, prefix+"/data.pkl"))); got != res.Zipfile.SHA256 {
					t.Errorf("data.pkl Python's zipfile read has sha256 %s, the last entry of that name %s", res.Zipfile.SHA256, got)
				}
			}
			loads := z.TorchOpens()
			for _, e := range read {
				loads = loads && e != nil && z.TorchReadsEntry(e)
			}
			if loads != res.Load.OK {
				t.Errorf("predicted torch.load success %v, torch 1.13: %v %s\nanomalies:\n%s", loads, res.Load.OK, res.Load.Error, anomalyList(z))
			}
		})
	}
	for f := range results {
		if !seen[f] {
			t.Errorf("torch.json lists %s, which has no test case", f)
		}
	}
}

func anomalyList(z *Reader) string {
	var s strings.Builder
	for _, a := range z.Anomalies {
		s.WriteString("  " + a.String() + "\n")
	}
	return s.String()
}

// TestNumpyFixtures checks that numpy.savez and savez_compressed outputs
// (Python's zipfile with ZIP64 local extra fields) show no anomaly and read
// back as .npy members.
func TestNumpyFixtures(t *testing.T) {
	for _, f := range []string{"savez.npz", "savez_compressed.npz"} {
		t.Run(f, func(t *testing.T) {
			b := mustRead(t, filepath.Join("testdata/npz", f))
			if !IsZip(b) {
				t.Error("IsZip = false")
			}
			z := mustNew(t, b, Limits{})
			var names []string
			for _, e := range z.Entries {
				names = append(names, e.Name)
				if ok, err := z.CheckCRC(e); !ok || err != nil {
					t.Errorf("CheckCRC(%q) = %v, %v", e.Name, ok, err)
				}
				if got := readEntry(t, z, e); !bytes.HasPrefix(got, []byte("\x93NUMPY")) {
					t.Errorf("%s does not start with the npy magic: %q", e.Name, got[:min(len(got), 8)])
				}
			}
			if diff := cmp.Diff([]string{"a.npy", "b.npy"}, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if len(z.Anomalies) != 0 {
				t.Errorf("anomalies on a numpy file:\n%s", anomalyList(z))
			}
		})
	}
}
