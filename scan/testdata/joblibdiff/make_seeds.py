#!/usr/bin/python3
"""Write the seed and regression files of the joblib differential test.

    cd scan/testdata/joblibdiff && /usr/bin/python3 make_seeds.py

Two kinds of seeds, all small:

* dump-*: real joblib.dump output (joblib 1.2, numpy 1.24) of benign values
  covering array kinds (dtypes, F order, 0-d, empty, structured, object,
  structured with an object field, big-endian, a subclass), protocols 0-5
  and every compressor. Each value ends with a reference to os.system (a
  GLOBAL posix system, never called), so a reader that stops early, or
  loses its place in the stream, misses that import.
* craft-*: hand-assembled joblib streams for corners joblib.load accepts
  that joblib.dump does not write: wrappers made by calling the class,
  state split into dict and slot state or given twice, shapes that are
  lists or numpy scalars, dtype type strings numpy accepts in other
  spellings, item sizes changed by the dtype's state, arrays and padding
  at the end of the file with the pickle continuing in the frame, and an
  object array whose nested pickle straddles a frame. Each imports os
  system (without calling it) after the construct.

Nothing here is ever loaded by the generator except the benign dumps it
just wrote (to check they load).
"""

import io
import os
import pickle
import struct
import sys

import joblib
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- real dumps -----------------------------------------------------------------

def dumps():
    arrays = {
        "f8": np.arange(5, dtype="<f8"),
        "f_order": np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3)),
        "zero_d": np.array(7, dtype="<i2"),
        "empty": np.zeros((0,), dtype="<f4"),
        "bool": np.array([True, False, True]),
        "c16": np.array([1 + 2j]),
        "u5": np.array(["ab", "cde"], dtype="<U5"),
        "s3": np.array([b"ab", b"xyz"], dtype="S3"),
        "dt64": np.array([1, 2], dtype="<M8[ns]"),
        "struct": np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]),
        "subarray": np.zeros(2, dtype=("<f4", (2, 3))),
        "object": np.array([1, "x", None], dtype=object),
        "struct_object": np.array([(1, "x")], dtype=[("a", "<i4"), ("b", "O")]),
        "big_endian": np.arange(3, dtype=">i8"),
        "matrix": np.matrix([[1.0, 2.0]]),
    }
    out = {}
    for name, arr in arrays.items():
        out["dump-%s.joblib" % name] = dump({"x": arr, "p": os.system})
    mixed = {"a": np.arange(4.0), "o": np.array([1, "y"], dtype=object), "b": np.arange(3, dtype="u1"),
             "n": 3, "p": os.system}
    for proto in range(6):
        out["dump-mixed-p%d.joblib" % proto] = dump(mixed, protocol=proto)
    for comp in ("zlib", "gzip", "bz2", "lzma", "xz", "lz4"):
        out["dump-mixed.%s.joblib" % comp] = dump(mixed, compress=(comp, 3))
    return out


def dump(value, **kw):
    b = io.BytesIO()
    joblib.dump(value, b, **kw)
    data = b.getvalue()
    joblib.load(io.BytesIO(data))  # benign: check it loads
    return data


# ---- an assembler for crafted streams -----------------------------------------------

def sbu(s):
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def glob(m, n):
    return sbu(m) + sbu(n) + b"\x93"


def K(n):
    return b"K" + bytes([n])


def J(n):
    return b"J" + struct.pack("<i", n)


def dtype(typestr, endian="<", elsize=-1, align=-1, flags=0, subarray=b"N", names=b"N", fields=b"N"):
    state = b"(" + K(3) + sbu(endian) + subarray + names + fields + J(elsize) + J(align) + K(flags) + b"t"
    return glob("numpy", "dtype") + sbu(typestr) + b"\x89\x88\x87R" + state + b"b"


def shape(*dims):
    return b"(" + b"".join(K(d) for d in dims) + b"t"


def wrapper_state(shp=None, dt=None, align=b"K\x10", extra=b"", order="C"):
    s = b"}(" + sbu("subclass") + glob("numpy", "ndarray")
    s += sbu("shape") + (shp if shp is not None else shape(2))
    if order is not None:
        s += sbu("order") + sbu(order)
    s += sbu("dtype") + (dt if dt is not None else dtype("f8"))
    s += sbu("allow_mmap") + b"\x88"
    if align is not None:
        s += sbu("numpy_array_alignment_bytes") + align
    return s + extra + b"u"


