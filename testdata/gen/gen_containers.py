#!/usr/bin/python3
"""Generate the modelgate container fixtures (torch zip/legacy/tar, TorchScript,
numpy .npy/.npz, tar/zip/compressed wrappers, folder trees).

Run from the repository root with Debian's interpreter (torch 1.13, numpy 1.24,
joblib 1.2, lz4; the zstd CLI):

    /usr/bin/python3 testdata/gen/gen_containers.py
    /usr/bin/python3 testdata/gen/check_containers.py

Output: testdata/containers/{benign,benign-unlisted,malicious,extracted}/ plus
testdata/containers/manifest.json and testdata/containers/README.md (generated).

SAFETY. This script only *writes* files. It never unpickles a malicious file.
Every payload, if some loader ever ran it, only creates the file
/tmp/modelgate-canary-<name> (shell `touch`). To learn how torch reads a zip
trick, the script builds the SAME trick with a benign data.pkl and calls
torch.load on THAT copy only (see `probe_torch`). The pickle assembler and the
payload helpers are shared with gen_corpus.py.

The script re-executes itself with PYTHONHASHSEED=0 (TorchScript's code
emitter iterates a set), so output is byte-for-byte reproducible on the same
package versions.
"""

import bz2
import collections
import gzip
import io
import json
import lzma
import os
import pickle
import pickletools
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "testdata" / "containers"
sys.dont_write_bytecode = True  # importing helpers must not litter testdata/gen
sys.path.insert(0, str(HERE))

from gen_corpus import (  # noqa: E402  (shared pickle assembler and payloads)
    BININT2, GLOBAL, LONG1, POP, PROTO, STOP, DeterministicLegacyKeys, call, lit, os_system,
    program, text,
)

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001
MAX_FILE = 200 * 1024
MAX_TOTAL = 5 * 1024 * 1024

# Rule IDs a fixture may expect: the pickle rules (scan/rules/*) plus the
# container rules the engine adds for this issue.
PICKLE_RULES = {
    "pickle-denied-global", "pickle-unlisted-global", "pickle-dynamic-global",
    "pickle-ext-opcode", "pickle-global-mutation", "pickle-nested-pickle",
    "pickle-error-after-call", "pickle-frame-violation", "pickle-trailing-data",
    "pickle-protocol-anomaly",
}
CONTAINER_RULES = {
    "zip-anomaly", "torchscript-archive", "torch-storage-mismatch",
    "format-extension-mismatch", "archive-symlink-escape", "npy-object-array", "scan-limit",
}
RULES = PICKLE_RULES | CONTAINER_RULES
DENIED = ["pickle-denied-global"]


# ---------------------------------------------------------------------------
# Part 1: a zip writer that reproduces torch's PyTorchStreamWriter byte for
# byte (stored entries, 64-byte aligned data via an 'FB' extra field, local
# headers with flags 0x0808 and zero CRC/sizes, 16-byte data descriptors,
# version fields 0, zip64 end records always). Every knob a trick needs is an
# attribute of ZEntry or an argument of write_zip.

class ZEntry:
    """One zip member. Fields other than name/data default to what torch writes."""

    def __init__(self, name, data, **kw):
        self.name = name                      # central-directory name (str)
        self.data = data
        self.local_name = kw.pop("local_name", None)   # differs from name: mismatch trick
        # central general-purpose flags; miniz writes no data descriptor (bit 3)
        # for an empty record
        self.flags = kw.pop("flags", 0x0808 if data else 0x0800)
        self.local_flags = kw.pop("local_flags", None)  # default: same as central
        self.crc = kw.pop("crc", None)                 # default: real CRC-32
        self.zip64 = kw.pop("zip64", False)            # force zip64 extra fields
        # central offset: an int, or (member name, delta) = that member's data
        # start + delta (overlapping-entries trick)
        self.offset_override = kw.pop("offset_override", None)
        self.write_local = kw.pop("write_local", True)  # False: central entry only
        assert not kw, kw


def _fb_padding(cursor, name_len, zip64_extra_len, align):
    start = cursor + 30 + name_len + zip64_extra_len + 4
    pad = (-start) % align
    return b"FB" + struct.pack("<H", pad) + b"Z" * pad


def write_zip(entries, *, prefix=b"", relative_offsets=False, align=64):
    """Serialise entries the way torch's writer does.

    prefix: bytes written before the first local header. With
    relative_offsets=False the recorded offsets are absolute (the prefix is an
    unreferenced region, as if another tool wrote it); with True they are
    relative to the end of the prefix (`cat prefix archive.zip`).
    """
    out = bytearray(prefix)
    base = len(prefix) if relative_offsets else 0
    central = []
    data_start = {}
    for e in entries:
        crc = zlib.crc32(e.data) if e.crc is None else e.crc
        lname = (e.local_name or e.name).encode()
        lflags = e.flags if e.local_flags is None else e.local_flags
        offset = len(out) - base
        if e.write_local:
            z64 = b""
            if e.zip64:
                z64 = struct.pack("<HHQQ", 1, 16, 0, 0)
            extra = z64 + _fb_padding(len(out), len(lname), len(z64), align)
            size32 = 0xFFFFFFFF if e.zip64 else 0
            out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if e.zip64 else 0, lflags, 0, 0, 0,
                               0, size32, size32, len(lname), len(extra))
            out += lname + extra
            data_start[e.name] = len(out) - base
            out += e.data
            if not lflags & 0x8:
                pass
            elif e.zip64:
                out += struct.pack("<IIQQ", 0x08074B50, crc, len(e.data), len(e.data))
            else:
                out += struct.pack("<IIII", 0x08074B50, crc, len(e.data), len(e.data))
        central.append((e, crc, offset))
    for i, (e, crc, offset) in enumerate(central):
        if isinstance(e.offset_override, tuple):
            central[i] = (e, crc, data_start[e.offset_override[0]] + e.offset_override[1])
        elif e.offset_override is not None:
            central[i] = (e, crc, e.offset_override)
    cd_start = len(out) - base
    for e, crc, offset in central:
        name = e.name.encode()
        if e.zip64:
            extra = struct.pack("<HHQQQ", 1, 24, len(e.data), len(e.data), offset)
            out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, e.flags, 0, 0, 0, crc,
                               0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0, 0xFFFFFFFF)
            out += name + extra
        else:
            out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, e.flags, 0, 0, 0, crc,
                               len(e.data), len(e.data), len(name), 0, 0, 0, 0, 0, offset)
            out += name
    cd_size = len(out) - base - cd_start
    eocd64 = len(out) - base
    n = len(entries)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 0x2D, 0, 0, n, n, cd_size, cd_start)
    out += struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_start, 0)
    return bytes(out)


