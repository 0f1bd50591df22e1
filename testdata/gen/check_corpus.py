#!/usr/bin/python3
"""Verify testdata/corpus against testdata/corpus/manifest.json.

    /usr/bin/python3 testdata/gen/check_corpus.py [-v] [FILE-SUBSTRING ...]

Malicious (and `later/` malicious) files are NEVER loaded with a real
unpickler. They go through recording unpicklers: subclasses of the C
`pickle.Unpickler`, the pure-Python `pickle._Unpickler` and joblib's
`NumpyUnpickler` whose `find_class` records (module, name) and returns an
inert stand-in class. Stand-ins accept any call, BUILD, SETITEM, APPEND, and
remember attributes set through BUILD so that protocol-4 dotted names resolve
the way CPython would (modelscan#85). For joblib only NumpyArrayWrapper,
numpy.dtype, numpy.ndarray and numpy.core.multiarray._reconstruct/scalar are
real (plus the pure `_codecs.encode`, which protocol-2 joblib files use for
bytes); object-array nested pickles are read with the recorder as well.

For every malicious file the checker asserts that the manifest's `globals` are
among the recorded imports (after _compat_pickle renaming), that nested
payloads (`inner_globals`) are reached by unwrapping the bytes handed to a
loader stand-in, that EXT opcodes fetch the registered callable, and that FRAME
straddles hide their call from pickletools but not from the C unpickler in file
mode. Benign files are loaded for real and compared with the object the
generator builds (gen_corpus.BUILDERS).
"""

import _compat_pickle
import base64
import bz2
import copyreg
import gzip
import io
import json
import lzma
import math
import pickle
import pickletools
import sys
import warnings
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "corpus"
sys.dont_write_bytecode = True  # importing gen_corpus must not litter testdata/gen
sys.path.insert(0, str(HERE))

MAX_FILE = 100 * 1024
MAX_TOTAL = 3 * 1024 * 1024
MIN_COUNTS = {"benign": 45, "malicious": 65}

LOADERS = {
    "pickle.loads", "_pickle.loads", "dill.loads", "dill._dill.loads", "joblib.load",
    "torch.load", "torch.serialization.load", "torch.storage._load_from_bytes", "numpy.load",
}


# ---------------------------------------------------------------------------
# Stand-ins.

class Rec:
    """What one recording session saw."""

    def __init__(self):
        self.globals = []    # (module, name) as requested
        self.calls = []      # (qualname, args, kwargs)
        self.mutations = []  # (qualname, state)
        self.classes = {}
        self.pure = False    # allow PURE functions (for dynamic-global proofs)

    def standin(self, qual):
        cls = self.classes.get(qual)
        if cls is None:
            cls = StandInMeta(qual, (StandIn,), {"_mg_qual": qual, "_mg_rec": self, "_mg_attrs": {}})
            self.classes[qual] = cls
        return cls

    def names(self):
        out = set()
        for m, n in self.globals:
            out.add(f"{m}.{n}")
            out.add("%s.%s" % compat(m, n))
        return out


def compat(module, name):
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _qual(target):
    return target._mg_qual if isinstance(target, type) else target._mg_qual + "()"


def _apply_state(target, state):
    target._mg_rec.mutations.append((_qual(target), state))
    parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
    for part in parts:
        if isinstance(part, dict):
            target._mg_attrs.update(part)


class _Bound:
    """A method usable on a stand-in class and on its instances."""

    def __init__(self, fn):
        self.fn = fn

    def __get__(self, obj, typ):
        target = obj if obj is not None else typ
        return lambda *a: self.fn(target, *a)


def _add(target, *items):
    target._mg_rec.mutations.append((_qual(target), items))


class StandInMeta(type):
    def __setitem__(cls, k, v):
        cls._mg_rec.mutations.append((cls._mg_qual, (k, v)))
        cls._mg_attrs[k] = v


class StandIn(metaclass=StandInMeta):
    _mg_qual = "?"
    _mg_rec = None
    _mg_attrs = {}
    __setstate__ = _Bound(_apply_state)
    append = _Bound(_add)
    extend = _Bound(_add)
    add = _Bound(_add)

    def __new__(cls, *a, **k):
        self = object.__new__(cls)
        self._mg_attrs = {}
        self._mg_call = (cls._mg_qual, a, k)
        cls._mg_rec.calls.append(self._mg_call)
        return self

    def __init__(self, *a, **k):
        pass

    def __call__(self, *a, **k):
        qual = self._mg_qual + "()"
        rec = self._mg_rec
        rec.calls.append((qual, a, k))
        return rec.standin(qual + "()")()

    def __setitem__(self, k, v):
        self._mg_rec.mutations.append((self._mg_qual + "()", (k, v)))
        self._mg_attrs[k] = v


