package pickle_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"

	"github.com/modelgate/modelgate/pickle"
)

// This file holds the mutator behind TestDifferential: hand-written seed
// pickles that use all 68 opcodes, and mutations that keep inputs close to
// what CPython's unpickler will execute for a while (plausible opcodes with
// plausible arguments) so that the comparison reaches deep into the
// machine.

// pk builds a pickle from parts: an Opcode, a byte (or an int that fits
// one), []byte or string are written as they are.
func pk(parts ...any) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		switch v := p.(type) {
		case pickle.Opcode:
			b.WriteByte(byte(v))
		case byte:
			b.WriteByte(v)
		case int:
			if v < 0 || v > 255 {
				panic(fmt.Sprintf("pk: int part %d is not a byte", v))
			}
			b.WriteByte(byte(v))
		case []byte:
			b.Write(v)
		case string:
			b.WriteString(v)
		default:
			panic(fmt.Sprintf("pk: unsupported part %T", p))
		}
	}
	return b.Bytes()
}

func u16(n int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(n)) }
func u32(n int64) []byte {
	return binary.LittleEndian.AppendUint32(nil, uint32(n))
}
func u64(n int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(n)) }

// sbu is SHORT_BINUNICODE s.
func sbu(s string) []byte { return pk(pickle.SHORT_BINUNICODE, byte(len(s)), s) }

// framed wraps body in a FRAME of the right length.
func framed(body ...any) []byte {
	b := pk(body...)
	return pk(pickle.FRAME, u64(int64(len(b))), b)
}