def zip_records(data):
    """(name, bytes) of every member of a well-formed zip, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def rezip(records, **kw):
    return write_zip([ZEntry(n, d) for n, d in records], **kw)


def replace_record(records, name, data):
    assert any(n == name for n, _ in records), name
    return [(n, data if n == name else d) for n, d in records]


def insert_after(records, after, new):
    out = []
    for n, d in records:
        out.append((n, d))
        if n == after:
            out.extend(new)
    return out


def fixed_zip(members, compression=zipfile.ZIP_DEFLATED):
    """A plain zip (Python zipfile) with fixed timestamps: outer wrappers."""
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            z.writestr(info, data, compresslevel=6 if compression == zipfile.ZIP_DEFLATED else None)
    return f.getvalue()


# ---------------------------------------------------------------------------
# Part 2: torch.save wrappers (deterministic).

def _torch():
    import torch
    torch.manual_seed(0)
    return torch


def torch_save_bytes(obj, filename=None, **kw):
    """torch.save to a real path named `filename` (sets the archive's top-level
    folder to its stem) or, with filename=None, to a buffer ('archive/')."""
    import torch
    if filename is None:
        f = io.BytesIO()
        with DeterministicLegacyKeys():
            torch.save(obj, f, **kw)
        return f.getvalue()
    with tempfile.TemporaryDirectory(prefix="modelgate-gen-") as d:
        p = os.path.join(d, filename)
        with DeterministicLegacyKeys():
            torch.save(obj, p, **kw)
        return Path(p).read_bytes()


def torch_legacy_bytes(obj, **kw):
    return torch_save_bytes(obj, None, _use_new_zipfile_serialization=False, **kw)


# ---------------------------------------------------------------------------
# Part 3: benign object builders. check_containers.py imports this module and
# calls BUILDERS[name]() to get the value a benign file must load back to.

BUILDERS = {}


def builder(fn):
    BUILDERS[fn.__name__] = fn
    return fn


@builder
def linear_sd():
    return _torch().nn.Linear(4, 3).state_dict()


@builder
def conv2d_sd():
    return _torch().nn.Conv2d(2, 3, 3, padding=1).state_dict()


@builder
def batchnorm_sd():
    torch = _torch()
    bn = torch.nn.BatchNorm2d(3)
    bn.train()
    with torch.no_grad():
        bn(torch.randn(4, 3, 2, 2))  # moves running stats and num_batches_tracked (int64)
    return bn.state_dict()


@builder
def embedding_sd():
    return _torch().nn.Embedding(10, 4, padding_idx=0).state_dict()


@builder
def lstm_sd():
    return _torch().nn.LSTM(3, 4, num_layers=2).state_dict()


def _optimizer_sd(kind):
    torch = _torch()
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 1))
    if kind == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(5, 4)).pow(2).mean().backward()
        opt.step()
    return opt.state_dict()


@builder
def sgd_momentum_optim():
    return _optimizer_sd("sgd")


@builder
def adam_optim():
    return _optimizer_sd("adam")  # 'step' is a 0-d float32 tensor in torch 1.13


@builder
def dtypes():
    torch = _torch()
    base = torch.arange(-3, 3)
    return {
        "float32": torch.randn(2, 3),
        "float64": torch.randn(3, dtype=torch.float64),
        "float16": torch.randn(4).half(),
        "bfloat16": torch.randn(4).bfloat16(),
        "int8": base.to(torch.int8),
        "uint8": torch.arange(0, 250, 50, dtype=torch.uint8),
        "int16": base.to(torch.int16),
        "int32": base.to(torch.int32),
        "int64": base * (2 ** 40),
        "bool": torch.tensor([True, False, True]),
        "complex64": torch.randn(3, dtype=torch.complex64),
        "complex128": torch.randn(2, 2, dtype=torch.complex128),
    }


@builder
def views_shared():
    torch = _torch()
    w = torch.randn(4, 5)
    seq = torch.arange(10, dtype=torch.float32)
    return {
        "w": w,
        "view": w[1],                  # same storage, offset 5
        "rows": w[1:3],                # same storage, offset 5, shape (2, 5)
        "t": w.t(),                    # non-contiguous: stride (1, 5)
        "col": w[:, 2],                # stride (5,)
        "w_again": w,                  # same tensor twice
        "strided": seq[::3],           # stride (3,)
        "expand": torch.tensor([1.5]).expand(3, 2),  # stride (0, 0)
        "scalar": torch.tensor(3.25),  # 0-d
        "empty": torch.empty(0, 3),
        "empty_int": torch.zeros(2, 0, dtype=torch.int64),
        "param": torch.nn.Parameter(torch.randn(2, 2)),
        "param_frozen": torch.nn.Parameter(torch.ones(3), requires_grad=False),
    }


@builder
def checkpoint():
    return {
        "epoch": 3,
        "global_step": 1200,
        "model": linear_sd(),
        "optimizer": sgd_momentum_optim(),
        "metrics": {"loss": 0.25, "acc": [0.5, 0.75]},
        "config": {"name": "tiny", "layers": (4, 3), "dropout": None, "tags": ["a", "b"]},
        "rng": _torch().tensor([7, 11]),
    }


@builder
def nested_containers():
    torch = _torch()
    return [torch.ones(2), (torch.zeros(1, dtype=torch.int32), "label"), {"k": [torch.eye(2)]}, 42, None]


@builder
def sequential_module():
    torch = _torch()
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))


@builder
def np_state():
    import numpy as np
    rs = np.random.RandomState(3)
    return collections.OrderedDict([
        ("fc.weight", rs.randn(3, 4).astype(np.float32)),
        ("fc.bias", rs.randn(3).astype(np.float32)),
        ("steps", np.int64(12)),
        ("names", ["fc.weight", "fc.bias"]),
    ])


def _np():
    import numpy as np
    return np


NPY = {}  # name -> (builder name, how)


def npy(name, how=""):
    def deco(fn):
        BUILDERS["npy_" + name] = fn
        NPY[name] = ("npy_" + name, how)
        return fn
    return deco


@npy("float32", "2x3 float32")
def _f32():
    return _np().random.RandomState(0).randn(2, 3).astype("float32")


@npy("float64", "float64 vector")
def _f64():
    return _np().random.RandomState(1).randn(5)


@npy("int8", "int8 range")
def _i8():
    return _np().arange(-8, 8, dtype="int8").reshape(4, 4)


@npy("bool", "bool")
def _bool():
    return _np().array([[True, False], [False, True]])


@npy("complex128", "complex128")
def _c128():
    rs = _np().random.RandomState(2)
    return rs.randn(3) + 1j * rs.randn(3)


@npy("complex64", "complex64")
def _c64():
    return _c128().astype("complex64")


@npy("structured_nested", "structured dtype with a nested struct, a sub-array and bytes")
def _structured():
    np = _np()
    dt = np.dtype([("id", "<i4"), ("pos", [("x", "<f4"), ("y", "<f4")]), ("tag", "S3"), ("m", "<f8", (2, 2))])
    a = np.zeros(3, dtype=dt)
    a["id"] = [1, 2, 3]
    a["pos"]["x"] = [0.5, 1.5, 2.5]
    a["pos"]["y"] = [-1, -2, -3]
    a["tag"] = [b"abc", b"de", b""]
    a["m"] = np.arange(12).reshape(3, 2, 2)
    return a


@npy("datetime64", "datetime64[s]")
def _dt():
    return _np().array(["2020-01-01T00:00:00", "2024-02-29T12:34:56"], dtype="datetime64[s]")


@npy("timedelta64", "timedelta64[ms]")
def _td():
    return _np().array([0, 1500, -20], dtype="timedelta64[ms]")


@npy("fortran_order", "Fortran-ordered 3x4 float32 (fortran_order: True)")
def _fortran():
    return _np().asfortranarray(_np().arange(12, dtype="float32").reshape(3, 4))


@npy("zero_d", "0-d array, shape ()")
def _zero_d():
    return _np().array(2.5)


@npy("unicode_u5", "'<U5' strings")
def _u5():
    return _np().array(["ab", "hello", "\u00e9t\u00e9"], dtype="<U5")


@npy("big_endian", "'>i4' big-endian")
def _big():
    return _np().arange(6, dtype=">i4")


@npy("empty", "empty (0, 4) float64")
def _empty():
    return _np().zeros((0, 4))


@npy("v2_header", "format version 2.0 header (u32 header length), written with version=(2, 0)")
def _v2():
    return _np().arange(10, dtype="int16")


@npy("v3_utf8_fields", "format version 3.0 (utf-8 header): non-latin-1 field names")
def _v3():
    np = _np()
    return np.array([(1, 2.0)], dtype=[("\u65e5", "<i4"), ("\u03b2", "<f8")])


@builder
def npz_arrays():
    return {"arr_0": _f32(), "arr_1": _i8(), "labels": _u5(), "points": _structured()}


@builder
def npz_structured():
    return {"points": _structured()}


# ---------------------------------------------------------------------------
# Part 4: numpy writers.

def npy_bytes(arr, version=None, allow_pickle=False):
    np = _np()
    f = io.BytesIO()
    if version is None:
        np.save(f, arr, allow_pickle=allow_pickle)
    else:
        np.lib.format.write_array(f, arr, version=version, allow_pickle=allow_pickle)
    return f.getvalue()


class _FixedTime:
    """Stands in for zipfile's `time` module while np.savez runs: savez stamps
    each member with the current local time; we want 2024-01-01 00:00:00."""

    @staticmethod
    def time():
        return 0.0

    @staticmethod
    def localtime(_=None):
        return (2024, 1, 1, 0, 0, 0, 0, 1, 0)


def npz_bytes(arrays, compressed=False):
    np = _np()
    f = io.BytesIO()
    real = zipfile.time
    zipfile.time = _FixedTime
    try:
        (np.savez_compressed if compressed else np.savez)(f, **arrays)
    finally:
        zipfile.time = real
    return f.getvalue()


# ---------------------------------------------------------------------------
# Part 5: compression and tar wrappers (fixed timestamps/owners).

def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def bz(data):
    return bz2.compress(data, 9)


def xz(data):
    return lzma.compress(data, format=lzma.FORMAT_XZ, preset=6)


def lz4(data):
    import lz4.frame
    return lz4.frame.compress(data)


def zst(data):
    return subprocess.run(["zstd", "-q", "-19", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout


COMPRESSORS = {"gz": (gz, "gzip"), "bz2": (bz, "bzip2"), "xz": (xz, "xz"), "lz4": (lz4, "lz4"),
               "zst": (zst, "zstd")}


def tar_bytes(members, fmt=tarfile.PAX_FORMAT):
    """members: (name, bytes) for regular files, or (name, ('symlink', target))."""
    f = io.BytesIO()
    with tarfile.open(fileobj=f, mode="w", format=fmt) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if isinstance(data, tuple):
                info.type = tarfile.SYMTYPE
                info.linkname = data[1]
                info.mode = 0o777
                t.addfile(info)
            else:
                info.size = len(data)
                info.mode = 0o644
                t.addfile(info, io.BytesIO(data))
    return f.getvalue()


# ---------------------------------------------------------------------------
# Part 6: torch legacy formats written by hand.

class LegacyStorages:
    """Persistent ids for the legacy stream, as torch's _legacy_save makes them,
    with keys '0', '1', ... in first-use order (torch uses heap addresses)."""

    def __init__(self):
        import torch
        self.torch = torch
        self.keys = {}      # _cdata -> key str (the same str object each time)
        self.storages = {}  # key -> (numel, raw bytes)

    def persistent_id(self, obj):
        torch = self.torch
        if not isinstance(obj, torch.storage.TypedStorage):
            return None
        untyped = obj._storage
        key = self.keys.setdefault(untyped._cdata, str(len(self.keys)))
        if key not in self.storages:
            self.storages[key] = (obj.size(), bytes(untyped.tolist()))
        return ("storage", getattr(torch, obj.pickle_storage_type()), key, "cpu", obj.size(), None)

    def storage_records(self):
        """The raw tail: per sorted key, int64 element count + little-endian data."""
        out = b""
        for key in sorted(self.storages):
            numel, raw = self.storages[key]
            out += struct.pack("<q", numel) + raw
        return out


def legacy_main_pickle(obj, protocol=2):
    st = LegacyStorages()
    f = io.BytesIO()
    p = pickle.Pickler(f, protocol=protocol)
    p.persistent_id = st.persistent_id
    p.dump(obj)
    return f.getvalue(), st


SYS_INFO = {"protocol_version": LEGACY_PROTOCOL_VERSION, "little_endian": True,
            "type_sizes": {"short": 2, "int": 4, "long": 4}}


def legacy_pickles(obj, protocol=2):
    """The five pickles of a legacy torch.save stream plus the raw storage tail."""
    main, st = legacy_main_pickle(obj, protocol)
    return {
        "magic": pickle.dumps(MAGIC_NUMBER, protocol=protocol),
        "protocol": pickle.dumps(LEGACY_PROTOCOL_VERSION, protocol=protocol),
        "sys_info": pickle.dumps(SYS_INFO, protocol=protocol),
        "main": main,
        "storage_keys": pickle.dumps(sorted(st.storages), protocol=protocol),
    }, st.storage_records()


LEGACY_ORDER = ("magic", "protocol", "sys_info", "main", "storage_keys")


def legacy_stream(pickles, tail):
    return b"".join(pickles[k] for k in LEGACY_ORDER) + tail


def legacy_tar_members(obj):
    """Members of the pre-2017 legacy *tar* format (formats.md 1.6), benign.

    Returns a dict of member name -> bytes: 'sys_info', 'pickle', 'tensors',
    'storages'. Tensors become plain int keys in 'pickle'; 'tensors' holds
    their geometry; 'storages' holds each storage's (key, location, type)
    pickle followed by int64 numel + data, then a pickle of the views list."""
    import torch
    storage_ids, storages, tensors = {}, [], []

    # Old torch keyed storages and tensors by their _cdata pointers, so the two
    # never collided in legacy_load's single deserialized_objects dict; we use
    # 1000+i for storages and i for tensors.
    def storage_key(t):
        s = t.storage()
        k = storage_ids.get(s._storage._cdata)
        if k is None:
            k = storage_ids[s._storage._cdata] = 1000 + len(storage_ids)
            storages.append((k, s))
        return k

    def persistent_id(o):
        if isinstance(o, torch.Tensor):
            key = len(tensors)
            tensors.append((key, storage_key(o), o))
            return str(key)
        return None

    f = io.BytesIO()
    p = pickle.Pickler(f, protocol=2)
    p.persistent_id = persistent_id
    p.dump(obj)
    main = f.getvalue()

    sto = pickle.dumps(len(storages), protocol=2)
    for k, s in storages:
        sto += pickle.dumps((k, "cpu", getattr(torch, s.pickle_storage_type())), protocol=2)
        sto += struct.pack("<q", s.size()) + bytes(s._storage.tolist())
    sto += pickle.dumps([], protocol=2)

    ten = pickle.dumps(len(tensors), protocol=2)
    for key, sid, t in tensors:
        ttype = getattr(torch, t.type().split(".")[-1], torch.Tensor)  # torch.FloatTensor, ...
        ten += pickle.dumps((key, sid, ttype), protocol=2)
        ten += struct.pack("<i", t.dim()) + b"\0\0\0\0"
        ten += struct.pack(f"<{t.dim()}q", *t.shape) + struct.pack(f"<{t.dim()}q", *t.stride())
        ten += struct.pack("<q", t.storage_offset())
    return {"sys_info": pickle.dumps(SYS_INFO, protocol=2), "pickle": main,
            "tensors": ten, "storages": sto}


LEGACY_TAR_ORDER = ("sys_info", "pickle", "tensors", "storages")


def legacy_tar(members):
    return tar_bytes([(k, members[k]) for k in LEGACY_TAR_ORDER], fmt=tarfile.PAX_FORMAT)


# ---------------------------------------------------------------------------
# Part 7: TorchScript (real torch.jit.save of a tiny scripted module).

TS_SRC_DIR = Path("/tmp/modelgate-gen-torchscript")
TS_SOURCE = '''import torch


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)
        self.scale = 2.0

    def forward(self, x):
        return self.fc(x) * self.scale + torch.tensor([1.0, -1.0])
'''


def torchscript_bytes(filename):
    """Script the module from a fixed path (its debug info records the path)."""
    torch = _torch()
    TS_SRC_DIR.mkdir(exist_ok=True)
    (TS_SRC_DIR / "tinyts.py").write_text(TS_SOURCE)
    sys.path.insert(0, str(TS_SRC_DIR))
    try:
        import tinyts
        m = torch.jit.script(tinyts.Tiny())
        with tempfile.TemporaryDirectory(prefix="modelgate-gen-") as d:
            p = os.path.join(d, filename)
            torch.jit.save(m, p)
            return Path(p).read_bytes()
    finally:
        sys.path.remove(str(TS_SRC_DIR))


# ---------------------------------------------------------------------------
# Part 8: payloads.

def payload(name, proto=2):
    """A complete pickle: os.system('touch <canary>'), then returns None."""
    return program(proto, os_system(name, proto) + POP + b"N")


def payload_then(name, value_pickle):
    """A protocol-2 pickle that calls os.system and then returns the value of
    `value_pickle` (itself a protocol-2 pickle). The payload uses no memo, so
    the original BINPUT/BINGET indices stay valid."""
    assert value_pickle[:2] == PROTO(2), value_pickle[:4]
    return PROTO(2) + os_system(name, 2) + POP + value_pickle[2:]


def payload_p0(name):
    """Protocol 0 (text opcodes, no PROTO): `cos\\nsystem\\n(V...\\ntR.`"""
    return program(0, os_system(name, 0))


def payload_p1(name):
    return program(1, os_system(name, 1))


def sd_pickle_and_records(filename=None):
    """torch.save of linear_sd(): (records, data.pkl bytes, prefix)."""
    b = torch_save_bytes(linear_sd(), filename)
    recs = zip_records(b)
    prefix = recs[0][0].split("/")[0] + "/"
    return recs, dict(recs)[prefix + "data.pkl"], prefix


# ---------------------------------------------------------------------------
# Part 9: manifest bookkeeping.

ENTRIES = []


def emit(rel, data, *, fmt, technique, provenance="", expect=(), globals_=(), note="", **extra):
    for r in list(expect) + list(extra.get("may_fire", [])):
        assert r in RULES, r
    assert not any(e["file"] == rel for e in ENTRIES), rel
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, tuple) and data[0] == "symlink":
        os.symlink(data[1], path)
        size = None
    else:
        path.write_bytes(data)
        size = len(data)
        assert size <= MAX_FILE, (rel, size)
    entry = {
        "file": rel,
        "category": rel.split("/")[0],
        "format": fmt,
        "technique": technique,
        "provenance": provenance,
        "expect": list(expect),
        "globals": list(globals_),
        "note": note,
    }
    if size is not None:
        entry["size"] = size
    entry.update({k: v for k, v in extra.items() if v is not None})
    ENTRIES.append(entry)


def benign(rel, data, fmt, builder_name, technique, **extra):
    emit("benign/" + rel, data, fmt=fmt, technique=technique, provenance="benign baseline",
         builder=builder_name, **extra)


def mal(rel, data, fmt, technique, provenance, expect, globals_, **extra):
    emit("malicious/" + rel, data, fmt=fmt, technique=technique, provenance=provenance,
         expect=expect, globals_=globals_, **extra)


# ---------------------------------------------------------------------------
# Part 10: what torch does with a zip trick, learnt on a BENIGN twin.

def probe_torch(data, filename="probe.pt"):
    """torch.load a benign file; return a short verdict for the manifest."""
    import torch
    with tempfile.TemporaryDirectory(prefix="modelgate-probe-") as d:
        p = os.path.join(d, filename)
        Path(p).write_bytes(data)
        try:
            v = torch.load(p)
        except Exception as e:  # noqa: BLE001 - the verdict is the point
            msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
            return {"loads": False, "error": f"{type(e).__name__}: {msg[:160]}"}
    return {"loads": True, "value": v}


def probe_zipfile(data, member):
    """What Python's zipfile (picklescan, fickling and friends) makes of it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            z.read(member)
        return "reads " + member
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {str(e)[:120]}"


