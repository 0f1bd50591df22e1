package manifest

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrFormat means a signed manifest (resources and serialization) is
// malformed.
var ErrFormat = errors.New("manifest: malformed signed manifest")

// UnmarshalJSON reads serialization as verifiers must (signing.md §7a.8):
// shard_size may be a JSON integer or an integral float such as
// 1000000000.0 (the reference's golden files), unknown keys are ignored,
// and "blake2" is accepted as an alias of blake2b.
func (s *Serialization) UnmarshalJSON(b []byte) error {
	var raw struct {
		Method        string   `json:"method"`
		HashType      string   `json:"hash_type"`
		AllowSymlinks *bool    `json:"allow_symlinks"`
		ShardSize     *float64 `json:"shard_size"`
		IgnorePaths   []string `json:"ignore_paths"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%w: serialization: %v", ErrFormat, err)
	}
	if raw.AllowSymlinks == nil {
		return fmt.Errorf("%w: serialization: allow_symlinks is missing (the reference requires it)", ErrFormat)
	}
	*s = Serialization{Method: raw.Method, HashType: raw.HashType, AllowSymlinks: *raw.AllowSymlinks, IgnorePaths: raw.IgnorePaths}
	if s.HashType == "blake2" {
		s.HashType = BLAKE2b
	}
	if raw.ShardSize != nil {
		f := *raw.ShardSize
		if f <= 0 || f != math.Trunc(f) || f > 1<<53 {
			return fmt.Errorf("%w: serialization: shard_size %v is not a positive integer", ErrFormat, f)
		}
		s.ShardSize = int64(f)
	}
	return nil
}

// FromSigned rebuilds a manifest from a statement's predicate.serialization
// and predicate.resources, keeping the listed order (the root digest is
// over that order; no sort order is required, signing.md §7a.7). Shard
// resources may carry the algorithm "<hash>" (spec) or
// "<hash>-sharded-<N>" (reference); shard names are split on their last two
// ":" so file names may contain ":".
func FromSigned(ser Serialization, res []Resource) (*Manifest, error) {
	if _, err := newHash(ser.HashType); err != nil {
		return nil, fmt.Errorf("%w: serialization.hash_type: %w", ErrFormat, err)
	}
	m := &Manifest{Method: ser.Method, HashType: ser.HashType, AllowSymlinks: ser.AllowSymlinks,
		IgnorePaths: append([]string{}, ser.IgnorePaths...)}
	switch ser.Method {
	case MethodFiles:
	case MethodShards:
		if ser.ShardSize <= 0 {
			return nil, fmt.Errorf("%w: serialization: method shards needs a positive shard_size", ErrFormat)
		}
		m.ShardSize = ser.ShardSize
	default:
		return nil, fmt.Errorf("%w: serialization.method %q: want files or shards", ErrFormat, ser.Method)
	}
	for i, r := range res {
		it, err := m.parseResource(r)
		if err != nil {
			return nil, fmt.Errorf("%w: resources[%d] %q: %v", ErrFormat, i, r.Name, err)
		}
		m.Items = append(m.Items, it)
	}
	return m, nil
}

// parseResource checks one resource against the manifest's serialization.
func (m *Manifest) parseResource(r Resource) (Item, error) {
	if r.Algorithm != m.HashType && r.Algorithm != m.ResourceAlgorithm() {
		return Item{}, fmt.Errorf("algorithm %q, want %q", r.Algorithm, m.ResourceAlgorithm())
	}
	d, err := hex.DecodeString(r.Digest)
	if err != nil || len(d) == 0 {
		return Item{}, fmt.Errorf("digest is not hex")
	}
	it := Item{Path: r.Name, Digest: d}
	if m.Method == MethodFiles {
		return it, nil
	}
	i := strings.LastIndexByte(r.Name, ':')
	j := strings.LastIndexByte(r.Name[:max(i, 0)], ':')
	if i < 0 || j <= 0 {
		return Item{}, fmt.Errorf("shard name is not path:start:end")
	}
	start, err1 := strconv.ParseInt(r.Name[j+1:i], 10, 64)
	end, err2 := strconv.ParseInt(r.Name[i+1:], 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end <= start || end-start > m.ShardSize {
		return Item{}, fmt.Errorf("bad shard range")
	}
	it.Path, it.Start, it.End = r.Name[:j], start, end
	return it, nil
}