WRAPPER = glob("joblib.numpy_pickle", "NumpyArrayWrapper")
NEW_WRAPPER = WRAPPER + b")\x81"
PAYLOAD = sbu("p") + glob("os", "system")  # a key and value for the SETITEMS that follows


class Stream:
    """Pieces of a joblib file: pickle bytes (framed per piece) and raw
    array bytes with joblib's padding computed from the file offset."""

    def __init__(self, proto=4, frames=True):
        self.parts = [bytes([0x80, proto])]
        self.frames = frames

    def op(self, b):
        self.parts.append(b"\x95" + struct.pack("<Q", len(b)) + b if self.frames else b)
        return self

    def raw(self, b):
        self.parts.append(b)
        return self

    def array(self, data, align=True):
        if align:
            pos = sum(map(len, self.parts)) + 1
            pad = 16 - pos % 16
            self.parts.append(bytes([pad]) + b"\xff" * pad)
        self.parts.append(data)
        return self

    def bytes(self):
        return b"".join(self.parts)


F8x2 = struct.pack("<2d", 1.5, 2.5)


def crafted():
    out = {}

    def add(name, s):
        out["craft-%s.joblib" % name] = s.bytes() if isinstance(s, Stream) else s

    # Wrapper BUILD in the middle of a frame; the payload follows in the
    # same frame, the array after the frame (joblib reads it from the file).
    add("mid_frame_array", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + wrapper_state() + b"b" + PAYLOAD + b"u.")
        .array(F8x2))
    # An empty array at the end of the file: the padding byte read finds EOF
    # (b"" means no padding) and zero bytes of data are read.
    add("empty_array_at_eof", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + wrapper_state(shp=shape(0)) + b"b"
                                          + PAYLOAD + b"u."))
    # Padding shorter than its length byte says (joblib does not check).
    add("padding_short_at_eof", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + wrapper_state(shp=shape(0)) + b"b"
                                            + PAYLOAD + b"u.").raw(b"\x10\xff\xff"))
    # Shape given as a list, and as a numpy scalar made by the allowed
    # numpy.core.multiarray.scalar.
    add("shape_list", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + wrapper_state(shp=b"]" + K(2) + b"a") + b"b")
        .array(F8x2).op(PAYLOAD + b"u."))
    i8 = glob("numpy.core.multiarray", "scalar") + dtype("i8") + b"C\x08" + struct.pack("<q", 2) + b"\x86R"
    add("shape_numpy_scalar", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER
                                          + wrapper_state(shp=b"(" + i8 + b"t") + b"b")
        .array(F8x2).op(PAYLOAD + b"u."))
    # The wrapper made by calling the class (REDUCE, protocol 0 INST) with
    # __init__'s arguments, then BUILD with an empty state: joblib reads the
    # array with the attributes __init__ set (alignment 16 by default).
    init_args = glob("numpy", "ndarray") + shape(2) + sbu("C") + dtype("f8")
    add("wrapper_reduce_init", Stream().op(b"}(" + sbu("x") + WRAPPER + b"(" + init_args + b"tR}b")
        .array(F8x2).op(PAYLOAD + b"u."))
    # BUILD with (dict, slot state) and with (None, slot state): joblib's
    # load_build sets slot state with setattr.
    st = wrapper_state()
    add("state_slot_only", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + b"N" + st + b"\x86b")
        .array(F8x2).op(PAYLOAD + b"u."))
    half1 = b"}(" + sbu("subclass") + glob("numpy", "ndarray") + sbu("shape") + shape(2) + sbu("order") + sbu("C") + b"u"
    half2 = b"}(" + sbu("dtype") + dtype("f8") + sbu("numpy_array_alignment_bytes") + K(16) + b"u"
    add("state_dict_and_slot", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + half1 + half2 + b"\x86b")
        .array(F8x2).op(PAYLOAD + b"u."))
    # The memoized wrapper built again with an empty state: a second array
    # is read with the attributes of the first BUILD.
    add("wrapper_built_twice", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + b"\x94" + wrapper_state() + b"b")
        .array(F8x2).op(sbu("y") + b"h\x00}b").array(F8x2).op(PAYLOAD + b"u."))
    # dtype type strings numpy accepts that joblib does not write.
    for name, ts in (("byteorder", "<f8"), ("char", "d"), ("name", "float64"), ("native", "=f8")):
        add("dtype_typestr_" + name, Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + wrapper_state(dt=dtype(ts)) + b"b")
            .array(F8x2).op(PAYLOAD + b"u."))
    # The dtype's state sets the item size of a flexible type.
    add("dtype_state_elsize_void", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER
                                               + wrapper_state(dt=dtype("V8", "|", 16, 1)) + b"b")
        .array(bytes(32)).op(PAYLOAD + b"u."))
    add("dtype_state_elsize_unicode", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER
                                                  + wrapper_state(dt=dtype("U1", "<", 8, 4, 8)) + b"b")
        .array(bytes(16)).op(PAYLOAD + b"u."))
    # A structured dtype with an object field: hasobject, so joblib reads a
    # nested pickle although the type string says V8. The nested pickle
    # imports os.system before the array it returns.
    names = b"(" + sbu("a") + b"t"
    fields = b"}(" + sbu("a") + dtype("O8", "|", -1, -1, 63) + K(0) + b"\x86u"
    struct_o = np.array([(1,)], dtype=[("a", "O")])
    nested = b"\x80\x02cos\nsystem\n0" + pickle.dumps(struct_o, protocol=2)[2:]
    add("dtype_struct_object_field", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER
                                                 + wrapper_state(shp=shape(1), align=None,
                                                                 dt=dtype("V8", "|", 8, 8, 63, names=names, fields=fields))
                                                 + b"b")
        .raw(nested).op(PAYLOAD + b"u."))
    # Alignment None (no padding byte), absent (joblib < 1.2) and 0 (a
    # padding byte is read).
    for name, al in (("none", b"N"), ("absent", None), ("zero", K(0))):
        s = Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + wrapper_state(align=al) + b"b")
        if al == K(0):
            s.raw(b"\x00")
        s.array(F8x2, align=False) if al != K(0) else s.raw(F8x2)
        add("alignment_" + name, s.op(PAYLOAD + b"u."))
    # An object array whose nested pickle has a FRAME that an opcode
    # straddles: a C unpickler reading a file with peek (open(path)) reads
    # on linearly, as pickle.loads does, and imports os.system; one reading
    # a file without peek (io.BytesIO) takes the string's 4 bytes from after
    # the frame and fails.
    body = pickle.dumps(np.array([1], dtype=object), protocol=2)[2:]
    straddle = (b"\x80\x04\x95" + struct.pack("<Q", 4) + b"\x8c\x04ab" + b"cd"
                + b"cos\nsystem\n0" + body)
    add("nested_frame_straddle", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER
                                             + wrapper_state(shp=shape(1), dt=dtype("O8", "|", -1, -1, 63), align=None)
                                             + b"b")
        .raw(straddle).op(PAYLOAD + b"u."))
    # Protocol 2, no frames: the array follows the BUILD directly.
    add("unframed_p2", Stream(proto=2, frames=False)
        .op(b"}(X\x01\x00\x00\x00xcjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81" + wrapper_state_p2() + b"b")
        .array(F8x2).op(b"X\x01\x00\x00\x00pcos\nsystem\nu."))
    # Persistent id: joblib's unpicklers have no persistent_load.
    add("persistent_id", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + wrapper_state() + b"b")
        .array(F8x2).op(sbu("q") + sbu("pid") + b"Q" + PAYLOAD + b"u."))
    # A text GLOBAL without its final newline at the end of the file: the
    # pure-Python unpickler drops the name's last character.
    add("text_global_at_eof", Stream().op(b"}(" + sbu("x") + NEW_WRAPPER + wrapper_state() + b"b")
        .array(F8x2).raw(b"cos\nsystemX"))
    return out