def which_value(v, twins):
    for label, want in twins.items():
        if v == want:
            return label
    return repr(v)[:80]


def torch_verdict(data, filename="probe.pt", twins=None):
    """probe_torch on a benign twin, reduced to JSON-able facts."""
    r = probe_torch(data, filename)
    if not r["loads"]:
        return {"loads": False, "error": r["error"]}
    out = {"loads": True}
    if twins:
        out["reads"] = which_value(r["value"], twins)
    return out


def weights_only_loads(data, filename):
    import torch
    with tempfile.TemporaryDirectory(prefix="modelgate-probe-") as d:
        p = os.path.join(d, filename)
        Path(p).write_bytes(data)
        try:
            torch.load(p, weights_only=True)
            return True
        except Exception:  # noqa: BLE001
            return False


# ---------------------------------------------------------------------------
# Part 11: benign fixtures.

TORCH_ZIP_BENIGN = [
    # (file, builder, torch.save kwargs, technique)
    ("linear_sd.pt", "linear_sd", {}, "nn.Linear(4, 3) state dict"),
    ("conv2d_sd.pt", "conv2d_sd", {}, "nn.Conv2d(2, 3, 3) state dict"),
    ("batchnorm_sd.pt", "batchnorm_sd", {}, "nn.BatchNorm2d state dict after a training step "
     "(running stats, int64 num_batches_tracked 0-d tensor)"),
    ("embedding_sd.pt", "embedding_sd", {}, "nn.Embedding(10, 4) state dict"),
    ("lstm_sd.pt", "lstm_sd", {}, "2-layer nn.LSTM state dict"),
    ("sgd_momentum_optim.pt", "sgd_momentum_optim", {}, "SGD(momentum=0.9) optimizer state dict "
     "after two steps (momentum_buffer tensors, int param ids)"),
    ("adam_optim.pt", "adam_optim", {}, "Adam optimizer state dict after two steps "
     "(0-d float32 'step' tensors, exp_avg, exp_avg_sq)"),
    ("dtypes.pt", "dtypes", {}, "tensors of every storage dtype: float32/64/16, bfloat16, int8, "
     "uint8, int16/32/64, bool, complex64, complex128"),
    ("views_shared.pt", "views_shared", {}, "views and shared storages (w[1], w[1:3], w.t(), "
     "w[:, 2], the same tensor twice), stride-3 and stride-0 (expand) tensors, 0-d and empty "
     "tensors, nn.Parameter with and without requires_grad"),
    ("checkpoint.ckpt", "checkpoint", {}, "training checkpoint dict: epoch, model and optimizer "
     "state dicts, metrics, config (tuples, None, lists)"),
    ("nested_containers.pt", "nested_containers", {}, "list/tuple/dict nesting of tensors and "
     "plain values"),
    ("model.pt", "linear_sd", {}, "saved as model.pt: top-level folder model/"),
    ("buffer_saved.pt", "linear_sd", {"buffer": True}, "saved to an io.BytesIO: top-level folder "
     "archive/"),
    ("explicit_new_zipfile.pt", "conv2d_sd", {"_use_new_zipfile_serialization": True},
     "_use_new_zipfile_serialization=True given explicitly"),
    ("protocol3.pt", "dtypes", {"pickle_protocol": 3}, "pickle_protocol=3 data.pkl (BINBYTES-free, "
     "but protocol-3 PROTO)"),
    ("protocol4.pt", "views_shared", {"pickle_protocol": 4}, "pickle_protocol=4 data.pkl (FRAME, "
     "SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE)"),
    ("pytorch_model.bin", "lstm_sd", {}, "Hugging Face file name: top-level folder pytorch_model/"),
    ("v1.2.weights.pt", "embedding_sd", {}, "dotted file name: top-level folder v1.2.weights/ "
     "(only the last extension is dropped)"),
]