# Side-effect-free functions the recorder may really call, only for entries
# whose manifest has `dynamic_resolves_to` (to prove where the operands lead).
PURE = {"builtins.str.join": str.join, "_codecs.decode": __import__("_codecs").decode}


def resolve(rec, module, name):
    rec.globals.append((module, name))
    module, name = compat(module, name)
    if rec.pure and f"{module}.{name}" in PURE:
        return PURE[f"{module}.{name}"]
    parts = name.split(".")
    obj = rec.standin(f"{module}.{parts[0]}")
    for i, part in enumerate(parts[1:], 1):
        attrs = getattr(obj, "_mg_attrs", None) if isinstance(obj, (StandIn, StandInMeta)) else None
        if attrs is not None and part in attrs:
            obj = attrs[part]
        else:
            obj = rec.standin(module + "." + ".".join(parts[:i + 1]))
    return obj


class _RecordingMixin:
    def find_class(self, module, name):
        return resolve(self.mg_rec, module, name)

    def persistent_load(self, pid):
        self.mg_rec.calls.append(("<persistent_load>", (pid,), {}))
        return self.mg_rec.standin("<persistent>")()


class CRecorder(_RecordingMixin, pickle.Unpickler):
    def __init__(self, f, rec):
        super().__init__(f)
        self.mg_rec = rec


class PyRecorder(_RecordingMixin, pickle._Unpickler):
    def __init__(self, f, rec):
        super().__init__(f)
        self.mg_rec = rec


def _joblib_recorder_class():
    from joblib.numpy_pickle import NumpyArrayWrapper, NumpyUnpickler
    import numpy
    import numpy.core.multiarray as ma
    real = {("joblib.numpy_pickle", "NumpyArrayWrapper"): NumpyArrayWrapper,
            ("numpy", "dtype"): numpy.dtype, ("numpy", "ndarray"): numpy.ndarray,
            ("numpy.core.multiarray", "_reconstruct"): ma._reconstruct,
            ("numpy.core.multiarray", "scalar"): ma.scalar,
            # pure str->bytes; protocol-2 joblib spells dtype/scalar bytes this way
            ("_codecs", "encode"): __import__("_codecs").encode}

    class JoblibRecorder(NumpyUnpickler):
        dispatch = NumpyUnpickler.dispatch.copy()

        def __init__(self, f, rec):
            super().__init__("<memory>", f)
            self.mg_rec = rec

        def find_class(self, module, name):
            if (module, name) in real:
                self.mg_rec.globals.append((module, name))
                return real[(module, name)]
            return resolve(self.mg_rec, module, name)

        def persistent_load(self, pid):
            return self.mg_rec.standin("<persistent>")()

        def load_build(self):
            pickle._Unpickler.load_build(self)
            if isinstance(self.stack[-1], NumpyArrayWrapper):
                wrapper = self.stack.pop()
                if wrapper.dtype.hasobject:
                    # joblib would call plain pickle.load here: use the recorder.
                    self.stack.append(CRecorder(self.file_handle, self.mg_rec).load())
                else:
                    self.stack.append(wrapper.read(self))

        dispatch[pickle.BUILD[0]] = load_build

    return JoblibRecorder


# ---------------------------------------------------------------------------
# Recording entry points.

def record_stream(data, rec=None, fileobj=None, cls=CRecorder, max_pickles=16):
    """Load every pickle in the stream with the recorder until EOF or an error."""
    rec = rec or Rec()
    f = fileobj or io.BytesIO(data)
    errors = []
    for _ in range(max_pickles):
        if f.tell() >= len(data):
            break
        try:
            cls(f, rec).load()
        except Exception as e:  # noqa: BLE001 - broken streams are fixtures
            errors.append(f"{type(e).__name__}: {e}")
            break
    return rec, errors


def decompress_joblib(data):
    if data[:1] == b"\x78":
        return zlib.decompress(data), "zlib"
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data), "gzip"
    if data[:2] == b"BZ":
        return bz2.decompress(data), "bz2"
    if data[:2] == b"\x5d\x00":
        return lzma.decompress(data, format=lzma.FORMAT_ALONE), "lzma"
    if data[:5] == b"\xfd7zXZ":
        return lzma.decompress(data, format=lzma.FORMAT_XZ), "xz"
    if data[:4] == b"\x04\x22\x4d\x18":
        import lz4.frame
        return lz4.frame.decompress(data), "lz4"
    return data, None


def record_joblib(data, rec=None):
    rec = rec or Rec()
    raw, _ = decompress_joblib(data)
    errors = []
    try:
        _joblib_recorder_class()(io.BytesIO(raw), rec).load()
    except Exception as e:  # noqa: BLE001
        errors.append(f"{type(e).__name__}: {e}")
    return rec, errors


