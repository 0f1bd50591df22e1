package pickle

// Limits bounds every resource a run may use. The zero value of a field
// means "use the default"; DefaultLimits documents the defaults.
type Limits struct {
	// MaxOps is the number of opcodes executed over the whole stream,
	// across all pickles. Default 64 Mi.
	MaxOps int64
	// MaxStack is the number of values on the stack. Default 1 Mi.
	MaxStack int
	// MaxMarks is the depth of the mark stack (nesting). Default 64 Ki.
	MaxMarks int
	// MaxMemo is the number of memo entries. Default 1 Mi.
	MaxMemo int
	// MaxItems is the number of container items built over the whole run,
	// which bounds memory however the stream shares or repeats values.
	// Default 4 Mi, which keeps the machine under about 256 MiB.
	MaxItems int64
	// MaxValueBytes is how many bytes of one str or bytes constant are kept;
	// the rest is skipped and the value is marked Truncated. Default 1 MiB.
	MaxValueBytes int64
	// MaxLine is the longest text-opcode line accepted. Default 1 MiB.
	MaxLine int
	// MaxFrame is the largest frame the pure-Python dialect buffers (it reads
	// each frame into memory, as pickle.py does). Default 64 MiB.
	MaxFrame int64
	// MaxPickles is the number of back-to-back pickles read from one
	// stream. Default 4096.
	MaxPickles int
	// MaxEvents is the number of imports, calls and mutations recorded.
	// Default 1 Mi (a 50,000-tensor state dict makes about 150,000).
	MaxEvents int
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxOps:        64 << 20,
		MaxStack:      1 << 20,
		MaxMarks:      64 << 10,
		MaxMemo:       1 << 20,
		MaxItems:      4 << 20,
		MaxValueBytes: 1 << 20,
		MaxLine:       1 << 20,
		MaxFrame:      64 << 20,
		MaxPickles:    4096,
		MaxEvents:     1 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxOps <= 0 {
		l.MaxOps = d.MaxOps
	}
	if l.MaxStack <= 0 {
		l.MaxStack = d.MaxStack
	}
	if l.MaxMarks <= 0 {
		l.MaxMarks = d.MaxMarks
	}
	if l.MaxMemo <= 0 {
		l.MaxMemo = d.MaxMemo
	}
	if l.MaxItems <= 0 {
		l.MaxItems = d.MaxItems
	}
	if l.MaxValueBytes <= 0 {
		l.MaxValueBytes = d.MaxValueBytes
	}
	if l.MaxLine <= 0 {
		l.MaxLine = d.MaxLine
	}
	if l.MaxFrame <= 0 {
		l.MaxFrame = d.MaxFrame
	}
	if l.MaxPickles <= 0 {
		l.MaxPickles = d.MaxPickles
	}
	if l.MaxEvents <= 0 {
		l.MaxEvents = d.MaxEvents
	}
	return l
}
