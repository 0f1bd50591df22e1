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
	"path/filepath"
	"runtime"
	"sort"
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
}

// DefaultLimits returns the default scan limits.
func DefaultLimits() Limits {
	return Limits{
		Pickle:           pickle.DefaultLimits(),
		Decompress:       compress.DefaultLimits(),
		MaxDepth:         8,
		MaxTotalInflated: 64 << 30,
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

// Scan scans every path: files directly, directories recursively (symbolic
// links are not followed). The result lists files in path order. The error
// is non-nil only when a path does not exist or ctx is cancelled.
func (s *Scanner) Scan(ctx context.Context, paths []string) (*Result, error) {
	var files []string
	var missing []FileResult
	for _, p := range paths {
		st, err := os.Lstat(p)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				missing = append(missing, FileResult{Path: path, Status: StatusError, Errors: []string{err.Error()}})
				return nil
			}
			if d.Type().IsRegular() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("scan: walking %s: %w", p, err)
		}
	}
	results := make([]FileResult, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(s.opts.Workers, max(1, len(files))); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = s.ScanFile(ctx, files[i])
			}
		}()
	}
	for i := range files {
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
	results = append(results, missing...)
	sort.SliceStable(results, func(i, j int) bool { return results[i].Path < results[j].Path })
	return &Result{Files: results, PolicyVersion: s.opts.Policy.Version(), Rules: s.Rules()}, nil
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
	j.finish()
	return fr
}
