package manifest

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// bufSize is the read buffer per worker (the reference reads 1 MiB chunks;
// digests do not depend on it).
const bufSize = 1 << 20

// Options control Build. The zero value hashes whole files with SHA-256,
// refuses symlinks and uses GOMAXPROCS workers.
type Options struct {
	// Algorithm is SHA256 (default when empty), BLAKE2b or BLAKE3.
	Algorithm string
	// ShardSize > 0 selects the shards method with that shard size; 0 hashes
	// whole files. Ignored with BLAKE3, as in the reference.
	ShardSize int64
	// Ignore lists root-relative paths ("/" or OS separators) to leave out;
	// a directory excludes everything below it. They are recorded in the
	// manifest's IgnorePaths.
	Ignore []string
	// SignatureName is the root-relative path of the signature file, left
	// out and recorded like an ignore; empty for none.
	SignatureName string
	// AllowSymlinks hashes a symlink's target bytes under the link's name
	// instead of failing. Links to directories are skipped, and links that
	// resolve outside the root are still an error.
	AllowSymlinks bool
	// Workers is the number of files or shards hashed at once; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Progress, when set, receives lines "hashed N of M bytes" at most once
	// a second and once at the end.
	Progress io.Writer
}

// entry is a regular file (or allowed symlink to one) to hash.
type entry struct {
	rel, abs string
	info     fs.FileInfo // of the regular file hashed (the target for a symlink)
	symlink  bool
}

// job is one item to hash: a whole file (end < 0) or a shard.
type job struct {
	e          *entry
	start, end int64
}

// Build hashes the model at root, a regular file or a directory, and
// returns its manifest in canonical order.
func Build(ctx context.Context, root string, opts Options) (*Manifest, error) {
	alg := opts.Algorithm
	if alg == "" {
		alg = SHA256
	}
	newH, err := newHash(alg)
	if err != nil {
		return nil, err
	}
	if opts.ShardSize < 0 {
		return nil, fmt.Errorf("manifest: shard size %d: must be 0 (whole files) or positive", opts.ShardSize)
	}
	m := &Manifest{Method: MethodFiles, HashType: alg, AllowSymlinks: opts.AllowSymlinks}
	if opts.ShardSize > 0 && alg != BLAKE3 {
		m.Method, m.ShardSize = MethodShards, opts.ShardSize
	}
	ignores, err := ignoreList(opts)
	if err != nil {
		return nil, err
	}
	m.IgnorePaths = ignores
	entries, err := enumerate(root, ignores, opts.AllowSymlinks)
	if err != nil {
		return nil, err
	}
	jobs := makeJobs(entries, m.ShardSize)
	m.Items, err = hashAll(ctx, jobs, newH, opts)
	if err != nil {
		return nil, err
	}
	m.Sort()
	return m, nil
}

