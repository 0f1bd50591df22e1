package pickle

import (
	"math"
	"math/big"
)

// Opcodes that push constants: numbers, strings, bytes.

func (m *machine) py() bool { return m.opts.Dialect == DialectPython }

// line reads a text argument and strips its last byte (the newline, or, in
// the Python dialect at end of file, the last real character). The C
// dialect rejects lines shorter than two bytes where _pickle.c does.
func (m *machine) line() ([]byte, error) {
	l, err := m.r.readLine()
	if err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return l, nil
	}
	return l[:len(l)-1], nil
}

// cLine is line() for opcodes where _pickle.c requires len >= 2.
func (m *machine) cLine() ([]byte, error) {
	l, err := m.r.readLine()
	if err != nil {
		return nil, err
	}
	if !m.py() && len(l) < 2 {
		return nil, m.fail(ErrTruncated, "pickle data was truncated (empty line)")
	}
	if len(l) == 0 {
		return l, nil
	}
	return l[:len(l)-1], nil
}

func (m *machine) opInt() error {
	l, err := m.cLine()
	if err != nil {
		return err
	}
	if m.py() {
		switch string(l) {
		case "00":
			return m.push(Bool(false))
		case "01":
			return m.push(Bool(true))
		}
		v, ok := pyIntLiteral(string(l), 0)
		if !ok {
			return m.fail(ErrInvalid, "invalid literal for int() with base 0: %q", l)
		}
		return m.push(v)
	}
	full := append(l, '\n')
	if x, ok := cStrtol(beforeNUL(full)); ok {
		if len(full) == 3 && (x == 0 || x == 1) {
			return m.push(Bool(x == 1))
		}
		return m.push(Int{Small: x})
	}
	v, ok := pyIntLiteral(string(beforeNUL(l)), 0)
	if !ok {
		return m.fail(ErrInvalid, "invalid literal for int() with base 0: %q", l)
	}
	return m.push(v)
}

func (m *machine) opLong() error {
	l, err := m.cLine()
	if err != nil {
		return err
	}
	if !m.py() {
		l = beforeNUL(l)
	}
	if len(l) > 0 && l[len(l)-1] == 'L' {
		l = l[:len(l)-1]
	}
	v, ok := pyIntLiteral(string(l), 0)
	if !ok {
		return m.fail(ErrInvalid, "invalid literal for int() with base 0: %q", l)
	}
	return m.push(v)
}

func (m *machine) opLongBin(op Opcode) error {
	var n int64
	if op == LONG1 {
		b, err := m.r.read(1)
		if err != nil {
			return err
		}
		n = int64(b[0])
	} else {
		b, err := m.r.read(4)
		if err != nil {
			return err
		}
		n = int64(int32(le32(b)))
		if n < 0 {
			return m.fail(ErrInvalid, "LONG pickle has negative byte count")
		}
	}
	bl, err := m.r.readBlob(n, false)
	if err != nil {
		return err
	}
	if int64(len(bl.data)) < n || n > 4096 {
		return m.push(Int{Big: big.NewInt(0)}) // value too large to keep; irrelevant to imports
	}
	return m.push(decodeLong(bl.data))
}

// decodeLong decodes a little-endian two's-complement integer.
func decodeLong(b []byte) Int {
	if len(b) == 0 {
		return Int{}
	}
	be := make([]byte, len(b))
	for i, c := range b {
		be[len(b)-1-i] = c
	}
	v := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return bigToInt(v)
}

func (m *machine) opString() error {
	l, err := m.cLine()
	if err != nil {
		return err
	}
	if len(l) < 2 || l[0] != l[len(l)-1] || (l[0] != '\'' && l[0] != '"') {
		return m.fail(ErrInvalid, "the STRING opcode argument must be quoted")
	}
	b, err := escapeDecode(l[1 : len(l)-1])
	if err != nil {
		return m.fail(ErrInvalid, "%v", err)
	}
	return m.pushPy2String(b, int64(len(b)), false)
}

