#!/usr/bin/python3
"""Verify testdata/containers against testdata/containers/manifest.json.

    /usr/bin/python3 testdata/gen/check_containers.py [-v] [FILE-SUBSTRING ...]

Nothing malicious is ever loaded with a real loader. Containers are opened
with a small hand-written zip parser (central directory + local headers, so
bad CRCs, flag bits, name mismatches, duplicates, prepended data and
overlapping entries do not stop it), `tarfile`, the decompressors, and an .npy
header parser. Every pickle stream found that way goes through the recording
unpicklers of check_corpus.py: `find_class` records (module, name) and returns
an inert stand-in, `persistent_load` records the persistent id.

Checks per malicious file: the manifest's `globals` are among the recorded
imports; `members` name streams that really hold them; nested payloads
(`inner_globals`) are reached by unwrapping the bytes handed to a loader
stand-in; each container rule in `expect` is backed by a fact found in the
file (a zip anomaly, a constants.pkl record, an object-dtype .npy, an
extension/content mismatch, a symlink leaving the root, a storage record
shorter than its persistent id says), and a fact that would fire a container
rule is never present unless that rule is expected.

Checks per benign file: it loads with its real loader (torch.load,
numpy.load, pickle.load; wrappers are opened first) and equals the value the
generator builds (gen_containers.BUILDERS); every pickle inside imports only
names from SAFE; no container rule's fact is present.

Checks per extracted stream: it is byte-identical to the stream the extractor
cuts from its source fixture, and its recorded imports match the manifest.
"""

import ast
import bz2
import gzip
import io
import json
import lzma
import os
import pickle
import pickletools
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
ROOT = HERE.parent / "containers"
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))

from check_corpus import (  # noqa: E402
    LOADERS, CRecorder, Rec, StandIn, compat, diff, materialize, record_stream,
)

MAX_FILE = 200 * 1024
MAX_TOTAL = 5 * 1024 * 1024
MIN_COUNTS = {"benign": 45, "malicious": 55}

# Imports a benign torch / numpy / plain-data pickle may make.
SAFE = {
    "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_tensor", "torch._tensor._rebuild_from_type_v2", "torch.Size", "torch.device",
    "_codecs.encode", "builtins.set", "builtins.complex", "builtins.bytearray",
    "numpy.core.multiarray._reconstruct", "numpy.ndarray", "numpy.dtype", "numpy.core.multiarray.scalar",
    "numpy.core.numeric._frombuffer", "torch.jit._pickle.restore_type_tag",
}
STORAGE_SIZES = {
    "DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2, "LongStorage": 8,
    "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1,
    "ComplexFloatStorage": 8, "ComplexDoubleStorage": 16, "UntypedStorage": 1,
}


def is_safe(name):
    mod, _, attr = name.rpartition(".")
    name = "%s.%s" % compat(mod, attr)
    if name in SAFE:
        return True
    mod, _, attr = name.rpartition(".")
    return mod == "torch" and (attr.endswith("Storage") or attr.endswith("Tensor"))


def unsafe_names(names):
    return {n for n in names if not is_safe(n)}


# ---------------------------------------------------------------------------
# Zip parsing by hand: central directory first, then each local header.

class ZipMember:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _find_eocd(data):
    i = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    return i if i >= 0 and i + 22 <= len(data) else None


