package zipx

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/flate"
)

// Section returns the bytes torch reads for a stored entry, for random
// access without reading them: UncompressedSize bytes at DataOffset, cut at
// the end of the input. It returns false for other methods and for entries
// whose local header is unreadable.
func (z *Reader) Section(e *Entry) (*io.SectionReader, bool) {
	if e.Method != 0 || e.DataOffset < 0 || e.DataOffset > z.size {
		return nil, false
	}
	n := int64(min(e.UncompressedSize, uint64(z.size-e.DataOffset)))
	return io.NewSectionReader(z.r, e.DataOffset, n), true
}

// Open returns the bytes torch reads for e. A stored entry yields its
// Section (no copy); when that runs past the end of the input, the bytes
// that exist are returned and then an error instead of io.EOF. A deflated
// entry is inflated as it is read from CompressedSize bytes at DataOffset,
// and reading fails with ErrSizeMismatch when the stream ends before or
// runs past UncompressedSize, or with a *LimitError past
// Limits.MaxInflate. Other methods fail with ErrUnsupportedMethod. Open
// never checks the CRC, and it ignores encryption flags, as torch does.
func (z *Reader) Open(e *Entry) (io.ReadCloser, error) {
	field := "data of " + clip(e.Name)
	if e.DataOffset < 0 {
		return nil, &FormatError{Offset: e.HeaderOffset, Field: "local file header of " + clip(e.Name), Err: ErrLocalHeader}
	}
	if e.DataOffset > z.size {
		return nil, &FormatError{Offset: e.DataOffset, Field: field,
			Err: fmt.Errorf("%w: data offset is past the end of the %d-byte file", ErrOutOfBounds, z.size)}
	}
	switch e.Method {
	case 0:
		s, _ := z.Section(e)
		if uint64(s.Size()) == e.UncompressedSize {
			return io.NopCloser(s), nil
		}
		return io.NopCloser(&truncated{r: s, err: &FormatError{Offset: e.DataOffset, Field: field,
			Err: fmt.Errorf("%w: %d of %d bytes lie in the file", io.ErrUnexpectedEOF, s.Size(), e.UncompressedSize)}}), nil
	case 8:
		n := int64(min(e.CompressedSize, uint64(z.size-e.DataOffset)))
		src := io.NewSectionReader(z.r, e.DataOffset, n)
		return &inflater{fr: flate.NewReader(src), e: e, field: field, max: z.lim.MaxInflate,
			lim: min(e.UncompressedSize, uint64(z.lim.MaxInflate))}, nil
	}
	return nil, &FormatError{Offset: e.recOffset + 10, Field: "compression method of " + clip(e.Name),
		Err: fmt.Errorf("%w %d (%s)", ErrUnsupportedMethod, e.Method, methodName(e.Method))}
}

// truncated returns err in place of io.EOF.
type truncated struct {
	r   io.Reader
	err error
}

func (t *truncated) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.EOF {
		err = t.err
	}
	return n, err
}

// inflater inflates one entry, producing at most lim bytes.
type inflater struct {
	fr    io.ReadCloser
	e     *Entry
	field string
	max   int64  // Limits.MaxInflate
	lim   uint64 // min(UncompressedSize, MaxInflate)
	n     uint64 // bytes produced
	err   error
}

func (f *inflater) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.n >= f.lim {
		f.err = f.atLimit()
		return 0, f.err
	}
	if uint64(len(p)) > f.lim-f.n {
		p = p[:f.lim-f.n]
	}
	k, err := f.fr.Read(p)
	f.n += uint64(k)
	switch {
	case err == io.EOF && f.n < f.e.UncompressedSize:
		f.err = f.sizeErr("the stream ends after %d bytes", f.n)
	case err != nil:
		f.err = f.streamErr(err)
	}
	return k, f.err
}

