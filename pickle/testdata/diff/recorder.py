#!/usr/bin/python3
"""Differential recorder: CPython's real C unpickler with find_class replaced.

Run by modelgate's pickle/differential_test.go. Never imports or calls
anything an input names.

Usage:
    recorder.py --mode file|buffer --input RECORDS [--start K]
    recorder.py --selftest

RECORDS is a file of length-prefixed inputs: for each, a 4-byte little-endian
length and that many bytes. For each input (from index K on) one JSON object
is written to stdout on its own line and flushed:

    {"i": index,
     "o": "ok" | "error" | "inconclusive",
     "e": "ExceptionType: message"   (error / inconclusive only),
     "n": number of pickles that reached STOP,
     "imp": [[module_hex, name_hex], ...]   find_class calls in order, raw,
                                            UTF-8 (surrogatepass) in hex,
     "pid": number of persistent_load calls}

Modes:
    file    pickle.Unpickler(io.BytesIO(data)): a file object without peek,
            as torch reads zip members. A read that crosses the end of a
            FRAME drops the rest of the frame and reads on from the file.
    buffer  pickle.Unpickler(PeekFile(data)): a file object whose peek()
            returns all the remaining data, so the C unpickler holds it as one
            buffer and reads it linearly, exactly like pickle.loads (checked
            by --selftest on a frame-straddling input). An
            io.BufferedReader(io.BytesIO(data), buffer_size=len(data)+1)
            reads the same way, but its read(n) allocates n bytes first, so a
            huge declared length gives MemoryError where pickle.loads says
            "pickle data was truncated"; PeekFile.read returns what is left.

Each input is loaded pickle after pickle, each with a new Unpickler on the
same file object (like repeated pickle.load(f)), until the data is used up
or the first error. The first load always runs, so empty input is an error
(EOFError), as with pickle.loads(b"").

The model of imported objects (what find_class returns) -- the Go machine
models the same semantics:

* Every module and every attribute exists. find_class(M, N) records (M, N)
  raw, then resolves it itself, the way the C default find_class would:
  with protocol < 3 it applies _compat_pickle renaming; module "" raises
  ValueError("Empty module name"); with protocol >= 4 the name is split on
  "." and traversed ("<locals>" anywhere raises AttributeError); with
  protocol < 4 the name is one attribute, and a dotted one exists only if
  the stream stored it (setattr via BUILD slot state), else AttributeError.
* The object for a dotted path P ("os", "os.path", "os.path.join") is a
  stand-in class, one per path per input, so "M.N" imported as module M.N or
  reached as attribute N of M is the same object.
* Each path has an attribute store. BUILD on a stand-in class writes its
  state dict into the store (the metaclass's __dict__ is a property returning
  the store) and slot state via setattr (the metaclass's __setattr__ writes
  the store); __setstate__ is not visible on the class, so BUILD takes the
  default path, as on a module or function. Attribute traversal consults
  the store first, so BUILD setting numpy.prod.a = 'os' makes a later
  GLOBAL numpy prod.a (protocol 4) return the str 'os' (modelscan#85).
  Traversal through anything that is not a stand-in class (a stored str, an
  instance) cannot be modelled without touching real objects: the input is
  reported inconclusive.
* Stand-in classes derive from tuple. Calling one, or its __new__, makes an
  instance (an empty tuple, so "args must be a tuple" checks pass when a
  call result is used as arguments). Instances accept any arguments, are
  callable (returning a new instance of the same class), hashable, and have
  append, extend, add, __setitem__ and __setstate__ methods that do nothing.
  Stand-in classes also accept item assignment and append/extend/add.
* persistent_load returns a fresh stand-in instance.
* EXT1/EXT2/EXT4: every code 1..65535 and every 4-byte value in the input
  that could be an EXT4 code is registered in copyreg._inverted_registry as
  ("__ext__", str(code)), so an executed EXT calls find_class("__ext__",
  "N"), which is recorded. copyreg._extension_cache is cleared per input.

MemoryError (the 3.11 C memo is an array resized to 2*index; the address
space is limited to 1 GiB, so memo arrays up to a few hundred MiB still work
and larger ones fail at once instead of being zeroed page by page),
RecursionError, a 2 s time budget per input, and the traversal case above
are reported as "inconclusive".
"""

import copyreg
import ctypes
import io
import json
import pickle
import resource
import signal
import struct
import sys

import _compat_pickle

TIME_BUDGET = 2.0
ADDRESS_SPACE = 1 << 30
EXT_MODULE = "__ext__"

# Offset of `int proto` in _pickle.c's UnpicklerObject (CPython 3.11, 64-bit):
# the C unpickler does not expose it, but find_class must know it to behave
# like the default implementation. --selftest and startup verify it.
PROTO_OFFSET = 264
FIX_IMPORTS_OFFSET = 268


