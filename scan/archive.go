package scan

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/modelgate/modelgate/formats/numpy"
	"github.com/modelgate/modelgate/internal/zipx"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// enter counts archive entries against Limits.MaxEntries.
func (j *job) enter(member string, n int) bool {
	j.entries += n
	if j.entries > j.s.opts.Limits.MaxEntries {
		j.fail(member, "more than %d archive entries (MaxEntries); the rest is not scanned", j.s.opts.Limits.MaxEntries)
		return false
	}
	return true
}

// zip scans a zip archive the way torch.load reads it: through the central
// directory, leniently, reporting every anomaly. PyTorch checkpoints and
// TorchScript archives get their storages checked against data.pkl.
func (j *job) zip(r io.ReaderAt, size int64, member string, depth int) {
	z, err := zipx.NewReader(r, size, zipx.Limits{MaxEntries: j.s.opts.Limits.MaxEntries, MaxInflate: j.s.opts.Limits.MaxTotalInflated})
	if err != nil {
		j.fail(member, "zip: %v", err)
		return
	}
	j.zipScan(z, member, depth)
}

// zipTail scans a zip archive found behind other data (a polyglot: torch
// reads a file that does not start with "PK\x03\x04" as a legacy pickle,
// while zip readers find the archive at its end). It is quiet when the
// tail is not a readable zip.
func (j *job) zipTail(r io.ReaderAt, size int64, member string, depth int) {
	n := min(size, 22+65535)
	tail := make([]byte, n)
	if m, _ := r.ReadAt(tail, size-n); int64(m) < n || !bytes.Contains(tail, []byte("PK\x05\x06")) {
		return
	}
	z, err := zipx.NewReader(r, size, zipx.Limits{MaxEntries: j.s.opts.Limits.MaxEntries, MaxInflate: j.s.opts.Limits.MaxTotalInflated})
	if err != nil || len(z.Entries) == 0 {
		return
	}
	j.zipScan(z, joinMember(member, "(zip at end)"), depth)
}

func (j *job) zipScan(z *zipx.Reader, member string, depth int) {
	j.recognised = true
	info := &rules.Container{Kind: "zip"}
	defer func() {
		for _, a := range z.Anomalies {
			if benignZipKinds[a.Kind] {
				continue
			}
			d := a.Detail
			if a.Torch != zipx.TorchReads {
				d += " (torch.load fails on it)"
			}
			info.Anomalies = append(info.Anomalies, rules.ContainerAnomaly{Kind: string(a.Kind), Member: joinMember(member, a.Entry), Offset: a.Offset, Detail: d})
		}
		j.container(info, member)
	}()
	if !j.enter(member, len(z.Entries)) {
		return
	}
	prefix := torchPrefix(z.Entries)
	records := func(name string) *zipx.Entry { return z.Lookup(name) }
	switch {
	case prefix != "" && records(prefix+"constants.pkl") != nil:
		info.Kind, info.TorchScript = "torchscript", true
		for _, e := range z.Entries {
			if strings.HasPrefix(e.Name, prefix+"code/") && !strings.HasSuffix(e.Name, "/") {
				info.Code = append(info.Code, e.Name)
			}
		}
	case prefix != "" && records(prefix+"data.pkl") != nil:
		info.Kind = "torch-zip"
	case allNPY(z.Entries):
		info.Kind = "npz"
	}
	j.kind = info.Kind
	j.noteFormat(depth, info.Kind)
	storages := map[string]bool{}
	if prefix != "" {
		for _, e := range z.Entries {
			if strings.HasPrefix(e.Name, prefix+"data/") || strings.HasPrefix(e.Name, prefix+"constants/") {
				storages[e.Name] = true
			}
		}
	}
	for _, e := range z.Entries {
		if strings.HasSuffix(e.Name, "/") && e.UncompressedSize == 0 {
			continue
		}
		sub := joinMember(member, e.Name)
		if storages[e.Name] && !j.storageLooksLikePickle(z, e) {
			continue // raw tensor bytes: torch never unpickles them
		}
		if info.TorchScript && strings.HasPrefix(e.Name, prefix+"code/") && strings.HasSuffix(e.Name, ".py") {
			continue // TorchScript source, reported by torchscript-archive, never unpickled
		}
		t := j.zipEntry(z, e, sub, depth)
		if t != nil {
			// Scanned entries are small (pickles, code): check their CRC,
			// which torch ignores and other readers do not.
			z.CheckCRC(e)
		}
		if t != nil && prefix != "" && e == records(prefix+"data.pkl") {
			info.Storages = append(info.Storages, checkStorages(t, prefix, "data/", records, sub)...)
			j.fr.Tensors = append(j.fr.Tensors, inventory(t, sub, func(key string, n int64) bool {
				r := records(prefix + "data/" + key)
				return r != nil && (n < 0 || int64(r.UncompressedSize) >= n)
			})...)
		}
	}
}

