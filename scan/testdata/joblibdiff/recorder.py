#!/usr/bin/python3
"""joblib differential recorder: joblib.load's real machinery, find_class recorded.

Run by modelgate's scan/joblib_differential_test.go with Debian's
/usr/bin/python3 (CPython 3.11, joblib 1.2, numpy 1.24). Never imports or
calls anything an input names, except the small data-only ALLOWLIST below.

Usage:
    recorder.py --mode path|fileobj --dir DIR --count N [--start K]
    recorder.py --selftest

Inputs are the files DIR/000000 .. DIR/{N-1:06d}. For each input (from index
K on) one JSON object is written to stdout on its own line and flushed:

    {"i": index,
     "o": "ok" | "error" | "inconclusive" | "skipped",
     "e": "ExceptionType: message"          (not ok only),
     "c": compressor joblib detected ("not-compressed", "zlib", ...),
     "imp": [[module_hex, name_hex, where], ...]
                   find_class calls in order, raw as the unpickler passed
                   them, UTF-8 (surrogatepass) in hex; where is "o" for the
                   outer NumpyUnpickler, "n" for a nested object-array
                   pickle,
     "arr": number of NumpyArrayWrapper reads joblib started,
     "lim": why the error may be an artefact of the stand-ins (error only)}

Modes (both are joblib.load; the victim may call it either way):
    path     joblib.load(filename): open(filename, "rb"), a BufferedReader
             (it has peek, so the C unpickler that reads an object array's
             nested pickle sees a buffer, like pickle.loads);
    fileobj  joblib.load(io.BytesIO(data)): no peek, so that C unpickler
             reads frame by frame from the file, like pickle.load(BytesIO).

What runs is joblib's own code: joblib.numpy_pickle._read_fileobject (which
calls _detect_compressor and opens the decompressor file object wrapped in
an io.BufferedReader; _detect_compressor is called once more beforehand,
only to report its answer), then joblib.numpy_pickle._unpickle's single
NumpyUnpickler(filename, fobj).load() -- with Recorder, a subclass of
NumpyUnpickler, in place of NumpyUnpickler. Recorder overrides only
find_class and wraps each opcode handler (to classify errors); load_build,
NumpyArrayWrapper.read, the padding and array reads are joblib's.

An object-dtype array is a nested pickle that joblib 1.2 reads with plain
pickle.load(unpickler.file_handle), i.e. the C unpickler with the default
find_class. For the duration of each load, joblib.numpy_pickle.pickle is
replaced by a shim whose load() runs NestedRecorder, a C pickle.Unpickler
subclass with the same find_class; every other attribute is the real
module's. Neither recorder defines persistent_load: joblib's unpicklers
have none, so PERSID/BINPERSID fail there as they do in the victim.

find_class records (module, name) raw, applies the default find_class's
_compat_pickle renaming (protocol < 3), and returns:

* for the ALLOWLIST pairs (after renaming), the real object. These are what
  joblib files need to get past arrays: NumpyArrayWrapper (a fresh subclass
  per input, so that a stream setting attributes on the class through BUILD
  cannot affect later inputs), numpy.dtype, numpy.ndarray,
  numpy.core.multiarray._reconstruct and scalar, and the pure _codecs.encode
  (protocol-2 files spell bytes with it). All are data-only.
* for copyreg._reconstructor (copy_reg at protocols < 3), a stand-in that
  models the one call joblib.dump writes at protocols 0 and 1,
  _reconstructor(NumpyArrayWrapper, object, None): it returns
  object.__new__(NumpyArrayWrapper), as copyreg does. Any other call makes
  an inert instance, like every stand-in.
* for everything else an inert stand-in, with exactly the model of
  pickle/testdata/diff/recorder.py (copied below): every module and
  attribute exists; stand-ins are per-path classes deriving from tuple whose
  instances accept any call, BUILD and item/append operations and do
  nothing; BUILD on a stand-in class writes its attribute store; protocol-4
  dotted names traverse the store ("<locals>" raises); EXT codes are all
  registered as ("__ext__", str(code)): 1..65535, and every 4-byte window
  of the input after decompression.

Errors are classified ("lim") so that the Go side can tell a disagreement
from a limit of the method. When an opcode handler raises, its operands
(callable, arguments and state of a call; target and keys of a container
operation) are examined:

* "stand-in: ..." -- an operand is or holds a stand-in: the victim would
  have a real object there, which may behave differently;
* "real object: ..." -- no stand-in, and the object whose code runs (the
  callable, BUILD's instance, the container) is a numpy or codec ALLOWLIST
  object (numpy.dtype, an ndarray, _codecs.encode, ...) that rejected plain
  data: the victim fails the same way, but only numpy's or the codec's own
  checks tell, which a static reader does not run (NumpyArrayWrapper is a
  plain Python class and does not count);
* "" -- pickle or joblib semantics, which the machine must follow.

BUILD on a NumpyArrayWrapper is joblib's array read and counts as
semantics unless the wrapper's attributes hold stand-ins. A nested pickle
runs in the C unpickler, which cannot be instrumented: when it fails, it is
read again from its start by a pure-Python unpickler with the same wrapped
handlers, only to classify the failure the same way.

MemoryError (the address space is limited to the interpreter's size plus
1 GiB), RecursionError, a 2 s time budget per input and attribute traversal
through things that are not stand-ins are "inconclusive". Legacy "ZF"
files (joblib < 0.10, load_compatibility) are "skipped".
"""

