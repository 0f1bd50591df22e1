// Package scan is modelgate's scanning engine: it takes paths, decides each
// file's format by its content, runs every pickle it finds on the symbolic
// machine under every loader's reading, applies the rules and returns
// findings with per-file status.
//
// A file that could not be read to the end is StatusIncomplete, never
// clean: the caller must treat it as unscanned.
package scan

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/formats/compress"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/policy"
	"github.com/modelgate/modelgate/scan/rules"
	"github.com/modelgate/modelgate/scan/rules/list"
)

// Limits bounds a scan. Zero fields take the defaults of DefaultLimits.
type Limits struct {
	// Pickle bounds each run of the pickle machine.
	Pickle pickle.Limits
	// Decompress bounds each decompression (output size and ratio).
	Decompress compress.Limits
	// MaxDepth is how many layers of compression and nested pickles are
	// followed. Default 8.
	MaxDepth int
	// MaxTotalInflated bounds the bytes inflated for one top-level file over
	// all its layers. Default 64 GiB.
	MaxTotalInflated int64
	// MaxEntries bounds the archive entries opened for one top-level file,
	// over all nested archives. Default 1 Mi.
	MaxEntries int
}

// DefaultLimits returns the default scan limits.
func DefaultLimits() Limits {
	return Limits{
		Pickle:           pickle.DefaultLimits(),
		Decompress:       compress.DefaultLimits(),
		MaxDepth:         8,
		MaxTotalInflated: 64 << 30,
		MaxEntries:       1 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxTotalInflated <= 0 {
		l.MaxTotalInflated = d.MaxTotalInflated
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.Decompress.MaxOutput <= 0 {
		l.Decompress.MaxOutput = d.Decompress.MaxOutput
	}
	if l.Decompress.MaxRatio <= 0 {
		l.Decompress.MaxRatio = d.Decompress.MaxRatio
	}
	if l.Decompress.RatioGrace <= 0 {
		l.Decompress.RatioGrace = d.Decompress.RatioGrace
	}
	return l
}

// Options configures a Scanner.
type Options struct {
	// Policy decides which imports are allowed; nil means policy.Builtin().
	Policy *policy.Policy
	// Limits bounds the work per file.
	Limits Limits
	// Workers is how many files are scanned at once; default GOMAXPROCS.
	Workers int
	// TempDir is where decompressed streams are spooled; default os.TempDir().
	TempDir string
	// Include, when not empty, limits a folder walk to files whose name or
	// path below the folder matches one of these globs (path.Match syntax).
	Include []string
	// Exclude skips files and folders whose name or path below the folder
	// matches one of these globs.
	Exclude []string
	// FollowSymlinks scans files that symbolic links inside a walked folder
	// point to, when the target is inside that folder. Links that leave it
	// are reported (archive-symlink-escape) and never followed.
	FollowSymlinks bool
}

// Scanner scans files. It is safe for concurrent use.
type Scanner struct {
	opts  Options
	rules []rules.Rule
}

// New returns a Scanner.
func New(opts Options) *Scanner {
	if opts.Policy == nil {
		opts.Policy = policy.Builtin()
	}
	opts.Limits = opts.Limits.withDefaults()
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	return &Scanner{opts: opts, rules: list.All()}
}

// Rules returns the metadata of every rule the scanner can report.
func (s *Scanner) Rules() []finding.Rule {
	out := make([]finding.Rule, 0, len(s.rules))
	for _, r := range s.rules {
		out = append(out, r.Meta())
	}
	return out
}

// Scan scans every path: files directly, folders recursively. In folders,
// formats are decided by content, Include and Exclude filter by name, and
// symbolic links are not followed (see FollowSymlinks). The result lists
// files in path order. The error is non-nil only when a path does not
// exist or ctx is cancelled.
func (s *Scanner) Scan(ctx context.Context, paths []string) (*Result, error) {
	var w walk
	for _, p := range paths {
		st, err := os.Lstat(p)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		if !st.IsDir() {
			w.files = append(w.files, p)
			continue
		}
		if err := s.walkDir(p, &w); err != nil {
			return nil, fmt.Errorf("scan: walking %s: %w", p, err)
		}
	}
	results := make([]FileResult, len(w.files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for n := 0; n < min(s.opts.Workers, max(1, len(w.files))); n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = s.ScanFile(ctx, w.files[i])
			}
		}()
	}
	for i := range w.files {
		select {
		case jobs <- i:
		case <-ctx.Done():
			close(jobs)
			wg.Wait()
			return nil, ctx.Err()
		}
	}
	close(jobs)
	wg.Wait()
	results = append(results, w.extra...)
	sort.SliceStable(results, func(i, j int) bool { return results[i].Path < results[j].Path })
	return &Result{Files: results, PolicyVersion: s.opts.Policy.Version(), Rules: s.Rules()}, nil
}

// walk collects what a folder walk found.
type walk struct {
	files []string     // regular files to scan
	extra []FileResult // results made during the walk (unreadable entries, escaping links)
}

func (s *Scanner) walkDir(root string, w *walk) error {
	rootReal, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			w.extra = append(w.extra, FileResult{Path: p, Status: StatusError, Errors: []string{err.Error()}})
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if p != root && matchAny(s.opts.Exclude, rel, d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			s.link(p, rootReal, rel, d.Name(), w)
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		if len(s.opts.Include) == 0 || matchAny(s.opts.Include, rel, d.Name()) {
			w.files = append(w.files, p)
		}
		return nil
	})
}

// link handles a symbolic link met in a folder walk.
func (s *Scanner) link(p, rootReal, rel, name string, w *walk) {
	target, _ := os.Readlink(p)
	real, err := filepath.EvalSymlinks(p)
	if err != nil || !within(rootReal, real) {
		fr := FileResult{Path: p, Format: "symlink"}
		j := &job{s: s, fr: &fr, imports: map[string]bool{}, recognised: true}
		j.container(&rules.Container{Kind: "symlink", Escapes: []rules.Escape{{Path: p, Target: target}}}, "")
		j.finish()
		w.extra = append(w.extra, fr)
		return
	}
	st, err := os.Stat(real)
	if s.opts.FollowSymlinks && err == nil && st.Mode().IsRegular() &&
		(len(s.opts.Include) == 0 || matchAny(s.opts.Include, rel, name)) {
		w.files = append(w.files, p)
	}
}

// within reports whether path lies inside root (both cleaned, absolute
// or both relative).
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// matchAny reports whether any glob matches the slash-separated path
// below the walked folder or the base name.
func matchAny(globs []string, rel, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

// ScanFile scans one file.
func (s *Scanner) ScanFile(ctx context.Context, path string) FileResult {
	fr := FileResult{Path: path}
	f, err := os.Open(path)
	if err != nil {
		fr.Status = StatusError
		fr.Errors = append(fr.Errors, err.Error())
		return fr
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		fr.Status = StatusError
		fr.Errors = append(fr.Errors, err.Error())
		return fr
	}
	return s.ScanReader(ctx, path, f, st.Size())
}

// ScanReader scans size bytes read from r, reported under name. It lets
// callers scan data that is not a file on disk (an upload, an archive
// member).
func (s *Scanner) ScanReader(ctx context.Context, name string, r io.ReaderAt, size int64) FileResult {
	fr := FileResult{Path: name, Size: size}
	j := &job{s: s, ctx: ctx, fr: &fr, imports: map[string]bool{}}
	j.stream(r, size, "", 0)
	j.checkExtension()
	j.finish()
	return fr
}
