package numpy

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// probe is one generated header with numpy's verdict (testdata/gen.py,
// write_probes): the file is Magic, version, length, text, then DataLen
// copies of DataByte.
type probe struct {
	Name     string    `json:"name"`
	Text     string    `json:"text"`
	Version  []int     `json:"version"`
	DataLen  int       `json:"data_len"`
	DataByte byte      `json:"data_byte"`
	Header   *npHeader `json:"header"`
	Load     npLoad    `json:"load"`
}

func loadProbes(t testing.TB) []probe {
	var p struct{ Probes []probe }
	loadJSON(t, "probes.json", &p)
	return p.Probes
}

// bytes rebuilds the probe's file.
func (p *probe) bytes() []byte {
	var text []byte
	if p.Version[0] == 3 {
		text = []byte(p.Text)
	} else {
		for _, r := range p.Text { // latin-1; gen.py skips what it cannot encode
			text = append(text, byte(r))
		}
	}
	b := []byte(Magic)
	b = append(b, byte(p.Version[0]), byte(p.Version[1]))
	if p.Version[0] == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(text)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(text)))
	}
	b = append(b, text...)
	for i := 0; i < p.DataLen; i++ {
		b = append(b, p.DataByte)
	}
	return b
}

// unsupportedOK lists header snippets for which ReadHeader may answer
// ErrUnsupported although numpy.load accepts the file: the constructs
// the package documents as not modelled.
var unsupportedOK = []string{
	`'i4,f8'`, `'<i4, <f8'`, `'()f4'`, `'<()f4'`, `'f4,'`, `'<i4,<f8'`, // comma strings
	`'(2,)f4'`, `'2f4'`, `'<2f4'`, // repeat counts
	`'S2147483648'`, `'U536870912'`, `'U1073741824'`, `('U', 536870912)`, // sizes numpy 1.24 wraps
	`'M8[ns/2]'`, `'M8[3ns/2]'`, `'M8[2generic]'`, // datetime metadata
	`\N{`,                          // named escapes
	`{('a', '<f4'): 1}`, `['abc']`, // descr or field as dict, 3-char str field
	`('<f8', None)`, `('<f4', '<i4')`, `(('<f4', (0,)), 3)`, // dtype tuples numpy reads as dtypes
	" \f {'descr'", "\n \\\n{'descr'", // version 1.0 tokenize round trip lets indentation through
	"'|O', 'fortran_order': False, 'shape': (9223372036854775808,)", // uint64 dims of object arrays
}

// TestProbes checks ReadHeader against numpy.load on every generated
// header: what numpy accepts must be accepted with the same dtype and
// shape (or be a documented ErrUnsupported); what numpy rejects must be
// rejected.
func TestProbes(t *testing.T) {
	probes := loadProbes(t)
	if len(probes) < 1000 {
		t.Fatalf("only %d probes", len(probes))
	}
	counts := map[string]int{}
	for i := range probes {
		p := &probes[i]
		data := p.bytes()
		h, err := readHeaderBytes(data)
		verdict := checkProbe(t, p, h, err)
		counts[p.Load.Result+"/"+verdict]++
	}
	t.Logf("numpy verdict/ReadHeader verdict: %v", counts)
}

func checkProbe(t *testing.T, p *probe, h *Header, err error) string {
	t.Helper()
	switch {
	case p.Load.Result == "error" && err == nil:
		t.Errorf("%s %q: numpy.load rejects (%s) but ReadHeader accepts: %+v", p.Name, p.Text, p.Load.Error, summarize(h))
		return "accepted"
	case p.Load.Result == "error":
		return "rejected"
	case errors.Is(err, ErrUnsupported):
		if !matchesAny(p.Text, unsupportedOK) {
			t.Errorf("%s %q: numpy.load accepts but ReadHeader: %v", p.Name, p.Text, err)
		}
		return "unsupported"
	case err != nil:
		t.Errorf("%s %q: numpy.load accepts (%s) but ReadHeader: %v", p.Name, p.Text, p.Load.Result, err)
		return "rejected"
	}
	type view struct {
		Str      string
		ItemSize int64
		Object   bool
		Shape    []int64
	}
	want := view{p.Header.Str, p.Header.ItemSize, p.Load.Result == "object", p.Load.Shape}
	got := view{h.Descr.Str(), h.Descr.ItemSize, h.Object, h.Shape}
	if want.Object {
		want.Shape = h.Shape // numpy never looked at it
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s %q: mismatch (-numpy +ReadHeader):\n%s", p.Name, p.Text, diff)
	}
	if !h.Object && h.DataBytes > int64(p.DataLen) {
		t.Errorf("%s: DataBytes %d > %d bytes present", p.Name, h.DataBytes, p.DataLen)
	}
	return "accepted"
}

func matchesAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestProbeRebuild makes sure the probe files are rebuilt byte for byte:
// numpy's data offset must be where ReadHeader puts it.
func TestProbeRebuild(t *testing.T) {
	for _, p := range loadProbes(t) {
		if p.Header == nil || p.Version[0] != 3 {
			continue
		}
		if n := utf8.RuneCountInString(p.Text); n == 0 {
			continue
		}
		want := 12 + len(p.Text)
		if got := len(p.bytes()) - p.DataLen; got != want {
			t.Fatalf("%s: rebuilt header ends at %d, want %d", p.Name, got, want)
		}
	}
}