import os

# Before numpy: one BLAS thread, so the address-space limit below is not
# spent on thread buffers.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import copyreg
import ctypes
import io
import json
import pickle
import resource
import signal
import struct
import sys
import types
import warnings
import weakref

import _codecs
import _compat_pickle

try:
    import numpy
    import numpy.core.multiarray as _multiarray
    import joblib
    import joblib.numpy_pickle as _np_pickle
    import joblib.numpy_pickle_utils as _np_utils
    from joblib.numpy_pickle import NumpyArrayWrapper, NumpyUnpickler
    _IMPORT_ERROR = None
except Exception as _e:  # reported by --selftest
    _IMPORT_ERROR = "%s: %s" % (type(_e).__name__, _e)

TIME_BUDGET = 2.0
EXTRA_ADDRESS_SPACE = 1 << 30
EXT_MODULE = "__ext__"

# Offsets of `int proto` and `int fix_imports` in _pickle.c's UnpicklerObject
# (CPython 3.11, 64-bit), for NestedRecorder's renaming; verified at startup.
PROTO_OFFSET = 264
FIX_IMPORTS_OFFSET = 268


class Inconclusive(Exception):
    """The input needs behaviour the stand-in model cannot reproduce safely."""


class _Timeout(BaseException):
    """Raised by SIGALRM when an input runs past its time budget."""


def _noop(*args, **kwargs):
    return None


# ---- stand-ins (the model of pickle/testdata/diff/recorder.py) --------------

class _InstanceOnly:
    """__setstate__ visible on instances only: BUILD on a stand-in class
    takes the default __dict__ path, on an instance it does nothing."""

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError("__setstate__")
        return _noop


class _State:
    """Per-input state."""

    def __init__(self):
        self.objs = {}
        self.stores = {}
        self.imports = []
        self.arrays = 0
        self.real = {}
        self.real_ids = set()


_state = _State()


class __mg_standin_class__(type):
    """Metaclass of stand-in classes; names start with __mg_ so that error
    messages naming a stand-in type can be recognised."""

    @property
    def __dict__(cls):
        return _state.stores[type.__getattribute__(cls, "_mg_path")]

    def __setattr__(cls, key, value):
        _state.stores[type.__getattribute__(cls, "_mg_path")][key] = value

    def __delattr__(cls, key):
        _state.stores[type.__getattribute__(cls, "_mg_path")].pop(key, None)

    def __setitem__(cls, key, value):
        return None

    def __repr__(cls):
        return "<standin %s>" % type.__getattribute__(cls, "_mg_path")


