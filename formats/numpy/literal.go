package numpy

import "math"

// The .npy header is a Python literal that numpy parses with
// ast.literal_eval. This file, lexer.go, layout.go and containers.go parse
// the same subset without executing anything: str and bytes literals
// (prefixes, quotes, escapes, implicit concatenation), int, float and
// complex numbers (unary sign, real + imaginary), True, False, None,
// Ellipsis, tuple, list, dict, set and set(). Names, calls, operators and
// f-strings are rejected, as literal_eval rejects them. Layout follows CPython 3.11's tokenizer:
// implicit line joining inside brackets, backslash continuations, comments,
// the 200-bracket nesting limit and the indentation rules at top level.
//
// For format versions 1.0 and 2.0 numpy first runs the header through
// _filter_header, which drops a Python 2 long suffix: a NAME token "L"
// right after a NUMBER token. legacy mode does the same.

// maxNesting is CPython's tokenizer limit on open brackets (MAXLEVEL).
const maxNesting = 200

type valueKind uint8

const (
	kStr valueKind = iota + 1
	kBytes
	kInt
	kFloat
	kComplex
	kBool
	kNone
	kEllipsis
	kTuple
	kList
	kDict
	kSet
)

var kindNames = [...]string{"", "a str", "a bytes", "an int", "a float", "a complex", "a bool", "None", "Ellipsis", "a tuple", "a list", "a dict", "a set"}

// String names the kind with its article, for messages: "an int".
func (k valueKind) String() string { return kindNames[k] }

// node records which AST node a value came from, because literal_eval's
// sign and complex rules depend on it.
type node uint8

const (
	nodeConst node = iota // a constant or a container
	nodeUnary             // +x or -x
	nodeBinOp             // x + yj or x - yj
)

// value is a parsed literal. Positions are byte offsets in the header.
type value struct {
	kind  valueKind
	node  node
	truth bool // kBool
	neg   bool // kInt: negative
	big   bool // kInt: magnitude does not fit in int64
	mag   uint64
	s     string  // kStr (UTF-8), kBytes
	elems []value // tuple, list, set elements; dict keys and values alternating
	pos   int
	end   int
}

// int64 returns an int value that fits in int64.
func (v *value) int64() (int64, bool) {
	if v.kind != kInt || v.big {
		return 0, false
	}
	if v.neg {
		if v.mag > 1<<63 {
			return 0, false
		}
		return int64(-v.mag), true // -(1<<63) wraps to math.MinInt64
	}
	if v.mag > math.MaxInt64 {
		return 0, false
	}
	return int64(v.mag), true
}

type parser struct {
	src    string
	pos    int
	utf8   bool // version 3.0: the text is UTF-8, else latin-1
	legacy bool // versions 1.0 and 2.0: drop Python 2 'L' suffixes
	depth  int
	longs  int // 'L' suffixes dropped
	// stack holds the elements of the containers being parsed; each
	// container copies its own out when it closes, so element slices are
	// allocated at their final size and the stack never copies itself.
	stack valueStack
	// budget is the number of values the parser may still create.
	budget int
	// keyFilter is set until the first dict starts: that dict is the
	// header, and a key other than the three numpy wants rejects the file
	// at once, so nothing after it is parsed or stored.
	keyFilter bool
}

// parseLiteral parses a whole header. The text must be valid UTF-8 when
// utf8Text is set and must not contain NUL bytes.
// With headerKeys, the first dict may only have the keys numpy wants.
func parseLiteral(src string, utf8Text, legacy, headerKeys bool) (value, int, error) {
	p := &parser{src: src, utf8: utf8Text, legacy: legacy, keyFilter: headerKeys}
	p.budget = p.maxValues()
	if err := p.prefix(); err != nil {
		return value{}, 0, err
	}
	v, err := p.expr()
	if err != nil {
		return value{}, 0, err
	}
	if err := p.trailer(); err != nil {
		return value{}, 0, err
	}
	return v, p.longs, nil
}

// bytesPerValue bounds the number of values in a header: numpy writes at
// most one per 4.6 header bytes (a field such as ('a', '<f4') is three
// values in 14 bytes), so a header with more is hand-made and refused as
// ErrUnsupported. This caps the parser's memory at about 40 bytes per
// header byte.
const bytesPerValue = 4

func (p *parser) maxValues() int { return max(len(p.src)/bytesPerValue, 1024) }

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) at(i int) byte {
	if i < len(p.src) {
		return p.src[i]
	}
	return 0
}