// handSeeds are small pickles that together use every opcode, sorted by
// name.
func handSeeds() []namedInput {
	var out []namedInput
	for name, data := range handSeedMap() {
		out = append(out, namedInput{name: "seed:" + name, data: data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func handSeedMap() map[string][]byte {
	P := pickle.PROTO
	return map[string][]byte{
		"text-p0": pk("(lp0\nI1\naI01\naI00\naF1.5\naL12L\naS'abc'\naVx\\u20ac\nag0\n",
			"acos\nsystem\np1\n(S'ls'\ntRp2\na",
			"(dp3\nS'k'\nNsS'inst'\n(i__main__\nC\np4\n(dp5\nS'x'\nI2\nsbsa",
			"Ppid\naN200(NN1."),
		"binary-p1": pk("]q\x00(K\x01M\x00\x01J\xff\xff\xff\xffG", []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0},
			"U\x03abcT\x03\x00\x00\x00defX\x02\x00\x00\x00hi)N}q\x01(U\x01ah\x00U\x01bj\x00\x00\x00\x00ur\x02\x00\x00\x00e",
			"cos\nsystem\nq\x03(U\x02lstRa",
			"(cbuiltins\nobject\no}ba",
			"U\x03pidQa."),
		"proto2": pk(P, 2, "](", pickle.NEWTRUE, pickle.NEWFALSE,
			pickle.LONG1, 2, "\xff\x00", pickle.LONG4, u32(3), "\x00\x00\x01",
			"K\x01", pickle.TUPLE1, "K\x01K\x02", pickle.TUPLE2, "K\x01K\x02K\x03", pickle.TUPLE3,
			"ccopy_reg\n_reconstructor\n)", pickle.NEWOBJ, "e",
			pickle.EXT1, 1, "a", pickle.EXT2, u16(257), "a", pickle.EXT4, u32(65536), "a",
			pickle.EXT4, u32(1<<20), "a."),
		"proto3": pk(P, 3, "](B", u32(3), "abcC\x02xyc__builtin__\nset\n]\x85Re."),
		"proto4-build": pk(P, 4, framed(
			sbu("numpy"), pickle.MEMOIZE, sbu("prod"), pickle.MEMOIZE, pickle.STACK_GLOBAL, pickle.MEMOIZE,
			pickle.EMPTY_DICT, sbu("a"), sbu("os"), pickle.SETITEM, pickle.BUILD, pickle.POP,
			sbu("numpy"), sbu("prod.a"), pickle.STACK_GLOBAL, sbu("system"), pickle.STACK_GLOBAL,
			pickle.EMPTY_TUPLE, pickle.REDUCE, pickle.POP,
			pickle.EMPTY_SET, pickle.MARK, "K\x01", pickle.ADDITEMS, pickle.POP,
			pickle.MARK, "K\x02", pickle.FROZENSET, pickle.POP,
			pickle.BINUNICODE8, u64(2), "hi", pickle.BINBYTES8, u64(1), "b", pickle.TUPLE2, pickle.POP,
			sbu("collections"), sbu("OrderedDict"), pickle.STACK_GLOBAL, pickle.EMPTY_TUPLE, pickle.EMPTY_DICT,
			pickle.NEWOBJ_EX, pickle.POP,
			"cos\npath.join\n", pickle.POP,
			pickle.NONE, pickle.STOP)),
		"proto5-buffers":      pk(P, 5, framed(pickle.BYTEARRAY8, u64(3), "abc", pickle.READONLY_BUFFER, pickle.STOP)),
		"proto5-next-buffer":  pk(P, 5, pickle.NEXT_BUFFER, pickle.STOP),
		"frame-straddle":      pk(P, 4, pickle.FRAME, u64(3), pickle.SHORT_BINUNICODE, 3, "X", "osZ."),
		"frame-straddle-line": pk(P, 4, pickle.FRAME, u64(5), "cos\nX", "sys\nfoo\n."),
		"memo-sparse":         pk(P, 2, "K\x01r", u32(65536), "0j", u32(65536), "K\x02p7\n0g7\n."),
		"multi":               pk("K\x01.", P, 2, "cos\nsystem\n.", "K\x02."),
		"trailing-import":     pk("K\x01.cbuiltins\neval\n"),
		"dotted-proto2":       pk(P, 2, "cos\npath.join\ncos\nsystem\n."),
		"slotstate": pk(P, 2, "cnumpy\nprod\nN}U\x01aU\x02oss", pickle.TUPLE2, "b0",
			P, 4, "cnumpy\nprod.a\n\x8c\x06system\x93.")}
}

// opEnds returns the offset just after each opcode of a linear walk of b,
// stopping at the first invalid or truncated opcode. It is a boundary map
// for the mutator only; it knows nothing of frames.
func opEnds(b []byte) []int {
	var ends []int
	pos := 0
	for pos < len(b) && len(ends) < 1<<16 {
		op := pickle.Opcode(b[pos])
		info := op.Info()
		if info == nil {
			break
		}
		n, ok := argLen(info.Arg, b[pos+1:])
		if !ok {
			break
		}
		pos += 1 + n
		ends = append(ends, pos)
	}
	return ends
}

// argLen is the length of an argument of kind k at the start of b.
func argLen(k pickle.ArgKind, b []byte) (int, bool) {
	fixed := map[pickle.ArgKind]int{pickle.ArgNone: 0, pickle.ArgU1: 1, pickle.ArgU2: 2,
		pickle.ArgI4: 4, pickle.ArgU4: 4, pickle.ArgU8: 8, pickle.ArgF8: 8}
	if n, ok := fixed[k]; ok {
		return n, n <= len(b)
	}
	switch k {
	case pickle.ArgLine:
		i := bytes.IndexByte(b, '\n')
		return i + 1, i >= 0
	case pickle.ArgTwoLines:
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return 0, false
		}
		j := bytes.IndexByte(b[i+1:], '\n')
		return i + j + 2, j >= 0
	}
	var w int
	var n uint64
	switch k {
	case pickle.ArgLen1:
		w = 1
	case pickle.ArgLen4, pickle.ArgLen4Signed:
		w = 4
	case pickle.ArgLen8:
		w = 8
	}
	if len(b) < w {
		return 0, false
	}
	for i := w - 1; i >= 0; i-- {
		n = n<<8 | uint64(b[i])
	}
	if n > uint64(len(b)-w) {
		return 0, false
	}
	return w + int(n), true
}

// mutator makes deterministic variations of seed pickles.
type mutator struct {
	r     *rand.Rand
	seeds [][]byte
}

func newMutator(seed uint64, seeds [][]byte) *mutator {
	return &mutator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), seeds: seeds}
}

