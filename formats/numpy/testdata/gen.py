#!/usr/bin/python3
"""Write the .npy fixtures for formats/numpy and record what numpy.load does.

Run with Debian's numpy 1.24 (python3-numpy) from this directory's parent:

    /usr/bin/python3 formats/numpy/testdata/gen.py

Outputs (all committed):

  files/*.npy     real files written by numpy, hand-made quirky headers that
                  numpy still loads, and malformed files numpy rejects
  manifest.json   one entry per file in files/: what numpy.load did with it
  probes.json     small in-memory .npy files (base64) that vary one thing in
                  the header: the literal syntax, the descr, the shape; with
                  numpy's verdict for each
  typenames.json  every string key of numpy.sctypeDict and the dtype it names

Nothing here is executed by the Go tests; they only read the outputs.
"""

import base64
import io
import json
import os
import pickle
import re
import shutil
import struct
import sys
import warnings

import numpy as np
from numpy.lib import format as npformat

warnings.simplefilter("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "files")


# ---------------------------------------------------------------- helpers

def npy(header, version=(1, 0), data=b"", pad=True, encoding=None):
    """Build an .npy file from header text, padding it the way numpy does
    when pad is set (spaces and a final newline up to a multiple of 64)."""
    if encoding is None:
        encoding = "utf8" if version == (3, 0) else "latin1"
    h = header.encode(encoding) if isinstance(header, str) else header
    lenfmt = "<H" if version == (1, 0) else "<I"
    if pad:
        pre = 8 + struct.calcsize(lenfmt)
        h += b" " * ((-(pre + len(h) + 1)) % 64) + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack(lenfmt, len(h)) + h + data


def hdr(descr="'<f4'", fortran="False", shape="(2,)"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)


def numpy_header(path):
    """What numpy's own header reader says, ignoring max_header_size."""
    with open(path, "rb") as f:
        try:
            version = npformat.read_magic(f)
            npformat._check_version(version)
            shape, fortran, dtype = npformat._read_array_header(f, version, max_header_size=2**64)
        except Exception as e:  # noqa: BLE001 - any exception is a rejection
            return None
        return {
            "version": list(version),
            "header_shape": list(shape),
            "fortran": fortran,
            "itemsize": dtype.itemsize,
            "kind": dtype.kind,
            "str": dtype.str,
            "object": bool(dtype.hasobject),
            "nfields": len(dtype.names) if dtype.names is not None else -1,
            "names": list(dtype.names)[:64] if dtype.names is not None else None,
            "offsets": [dtype.fields[n][1] for n in dtype.names][:64] if dtype.names else None,
            "data_offset": f.tell(),
        }


def message(e):
    """An exception's type and text without memory addresses."""
    return re.sub(r" at 0x[0-9a-f]+", "", "%s: %s" % (type(e).__name__, str(e)[:100]))


def load(path, allow_pickle):
    """numpy.load's verdict: ("ok", shape, itemsize) / ("object",) / ("error", msg)."""
    try:
        a = np.load(path, allow_pickle=allow_pickle)
    except ValueError as e:
        if "Object arrays cannot be loaded" in str(e):
            return {"result": "object"}
        return {"result": "error", "error": message(e)}
    except Exception as e:  # noqa: BLE001
        return {"result": "error", "error": message(e)}
    if not isinstance(a, np.ndarray):
        return {"result": "error", "error": "not an ndarray: %r" % type(a)}
    return {"result": "ok", "shape": list(a.shape), "itemsize": a.dtype.itemsize}


def describe(path):
    size = os.path.getsize(path)
    entry = {"size": size}
    h = numpy_header(path)
    entry["header"] = h
    entry["load"] = load(path, False)
    entry["load_pickle"] = load(path, True)
    if h is not None:
        with open(path, "rb") as f:
            f.seek(8)
            lenfmt = "<H" if h["version"] == [1, 0] else "<I"
            hl = struct.unpack(lenfmt, f.read(struct.calcsize(lenfmt)))[0]
            raw = f.read(hl)
        enc = "utf8" if h["version"] == [3, 0] else "latin1"
        entry["header_len"] = hl
        entry["header_chars"] = len(raw.decode(enc))
    return entry


# ---------------------------------------------------------------- real files

def longdouble(n):
    """np.arange as long doubles with their 6 padding bytes zeroed, so the
    file is the same on every run."""
    raw = bytearray(np.arange(n, dtype=np.longdouble).tobytes())
    size = np.dtype(np.longdouble).itemsize
    for i in range(n):
        raw[i * size + 10:(i + 1) * size] = bytes(size - 10)
    return np.frombuffer(bytes(raw), dtype=np.longdouble)


def real_arrays():
    """Arrays numpy.save writes; name -> (array, save kwargs)."""
    rng = np.arange
    arrs = {
        "f32": rng(6, dtype="<f4").reshape(2, 3),
        "f64": rng(5, dtype="<f8"),
        "f16": rng(7, dtype="<f2"),
        "longdouble": longdouble(3),
        "i8": rng(-3, 3, dtype="i1"),
        "i16": rng(4, dtype="<i2"),
        "i32": rng(4, dtype="<i4").reshape(2, 2),
        "i64": rng(3, dtype="<i8"),
        "u8": rng(9, dtype="u1"),
        "u16": rng(2, dtype="<u2"),
        "u32": rng(2, dtype="<u4"),
        "u64": rng(2, dtype="<u8"),
        "bool": np.array([True, False, True]),
        "c64": np.array([1 + 2j, 3 - 4j], dtype="<c8"),
        "c128": np.array([1 + 2j], dtype="<c16"),
        "unicode": np.array(["hello", "wörld", "π"], dtype="<U10"),
        "bytes": np.array([b"ab", b"cdefg"], dtype="|S5"),
        "datetime_ns": np.array(["2020-01-01T00:00:00", "2021-06-01T12:00:00"], dtype="<M8[ns]"),
        "datetime_day": np.array(["2020-01-01"], dtype="<M8[D]"),
        "timedelta": np.array([1, 2, 3], dtype="<m8[s]"),
        "timedelta_25ms": np.array([1], dtype="<m8[25ms]"),
        "void": np.zeros(2, dtype="|V8"),
        "struct": np.zeros(3, dtype=[("x", "<f4"), ("y", "<i8")]),
        "struct_aligned": np.zeros(2, dtype=np.dtype([("a", "u1"), ("b", "<f8"), ("c", "<i2")], align=True)),
        "struct_nested": np.zeros(2, dtype=[("p", [("x", "<f4"), ("y", "<f4")]), ("id", "<i4")]),
        "struct_subarray": np.zeros(2, dtype=[("m", "<f4", (2, 3)), ("v", "<i2", (4,)), ("s", "|S3")]),
        "struct_titles": np.zeros(1, dtype=np.dtype({"names": ["a"], "formats": ["<f4"], "titles": ["The A"]})),
        "struct_offsets_gap": np.zeros(2, dtype=np.dtype({"names": ["a", "b"], "formats": ["<i4", "<i4"], "offsets": [0, 8], "itemsize": 16})),
        "struct_nested_aligned": np.zeros(1, dtype=np.dtype([("h", "u1"), ("in", np.dtype([("c", "u1"), ("d", "<f8")], align=True))], align=True)),
        "struct_bigendian": np.zeros(1, dtype=[("x", ">f8"), ("y", ">U2")]),
        "big_f64": rng(4, dtype=">f8"),
        "big_i32": rng(4, dtype=">i4"),
        "big_unicode": np.array(["ab"], dtype=">U3"),
        "fortran": np.asfortranarray(rng(6, dtype="<f4").reshape(2, 3)),
        "fortran_3d": np.asfortranarray(rng(24, dtype="<i2").reshape(2, 3, 4)),
        "scalar0d": np.array(3.5, dtype="<f8"),
        "empty": np.zeros((0,), dtype="<f4"),
        "empty_2d": np.zeros((3, 0), dtype="<i8"),
        "zero_itemsize_struct": np.zeros(4, dtype=[]),
        "v3_utf8_names": np.zeros(2, dtype=[("π", "<f4"), ("名前", "<i2")]),
        "object_mixed": np.array([1, "two", 3.0, None, {"k": [1, 2]}, (5, 6)], dtype=object),
        "object_2d": np.array([[1, "a"], [None, 2.5]], dtype=object),
        "object_0d": np.array({"a": 1}, dtype=object),
        "object_struct": np.array([(1.5, "x")], dtype=[("f", "<f8"), ("o", "O")]),
        "object_nested_struct": np.array([((1, "y"),)], dtype=[("n", [("i", "<i4"), ("o", "O")])]),
        "object_subarray": np.zeros(1, dtype=[("o", "O", (2,))]),
        "big_header_v1": np.zeros(1, dtype=[("field_%04d" % i, "<u1") for i in range(600)]),
        "huge_header_v2": np.zeros(1, dtype=[("field_%05d" % i, "<u1") for i in range(3500)]),
    }
    return arrs


def write_real(manifest):
    for name, arr in real_arrays().items():
        path = os.path.join(FILES, name + ".npy")
        np.save(path, arr, allow_pickle=True)
        manifest.append(dict(describe(path), name=name, file="files/" + name + ".npy", kind="real"))
    # Version 2.0 and 3.0 forced on small arrays.
    for ver in [(2, 0), (3, 0)]:
        name = "v%d_forced" % ver[0]
        path = os.path.join(FILES, name + ".npy")
        with open(path, "wb") as f:
            npformat.write_array(f, np.arange(4, dtype="<i4"), version=ver)
        manifest.append(dict(describe(path), name=name, file="files/" + name + ".npy", kind="real"))
    # Trailing bytes after the data: numpy ignores them.
    path = os.path.join(FILES, "trailing.npy")
    buf = io.BytesIO()
    np.save(buf, np.arange(3, dtype="<f4"))
    with open(path, "wb") as f:
        f.write(buf.getvalue() + b"TRAILING-JUNK")
    manifest.append(dict(describe(path), name="trailing", file="files/trailing.npy", kind="real"))


# ---------------------------------------------------------------- hand-made files

def object_pickle(arr):
    return pickle.dumps(arr, protocol=3)


def handmade():
    """name -> file bytes. Quirks numpy accepts and deviations it rejects."""
    f4x2 = b"\x00\x00\x80\x3f\x00\x00\x00\x40"
    good = npy(hdr(), data=f4x2)
    hl = struct.unpack("<H", good[8:10])[0]
    obj = object_pickle(np.array([1, "x"], dtype=object))
    return {
        # accepted quirks
        "quirk_negative_dim": npy(hdr(shape="(-1,)"), data=b"\x00" * 20),
        "quirk_negative_dim_2d": npy(hdr(shape="(2, -1)"), data=b"\x00" * 24),
        "quirk_negative_dim_partial": npy(hdr(shape="(-7,)"), data=b"\x00" * 18),
        "quirk_negative_dim_fortran": npy(hdr(fortran="True", shape="(-1, 3)"), data=b"\x00" * 24),
        "quirk_duplicate_key": npy("{'descr': '|O', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data=f4x2),
        "quirk_duplicate_key_object": npy("{'descr': '<f4', 'descr': '|O', 'fortran_order': False, 'shape': (2,), }", data=obj),
        "quirk_py2_long": npy(hdr(shape="(2L,)"), data=f4x2),
        "quirk_py2_long_v2": npy(hdr(shape="(1L, 2L)"), version=(2, 0), data=f4x2),
        "quirk_control_char_object": npy(hdr(descr="'\\x11'"), data=obj),
        "quirk_control_char_float": npy(hdr(descr="'\\x0b'"), data=f4x2),
        "quirk_descr_tuple_1": npy(hdr(descr="('<f4', 1)"), data=f4x2),
        "quirk_descr_tuple_itemsize": npy(hdr(descr="('S', 4)"), data=f4x2),
        "quirk_pad_object_subarray": npy(hdr(descr="[('a', '<f4'), ('', '|O', (2,))]"), data=b"\x00" * 40),
        "quirk_comment_and_layout": npy("{'descr':\n  '<f4', # float\n 'fortran_order': False,\n 'shape': (2,)}\n", data=f4x2),
        "quirk_type_name": npy(hdr(descr="'float32'"), data=f4x2),
        "quirk_unaligned_header": npy(hdr(), data=f4x2, pad=False),
        "quirk_object_shape_ignored": npy(hdr(descr="'|O'", shape="(1000000000,)"), data=obj),
        "quirk_zero_itemsize": npy(hdr(descr="'|S0'", shape="(5,)")),
        "quirk_negative_dim_empty": npy(hdr(descr="'V2147483647'", shape="(-1, 2147483647)")),
        # rejected
        "bad_magic": b"\x93NUMPZ" + good[6:],
        "bad_version_1_1": good[:6] + bytes([1, 1]) + good[8:],
        "bad_version_4_0": good[:6] + bytes([4, 0]) + good[8:],
        "bad_version_0_0": good[:6] + bytes([0, 0]) + good[8:],
        "short_magic": good[:7],
        "short_header_len": good[:9],
        "truncated_header": good[:10 + hl // 2],
        "header_len_too_big": good[:8] + struct.pack("<H", 65535) + good[10:],
        "missing_key": npy("{'descr': '<f4', 'shape': (2,), }", data=f4x2),
        "extra_key": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1, }", data=f4x2),
        "not_a_dict": npy("['<f4', False, (2,)]", data=f4x2),
        "non_literal_import": npy("{'descr': __import__('os').system('id'), 'fortran_order': False, 'shape': (2,), }", data=f4x2),
        "non_literal_call": npy(hdr(descr="str('<f4')"), data=f4x2),
        "non_literal_name": npy(hdr(fortran="false"), data=f4x2),
        "shape_two_negative": npy(hdr(shape="(-1, -1)"), data=f4x2),
        "shape_negative_and_zero": npy(hdr(shape="(0, -1)"), data=f4x2),
        "shape_float": npy(hdr(shape="(2.0,)"), data=f4x2),
        "shape_list": npy(hdr(shape="[2]"), data=f4x2),
        "shape_bool": npy(hdr(shape="(True,)"), data=f4x2),
        "shape_too_big": npy(hdr(shape="(9223372036854775808,)"), data=f4x2),
        "fortran_int": npy(hdr(fortran="0"), data=f4x2),
        "descr_unknown": npy(hdr(descr="'<f3'"), data=f4x2),
        "data_short": npy(hdr(shape="(3,)"), data=f4x2),
        "descr_bomb": npy(hdr(descr="'|S2000000000'", shape="(1,)"), data=b"x" * 64),
        "shape_bomb": npy(hdr(shape="(4611686018427387904, 4)"), data=f4x2),
        "negative_dim_too_big": npy(hdr(descr="'V2147483647'", shape="(-1, 1099511627776)")),
        "v3_bad_utf8": npy(b"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), '\xff': 1}", version=(3, 0), data=f4x2),
        "v3_py2_long": npy(hdr(shape="(2L,)"), version=(3, 0), data=f4x2),
        "nul_in_header": npy(hdr(descr="'<f4\x00'"), data=f4x2),
        "too_deep": npy(hdr(shape="(" * 201 + "2," + ")" * 201), data=f4x2),
        "quirk_header_over_10000": npy(hdr() + " " * 10100, data=f4x2),
    }


def write_handmade(manifest):
    for name, data in handmade().items():
        path = os.path.join(FILES, name + ".npy")
        with open(path, "wb") as f:
            f.write(data)
        manifest.append(dict(describe(path), name=name, file="files/" + name + ".npy", kind="handmade"))


# ---------------------------------------------------------------- probes

LAYOUT = [
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}   \n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n  ",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n  \n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\r\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\r",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} # c\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n# c\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\t\f",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n  # c",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n  # c\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n# c",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n\t",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n\f",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n\t\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n  \n  ",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\r\n  ",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} \\\n\n",
    "  # c\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\t\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    " \f {'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\\\n {'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\r{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\r\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\f\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\r ",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\r\n ",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\r  \n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n\r ",
    "\\\r\n\f{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\\\r\f{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\t\\\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "# c\n\f{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\n\f{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\n \\\r\n\f{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    " \\\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\n \\\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\\\n",
    "  {'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\t{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\n\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\n  {'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "  \n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "# c\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\\\n{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "\f{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "({'descr': '<f4', 'fortran_order': False, 'shape': (2,)})",
    "(({'descr': '<f4', 'fortran_order': False, 'shape': (2,)}))",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)},",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} {}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,),,}",
    "{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}",
    "{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}}",
    "{\n'descr'\n:\n'<f4'\n,\n'fortran_order'\n:\nFalse\n,\n'shape'\n:\n(\n2\n,\n)\n}",
    "{'descr':'<f4','fortran_order':False,'shape':(2,)}",
    "{'descr': '<f4',\r'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4',\\\n'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4',\\\r\n'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4',\f'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4',\v'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4',\xa0'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4', # }\n'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\x00",
    "",
    "   ",
    "{}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'descr': '<f4'}",
    "{'descr': '|O', 'fortran_order': False, 'shape': (2,), 'descr': '<f4'}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), b'x': 1}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 1: 1}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), [1]: 1}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), (1, [2]): 1}",
    "{'descr': '<f4', 'fortran_order': False, **{'shape': (2,)}}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,) if 1 else 0}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}[0:1]",
    "{'de' 'scr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,)}",
    "{'''descr''': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{\"\"\"descr\"\"\": '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{r'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{u'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{R'descr': U'<f4', 'fortran_order': False, 'shape': (2,)}",
    "{b'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{f'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{ur'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{rb'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'\\x64escr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'\\u0064escr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'\\U00000064escr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'\\144escr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'\\N{LATIN SMALL LETTER D}escr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'de\\\nscr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'de\nscr': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'''de\nscr''': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'descr\\d': '<f4', 'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4\\x', 'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4\\U00110000', 'fortran_order': False, 'shape': (2,)}",
    "{'descr': '\\ud800', 'fortran_order': False, 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'é': 1}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}#é",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 1: set()}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 1: {1, 2}}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 1: ...}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 1: None}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 1: 1+2j}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 1: 1+2}",
    "{'descr': '<f4', 'fortran_order': True, 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': 1, 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': None, 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': 'False', 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': (False), 'shape': (2,)}",
    "{'descr': '<f4', 'fortran_order': -True, 'shape': (2,)}",
]