class _Base(tuple, metaclass=__mg_standin_class__):
    """Base of stand-in classes; instances are inert empty tuples."""

    __slots__ = ()
    _mg_path = "<base>"

    def __new__(cls, *args, **kwargs):
        return tuple.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return tuple.__new__(type(self))

    def __setitem__(self, key, value):
        return None

    append = staticmethod(_noop)
    extend = staticmethod(_noop)
    add = staticmethod(_noop)
    __setstate__ = _InstanceOnly()


def _standin(path):
    obj = _state.objs.get(path)
    if obj is None:
        obj = __mg_standin_class__("__mg_standin__", (_Base,), {"__slots__": (), "_mg_path": path})
        _state.objs[path] = obj
        _state.stores[path] = {}
    return obj


def _attr(obj, name):
    """getattr(obj, name) under the model."""
    if not isinstance(obj, __mg_standin_class__):
        raise Inconclusive("attribute %r of a %s" % (name, type(obj).__name__))
    path = type.__getattribute__(obj, "_mg_path")
    store = _state.stores[path]
    if name in store:
        return store[name]
    return _standin(path + "." + name)


def _rename(module, name, proto, fix_imports):
    if proto < 3 and fix_imports:
        mapped = _compat_pickle.NAME_MAPPING.get((module, name))
        if mapped is not None:
            return mapped
        return _compat_pickle.IMPORT_MAPPING.get(module, module), name
    return module, name


def _resolve(module, name, proto, fix_imports):
    """What the default find_class would return, under the model."""
    module, name = _rename(module, name, proto, fix_imports)
    real = _state.real.get((module, name))
    if real is not None:
        return real
    if module == "":
        raise ValueError("Empty module name")
    obj = _standin(module)
    if proto >= 4:
        parts = name.split(".")
        if "<locals>" in parts:
            raise AttributeError("Can't get local attribute %r" % name)
        for part in parts:
            obj = _attr(obj, part)
        return obj
    if "." in name:
        store = _state.stores[module]
        if name in store:
            return store[name]
        raise AttributeError("Can't get attribute %r" % name)
    return _attr(obj, name)


# ---- the allowlist -----------------------------------------------------------

def _allowlist():
    """The real objects, by (module, name) after renaming. NumpyArrayWrapper
    is a fresh subclass per input."""
    wrapper = type("NumpyArrayWrapper", (NumpyArrayWrapper,), {"__module__": "joblib.numpy_pickle"})
    return {
        ("joblib.numpy_pickle", "NumpyArrayWrapper"): wrapper,
        ("numpy", "dtype"): numpy.dtype,
        ("numpy", "ndarray"): numpy.ndarray,
        ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
        ("numpy.core.multiarray", "scalar"): _multiarray.scalar,
        ("_codecs", "encode"): _codecs.encode,
    }


def _model_reconstructor():
    """Install the stand-in for copyreg._reconstructor, with the one case
    joblib.dump writes at protocols 0 and 1 modelled:
    _reconstructor(NumpyArrayWrapper, builtins.object, state) is
    object.__new__(NumpyArrayWrapper) (copyreg.py), the wrapper joblib then
    reads an array after. Every other call makes an inert instance, as for
    any stand-in; nothing real is called but object.__new__ on the
    allowed wrapper class."""
    wrapper = _state.real[("joblib.numpy_pickle", "NumpyArrayWrapper")]

    def __new__(cls, *args, **kwargs):
        if len(args) == 3 and not kwargs and args[0] is wrapper and isinstance(args[1], __mg_standin_class__) \
                and type.__getattribute__(args[1], "_mg_path") == "builtins.object":
            return object.__new__(wrapper)
        return tuple.__new__(cls)

    path = "copyreg._reconstructor"
    _state.objs[path] = __mg_standin_class__("__mg_standin__", (_Base,),
                                             {"__slots__": (), "_mg_path": path, "__new__": __new__})
    _state.stores[path] = {}


def _is_real(v):
    """Whether v is a numpy or codec ALLOWLIST object, or made by one. The
    NumpyArrayWrapper class and its instances are left out: they behave as
    any plain Python class does, which the machine must model."""
    if isinstance(v, type) and issubclass(v, NumpyArrayWrapper) or isinstance(v, NumpyArrayWrapper):
        return False
    if id(v) in _state.real_ids:
        return True
    return isinstance(v, (numpy.dtype, numpy.ndarray, numpy.generic))


