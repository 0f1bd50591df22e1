package scan

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// storageSizes maps torch storage classes (as pickled in persistent ids)
// to their element size in bytes. UntypedStorage counts bytes.
var storageSizes = map[string]int64{
	"DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2,
	"LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1,
	"BoolStorage": 1, "ComplexFloatStorage": 8, "ComplexDoubleStorage": 16,
	"QInt8Storage": 1, "QUInt8Storage": 1, "QInt32Storage": 4, "QUInt4x2Storage": 1, "QUInt2x4Storage": 1,
	"UntypedStorage": 1, "TypedStorage": 1,
}

// storageRef is a persistent id ('storage', type, key, location, numel, ...).
type storageRef struct {
	Key    string
	Type   string
	Numel  int64
	Bytes  int64 // numel * element size; -1 when unknown
	Offset int64
}

// storageRefs extracts the storage persistent ids of a trace (of one
// pickle of the stream, or all when stream < 0).
func storageRefs(t *pickle.Trace, stream int) []storageRef {
	var out []storageRef
	for _, p := range t.Persistent {
		if stream >= 0 && p.Stream != stream {
			continue
		}
		if ref, ok := parseStorageRef(p.PID, p.Offset); ok {
			out = append(out, ref)
		}
	}
	return out
}

// parseStorageRef reads ('storage', storage_type, key, location, numel, ...).
func parseStorageRef(pid pickle.Value, offset int64) (storageRef, bool) {
	tup, ok := pid.(*pickle.Tuple)
	if !ok || len(tup.Items) < 5 {
		return storageRef{}, false
	}
	if tag, ok := tup.Items[0].(pickle.Str); !ok || tag.S != "storage" {
		return storageRef{}, false
	}
	ref := storageRef{Offset: offset, Bytes: -1}
	if g, ok := tup.Items[1].(*pickle.Global); ok {
		ref.Type = g.Name
		if i := strings.LastIndexByte(ref.Type, '.'); i >= 0 {
			ref.Type = ref.Type[i+1:]
		}
	}
	switch k := tup.Items[2].(type) {
	case pickle.Str:
		ref.Key = k.S
	case pickle.Int:
		ref.Key = intString(k)
	}
	if n, ok := tup.Items[4].(pickle.Int); ok && n.Big == nil && n.Small >= 0 {
		ref.Numel = n.Small
		if es, ok := storageSizes[ref.Type]; ok {
			b := new(big.Int).Mul(big.NewInt(n.Small), big.NewInt(es))
			if b.IsInt64() {
				ref.Bytes = b.Int64()
			}
		}
	}
	return ref, true
}

func intString(i pickle.Int) string {
	if i.Big != nil {
		return i.Big.String()
	}
	return fmt.Sprint(i.Small)
}

// legacyMagic is torch's MAGIC_NUMBER, the value of the first pickle of a
// legacy (non-zip) torch.save stream.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

func isLegacyTorch(t *pickle.Trace) bool {
	if len(t.Results) == 0 {
		return false
	}
	v, ok := t.Results[0].(pickle.Int)
	return ok && v.Big != nil && v.Big.Cmp(legacyMagic) == 0
}

// legacyTorch scans a pre-1.6 torch.save stream: five pickles (magic
// number, protocol version, sys_info, the object, the storage keys), each
// read by torch with an unrestricted unpickler, then for every key an
// int64 element count and the raw storage bytes. Bytes after the last
// storage are scanned as a stream of their own.
func (j *job) legacyTorch(r io.ReaderAt, size int64, member string, depth int) *pickle.Trace {
	j.kind = "torch-legacy"
	j.noteFormat(depth, "torch-legacy")
	t := pickle.Run(r, size, pickle.Options{Limits: j.s.opts.Limits.Pickle, FileInput: true, Streams: 5})
	j.pickleFindings(t, r, member, depth, "torch-legacy")
	info := &rules.Container{Kind: "torch-legacy"}
	if t.Err != nil || len(t.Results) < 5 {
		if t.Err == nil {
			j.fail(member, "legacy torch stream ends after %d of its 5 pickles", len(t.Results))
		}
		j.container(info, member)
		return t
	}
	keys, ok := t.Results[4].(*pickle.List)
	if !ok {
		j.fail(member, "legacy torch stream: the fifth pickle is not a list of storage keys")
		j.container(info, member)
		return t
	}
	refs := map[string]storageRef{}
	for _, ref := range storageRefs(t, 3) {
		refs[ref.Key] = ref
	}
	missing := map[string]bool{}
	defer func() {
		main := &pickle.Trace{Results: t.Results[3:4], Calls: t.Calls}
		j.fr.Tensors = append(j.fr.Tensors, inventory(main, member, func(key string, _ int64) bool { return !missing[key] })...)
	}()
	off := t.End
	for _, k := range keys.Items {
		key := ""
		switch v := k.(type) {
		case pickle.Str:
			key = v.S
		case pickle.Int:
			key = intString(v)
		}
		ref, known := refs[key]
		var hdr [8]byte
		if n, _ := r.ReadAt(hdr[:], off); n < 8 {
			missing[key] = true
			info.Storages = append(info.Storages, storageProblem(ref, key, -1))
			j.container(info, member)
			return t
		}
		numel := int64(binary.LittleEndian.Uint64(hdr[:]))
		es := int64(1)
		if known {
			if s, ok := storageSizes[ref.Type]; ok {
				es = s
			}
		}
		n := new(big.Int).Mul(big.NewInt(numel), big.NewInt(es))
		if numel < 0 || !n.IsInt64() || off+8+n.Int64() > size || off+8+n.Int64() < off {
			missing[key] = true
			info.Storages = append(info.Storages, storageProblem(ref, key, size-off-8))
			j.container(info, member)
			return t
		}
		if known && ref.Bytes >= 0 && n.Int64() < ref.Bytes {
			missing[key] = true
			info.Storages = append(info.Storages, storageProblem(ref, key, n.Int64()))
		}
		off += 8 + n.Int64()
	}
	j.container(info, member)
	if off < size {
		j.stream(io.NewSectionReader(r, off, size-off), size-off, joinMember(member, fmt.Sprintf("after-storages@%d", off)), depth+1)
	}
	return t
}

