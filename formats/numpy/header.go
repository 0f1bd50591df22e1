package numpy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// Magic is the prefix of every .npy file; numpy.load reads a file as .npy
// when it starts with these six bytes.
const Magic = "\x93NUMPY"

// DefaultMaxHeader is the default Limits.MaxHeader: 1 MiB.
const DefaultMaxHeader = 1 << 20

// NumpyMaxHeaderChars is numpy.load's default max_header_size: headers of
// more characters are refused unless allow_pickle=True, which lifts the
// limit.
const NumpyMaxHeaderChars = 10000

// Limits bounds the work ReadHeader does on one file.
type Limits struct {
	// MaxHeader is the largest header, in bytes, that ReadHeader reads and
	// parses; bigger headers fail with ErrHeaderTooLarge. Zero means
	// DefaultMaxHeader (1 MiB). Negative removes the limit; the header is
	// then bounded by its 32-bit length field and the input size.
	//
	// numpy.load itself refuses headers over 10000 characters unless
	// allow_pickle=True, and then parses any size, so a file can be
	// loadable and still exceed MaxHeader. 1 MiB is 100 times numpy's
	// default and holds a structured dtype of about 40000 fields; parsing
	// takes at most about 25 bytes of memory per header byte.
	MaxHeader int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxHeader == 0 {
		l.MaxHeader = DefaultMaxHeader
	}
	return l
}

// Header is what numpy.load learns from an .npy file's header, plus where
// the data lies and the anomalies a scanner may want to flag.
type Header struct {
	// Major and Minor are the format version: 1.0, 2.0 or 3.0.
	Major, Minor int
	// Descr is the array's dtype.
	Descr Descr
	// Fortran is the header's fortran_order.
	Fortran bool
	// Shape is the shape numpy.load gives the array. When the header has
	// a negative dimension numpy infers it from the file size, and Shape
	// holds the inferred value (see InferredDim). For object arrays it is
	// the header's shape as written: numpy ignores it and unpickles.
	Shape []int64
	// InferredDim is the index of the dimension numpy.load infers from
	// the data size because the header gives a negative value there, or
	// -1. numpy.load on a file path or real file accepts this; loading
	// the same bytes from an .npz member, a BytesIO or with mmap_mode
	// fails ("negative dimensions are not allowed").
	InferredDim int
	// HeaderLen is the header length field: bytes of header text.
	HeaderLen int64
	// HeaderChars is the header length in characters, which is what
	// numpy compares with its max_header_size.
	HeaderChars int64
	// HeaderTooLargeForDefaultLoad reports HeaderChars > 10000:
	// numpy.load refuses the file unless allow_pickle=True.
	HeaderTooLargeForDefaultLoad bool
	// DataOffset is where the data section starts.
	DataOffset int64
	// DataBytes is the number of data bytes numpy.load reads: element
	// count times Descr.ItemSize. It is -1 for object arrays, whose data
	// section is a pickle that runs to wherever its STOP opcode is.
	DataBytes int64
	// Trailing is the number of bytes after the data that numpy.load
	// ignores; 0 for object arrays (the pickle decides where it ends).
	Trailing int64
	// Object reports a dtype holding Python objects anywhere ('|O', or a
	// field or subarray of it, however spelled). The data section from
	// DataOffset to the end is then a pickle (protocol 3 as numpy 1.24
	// writes it) that numpy.load(allow_pickle=True) unpickles.
	Object bool
	// DuplicateKeys lists header keys given more than once; Python keeps
	// the last value, and so does ReadHeader.
	DuplicateKeys []string
	// LongSuffixes counts Python 2 'L' suffixes that numpy's
	// _filter_header removed from a version 1.0 or 2.0 header.
	LongSuffixes int
}

// IsNPY reports whether head starts with Magic, the test numpy.load uses
// to read a file as .npy.
func IsNPY(head []byte) bool { return bytes.HasPrefix(head, []byte(Magic)) }