def record(data, fmt, rec=None):
    if fmt.startswith("joblib"):
        return record_joblib(data, rec)
    return record_stream(data, rec)


def materialize(v):
    """Bytes handed to a loader, unwrapping BytesIO/b64decode/zlib stand-ins."""
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    if isinstance(v, StandIn) and hasattr(v, "_mg_call"):
        qual, a, _ = v._mg_call
        inner = materialize(a[0]) if a else None
        if inner is None:
            return None
        if qual in ("io.BytesIO", "_io.BytesIO"):
            return inner
        if qual == "base64.b64decode":
            return base64.b64decode(inner)
        if qual == "zlib.decompress":
            return zlib.decompress(inner)
    if isinstance(v, str):
        return v.encode()
    return None


def nested_payloads(rec):
    out = []
    for qual, a, _ in rec.calls:
        if qual in LOADERS and a:
            b = materialize(a[0])
            if b is not None:
                out.append((qual, b))
    return out


def genops_names(data):
    """GLOBAL/STACK_GLOBAL names as pickletools sees them (approximate)."""
    names, strings = set(), []
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name in ("GLOBAL", "INST"):
                names.add(arg.replace(" ", "."))
            elif isinstance(arg, str):
                strings.append(arg)
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                names.add(f"{strings[-2]}.{strings[-1]}")
    except Exception:  # noqa: BLE001
        pass
    return names


# ---------------------------------------------------------------------------
# Deep comparison for benign files.

def diff(a, b, path="$", seen=None):
    import numpy as np
    seen = set() if seen is None else seen
    if a is b:
        return None
    if type(a) is not type(b):
        return f"{path}: type {type(a).__name__} != {type(b).__name__}"
    key = (id(a), id(b))
    if key in seen:
        return None
    seen.add(key)
    if "torch" in sys.modules and sys.modules["torch"].is_tensor(a):
        torch = sys.modules["torch"]
        if a.dtype != b.dtype or a.shape != b.shape or a.stride() != b.stride() or not torch.equal(a, b):
            return f"{path}: tensor differs"
        return None
    if isinstance(a, np.ndarray):
        # numpy and joblib both load a big-endian array as native-endian (values kept).
        if a.dtype.newbyteorder("=") != b.dtype.newbyteorder("=") or a.shape != b.shape:
            return f"{path}: array dtype/shape {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        if a.flags.f_contiguous != b.flags.f_contiguous:
            return f"{path}: array order differs"
        if a.dtype.hasobject:
            for i, (x, y) in enumerate(zip(a.ravel(), b.ravel())):
                d = diff(x, y, f"{path}[{i}]", seen)
                if d:
                    return d
            return None
        eq_nan = a.dtype.kind in "fc"
        return None if np.array_equal(a, b, equal_nan=eq_nan) else f"{path}: array values differ"
    if isinstance(a, (float, np.floating)):
        if (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b)):
            return None
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, np.generic) or isinstance(a, np.dtype):
        return None if a == b else f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            return f"{path}: keys {list(a)[:5]} != {list(b)[:5]}"
        for k in a:
            d = diff(a[k], b[k], f"{path}[{k!r}]", seen)
            if d:
                return d
        if getattr(a, "default_factory", None) is not getattr(b, "default_factory", None):
            return f"{path}: default_factory differs"
        if hasattr(a, "__dict__") or hasattr(b, "__dict__"):
            return diff(getattr(a, "__dict__", None), getattr(b, "__dict__", None), path + ".__dict__", seen)
        return None
    if isinstance(a, (list, tuple, __import__("collections").deque)):
        if len(a) != len(b) or getattr(a, "maxlen", None) != getattr(b, "maxlen", None):
            return f"{path}: length differs"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, f"{path}[{i}]", seen)
            if d:
                return d
        return None
    if isinstance(a, (str, bytes, bytearray, int, complex, set, frozenset, type(None))) or \
            type(a).__module__ in ("datetime", "decimal"):
        return None if a == b else f"{path}: {a!r} != {b!r}"
    if isinstance(a, (type, type(len), type(diff))):
        return f"{path}: {a!r} is not {b!r}"
    if isinstance(a, np.random.RandomState):
        return diff(a.get_state(), b.get_state(), path + ".state", seen)
    ra, rb = a.__reduce_ex__(4), b.__reduce_ex__(4)
    return diff(tuple(ra[1:]), tuple(rb[1:]), f"{path}<{type(a).__name__}>", seen)


# ---------------------------------------------------------------------------
# Per-entry checks.