def parse_zip(data):
    """Members of a zip (None if no end-of-central-directory record).

    Offsets are taken as Python's zipfile does: relative to where the archive
    starts (`concat`), so `cat prefix archive.zip` and absolute offsets both
    work."""
    e = _find_eocd(data)
    if e is None:
        return None
    _, _, _, _, n, cd_size, cd_off, _ = struct.unpack("<IHHHHIIH", data[e:e + 22])
    end = e
    loc = e - 20
    if loc >= 0 and data[loc:loc + 4] == b"PK\x06\x07":
        z64 = struct.unpack("<Q", data[loc + 8:loc + 16])[0]
        # the locator's offset may itself be relative; find the record before it
        z64_at = data.rfind(b"PK\x06\x06", 0, loc)
        if z64_at >= 0:
            _, _, _, _, _, _, _, n, cd_size, cd_off = struct.unpack("<IQHHIIQQQQ", data[z64_at:z64_at + 56])
            end = z64_at
        del z64
    concat = end - cd_size - cd_off
    out, p = [], cd_off + concat
    for _ in range(n):
        if data[p:p + 4] != b"PK\x01\x02":
            raise ValueError(f"bad central header at {p}")
        (_, _, _, flags, method, _, _, crc, csize, usize, nlen, xlen, clen, _, _, _,
         off) = struct.unpack("<IHHHHHHIIIHHHHHII", data[p:p + 46])
        name = data[p + 46:p + 46 + nlen].decode("utf-8", "replace")
        extra = data[p + 46 + nlen:p + 46 + nlen + xlen]
        q = 0
        while q + 4 <= len(extra):
            tag, size = struct.unpack("<HH", extra[q:q + 4])
            if tag == 1:
                vals = list(struct.unpack(f"<{size // 8}Q", extra[q + 4:q + 4 + size - size % 8]))
                if usize == 0xFFFFFFFF:
                    usize = vals.pop(0)
                if csize == 0xFFFFFFFF:
                    csize = vals.pop(0)
                if off == 0xFFFFFFFF:
                    off = vals.pop(0)
            q += 4 + size
        p += 46 + nlen + xlen + clen
        lh = off + concat
        if data[lh:lh + 4] != b"PK\x03\x04":
            raise ValueError(f"bad local header for {name} at {lh}")
        lflags = struct.unpack("<H", data[lh + 6:lh + 8])[0]
        lnlen, lxlen = struct.unpack("<HH", data[lh + 26:lh + 30])
        lname = data[lh + 30:lh + 30 + lnlen].decode("utf-8", "replace")
        start = lh + 30 + lnlen + lxlen
        raw = data[start:start + csize]
        body = raw if method == 0 else zlib.decompressobj(-15).decompress(raw) if method == 8 else None
        out.append(ZipMember(name=name, local_name=lname, flags=flags, local_flags=lflags, method=method,
                             crc=crc, csize=csize, usize=usize, header=lh, start=start, end=start + csize,
                             data=body))
    return out


def zip_anomalies(data):
    """Facts that make `zip-anomaly` fire; [] for a clean zip."""
    members = parse_zip(data)
    if members is None:
        return []
    out = []
    names = [m.name for m in members]
    for n in sorted({n for n in names if names.count(n) > 1}):
        out.append(f"duplicate name {n}")
    for m in members:
        if m.local_name != m.name:
            out.append(f"local name {m.local_name!r} != central name {m.name!r}")
        if m.data is not None and zlib.crc32(m.data) != m.crc:
            out.append(f"bad CRC on {m.name}")
        for bit in (0x1, 0x20, 0x40):
            if (m.flags | m.local_flags) & bit:
                out.append(f"flag {bit:#x} on {m.name}")
    spans = sorted((m.header, m.end, m.name) for m in members)
    if spans and spans[0][0] > 0:
        out.append(f"{spans[0][0]} bytes before the first entry")
    for (a0, a1, an), (b0, _, bn) in zip(spans, spans[1:]):
        if b0 < a1:
            out.append(f"{bn} overlaps {an}")
    return out


# ---------------------------------------------------------------------------
# Stream extraction (pure parsing; nothing is unpickled).

def decompress(data):
    """(label, bytes) if data is a compressed stream, else None."""
    if data[:2] == b"\x1f\x8b":
        return "gunzip", gzip.decompress(data)
    if data[:3] == b"BZh":
        return "bunzip2", bz2.decompress(data)
    if data[:6] == b"\xfd7zXZ\x00":
        return "unxz", lzma.decompress(data)
    if data[:4] == b"\x04\x22\x4d\x18":
        import lz4.frame
        return "unlz4", lz4.frame.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return "unzstd", subprocess.run(["zstd", "-q", "-d", "-c"], input=data, stdout=subprocess.PIPE,
                                        check=True).stdout
    return None


def is_tar(data):
    return len(data) >= 512 and data[257:262] == b"ustar"


def npy_header(data):
    """(descr, fortran, shape, data offset, version) of an .npy, or None."""
    if data[:6] != b"\x93NUMPY":
        return None
    major = data[6]
    if major == 1:
        n, off = struct.unpack("<H", data[8:10])[0], 10
    else:
        n, off = struct.unpack("<I", data[8:12])[0], 12
    h = ast.literal_eval(data[off:off + n].decode("utf-8" if major >= 3 else "latin1"))
    return h["descr"], h["fortran_order"], h["shape"], off + n, (major, data[7])


