package numpy

// container parses (...), [...] and {...}.
func (p *parser) container() (value, error) {
	start := p.pos
	open := p.src[p.pos]
	p.pos++
	p.depth++
	if p.depth > maxNesting {
		return value{}, errAt(start, invalidf("more than %d nested brackets (Python: too many nested parentheses)", maxNesting))
	}
	var v value
	var err error
	switch open {
	case '(':
		v, err = p.tuple(start)
	case '[':
		v, err = p.rest(start, kList, ']')
	default:
		v, err = p.braces(start)
	}
	p.depth--
	return v, err
}

func (p *parser) tuple(start int) (value, error) {
	if err := p.space(); err != nil {
		return value{}, err
	}
	if p.peek() == ')' {
		p.pos++
		return value{kind: kTuple, pos: start, end: p.pos, elems: []value{}}, nil
	}
	first, err := p.expr()
	if err != nil {
		return value{}, err
	}
	if err := p.space(); err != nil {
		return value{}, err
	}
	switch p.peek() {
	case ')': // parentheses only group
		p.pos++
		return first, nil
	case ',':
		p.pos++
		return p.rest(start, kTuple, ')', first)
	}
	return value{}, errAt(p.pos, invalidf("expected ',' or ')', found %s", p.describe(p.pos)))
}

// rest parses comma-separated elements up to closer; a trailing comma is
// allowed. first holds an element already parsed.
func (p *parser) rest(start int, kind valueKind, closer byte, first ...value) (value, error) {
	base := p.stack.n
	defer p.stack.truncate(base)
	for _, v := range first {
		p.stack.push(v)
	}
	for {
		if err := p.space(); err != nil {
			return value{}, err
		}
		if p.peek() == closer {
			p.pos++
			return value{kind: kind, pos: start, end: p.pos, elems: p.stack.collect(base)}, nil
		}
		v, err := p.expr()
		if err != nil {
			return value{}, err
		}
		p.stack.push(v)
		if err := p.space(); err != nil {
			return value{}, err
		}
		switch p.peek() {
		case ',':
			p.pos++
		case closer:
		default:
			return value{}, errAt(p.pos, invalidf("expected ',' or '%c', found %s", closer, p.describe(p.pos)))
		}
	}
}

// braces parses a dict or a set.
func (p *parser) braces(start int) (value, error) {
	filter := p.keyFilter
	p.keyFilter = false
	if err := p.space(); err != nil {
		return value{}, err
	}
	if p.peek() == '}' {
		p.pos++
		return value{kind: kDict, pos: start, end: p.pos, elems: []value{}}, nil
	}
	first, err := p.expr()
	if err != nil {
		return value{}, err
	}
	if err := p.space(); err != nil {
		return value{}, err
	}
	switch p.peek() {
	case ',':
		p.pos++
		return p.rest(start, kSet, '}', first)
	case '}':
		return p.rest(start, kSet, '}', first)
	case ':':
		return p.dict(start, first, filter)
	}
	return value{}, errAt(p.pos, invalidf("expected ',', ':' or '}', found %s", p.describe(p.pos)))
}

// dict parses the rest of a dict after its first key.
func (p *parser) dict(start int, key value, filter bool) (value, error) {
	base := p.stack.n
	defer p.stack.truncate(base)
	for {
		if filter && (key.kind != kStr || !contains(expectedKeys, key.s)) {
			return value{}, errAt(key.pos, invalidf("unexpected header key %s; numpy wants exactly 'descr', 'fortran_order', 'shape'", p.src[key.pos:key.end]))
		}
		p.pos++ // ':'
		if err := p.space(); err != nil {
			return value{}, err
		}
		v, err := p.expr()
		if err != nil {
			return value{}, err
		}
		p.stack.push(key)
		p.stack.push(v)
		if err := p.space(); err != nil {
			return value{}, err
		}
		switch p.peek() {
		case '}':
			p.pos++
			return value{kind: kDict, pos: start, end: p.pos, elems: p.stack.collect(base)}, nil
		case ',':
			p.pos++
		default:
			return value{}, errAt(p.pos, invalidf("expected ',' or '}' in dict, found %s", p.describe(p.pos)))
		}
		if err := p.space(); err != nil {
			return value{}, err
		}
		if p.peek() == '}' {
			p.pos++
			return value{kind: kDict, pos: start, end: p.pos, elems: p.stack.collect(base)}, nil
		}
		if key, err = p.expr(); err != nil {
			return value{}, err
		}
		if err := p.space(); err != nil {
			return value{}, err
		}
		if p.peek() != ':' {
			return value{}, errAt(p.pos, invalidf("expected ':' in dict, found %s", p.describe(p.pos)))
		}
	}
}

// stackChunk is the number of values in one chunk of a valueStack.
const stackChunk = 32

// valueStack is a stack of values in fixed-size chunks, so pushing never
// copies what is already there.
type valueStack struct {
	chunks [][]value
	n      int
}

func (s *valueStack) push(v value) {
	c := s.n / stackChunk
	if c == len(s.chunks) {
		s.chunks = append(s.chunks, make([]value, stackChunk))
	}
	s.chunks[c][s.n%stackChunk] = v
	s.n++
}

// collect copies the values from base to the top into a new slice.
func (s *valueStack) collect(base int) []value {
	out := make([]value, 0, s.n-base)
	for i := base; i < s.n; {
		c, o := i/stackChunk, i%stackChunk
		k := min(stackChunk-o, s.n-i)
		out = append(out, s.chunks[c][o:o+k]...)
		i += k
	}
	return out
}

// truncate drops the values above base, clearing them for the GC.
func (s *valueStack) truncate(base int) {
	for i := base; i < s.n; i++ {
		s.chunks[i/stackChunk][i%stackChunk] = value{}
	}
	s.n = base
}
