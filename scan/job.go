package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/formats/compress"
	"github.com/modelgate/modelgate/formats/numpy"
	"github.com/modelgate/modelgate/internal/zipx"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
	"github.com/modelgate/modelgate/scan/rules/nestedpickle"
)

// job is the scan of one top-level file and everything nested in it.
type job struct {
	s        *Scanner
	ctx      context.Context
	fr       *FileResult
	imports  map[string]bool
	inflated int64

	incomplete bool
	recognised bool
	formats    []string
	entries    int    // archive entries opened, for Limits.MaxEntries
	kind       string // format of the last stream scanned, for extension checks
}

func (j *job) fail(member string, format string, args ...any) {
	j.incomplete = true
	msg := fmt.Sprintf(format, args...)
	if member != "" {
		msg = member + ": " + msg
	}
	j.fr.Errors = append(j.fr.Errors, msg)
}

func (j *job) noteFormat(depth int, name string) {
	if depth == 0 || len(j.formats) < 8 {
		j.formats = append(j.formats, name)
	}
}

// stream scans one byte stream: the file itself, an archive member, a
// decompressed layer or a nested pickle. It decides the format by content
// and returns the trace when the stream is a pickle.
func (j *job) stream(r io.ReaderAt, size int64, member string, depth int) (*pickle.Trace, bool) {
	if err := j.ctx.Err(); err != nil {
		j.fail(member, "scan cancelled: %v", err)
		return nil, true
	}
	if depth > j.s.opts.Limits.MaxDepth {
		j.fail(member, "nesting deeper than %d layers (MaxDepth); not scanned", j.s.opts.Limits.MaxDepth)
		return nil, true
	}
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		j.fail(member, "reading: %v", err)
		return nil, true
	}
	head = head[:n]
	j.kind = ""
	if kind := unreadArchive(head); kind != "" {
		// A model shipped inside an archive modelgate cannot open must not
		// pass as clean (the nullifAI models used 7z).
		j.recognised = true
		j.noteFormat(depth, kind)
		j.fail(member, "%s archives are not read; extract the files and scan them", kind)
		return nil, true
	}
	switch {
	case zipx.IsZip(head):
		j.zip(r, size, member, depth)
		return nil, true
	case numpy.IsNPY(head):
		j.npy(r, size, member, depth)
		return nil, true
	case isTar(head):
		if j.tar(r, size, member, depth) {
			return nil, true
		}
	}
	if k, ok := compress.Sniff(head); ok {
		if j.decompress(k, r, size, member, depth) {
			return nil, true
		}
		// The bytes only looked compressed ("BZ" also starts a BINBYTES
		// pickle): read them as a pickle too.
	}
	t, known := j.pickle(r, size, member, depth, head)
	if size > 22 {
		j.zipTail(r, size, member, depth)
	}
	return t, known
}

// decompress inflates a compressed layer into a temporary file (never into
// memory) and scans its content. It returns false when the data did not
// decompress at all, so the caller can read it as something else.
func (j *job) decompress(k compress.Kind, r io.ReaderAt, size int64, member string, depth int) bool {
	lim := j.s.opts.Limits
	dl := lim.Decompress
	if left := lim.MaxTotalInflated - j.inflated; left < dl.MaxOutput {
		dl.MaxOutput = left
	}
	zr, err := compress.NewReader(k, io.NewSectionReader(r, 0, size), dl)
	if err != nil {
		return false
	}
	defer zr.Close()
	tmp, err := os.CreateTemp(j.s.opts.TempDir, "modelgate-inflate-*")
	if err != nil {
		j.fail(member, "creating a temporary file for %s data: %v", k, err)
		return true
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, zr)
	j.inflated += n
	if err != nil {
		if n == 0 && !errors.Is(err, compress.ErrBomb) {
			return false
		}
		j.fail(member, "%s stream: %v (after %d decompressed bytes)", k, err, n)
		// Scan what was inflated: calls in it run before the loader fails.
	}
	j.recognised = true
	j.noteFormat(depth, string(k))
	// Offsets below refer to the decompressed bytes, so the layer is
	// named as a member: "(gzip)", "model.pkl/(zlib)".
	sub := joinMember(member, "("+string(k)+")")
	if _, known := j.stream(tmp, n, sub, depth+1); !known {
		j.fail(sub, "decompressed data is not a format modelgate reads")
	}
	return true
}