def _is_standin(v):
    return isinstance(v, __mg_standin_class__) or isinstance(type(v), __mg_standin_class__)


def _holds_standin(v, depth=0):
    """Whether v is or contains (in tuples, lists, dicts) a stand-in."""
    if _is_standin(v):
        return True
    if depth > 8:
        return False
    if isinstance(v, (tuple, list, set, frozenset)):
        return any(_holds_standin(x, depth + 1) for x in list(v)[:64])
    if isinstance(v, dict):
        return any(_holds_standin(k, depth + 1) or _holds_standin(x, depth + 1) for k, x in list(v.items())[:64])
    return False


# ---- the recorders ---------------------------------------------------------------

_CALL_OPS = {pickle.REDUCE[0], pickle.NEWOBJ[0], pickle.NEWOBJ_EX[0], pickle.OBJ[0], pickle.INST[0],
             pickle.BUILD[0], pickle.APPEND[0], pickle.APPENDS[0], pickle.SETITEM[0],
             pickle.SETITEMS[0], pickle.ADDITEMS[0]}
_MARK_OPS = {pickle.APPENDS[0], pickle.SETITEMS[0], pickle.ADDITEMS[0], pickle.OBJ[0], pickle.INST[0]}
_WRAPPER_ATTRS = ("subclass", "shape", "order", "dtype", "allow_mmap", "numpy_array_alignment_bytes")


class _Classified(Exception):
    """An opcode handler's exception with its classification."""

    def __init__(self, exc, lim):
        super().__init__(str(exc))
        self.exc, self.lim = exc, lim


def _operands(u, code):
    """The values an opcode handler depends on, as (subject, others): the
    subject is the object whose code runs (a call's callable, BUILD's
    instance, a container operation's target), the others its arguments,
    state or keys."""
    st = u.stack
    if code in (pickle.REDUCE[0], pickle.NEWOBJ[0], pickle.BUILD[0], pickle.APPEND[0]):
        return (st[-2] if len(st) >= 2 else None), list(st[-1:])
    if code == pickle.NEWOBJ_EX[0]:
        return (st[-3] if len(st) >= 3 else None), list(st[-2:])
    if code == pickle.SETITEM[0]:
        return (st[-3] if len(st) >= 3 else None), list(st[-2:-1])
    if code == pickle.OBJ[0]:
        return (st[0] if st else None), list(st[1:64])
    if code == pickle.INST[0]:
        return None, list(st[:64])
    target = u.metastack[-1][-1] if u.metastack and u.metastack[-1] else None
    return target, (list(st[0:128:2]) if code == pickle.SETITEMS[0] else [])


def _classify(code, subject, others):
    """Why an exception in an opcode handler may not be pickle semantics:
    "stand-in: ..." when the subject or the others are or hold a stand-in
    (the victim would have a real object there), "real object: ..." when
    the subject is a numpy or codec ALLOWLIST object, whose own checks
    rejected plain data (the victim fails the same way, but only by running
    numpy), or ""."""
    if any(_holds_standin(v) for v in [subject] + others):
        return "stand-in: %s on a stand-in" % _opname(code)
    if _is_real(subject):
        what = subject.__name__ if isinstance(subject, type) else type(subject).__name__
        return "real object: %s on %s" % (_opname(code), what)
    return ""


def _wrap(code, handler):
    if code not in _CALL_OPS:
        return handler

    def run(u):
        subject, others = _operands(u, code)
        wrapper = u.stack[-2] if code == pickle.BUILD[0] and len(u.stack) >= 2 else None
        try:
            handler(u)
        except (_Timeout, MemoryError, RecursionError, Inconclusive, _Classified):
            raise
        except Exception as e:
            if isinstance(wrapper, NumpyArrayWrapper):
                # joblib's own array read: semantics the machine must
                # follow, unless the wrapper holds stand-ins or the nested
                # pickle failed on one.
                held = [a for a in _WRAPPER_ATTRS if _holds_standin(getattr(wrapper, a, None))]
                lim = "stand-in: NumpyArrayWrapper attribute %s is a stand-in" % held[0] if held else ""
                if not lim and u.nested_error is not None:
                    lim = u.nested_error
                if not lim and "__mg_" in str(e):
                    # e.g. the nested pickle returned a stand-in, which
                    # _ensure_native_byte_order cannot take for an array
                    lim = "stand-in: joblib's array read rejected a stand-in"
                raise _Classified(e, lim)
            raise _Classified(e, _classify(code, subject, others))

    return run