SHAPES = [
    "()", "(2,)", "(1, 2)", "(2, 1)", "(2, 1, 1)", "2", "[2]", "(2)", "((2,))", "(2, )",
    "(0,)", "(0, 2)", "(-0,)", "(+2,)", "(- 2,)", "(-(2),)", "(--2,)", "(+-2,)",
    "(0x2,)", "(0o2,)", "(0b10,)", "(0X2,)", "(0_2,)", "(1_0,)", "(02,)", "(00,)", "(0_0,)", "(2_,)", "(1__0,)",
    "(2.0,)", "(2.,)", "(2e0,)", "(2j,)", "(True,)", "(False,)", "(True, 2)", "(None,)", "('2',)", "(b'2',)",
    "(2L,)", "(2l,)", "(2 L,)", "(2LL,)", "(2L L,)", "(2\\\nL,)", "(2\\\r\nL,)", "(2\\\rL,)", "(2\nL,)", "(2\rL,)", "(2#c\nL,)", "(0x2L,)", "(2Lx,)", "(L,)", "(2,L)",
    "(-1,)", "(-2,)", "(-1, 2)", "(2, -1)", "(-1, -1)", "(0, -1)", "(-1, 0)", "(3, -1)", "(-9223372036854775808,)",
    "(9223372036854775807,)", "(9223372036854775808,)", "(99999999999999999999,)", "(-9223372036854775809,)",
    "(4611686018427387904, 2)", "(4294967296, 4294967296)", "(4294967297, 4294967296)",
    "(1099511627776, 0)", "(0, 1099511627776)", "(4611686018427387904, 0)", "(0, 4611686018427387904)",
    "(2305843009213693952, 0)", "(2305843009213693951, 0)", "(1152921504606846976, 2, 0)", "(0, 576460752303423488, 4)",
    "(9223372036854775807, 0)", "(0, 9223372036854775807, 2)",
    "(" + "1, " * 32 + ")", "(" + "1, " * 33 + ")", "(" + "1, " * 31 + "2, " + ")", "(" + "1, " * 32 + "-1, " + ")",
]