def npy_has_object(descr):
    if isinstance(descr, str):
        return "O" in descr
    return any(npy_has_object(f[1]) for f in descr)


def pickle_end(data, start=0):
    """End offset of the pickle starting at `start` (pickletools; raises if broken)."""
    f = io.BytesIO(data)
    f.seek(start)
    for _ in pickletools.genops(f):
        pass
    return f.tell()


def looks_like_pickle(data):
    if len(data) >= 2 and data[0] == 0x80 and data[1] <= 5:
        return True
    try:
        return pickle_end(data) == len(data)  # protocol 0/1: the whole thing parses
    except Exception:  # noqa: BLE001
        return False


LEGACY_ROLES = ("magic", "protocol", "sys_info", "main", "storage_keys")


def split_pickles(data):
    """Consecutive pickles at the start of data: [(start, end)]; the first one
    may be broken (then it runs to the end of data)."""
    spans, pos = [], 0
    while pos < len(data):
        if spans and not (data[pos] == 0x80 and pos + 1 < len(data) and data[pos + 1] <= 5):
            break
        try:
            end = pickle_end(data, pos)
        except Exception:  # noqa: BLE001
            if not spans:
                spans.append((0, len(data)))
            break
        spans.append((pos, end))
        pos = end
    return spans


def _join(path, name):
    return f"{path}/{name}" if path else name


def extract_streams(data, path=""):
    """Every pickle stream reachable in data: [(member path, bytes)]."""
    out = []
    dec = decompress(data)
    if dec:
        return extract_streams(dec[1], _join(path, dec[0]))
    if is_tar(data):
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as t:
            for m in t.getmembers():
                if m.isfile():
                    out += extract_streams(t.extractfile(m).read(), _join(path, m.name))
        return out
    h = npy_header(data)
    if h:
        if npy_has_object(h[0]):
            out.append((_join(path, "npy-data"), data[h[3]:]))
        return out
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return out + _zip_streams(data, path)
    if looks_like_pickle(data):
        spans = split_pickles(data)
        if len(spans) == 1 and spans[0][1] == len(data):
            out.append((path or "pickle", data))
        else:
            legacy = len(spans) >= 5
            for i, (a, b) in enumerate(spans, 1):
                label = f"pickle{i}" + (f"-{LEGACY_ROLES[i - 1]}" if legacy and i <= 5 else "")
                out.append((_join(path, label), data[a:b]))
        if _find_eocd(data) is not None:  # a zip behind the pickle (polyglot)
            out += _zip_streams(data, path)
    return out


def _zip_streams(data, path):
    out, seen = [], {}
    for m in parse_zip(data) or []:
        if m.data is None:
            continue
        seen[m.name] = seen.get(m.name, 0) + 1
        name = m.name if seen[m.name] == 1 else f"{m.name}~{seen[m.name]}"
        if looks_like_pickle(m.data) and not name.endswith(".py"):
            out.append((_join(path, name), m.data))
        elif m.data[:4] in (b"PK\x03\x04",) or npy_header(m.data) or is_tar(m.data) or decompress(m.data):
            out += extract_streams(m.data, _join(path, name))
    return out


def zips_in(data, path=""):
    """Every zip in data (through wrappers): [(path, bytes)]."""
    dec = decompress(data)
    if dec:
        return zips_in(dec[1], _join(path, dec[0]))
    if is_tar(data):
        out = []
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as t:
            for m in t.getmembers():
                if m.isfile():
                    out += zips_in(t.extractfile(m).read(), _join(path, m.name))
        return out
    if _find_eocd(data) is None or npy_header(data):
        return []
    out = [(path, data)]
    for m in parse_zip(data) or []:
        if m.data and (m.data[:4] == b"PK\x03\x04" or decompress(m.data) or is_tar(m.data)):
            out += zips_in(m.data, _join(path, m.name))
    return out


def npys_in(data):
    """Every .npy header in data (through zips and wrappers)."""
    dec = decompress(data)
    if dec:
        return npys_in(dec[1])
    if is_tar(data):
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as t:
            return [h for m in t.getmembers() if m.isfile() for h in npys_in(t.extractfile(m).read())]
    h = npy_header(data)
    if h:
        return [h]
    if data[:4] == b"PK\x03\x04":
        return [h for m in parse_zip(data) or [] if m.data for h in npys_in(m.data)]
    return []