// next returns one mutated input and a description of what was done.
func (m *mutator) next() ([]byte, string) {
	si := m.r.IntN(len(m.seeds))
	b := bytes.Clone(m.seeds[si])
	desc := fmt.Sprintf("seed%d", si)
	for n := 1 + m.r.IntN(4); n > 0; n-- {
		var what string
		b, what = m.once(b)
		desc += "+" + what
		if len(b) > 1<<20 {
			b = b[:1<<20]
		}
	}
	return b, desc
}

// pos picks an insertion point, usually an opcode boundary.
func (m *mutator) pos(b []byte) int {
	if ends := opEnds(b); len(ends) > 0 && m.r.IntN(5) != 0 {
		if m.r.IntN(8) == 0 {
			return 0
		}
		return ends[m.r.IntN(len(ends))]
	}
	return m.r.IntN(len(b) + 1)
}

func (m *mutator) once(b []byte) ([]byte, string) {
	switch k := m.r.IntN(20); {
	case k < 2 && len(b) > 0: // flip bits / set a byte
		i := m.r.IntN(len(b))
		if m.r.IntN(2) == 0 {
			b[i] ^= 1 << m.r.IntN(8)
		} else {
			b[i] = byte(m.r.IntN(256))
		}
		return b, "flip"
	case k < 3: // insert random bytes
		ins := make([]byte, 1+m.r.IntN(8))
		for i := range ins {
			ins[i] = byte(m.r.IntN(256))
		}
		return insert(b, m.r.IntN(len(b)+1), ins), "insbytes"
	case k < 4 && len(b) > 1: // delete a range
		i := m.r.IntN(len(b))
		j := min(len(b), i+1+m.r.IntN(8))
		return append(b[:i:i], b[j:]...), "delete"
	case k < 5 && len(b) > 1: // truncate
		return b[:m.r.IntN(len(b))], "truncate"
	case k < 6: // splice with another seed at boundaries
		o := m.seeds[m.r.IntN(len(m.seeds))]
		cut := m.pos(b)
		oe := append([]int{0}, opEnds(o)...)
		from := oe[m.r.IntN(len(oe))]
		return append(bytes.Clone(b[:cut]), o[from:]...), "splice"
	case k < 7: // append another pickle (multi-pickle stream)
		o := m.seeds[m.r.IntN(len(m.seeds))]
		return append(b, o...), "concat"
	case k < 8 && len(b) > 0: // duplicate a chunk
		i := m.r.IntN(len(b))
		j := min(len(b), i+1+m.r.IntN(32))
		return insert(b, m.pos(b), bytes.Clone(b[i:j])), "dup"
	case k < 9: // replace one opcode byte at a boundary
		ends := append([]int{0}, opEnds(b)...)
		i := ends[m.r.IntN(len(ends))]
		if i < len(b) {
			b[i] = byte(allOps[m.r.IntN(len(allOps))])
		}
		return b, "replop"
	default: // insert a plausible snippet
		s, what := m.snippet(b)
		return insert(b, m.pos(b), s), what
	}
}

func insert(b []byte, i int, s []byte) []byte {
	out := make([]byte, 0, len(b)+len(s))
	out = append(out, b[:i]...)
	out = append(out, s...)
	return append(out, b[i:]...)
}

// allOps lists the 68 opcodes.
var allOps = func() []pickle.Opcode {
	var ops []pickle.Opcode
	for i := 0; i < 256; i++ {
		if pickle.Opcode(i).Valid() {
			ops = append(ops, pickle.Opcode(i))
		}
	}
	return ops
}()

