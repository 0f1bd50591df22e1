package numpy

import (
	"math"
	"math/bits"
	"slices"
)

// resolve works out Shape, DataBytes and Trailing from the header's dims
// and the avail bytes after the header, following what numpy.load does for
// a plain file: numpy.fromfile(fp, dtype, count=prod(shape)) and then
// array.shape = shape (reversed, then transposed, for Fortran order).
//
//   - Object arrays: the data is a pickle; the shape is not used.
//   - One negative dimension: count is negative, so fromfile reads every
//     whole element left in the file, and the reshape infers that
//     dimension; it must divide evenly and the other dimensions must not
//     be zero. Two negative dimensions fail.
//   - Otherwise the data is count * itemsize bytes and the file must hold
//     them; extra bytes are ignored. With a zero dimension count is 0,
//     but numpy still refuses shapes whose other dimensions overflow.
//   - A subarray dtype at top level adds its dimensions to the array, so
//     the reshape only succeeds when the subarray has one element or the
//     array none.
func (h *Header) resolve(dims []int64, avail int64) *reason {
	h.Shape = dims
	if h.Object {
		h.DataBytes = -1
		return nil
	}
	sub, subDims, base := subarrayItems(&h.Descr)
	if 1+subDims > maxDims {
		return invalidf("the subarray dtype gives the array %d dimensions, more than %d", 1+subDims, maxDims)
	}
	if len(dims) > maxDims {
		return invalidf("shape has %d dimensions, more than %d", len(dims), maxDims)
	}
	unknown := -1
	for i, d := range dims {
		if d < 0 {
			if unknown >= 0 {
				return invalidf("shape[%d] and shape[%d] are both negative; numpy can infer only one unknown dimension", unknown, i)
			}
			unknown = i
		}
	}
	if unknown >= 0 {
		return h.resolveUnknown(dims, unknown, sub, base, avail)
	}
	return h.resolveKnown(dims, sub, base, avail)
}

// subarrayItems returns the element count and number of dimensions of a
// top-level (possibly nested) subarray dtype, and the innermost item size.
func subarrayItems(d *Descr) (items int64, ndim int, base int64) {
	items = 1
	for d.Subarray != nil {
		for _, n := range d.Subarray.Shape {
			items *= n
		}
		ndim += len(d.Subarray.Shape)
		d = &d.Subarray.Base
	}
	return items, ndim, d.ItemSize
}

func (h *Header) resolveUnknown(dims []int64, k int, sub, baseSize, avail int64) *reason {
	itemsize := h.Descr.ItemSize
	if itemsize == 0 {
		return invalidf("shape[%d] is negative and the dtype has size 0 (numpy: negative dimensions are not allowed)", k)
	}
	known := int64(1)
	for i, d := range dims {
		if i == k {
			continue
		}
		if d == 0 {
			return invalidf("shape[%d] is negative and shape[%d] is 0; numpy cannot infer the unknown dimension", k, i)
		}
		var ok bool
		if known, ok = mul(known, d); !ok {
			return invalidf("the known dimensions of shape %v overflow int64", dims)
		}
	}
	n := avail / itemsize
	elems, ok := mul(n, sub)
	if !ok {
		return unsupportedf("%d subarray elements overflow int64", n)
	}
	if elems%known != 0 {
		return invalidf("the %d elements in the file do not fill shape %v (numpy cannot reshape)", elems, dims)
	}
	h.Shape = slices.Clone(dims)
	h.Shape[k] = elems / known
	if r := nbytesFit(h.Shape, baseSize); r != nil {
		return r
	}
	h.InferredDim = k
	h.DataBytes = n * itemsize
	h.Trailing = avail - h.DataBytes
	return nil
}

func (h *Header) resolveKnown(dims []int64, sub, baseSize, avail int64) *reason {
	itemsize := h.Descr.ItemSize
	count, ok := int64(1), true
	if slices.Contains(dims, 0) {
		if r := emptyShapeFits(dims, h.Fortran, baseSize); r != nil {
			return r
		}
		count = 0
	} else {
		for _, d := range dims {
			if count, ok = mul(count, d); !ok {
				return invalidf("shape %v has more elements than int64 counts", dims)
			}
		}
	}
	total, ok := mul(count, itemsize)
	if !ok {
		return invalidf("shape %v times item size %d overflows int64", dims, itemsize)
	}
	if sub != 1 && count != 0 {
		return invalidf("subarray dtype of %d elements per item: %d items hold %d elements, not the %d of shape %v", sub, count, count*sub, count, dims)
	}
	if total > avail {
		return truncatedf("header declares %d data bytes (shape %v, item size %d) but %d bytes follow the header", total, dims, itemsize, avail)
	}
	h.DataBytes = total
	h.Trailing = avail - total
	return nil
}

// emptyShapeFits applies numpy's checks to a shape with a zero dimension:
// reshaping multiplies the dimensions in order (reversed for Fortran)
// with an overflow check, and the new array's non-zero dimensions times
// the item size must fit in an intp.
func emptyShapeFits(dims []int64, fortran bool, itemsize int64) *reason {
	order := dims
	if fortran {
		order = slices.Clone(dims)
		slices.Reverse(order)
	}
	prod := int64(1)
	for _, d := range order {
		var ok bool
		if prod, ok = mul(prod, d); !ok {
			return invalidf("reshaping to %v overflows int64 before reaching the zero dimension", dims)
		}
	}
	return nbytesFit(dims, itemsize)
}

// nbytesFit is the check numpy makes when it creates the reshaped array:
// the non-zero dimensions times the item size must fit in an intp.
func nbytesFit(dims []int64, itemsize int64) *reason {
	nbytes := itemsize
	for _, d := range dims {
		if d == 0 {
			continue
		}
		var ok bool
		if nbytes, ok = mul(nbytes, d); !ok {
			return invalidf("array is too big: the non-zero dimensions of %v times item size %d overflow int64", dims, itemsize)
		}
	}
	return nil
}

// mul multiplies non-negative a and b, reporting overflow past MaxInt64.
func mul(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}