LEGACY_BENIGN = [
    ("linear_sd.legacy.pt", "linear_sd", {}),
    ("conv2d_sd.legacy.pt", "conv2d_sd", {}),
    ("batchnorm_sd.legacy.pt", "batchnorm_sd", {}),
    ("embedding_sd.legacy.pt", "embedding_sd", {}),
    ("lstm_sd.legacy.pt", "lstm_sd", {}),
    ("sgd_momentum_optim.legacy.pt", "sgd_momentum_optim", {}),
    ("adam_optim.legacy.pt", "adam_optim", {}),
    ("dtypes.legacy.pt", "dtypes", {}),
    ("views_shared.legacy.pt", "views_shared", {}),
    ("checkpoint.legacy.ckpt", "checkpoint", {}),
    ("protocol4.legacy.pt", "linear_sd", {"pickle_protocol": 4}),
]


def archive_prefix(data):
    return zip_records(data)[0][0].split("/")[0] + "/"


def torch_zip_of(builder_name, filename=None, **kw):
    return torch_save_bytes(BUILDERS[builder_name](), filename, **kw)


def gen_benign_torch():
    for rel, b, kw, technique in TORCH_ZIP_BENIGN:
        kw = dict(kw)
        buffer = kw.pop("buffer", False)
        data = torch_zip_of(b, None if buffer else rel, **kw)
        assert rezip(zip_records(data)) == data, "zip writer no longer matches torch.save: " + rel
        benign(rel, data, "torch-zip", b, "torch.save zip: " + technique,
               archive_prefix=archive_prefix(data), weights_only_loads=weights_only_loads(data, rel),
               protocol=kw.get("pickle_protocol", 2))
    for rel, b, kw in LEGACY_BENIGN:
        data = torch_legacy_bytes(BUILDERS[b](), **kw)
        pk, tail = legacy_pickles(BUILDERS[b](), kw.get("pickle_protocol", 2))
        assert legacy_stream(pk, tail) == data, "legacy writer no longer matches torch.save: " + rel
        benign(rel, data, "torch-legacy", b,
               f"torch.save(..., _use_new_zipfile_serialization=False) of {b}: 5 pickles (magic, "
               "protocol version, sys_info, main object with BINPERSID storage ids, sorted storage "
               "keys) + raw storages", weights_only_loads=weights_only_loads(data, rel),
               protocol=kw.get("pickle_protocol", 2),
               note="storage keys normalised to '0', '1', ... (torch writes heap addresses)")


def gen_benign_numpy():
    for name, (b, how) in NPY.items():
        version = (2, 0) if name == "v2_header" else None
        data = npy_bytes(BUILDERS[b](), version=version)
        benign(name + ".npy", data, "npy", b, f"np.save: {how}", npy_version=f"{data[6]}.{data[7]}")
    benign("arrays.npz", npz_bytes(npz_arrays()), "npz", "npz_arrays",
           "np.savez (stored, zip64 extras): arr_0, arr_1, <U5 labels, nested structured points")
    benign("arrays_compressed.npz", npz_bytes(npz_arrays(), compressed=True), "npz", "npz_arrays",
           "np.savez_compressed (deflate) of the same arrays")
    benign("structured_only.npz", npz_bytes({"points": _structured()}, compressed=True), "npz",
           "npz_structured", "np.savez_compressed of one nested structured array")


def gen_benign_archives():
    model = torch_zip_of("linear_sd", "model.pt")
    arr = npy_bytes(_f32())
    members = [{"name": "model.pt", "format": "torch-zip", "builder": "linear_sd"},
               {"name": "arr.npy", "format": "npy", "builder": "npy_float32"}]
    tar = tar_bytes([("model.pt", model), ("arr.npy", arr)])
    benign("bundle.tar", tar, "tar", None, "tar (PAX) holding a torch zip and an .npy", members=members)
    for ext, fn, fmt in (("gz", gz, "gzip"), ("bz2", bz, "bzip2"), ("xz", xz, "xz")):
        benign(f"bundle.tar.{ext}", fn(tar), "tar+" + fmt, None, f"the same tar, {fmt}-compressed",
               members=members)
    inner = torch_zip_of("conv2d_sd", "model.pt")
    benign("zip_in_zip.zip", fixed_zip([("inner/model.pt", inner), ("inner/arr.npy", arr)]), "zip",
           None, "plain deflate zip holding a torch zip (zip-in-zip) and an .npy",
           members=[{"name": "inner/model.pt", "format": "torch-zip", "builder": "conv2d_sd"},
                    {"name": "inner/arr.npy", "format": "npy", "builder": "npy_float32"}])
    state = pickle.dumps(np_state(), protocol=4)
    for ext, (fn, fmt) in COMPRESSORS.items():
        benign(f"state.pkl.{ext}", fn(state), fmt, "np_state",
               f"{fmt} of a protocol-4 pickle of a numpy state dict", inner_format="pickle")
        benign(f"model.pt.{ext}", fn(model), fmt, "linear_sd", f"{fmt} of a torch zip",
               inner_format="torch-zip")


def gen_benign_tree():
    benign("tree/weights.p", pickle.dumps(np_state(), protocol=2), "pickle", "np_state",
           "odd extension .p: protocol-2 pickle of a numpy state dict")
    benign("tree/model.bin", torch_zip_of("conv2d_sd", "model.bin"), "torch-zip", "conv2d_sd",
           "torch zip named model.bin (top-level folder model/)")
    benign("tree/data", torch_legacy_bytes(lstm_sd()), "torch-legacy", "lstm_sd",
           "legacy torch stream named 'data' (no extension)")
    benign("tree/x.npy.bak", npy_bytes(_f64()), "npy", "npy_float64", "an .npy named x.npy.bak")
    benign("tree/nested/deeper/ckpt", torch_zip_of("checkpoint", "ckpt"), "torch-zip", "checkpoint",
           "torch zip with no extension two folders down (top-level folder ckpt/)")


def gen_benign_unlisted():
    mod = sequential_module()
    data = torch_save_bytes(mod, "whole_module.pt")
    emit("benign-unlisted/whole_module.pt", data, fmt="torch-zip",
         technique="torch.save(nn.Sequential(Linear, ReLU, Linear)): the whole module, pickled by "
         "class reference (NEWOBJ torch.nn.modules.container.Sequential + BUILD of its __dict__)",
         provenance="legitimate but unsafe-to-load pattern", builder="sequential_module",
         globals_=["torch.nn.modules.container.Sequential", "torch.nn.modules.linear.Linear",
                   "torch.nn.modules.activation.ReLU"],
         may_fire=["pickle-unlisted-global"], archive_prefix=archive_prefix(data),
         note="Loading imports and instantiates the module classes; clean only under a policy that "
         "allows torch.nn module classes.")
    data = torch_legacy_bytes(mod)
    emit("benign-unlisted/whole_module.legacy.pt", data, fmt="torch-legacy",
         technique="legacy torch.save of the same module: persistent ids ('module', <class>, "
         "<source file>, <source text>) carry each class and its source",
         provenance="legitimate but unsafe-to-load pattern", builder="sequential_module",
         globals_=["torch.nn.modules.container.Sequential", "torch.nn.modules.linear.Linear",
                   "torch.nn.modules.activation.ReLU"],
         may_fire=["pickle-unlisted-global"],
         note="The source file path recorded is Debian's /usr/lib/python3/dist-packages/torch/...")
    data = legacy_tar(legacy_tar_members(linear_sd()))
    tv = torch_verdict(data)
    assert tv["loads"], tv
    emit("benign-unlisted/legacy_tar_format.pt", data, fmt="torch-tar",
         technique="legacy torch *tar* format (torch 0.1.x), written by hand per formats.md 1.6: "
         "members sys_info, pickle (tensors as persistent ids '0', '1'), tensors (geometry), "
         "storages (key/location/type pickles + raw data, then a views list)",
         provenance="formats.md 1.6", builder="linear_sd", torch_load=tv,
         note="torch 1.13 still loads this (only from a real file, not a buffer). A scanner may "
         "refuse the format instead of scanning it; every pickle inside is benign.")


# ---------------------------------------------------------------------------
# Part 12: malicious torch zips: where the payload sits.

OS = ["os.system"]