// globalVocab is the (module, name) vocabulary of inserted imports: plain,
// _compat_pickle-renamed, dotted (protocol 4 traversal), <locals>, empty
// and odd names.
var globalVocab = [][2]string{
	{"os", "system"}, {"builtins", "getattr"}, {"builtins", "eval"}, {"__builtin__", "eval"},
	{"__builtin__", "xrange"}, {"copy_reg", "_reconstructor"}, {"exceptions", "StandardError"},
	{"UserDict", "UserDict"}, {"numpy", "prod"}, {"numpy", "prod.a"}, {"numpy.prod", "a"},
	{"numpy", "prod.a.b"}, {"os", "path.join"}, {"os.path", "join"}, {"os", "path"},
	{"torch._utils", "_rebuild_tensor_v2"}, {"collections", "OrderedDict"}, {"a", "<locals>.b"},
	{"a", "b.<locals>"}, {"", "x"}, {"m", ""}, {"m", "a..b"}, {"__ext__", "5"}, {"x.y", "z.w"},
	{"pkg", "\u20ac"}, {"numpy", "prod.__dict__"},
}

func (m *mutator) vocab() (string, string) {
	v := globalVocab[m.r.IntN(len(globalVocab))]
	return v[0], v[1]
}

// str pushes s with a random string opcode (sometimes a bytes opcode, which
// STACK_GLOBAL rejects).
func (m *mutator) str(s string) []byte {
	switch m.r.IntN(9) {
	case 0:
		return pk(pickle.BINUNICODE, u32(int64(len(s))), s)
	case 1:
		return pk(pickle.BINUNICODE8, u64(int64(len(s))), s)
	case 2:
		return pk(pickle.UNICODE, s, "\n")
	case 3:
		return pk(pickle.STRING, strconv.Quote(s), "\n")
	case 4:
		return pk(pickle.SHORT_BINSTRING, byte(len(s)), s)
	case 5:
		return pk(pickle.BINSTRING, u32(int64(len(s))), s)
	case 6:
		return pk(pickle.SHORT_BINBYTES, byte(len(s)), s)
	case 7: // through the memo
		return pk(sbu(s), pickle.MEMOIZE, pickle.POP, pickle.BINGET, byte(m.r.IntN(4)))
	}
	return sbu(s)
}

// memoIdx is a small index most of the time, sometimes a sparse one.
func (m *mutator) memoIdx() int64 {
	if m.r.IntN(4) != 0 {
		return int64(m.r.IntN(6))
	}
	sparse := []int64{255, 256, 1000, 65535, 65536, 1 << 20}
	return sparse[m.r.IntN(len(sparse))]
}

