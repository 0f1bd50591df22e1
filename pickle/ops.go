package pickle

import "fmt"

// Opcode is one pickle opcode byte.
type Opcode byte

// The 68 opcodes of pickle protocols 0 to 5, as defined in CPython's
// Lib/pickle.py.
const (
	MARK            Opcode = '('
	STOP            Opcode = '.'
	POP             Opcode = '0'
	POP_MARK        Opcode = '1'
	DUP             Opcode = '2'
	FLOAT           Opcode = 'F'
	INT             Opcode = 'I'
	BININT          Opcode = 'J'
	BININT1         Opcode = 'K'
	LONG            Opcode = 'L'
	BININT2         Opcode = 'M'
	NONE            Opcode = 'N'
	PERSID          Opcode = 'P'
	BINPERSID       Opcode = 'Q'
	REDUCE          Opcode = 'R'
	STRING          Opcode = 'S'
	BINSTRING       Opcode = 'T'
	SHORT_BINSTRING Opcode = 'U'
	UNICODE         Opcode = 'V'
	BINUNICODE      Opcode = 'X'
	APPEND          Opcode = 'a'
	BUILD           Opcode = 'b'
	GLOBAL          Opcode = 'c'
	DICT            Opcode = 'd'
	EMPTY_DICT      Opcode = '}'
	APPENDS         Opcode = 'e'
	GET             Opcode = 'g'
	BINGET          Opcode = 'h'
	INST            Opcode = 'i'
	LONG_BINGET     Opcode = 'j'
	LIST            Opcode = 'l'
	EMPTY_LIST      Opcode = ']'
	OBJ             Opcode = 'o'
	PUT             Opcode = 'p'
	BINPUT          Opcode = 'q'
	LONG_BINPUT     Opcode = 'r'
	SETITEM         Opcode = 's'
	TUPLE           Opcode = 't'
	EMPTY_TUPLE     Opcode = ')'
	SETITEMS        Opcode = 'u'
	BINFLOAT        Opcode = 'G'

	PROTO    Opcode = 0x80
	NEWOBJ   Opcode = 0x81
	EXT1     Opcode = 0x82
	EXT2     Opcode = 0x83
	EXT4     Opcode = 0x84
	TUPLE1   Opcode = 0x85
	TUPLE2   Opcode = 0x86
	TUPLE3   Opcode = 0x87
	NEWTRUE  Opcode = 0x88
	NEWFALSE Opcode = 0x89
	LONG1    Opcode = 0x8a
	LONG4    Opcode = 0x8b

	BINBYTES       Opcode = 'B'
	SHORT_BINBYTES Opcode = 'C'

	SHORT_BINUNICODE Opcode = 0x8c
	BINUNICODE8      Opcode = 0x8d
	BINBYTES8        Opcode = 0x8e
	EMPTY_SET        Opcode = 0x8f
	ADDITEMS         Opcode = 0x90
	FROZENSET        Opcode = 0x91
	NEWOBJ_EX        Opcode = 0x92
	STACK_GLOBAL     Opcode = 0x93
	MEMOIZE          Opcode = 0x94
	FRAME            Opcode = 0x95

	BYTEARRAY8      Opcode = 0x96
	NEXT_BUFFER     Opcode = 0x97
	READONLY_BUFFER Opcode = 0x98
)

// ArgKind says how an opcode's argument is encoded after the opcode byte.
type ArgKind uint8

// Argument encodings.
const (
	ArgNone       ArgKind = iota // no argument
	ArgLine                      // bytes up to and including '\n'
	ArgTwoLines                  // two '\n'-terminated lines (module, name)
	ArgU1                        // 1-byte unsigned
	ArgU2                        // 2-byte unsigned little-endian
	ArgI4                        // 4-byte signed little-endian
	ArgU4                        // 4-byte unsigned little-endian
	ArgU8                        // 8-byte unsigned little-endian
	ArgF8                        // 8-byte big-endian IEEE-754 double
	ArgLen1                      // 1-byte length, then that many bytes
	ArgLen4                      // 4-byte unsigned length, then that many bytes
	ArgLen4Signed                // 4-byte signed length, then that many bytes
	ArgLen8                      // 8-byte length, then that many bytes
)

// OpInfo describes one opcode.
type OpInfo struct {
	Name  string
	Proto int // protocol that introduced the opcode
	Arg   ArgKind
}

var opTable [256]*OpInfo

func def(op Opcode, name string, proto int, arg ArgKind) {
	opTable[op] = &OpInfo{Name: name, Proto: proto, Arg: arg}
}