// benignZipKinds are zipx anomalies that ordinary tools produce and that
// hide nothing from modelgate: nested zips are scanned, directory entries
// hold no data, comments are not read, and torch writes CRC 0 when asked.
var benignZipKinds = map[zipx.AnomalyKind]bool{
	zipx.KindNestedZip:      true,
	zipx.KindDirectoryEntry: true,
	zipx.KindEOCDComment:    true,
	zipx.KindCRCNotComputed: true,
}

// zipEntry scans one entry: stored entries in place, others inflated to a
// temporary file.
func (j *job) zipEntry(z *zipx.Reader, e *zipx.Entry, sub string, depth int) *pickle.Trace {
	if sec, ok := z.Section(e); ok {
		t, _ := j.stream(sec, sec.Size(), sub, depth+1)
		return t
	}
	rc, err := z.Open(e)
	if err != nil {
		j.fail(sub, "zip entry: %v", err)
		return nil
	}
	defer rc.Close()
	tmp, n, err := j.spool(rc, sub)
	if tmp == nil {
		return nil
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err != nil {
		j.fail(sub, "zip entry: %v (after %d bytes)", err, n)
	}
	t, _ := j.stream(tmp, n, sub, depth+1)
	return t
}

// storageLooksLikePickle peeks at a storage record: a pickle hidden where
// tensor bytes belong starts with PROTO 2-5.
func (j *job) storageLooksLikePickle(z *zipx.Reader, e *zipx.Entry) bool {
	rc, err := z.Open(e)
	if err != nil {
		return false
	}
	defer rc.Close()
	var head [2]byte
	if n, _ := io.ReadFull(rc, head[:]); n < 2 {
		return false
	}
	return head[0] == 0x80 && head[1] >= 2 && head[1] <= 5
}

// torchPrefix returns "name/" when every entry lies under the folder named
// by the first entry, as PyTorchStreamReader requires, else "".
func torchPrefix(entries []*zipx.Entry) string {
	if len(entries) == 0 {
		return ""
	}
	i := strings.IndexByte(entries[0].Name, '/')
	if i <= 0 {
		return ""
	}
	p := entries[0].Name[:i+1]
	for _, e := range entries {
		if !strings.HasPrefix(e.Name, p) {
			return ""
		}
	}
	return p
}

func allNPY(entries []*zipx.Entry) bool {
	if len(entries) == 0 {
		return false
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name, ".npy") {
			return false
		}
	}
	return true
}

// checkStorages compares data.pkl's storage persistent ids with the
// records present.
func checkStorages(t *pickle.Trace, prefix, dir string, records func(string) *zipx.Entry, member string) []rules.StorageProblem {
	var out []rules.StorageProblem
	seen := map[string]bool{}
	for _, ref := range storageRefs(t, -1) {
		if seen[ref.Key] {
			continue
		}
		seen[ref.Key] = true
		name := prefix + dir + ref.Key
		e := records(name)
		switch {
		case e == nil:
			out = append(out, rules.StorageProblem{Key: ref.Key, Member: name, Want: ref.Bytes, Have: -1, Offset: ref.Offset})
		case ref.Bytes >= 0 && int64(e.UncompressedSize) < ref.Bytes:
			out = append(out, rules.StorageProblem{Key: ref.Key, Member: name, Want: ref.Bytes, Have: int64(e.UncompressedSize), Offset: ref.Offset})
		}
	}
	return out
}

