package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"strings"
	"testing"
)

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func scanBytes(sc *Scanner, b []byte) FileResult {
	return sc.ScanReader(context.Background(), "input", bytes.NewReader(b), int64(len(b)))
}

func TestScanStatuses(t *testing.T) {
	evil := []byte("cos\nsystem\n(S'id'\ntR.")
	small := DefaultLimits()
	small.Decompress.MaxOutput = 1 << 20
	tests := []struct {
		name   string
		data   []byte
		lim    Limits
		status Status
		rule   string
		errSub string
		format string
	}{
		{"clean protocol 0", []byte("(lp0\nI1\na."), Limits{}, StatusClean, "", "", "pickle"},
		{"malicious", evil, Limits{}, StatusFindings, "pickle-denied-global", "", "pickle"},
		{"gzip malicious", gz(t, evil), Limits{}, StatusFindings, "pickle-denied-global", "", "gzip+pickle"},
		{"gzip in gzip", gz(t, gz(t, evil)), Limits{}, StatusFindings, "pickle-denied-global", "", "gzip+gzip+pickle"},
		{"decompression bomb", gz(t, make([]byte, 8<<20)), small, StatusIncomplete, "", "MaxOutput", "gzip"},
		{"not a pickle", []byte("# readme\n"), Limits{}, StatusSkipped, "", "", "unknown"},
		{"source text starting with c", []byte("class Tiny(Module):\n  __parameters__ = []\n  def forward(self):\n"), Limits{}, StatusSkipped, "", "", "unknown"},
		{"bad module but a Storage name", []byte("cnot a module\nFloatStorage\n0cos\nsystem\n(S'id'\ntR."), Limits{}, StatusFindings, "pickle-denied-global", "", "pickle"},
		{"7z archive", []byte("7z\xbc\xaf\x27\x1c\x00\x04rest"), Limits{}, StatusIncomplete, "", "7z archives are not read", "7z"},
		{"empty", nil, Limits{}, StatusSkipped, "", "", ""},
		{"truncated pickle", []byte("\x80\x04\x95"), Limits{}, StatusIncomplete, "", "truncated", "pickle"},
		{"call then garbage", append(append([]byte{}, evil[:len(evil)-1]...), 0xff), Limits{}, StatusIncomplete, "pickle-error-after-call", "invalid load key", "pickle"},
		{"BZ that is a pickle", []byte("BZ\x00\x00\x00" + strings.Repeat("x", 'Z') + "."), Limits{}, StatusFindings, "pickle-protocol-anomaly", "", "pickle"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fr := scanBytes(New(Options{Limits: tc.lim}), tc.data)
			if fr.Status != tc.status {
				t.Fatalf("status = %s, want %s (errors %v, findings %v)", fr.Status, tc.status, fr.Errors, fr.Findings)
			}
			if tc.format != "" && fr.Format != tc.format {
				t.Errorf("format = %q, want %q", fr.Format, tc.format)
			}
			if tc.rule != "" {
				found := false
				for _, f := range fr.Findings {
					found = found || f.RuleID == tc.rule
				}
				if !found {
					t.Errorf("no %s finding in %v", tc.rule, fr.Findings)
				}
			}
			if tc.errSub != "" && !strings.Contains(strings.Join(fr.Errors, "\n"), tc.errSub) {
				t.Errorf("errors %v do not mention %q", fr.Errors, tc.errSub)
			}
		})
	}
}

func TestNestedPickleIsScanned(t *testing.T) {
	// pickle.loads(b'<inner>') where the inner pickle calls os.system.
	inner := "cos\nsystem\n(S'id'\ntR."
	outer := "\x80\x03cpickle\nloads\nC" + string(rune(len(inner))) + inner + "\x85R."
	fr := scanBytes(New(Options{}), []byte(outer))
	var nested, denied bool
	for _, f := range fr.Findings {
		nested = nested || f.RuleID == "pickle-nested-pickle"
		denied = denied || (f.RuleID == "pickle-denied-global" && f.Evidence.Global == "os.system" && strings.HasPrefix(f.Location.Member, "nested@"))
	}
	if !nested || !denied {
		t.Errorf("nested=%v inner os.system=%v; findings %+v", nested, denied, fr.Findings)
	}
}

func TestTensorInventory(t *testing.T) {
	sc := New(Options{})
	for _, tc := range []struct {
		file        string
		wantMissing bool
	}{
		{"../testdata/containers/benign/views_shared.pt", false},
		{"../testdata/containers/benign/views_shared.legacy.pt", false},
		{"../testdata/containers/malicious/storage_missing_record.pt", true},
	} {
		fr := sc.ScanFile(context.Background(), tc.file)
		if len(fr.Tensors) == 0 {
			t.Errorf("%s: no tensors in the inventory", tc.file)
			continue
		}
		missing := false
		for _, tn := range fr.Tensors {
			if tn.StorageKey == "" || tn.Dtype == "" || tn.Shape == nil {
				t.Errorf("%s: incomplete tensor %+v", tc.file, tn)
			}
			missing = missing || !tn.Present
		}
		if missing != tc.wantMissing {
			t.Errorf("%s: a storage missing = %v, want %v (%+v)", tc.file, missing, tc.wantMissing, fr.Tensors)
		}
	}
}
