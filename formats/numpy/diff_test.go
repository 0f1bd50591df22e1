package numpy

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestWriteMutations is the Go half of a differential test against the
// real numpy.load. It is skipped unless MODELGATE_NUMPY_DIFF_DIR names a
// directory; it then writes mutated probe files and ReadHeader's verdicts
// there, and testdata/diff.py checks them with numpy:
//
//	MODELGATE_NUMPY_DIFF_DIR=/tmp/npdiff go test ./formats/numpy -run TestWriteMutations
//	/usr/bin/python3 formats/numpy/testdata/diff.py /tmp/npdiff
//
// MODELGATE_NUMPY_DIFF_SEED picks the random seed, MODELGATE_NUMPY_DIFF_N
// the number of files (default 30000), and MODELGATE_NUMPY_DIFF_LAYOUT=1
// restricts mutations to inserting blanks, newlines, comments,
// continuations and 'L', which keeps more headers valid.
func TestWriteMutations(t *testing.T) {
	dir := os.Getenv("MODELGATE_NUMPY_DIFF_DIR")
	if dir == "" {
		t.Skip("set MODELGATE_NUMPY_DIFF_DIR to write mutated headers for testdata/diff.py")
	}
	seed, _ := strconv.ParseInt(os.Getenv("MODELGATE_NUMPY_DIFF_SEED"), 10, 64)
	n, err := strconv.Atoi(os.Getenv("MODELGATE_NUMPY_DIFF_N"))
	if err != nil {
		n = 30000
	}
	m := mutator{rng: rand.New(rand.NewSource(seed)), layout: os.Getenv("MODELGATE_NUMPY_DIFF_LAYOUT") != ""}
	probes := loadProbes(t)
	var verdicts []diffVerdict
	for i := 0; i < n; i++ {
		p := probes[m.rng.Intn(len(probes))]
		file, ok := m.file(&p)
		if !ok {
			continue
		}
		name := filepath.Join(dir, fmt.Sprintf("%06d.npy", i))
		if err := os.WriteFile(name, file, 0o644); err != nil {
			t.Fatal(err)
		}
		verdicts = append(verdicts, verdictOf(name, file))
	}
	b, err := json.Marshal(verdicts)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "verdicts.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// diffVerdict is ReadHeader's answer for one file, for diff.py.
type diffVerdict struct {
	File     string  `json:"file"`
	Verdict  string  `json:"verdict"` // ok, object, unsupported, error
	ItemSize int64   `json:"itemsize"`
	Shape    []int64 `json:"shape"`
	Err      string  `json:"err"`
}

func verdictOf(name string, file []byte) diffVerdict {
	v := diffVerdict{File: name}
	h, err := readHeaderBytes(file)
	switch {
	case err == nil && h.Object:
		v.Verdict = "object"
	case err == nil:
		v.Verdict, v.ItemSize, v.Shape = "ok", h.Descr.ItemSize, h.Shape
	case errors.Is(err, ErrUnsupported):
		v.Verdict, v.Err = "unsupported", err.Error()
	default:
		v.Verdict, v.Err = "error", err.Error()
	}
	return v
}

var (
	mutationTokens = []string{"L", " ", "\n", "\r", "\\\n", "#", "'", "\"", "(", ")", "[", "]", "{", "}", ",", ":",
		"-", "+", "0", "1", "2", "9223372036854775807", "-1", "True", "None", "'|O'", "'O'", "'\\x11'", "'<f4'",
		"('', '|O', (2,))", "j", ".", "e", "_", "0x", "b'", "r'", "u'", "'''", "\\", "\\x", "\\u00", "'descr'",
		"'shape'", "'fortran_order'", "\t", "\f", "\v", "\u00a0", "é", "π", "set()", "...", "[('a', '<f4')]",
		"('S', 3)", "2L", "'f+4'", "'M8[ns]'"}
	layoutTokens = []string{" ", "\n", "\t", "\\\n", "#c\n", "\r\n", "\r", "\f", "L", " L", "  ", "\n ", "\\\r\n", "# x\r"}
)

type mutator struct {
	rng    *rand.Rand
	layout bool
}

// file mutates a probe's header text and frames it; ok is false when the
// text no longer fits the version's encoding.
func (m *mutator) file(p *probe) ([]byte, bool) {
	text := []rune(p.Text)
	for k := 0; k < 1+m.rng.Intn(2); k++ {
		text = m.mutate(text)
	}
	hdr := string(text)
	if p.Version[0] != 3 {
		var b []byte
		for _, r := range text {
			if r > 0xff {
				return nil, false
			}
			b = append(b, byte(r))
		}
		hdr = string(b)
	}
	return npyFile(byte(p.Version[0]), hdr, make([]byte, p.DataLen+4*m.rng.Intn(3))), true
}

func (m *mutator) mutate(text []rune) []rune {
	pos := m.rng.Intn(len(text) + 1)
	tokens, op := mutationTokens, m.rng.Intn(3)
	if m.layout {
		tokens, op = layoutTokens, 0
	}
	tok := []rune(tokens[m.rng.Intn(len(tokens))])
	switch {
	case op == 0:
		return append(text[:pos], append(tok, text[pos:]...)...)
	case pos == len(text):
		return text
	case op == 1:
		return append(text[:pos], text[min(pos+1+m.rng.Intn(3), len(text)):]...)
	}
	text[pos] = tok[0]
	return text
}