def evil_records(name, filename=None):
    """Records of torch.save(linear_sd()) with os.system injected before the
    state dict in data.pkl (the call runs, its result is popped, and loading
    carries on to return the real state dict)."""
    recs, dpkl, prefix = sd_pickle_and_records(filename)
    return replace_record(recs, prefix + "data.pkl", payload_then(name, dpkl)), prefix


def with_member(recs, name, data):
    """The torch zip with one more record right after data.pkl."""
    return rezip(insert_after(recs, "archive/data.pkl", [(name, data)]))


def evil_torch_zip(name, filename=None):
    recs, _ = evil_records(name, filename)
    return rezip(recs)


def gen_payload_locations():
    p = "scanners.md c1"
    recs, prefix = evil_records("payload_data_pkl")
    mal("payload_data_pkl.pt", rezip(recs), "torch-zip",
        "data.pkl calls os.system (GLOBAL os system + REDUCE, result popped) and then rebuilds the "
        "real state dict", "formats.md 1.3", DENIED, OS, members=["archive/data.pkl"])

    recs, dpkl, prefix = sd_pickle_and_records()
    evil_consts = payload_then("payload_constants_pkl", pickle.dumps((), protocol=2))
    twin = rezip(recs + [("archive/constants.pkl", pickle.dumps((), protocol=2))])
    mal("payload_constants_pkl.pt", rezip(recs + [("archive/constants.pkl", evil_consts)]), "torch-zip",
        "plain torch.save zip plus a constants.pkl record whose pickle calls os.system; a "
        "constants.pkl record makes torch.load treat the zip as TorchScript (torch.jit.load)",
        "formats.md 1.1, 1.7", ["torchscript-archive"] + DENIED, OS,
        members=["archive/constants.pkl"], torch_twin=torch_verdict(twin),
        note="torch_twin: what torch.load does with the same file whose constants.pkl is benign.")

    mal("payload_extra_member.pt",
        with_member(recs, "archive/extra/x.pkl", payload("payload_extra_member")),
        "torch-zip", "extra member archive/extra/x.pkl holds an os.system pickle; data.pkl is benign",
        "formats.md 7.5 #4 (extra/ files)", DENIED, OS, members=["archive/extra/x.pkl"])

    mal("payload_storage_named_member.pt",
        rezip(recs[:-1] + [("archive/data/7", payload("payload_storage_named_member"))] + recs[-1:]),
        "torch-zip", "a member named like a storage record (archive/data/7, not referenced by "
        "data.pkl) contains an os.system pickle", p + "#1 (payload where a scanner skips raw bytes)",
        DENIED, OS, members=["archive/data/7"])

    mal("payload_xyz_extension.pt",
        with_member(recs, "archive/data.xyz", payload("payload_xyz_extension")),
        "torch-zip", "member with a non-pickle extension (archive/data.xyz) holds an os.system pickle",
        p + "#1 (CVE-2025-1889)", DENIED, OS, members=["archive/data.xyz"])

    mal("payload_model_bin_p0.pt",
        with_member(recs, "archive/model.bin", payload_p0("payload_model_bin_p0")),
        "torch-zip", "protocol-0 pickle (no PROTO, text opcodes: cos\\nsystem\\n...) in member "
        "archive/model.bin", p + "#11", DENIED, OS, members=["archive/model.bin"])

    mal("payload_member_named_data.pt",
        with_member(recs, "archive/data", payload_p1("payload_member_named_data")),
        "torch-zip", "protocol-1 pickle in a member named 'archive/data' (no extension; also a prefix "
        "of the archive/data/<n> storage names)", p + "#11", DENIED, OS, members=["archive/data"])

    crash = PROTO(2) + os_system("exec_then_crash_data_pkl", 2) + POP + b"\xff"
    mal("exec_then_crash_data_pkl.pt", rezip(replace_record(recs, "archive/data.pkl", crash)), "torch-zip",
        "data.pkl calls os.system and then hits an invalid opcode (0xff): the call has run before "
        "the load fails", p + "#13", DENIED + ["pickle-error-after-call"], OS, members=["archive/data.pkl"])


def gen_zip_tricks():
    recs, dpkl, prefix = sd_pickle_and_records()

    def entries(name, override=None, data=None):
        ev = payload_then(name, dpkl) if data is None else data
        out = []
        for n, d in recs:
            kw = dict(override or {}) if n == "archive/data.pkl" else {}
            out.append(ZEntry(n, ev if n == "archive/data.pkl" else d, **kw))
        return out

    def twin_entries(override):
        return [ZEntry(n, d, **(dict(override) if n == "archive/data.pkl" else {})) for n, d in recs]

    def trick(name, override, technique, provenance, note=""):
        bad = write_zip(entries(name, override))
        mal(name + ".pt", bad, "torch-zip", technique, provenance, ["zip-anomaly"] + DENIED, OS,
            members=["archive/data.pkl"], torch_twin=torch_verdict(write_zip(twin_entries(override))),
            python_zipfile=probe_zipfile(bad, "archive/data.pkl"), note=note)

    wrong_crc = lambda name: zlib.crc32(payload_then(name, dpkl)) ^ 0x5A5A5A5A  # noqa: E731
    trick("zip_bad_crc", {"crc": wrong_crc("zip_bad_crc")},
          "CRC-32 of data.pkl wrong in the data descriptor and the central directory",
          "scanners.md c1#3 (CVE-2025-10156)",
          "torch's miniz is built without CRC checks: it loads the file; Python's zipfile refuses.")
    for bit in (0x1, 0x20, 0x40):
        trick(f"zip_flag_{bit:#x}_local", {"local_flags": 0x0808 | bit},
              f"general-purpose flag bit {bit:#x} set on data.pkl's LOCAL header only "
              "(central directory clean)", "scanners.md c1#4 (CVE-2025-1945)",
              "Both torch (miniz) and Python's zipfile take the flags from the central directory, "
              "so both read this file; a reader that trusts local headers sees an encrypted/patched "
              "entry.")
        trick(f"zip_flag_{bit:#x}", {"flags": 0x0808 | bit},
              f"general-purpose flag bit {bit:#x} set on data.pkl in the local header AND the "
              "central directory", "scanners.md c1#4 (CVE-2025-1945)",
              "torch refuses this one (see torch_twin); still a zip anomaly, and other zip readers "
              "may ignore the bit.")
    trick("zip_name_mismatch", {"local_name": "archive/datap.kl"},
          "local-header name of data.pkl is 'archive/datap.kl' (same length), central directory "
          "says 'archive/data.pkl'", "scanners.md c1#5 (CVE-2025-1944)",
          "torch reads names from the central directory and loads it; Python's zipfile refuses.")

    twins = {"first": "first-copy", "second": "second-copy"}
    a, b = pickle.dumps("first-copy", protocol=2), pickle.dumps("second-copy", protocol=2)
    rest = [ZEntry(n, d) for n, d in recs if n != "archive/data.pkl"]
    for layout in ("apart", "adjacent"):
        for first_evil in (False, True):
            name = f"zip_dup_{layout}_{'malicious' if first_evil else 'benign'}_first"
            ev = payload_then(name, dpkl)
            one, two = (ev, dpkl) if first_evil else (dpkl, ev)

            def arrange(x, y):
                if layout == "apart":
                    return [ZEntry("archive/data.pkl", x)] + rest + [ZEntry("archive/data.pkl", y)]
                return [ZEntry("archive/data.pkl", x), ZEntry("archive/data.pkl", y)] + rest
            bad = write_zip(arrange(one, two))
            tv = torch_verdict(write_zip(arrange(a, b)), twins=twins)
            torch_copy = tv.get("reads")
            evil_copy = "first" if first_evil else "second"
            with zipfile.ZipFile(io.BytesIO(bad)) as z:
                zf = "first" if z.read("archive/data.pkl") == one else "second"
            mal(name + ".pt", bad, "torch-zip",
                f"two central-directory entries named archive/data.pkl ({layout}: "
                + ("first and last entry" if layout == "apart" else "entries 0 and 1")
                + f"); the {'first' if first_evil else 'second'} copy calls os.system",
                "scanners.md c1 (duplicate names); formats.md 7.5 #5", ["zip-anomaly"] + DENIED, OS,
                members=["archive/data.pkl" if first_evil else "archive/data.pkl~2"], torch_twin=tv,
                torch_reads=torch_copy, python_zipfile_reads=zf,
                torch_runs_payload=torch_copy == evil_copy,
                note=f"torch (miniz, binary search over the sorted central directory) reads the "
                f"{torch_copy} copy; Python's zipfile reads the {zf} copy (last wins). Learnt by "
                "loading a benign twin whose two copies pickle different strings.")

    junk = b"PK\x03\x04" + b"\x00" * 26 + b"modelgate: junk before the archive\n"
    name = "zip_prepended_junk"
    bad = write_zip(entries(name), prefix=junk)
    mal(name + ".pt", bad, "torch-zip",
        "a fake local-header signature plus junk before the first real entry; central-directory "
        "offsets are absolute, so the junk is an unreferenced region at offset 0",
        "formats.md 7.5 #5 (local vs central view)", ["zip-anomaly"] + DENIED, OS,
        members=["archive/data.pkl"], torch_twin=torch_verdict(write_zip(twin_entries({}), prefix=junk)),
        python_zipfile=probe_zipfile(bad, "archive/data.pkl"),
        note="Starts with PK\\x03\\x04, so torch.load takes the zip path and reads it through the "
        "central directory.")

    name = "zip_prepended_pickle_polyglot"
    bad = write_zip([ZEntry(n, d) for n, d in recs], prefix=payload(name), relative_offsets=True)
    twin = write_zip([ZEntry(n, d) for n, d in recs],
                     prefix=pickle.dumps(collections.OrderedDict(), protocol=2), relative_offsets=True)
    mal(name + ".pt", bad, "pickle+torch-zip",
        "`cat payload.pkl model.pt`: an os.system pickle followed by a BENIGN torch zip whose "
        "offsets are relative to the zip start. Python's zipfile (and Go's archive/zip) find a "
        "clean torch zip; torch.load sees no PK magic at offset 0, takes the legacy path and "
        "unpickles the prefix as the magic-number pickle", "formats.md 1.1 + 1.5; scanners.md c1#8",
        DENIED + ["zip-anomaly"], OS, members=["pickle1"], torch_twin=torch_verdict(twin),
        python_zipfile=probe_zipfile(bad, "archive/data.pkl"),
        note="torch_twin has a benign OrderedDict() prefix: torch unpickles it and then fails the "
        "magic-number check, proving the prefix is executed before anything else.")

    recs2, dpkl2, prefix2 = sd_pickle_and_records("evil_model.pt")
    name = "zip_top_folder_not_archive"
    mal(name + ".pt", rezip(replace_record(recs2, prefix2 + "data.pkl", payload_then(name, dpkl2))),
        "torch-zip", "torch.save to 'evil_model.pt': every record lives under evil_model/, not archive/",
        "formats.md 1.2 (never hard-code archive/)", DENIED, OS, members=["evil_model/data.pkl"])

    name = "zip_zip64_forced"
    bad = write_zip([ZEntry(n, payload_then(name, dpkl) if n.endswith("data.pkl") else d, zip64=True)
                     for n, d in recs])
    mal(name + ".pt", bad, "torch-zip",
        "every entry carries zip64 extra fields (32-bit sizes/offsets 0xFFFFFFFF in the central "
        "directory, 24-byte data descriptors)", "formats.md 1.2 (ZIP64)", DENIED, OS,
        members=["archive/data.pkl"],
        torch_twin=torch_verdict(write_zip([ZEntry(n, d, zip64=True) for n, d in recs])))

    name = "zip_overlapping_entries"
    hidden = payload(name)
    hname = b"archive/extra/hidden.pkl"
    inner = struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, 0, 0, 0, 0, zlib.crc32(hidden), len(hidden),
                        len(hidden), len(hname), 0) + hname + hidden
    ents = [ZEntry(n, d) for n, d in recs[:-1]] + [ZEntry("archive/data/9", inner)] + [ZEntry(*recs[-1])]
    ents.append(ZEntry(hname.decode(), hidden, flags=0, write_local=False,
                       offset_override=("archive/data/9", 0)))
    bad = write_zip(ents)
    twin_ents = ents[:-1] + [ZEntry(hname.decode(), pickle.dumps(None, protocol=2), flags=0,
                                    write_local=False, offset_override=("archive/data/9", 0))]
    mal(name + ".pt", bad, "torch-zip",
        "overlapping entries: the central directory lists archive/extra/hidden.pkl at an offset "
        "INSIDE the data of record archive/data/9 (a storage-looking blob that holds a complete "
        "local header + os.system pickle)", "formats.md 7.5 #5", ["zip-anomaly"] + DENIED, OS,
        members=["archive/extra/hidden.pkl"], torch_twin=torch_verdict(write_zip(twin_ents[:-1])),
        python_zipfile=probe_zipfile(bad, "archive/extra/hidden.pkl"),
        note="A reader walking local headers sees archive/data/9 as opaque bytes; the central "
        "directory exposes the hidden member. torch never reads either record.")