DESCRS = [
    # typestrs
    "'<f4'", "'f4'", "'=f4'", "'|f4'", "'>f4'", "'<f8'", "'<f2'", "'<f16'", "'<f12'", "'<f3'", "'<f0'", "'<f'",
    "'|b1'", "'<b1'", "'b1'", "'?'", "'|?'", "'b'", "'B'", "'b8'", "'<i1'", "'i2'", "'>i8'", "'<u8'", "'i3'", "'i0'", "'i'", "'I'",
    "'h'", "'H'", "'l'", "'L'", "'q'", "'Q'", "'p'", "'P'", "'n'", "'N'", "'e'", "'f'", "'d'", "'g'", "'F'", "'D'", "'G'",
    "'<c8'", "'<c16'", "'<c32'", "'c4'", "'c'", "'c1'", "'c2'",
    "'|O'", "'O'", "'<O'", "'>O'", "'O8'", "'|O8'", "'O4'", "'O0'", "'O2'", "'object'", "'object_'", "'object0'",
    "'|S5'", "'S5'", "'<S5'", "'S'", "'S0'", "'S00'", "'S05'", "'a5'", "'a'", "'a0'", "'|S2000000000'", "'S2147483647'", "'S2147483648'",
    "'<U10'", "'U10'", "'>U3'", "'|U3'", "'U'", "'U0'", "'U010'", "'U536870911'", "'U536870912'", "'U1073741824'",
    "'|V8'", "'V8'", "'<V8'", "'V'", "'V0'", "'V2147483647'",
    "'<M8[ns]'", "'M8[ns]'", "'>M8[us]'", "'|M8[D]'", "'=M8[s]'", "'<M8'", "'M8'", "'M'", "'m'", "'<m8[ns]'", "'<m8[25ms]'", "'M8[1000ns]'",
    "'M8[0ns]'", "'M8[-1ns]'", "'M8[-0ns]'", "'M8[\\t1ns]'", "'M8[+1ns]'", "'M8[ 1ns]'", "'M8[2147483647ns]'", "'M8[2147483648ns]'", "'M8[99999999999ns]'",
    "'M8[]'", "'M8[xx]'", "'M8[B]'", "'M8[ns,1]'", "'M8[ns/2]'", "'M8[3ns/2]'", "'M8[ns]x'", "'M8x'", "'M4'", "'M16'", "'M 8'", "'m08'", "'M+8'",
    "'M8[Y]'", "'M8[M]'", "'M8[W]'", "'M8[D]'", "'M8[h]'", "'M8[m]'", "'M8[s]'", "'M8[ms]'", "'M8[us]'", "'M8[\\u03bcs]'", "'M8[ps]'",
    "'M8[fs]'", "'M8[as]'", "'M8[generic]'", "'M8[2generic]'", "'M8[ns'", "'M8ns]'", "'M8[[ns]]'",
    "'datetime64'", "'datetime64[ns]'", "'<datetime64[ns]'", "'timedelta64[s]'", "'datetime64x'", "'timedelta64'",
    "'float32'", "'float'", "'int'", "'bool'", "'bool_'", "'bool8'", "'str'", "'bytes'", "'unicode'", "'void'", "'int8'", "'uint64'",
    "'float16'", "'complex64'", "'complex128'", "'longdouble'", "'int0'", "'uint0'", "'bytes0'", "'str0'", "'intc'", "'uintp'",
    "'longlong'", "'half'", "'single'", "'double'", "'csingle'", "'clongdouble'", "'string_'", "'unicode_'",
    "'Float64'", "'float64 '", "' <f4'", "'<f4 '", "'f4\\x00'", "'i4\\n'", "'int64[ns]'", "'np.float32'", "'<float32'",
    "'<=f4'", "'<<f4'", "'|<f4'", "''", "'<'", "'|'", "' '", "'f+4'", "'i 4'", "'S 5'", "'S+5'", "'S-5'", "'f08'", "'f4.0'",
    "'i4,f8'", "'<i4, <f8'", "'(2,)f4'", "'2f4'", "'<2f4'", "'()f4'", "'<()f4'", "'(2)f4'", "'M8[ns,us]'", "'f4,'",
    "'\\x00'", "'\\x01'", "'\\x05'", "'<\\x05'", "'>\\x05'", "'\\x11'", "'<\\x11'", "'\\x12'", "'\\x13'", "'\\x14'", "'\\x15'",
    "'\\x16'", "'\\x17'", "'\\x18'", "'\\x19'", "'\\x1a'", "'\\x1b'", "'\\x111'", "'\\x7f'", "'\\xe9'", "'π'", "'\\t'",
    # non-strings
    "b'<f4'", "1", "None", "True", "2.0", "{'<f4'}", "{('a', '<f4'): 1}", "{'names': ['a'], 'formats': ['<f4']}",
    # tuples
    "('<f4', 1)", "('<f4', ())", "('<f4', (1,))", "('<f4', (2,))", "('<f4', 2)", "('<f4', [2])", "('<f4', [])", "('<f4', True)",
    "('<f4', (True,))", "('<f4', 2.0)", "('<f4', None)", "('<f8', None)", "('<f4', '<i4')", "('<f4', (-1,))", "('<f4', (0,))",
    "('<f4', (2147483648,))", "('<f4', (536870912,))", "('<f4', (536870911,))", "('<f4', (1, 1))", "('<f4', (2,), 'x')", "('<f4',)",
    "()", "('S', 3)", "('S', True)", "('S', -1)", "('S', (3,))", "('U', 3)", "('V', 3)", "('S0', 3)", "('|S5', 3)", "('S', 0)",
    "('U', 536870912)", "('S', 2147483648)", "(('<f4', (2,)), (3,))", "(('<f4', (0,)), 3)", "('|O', (1,))", "('|O', 1)",
    "('<f4', (" + "1, " * 33 + "))", "('<f4', (" + "1, " * 32 + "))", "(['a'], 1)", "([('a', '<f4')], (1,))",
    # structured
    "[]", "[('a', '<f4')]", "[('a', '<f4'), ('b', '<i8')]", "[('a', '<f4'), ('', '|V4')]", "[('', '|V4'), ('a', '<f4')]",
    "[('a', '<f4'), ('', '<i4')]", "[('a', '<f4'), ('', '<i4'), ('', '<i4')]", "[('a', '<f4'), ('', '|O')]",
    "[('a', '<f4'), ('', '|O', (2,))]", "[('a', '<f4'), ('', '<f4', (2,))]", "[('a', '<f4'), ('', [('x', '|O')])]",
    "[('a', '<f4'), ('', [])]", "[('a', '|O')]", "[('a', '<f4'), ('b', '|O')]", "[('a', [('b', '<f4'), ('c', '|O')])]",
    "[('a', [('b', '<f4'), ('c', [('d', '<i2', (3,))])])]", "[('a', '<f4'), ('a', '<f4')]", "[(('t', 'a'), '<f4')]",
    "[(('t', 'a'), '<f4'), ('t', '<f4')]", "[(('t', 'a'), '<f4'), (('t', 'b'), '<f4')]", "[(('', 'a'), '<f4')]",
    "[((None, 'a'), '<f4')]", "[((1, 'a'), '<f4')]", "[(('t', ''), '<f4')]", "[(('t', 'a', 'x'), '<f4')]", "[(('t',), '<f4')]",
    "[('a', '<f4', (2,))]", "[('a', '<f4', 2)]", "[('a', '<f4', 1)]", "[('a', '<f4', 0)]", "[('a', '<f4', ())]", "[('a', '<f4', [2])]",
    "[('a', '<f4', (2,), 1)]", "[('a',)]", "[('a', '<f4', (-1,))]", "[('a', '<f4', (True,))]", "[('a', '<f4', 2.0)]",
    "[['a', '<f4']]", "[('a', ['<f4'])]", "[('a', ('<f4', (2,)))]", "[('a', ('<f4', (2,)), (3,))]", "[('a', 'S', 3)]",
    "[('a', 'S0')]", "[('a', 'U')]", "[('ab')]", "['ab']", "['abc']", "[b'ab']", "[1]", "[None]", "[('a', None)]",
    "[(1, '<f4')]", "[(b'a', '<f4')]", "[('π', '<f4')]", "[('a\\x00', '<f4')]",
    "[('a', 'S2000000000'), ('b', 'S2000000000')]", "[('a', 'S1073741824'), ('b', 'S1073741823')]",
    "[('a', 'S2147483647'), ('', '|V1')]", "[('a', '<f4', (536870911,)), ('b', '<f4')]",
    "[('a', '<i4,<f8')]", "[('a', '\\x11')]", "[('a', 'object')]", "[('', '|V0')]", "[('', 'V')]",
    "[('', ('|O', (1,)))]", "[('', ('|O', 1))]",
]