def _opname(code):
    for name in dir(pickle):
        v = getattr(pickle, name)
        if isinstance(v, bytes) and len(v) == 1 and v[0] == code and name.isupper():
            return name
    return "0x%02x" % code


def _recording_find_class(self, module, name, proto, fix_imports, where):
    _state.imports.append((module, name, where))
    return _resolve(module, name, proto, fix_imports)


class NestedRecorder(pickle.Unpickler):
    """What joblib's pickle.load(file_handle) runs, find_class recorded."""

    def find_class(self, module, name):
        proto = ctypes.c_int.from_address(id(self) + PROTO_OFFSET).value
        fix = ctypes.c_int.from_address(id(self) + FIX_IMPORTS_OFFSET).value
        return _recording_find_class(self, module, name, proto, fix, "n")


class _NestedClassifier(pickle._Unpickler):
    """Re-reads a nested pickle that failed in NestedRecorder, with the
    pure-Python unpickler's opcode handlers wrapped as in Recorder, only to
    classify the failure (nothing is recorded)."""

    dispatch = {}  # filled in below, once _wrap exists
    nested_error = None

    def find_class(self, module, name):
        return _resolve(module, name, self.proto, self.fix_imports)


class _PickleShim(types.ModuleType):
    """joblib.numpy_pickle.pickle during a load: the real module, except
    that load() runs NestedRecorder."""

    def __init__(self, unpickler_ref):
        super().__init__("pickle")
        self._mg_ref = unpickler_ref

    def __getattr__(self, name):
        return getattr(pickle, name)

    def load(self, file, **kwargs):
        u = self._mg_ref()
        start = file.tell()
        try:
            return NestedRecorder(file, **kwargs).load()
        except (_Timeout, MemoryError, RecursionError, Inconclusive):
            raise
        except Exception as e:
            if u is not None:
                u.nested_error = _classify_nested(file, start, e)
            raise


def _classify_nested(file, start, exc):
    """Why a nested pickle's failure may be an artefact of the model, or
    None: the C unpickler cannot be instrumented, so the pickle is read
    again from its start by _NestedClassifier, whose wrapped handlers say
    whether the failing opcode acted on a stand-in or a real object."""
    msg = _describe(exc)
    if "__mg_" in msg:
        return "stand-in: nested pickle rejected a stand-in"
    try:
        file.seek(start)
        _NestedClassifier(file).load()
    except _Classified as c:
        if c.lim:
            kind, _, what = c.lim.partition(": ")
            return "%s: nested pickle: %s" % (kind, what)
    except BaseException as e:  # noqa: BLE001 - only classifying
        if isinstance(e, _Timeout):
            raise
    return None


def _recorder_class():
    class Recorder(NumpyUnpickler):
        """joblib's NumpyUnpickler with find_class recorded."""

        dispatch = {code: _wrap(code, h) for code, h in NumpyUnpickler.dispatch.items()}
        nested_error = None

        def find_class(self, module, name):
            return _recording_find_class(self, module, name, self.proto, self.fix_imports, "o")

    return Recorder


Recorder = _recorder_class() if _IMPORT_ERROR is None else None
_NestedClassifier.dispatch = {code: _wrap(code, h) for code, h in pickle._Unpickler.dispatch.items()}


def _count_reads():
    """Wrap NumpyArrayWrapper.read to count array reads (once)."""
    orig = NumpyArrayWrapper.read

    def read(self, unpickler):
        _state.arrays += 1
        return orig(self, unpickler)

    NumpyArrayWrapper.read = read