class Inconclusive(Exception):
    """The input needs behaviour the stand-in model cannot reproduce safely."""


class _Timeout(BaseException):
    """Raised by SIGALRM when an input runs past its time budget."""


def _noop(*args, **kwargs):
    return None


class _InstanceOnly:
    """Descriptor visible on instances, AttributeError on the class, so
    getattr(standin_class, '__setstate__', None) is None (BUILD on an
    imported object takes the default __dict__ path) while instances have
    a no-op __setstate__."""

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError("__setstate__")
        return _noop


class _State:
    """Per-input state: stand-in classes and attribute stores by path."""

    def __init__(self):
        self.objs = {}
        self.stores = {}
        self.imports = []
        self.pids = 0


_state = _State()


class __mg_standin_class__(type):
    """Metaclass of stand-in classes (imported objects). Its name, and the
    stand-in class names, start with __mg_ so that CPython error messages
    naming a stand-in's type can be recognised by the Go side."""

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
    """Base of stand-in classes; its instances are inert empty tuples."""

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


_Persistent = __mg_standin_class__("__mg_persistent__", (_Base,), {"__slots__": (), "_mg_path": "<persistent>"})


def _attr(obj, name):
    """getattr(obj, name) under the model."""
    if not isinstance(obj, __mg_standin_class__) or obj is _Persistent:
        raise Inconclusive("attribute %r of a %s" % (name, type(obj).__name__))
    path = type.__getattribute__(obj, "_mg_path")
    store = _state.stores[path]
    if name in store:
        return store[name]
    return _standin(path + "." + name)


def _proto(unpickler):
    return ctypes.c_int.from_address(id(unpickler) + PROTO_OFFSET).value


def _fix_imports(unpickler):
    return ctypes.c_int.from_address(id(unpickler) + FIX_IMPORTS_OFFSET).value


def _resolve(module, name, proto, fix_imports):
    """What the C default find_class would return, under the model."""
    if proto < 3 and fix_imports:
        mapped = _compat_pickle.NAME_MAPPING.get((module, name))
        if mapped is not None:
            module, name = mapped
        else:
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
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


class Recorder(pickle.Unpickler):
    """The C unpickler with find_class and persistent_load recorded."""

    def find_class(self, module, name):
        _state.imports.append((module, name))
        return _resolve(module, name, _proto(self), _fix_imports(self))

    def persistent_load(self, pid):
        _state.pids += 1
        return _Persistent()


# ---- extension registry ----------------------------------------------------

_STATIC_EXT = 65535


def _register_static_ext():
    inv = copyreg._inverted_registry
    for code in range(1, _STATIC_EXT + 1):
        inv[code] = (EXT_MODULE, str(code))


def _register_input_ext(data):
    """Register every 4-byte window of data that is a valid EXT4 code above
    the static range (any window may be read as an EXT4 argument when a
    FRAME straddle makes the file-mode reader jump). Returns the codes."""
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


# ---- running inputs --------------------------------------------------------

_armed = False


def _on_alarm(signum, frame):
    if _armed:
        raise _Timeout()


class PeekFile:
    """A read-only file over bytes whose peek() returns everything left.

    _pickle.c prefers peek() (it then reads from what peek returned and, at
    the end of a load, read()s exactly the bytes it consumed), so with this
    file it sees the rest of the stream as one buffer, as pickle.loads does.
    Results are memoryviews: the C unpickler only needs the buffer protocol.
    """

    def __init__(self, data):
        self._data = memoryview(data)
        self._pos = 0

    def tell(self):
        return self._pos

    def peek(self, n=0):
        return self._data[self._pos:]

    def read(self, n=-1):
        end = len(self._data) if n is None or n < 0 else min(len(self._data), self._pos + n)
        out = self._data[self._pos:end]
        self._pos = end
        return out

    def readinto(self, buf):
        out = self.read(len(buf))
        buf[:len(out)] = out
        return len(out)

    def readline(self):
        rest = self._data[self._pos:]
        i = bytes(rest).find(b"\n")
        return self.read(len(rest) if i < 0 else i + 1)


def _open(data, mode):
    if mode == "file":
        return io.BytesIO(data)
    return PeekFile(data)


def _hex(s):
    return s.encode("utf-8", "surrogatepass").hex()


def _describe(exc):
    msg = str(exc)
    if len(msg) > 300:
        msg = msg[:300] + "..."
    return "%s: %s" % (type(exc).__name__, msg)