// expr parses sign, number, container or string, and the one binary form
// literal_eval accepts: real +/- imaginary.
func (p *parser) expr() (value, error) {
	left, err := p.unary()
	if err != nil {
		return value{}, err
	}
	if err := p.space(); err != nil {
		return value{}, err
	}
	c := p.peek()
	if c != '+' && c != '-' {
		return left, nil
	}
	opPos := p.pos
	p.pos++
	if err := p.space(); err != nil {
		return value{}, err
	}
	right, err := p.unary()
	if err != nil {
		return value{}, err
	}
	if (left.kind != kInt && left.kind != kFloat) || left.node == nodeBinOp ||
		right.kind != kComplex || right.node != nodeConst {
		return value{}, errAt(opPos, invalidf("binary %q is not a literal (only real %c imaginary is)", c, c))
	}
	if err := p.space(); err != nil {
		return value{}, err
	}
	if c := p.peek(); c == '+' || c == '-' {
		return value{}, errAt(p.pos, invalidf("chained %q is not a literal", c))
	}
	return value{kind: kComplex, node: nodeBinOp, pos: left.pos, end: right.end}, nil
}

// unary parses an optional sign applied to a numeric constant.
func (p *parser) unary() (value, error) {
	c := p.peek()
	if c != '+' && c != '-' {
		return p.atom()
	}
	opPos := p.pos
	p.pos++
	if err := p.space(); err != nil {
		return value{}, err
	}
	if c2 := p.peek(); c2 == '+' || c2 == '-' {
		return value{}, errAt(p.pos, invalidf("repeated sign is not a literal"))
	}
	v, err := p.atom()
	if err != nil {
		return value{}, err
	}
	if v.node != nodeConst || (v.kind != kInt && v.kind != kFloat && v.kind != kComplex) {
		return value{}, errAt(opPos, invalidf("sign applied to %s is not a literal", v.kind))
	}
	v.node, v.pos = nodeUnary, opPos
	if c == '-' && v.kind == kInt {
		v.neg = !v.neg && v.mag != 0
	}
	return v, nil
}

func (p *parser) atom() (value, error) {
	if p.budget--; p.budget < 0 {
		return value{}, errAt(p.pos, unsupportedf("header holds more than %d values (more than one per %d header bytes)", p.maxValues(), bytesPerValue))
	}
	c := p.peek()
	switch {
	case p.pos >= len(p.src):
		return value{}, errAt(p.pos, invalidf("unexpected end of header"))
	case c == '(' || c == '[' || c == '{':
		return p.container()
	case c == '\'' || c == '"':
		return p.strings()
	case isDigit(c) || (c == '.' && isDigit(p.at(p.pos+1))):
		return p.number()
	case c == '.' && p.at(p.pos+1) == '.' && p.at(p.pos+2) == '.':
		p.pos += 3
		return value{kind: kEllipsis, pos: p.pos - 3, end: p.pos}, nil
	case isNameStart(c):
		return p.name()
	}
	return value{}, errAt(p.pos, invalidf("unexpected %s", p.describe(p.pos)))
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

// isWord reports whether c continues a Python name (non-ASCII bytes are
// counted as name characters, which only matters for rejecting input).
func isWord(c byte) bool { return isNameStart(c) || isDigit(c) || c >= 0x80 }

// name parses True, False, None, set() and string prefixes; every other
// name is rejected, as literal_eval rejects Name nodes.
func (p *parser) name() (value, error) {
	start := p.pos
	for p.pos < len(p.src) && (isNameStart(p.src[p.pos]) || isDigit(p.src[p.pos])) {
		p.pos++
	}
	word := p.src[start:p.pos]
	if q := p.peek(); q == '\'' || q == '"' {
		p.pos = start
		return p.strings()
	}
	if p.pos < len(p.src) && p.src[p.pos] >= 0x80 {
		return value{}, errAt(start, invalidf("name %q... is not a literal", word))
	}
	switch word {
	case "True", "False":
		return value{kind: kBool, truth: word == "True", pos: start, end: p.pos}, nil
	case "None":
		return value{kind: kNone, pos: start, end: p.pos}, nil
	case "set":
		return p.emptySet(start)
	}
	return value{}, errAt(start, invalidf("name %q is not a literal (ast.literal_eval evaluates no names)", word))
}

// emptySet parses the rest of "set()", the one call literal_eval allows.
func (p *parser) emptySet(start int) (value, error) {
	if err := p.space(); err != nil {
		return value{}, err
	}
	if p.peek() != '(' {
		return value{}, errAt(start, invalidf("name \"set\" is not a literal"))
	}
	p.pos++
	p.depth++
	if err := p.space(); err != nil {
		return value{}, err
	}
	p.depth--
	if p.peek() != ')' {
		return value{}, errAt(start, invalidf("call set(...) with arguments is not a literal"))
	}
	p.pos++
	return value{kind: kSet, pos: start, end: p.pos, elems: []value{}}, nil
}