def gen_wrapped():
    p = "scanners.md c1#12"
    mal("zip_in_zip.zip", fixed_zip([("models/evil.pt", evil_torch_zip("zip_in_zip"))]), "zip",
        "deflate zip holding a malicious torch zip (payload in data.pkl)", p, DENIED, OS,
        inner_format="torch-zip", members=["models/evil.pt/archive/data.pkl"])
    tar = lambda name: tar_bytes([("model/evil.pt", evil_torch_zip(name)),  # noqa: E731
                                  ("model/arr.npy", npy_bytes(_f32()))])
    mal("torch_zip_in.tar", tar("torch_zip_in_tar"), "tar", "tar holding a malicious torch zip",
        "scanners.md c8 (archives)", DENIED, OS, inner_format="torch-zip")
    for ext, fn, fmt in (("gz", gz, "gzip"), ("bz2", bz, "bzip2"), ("xz", xz, "xz")):
        mal(f"torch_zip_in.tar.{ext}", fn(tar(f"torch_zip_in_tar_{ext}")), "tar+" + fmt,
            f"{fmt}-compressed tar holding a malicious torch zip", "scanners.md c8 (archives)",
            DENIED, OS, inner_format="torch-zip")
    for ext, (fn, fmt) in COMPRESSORS.items():
        mal(f"torch_zip.pt.{ext}", fn(evil_torch_zip(f"torch_zip_pt_{ext}")), fmt,
            f"{fmt}-compressed malicious torch zip", "scanners.md c1#7, c1#10", DENIED, OS,
            inner_format="torch-zip")
        mal(f"payload.pkl.{ext}", fn(payload(f"payload_pkl_{ext}", 4)), fmt,
            f"{fmt}-compressed protocol-4 os.system pickle", "scanners.md c1#7, c1#10", DENIED, OS,
            inner_format="pickle")


def gen_legacy():
    p = "formats.md 1.5 note (torch unpickles all five pickles)"
    base = linear_sd()
    for role in LEGACY_ORDER:
        name = f"legacy_payload_{role}"
        pk, tail = legacy_pickles(base)
        if role == "magic":
            pk[role] = PROTO(2) + os_system(name, 2) + POP + LONG1(MAGIC_NUMBER) + STOP
        elif role == "protocol":
            pk[role] = PROTO(2) + os_system(name, 2) + POP + BININT2(LEGACY_PROTOCOL_VERSION) + STOP
        else:
            pk[role] = payload_then(name, pk[role])
        idx = LEGACY_ORDER.index(role) + 1
        mal(name + ".pt", legacy_stream(pk, tail), "torch-legacy",
            f"legacy torch stream written by hand (same layout as _legacy_save); pickle {idx} of 5 "
            f"({role}) calls os.system and still returns the expected value",
            "scanners.md c1#8" if role == "main" else p, DENIED, OS, members=[f"pickle{idx}-{role}"])
    pk, tail = legacy_pickles(base)
    pk["magic"] = program(2, call(GLOBAL("builtins", "eval"), text("0x1950A86A20F9469CFC6C", 2)))
    mal("legacy_magic_via_eval.pt", legacy_stream(pk, tail), "torch-legacy",
        "legacy stream whose magic number is computed by builtins.eval('0x1950A86A20F9469CFC6C') "
        "(the magic check passes)", "scanners.md c1#9 (GHSA-97f8-7cmv-76j2)", DENIED,
        ["builtins.eval"], members=["pickle1-magic"],
        note="eval of a constant: nothing observable, but eval is reached from the first pickle.")

    members = legacy_tar_members(base)
    for m in ("pickle", "storages", "tensors", "sys_info"):
        name = f"legacy_tar_payload_{m}"
        mm = dict(members)
        if m in ("storages", "tensors"):
            count = _first_pickle(mm[m])  # pickle(number of storages/tensors)
            mm[m] = payload_then(name, count) + mm[m][len(count):]
        else:
            mm[m] = payload_then(name, mm[m])
        note = ("torch 1.13's legacy_load never reads sys_info: the payload is dormant for torch but a "
                "pickle a scanner must still see." if m == "sys_info" else
                "torch.load(path) tries the tar format first (only for real files at offset 0).")
        mal(name + ".pt", legacy_tar(mm), "torch-tar",
            f"legacy torch tar format written by hand; the '{m}' member's "
            + ("object pickle" if m == "pickle" else "first pickle") + " calls os.system",
            "formats.md 1.6", DENIED, OS, note=note,
            members=[m + "/pickle1" if m in ("storages", "tensors") else m])


def _first_pickle(data):
    """The bytes of the first pickle in data (pickletools only, nothing runs)."""
    f = io.BytesIO(data)
    for _ in pickletools.genops(f):
        pass
    return data[:f.tell()]


def gen_storage_mismatch():
    recs, dpkl, prefix = sd_pickle_and_records()
    missing = [(n, d) for n, d in recs if n != "archive/data/1"]
    mal("storage_missing_record.pt", rezip(missing), "torch-zip",
        "data.pkl references storage key '1' (bias) but there is no archive/data/1 record",
        "formats.md 1.8", ["torch-storage-mismatch"], [], torch_twin=torch_verdict(rezip(missing)),
        note="No payload; torch fails to load it.")
    short = replace_record(recs, "archive/data/0", dict(recs)["archive/data/0"][:20])
    tv = torch_verdict(rezip(short))
    mal("storage_undersized_record.pt", rezip(short), "torch-zip",
        "archive/data/0 holds 20 bytes but data.pkl declares FloatStorage numel 12 (48 bytes)",
        "formats.md 1.8", ["torch-storage-mismatch"], [], torch_twin=tv,
        note="No payload. torch 1.13 LOADS this file: the weight tensor's last 28 bytes are "
        "uninitialised memory (values differ between runs).")
    pk, tail = legacy_pickles(linear_sd())
    numel = struct.unpack("<q", tail[:8])[0]
    bad_tail = struct.pack("<q", numel - 5) + tail[8:8 + 4 * (numel - 5)] + tail[8 + 4 * numel:]
    bad = legacy_stream(pk, bad_tail)
    mal("legacy_storage_undersized.pt", bad, "torch-legacy",
        f"legacy stream: storage '0' is declared with numel {numel} in the main pickle but its raw "
        f"record says {numel - 5} elements (and holds that many)", "formats.md 1.5",
        ["torch-storage-mismatch"], [], torch_twin=torch_verdict(bad), note="No payload.")