// spool copies rc into a temporary file, within the inflation budget.
func (j *job) spool(rc io.Reader, member string) (*os.File, int64, error) {
	tmp, err := os.CreateTemp(j.s.opts.TempDir, "modelgate-member-*")
	if err != nil {
		j.fail(member, "creating a temporary file: %v", err)
		return nil, 0, err
	}
	left := j.s.opts.Limits.MaxTotalInflated - j.inflated
	n, err := io.Copy(tmp, io.LimitReader(rc, left+1))
	j.inflated += n
	if err == nil && n > left {
		err = fmt.Errorf("more than %d bytes inflated in total (MaxTotalInflated)", j.s.opts.Limits.MaxTotalInflated)
		n = left
	}
	return tmp, n, err
}

// isTar reports a POSIX or GNU tar header ("ustar" at offset 257).
func isTar(head []byte) bool {
	return len(head) >= 263 && bytes.Equal(head[257:262], []byte("ustar"))
}

// tar scans a tar archive member by member. Regular files are read in
// place; links that leave the archive are reported.
func (j *job) tar(r io.ReaderAt, size int64, member string, depth int) bool {
	cr := &countingReader{r: io.NewSectionReader(r, 0, size)}
	tr := tar.NewReader(cr)
	info := &rules.Container{Kind: "tar"}
	type tarFile struct {
		name      string
		off, size int64
	}
	var files []tarFile
	names := map[string]bool{}
	first := true
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if first {
				return false
			}
			j.fail(member, "tar: %v at offset %d", err, cr.n)
			break
		}
		if first {
			j.recognised = true
			j.noteFormat(depth, "tar")
			first = false
		}
		if !j.enter(member, 1) {
			break
		}
		name := h.Name
		switch h.Typeflag {
		case tar.TypeSymlink, tar.TypeLink:
			if escapes(name, h.Linkname, h.Typeflag == tar.TypeSymlink) {
				info.Escapes = append(info.Escapes, rules.Escape{Path: joinMember(member, name), Target: h.Linkname})
			}
			continue
		case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		default:
			continue
		}
		if h.Size < 0 || cr.n+h.Size > size {
			j.fail(joinMember(member, name), "tar entry of %d bytes runs past the end of the archive", h.Size)
			break
		}
		names[path.Clean(name)] = true
		files = append(files, tarFile{name, cr.n, h.Size})
	}
	if first {
		return false
	}
	legacy := names["pickle"] && names["storages"] && names["tensors"]
	if legacy {
		// torch's legacy tar format (torch.load still reads it).
		info.Kind = "torch-tar"
	}
	for _, f := range files {
		sec := io.NewSectionReader(r, f.off, f.size)
		sub := joinMember(member, f.name)
		clean := path.Clean(f.name)
		if legacy && (clean == "storages" || clean == "tensors") {
			j.legacyTarRecords(sec, f.size, sub, clean)
			continue
		}
		j.stream(sec, f.size, sub, depth+1)
	}
	j.container(info, member)
	return true
}

// escapes reports whether a link named name with target leaves the root of
// the archive.
func escapes(name, target string, symlink bool) bool {
	if path.IsAbs(target) {
		return true
	}
	base := "."
	if symlink {
		base = path.Dir(name)
	}
	p := path.Clean(path.Join(base, target))
	return p == ".." || strings.HasPrefix(p, "../")
}

// countingReader tracks the position in the archive, so tar entries can
// be addressed in place; it seeks, so archive/tar skips entry data without
// reading it.
type countingReader struct {
	r *io.SectionReader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Seek implements io.Seeker.
func (c *countingReader) Seek(off int64, whence int) (int64, error) {
	n, err := c.r.Seek(off, whence)
	if err == nil {
		c.n = n
	}
	return n, err
}

// npy scans a NumPy .npy file: its header is checked as numpy.load does,
// and the data of object arrays is scanned as the pickle it is.
func (j *job) npy(r io.ReaderAt, size int64, member string, depth int) {
	j.recognised = true
	j.kind = "npy"
	j.noteFormat(depth, "npy")
	h, err := numpy.ReadHeader(r, size, numpy.Limits{})
	if err != nil {
		j.fail(member, "npy: %v", err)
		return
	}
	info := &rules.Container{Kind: "npy", ObjectArray: h.Object}
	j.container(info, member)
	if h.Object {
		n := size - h.DataOffset
		j.stream(io.NewSectionReader(r, h.DataOffset, n), n, joinMember(member, "(pickle)"), depth+1)
	}
}