def probe_entry(name, header, version, data):
    """Run one probe. The Go test rebuilds the file from text, version and
    the data length and byte, so they are all that is stored of it."""
    assert len(set(data)) <= 1
    path = os.path.join(HERE, ".probe.npy")
    with open(path, "wb") as f:
        f.write(npy(header, version=version, data=data, pad=False))
    h = numpy_header(path)
    verdict = load(path, False)
    if h is not None and verdict["result"] != "error":
        h = {k: h[k] for k in ("itemsize", "object", "str", "header_shape")}
    else:
        h = None  # only accepted probes need numpy's dtype
    if "error" in verdict:
        verdict["error"] = verdict["error"][:60]
    return {"name": name, "text": header, "version": list(version), "data_len": len(data),
            "data_byte": data[0] if data else 0, "header": h, "load": verdict}


def probe_data(header, version):
    """Data bytes for a probe: exactly what the header declares when numpy
    can tell, else 16 zero bytes."""
    tmp = os.path.join(HERE, ".probe.npy")
    with open(tmp, "wb") as f:
        f.write(npy(header, version=version, pad=False))
    h = numpy_header(tmp)
    if h is None or h["object"]:
        return b"\x00" * 16
    n = 1
    for s in h["header_shape"]:
        n *= s
    total = n * h["itemsize"]
    if 0 <= total <= 256:
        return b"\x01" * total
    return b"\x00" * 16