# ---------------------------------------------------------------------------
# Recording.

class PidRecorder(CRecorder):
    """check_corpus's C recorder, except that a legacy ('module', <class>, ...)
    persistent id resolves to the class stand-in itself, so the NEWOBJ that
    follows it in a whole-module save keeps recording."""

    def persistent_load(self, pid):
        self.mg_rec.calls.append(("<persistent_load>", (pid,), {}))
        if isinstance(pid, tuple) and len(pid) > 1 and pid[0] == "module":
            return pid[1]
        return self.mg_rec.standin("<persistent>")()


def recorded_names(stream):
    rec, errors = record_stream(stream, cls=PidRecorder)
    return rec.names(), errors


def nested_bytes(rec):
    """Bytes handed to a loader stand-in (pickle.loads, _load_from_bytes, ...);
    protocol-2 bytes arrive as _codecs.encode(<latin-1 str>, 'latin1')."""
    out = []
    for qual, args, _ in rec.calls:
        if qual not in LOADERS or not args:
            continue
        v = args[0]
        call = getattr(v, "_mg_call", None) if isinstance(v, StandIn) else None
        if call and call[0] == "_codecs.encode" and isinstance(call[1][0], str):
            out.append(call[1][0].encode(call[1][1] if len(call[1]) > 1 else "utf-8"))
        else:
            b = materialize(v)
            if b is not None:
                out.append(b)
    return out


def record_all(data):
    """Union of recorded names over every stream, plus per-stream detail."""
    names, per, errors, recs = set(), {}, [], []
    for member, stream in extract_streams(data):
        rec, errs = record_stream(stream, cls=PidRecorder)
        names |= rec.names()
        per[member] = rec.names()
        errors += errs
        recs.append(rec)
    return names, per, errors, recs


# ---------------------------------------------------------------------------
# Facts behind the container rules.

EXT_FORMATS = {
    ".pkl": {"pickle"}, ".pickle": {"pickle"}, ".p": {"pickle"}, ".joblib": {"pickle"},
    ".npy": {"npy"}, ".npz": {"zip"}, ".safetensors": {"safetensors"}, ".json": {"json"},
    ".txt": {"text"}, ".pt": {"zip", "pickle", "tar"}, ".pth": {"zip", "pickle", "tar"},
    ".bin": {"zip", "pickle", "tar"}, ".ckpt": {"zip", "pickle", "tar"}, ".zip": {"zip"},
    ".tar": {"tar"}, ".gz": {"gzip"}, ".bz2": {"bzip2"}, ".xz": {"xz"}, ".lz4": {"lz4"},
    ".zst": {"zstd"},
}


