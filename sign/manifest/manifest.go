// Package manifest computes the digests of a model file or folder the way
// OpenSSF Model Signing (OMS v1.0, reference implementation model_signing
// v1.1) defines them: one resource per regular file ("files" method) or per
// fixed-size shard of each file ("shards" method), plus the serialization
// parameters that a signature records.
//
// Where the OMS specification and the Python reference disagree this package
// follows the reference, so that manifests are byte-comparable with what
// model_signing produces and verifies:
//
//   - a single-file model has one resource named "." (the spec says the
//     basename; the reference verifier rejects that);
//   - a shard resource's algorithm is "<hash>-sharded-<shard_size>" (the spec
//     says plain "<hash>");
//   - resources are ordered component-wise by path and then by numeric shard
//     offsets (the spec says plain code-point order of the name);
//   - an empty model yields an empty manifest (the spec says reject; callers
//     that sign may refuse it themselves);
//   - blake3 with sharding falls back to the "files" method, as the reference
//     does (BLAKE3 is parallel inside one stream).
package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sort"
	"strings"

	"golang.org/x/crypto/blake2b"
	"lukechampine.com/blake3"
)

// Serialization methods, as recorded in serialization.method.
const (
	MethodFiles  = "files"
	MethodShards = "shards"
)

// Hash algorithms, as recorded in serialization.hash_type.
const (
	SHA256  = "sha256"
	BLAKE2b = "blake2b"
	BLAKE3  = "blake3"
)

// DefaultShardSize is the reference's default shard size (1 GB, decimal),
// used by callers that enable sharding without choosing a size.
const DefaultShardSize = 1_000_000_000

// GitIgnores are the top-level paths the reference always leaves out of a
// model folder (ignore_git_paths, default true) and records in ignore_paths.
var GitIgnores = []string{".git", ".gitattributes", ".github", ".gitignore"}

// Sentinel errors that callers may branch on with errors.Is.
var (
	// ErrSymlink means a symlink was found while AllowSymlinks is false.
	ErrSymlink = errors.New("manifest: symlink not allowed")
	// ErrSymlinkEscape means a symlink resolves to a path outside the model root.
	ErrSymlinkEscape = errors.New("manifest: symlink points outside the model root")
	// ErrAlgorithm means the requested hash algorithm is not supported.
	ErrAlgorithm = errors.New("manifest: unsupported hash algorithm")
	// ErrChanged means a file changed size while it was being hashed.
	ErrChanged = errors.New("manifest: file changed while hashing")
)

// Item is one resource of a manifest: a whole file, or one shard of a file.
type Item struct {
	// Path is the file's path relative to the model root, with "/"
	// separators; "." when the model is a single file.
	Path string
	// Start and End are the shard's byte range [Start, End); both are zero
	// in files mode.
	Start, End int64
	// Digest is the raw digest of the file or shard.
	Digest []byte
	// Symlink reports that Path is a symlink whose target's bytes were
	// hashed. It is not part of the serialized form.
	Symlink bool
}

// Manifest is the list of resource digests of a model, with the
// serialization parameters that produced it.
type Manifest struct {
	// Method is MethodFiles or MethodShards.
	Method string
	// HashType is the per-resource hash: SHA256, BLAKE2b or BLAKE3.
	HashType string
	// ShardSize is the shard size in bytes in shards mode, otherwise 0.
	ShardSize int64
	// AllowSymlinks records whether symlinks were hashed (true) or refused.
	AllowSymlinks bool
	// IgnorePaths lists the root-relative paths that were left out: the git
	// defaults, the signature file and the user's ignores, sorted.
	IgnorePaths []string
	// Items are the resources in canonical order (see Sort).
	Items []Item
}

// Resource is one entry of predicate.resources in an OMS statement.
type Resource struct {
	// Name is the path, or "path:start:end" for a shard.
	Name string `json:"name"`
	// Algorithm is the hash type, or "<hash>-sharded-<N>" for a shard.
	Algorithm string `json:"algorithm"`
	// Digest is the lowercase hex digest.
	Digest string `json:"digest"`
}