// ignoreList returns the git defaults, the signature file and the user's
// ignores as cleaned root-relative POSIX paths, sorted and deduplicated.
func ignoreList(opts Options) ([]string, error) {
	set := map[string]bool{}
	for _, g := range GitIgnores {
		set[g] = true
	}
	user := append([]string{}, opts.Ignore...)
	if opts.SignatureName != "" {
		user = append(user, opts.SignatureName)
	}
	for _, p := range user {
		c := path.Clean(filepath.ToSlash(p))
		if c == "." || path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
			return nil, fmt.Errorf("manifest: ignore path %q: must be relative to the model root and inside it", p)
		}
		set[c] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// ignored reports whether rel equals an ignore path or lies below one.
func ignored(rel string, ignores []string) bool {
	for _, p := range ignores {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// enumerate lists the files of the model at root, following §1.7 of the
// reference's canonicalization: regular files only, dotfiles included.
func enumerate(root string, ignores []string, allowLinks bool) ([]*entry, error) {
	fi, err := os.Lstat(root)
	if err != nil {
		return nil, fmt.Errorf("manifest: model path: %w", err)
	}
	isLink := fi.Mode()&fs.ModeSymlink != 0
	if isLink {
		if !allowLinks {
			return nil, fmt.Errorf("%w: model path %s (allow_symlinks is false)", ErrSymlink, root)
		}
		if fi, err = os.Stat(root); err != nil {
			return nil, fmt.Errorf("manifest: model path: %w", err)
		}
	}
	if fi.Mode().IsRegular() {
		return []*entry{{rel: ".", abs: root, info: fi, symlink: isLink}}, nil
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("manifest: model path %s: not a regular file or directory (mode %v)", root, fi.Mode())
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("manifest: model path: %w", err)
	}
	var out []*entry
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("manifest: walking %s: %w", p, err)
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return fmt.Errorf("manifest: %s: %w", p, err)
		}
		rel = filepath.ToSlash(rel)
		if ignored(rel, ignores) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		e, err := classify(p, rel, d, realRoot, allowLinks)
		if e != nil {
			out = append(out, e)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// classify turns a directory entry into a file entry, or nil for things that
// are not hashed (directories, links to directories, devices, sockets).
func classify(p, rel string, d fs.DirEntry, realRoot string, allowLinks bool) (*entry, error) {
	switch {
	case d.Type().IsRegular():
		info, err := d.Info()
		if err != nil {
			return nil, fmt.Errorf("manifest: %s: %w", rel, err)
		}
		return &entry{rel: rel, abs: p, info: info}, nil
	case d.Type()&fs.ModeSymlink != 0:
		if !allowLinks {
			return nil, fmt.Errorf("%w: %s (allow_symlinks is false)", ErrSymlink, rel)
		}
		return resolveLink(p, rel, realRoot)
	}
	return nil, nil
}

// resolveLink resolves an allowed symlink, refusing targets outside the root.
func resolveLink(p, rel, realRoot string) (*entry, error) {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, fmt.Errorf("manifest: symlink %s: %w", rel, err)
	}
	inside, err := filepath.Rel(realRoot, target)
	if err != nil || inside == ".." || strings.HasPrefix(inside, ".."+string(filepath.Separator)) || filepath.IsAbs(inside) {
		return nil, fmt.Errorf("%w: %s -> %s", ErrSymlinkEscape, rel, target)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return nil, fmt.Errorf("manifest: symlink %s: %w", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil // the reference skips links to directories
	}
	return &entry{rel: rel, abs: target, info: fi, symlink: true}, nil
}

// makeJobs splits files into whole-file jobs, or shards when shardSize > 0
// (zero-length files emit no shard, as in the reference).
func makeJobs(entries []*entry, shardSize int64) []job {
	var jobs []job
	for _, e := range entries {
		if shardSize == 0 {
			jobs = append(jobs, job{e: e, end: -1})
			continue
		}
		for s := int64(0); s < e.info.Size(); s += shardSize {
			jobs = append(jobs, job{e: e, start: s, end: min(s+shardSize, e.info.Size())})
		}
	}
	return jobs
}

// hashAll hashes the jobs on a pool of workers with one fixed buffer each.
func hashAll(ctx context.Context, jobs []job, newH func() hash.Hash, opts Options) ([]Item, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prog := newProgress(opts.Progress, jobs)
	items := make([]Item, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, bufSize)
			for i := range next {
				items[i], errs[i] = hashJob(ctx, jobs[i], newH(), buf, prog)
				if errs[i] != nil {
					cancel()
				}
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	prog.done()
	if err := parent.Err(); err != nil {
		return nil, fmt.Errorf("manifest: hashing stopped: %w", err)
	}
	if err := firstErr(errs); err != nil {
		return nil, err
	}
	return items, nil
}

// firstErr returns the first real error, preferring one that is not a
// cancellation caused by another job's failure.
func firstErr(errs []error) error {
	var first error
	for _, e := range errs {
		if e == nil {
			continue
		}
		if !errors.Is(e, context.Canceled) {
			return e
		}
		if first == nil {
			first = e
		}
	}
	return first
}

// hashJob hashes one file or shard with the worker's buffer.
func hashJob(ctx context.Context, j job, h hash.Hash, buf []byte, prog *progress) (Item, error) {
	it := Item{Path: j.e.rel, Symlink: j.e.symlink}
	f, err := os.Open(j.e.abs)
	if err != nil {
		return it, fmt.Errorf("manifest: hashing %s: %w", j.e.rel, err)
	}
	defer f.Close()
	// The file must still be the one enumerated: a swap for a symlink or
	// another file between the walk and the open is refused.
	if fi, err := f.Stat(); err != nil || !os.SameFile(fi, j.e.info) {
		return it, fmt.Errorf("%w: %s was replaced after it was listed", ErrChanged, j.e.rel)
	}
	// Reading one byte more than expected detects growth, so that a file
	// that keeps growing cannot keep a worker busy forever.
	start, want := int64(0), j.e.info.Size()
	if j.end >= 0 {
		it.Start, it.End = j.start, j.end
		start, want = j.start, j.end-j.start
	}
	r := io.NewSectionReader(f, start, want+1)
	if j.end >= 0 {
		r = io.NewSectionReader(f, start, want)
	}
	name := it.Name(methodOf(j))
	n, err := copyCtx(ctx, h, r, buf, prog)
	if err != nil {
		return it, fmt.Errorf("manifest: hashing %s: %w", name, err)
	}
	if n != want {
		return it, fmt.Errorf("%w: %s: read %d bytes, expected %d", ErrChanged, name, n, want)
	}
	it.Digest = h.Sum(nil)
	return it, nil
}

func methodOf(j job) string {
	if j.end >= 0 {
		return MethodShards
	}
	return MethodFiles
}

// copyCtx streams r into h through buf, checking ctx between reads.
func copyCtx(ctx context.Context, h hash.Hash, r io.Reader, buf []byte, prog *progress) (int64, error) {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, err := r.Read(buf)
		if k > 0 {
			h.Write(buf[:k])
			n += int64(k)
			prog.add(int64(k))
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// progress writes byte counts to a writer, throttled to one line a second.
type progress struct {
	w     io.Writer
	total int64
	n     atomic.Int64
	mu    sync.Mutex
	last  time.Time
}

func newProgress(w io.Writer, jobs []job) *progress {
	p := &progress{w: w, last: time.Now()}
	for _, j := range jobs {
		if j.end >= 0 {
			p.total += j.end - j.start
		} else {
			p.total += j.e.info.Size()
		}
	}
	return p
}

func (p *progress) add(k int64) {
	if p.w == nil {
		return
	}
	n := p.n.Add(k)
	if !p.mu.TryLock() {
		return
	}
	defer p.mu.Unlock()
	if time.Since(p.last) >= time.Second {
		p.last = time.Now()
		fmt.Fprintf(p.w, "hashed %d of %d bytes\n", n, p.total)
	}
}

func (p *progress) done() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "hashed %d of %d bytes\n", p.n.Load(), p.total)
}
