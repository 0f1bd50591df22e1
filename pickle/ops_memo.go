package pickle

// Memo opcodes: PUT, BINPUT, LONG_BINPUT, MEMOIZE, GET, BINGET, LONG_BINGET.

func (m *machine) memoIndex(op Opcode) (int64, error) {
	switch op {
	case BINGET, BINPUT:
		b, err := m.r.read(1)
		if err != nil {
			return 0, err
		}
		return int64(b[0]), nil
	case LONG_BINGET, LONG_BINPUT:
		b, err := m.r.read(4)
		if err != nil {
			return 0, err
		}
		return int64(le32(b)), nil
	}
	l, err := m.cLine()
	if err != nil {
		return 0, err
	}
	if !m.py() {
		l = beforeNUL(l)
	}
	v, ok := pyIntLiteral(string(l), 10)
	if !ok {
		return 0, m.fail(ErrInvalid, "invalid literal for int() with base 10: %q", l)
	}
	if v.Big != nil {
		return 0, m.fail(ErrInvalid, "Python int too large to convert to C ssize_t")
	}
	return v.Small, nil
}

func (m *machine) opGet(op Opcode) error {
	i, err := m.memoIndex(op)
	if err != nil {
		return err
	}
	v, ok := m.memo[i]
	if !ok {
		return m.fail(ErrInvalid, "Memo value not found at index %d", i)
	}
	return m.push(v)
}

func (m *machine) opPut(op Opcode) error {
	var i int64
	var err error
	if op == PUT && !m.py() {
		// _pickle.c reads the line, then checks the stack, then parses.
		l, err := m.cLine()
		if err != nil {
			return err
		}
		v, err := m.top()
		if err != nil {
			return err
		}
		n, ok := pyIntLiteral(string(beforeNUL(l)), 10)
		if !ok {
			return m.fail(ErrInvalid, "invalid literal for int() with base 10: %q", l)
		}
		if n.Big != nil {
			return m.fail(ErrInvalid, "Python int too large to convert to C ssize_t")
		}
		if n.Small < 0 {
			return m.fail(ErrInvalid, "negative PUT argument")
		}
		return m.memoPut(n.Small, v)
	}
	i, err = m.memoIndex(op)
	if err != nil {
		return err
	}
	if i < 0 {
		return m.fail(ErrInvalid, "negative PUT argument")
	}
	v, err := m.top()
	if err != nil {
		return err
	}
	return m.memoPut(i, v)
}

func (m *machine) memoPut(i int64, v Value) error {
	if _, ok := m.memo[i]; !ok && len(m.memo) >= m.lim.MaxMemo {
		return m.fail(ErrLimit, "more than %d memo entries (MaxMemo)", m.lim.MaxMemo)
	}
	m.memo[i] = v
	return nil
}
