// Package numpy reads the header of NumPy .npy files the way numpy.load
// (numpy 1.24) reads it, without running anything, so that a scanner
// knows what numpy will do with a file: read raw array data, or unpickle
// the data section (object arrays).
//
// ReadHeader returns the dtype, shape, data offset and size, or a
// *FormatError saying where and why numpy.load rejects the file
// (ErrInvalid) or why this package cannot tell (ErrUnsupported). A file
// that ReadHeader accepts is one numpy.load accepts, with the same dtype,
// shape and data size. The tests check this against numpy 1.24 on about 100
// real and hand-made files and 2100 generated headers (testdata/gen.py);
// diff_test.go and testdata/diff.py compare randomly mutated headers with
// numpy.load on demand.
//
// # What numpy.load does, and what is matched
//
// The header is a Python dict literal evaluated by ast.literal_eval. This
// package parses the same literal subset (literal.go, lexer.go, layout.go,
// containers.go) and never evaluates names or calls. Versions 1.0 and 2.0
// are latin-1 and first go through numpy's _filter_header, which deletes
// Python 2 'L' suffixes after numbers; version 3.0 is UTF-8 and is not
// filtered. The dict must have exactly the keys 'descr', 'fortran_order'
// and 'shape'; a repeated key keeps its last value (reported in
// Header.DuplicateKeys). The layout around the dict follows CPython's
// tokenizer (comments, blank lines, continuations, no indented first
// line) and, for versions 1.0 and 2.0, the tokenize round trip numpy's
// filter makes.
//
// The descr is converted as numpy's descr_to_dtype and numpy.dtype do,
// including forms numpy's writer never emits but numpy.load accepts:
//
//   - dtype strings with byte order, kind and size ('<f4', '|S5', '<U10',
//     '<M8[ns]', '|O'), single type codes ('d', 'O'), numpy type names
//     ('float32', 'object'), and control characters that numpy reads as
//     type numbers: descr '\x11' is the object dtype;
//   - (dtype, n) for item sizes ('S', 3) and (dtype, shape) subarrays;
//   - structured lists of (name, dtype[, shape]) and (title, name) pairs,
//     where void fields with an empty name are padding that numpy drops: a padding
//     field of object subarrays therefore does not make an object array.
//
// Header.Object follows numpy's dtype.hasobject. For object arrays the
// data section is a pickle that numpy.load(allow_pickle=True) unpickles;
// DataBytes is -1 and the pickle machine must take it from DataOffset.
//
// numpy.load reads non-object data with numpy.fromfile(count=prod(shape))
// and then reshapes. Consequences matched here: a single negative
// dimension is accepted and inferred from the file size
// (Header.InferredDim); data shorter than declared is rejected; bytes
// after the data are ignored (Header.Trailing); overflowing shapes are
// rejected the way numpy's reshape rejects them.
//
// # What is not modelled
//
// ErrUnsupported is returned, and the file must be treated as unscannable,
// for: comma-separated and repeat-count dtype strings ('i4,f8', '2f4'),
// dtype sizes written with a sign or space ('f+4'), sizes past a C int
// that numpy 1.24 wraps, datetime units with divisors or signs, \N{...}
// escapes, surrogate escapes, descrs or fields given as dicts or sets,
// (dtype, x) where numpy would try x as a dtype, and a few top-level
// layouts where numpy's version 1.0 tokenize round trip differs from
// Python's parser. Platform-dependent type codes ('l', 'g', 'int') are
// sized as on x86-64 Linux. numpy.load with mmap_mode, and .npz members
// (read from a stream, where negative dimensions fail), differ slightly;
// see Header.InferredDim.
//
// # Memory
//
// The header is read only after its length has been checked against the
// input size and Limits.MaxHeader; nothing else is sized by the input.
// Item sizes and shapes are checked with overflow-safe arithmetic against
// the bytes actually present, so a '|S2000000000' dtype in a small file is
// an error, not an allocation. Parsing stops at the first header key numpy
// would refuse, and a header with more than one literal value per four
// bytes (numpy writes at most one per 4.6) is refused as ErrUnsupported, so
// parsing takes at most about 25 bytes of memory per header byte.
package numpy