// pushPy2String pushes a protocol 0-2 str, decoded with the unpickler's
// default encoding (ASCII). Non-ASCII bytes make pickle.load fail, but
// loaders with another encoding (torch uses utf-8, numpy latin1) accept
// them, so the machine records an anomaly and keeps going.
func (m *machine) pushPy2String(b []byte, n int64, truncated bool) error {
	if !isASCII(b) {
		m.anomaly(AnomalyStringDecode, m.curOff, "non-ASCII bytes in a protocol 0-2 string: pickle.load fails, loaders with encoding='latin1' or 'utf-8' do not")
	}
	return m.push(Str{S: string(b), Len: n, Truncated: truncated})
}

func (m *machine) lenArg(op Opcode) (int64, error) {
	switch op.Info().Arg {
	case ArgLen1:
		b, err := m.r.read(1)
		if err != nil {
			return 0, err
		}
		return int64(b[0]), nil
	case ArgLen4:
		b, err := m.r.read(4)
		if err != nil {
			return 0, err
		}
		if op == BINSTRING && m.py() {
			n := int64(int32(le32(b)))
			if n < 0 {
				return 0, m.fail(ErrInvalid, "BINSTRING pickle has negative byte count")
			}
			return n, nil
		}
		return int64(le32(b)), nil
	case ArgLen8:
		b, err := m.r.read(8)
		if err != nil {
			return 0, err
		}
		u := le64(b)
		if u > math.MaxInt64 {
			return 0, m.fail(ErrInvalid, "%s exceeds system's maximum size of %d bytes", op, int64(math.MaxInt64))
		}
		return int64(u), nil
	}
	return 0, m.fail(ErrInvalid, "bad argument kind")
}

func (m *machine) opBinString(op Opcode) error {
	n, err := m.lenArg(op)
	if err != nil {
		return err
	}
	bl, err := m.r.readBlob(n, false)
	if err != nil {
		return err
	}
	return m.pushPy2String(bl.data, n, int64(len(bl.data)) < n)
}

func (m *machine) opBinUnicode(op Opcode) error {
	n, err := m.lenArg(op)
	if err != nil {
		return err
	}
	bl, err := m.r.readBlob(n, false)
	if err != nil {
		return err
	}
	trunc := int64(len(bl.data)) < n
	if trunc {
		if err := m.validateTail(bl); err != nil {
			return err
		}
		s, _ := utf8Surrogatepass(trimPartialRune(bl.data))
		return m.push(Str{S: s, Len: n, Truncated: true})
	}
	s, ok := utf8Surrogatepass(bl.data)
	if !ok {
		return m.fail(ErrInvalid, "'utf-8' codec can't decode %s argument", op)
	}
	return m.push(Str{S: s, Len: n})
}

// validateTail checks that a long string argument is valid UTF-8 by
// reading it in chunks, never holding more than one chunk.
func (m *machine) validateTail(bl blob) error {
	if bl.off < 0 {
		return nil
	}
	var carry []byte
	for off := bl.off; off < bl.off+bl.n; {
		n := min(int64(cacheSize), bl.off+bl.n-off)
		chunk, err := m.r.in.peek(off, int(n))
		if err != nil {
			return err
		}
		buf := append(carry, chunk...)
		last := off+n >= bl.off+bl.n
		body := buf
		if !last {
			body = trimPartialRune(buf)
		}
		if _, ok := utf8Surrogatepass(body); !ok {
			return m.fail(ErrInvalid, "'utf-8' codec can't decode %s argument", m.curOp)
		}
		carry = append([]byte(nil), buf[len(body):]...)
		off += n
	}
	return nil
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if c >= 0xC0 {
			need := 2
			if c >= 0xF0 {
				need = 4
			} else if c >= 0xE0 {
				need = 3
			}
			if i < need {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

func (m *machine) opBinBytes(op Opcode) error {
	n, err := m.lenArg(op)
	if err != nil {
		return err
	}
	bl, err := m.r.readBlob(n, true)
	if err != nil {
		return err
	}
	return m.push(Bytes{B: bl.data, Len: n, Truncated: int64(len(bl.data)) < n, Mutable: op == BYTEARRAY8, Offset: bl.off})
}