// pickle scans a stream as a pickle (or joblib file, or legacy torch
// stream).
func (j *job) pickle(r io.ReaderAt, size int64, member string, depth int, head []byte) (*pickle.Trace, bool) {
	if len(head) == 0 {
		j.noteFormat(depth, "empty")
		return nil, false
	}
	opts := pickle.Options{Limits: j.s.opts.Limits.Pickle}
	t := pickle.Analyze(r, size, opts)
	events := len(t.Imports) + len(t.Calls) + len(t.Mutations) + len(t.Dynamic) + len(t.Persistent)
	if first := t.Imports; len(first) > 0 && first[0].Offset == 0 && !validModule(first[0].Module) &&
		!strings.Contains(first[0].Name, "Storage") {
		// Text that happens to start with 'c' ("class ...", "cat\n"): the
		// unpickler's first act is an import no module can satisfy, so
		// it fails before anything runs. (torch.load's find_class answers
		// any name containing "Storage" without importing the module, so
		// those are still read.)
		return nil, false
	}
	cut := errors.Is(t.Err, pickle.ErrTruncated) && t.Ops >= 2
	if t.Pickles == 0 && events == 0 && pickle.Opcode(head[0]) != pickle.PROTO && !cut {
		// Not a pickle: its first opcodes are already invalid, so no
		// loader would run anything in it.
		return nil, false
	}
	j.recognised = true
	format := "pickle"
	if len(t.Arrays) > 0 || hasImport(t, "joblib.numpy_pickle", "NumpyArrayWrapper") {
		format = "joblib"
	}
	if isLegacyTorch(t) {
		return j.legacyTorch(r, size, member, depth), true
	}
	j.kind = format
	j.noteFormat(depth, format)
	j.pickleFindings(t, r, member, depth, format)
	return t, true
}

// pickleFindings applies the rules to a pickle trace, records its imports
// and errors, and scans the nested pickles it hands to loaders.
func (j *job) pickleFindings(t *pickle.Trace, r io.ReaderAt, member string, depth int, format string) {
	for _, im := range t.Imports {
		if im.Module != pickle.ExtModule {
			j.imports[im.Path()] = true
		}
	}
	j.check(&rules.Context{Trace: t, Policy: j.s.opts.Policy, Format: format,
		Location: finding.Location{Path: j.fr.Path, Member: member}})
	if t.Err != nil {
		j.fail(member, "pickle stream stopped: %v", t.Err)
	}
	j.nested(t, r, member, depth)
}

// container applies the rules to what a container showed.
func (j *job) container(info *rules.Container, member string) {
	j.check(&rules.Context{Container: info, Policy: j.s.opts.Policy, Format: info.Kind,
		Location: finding.Location{Path: j.fr.Path, Member: member}})
}

func (j *job) check(ctx *rules.Context) {
	for _, rule := range j.s.rules {
		j.fr.Findings = append(j.fr.Findings, rule.Check(ctx)...)
	}
}

func hasImport(t *pickle.Trace, mod, name string) bool {
	for _, im := range t.Imports {
		if im.Module == mod && im.Name == name {
			return true
		}
	}
	return false
}

// nested scans the bytes each loader call inside the pickle would unpickle.
func (j *job) nested(t *pickle.Trace, r io.ReaderAt, member string, depth int) {
	for _, c := range t.Calls {
		if !nestedpickle.IsLoader(c) {
			continue
		}
		p, ok := nestedpickle.Payload(c)
		if !ok {
			continue
		}
		sub := joinMember(member, "nested@"+strconv.FormatInt(c.Offset, 10))
		var src io.ReaderAt = bytes.NewReader(p.B)
		n := int64(len(p.B))
		if p.Truncated {
			if p.Offset < 0 {
				j.fail(sub, "nested payload of %d bytes too large to hold and not addressable; not scanned", p.Len)
				continue
			}
			src, n = io.NewSectionReader(r, p.Offset, p.Len), p.Len
		}
		j.stream(src, n, sub, depth+1)
	}
}

func joinMember(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "/" + child
}

// finish sets the file's status and format.
func (j *job) finish() {
	fr := j.fr
	fr.Format = strings.Join(j.formats, "+")
	for p := range j.imports {
		fr.Imports = append(fr.Imports, p)
	}
	sortStrings(fr.Imports)
	sortFindings(fr.Findings)
	switch {
	case j.incomplete:
		fr.Status = StatusIncomplete
	case len(fr.Findings) > 0:
		fr.Status = StatusFindings
	case !j.recognised:
		fr.Status = StatusSkipped
		if fr.Format == "" {
			fr.Format = "unknown"
		}
	default:
		fr.Status = StatusClean
	}
}

// unreadArchive names archive formats modelgate recognises but does not
// open, by their magic bytes.
func unreadArchive(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("7z\xbc\xaf\x27\x1c")):
		return "7z"
	case bytes.HasPrefix(head, []byte("Rar!\x1a\x07")):
		return "rar"
	}
	return ""
}

// validModule reports whether name can be imported: dotted Python
// identifiers (ASCII letters, digits and underscores, not starting with a
// digit).
func validModule(name string) bool {
	if name == "" {
		return false
	}
	for _, part := range strings.Split(name, ".") {
		if part == "" || (part[0] >= '0' && part[0] <= '9') {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80) {
				return false
			}
		}
	}
	return true
}