// Serialization is predicate.serialization in an OMS statement. ShardSize is
// omitted in files mode; it is written as a JSON integer (the reference
// accepts integers; its own golden files hold a float).
type Serialization struct {
	// Method is MethodFiles or MethodShards.
	Method string `json:"method"`
	// HashType is SHA256, BLAKE2b or BLAKE3.
	HashType string `json:"hash_type"`
	// AllowSymlinks is always written: the reference fails without it.
	AllowSymlinks bool `json:"allow_symlinks"`
	// ShardSize is the shard size in bytes (shards method only).
	ShardSize int64 `json:"shard_size,omitempty"`
	// IgnorePaths are the root-relative paths left out of the model.
	IgnorePaths []string `json:"ignore_paths"`
}

// Name is the resource name: the path in files mode, "path:start:end" in
// shards mode.
func (it Item) Name(method string) string {
	if method == MethodShards {
		return fmt.Sprintf("%s:%d:%d", it.Path, it.Start, it.End)
	}
	return it.Path
}

// ResourceAlgorithm is the per-resource algorithm string: the hash type in
// files mode, "<hash>-sharded-<shard_size>" in shards mode (reference
// behaviour; the spec says plain "<hash>").
func (m *Manifest) ResourceAlgorithm() string {
	if m.Method == MethodShards {
		return fmt.Sprintf("%s-sharded-%d", m.HashType, m.ShardSize)
	}
	return m.HashType
}

// Resources returns the manifest as predicate.resources, in item order.
func (m *Manifest) Resources() []Resource {
	alg := m.ResourceAlgorithm()
	out := make([]Resource, len(m.Items))
	for i, it := range m.Items {
		out[i] = Resource{Name: it.Name(m.Method), Algorithm: alg, Digest: hex.EncodeToString(it.Digest)}
	}
	return out
}

// Serialization returns predicate.serialization for the manifest.
func (m *Manifest) Serialization() Serialization {
	s := Serialization{Method: m.Method, HashType: m.HashType, AllowSymlinks: m.AllowSymlinks,
		IgnorePaths: append([]string{}, m.IgnorePaths...)}
	if m.Method == MethodShards {
		s.ShardSize = m.ShardSize
	}
	return s
}

// RootDigest is the statement subject's digest: SHA-256 over the
// concatenated raw item digests in item order, whatever the hash type.
func (m *Manifest) RootDigest() []byte {
	h := sha256.New()
	for _, it := range m.Items {
		h.Write(it.Digest)
	}
	return h.Sum(nil)
}

// Sort puts the items in the reference's canonical order: paths compared
// component by component (so "a/b" < "a-b/c" < "a.txt"), then numeric shard
// offsets (so "f:8:16" < "f:16:23").
func (m *Manifest) Sort() {
	sort.SliceStable(m.Items, func(i, j int) bool { return itemLess(m.Items[i], m.Items[j]) })
}

func itemLess(a, b Item) bool {
	if c := comparePaths(a.Path, b.Path); c != 0 {
		return c < 0
	}
	if a.Start != b.Start {
		return a.Start < b.Start
	}
	return a.End < b.End
}

// comparePaths orders POSIX paths as Python's PurePosixPath does: by the
// list of components.
func comparePaths(a, b string) int {
	pa, pb := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if c := strings.Compare(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return len(pa) - len(pb)
}

// newHash returns a constructor for the named algorithm.
func newHash(name string) (func() hash.Hash, error) {
	switch name {
	case SHA256:
		return sha256.New, nil
	case BLAKE2b:
		return func() hash.Hash { h, _ := blake2b.New512(nil); return h }, nil
	case BLAKE3:
		return func() hash.Hash { return blake3.New(32, nil) }, nil
	}
	return nil, fmt.Errorf("%w %q (want %s, %s or %s)", ErrAlgorithm, name, SHA256, BLAKE2b, BLAKE3)
}