def gen_torchscript():
    p = "scanners.md c1#15; formats.md 1.7"
    data = torchscript_bytes("torchscript_module.pt")
    mal("torchscript_module.pt", data, "torchscript",
        "real torch.jit.script + torch.jit.save of a tiny module (Linear + constant tensor): "
        "code/__torch__/*.py TorchScript source runs at load/call time", p, ["torchscript-archive"], [],
        archive_prefix=archive_prefix(data),
        note="Benign code, but torch.load dispatches TorchScript archives to torch.jit.load "
        "(CVE-2025-32434); the rule flags every TorchScript archive.")
    recs = zip_records(torchscript_bytes("torchscript_payload_constants.pt"))
    pre = recs[0][0].split("/")[0] + "/"
    c = dict(recs)[pre + "constants.pkl"]
    mal("torchscript_payload_constants.pt",
        rezip(replace_record(recs, pre + "constants.pkl", payload_then("torchscript_payload_constants", c))),
        "torchscript", "TorchScript archive whose constants.pkl calls os.system before returning the "
        "real constants tuple", p, ["torchscript-archive"] + DENIED, OS, members=[pre + "constants.pkl"],
        note="torch.jit.load uses the C++ unpickler, which would not import os.system; any Python "
        "tool that unpickles constants.pkl would.")
    recs = zip_records(torchscript_bytes("torchscript_payload_debug_pkl.pt"))
    pre = recs[0][0].split("/")[0] + "/"
    dbg = next(n for n, _ in recs if n.endswith(".debug_pkl"))
    mal("torchscript_payload_debug_pkl.pt",
        rezip(replace_record(recs, dbg, payload_then("torchscript_payload_debug_pkl", dict(recs)[dbg]))),
        "torchscript", "TorchScript archive whose first .debug_pkl (source-range table) calls os.system",
        p + "; formats.md 7.5 #4 (.debug_pkl)", ["torchscript-archive"] + DENIED, OS, members=[dbg])


def gen_numpy_payloads():
    np = _np()
    p = "formats.md 3.1 (object dtype = pickle); scanners.md c8 (CVE-2019-6446)"
    obj = np.empty(3, dtype=object)
    obj[:] = [1, "a", None]
    real = npy_bytes(obj, allow_pickle=True)
    hlen = 10 + struct.unpack("<H", real[8:10])[0]
    header, body = real[:hlen], real[hlen:]
    assert body[:2] == PROTO(3), body[:4]

    def evil_npy(name):
        return header + PROTO(3) + os_system(name, 2) + POP + body[2:]

    mal("object_array_plain.npy", real, "npy",
        "np.save of a real object array [1, 'a', None]: the data section is a protocol-3 pickle "
        "(numpy.core.multiarray._reconstruct + BUILD); np.load needs allow_pickle=True", p,
        ["npy-object-array"], [], note="No payload: flagged because loading requires the pickle path.")
    mal("object_array_payload.npy", evil_npy("object_array_payload"), "npy",
        "object-dtype .npy ('|O') whose pickle calls os.system before rebuilding the real array", p,
        ["npy-object-array"] + DENIED, OS, members=["npy-data"])
    for compressed in (False, True):
        name = "object_array_payload" + ("_compressed" if compressed else "")
        arrays = {"weights": _f32(), "meta": obj}
        data = _npz_with(arrays, {"meta": evil_npy(name)}, compressed)
        mal(name + ".npz", data, "npz",
            ("np.savez_compressed" if compressed else "np.savez")
            + " of a float32 array and an object array; meta.npy's pickle calls os.system", p,
            ["npy-object-array"] + DENIED, OS, members=["meta.npy/npy-data"])
    mal("npy_object_named.pkl", evil_npy("npy_object_named_pkl"), "npy",
        "the object-array .npy payload named .pkl (np.load sniffs the magic; pickle.load would fail)",
        p + "; scanners.md c1#10", ["npy-object-array", "format-extension-mismatch"] + DENIED, OS,
        members=["npy-data"])
    mal("pickle_named.npy", payload("pickle_named_npy", 4), "pickle",
        "a bare os.system pickle named .npy (np.load(allow_pickle=True) falls back to pickle.load)",
        "scanners.md c1#10; formats.md 3.2", ["format-extension-mismatch"] + DENIED, OS)


def _npz_with(arrays, replace, compressed):
    """np.savez(_compressed) with selected members' .npy bytes swapped in:
    numpy's own zip layout (force_zip64 extras, fixed timestamps)."""
    np = _np()
    fmt = np.lib.npyio.format
    real_write = fmt.write_array

    def write_array(fp, array, *a, **k):
        for key, data in replace.items():
            if array is arrays[key]:
                fp.write(data)
                return
        real_write(fp, array, *a, **k)

    fmt.write_array = write_array
    try:
        return npz_bytes(arrays, compressed)
    finally:
        fmt.write_array = real_write


def gen_nested():
    p = "scanners.md c6"
    recs, dpkl, prefix = sd_pickle_and_records()
    pk, tail = legacy_pickles(_torch().ones(2))
    pk["main"] = payload_then("nested_load_from_bytes-inner", pk["main"])
    inner = legacy_stream(pk, tail)
    outer = PROTO(2) + call(GLOBAL("torch.storage", "_load_from_bytes"), lit(inner, 2)) + POP + dpkl[2:]
    mal("nested_load_from_bytes.pt", rezip(replace_record(recs, "archive/data.pkl", outer)), "torch-zip",
        "data.pkl calls torch.storage._load_from_bytes(<legacy torch.save bytes whose main pickle "
        "calls os.system>) (bytes spelled _codecs.encode(latin-1 str), as protocol 2 writes them)",
        p, ["pickle-nested-pickle"] + DENIED, ["torch.storage._load_from_bytes"],
        inner_globals=OS, inner_format="torch-legacy", members=["archive/data.pkl"],
        note="_load_from_bytes is torch.load(BytesIO(b)) without weights_only; the same global "
        "appears in benign plain-pickled tensors, the inner payload is what matters.")
    outer = PROTO(2) + call(GLOBAL("pickle", "loads"), lit(payload("nested_pickle_loads-inner", 2), 2)) \
        + POP + dpkl[2:]
    mal("nested_pickle_loads.pt", rezip(replace_record(recs, "archive/data.pkl", outer)), "torch-zip",
        "data.pkl calls pickle.loads(<os.system pickle>) before rebuilding the state dict", p,
        DENIED + ["pickle-nested-pickle"], ["pickle.loads"], inner_globals=OS, inner_format="pickle",
        members=["archive/data.pkl"])


def gen_odd_names():
    p = "scanners.md c1#2, c1#10"
    for rel in ("torch_zip_named.txt", "torch_zip_named.json"):
        mal(rel, evil_torch_zip(rel.replace(".", "_")), "torch-zip",
            f"malicious torch zip named {rel[rel.index('.'):]}", p,
            ["format-extension-mismatch"] + DENIED, OS, members=["archive/data.pkl"])
    mal("torch_zip_no_extension", evil_torch_zip("torch_zip_no_extension"), "torch-zip",
        "malicious torch zip with no extension", p, DENIED, OS, members=["archive/data.pkl"])
    mal("pickle_named.safetensors", payload("pickle_named_safetensors", 4), "pickle",
        "bare os.system pickle named .safetensors", p, ["format-extension-mismatch"] + DENIED, OS)
    mal("plain_pickle.pt", payload("plain_pickle_pt", 2), "pickle",
        "bare protocol-2 os.system pickle named .pt: torch.load takes the legacy path and runs it "
        "as the magic-number pickle", "scanners.md c1#2 (CVE-2025-10155)", DENIED, OS)
    mal("plain_pickle.bin", payload("plain_pickle_bin", 4), "pickle",
        "bare protocol-4 os.system pickle named .bin", "scanners.md c1#2 (CVE-2025-10155)", DENIED, OS)


def gen_tree_and_tar_tricks():
    mal("tree/escape_link", ("symlink", "/etc/hostname"), "symlink",
        "symlink inside the scan root pointing to an absolute path outside it (/etc/hostname)",
        "scanners.md c8 (archive slip, PAIT-ARV-100)", ["archive-symlink-escape"], [],
        symlink_target="/etc/hostname")
    up = "../" * 12 + "etc/hostname"
    mal("tree/escape_link_relative", ("symlink", up), "symlink",
        "relative symlink climbing out of the scan root (../ x 12 then etc/hostname)",
        "scanners.md c8 (archive slip, PAIT-ARV-100)", ["archive-symlink-escape"], [],
        symlink_target=up)
    mal("tree/assets/cache/v2/.lock~1", payload("tree_deep_lock", 2), "pickle",
        "os.system pickle four folders down under an odd name (.lock~1)", "scanners.md c1#10",
        DENIED, OS)
    mal("tar_symlink_member.tar",
        tar_bytes([("model/model.pt", torch_zip_of("linear_sd", "model.pt")),
                   ("model/hostname", ("symlink", "/etc/hostname"))]), "tar",
        "tar holding a benign torch zip and a symlink member pointing to /etc/hostname",
        "scanners.md c8 (archive slip)", ["archive-symlink-escape"], [],
        note="Extracting it would create a link out of the destination.")
    mal("tar_path_traversal.tar",
        tar_bytes([("../../modelgate-traversal/evil.pkl", payload("tar_path_traversal", 2))]), "tar",
        "tar member named ../../modelgate-traversal/evil.pkl holding an os.system pickle",
        "scanners.md c8 (archive slip)", DENIED, OS,
        note="The member name climbs out of the extraction folder; no dedicated rule yet, the pickle "
        "inside must still be scanned.")


# ---------------------------------------------------------------------------
# Part 13: extracted pickle streams (for the CPython differential test).

def sanitize(member):
    return "".join(c if c.isalnum() or c in "._~-" else "_" for c in member)