func init() {
	def(MARK, "MARK", 0, ArgNone)
	def(STOP, "STOP", 0, ArgNone)
	def(POP, "POP", 0, ArgNone)
	def(POP_MARK, "POP_MARK", 1, ArgNone)
	def(DUP, "DUP", 0, ArgNone)
	def(FLOAT, "FLOAT", 0, ArgLine)
	def(INT, "INT", 0, ArgLine)
	def(BININT, "BININT", 1, ArgI4)
	def(BININT1, "BININT1", 1, ArgU1)
	def(LONG, "LONG", 0, ArgLine)
	def(BININT2, "BININT2", 1, ArgU2)
	def(NONE, "NONE", 0, ArgNone)
	def(PERSID, "PERSID", 0, ArgLine)
	def(BINPERSID, "BINPERSID", 1, ArgNone)
	def(REDUCE, "REDUCE", 0, ArgNone)
	def(STRING, "STRING", 0, ArgLine)
	def(BINSTRING, "BINSTRING", 1, ArgLen4) // unsigned in the C unpickler
	def(SHORT_BINSTRING, "SHORT_BINSTRING", 1, ArgLen1)
	def(UNICODE, "UNICODE", 0, ArgLine)
	def(BINUNICODE, "BINUNICODE", 1, ArgLen4)
	def(APPEND, "APPEND", 0, ArgNone)
	def(BUILD, "BUILD", 0, ArgNone)
	def(GLOBAL, "GLOBAL", 0, ArgTwoLines)
	def(DICT, "DICT", 0, ArgNone)
	def(EMPTY_DICT, "EMPTY_DICT", 1, ArgNone)
	def(APPENDS, "APPENDS", 1, ArgNone)
	def(GET, "GET", 0, ArgLine)
	def(BINGET, "BINGET", 1, ArgU1)
	def(INST, "INST", 0, ArgTwoLines)
	def(LONG_BINGET, "LONG_BINGET", 1, ArgU4)
	def(LIST, "LIST", 0, ArgNone)
	def(EMPTY_LIST, "EMPTY_LIST", 1, ArgNone)
	def(OBJ, "OBJ", 1, ArgNone)
	def(PUT, "PUT", 0, ArgLine)
	def(BINPUT, "BINPUT", 1, ArgU1)
	def(LONG_BINPUT, "LONG_BINPUT", 1, ArgU4)
	def(SETITEM, "SETITEM", 0, ArgNone)
	def(TUPLE, "TUPLE", 0, ArgNone)
	def(EMPTY_TUPLE, "EMPTY_TUPLE", 1, ArgNone)
	def(SETITEMS, "SETITEMS", 1, ArgNone)
	def(BINFLOAT, "BINFLOAT", 1, ArgF8)
	def(PROTO, "PROTO", 2, ArgU1)
	def(NEWOBJ, "NEWOBJ", 2, ArgNone)
	def(EXT1, "EXT1", 2, ArgU1)
	def(EXT2, "EXT2", 2, ArgU2)
	def(EXT4, "EXT4", 2, ArgI4)
	def(TUPLE1, "TUPLE1", 2, ArgNone)
	def(TUPLE2, "TUPLE2", 2, ArgNone)
	def(TUPLE3, "TUPLE3", 2, ArgNone)
	def(NEWTRUE, "NEWTRUE", 2, ArgNone)
	def(NEWFALSE, "NEWFALSE", 2, ArgNone)
	def(LONG1, "LONG1", 2, ArgLen1)
	def(LONG4, "LONG4", 2, ArgLen4Signed)
	def(BINBYTES, "BINBYTES", 3, ArgLen4)
	def(SHORT_BINBYTES, "SHORT_BINBYTES", 3, ArgLen1)
	def(SHORT_BINUNICODE, "SHORT_BINUNICODE", 4, ArgLen1)
	def(BINUNICODE8, "BINUNICODE8", 4, ArgLen8)
	def(BINBYTES8, "BINBYTES8", 4, ArgLen8)
	def(EMPTY_SET, "EMPTY_SET", 4, ArgNone)
	def(ADDITEMS, "ADDITEMS", 4, ArgNone)
	def(FROZENSET, "FROZENSET", 4, ArgNone)
	def(NEWOBJ_EX, "NEWOBJ_EX", 4, ArgNone)
	def(STACK_GLOBAL, "STACK_GLOBAL", 4, ArgNone)
	def(MEMOIZE, "MEMOIZE", 4, ArgNone)
	def(FRAME, "FRAME", 4, ArgU8)
	def(BYTEARRAY8, "BYTEARRAY8", 5, ArgLen8)
	def(NEXT_BUFFER, "NEXT_BUFFER", 5, ArgNone)
	def(READONLY_BUFFER, "READONLY_BUFFER", 5, ArgNone)
}

// Info returns the description of op, or nil if op is not a pickle opcode.
func (op Opcode) Info() *OpInfo { return opTable[op] }

// Valid reports whether op is one of the 68 pickle opcodes.
func (op Opcode) Valid() bool { return opTable[op] != nil }

// String returns the opcode's name, or a hex form for invalid bytes.
func (op Opcode) String() string {
	if i := opTable[op]; i != nil {
		return i.Name
	}
	return fmt.Sprintf("invalid(0x%02x)", byte(op))
}

// HighestProtocol is the highest pickle protocol CPython understands.
const HighestProtocol = 5