// ReadHeader reads and checks the header of the .npy file of size bytes
// in r, with numpy 1.24's numpy.load as the reference: every file it
// returns a Header for is one numpy.load accepts (with allow_pickle=True
// for object arrays and for headers over 10000 characters), with the same
// dtype, shape and data size.
//
// Errors are *FormatError values wrapping ErrNotNPY, ErrInvalid (numpy
// rejects the file), ErrUnsupported (numpy may accept it but this package
// cannot tell) or ErrHeaderTooLarge; errors reading r are returned
// wrapped as they are. ReadHeader reads only the prefix and the header and
// allocates no more than the header length, which is checked against
// size and Limits.MaxHeader first.
func ReadHeader(r io.ReaderAt, size int64, lim Limits) (*Header, error) {
	if size < 0 {
		return nil, fmt.Errorf("numpy: negative input size %d", size)
	}
	lim = lim.withDefaults()
	h := &Header{InferredDim: -1}
	start, err := h.readPrefix(r, size, lim)
	if err != nil {
		return nil, err
	}
	text := make([]byte, h.HeaderLen)
	if err := readFull(r, text, start); err != nil {
		return nil, err
	}
	h.DataOffset = start + h.HeaderLen
	if err := h.parse(text, start, size-h.DataOffset); err != nil {
		return nil, err
	}
	return h, nil
}

func readFull(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("numpy: reading %d bytes at offset %d: %w", len(buf), off, err)
}

// readPrefix reads magic, version and header length, and returns where
// the header text starts.
func (h *Header) readPrefix(r io.ReaderAt, size int64, lim Limits) (int64, error) {
	var pre [12]byte
	n := min(size, int64(len(pre)))
	if err := readFull(r, pre[:n], 0); err != nil {
		return 0, err
	}
	for i := int64(0); i < min(n, 6); i++ {
		if pre[i] != Magic[i] {
			return 0, &FormatError{i, FieldMagic, &reason{kind: ErrNotNPY, msg: fmt.Sprintf("byte %#02x is not the .npy magic %q", pre[i], Magic)}}
		}
	}
	if n < 6 {
		return 0, &FormatError{n, FieldMagic, &reason{kind: ErrNotNPY, msg: fmt.Sprintf("input of %d bytes is shorter than the .npy magic", n)}}
	}
	if n < 8 {
		return 0, &FormatError{n, FieldMagic, truncatedf("file ends after %d bytes, inside the 8-byte magic string", n)}
	}
	h.Major, h.Minor = int(pre[6]), int(pre[7])
	lenSize := int64(4)
	switch {
	case h.Major == 1 && h.Minor == 0:
		lenSize = 2
	case (h.Major == 2 || h.Major == 3) && h.Minor == 0:
	default:
		return 0, &FormatError{6, FieldVersion, invalidf("format version %d.%d; numpy reads only 1.0, 2.0 and 3.0", h.Major, h.Minor)}
	}
	start := 8 + lenSize
	if n < start {
		return 0, &FormatError{8, FieldHeaderLen, truncatedf("file ends inside the %d-byte header length", lenSize)}
	}
	if lenSize == 2 {
		h.HeaderLen = int64(binary.LittleEndian.Uint16(pre[8:]))
	} else {
		h.HeaderLen = int64(binary.LittleEndian.Uint32(pre[8:]))
	}
	if h.HeaderLen > size-start {
		return 0, &FormatError{start, FieldHeader, truncatedf("header length %d runs past the end of the file (%d bytes follow)", h.HeaderLen, size-start)}
	}
	if lim.MaxHeader >= 0 && h.HeaderLen > lim.MaxHeader {
		return 0, &FormatError{8, FieldHeaderLen, &reason{kind: ErrHeaderTooLarge, msg: fmt.Sprintf("header length %d exceeds Limits.MaxHeader %d", h.HeaderLen, lim.MaxHeader)}}
	}
	return start, nil
}

// parse decodes and interprets the header text found at start; avail is
// the number of bytes after it.
func (h *Header) parse(text []byte, start, avail int64) error {
	v3 := h.Major == 3
	h.HeaderChars = h.HeaderLen
	if v3 {
		if i := invalidUTF8(text); i >= 0 {
			return &FormatError{start + int64(i), FieldHeader, invalidf("invalid UTF-8 in a version 3.0 header")}
		}
		h.HeaderChars = int64(utf8.RuneCount(text))
	}
	h.HeaderTooLargeForDefaultLoad = h.HeaderChars > NumpyMaxHeaderChars
	if i := bytes.IndexByte(text, 0); i >= 0 {
		return &FormatError{start + int64(i), FieldHeader, invalidf("NUL byte in the header (Python refuses source with null bytes)")}
	}
	src := string(text)
	v, longs, err := parseLiteral(src, v3, !v3, true)
	if err != nil {
		return positioned(err, start, FieldHeader)
	}
	h.LongSuffixes = longs
	b := &descrBuilder{text: src}
	shape, err := h.interpret(b, &v)
	if err != nil {
		return positioned(err, start, "")
	}
	dims, err := h.dims(b, shape)
	if err != nil {
		return positioned(err, start, FieldShape)
	}
	if r := h.resolve(dims, avail); r != nil {
		field, off := FieldShape, start+int64(shape.pos)
		if r.truncated {
			field, off = FieldData, h.DataOffset
		}
		return &FormatError{off, field, r}
	}
	return nil
}