# ---- extension registry (as pickle/testdata/diff/recorder.py) ------------------------

_STATIC_EXT = 65535


def _register_static_ext():
    inv = copyreg._inverted_registry
    for code in range(1, _STATIC_EXT + 1):
        inv[code] = (EXT_MODULE, str(code))


def _register_input_ext(data):
    """Register every 4-byte window that is an EXT4 code above the static
    range. Returns the codes."""
    if 0x84 not in data:
        return []
    codes = set()
    n = len(data)
    for shift in range(4):
        end = shift + (n - shift) // 4 * 4
        if end - shift < 4:
            continue
        for (code,) in struct.iter_unpack("<i", data[shift:end]):
            if code > _STATIC_EXT:
                codes.add(code)
    inv = copyreg._inverted_registry
    for code in codes:
        inv[code] = (EXT_MODULE, str(code))
    return codes


def _unregister_ext(codes):
    inv = copyreg._inverted_registry
    for code in codes:
        inv.pop(code, None)


# ---- running inputs ----------------------------------------------------------------

_armed = False


def _on_alarm(signum, frame):
    if _armed:
        raise _Timeout()


def _hex(s):
    if isinstance(s, bytes):
        return s.hex()
    return str(s).encode("utf-8", "surrogatepass").hex()


def _describe(exc):
    msg = str(exc)
    if len(msg) > 300:
        msg = msg[:300] + "..."
    return "%s: %s" % (type(exc).__name__, msg)


def _load(fileobj, filename, rec):
    """joblib.load's path from the opened file on, Recorder in place of
    NumpyUnpickler (numpy_pickle.load and _unpickle)."""
    with _np_pickle._read_fileobject(fileobj, filename, None) as fobj:
        if isinstance(fobj, str):
            rec["o"], rec["e"] = "skipped", "legacy joblib < 0.10 file (load_compatibility)"
            return
        u = Recorder(filename, fobj, mmap_mode=None)
        shim = _PickleShim(weakref.ref(u))
        saved = _np_pickle.pickle
        _np_pickle.pickle = shim
        try:
            u.load()
        finally:
            _np_pickle.pickle = saved