def sniff(data):
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if data[:3] == b"BZh":
        return "bzip2"
    if data[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if data[:4] == b"\x04\x22\x4d\x18":
        return "lz4"
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if data[:6] == b"\x93NUMPY":
        return "npy"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if is_tar(data):
        return "tar"
    if looks_like_pickle(data):
        return "pickle"
    return "unknown"


def extension_mismatch(rel, data):
    ext = os.path.splitext(rel)[1].lower()
    allowed = EXT_FORMATS.get(ext)
    return allowed is not None and sniff(data) not in allowed


def torchscript_records(data):
    return [p + "/" + m.name for p, z in zips_in(data) for m in parse_zip(z) or []
            if m.name.split("/", 1)[-1] == "constants.pkl"]


def storage_mismatches(data):
    """Persistent ids whose storage record is missing or too short."""
    out = []
    for path, z in zips_in(data):
        members = {m.name: m for m in parse_zip(z) or []}
        pkls = [n for n in members if n.endswith("/data.pkl") and n.count("/") == 1]
        for n in pkls:
            prefix = n.split("/")[0]
            for pid in _pids(members[n].data):
                key, need = pid
                rec = members.get(f"{prefix}/data/{key}")
                if rec is None or len(rec.data) < need:
                    out.append(f"{path}:{prefix}/data/{key} has {None if rec is None else len(rec.data)} "
                               f"bytes, needs {need}")
    if data[:2] == b"\x80\x02" and not zips_in(data):
        out += _legacy_mismatches(data)
    return out


def _storage_pids(stream):
    """(key, numel, element size) of every storage persistent id in a pickle."""
    rec = Rec()
    try:
        PidRecorder(io.BytesIO(stream), rec).load()
    except Exception:  # noqa: BLE001 - ids seen before an error still count
        pass
    for qual, args, _ in rec.calls:
        pid = args[0] if args else None
        if qual == "<persistent_load>" and isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage":
            typ = pid[1]._mg_qual.rsplit(".", 1)[-1]
            yield pid[2], pid[4], STORAGE_SIZES.get(typ, 1)


def _pids(stream):
    for key, numel, esize in _storage_pids(stream):
        yield key, numel * esize


def _legacy_mismatches(data):
    """Legacy stream: each raw record's int64 element count vs its persistent id."""
    spans = split_pickles(data)
    if len(spans) < 5:
        return []
    declared = {k: (n, es) for k, n, es in _storage_pids(data[spans[3][0]:spans[3][1]])}
    keys = CRecorder(io.BytesIO(data[spans[4][0]:spans[4][1]]), Rec()).load()  # a list of str
    out, pos = [], spans[4][1]
    for k in keys:
        if pos + 8 > len(data):
            out.append(f"legacy storage {k}: record missing")
            break
        numel = struct.unpack("<q", data[pos:pos + 8])[0]
        want, esize = declared.get(k, (None, 1))
        if want != numel:
            out.append(f"legacy storage {k}: record numel {numel}, persistent id numel {want}")
        pos += 8 + numel * esize
    return out


def symlink_escapes(path):
    if not os.path.islink(path):
        return False
    target = os.path.realpath(path)
    return not target.startswith(str(ROOT.resolve()) + os.sep)


def tar_symlink_escapes(data):
    out = []
    dec = decompress(data)
    if dec:
        return tar_symlink_escapes(dec[1])
    if is_tar(data):
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as t:
            for m in t.getmembers():
                if m.issym() or m.islnk():
                    target = os.path.normpath(os.path.join(os.path.dirname(m.name), m.linkname))
                    if os.path.isabs(m.linkname) or target.startswith(".."):
                        out.append(f"{m.name} -> {m.linkname}")
    return out


# ---------------------------------------------------------------------------
# Checks.

class Failure(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Failure(msg)


def container_facts(rel, data):
    """Container rule ID -> evidence, for every rule whose fact is present."""
    facts = {}
    if data is None:  # symlink
        if symlink_escapes(ROOT / rel):
            facts["archive-symlink-escape"] = os.readlink(ROOT / rel)
        return facts
    za = [a for _, z in zips_in(data) for a in zip_anomalies(z)]
    if sniff(data) == "pickle" and _find_eocd(data) is not None:
        za.append("pickle prefix before a zip archive")
    if za:
        facts["zip-anomaly"] = za
    ts = torchscript_records(data)
    if ts:
        facts["torchscript-archive"] = ts
    sm = storage_mismatches(data)
    if sm:
        facts["torch-storage-mismatch"] = sm
    obj = [h for h in npys_in(data) if npy_has_object(h[0])]
    if obj:
        facts["npy-object-array"] = [str(h[0]) for h in obj]
    if extension_mismatch(rel, data):
        facts["format-extension-mismatch"] = f"{os.path.splitext(rel)[1]} holds {sniff(data)}"
    te = tar_symlink_escapes(data)
    if te:
        facts["archive-symlink-escape"] = te
    return facts


def check_facts(e, facts):
    want = {r for r in e["expect"] if not r.startswith("pickle-")}
    have = set(facts)
    need(want <= have, f"no evidence for {sorted(want - have)}")
    need(have <= want, f"container facts not in expect: { {k: facts[k] for k in have - want} }")
    return ", ".join(f"{k}" for k in sorted(have))


def check_malicious(e, data):
    facts = container_facts(e["file"], data)
    detail = [d for d in [check_facts(e, facts)] if d]
    if data is None:
        need(os.readlink(ROOT / e["file"]) == e["symlink_target"], "symlink target differs")
        return "; ".join(detail)
    names, per, errors, recs = record_all(data)
    missing = set(e["globals"]) - names
    need(not missing, f"globals not requested: {sorted(missing)}; recorded {sorted(names)}; errors {errors}")
    for m in e.get("members", []):
        need(m in per, f"no pickle stream at member {m!r}; streams {sorted(per)}")
        need(set(e["globals"]) <= per[m], f"member {m!r} does not import {e['globals']}: {sorted(per[m])}")
    if "pickle-error-after-call" in e["expect"]:
        need(errors, "expected a stream to break after the call")
    if e.get("inner_globals"):
        got = set()
        for rec in recs:
            for b in nested_bytes(rec):
                for _, s in extract_streams(b):
                    got |= recorded_names(s)[0]
        missing = set(e["inner_globals"]) - got
        need(not missing, f"inner globals not reached: {sorted(missing)}; got {sorted(got)}")
        detail.append(f"nested {sorted(got & set(e['inner_globals']))}")
    if "python_zipfile" in e:
        member = (e.get("members") or ["archive/data.pkl"])[0]
        if member == "pickle1":
            member = "archive/data.pkl"
        got = _zipfile_verdict(data, member)
        need(got == e["python_zipfile"], f"python zipfile now says {got!r}")
    if "python_zipfile_reads" in e:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            body = z.read("archive/data.pkl")
        copies = [m.data for m in parse_zip(data) if m.name == "archive/data.pkl"]
        need(body == copies[-1] and e["python_zipfile_reads"] == "second",
             "zipfile does not read the last copy")
    detail.append(f"{len(per)} streams, imports {sorted(e['globals'])}")
    return "; ".join(detail)


def _zipfile_verdict(data, member):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            z.read(member)
        return "reads " + member
    except Exception as x:  # noqa: BLE001
        return f"{type(x).__name__}: {str(x)[:120]}"


def load_real(fmt, data, path=None):
    """Load OUR OWN benign bytes with the real loader of `fmt`."""
    import numpy as np
    import torch
    if fmt in ("torch-zip", "torch-legacy", "torch-tar", "torchscript"):
        if path is None:
            with tempfile.NamedTemporaryFile(suffix=".pt") as f:
                f.write(data)
                f.flush()
                return torch.load(f.name)
        return torch.load(path)
    if fmt == "npy":
        return np.load(io.BytesIO(data))
    if fmt == "npz":
        with np.load(io.BytesIO(data)) as z:
            return {k: z[k] for k in z.files}
    if fmt == "pickle":
        return pickle.loads(data)
    raise ValueError(fmt)


def member_bytes(data, name):
    """A member of a benign tar or zip wrapper (after decompression)."""
    dec = decompress(data)
    if dec:
        data = dec[1]
    if is_tar(data):
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as t:
            return t.extractfile(name).read()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


def compare(got, builder, gen):
    want = gen.BUILDERS[builder]()
    if builder == "sequential_module":
        got, want = got.state_dict(), want.state_dict()
    d = diff(got, want)
    need(d is None, f"loaded value differs from {builder}(): {d}")
    if builder == "views_shared":
        need(got["w_again"] is got["w"], "the tensor saved twice is not one object after loading")
        ptr = got["w"].storage().data_ptr()
        for k in ("view", "rows", "t", "col"):
            need(got[k].storage().data_ptr() == ptr, f"{k} no longer shares w's storage")


def check_benign(e, data, gen):
    facts = container_facts(e["file"], data)
    need(not facts, f"benign file shows container facts {facts}")
    names, per, errors, _ = record_all(data)
    need(not errors, f"a pickle stream does not record cleanly: {errors}")
    allowed = set(e["globals"]) if e["category"] == "benign-unlisted" else set()
    bad = unsafe_names(names) - allowed
    need(not bad, f"benign pickles import {sorted(bad)}")
    path = ROOT / e["file"]
    fmt = e["format"]
    if "members" in e:
        for m in e["members"]:
            compare(load_real(m["format"], member_bytes(data, m["name"])), m["builder"], gen)
        return f"{len(e['members'])} members load and equal their builders"
    if "inner_format" in e:
        got = load_real(e["inner_format"], decompress(data)[1])
    else:
        got = load_real(fmt, data, path if fmt.startswith("torch") else None)
    compare(got, e["builder"], gen)
    if fmt == "npy":
        h = npy_header(data)
        need(f"{h[4][0]}.{h[4][1]}" == e.get("npy_version", "1.0"), "npy version differs")
        if h[1] and got.ndim > 1:
            need(got.flags.f_contiguous and not got.flags.c_contiguous, "Fortran order lost")
    return f"loads and equals {e['builder']}() ({len(per)} pickle streams, imports safe)"


def check_extracted(e, data, sources):
    src = sources.get(e["source"])
    need(src is not None, f"source {e['source']} missing")
    streams = dict(extract_streams(src))
    need(streams.get(e["member"]) == data, f"not the stream {e['member']!r} of {e['source']}")
    names, errors = recorded_names(data)
    missing = set(e["globals"]) - names
    need(not missing, f"globals not requested: {sorted(missing)}; recorded {sorted(names)}")
    if not e["expect"]:
        need(not unsafe_names(names), f"clean stream imports {sorted(unsafe_names(names))}")
    if "pickle-unlisted-global" in e["expect"] and e["expect"] == ["pickle-unlisted-global"]:
        need(set(e["globals"]) == unsafe_names(names), "unlisted globals differ")
    return f"{len(names)} imports" + (f", errors {errors}" if errors else "")


# ---------------------------------------------------------------------------

def on_disk():
    out = set()
    for d, dirs, files in os.walk(ROOT):
        for n in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
            p = Path(d) / n
            if p.parent == ROOT:
                continue
            out.add(str(p.relative_to(ROOT)))
    return out


def main(argv):
    verbose = "-v" in argv
    filters = [a for a in argv if not a.startswith("-")]
    warnings.simplefilter("ignore")
    import gen_containers as gen

    entries = json.loads((ROOT / "manifest.json").read_text())
    passed, failed = 0, 0

    def report(ok, name, msg):
        nonlocal passed, failed
        if ok:
            passed += 1
            if verbose:
                print(f"ok   {name}: {msg}")
        else:
            failed += 1
            print(f"FAIL {name}: {msg}")

    if not filters:
        listed = {e["file"] for e in entries}
        disk = on_disk()
        report(listed == disk, "manifest-matches-disk",
               f"unlisted {sorted(disk - listed)[:5]} missing {sorted(listed - disk)[:5]}")
        counts = {c: sum(e["category"] == c for e in entries) for c in MIN_COUNTS}
        report(all(counts[c] >= n for c, n in MIN_COUNTS.items()), "minimum-counts", str(counts))
        total = sum(e.get("size", 0) for e in entries)
        report(total <= MAX_TOTAL, "total-size", f"{total} bytes")
        report(all(e["expect"] for e in entries if e["category"] == "malicious"), "malicious-have-expect", "")
        bad = [e["file"] for e in entries for r in e["expect"] + e.get("may_fire", []) if r not in gen.RULES]
        report(not bad, "known-rule-ids", str(bad))
        want = {(e["file"], m) for e in entries if e["category"] == "malicious" and "size" in e
                for m, _ in extract_streams((ROOT / e["file"]).read_bytes())}
        have = {(e["source"], e["member"]) for e in entries if e["category"] == "extracted"}
        report(want == have, "extracted-complete",
               f"missing {sorted(want - have)[:3]} extra {sorted(have - want)[:3]}")
        readme = (ROOT / "README.md").read_text()
        report("extracted/" in readme and "<fixture>--<member>.pkl" in readme,
               "readme-mentions-extracted", "")

    sources = {}
    for e in entries:
        if e["category"] == "malicious" and "size" in e:
            sources[e["file"]] = (ROOT / e["file"]).read_bytes()
    for e in entries:
        if filters and not any(f in e["file"] for f in filters):
            continue
        path = ROOT / e["file"]
        try:
            data = None if os.path.islink(path) else path.read_bytes()
            if data is not None:
                need(len(data) == e["size"], "size differs from manifest")
                need(len(data) <= MAX_FILE, f"file is {len(data)} bytes (> {MAX_FILE})")
            if e["category"] == "extracted":
                msg = check_extracted(e, data, sources)
            elif e["category"] == "malicious":
                msg = check_malicious(e, data)
            else:
                msg = check_benign(e, data, gen)
            report(True, e["file"], msg)
        except Failure as x:
            report(False, e["file"], str(x))
        except Exception as x:  # noqa: BLE001
            report(False, e["file"], f"{type(x).__name__}: {x}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