def gen_extracted():
    """Write every pickle stream found in a malicious container as its own file.

    Streams come from check_containers.extract_streams (pure parsing; nothing
    is unpickled). The expectations of a stream that carries its fixture's
    payload are the fixture's pickle rules and globals; the other streams are
    expected clean unless CPython's find_class (the inert recorder) is asked
    for names outside the checker's SAFE list, which are then listed as
    pickle-unlisted-global."""
    import check_containers as cc
    fixtures = [e for e in ENTRIES if e["category"] == "malicious" and "size" in e]
    for e in fixtures:
        data = (OUT / e["file"]).read_bytes()
        fid = e["file"].split("/", 1)[1].replace("/", "__")
        for member, stream in cc.extract_streams(data):
            names, _ = cc.recorded_names(stream)
            want = set(e["globals"])
            if want and want <= names:
                expect = [r for r in e["expect"] if r in PICKLE_RULES]
                globals_ = e["globals"]
                extra = {"inner_globals": e.get("inner_globals"), "inner_format": e.get("inner_format")}
            else:
                unsafe = sorted(cc.unsafe_names(names))
                expect = ["pickle-unlisted-global"] if unsafe else []
                globals_ = unsafe
                extra = {}
            emit(f"extracted/{fid}--{sanitize(member)}.pkl", stream, fmt="pickle",
                 technique=f"pickle stream {member!r} extracted from {e['file']}",
                 provenance=e["provenance"], expect=expect, globals_=globals_,
                 source=e["file"], member=member, **extra)


# ---------------------------------------------------------------------------
# Part 14: README.

README_HEAD = """# Container fixtures (torch zip / legacy / tar, TorchScript, numpy, archives)

Fixtures for the container formats of "modelgate scan, part 2". Every file
here is **generated**: do not edit by hand. Regenerate and verify with

    /usr/bin/python3 testdata/gen/gen_containers.py
    /usr/bin/python3 testdata/gen/check_containers.py
    go test ./scan -run RealLoader

(`/usr/bin/python3` is Debian's CPython 3.11 with python3-torch 1.13, numpy
1.24, joblib 1.2 and lz4; the generator calls the `zstd` CLI. The generator
re-executes itself with `PYTHONHASHSEED=0`; output is byte-for-byte
reproducible on the same package versions.)

## Layout

| folder | count | meaning |
|---|---|---|
{layout}

* `benign/` must scan clean: real `torch.save` zips and legacy streams, `np.save` /
  `np.savez` output, tar/zip/compressed wrappers of those, and `benign/tree/`
  (odd file names). `scan/realloader_test.go` loads every one of them with the
  real loader.
* `benign-unlisted/` is legitimate but not counted: whole-module saves (they
  import `torch.nn` classes: `pickle-unlisted-global` or clean depending on the
  policy, see `may_fire`) and a hand-written legacy torch *tar* file that torch
  1.13 still loads.
* `malicious/` must be flagged with every rule in `expect`.
* `extracted/` holds every pickle stream found inside the malicious containers,
  one file each, named `<fixture>--<member>.pkl` (`/` in the fixture path
  becomes `__`, in the member `_`). They are bare pickles for the CPython
  differential test; `source` and `member` say where each came from.

## manifest.json

A JSON array, one object per file (symlinks included), sorted by `file`:

* `file` (relative to this folder), `category`, `format` (what the content is:
  `torch-zip`, `torch-legacy`, `torch-tar`, `torchscript`, `npy`, `npz`, `zip`,
  `tar`, `tar+gzip`, `tar+bzip2`, `tar+xz`, `gzip`, `bzip2`, `xz`, `lz4`, `zstd`,
  `pickle`, `symlink`; `pickle+torch-zip` is a pickle with a zip appended),
  `size` (absent for symlinks), `technique`, `provenance`,
  `note`.
* `expect`: rule IDs that MUST fire (empty = clean). Pickle rules as in
  `testdata/corpus`, plus the container rules `zip-anomaly`,
  `torchscript-archive`, `torch-storage-mismatch`, `format-extension-mismatch`
  (info), `archive-symlink-escape`, `npy-object-array` (`scan-limit` is not used
  by any fixture).
* `globals`: the imports the scanner must name (`module.name`).
* Optional: `members` (where the payload pickle sits, as the extractor names
  members: zip/tar member paths joined by `/`, `pickle<i>-<role>` for the five
  legacy pickles, `<source>/pickle1` for the first pickle of a multi-part tar
  member, `npy-data` for an object array's pickle); `inner_globals` +
  `inner_format` (nested payloads); `inner_format` (what a compressed file or
  wrapper holds); `builder` (benign: the gen_containers.BUILDERS function that
  rebuilds the value); `members` as objects `{name, format, builder}` for benign
  bundles; `archive_prefix` (top-level folder of a torch zip); `protocol`;
  `weights_only_loads` (does `torch.load(..., weights_only=True)` accept the
  benign file in torch 1.13); `npy_version`; `symlink_target`; `may_fire`.
* Zip tricks: `torch_twin` = what `torch.load` does with a BENIGN twin built the
  same way (`loads`, `error`, and for duplicates `reads`: which copy);
  `python_zipfile` = what Python's `zipfile` says when reading the member of
  the malicious file (reading only, nothing is unpickled); for duplicates
  `torch_reads`, `python_zipfile_reads` and `torch_runs_payload`.

## What torch 1.13 does with the tricks

Learnt by loading a BENIGN twin built the same way (or, for the payload-free
storage fixtures, the file itself).

{torch_table}

* Undersized storage record (`storage_undersized_record.pt`): torch 1.13 loads
  it without error; the tail of the tensor is uninitialised memory.
* Missing storage record: `PytorchStreamReader failed locating file data/1`.
* Legacy stream whose storage record is shorter than declared: torch raises
  `storage has wrong byte size`.
* A zip that does not start with `PK\\x03\\x04` is not a zip to torch: it takes
  the legacy path and unpickles the first bytes as the magic-number pickle
  (`zip_prepended_pickle_polyglot.pt`).
* numpy 1.24 writes object arrays as a protocol-**3** pickle.

## Safety

* Every malicious payload, if some loader ever ran it, only runs
  `touch /tmp/modelgate-canary-<name>` (or evaluates a constant with
  `builtins.eval`). No payload uses the network or deletes anything. The
  symlinks point at `/etc/hostname`; nothing writes through them.
* The generator only writes files. It learns torch's behaviour on zip tricks by
  loading benign twins, never the malicious files. `check_containers.py` reads
  containers with `zipfile`/`tarfile`/manual parsing and records the imports of
  every pickle with the inert recording unpicklers of `check_corpus.py`; only
  benign files are loaded for real (`torch.load`, `numpy.load`, `pickle.load`).
* Tests in Go must never hand malicious or extracted files to a real Python
  loader.

## Files by technique

| file | format | expect | globals | technique | provenance |
|---|---|---|---|---|---|
"""


def write_readme():
    counts = collections.Counter(e["category"] for e in ENTRIES)
    desc = {"benign": "must scan clean", "benign-unlisted": "legitimate, policy-dependent (not counted)",
            "malicious": "must be flagged", "extracted": "pickle streams cut out of malicious/"}
    layout = "\n".join(f"| `{k}/` | {counts[k]} | {desc[k]} |" for k in desc)
    rows = ["| fixture | torch.load (benign twin) | Python zipfile (this file) |", "|---|---|---|"]
    for e in ENTRIES:
        if "torch_twin" not in e:
            continue
        tw = e["torch_twin"]
        t = ("loads" + (f", reads the {tw['reads']} copy" if "reads" in tw else "")) if tw["loads"] \
            else tw["error"]
        z = e.get("python_zipfile", "")
        if "python_zipfile_reads" in e:
            z = f"reads the {e['python_zipfile_reads']} copy"
        rows.append("| `%s` | %s | %s |" % (e["file"].split("/", 1)[1], t.replace("|", "\\|"),
                                            z.replace("|", "\\|")))
    out = README_HEAD.replace("{layout}", layout).replace("{torch_table}", "\n".join(rows))
    lines = []
    for e in sorted(ENTRIES, key=lambda e: ({"malicious": 0, "benign": 1}.get(e["category"], 2), e["file"])):
        if e["category"] == "extracted":
            continue

        def cell(s):
            return str(s).replace("|", "\\|").replace("\n", " ")
        lines.append("| `%s` | %s | %s | %s | %s | %s |" % (
            e["file"], e["format"], cell(", ".join(e["expect"]) or "clean"), cell(", ".join(e["globals"])),
            cell(e["technique"]), cell(e["provenance"])))
    (OUT / "README.md").write_text(out + "\n".join(lines) + "\n")


# ---------------------------------------------------------------------------

def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    warnings.simplefilter("ignore")
    for sub in ("benign", "benign-unlisted", "malicious", "extracted"):
        shutil.rmtree(OUT / sub, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    gen_benign_torch()
    gen_benign_numpy()
    gen_benign_archives()
    gen_benign_tree()
    gen_benign_unlisted()
    gen_payload_locations()
    gen_zip_tricks()
    gen_wrapped()
    gen_legacy()
    gen_storage_mismatch()
    gen_torchscript()
    gen_numpy_payloads()
    gen_nested()
    gen_odd_names()
    gen_tree_and_tar_tricks()
    gen_extracted()
    shutil.rmtree(TS_SRC_DIR, ignore_errors=True)
    ENTRIES.sort(key=lambda e: e["file"])
    (OUT / "manifest.json").write_text(json.dumps(ENTRIES, indent=1, ensure_ascii=False) + "\n")
    write_readme()
    counts = collections.Counter(e["category"] for e in ENTRIES)
    total = sum(e.get("size", 0) for e in ENTRIES)
    assert total <= MAX_TOTAL, total
    print("wrote", dict(counts), "files,", total, "bytes")


if __name__ == "__main__":
    main()