func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// fieldError is a posError that names the header key it concerns.
type fieldError struct {
	field string
	*posError
}

// positioned turns a posError (possibly inside a fieldError) into a
// FormatError with a file offset.
func positioned(err error, start int64, field string) error {
	var pe *posError
	switch e := err.(type) {
	case *fieldError:
		field, pe = e.field, e.posError
	case *posError:
		pe = e
	default:
		return err
	}
	if field == "" {
		field = FieldHeader
	}
	return &FormatError{start + int64(pe.pos), field, pe.r}
}

var expectedKeys = []string{"descr", "fortran_order", "shape"}

// interpret checks the header dict as numpy's _read_array_header does and
// fills Descr and Fortran. It returns the shape value.
func (h *Header) interpret(b *descrBuilder, v *value) (*value, error) {
	if v.kind != kDict {
		return nil, errAt(v.pos, invalidf("header is %s, not a dict", v.kind))
	}
	vals := map[string]*value{}
	var odd []string
	for i := 0; i < len(v.elems); i += 2 {
		k := &v.elems[i]
		if k.kind != kStr {
			odd = append(odd, b.raw(k))
			continue
		}
		if _, dup := vals[k.s]; dup && !contains(h.DuplicateKeys, k.s) {
			h.DuplicateKeys = append(h.DuplicateKeys, k.s)
		}
		vals[k.s] = &v.elems[i+1]
	}
	for k := range vals {
		if !contains(expectedKeys, k) {
			odd = append(odd, fmt.Sprintf("%q", k))
		}
	}
	var missing []string
	for _, k := range expectedKeys {
		if vals[k] == nil {
			missing = append(missing, k)
		}
	}
	if len(odd) > 0 || len(missing) > 0 {
		sort.Strings(odd)
		return nil, errAt(v.pos, invalidf("header keys must be exactly 'descr', 'fortran_order', 'shape'; missing [%s], unexpected [%s]",
			strings.Join(missing, ", "), strings.Join(odd, ", ")))
	}
	shape := vals["shape"]
	if shape.kind != kTuple {
		return nil, &fieldError{FieldShape, errAt(shape.pos, invalidf("shape is %s, not a tuple", shape.kind))}
	}
	for i := range shape.elems {
		if k := shape.elems[i].kind; k != kInt && k != kBool {
			return nil, &fieldError{FieldShape, errAt(shape.elems[i].pos, invalidf("shape[%d] is %s, not an int", i, k))}
		}
	}
	fo := vals["fortran_order"]
	if fo.kind != kBool {
		return nil, &fieldError{FieldFortran, errAt(fo.pos, invalidf("fortran_order is %s, not a bool", fo.kind))}
	}
	h.Fortran = fo.truth
	d, err := b.descr(vals["descr"])
	if err != nil {
		return nil, &fieldError{FieldDescr, err.(*posError)}
	}
	h.Descr = d
	h.Object = d.HasObject()
	return shape, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// dims converts the shape's items as numpy.multiply.reduce(shape,
// dtype=int64) does before reading data: each must fit in int64, and bools
// are refused later unless the array is unpickled.
func (h *Header) dims(b *descrBuilder, shape *value) ([]int64, error) {
	dims := make([]int64, len(shape.elems))
	for i := range shape.elems {
		e := &shape.elems[i]
		if e.kind == kBool {
			if !h.Object {
				return nil, errAt(e.pos, invalidf("shape[%d] is a bool; numpy.load wants an integer", i))
			}
			if e.truth {
				dims[i] = 1
			}
			continue
		}
		n, ok := e.int64()
		switch {
		case ok:
			dims[i] = n
		case h.Object && !e.neg && !e.big:
			return nil, errAt(e.pos, unsupportedf("shape[%d] = %s is beyond int64 in an object array", i, b.raw(e)))
		default:
			return nil, errAt(e.pos, invalidf("shape[%d] = %s does not fit in int64", i, b.raw(e)))
		}
	}
	return dims, nil
}