// snippet returns a plausible opcode sequence to insert.
func (m *mutator) snippet(b []byte) ([]byte, string) {
	P := pickle.PROTO
	switch m.r.IntN(22) {
	case 0:
		mod, name := m.vocab()
		return pk(pickle.GLOBAL, mod, "\n", name, "\n"), "GLOBAL"
	case 1:
		mod, name := m.vocab()
		return pk(m.str(mod), m.str(name), pickle.STACK_GLOBAL), "STACK_GLOBAL"
	case 2:
		return pk(pickle.MEMOIZE), "MEMOIZE"
	case 3:
		i := m.memoIdx()
		switch m.r.IntN(3) {
		case 0:
			return pk(pickle.PUT, strconv.FormatInt(i, 10), "\n"), "PUT"
		case 1:
			return pk(pickle.BINPUT, byte(i)), "BINPUT"
		}
		return pk(pickle.LONG_BINPUT, u32(i)), "LONG_BINPUT"
	case 4:
		i := m.memoIdx()
		switch m.r.IntN(3) {
		case 0:
			return pk(pickle.GET, strconv.FormatInt(i, 10), "\n"), "GET"
		case 1:
			return pk(pickle.BINGET, byte(i)), "BINGET"
		}
		return pk(pickle.LONG_BINGET, u32(i)), "LONG_BINGET"
	case 5:
		ops := []pickle.Opcode{pickle.MARK, pickle.POP, pickle.POP_MARK, pickle.DUP}
		return pk(ops[m.r.IntN(len(ops))]), "stackop"
	case 6: // BUILD with a dict state that writes an attribute
		_, name := m.vocab()
		st := pk(pickle.EMPTY_DICT, m.str(lastPart(name)), m.str("os"), pickle.SETITEM)
		if m.r.IntN(3) == 0 { // (None, slotstate)
			st = pk(pickle.NONE, st, pickle.TUPLE2)
		}
		return pk(st, pickle.BUILD), "BUILD"
	case 7:
		return pk(pickle.BUILD), "BUILD1"
	case 8:
		if m.r.IntN(2) == 0 {
			return pk(m.str("k"), m.str("v"), pickle.SETITEM), "SETITEM"
		}
		return pk(pickle.MARK, m.str("k"), "K\x01", pickle.SETITEMS), "SETITEMS"
	case 9:
		if m.r.IntN(2) == 0 {
			return pk(pickle.EMPTY_TUPLE, pickle.REDUCE), "REDUCE"
		}
		return pk(pickle.REDUCE), "REDUCE1"
	case 10:
		return pk(pickle.EMPTY_TUPLE, pickle.NEWOBJ), "NEWOBJ"
	case 11:
		return pk(pickle.EMPTY_TUPLE, pickle.EMPTY_DICT, pickle.NEWOBJ_EX), "NEWOBJ_EX"
	case 12:
		mod, name := m.vocab()
		return pk(pickle.MARK, "K\x01", pickle.INST, mod, "\n", name, "\n"), "INST"
	case 13:
		mod, name := m.vocab()
		return pk(pickle.MARK, pickle.GLOBAL, mod, "\n", name, "\n", pickle.OBJ), "OBJ"
	case 14:
		codes := []int64{1, 5, 255, 256, 65535, 65536, 1 << 24, 0x7fffffff, 0, -1}
		c := codes[m.r.IntN(len(codes))]
		switch m.r.IntN(3) {
		case 0:
			return pk(pickle.EXT1, byte(c)), "EXT1"
		case 1:
			return pk(pickle.EXT2, u16(int(c))), "EXT2"
		}
		return pk(pickle.EXT4, u32(c)), "EXT4"
	case 15: // FRAME with the right length to an opcode boundary, or a wrong one
		n := int64(m.r.IntN(16))
		if ends := opEnds(b); len(ends) > 0 && m.r.IntN(2) == 0 {
			n = int64(ends[m.r.IntN(len(ends))] % 64)
		}
		return pk(pickle.FRAME, u64(n)), "FRAME"
	case 16:
		return pk(P, byte(m.r.IntN(7))), "PROTO"
	case 17:
		return pk(pickle.MARK, "K\x01", pickle.APPENDS), "APPENDS"
	case 18:
		return pk("K\x01", pickle.APPEND), "APPEND"
	case 19:
		return pk(pickle.MARK, "K\x01", pickle.ADDITEMS), "ADDITEMS"
	case 20:
		return pk(pickle.BINPERSID), "BINPERSID"
	}
	return pk(allOps[m.r.IntN(len(allOps))]), "op"
}

func lastPart(name string) string {
	if i := bytes.LastIndexByte([]byte(name), '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// TestMutatorSeedsCoverAllOpcodes checks the hand-written seeds use every
// opcode, so mutations start from the whole instruction set.
func TestMutatorSeedsCoverAllOpcodes(t *testing.T) {
	seen := map[pickle.Opcode]bool{}
	for _, s := range handSeeds() {
		pos := 0
		for _, end := range opEnds(s.data) {
			seen[pickle.Opcode(s.data[pos])] = true
			pos = end
		}
	}
	for _, op := range allOps {
		if !seen[op] {
			t.Errorf("no seed uses %v", op)
		}
	}
	if len(allOps) != 68 {
		t.Errorf("allOps has %d opcodes, want 68", len(allOps))
	}
}

// TestMutatorDeterministic checks the same seed gives the same inputs.
func TestMutatorDeterministic(t *testing.T) {
	var seeds [][]byte
	for _, s := range handSeeds() {
		seeds = append(seeds, s.data)
	}
	a, b := newMutator(7, seeds), newMutator(7, seeds)
	for i := 0; i < 200; i++ {
		x, dx := a.next()
		y, dy := b.next()
		if !bytes.Equal(x, y) || dx != dy {
			t.Fatalf("input %d differs between runs with the same seed", i)
		}
	}
}