def wrapper_state_p2():
    def x(s):
        b = s.encode()
        return b"X" + struct.pack("<I", len(b)) + b

    dt = (b"cnumpy\ndtype\n" + x("f8") + b"\x89\x88\x87R(K\x03" + x("<") + b"NNN"
          + J(-1) + J(-1) + K(0) + b"tb")
    return (b"}(" + x("subclass") + b"cnumpy\nndarray\n" + x("shape") + K(2) + b"\x85" + x("order") + x("C")
            + x("dtype") + dt + x("allow_mmap") + b"\x88" + x("numpy_array_alignment_bytes") + K(16) + b"u")


# ---- regressions: one minimal input per disagreement found -------------------------

OS_SYSTEM = glob("os", "system")


def regressions():
    """Minimal inputs for the disagreements TestJoblibDifferential found,
    named by what they exercise. Each imports os.system (never calls it)
    after the construct: a machine that stops where joblib reads on reports
    "fewer", one that reads on where joblib stops reports "more"."""
    out = {}

    def add(name, s):
        out[name + ".joblib"] = s.bytes() if isinstance(s, Stream) else s

    def unframed():
        return Stream(frames=False)

    # fewer: the wrapper's attributes come from NumpyArrayWrapper.__init__
    # (the class called by REDUCE), and BUILD's state is empty.
    init_args = glob("numpy", "ndarray") + shape(2) + sbu("C") + dtype("f8")
    add("wrapper_attrs_from_init", unframed().op(WRAPPER + b"(" + init_args + b"tR}b").array(F8x2)
        .op(b"0" + OS_SYSTEM + b"."))
    # fewer: BUILD state (None, slotstate): load_build sets the attributes
    # with setattr.
    add("wrapper_state_slotstate", unframed().op(NEW_WRAPPER + b"N" + wrapper_state() + b"\x86b").array(F8x2)
        .op(b"0" + OS_SYSTEM + b"."))
    # fewer: the memoized wrapper built a second time with an empty state:
    # joblib reads a second array with the attributes of the first BUILD.
    add("wrapper_built_twice", unframed().op(NEW_WRAPPER + b"\x94" + wrapper_state() + b"b").array(F8x2)
        .op(b"0h\x00}b").array(F8x2).op(b"0" + OS_SYSTEM + b"."))
    # fewer: shape as a list, and as numpy integer scalars.
    add("shape_list", unframed().op(NEW_WRAPPER + wrapper_state(shp=b"]" + K(2) + b"a") + b"b").array(F8x2)
        .op(b"0" + OS_SYSTEM + b"."))
    i8 = glob("numpy.core.multiarray", "scalar") + dtype("i8") + b"C\x08" + struct.pack("<q", 2) + b"\x86R"
    add("shape_numpy_int", unframed().op(NEW_WRAPPER + wrapper_state(shp=b"(" + i8 + b"t") + b"b").array(F8x2)
        .op(b"0" + OS_SYSTEM + b"."))
    # fewer: numpy.dtype type strings that are not kind+size.
    for name, ts in (("byteorder", "<f8"), ("name", "float64")):
        add("dtype_typestr_" + name, unframed().op(NEW_WRAPPER + wrapper_state(dt=dtype(ts)) + b"b").array(F8x2)
            .op(b"0" + OS_SYSTEM + b"."))
    # fewer: the dtype state's elsize sets a flexible type's item size
    # (V8 with elsize 16 is V16).
    add("dtype_state_elsize", unframed().op(NEW_WRAPPER + wrapper_state(dt=dtype("V8", "|", 16, 1)) + b"b")
        .array(bytes(32)).op(b"0" + OS_SYSTEM + b"."))
    # fewer: the dtype state's flags say hasobject (bit 0) for an f8 type
    # string: joblib reads a nested pickle (plain pickle.load) where the
    # machine skips 8 bytes per item.
    add("dtype_state_hasobject_flag", unframed().op(NEW_WRAPPER + wrapper_state(dt=dtype("f8", "<", -1, -1, 1),
                                                                                 shp=shape(1), align=None) + b"b")
        .raw(b"\x80\x02cos\nsystem\n."))
    # fewer, and hidden from every reading the engine merges: the same in
    # joblib's layout, the wrapper's BUILD in the middle of a frame that
    # ends the pickle, the nested pickle after the frame. The C reading
    # stops at the frame's STOP (then fails on the junk after it), the
    # joblib reading skips the nested pickle as 2 float64s.
    nested = pickle.dumps(np.array([1], dtype=object), protocol=2)
    nested = nested[:2] + b"cos\nsystem\n0" + nested[2:]
    frame = (NEW_WRAPPER + wrapper_state(dt=dtype("f8", "<", -1, -1, 1), shp=shape(2), align=None) + b"b0N."
             + b"\x95" + struct.pack("<Q", 1 << 40))
    add("dtype_state_hasobject_flag_in_frame", Stream().op(frame).raw(nested))
    # fewer: a structured dtype with an object field (what joblib.dump
    # writes for such arrays): hasobject, so a nested pickle follows.
    names = b"(" + sbu("a") + b"t"
    fields = b"}(" + sbu("a") + dtype("O8", "|", -1, -1, 63) + K(0) + b"\x86u"
    add("dtype_struct_object_field", unframed().op(NEW_WRAPPER + wrapper_state(
        dt=dtype("V8", "|", 8, 8, 63, names=names, fields=fields), shp=shape(1), align=None) + b"b")
        .raw(b"\x80\x02cos\nsystem\n."))
    # fewer: an empty array at the end of the file while the frame goes on:
    # the padding byte read returns b"" (no padding), 0 bytes are read.
    add("padding_byte_at_eof", Stream().op(NEW_WRAPPER + wrapper_state(shp=shape(0)) + b"b0" + OS_SYSTEM + b"."))
    # fewer: padding shorter than its length byte at the end of the file.
    add("padding_short_at_eof", Stream().op(NEW_WRAPPER + wrapper_state(shp=shape(0)) + b"b0" + OS_SYSTEM + b".")
        .raw(b"\x10\xff\xff"))
    # fewer (joblib.load(path), or any compressed file): the object array's
    # nested pickle is read by pickle.load from a file with peek, which
    # _pickle.c reads like pickle.loads: a string that straddles the frame
    # end is read on linearly, and os.system is imported. The machine reads
    # it like a file without peek (FileInput).
    body = pickle.dumps(np.array([1], dtype=object), protocol=2)[2:]
    straddle = b"\x80\x04\x95" + struct.pack("<Q", 4) + b"\x8c\x04ab" + b"cd" + b"cos\nsystem\n0" + body
    add("nested_frame_straddle_peek", unframed().op(NEW_WRAPPER + wrapper_state(
        dt=dtype("O8", "|", -1, -1, 63), shp=shape(1), align=None) + b"b").raw(straddle).op(b"."))
    # fewer: joblib.dump at protocol 1 writes the wrapper as
    # copy_reg._reconstructor(NumpyArrayWrapper, object, None).
    add("protocol1_reconstructor_wrapper", dump((np.arange(2.0), os.system), protocol=1))
    # engine fewer: a FRAME longer than the file. The C reading Analyze
    # starts with fails at the FRAME and never sees NumpyArrayWrapper; the
    # pure-Python unpickler reads the short frame and imports both.
    frame_body = WRAPPER + b"0" + OS_SYSTEM + b"."
    add("frame_truncated", b"\x80\x04\x95" + struct.pack("<Q", 4096) + frame_body)
    # more: joblib's unpicklers have no persistent_load, so BINPERSID stops
    # them, in the outer pickle and in a nested one.
    add("persistent_id_outer", unframed().op(WRAPPER + b"0" + sbu("pid") + b"Q0" + OS_SYSTEM + b"."))
    add("persistent_id_nested", unframed().op(NEW_WRAPPER + wrapper_state(dt=dtype("O8", "|", -1, -1, 63),
                                                                        shp=shape(1), align=None) + b"b")
        .raw(b"\x80\x02U\x03pidQ0cos\nsystem\n."))
    # fewer: BUILD with a false state that is not a dict (an empty tuple):
    # the pure-Python load_build skips it ("if state:").
    add("build_state_falsy", unframed().op(WRAPPER + b")b0" + OS_SYSTEM + b"."))
    # more: NEWOBJ whose arguments are not iterable: the pure-Python
    # unpickler's cls.__new__(cls, *args) raises TypeError.
    add("newobj_args_not_iterable", unframed().op(WRAPPER + b"\x89\x81" + b"0" + OS_SYSTEM + b"."))
    # more: a wrapper without 'order': joblib raises AttributeError after
    # reading the array.
    add("wrapper_missing_order", unframed().op(NEW_WRAPPER + wrapper_state(order=None) + b"b").array(F8x2)
        .op(b"0" + OS_SYSTEM + b"."))
    return out


def write(folder, files):
    d = os.path.join(HERE, folder)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        os.remove(os.path.join(d, name))
    for name, data in sorted(files.items()):
        with open(os.path.join(d, name), "wb") as fh:
            fh.write(data)
    print("wrote %d files to %s" % (len(files), d))


def main():
    files = dumps()
    files.update(crafted())
    write("seeds", files)
    write("regressions", regressions())


if __name__ == "__main__":
    sys.exit(main())