class Failure(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Failure(msg)


def check_benign(e, data, gen):
    import joblib
    path = CORPUS / e["file"]
    if e["format"].startswith("joblib"):
        got = joblib.load(path)
    elif e["format"] == "torch-legacy":
        import torch
        got = torch.load(path)
    else:
        with open(path, "rb") as f:
            got = pickle.load(f)
    want = gen.BUILDERS[e["builder"]]()
    d = diff(got, want)
    need(d is None, f"loaded value differs from builder {e['builder']}: {d}")
    return "loads and equals " + e["builder"] + "()"


def check_malicious(e, data):
    fmt = e["format"]
    want = set(e["globals"])
    for ext in e.get("ext_registry", []):
        copyreg.add_extension(ext["module"], ext["name"], ext["code"])
    try:
        rec, errors = record(data, fmt)
    finally:
        for ext in e.get("ext_registry", []):
            copyreg.remove_extension(ext["module"], ext["name"], ext["code"])
    names = rec.names()
    missing = want - names
    need(not missing, f"globals not requested: {sorted(missing)}; recorded {sorted(names)}; errors {errors}")
    for ext in e.get("ext_registry", []):
        n = f"{ext['module']}.{ext['name']}"
        need(n in names, f"EXT did not fetch {n}")
    detail = f"{len(rec.globals)} imports"

    if "inner_globals" in e:
        inner = nested_payloads(rec)
        need(inner, f"no bytes reached a loader stand-in; calls {[c[0] for c in rec.calls]}")
        got = set()
        frontier = inner
        for _ in range(4):  # follow nested loaders a few levels deep
            nxt = []
            for _, b in frontier:
                r, _ = record(b, "joblib" if e.get("inner_format") == "joblib" else "pickle")
                got |= r.names()
                nxt += nested_payloads(r)
            frontier = nxt
        missing = set(e["inner_globals"]) - got
        need(not missing, f"inner globals not requested: {sorted(missing)}; got {sorted(got)}")
        detail += f", nested payload imports {sorted(set(e['inner_globals']))}"

    if "hidden_from_genops" in e:
        seen_by_genops = genops_names(data)
        for n in e["hidden_from_genops"]:
            need(n not in seen_by_genops, f"{n} is visible to pickletools.genops")
        with open(CORPUS / e["file"], "rb") as f:
            frec, ferr = record_stream(data, fileobj=f)
        in_open = set(e["hidden_from_genops"]) <= frec.names()
        need(in_open == bool(e.get("file_mode")),
             f"open() file mode shows hidden call: {in_open}, manifest file_mode={e.get('file_mode')}")
        prec, perr = record_stream(data, cls=PyRecorder)
        need(perr and "frame" in perr[0], f"pure-Python unpickler should reject the frame: {perr}")
        detail += ", hidden from genops, C-visible (BytesIO%s), pure-Python rejects" % (
            " and open()" if in_open else " only")

    if "dynamic_resolves_to" in e:
        prec = Rec()
        prec.pure = True
        record(data, fmt, prec)
        missing = set(e["dynamic_resolves_to"]) - prec.names()
        need(not missing, f"dynamic operands did not resolve to {sorted(missing)}: {sorted(prec.names())}")
        detail += f", operands resolve to {e['dynamic_resolves_to']}"

    if "pickle-error-after-call" in e["expect"]:
        need(errors, "expected the stream to break after the call")
    if "pickle-global-mutation" in e["expect"]:
        need(rec.mutations, "expected BUILD/SETITEM on an imported object")
    return detail


def check_size(e, data):
    need(len(data) == e["size"], "size differs from manifest")
    need(len(data) <= MAX_FILE, f"file is {len(data)} bytes (> {MAX_FILE})")


def main(argv):
    verbose = "-v" in argv
    filters = [a for a in argv if not a.startswith("-")]
    warnings.simplefilter("ignore")
    import gen_corpus as gen

    entries = json.loads((CORPUS / "manifest.json").read_text())
    listed = {e["file"] for e in entries}
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*")
               if p.is_file() and p.parent != CORPUS}
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
        report(listed == on_disk, "manifest-matches-disk",
               f"unlisted {sorted(on_disk - listed)[:5]} missing {sorted(listed - on_disk)[:5]}")
        counts = {c: sum(e["category"] == c for e in entries) for c in MIN_COUNTS}
        report(all(counts[c] >= n for c, n in MIN_COUNTS.items()), "minimum-counts", str(counts))
        total = sum(e["size"] for e in entries)
        report(total <= MAX_TOTAL, "total-size", f"{total} bytes")
        report(all(e["expect"] for e in entries if e["category"] == "malicious"), "malicious-have-expect", "")

    for e in entries:
        if filters and not any(f in e["file"] for f in filters):
            continue
        data = (CORPUS / e["file"]).read_bytes()
        try:
            check_size(e, data)
            if e["expect"]:
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