def run_one(data, mode):
    """Load data pickle after pickle; return the result record."""
    global _armed
    _state.__init__()
    copyreg._extension_cache.clear()
    codes = _register_input_ext(data)
    outcome, err, done = "ok", None, 0
    f = _open(data, mode)
    try:
        signal.setitimer(signal.ITIMER_REAL, TIME_BUDGET)
        _armed = True
        try:
            while True:
                Recorder(f).load()
                done += 1
                if f.tell() >= len(data):
                    break
        finally:
            _armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout:
        outcome, err = "inconclusive", "Timeout: over %gs" % TIME_BUDGET
    except (MemoryError, RecursionError, Inconclusive) as e:
        outcome, err = "inconclusive", _describe(e)
    except Exception as e:
        outcome, err = "error", _describe(e)
    finally:
        _unregister_ext(codes)
        copyreg._extension_cache.clear()
    rec = {
        "o": outcome,
        "n": done,
        "imp": [[_hex(m), _hex(n)] for m, n in _state.imports],
        "pid": _state.pids,
    }
    if err is not None:
        rec["e"] = err
    _state.__init__()
    return rec


def read_records(path):
    with open(path, "rb") as fh:
        blob = fh.read()
    out, off = [], 0
    while off < len(blob):
        (n,) = struct.unpack_from("<I", blob, off)
        off += 4
        out.append(blob[off:off + n])
        off += n
    return out


def check_layout():
    """Verify PROTO_OFFSET and the buffer-mode construction on this
    interpreter; raise SystemExit with a message if they are wrong."""
    for proto in range(6):
        seen = []

        class Probe(pickle.Unpickler):
            def find_class(self, module, name):
                seen.append((_proto(self), _fix_imports(self)))
                return 0

        Probe(io.BytesIO(bytes([0x80, proto]) + b"cm\nn\n.")).load()
        if seen != [(proto, 1)]:
            raise SystemExit("recorder: UnpicklerObject layout not as expected "
                             "(proto %d read as %r); update PROTO_OFFSET" % (proto, seen))
    straddle = b"\x80\x04\x95" + (3).to_bytes(8, "little") + b"\x8c\x03X" + b"osZ."
    results = []
    for mode in ("buffer", "file"):
        try:
            results.append(("ok", Recorder(_open(straddle, mode)).load()))
        except pickle.UnpicklingError as e:
            results.append(("error", str(e)))
    want_buffer = None
    try:
        pickle.loads(straddle)
    except pickle.UnpicklingError as e:
        want_buffer = ("error", str(e))
    if results != [want_buffer, ("ok", "osZ")]:
        raise SystemExit("recorder: frame straddle modes not as expected: %r" % (results,))
    # Buffer mode must fail like pickle.loads on inputs without imports.
    for data in (b"X\xff\xff\xff\x7f", b"\x8d" + (1 << 62).to_bytes(8, "little"),
                 b"(K\x01\x85.", b"K\x01.garbage", b"cos\nsys", b"\x95\x05" + bytes(7) + b"K\x01."):
        want = got = None
        try:
            want = ("ok", pickle.loads(data))
        except Exception as e:
            want = ("error", _describe(e))
        try:
            got = ("ok", Recorder(_open(data, "buffer")).load())
        except Exception as e:
            got = ("error", _describe(e))
        if got != want:
            raise SystemExit("recorder: buffer mode differs from pickle.loads on %r: %r != %r" % (data, got, want))


def main(argv):
    mode, path, start = None, None, 0
    args = list(argv)
    selftest = False
    while args:
        a = args.pop(0)
        if a == "--mode":
            mode = args.pop(0)
        elif a == "--input":
            path = args.pop(0)
        elif a == "--start":
            start = int(args.pop(0))
        elif a == "--selftest":
            selftest = True
        else:
            raise SystemExit("recorder: unknown argument %r" % a)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = ADDRESS_SPACE if hard == resource.RLIM_INFINITY else min(ADDRESS_SPACE, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.signal(signal.SIGALRM, _on_alarm)
    # Hostile inputs leave odd object graphs (READONLY_BUFFER views of
    # bytearrays in cycles) whose finalisation reports unraisable
    # SystemErrors; they do not affect what was recorded.
    sys.unraisablehook = lambda unraisable: None
    _register_static_ext()
    check_layout()
    if selftest:
        print("recorder: selftest ok")
        return 0
    if mode not in ("file", "buffer") or path is None:
        raise SystemExit("usage: recorder.py --mode file|buffer --input RECORDS [--start K]")
    inputs = read_records(path)
    out = sys.stdout
    for i in range(start, len(inputs)):
        rec = run_one(inputs[i], mode)
        rec["i"] = i
        out.write(json.dumps(rec, separators=(",", ":")) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