def _content(data):
    """The bytes the unpickler will see: data decompressed as joblib would
    (at most 64 MiB), for registering EXT4 codes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with _np_pickle._read_fileobject(io.BytesIO(data), "", None) as f:
                if isinstance(f, str):
                    return data
                return f.read(64 << 20)
    except (_Timeout, MemoryError):
        raise
    except Exception:
        return data


def run_one(path, mode):
    global _armed
    _state.__init__()
    _state.real = _allowlist()
    _state.real_ids = {id(v) for v in _state.real.values()}
    _model_reconstructor()
    copyreg._extension_cache.clear()
    with open(path, "rb") as fh:
        data = fh.read()
    rec = {"o": "ok"}
    codes = []
    try:
        signal.setitimer(signal.ITIMER_REAL, TIME_BUDGET)
        _armed = True
        try:
            codes = _register_input_ext(_content(data))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if mode == "path":
                    with open(path, "rb") as f:
                        rec["c"] = _np_utils._detect_compressor(f)
                        _load(f, path, rec)
                else:
                    f = io.BytesIO(data)
                    rec["c"] = _np_utils._detect_compressor(f)
                    _load(f, getattr(f, "name", ""), rec)
        finally:
            _armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout:
        rec["o"], rec["e"] = "inconclusive", "Timeout: over %gs" % TIME_BUDGET
    except (MemoryError, RecursionError, Inconclusive) as e:
        rec["o"], rec["e"] = "inconclusive", _describe(e)
    except _Classified as c:
        if isinstance(c.exc, (MemoryError, RecursionError)):
            rec["o"], rec["e"] = "inconclusive", _describe(c.exc)
        else:
            rec["o"], rec["e"] = "error", _describe(c.exc)
            if c.lim:
                rec["lim"] = c.lim
    except Exception as e:
        rec["o"], rec["e"] = "error", _describe(e)
        if "__mg_" in rec["e"]:
            rec["lim"] = "stand-in: rejected outside an opcode handler"
    finally:
        _unregister_ext(codes)
        copyreg._extension_cache.clear()
    rec["imp"] = [[_hex(m), _hex(n), w] for m, n, w in _state.imports]
    rec["arr"] = _state.arrays
    _state.__init__()
    return rec


def check_layout():
    """Verify the UnpicklerObject offsets and the joblib internals used."""
    for proto in range(6):
        seen = []

        class Probe(pickle.Unpickler):
            def find_class(self, module, name):
                seen.append((ctypes.c_int.from_address(id(self) + PROTO_OFFSET).value,
                             ctypes.c_int.from_address(id(self) + FIX_IMPORTS_OFFSET).value))
                return 0

        Probe(io.BytesIO(bytes([0x80, proto]) + b"cm\nn\n.")).load()
        if seen != [(proto, 1)]:
            raise SystemExit("recorder: UnpicklerObject layout not as expected "
                             "(proto %d read as %r); update PROTO_OFFSET" % (proto, seen))
    for name in ("_read_fileobject", "NumpyUnpickler", "NumpyArrayWrapper", "pickle"):
        if not hasattr(_np_pickle, name):
            raise SystemExit("recorder: joblib.numpy_pickle has no %s (joblib %s)" % (name, joblib.__version__))
    if not hasattr(_np_utils, "_detect_compressor"):
        raise SystemExit("recorder: joblib.numpy_pickle_utils has no _detect_compressor")
    if _np_pickle.pickle is not pickle:
        raise SystemExit("recorder: joblib.numpy_pickle.pickle is not the pickle module")


def selftest(tmpdir):
    """Round-trip a joblib dump with an object array through both modes."""
    path = os.path.join(tmpdir, "selftest.joblib")
    value = {"a": numpy.arange(5.0), "o": numpy.array([1, "x"], dtype=object), "n": 3}
    joblib.dump(value, path)
    for mode in ("path", "fileobj"):
        rec = run_one(path, mode)
        got = sorted((bytes.fromhex(m).decode(), bytes.fromhex(n).decode(), w) for m, n, w in rec["imp"])
        if rec["o"] != "ok" or rec["arr"] != 2 or ("joblib.numpy_pickle", "NumpyArrayWrapper", "o") not in got \
                or not any(w == "n" for _, _, w in got):
            raise SystemExit("recorder: selftest (%s) not as expected: %r" % (mode, rec))
    joblib.dump(value, path + ".gz", compress=("gzip", 3))
    rec = run_one(path + ".gz", "path")
    if rec["o"] != "ok" or rec["c"] != "gzip" or rec["arr"] != 2:
        raise SystemExit("recorder: selftest (gzip) not as expected: %r" % (rec,))


def main(argv):
    mode, d, count, start, test = None, None, 0, 0, False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--mode":
            mode = args.pop(0)
        elif a == "--dir":
            d = args.pop(0)
        elif a == "--count":
            count = int(args.pop(0))
        elif a == "--start":
            start = int(args.pop(0))
        elif a == "--selftest":
            test = True
        else:
            raise SystemExit("recorder: unknown argument %r" % a)
    if _IMPORT_ERROR is not None:
        print("recorder: missing dependency: " + _IMPORT_ERROR, file=sys.stderr)
        return 3
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGALRM, _on_alarm)
    sys.unraisablehook = lambda unraisable: None
    _register_static_ext()
    _count_reads()
    check_layout()
    if test:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            selftest(tmp)
        print("recorder: selftest ok (joblib %s, numpy %s)" % (joblib.__version__, numpy.__version__))
        return 0
    if mode not in ("path", "fileobj") or d is None:
        raise SystemExit("usage: recorder.py --mode path|fileobj --dir DIR --count N [--start K]")
    with open("/proc/self/statm") as fh:
        size = int(fh.read().split()[0]) * resource.getpagesize()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + EXTRA_ADDRESS_SPACE
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    out = sys.stdout
    for i in range(start, count):
        rec = run_one(os.path.join(d, "%06d" % i), mode)
        rec["i"] = i
        out.write(json.dumps(rec, separators=(",", ":")) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