def write_probes():
    probes = []
    groups = [("layout", LAYOUT), ("shape", [hdr(shape=s) for s in SHAPES]),
              ("shape_s0", [hdr(descr="'|S0'", shape=s) for s in SHAPES]),
              ("shape_obj", [hdr(descr="'|O'", shape=s) for s in SHAPES]),
              ("shape_sub", [hdr(descr="('<f4', (1,))", shape=s) for s in SHAPES]),
              ("shape_fortran", [hdr(fortran="True", shape=s) for s in SHAPES]),
              ("descr", [hdr(descr=d) for d in DESCRS]),
              ("descr_0d", [hdr(descr=d, shape="()") for d in DESCRS]),
              ("descr_neg", [hdr(descr=d, shape="(-1,)") for d in DESCRS])]
    for group, headers in groups:
        # Version matters for layout and literals; the variant groups only
        # vary the dtype or shape and are written once.
        versions = [(1, 0), (3, 0)] if group in ("layout", "shape", "descr") else [(1, 0)]
        for i, h in enumerate(headers):
            for version in versions:
                try:
                    h.encode("latin1" if version == (1, 0) else "utf8")
                except UnicodeEncodeError:
                    continue
                data = probe_data(h, version)
                probes.append(probe_entry("%s/%d/v%d" % (group, i, version[0]), h, version, data))
    # nesting depth: the C tokenizer allows 200 open brackets
    for depth in [199, 200, 201]:
        h = hdr(shape="(" * (depth - 1) + "2," + ")" * (depth - 1))
        for version in [(1, 0), (3, 0)]:
            probes.append(probe_entry("depth/%d/v%d" % (depth, version[0]), h, version, b"\x00" * 8))
    # v2 is parsed like v1 (latin1, L suffixes)
    for i, h in enumerate([hdr(shape="(2L,)"), hdr(descr="'\\xe9'"), hdr(), hdr(descr="'\xe9'")]):
        probes.append(probe_entry("v2/%d" % i, h, (2, 0), b"\x00" * 8))
    os.remove(os.path.join(HERE, ".probe.npy"))
    return probes


def main():
    if not np.__version__.startswith("1.24"):
        sys.exit("gen.py: want numpy 1.24 (Debian python3-numpy), have %s" % np.__version__)
    shutil.rmtree(FILES, ignore_errors=True)
    os.makedirs(FILES)
    manifest = []
    write_real(manifest)
    write_handmade(manifest)
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump({"numpy": np.__version__, "files": manifest}, f, indent=1, sort_keys=True, ensure_ascii=True)
        f.write("\n")
    with open(os.path.join(HERE, "probes.json"), "w") as f:
        # one probe per line keeps diffs readable
        f.write('{"numpy": %s, "probes": [\n' % json.dumps(np.__version__))
        f.write(",\n".join(json.dumps(p, sort_keys=True) for p in write_probes()))
        f.write("\n]}\n")
    names = {}
    for k in sorted(k for k in np.sctypeDict if isinstance(k, str)):
        d = np.dtype(k)
        names[k] = {"str": d.str, "itemsize": d.itemsize, "kind": d.kind}
    with open(os.path.join(HERE, "typenames.json"), "w") as f:
        json.dump({"numpy": np.__version__, "names": names}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