func storageProblem(ref storageRef, key string, have int64) rules.StorageProblem {
	return rules.StorageProblem{Key: key, Member: "storage record " + key, Want: ref.Bytes, Have: have, Offset: ref.Offset}
}

// legacyTarRecords scans the storages or tensors member of torch's legacy
// tar format, where pickles alternate with raw records: storages is
// pickle(count), then per storage pickle((key, location, type)) and an
// int64 element count with the bytes, then a pickle of the views; tensors
// is pickle(count), then per tensor pickle((key, storage id, type)) and
// int32 ndim, 4 pad bytes, ndim int64 sizes, ndim int64 strides and an
// int64 offset. torch unpickles each pickle with an unrestricted
// unpickler, so each is scanned.
func (j *job) legacyTarRecords(r io.ReaderAt, size int64, member, kind string) {
	j.kind = "torch-tar"
	off := int64(0)
	next := func() (*pickle.Trace, bool) {
		t := pickle.Run(io.NewSectionReader(r, off, size-off), size-off, pickle.Options{Limits: j.s.opts.Limits.Pickle, FileInput: true, Single: true})
		j.pickleFindings(t, r, joinMember(member, fmt.Sprintf("pickle@%d", off)), 0, "torch-tar")
		if t.Err != nil || len(t.Results) == 0 {
			return t, false
		}
		off += t.End
		return t, true
	}
	t, ok := next()
	if !ok {
		return
	}
	count, ok := t.Results[0].(pickle.Int)
	if !ok || count.Big != nil || count.Small < 0 {
		j.fail(member, "legacy torch tar %s: the first pickle is not a count", kind)
		return
	}
	var word [8]byte
	readInt := func(n int) (int64, bool) {
		if m, _ := r.ReadAt(word[:n], off); m < n {
			return 0, false
		}
		off += int64(n)
		if n == 4 {
			return int64(int32(binary.LittleEndian.Uint32(word[:4]))), true
		}
		return int64(binary.LittleEndian.Uint64(word[:8])), true
	}
	for i := int64(0); i < count.Small; i++ {
		rec, ok := next()
		if !ok {
			return
		}
		if kind == "storages" {
			es := int64(1)
			if tup, ok := rec.Results[0].(*pickle.Tuple); ok && len(tup.Items) == 3 {
				if g, ok := tup.Items[2].(*pickle.Global); ok {
					if s, ok := storageSizes[g.Name]; ok {
						es = s
					}
				}
			}
			numel, ok := readInt(8)
			n := new(big.Int).Mul(big.NewInt(numel), big.NewInt(es))
			if !ok || numel < 0 || !n.IsInt64() || off+n.Int64() > size {
				j.fail(member, "legacy torch tar storages: record %d runs past the end", i)
				return
			}
			off += n.Int64()
			continue
		}
		ndim, ok := readInt(4)
		if !ok || ndim < 0 || ndim > 1<<16 {
			j.fail(member, "legacy torch tar tensors: record %d has a bad ndim", i)
			return
		}
		off += 4 + 16*ndim + 8
		if off > size {
			j.fail(member, "legacy torch tar tensors: record %d runs past the end", i)
			return
		}
	}
	if kind == "storages" && off < size {
		next() // the views list
	}
	if off < size {
		j.stream(io.NewSectionReader(r, off, size-off), size-off, joinMember(member, fmt.Sprintf("after-records@%d", off)), 1)
	}
}