// atLimit decides, once lim bytes were produced, whether the stream ends
// there (io.EOF), is longer than declared, or exceeds MaxInflate.
func (f *inflater) atLimit() error {
	var b [1]byte
	k, err := io.ReadFull(f.fr, b[:])
	switch {
	case k == 0 && err == io.EOF && f.n == f.e.UncompressedSize:
		return io.EOF
	case k == 0 && err == io.EOF:
		return f.sizeErr("the stream ends after %d bytes", f.n)
	case k == 0:
		return f.streamErr(err)
	case f.lim < f.e.UncompressedSize:
		return &LimitError{Limit: LimitInflate, Max: f.max, Offset: f.e.DataOffset, Entry: f.e.Name}
	}
	return f.sizeErr("the stream continues past them")
}

func (f *inflater) sizeErr(format string, args ...any) error {
	return &FormatError{Offset: f.e.DataOffset, Field: f.field,
		Err: fmt.Errorf("%w: %d bytes declared, "+format, append([]any{ErrSizeMismatch, f.e.UncompressedSize}, args...)...)}
}

func (f *inflater) streamErr(err error) error {
	var cie flate.CorruptInputError
	switch {
	case errors.As(err, &cie):
		return &FormatError{Offset: f.e.DataOffset + int64(cie), Field: f.field, Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &FormatError{Offset: f.e.DataOffset, Field: f.field,
			Err: fmt.Errorf("%w: the deflate stream is cut off within its %d compressed bytes", io.ErrUnexpectedEOF, f.e.CompressedSize)}
	}
	return err
}

// Close releases the inflater.
func (f *inflater) Close() error { return f.fr.Close() }

// CheckCRC reads e fully through Open and compares the CRC-32 of the bytes
// torch reads with the central directory's. It returns false and records a
// KindCRCMismatch anomaly when they differ. A central CRC of 0 on non-empty
// data counts as "not computed" (torch writes it after
// set_crc32_options(False)): CheckCRC returns true and records a
// KindCRCNotComputed anomaly. A deflated entry whose length differs from
// the declared size records a KindSizeMismatch anomaly and returns the read
// error. Each anomaly is recorded once however often CheckCRC runs; calls
// must not overlap with reads of Anomalies.
func (z *Reader) CheckCRC(e *Entry) (bool, error) {
	rc, err := z.Open(e)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	h := crc32.NewIEEE()
	n, err := io.Copy(h, rc)
	if err != nil {
		if errors.Is(err, ErrSizeMismatch) {
			z.recordOnce(e, KindSizeMismatch, e.DataOffset, TorchFailsEntry, "deflated data: %v", err)
		}
		return false, err
	}
	switch got := h.Sum32(); {
	case got == e.CRC32:
		return true, nil
	case e.CRC32 == 0:
		z.recordOnce(e, KindCRCNotComputed, e.DataOffset, TorchReads,
			"central CRC-32 is 0 for %d bytes of data whose CRC-32 is %08x; torch writes 0 after set_crc32_options(False), and it hides any change to the data",
			n, got)
		return true, nil
	default:
		z.recordOnce(e, KindCRCMismatch, e.DataOffset, TorchReads,
			"CRC-32 of the %d bytes torch reads is %08x, the central directory says %08x; torch does not check, Python's zipfile refuses",
			n, got, e.CRC32)
		return false, nil
	}
}

// recordOnce records an anomaly found while reading an entry, once per
// entry and kind.
func (z *Reader) recordOnce(e *Entry, k AnomalyKind, off int64, t TorchEffect, format string, args ...any) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.crcChecked == nil {
		z.crcChecked = make(map[crcKey]bool)
	}
	key := crcKey{e.Index, k}
	if z.crcChecked[key] {
		return
	}
	z.crcChecked[key] = true
	z.entry(e, k, off, t, format, args...)
}

// crcKey identifies an anomaly recorded by CheckCRC.
type crcKey struct {
	index int
	kind  AnomalyKind
}
