#!/usr/bin/python3
"""Generate the modelgate pickle/joblib fixture corpus.

Run from the repository root with Debian's interpreter (it has torch 1.13,
scikit-learn 1.2, joblib 1.2, numpy 1.24, dill and cloudpickle):

    /usr/bin/python3 testdata/gen/gen_corpus.py
    /usr/bin/python3 testdata/gen/check_corpus.py

Output: testdata/corpus/{benign,benign-nested,malicious,later}/, plus
testdata/corpus/manifest.json and testdata/corpus/README.md (both generated).

SAFETY. This script only *writes* pickles. It never unpickles a malicious
file. Every malicious payload, if some loader ever ran it, would only create
or touch a file named /tmp/modelgate-canary-<name> (or print). The few
"shape-only" fixtures (see the manifest notes) would fail before doing even
that. Benign objects are built here from fixed seeds and tiny data.

The script re-executes itself with PYTHONHASHSEED=0 so that set ordering, and
therefore every output byte, is reproducible.
"""

import builtins
import collections
import datetime
import decimal
import io
import json
import marshal
import os
import pickle
import struct
import sys
import warnings
import zlib
import base64
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = ROOT / "testdata" / "corpus"

# ---------------------------------------------------------------------------
# Part 1: a tiny pickle assembler. Each helper returns the bytes of one opcode.

import struct

# Argument-less opcodes.
MARK = b"("
STOP = b"."
POP = b"0"
POP_MARK = b"1"
DUP = b"2"
NONE = b"N"
REDUCE = b"R"
BUILD = b"b"
TUPLE = b"t"
TUPLE1 = b"\x85"
TUPLE2 = b"\x86"
TUPLE3 = b"\x87"
EMPTY_TUPLE = b")"
EMPTY_LIST = b"]"
EMPTY_DICT = b"}"
EMPTY_SET = b"\x8f"
LIST = b"l"
DICT = b"d"
APPEND = b"a"
APPENDS = b"e"
SETITEM = b"s"
SETITEMS = b"u"
ADDITEMS = b"\x90"
FROZENSET = b"\x91"
OBJ = b"o"
NEWOBJ = b"\x81"
NEWOBJ_EX = b"\x92"
STACK_GLOBAL = b"\x93"
MEMOIZE = b"\x94"
NEWTRUE = b"\x88"
NEWFALSE = b"\x89"
BINPERSID = b"Q"


def PROTO(n):
    return b"\x80" + bytes([n])


def FRAME(n):
    return b"\x95" + struct.pack("<Q", n)


def GLOBAL(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def INST(module, name):
    return b"i" + module.encode() + b"\n" + name.encode() + b"\n"


# Strings (str results).
def UNICODE(s):
    assert "\n" not in s and "\\" not in s
    return b"V" + s.encode("raw-unicode-escape") + b"\n"


def BINUNICODE(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def SHORT_BINUNICODE(s):
    b = s.encode()
    assert len(b) < 256
    return b"\x8c" + bytes([len(b)]) + b


def BINUNICODE8(s):
    b = s.encode()
    return b"\x8d" + struct.pack("<Q", len(b)) + b


# Python-2 str opcodes: decoded with the unpickler's encoding ('ASCII' by
# default), so they produce str on Python 3.
def STRING(s):
    assert "'" not in s and "\\" not in s and "\n" not in s
    return b"S'" + s.encode("ascii") + b"'\n"


def BINSTRING(s):
    b = s.encode("ascii")
    return b"T" + struct.pack("<i", len(b)) + b


def SHORT_BINSTRING(s):
    b = s.encode("ascii")
    return b"U" + bytes([len(b)]) + b


# Bytes.
def BINBYTES(b):
    return b"B" + struct.pack("<I", len(b)) + b


def SHORT_BINBYTES(b):
    assert len(b) < 256
    return b"C" + bytes([len(b)]) + b


def BINBYTES8(b):
    return b"\x8e" + struct.pack("<Q", len(b)) + b


def BYTEARRAY8(b):
    return b"\x96" + struct.pack("<Q", len(b)) + b


# Integers.
def INT(n):
    return b"I" + str(n).encode() + b"\n"


def BININT1(n):
    return b"K" + bytes([n])


def BININT2(n):
    return b"M" + struct.pack("<H", n)


def BININT(n):
    return b"J" + struct.pack("<i", n)


def LONG1(n):
    nbytes = (n.bit_length() + 8) // 8 if n else 0
    return b"\x8a" + bytes([nbytes]) + n.to_bytes(nbytes, "little", signed=True)


# Memo.
def PUT(i):
    return b"p" + str(i).encode() + b"\n"


def BINPUT(i):
    return b"q" + bytes([i])


def LONG_BINPUT(i):
    return b"r" + struct.pack("<I", i)


def GET(i):
    return b"g" + str(i).encode() + b"\n"


def BINGET(i):
    return b"h" + bytes([i])


def LONG_BINGET(i):
    return b"j" + struct.pack("<I", i)


# copyreg extension registry.
def EXT1(code):
    return b"\x82" + bytes([code])


def EXT2(code):
    return b"\x83" + struct.pack("<H", code)


def EXT4(code):
    return b"\x84" + struct.pack("<i", code)


# ---------------------------------------------------------------------------
# Protocol-aware conveniences.

def text(s, proto):
    """A str literal spelled the way a pickler of `proto` would."""
    if proto == 0:
        return UNICODE(s)
    if proto >= 4 and len(s.encode()) < 256:
        return SHORT_BINUNICODE(s)
    return BINUNICODE(s)


def glob(module, name, proto):
    """GLOBAL for protocols 0-3, STACK_GLOBAL with string operands for 4+."""
    if proto >= 4:
        return text(module, proto) + text(name, proto) + STACK_GLOBAL
    return GLOBAL(module, name)


def tup(*items):
    return MARK + b"".join(items) + TUPLE


def call(func, *args):
    """func(*args) via MARK ... TUPLE REDUCE (valid in every protocol)."""
    return func + tup(*args) + REDUCE


def program(proto, body, frame=True):
    """PROTO + body + STOP; protocol 4+ bodies are put in one FRAME."""
    if proto < 2:
        return body + STOP
    payload = body + STOP
    if proto >= 4 and frame and len(payload) >= 4:
        return PROTO(proto) + FRAME(len(payload)) + payload
    return PROTO(proto) + payload


def lit(v, proto):
    """Serialise a plain literal (None/bool/int/float/str/bytes/list/tuple/dict)."""
    if v is None:
        return NONE
    if v is True or v is False:
        if proto >= 2:
            return NEWTRUE if v else NEWFALSE
        return b"I01\n" if v else b"I00\n"
    if isinstance(v, int):
        if proto == 0:
            return INT(v)
        if 0 <= v < 256:
            return BININT1(v)
        if -(2 ** 31) <= v < 2 ** 31:
            return BININT(v)
        return LONG1(v)
    if isinstance(v, float):
        if proto == 0:
            return b"F" + repr(v).encode() + b"\n"
        return b"G" + struct.pack(">d", v)
    if isinstance(v, str):
        return text(v, proto)
    if isinstance(v, bytes):
        if proto >= 3:
            return SHORT_BINBYTES(v) if len(v) < 256 else BINBYTES(v)
        return call(GLOBAL("_codecs", "encode"), text(v.decode("latin1"), proto), text("latin1", proto))
    if isinstance(v, list):
        return MARK + b"".join(lit(x, proto) for x in v) + LIST
    if isinstance(v, tuple):
        return MARK + b"".join(lit(x, proto) for x in v) + TUPLE
    if isinstance(v, dict):
        return MARK + b"".join(lit(k, proto) + lit(x, proto) for k, x in v.items()) + DICT
    raise TypeError(type(v))


# ---------------------------------------------------------------------------
# Part 2: payload helpers. Every payload only touches /tmp/modelgate-canary-*.

def canary(name):
    return "/tmp/modelgate-canary-" + name


def sh(name):
    """A shell command whose only effect is creating the canary file."""
    return "touch " + canary(name)


def py(name):
    """A Python expression whose only effect is creating the canary file."""
    return "open(%r, 'a').close()" % canary(name)


def os_system(name, proto, module="os", func="system"):
    return call(glob(module, func, proto), text(sh(name), proto))


class Reduce:
    """An object whose pickle is `fn(*args)`; used with real picklers only."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


# ---------------------------------------------------------------------------
# Part 3: manifest bookkeeping.

ENTRIES = []
RULES = {
    "pickle-denied-global", "pickle-unlisted-global", "pickle-dynamic-global",
    "pickle-ext-opcode", "pickle-global-mutation", "pickle-nested-pickle",
    "pickle-error-after-call", "pickle-frame-violation", "pickle-trailing-data",
    "pickle-protocol-anomaly",
}


def emit(rel, data, *, technique, provenance, expect=(), globals_=(), note="",
         fmt="pickle", **extra):
    for r in expect:
        assert r in RULES, r
    assert not any(e["file"] == rel for e in ENTRIES), rel
    path = CORPUS / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    entry = {
        "file": rel,
        "category": rel.split("/")[0],
        "format": fmt,
        "technique": technique,
        "provenance": provenance,
        "expect": list(expect),
        "globals": list(globals_),
        "note": note,
        "size": len(data),
    }
    entry.update({k: v for k, v in extra.items() if v is not None})
    ENTRIES.append(entry)


def mal(name, data, technique, provenance, expect, globals_, note="", **extra):
    if "." not in name:
        name += ".pkl"
    emit("malicious/" + name, data, technique=technique, provenance=provenance,
         expect=expect, globals_=globals_, note=note, **extra)


DENIED = ["pickle-denied-global"]


# ---------------------------------------------------------------------------
# Part 4: benign object builders. check_corpus.py imports this module and
# calls BUILDERS[name]() to get the value a benign file must load back to.

BUILDERS = {}


def builder(fn):
    BUILDERS[fn.__name__] = fn
    return fn


def _torch():
    import torch
    torch.manual_seed(0)
    return torch


def _small_module():
    torch = _torch()
    nn = torch.nn

    class Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(5, 2)
            self.fc = nn.Linear(2, 3)
            self.bn = nn.BatchNorm1d(3)

        def forward(self, idx):
            return self.bn(self.fc(self.emb(idx)))

    m = Small()
    m.train()
    with torch.no_grad():
        m(torch.tensor([0, 1, 2, 3, 4, 1]))  # move the BN running stats
    return m


@builder
def torch_small_sd():
    return _small_module().state_dict()


@builder
def torch_lstm_sd():
    torch = _torch()
    return torch.nn.LSTM(3, 2, num_layers=1).state_dict()


@builder
def torch_tensors():
    torch = _torch()
    return [torch.arange(6, dtype=torch.float32).reshape(2, 3),
            torch.tensor([1, 2, 3], dtype=torch.int64),
            torch.ones(2, dtype=torch.float16)]


def _to_numpy_sd(sd, keep_metadata):
    out = collections.OrderedDict((k, v.detach().numpy().copy()) for k, v in sd.items())
    if keep_metadata and hasattr(sd, "_metadata"):
        out._metadata = sd._metadata
    return out


@builder
def np_small_sd():
    return _to_numpy_sd(torch_small_sd(), True)


@builder
def np_lstm_sd():
    return _to_numpy_sd(torch_lstm_sd(), False)


@builder
def optimizer_state():
    import numpy as np
    rs = np.random.RandomState(1)
    state = {}
    for i, shape in enumerate([(3, 2), (3,), (5, 2)]):
        state[i] = {"step": 3 + i,
                    "exp_avg": rs.randn(*shape).astype(np.float32),
                    "exp_avg_sq": rs.rand(*shape).astype(np.float32)}
    return {"state": state,
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-08,
                              "weight_decay": 0.0, "amsgrad": False,
                              "maximize": False, "foreach": None,
                              "capturable": False, "params": [0, 1, 2]}],
            "epoch": 7, "best_loss": 0.125, "history": [1.5, 0.75, 0.125]}


@builder
def python_data():
    shared = ["shared", 1]
    selfref = [1, 2]
    selfref.append(selfref)
    return {
        "str": "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \U0001f642",
        "bytes": b"\x00\x01\xfe\xff raw",
        "bytearray": bytearray(b"abc\x00"),
        "ints": [0, 1, -1, 255, 256, 65535, 65536, 2 ** 31 - 1, -(2 ** 31),
                 2 ** 63, -(2 ** 64) - 1, 10 ** 40],
        "floats": [0.0, -0.0, 1.5, 1e308, 5e-324, float("nan"), float("inf"), float("-inf")],
        "none_bools": [None, True, False],
        "tuple": (1, "a", (2, 3)),
        "empties": ((), [], {}, set(), frozenset(), "", b""),
        "set": {1, 2, 3},
        "frozenset": frozenset({"a", "b"}),
        "shared_a": shared,
        "shared_b": shared,
        "selfref": selfref,
        "datetime": datetime.datetime(2024, 1, 2, 3, 4, 5, 6789),
        "date": datetime.date(2020, 2, 29),
        "timedelta": datetime.timedelta(days=1, seconds=2, microseconds=3),
        "decimal": decimal.Decimal("3.14159265358979323846"),
        "complex": complex(1.5, -2.0),
        "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
        "defaultdict": collections.defaultdict(list, {"x": [1]}),
        "counter": collections.Counter("abracadabra"),
        "deque": collections.deque([1, 2, 3], maxlen=5),
        "nested": {"a": {"b": {"c": [1, {"d": (None,)}]}}},
    }


@builder
def numpy_arrays():
    import numpy as np
    rs = np.random.RandomState(2)
    return {
        "f32": rs.randn(2, 3).astype(np.float32),
        "f64_fortran": np.asfortranarray(rs.randn(3, 2)),
        "i8": np.arange(-4, 4, dtype=np.int8),
        "i64": np.arange(5, dtype=np.int64) * (2 ** 40),
        "bool": np.array([True, False, True]),
        "c64": (rs.randn(3) + 1j * rs.randn(3)).astype(np.complex64),
        "big_endian": np.arange(3, dtype=">i4"),
        "structured": np.array([(1, 2.5, b"ab"), (3, -1.0, b"cd")],
                               dtype=[("id", "<i4"), ("w", "<f8"), ("tag", "S2")]),
        "datetime": np.array(["2020-01-01", "2021-06-15"], dtype="datetime64[D]"),
        "zero_d": np.array(3.25),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


@builder
def numpy_scalars():
    import numpy as np
    return [np.float32(1.5), np.float64(-2.25), np.int64(-3), np.uint8(200),
            np.bool_(True), np.complex128(1 + 2j), np.datetime64("2020-01-01"),
            np.dtype("float16"), np.dtype([("a", "<i4"), ("b", "<f4")])]


@builder
def joblib_arrays():
    import numpy as np
    d = numpy_arrays()
    obj = np.empty(4, dtype=object)
    obj[:] = ["text", 7, None, (1, 2)]
    d["object"] = obj
    return d


def _xy(kind="cls"):
    import numpy as np
    rs = np.random.RandomState(0)
    X = rs.randn(30, 4)
    if kind == "cls":
        y = (X[:, 0] + X[:, 1] > 0).astype(int)
    else:
        y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rs.randn(30)
    return X, y


def _fit(est, kind="cls"):
    X, y = _xy(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


@builder
def sk_linear_regression():
    from sklearn.linear_model import LinearRegression
    return _fit(LinearRegression(), "reg")


@builder
def sk_logistic_regression():
    from sklearn.linear_model import LogisticRegression
    return _fit(LogisticRegression())


@builder
def sk_ridge():
    from sklearn.linear_model import Ridge
    return _fit(Ridge(alpha=0.5), "reg")


@builder
def sk_decision_tree_classifier():
    from sklearn.tree import DecisionTreeClassifier
    return _fit(DecisionTreeClassifier(max_depth=3, random_state=0))


@builder
def sk_decision_tree_regressor():
    from sklearn.tree import DecisionTreeRegressor
    return _fit(DecisionTreeRegressor(max_depth=3, random_state=0), "reg")


@builder
def sk_random_forest_classifier():
    from sklearn.ensemble import RandomForestClassifier
    return _fit(RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0))


@builder
def sk_gradient_boosting_classifier():
    from sklearn.ensemble import GradientBoostingClassifier
    return _fit(GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0))


@builder
def sk_gradient_boosting_regressor():
    from sklearn.ensemble import GradientBoostingRegressor
    return _fit(GradientBoostingRegressor(n_estimators=3, max_depth=2, random_state=0), "reg")


@builder
def sk_svc():
    from sklearn.svm import SVC
    return _fit(SVC(kernel="rbf", C=1.0))


@builder
def sk_svr():
    from sklearn.svm import SVR
    return _fit(SVR(), "reg")


@builder
def sk_pipeline_column_transformer():
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    rs = np.random.RandomState(3)
    n = 24
    X = np.empty((n, 3), dtype=object)
    X[:, 0] = rs.randn(n)
    X[:, 1] = rs.rand(n) * 10
    X[:, 2] = [["red", "green", "blue"][i % 3] for i in range(n)]
    y = np.array([i % 2 for i in range(n)])
    pre = ColumnTransformer([("num", StandardScaler(), [0, 1]),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), [2])])
    return Pipeline([("pre", pre), ("clf", LogisticRegression())]).fit(X, y)


@builder
def sk_min_max_scaler():
    from sklearn.preprocessing import MinMaxScaler
    return MinMaxScaler().fit(_xy()[0])


@builder
def sk_ordinal_encoder():
    from sklearn.preprocessing import OrdinalEncoder
    return OrdinalEncoder().fit([["a", "x"], ["b", "y"], ["a", "z"], ["c", "x"]])


@builder
def sk_label_encoder():
    from sklearn.preprocessing import LabelEncoder
    return LabelEncoder().fit(["cat", "dog", "bird", "dog", "cat"])


DOCS = ["the quick brown fox", "jumps over the lazy dog",
        "the dog sleeps", "a fox is quick and brown"]


@builder
def sk_count_vectorizer():
    from sklearn.feature_extraction.text import CountVectorizer
    return CountVectorizer(max_df=0.9).fit(DOCS)


@builder
def sk_tfidf_vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer
    return TfidfVectorizer(ngram_range=(1, 2)).fit(DOCS)


@builder
def sk_mlp_classifier():
    from sklearn.neural_network import MLPClassifier
    return _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0))


@builder
def sk_kneighbors_classifier():
    from sklearn.neighbors import KNeighborsClassifier
    return _fit(KNeighborsClassifier(n_neighbors=3, algorithm="kd_tree"))


@builder
def sk_simple_imputer():
    import numpy as np
    from sklearn.impute import SimpleImputer
    X = _xy()[0].copy()
    X[::4, 1] = np.nan
    return SimpleImputer(strategy="mean").fit(X)


SKLEARN = [n for n in BUILDERS if n.startswith("sk_")]

JOBLIB_COMPRESSORS = ["zlib", "gzip", "bz2", "lzma", "xz", "lz4"]


def lz4_available():
    try:
        import lz4.frame  # noqa: F401
        return True
    except ImportError:
        return False


# ---------------------------------------------------------------------------
# Part 5: deterministic legacy torch.save (storage keys are pointer values).

class DeterministicLegacyKeys:
    """Within torch.save(..., _use_new_zipfile_serialization=False), replace the
    storage keys str(storage._cdata) (heap addresses, different on every run)
    by '0', '1', ... in first-use order. The bytes are otherwise exactly what
    torch writes. Also applies to plain pickle of tensors, whose storages
    reduce to torch.storage._load_from_bytes(<legacy torch.save bytes>)."""

    def __enter__(self):
        import torch.serialization as ts
        self.ts = ts
        self.orig = ts._legacy_save

        def legacy_save(*a, **k):
            seen = {}

            def det_str(x):
                if type(x) is int and x > 65536:
                    return seen.setdefault(x, builtins.str(len(seen)))
                return builtins.str(x)

            ts.str = det_str
            try:
                return self.orig(*a, **k)
            finally:
                del ts.str

        ts._legacy_save = legacy_save
        return self

    def __exit__(self, *exc):
        self.ts._legacy_save = self.orig


def torch_legacy_bytes(obj):
    import torch
    f = io.BytesIO()
    with DeterministicLegacyKeys():
        torch.save(obj, f, _use_new_zipfile_serialization=False)
    return f.getvalue()


# ---------------------------------------------------------------------------
# Part 6: benign corpus.

def benign(rel, data, builder_name, technique, fmt="pickle", compare="deep", **extra):
    emit(rel, data, technique=technique, provenance="benign baseline", expect=[],
         fmt=fmt, builder=builder_name, compare=compare, **extra)


def joblib_dump_bytes(obj, **kw):
    import joblib
    f = io.BytesIO()
    joblib.dump(obj, f, **kw)
    return f.getvalue()


def gen_benign():
    import joblib  # noqa: F401
    for p in range(6):
        benign(f"benign/np_state_dict_small_p{p}.pkl", pickle.dumps(np_small_sd(), protocol=p),
               "np_small_sd", f"torch state dict (Embedding+Linear+BatchNorm1d) converted to numpy, "
               f"OrderedDict with _metadata BUILD, pickle protocol {p}", protocol=p)
        benign(f"benign/np_state_dict_lstm_p{p}.pkl", pickle.dumps(np_lstm_sd(), protocol=p),
               "np_lstm_sd", f"LSTM state dict converted to numpy, pickle protocol {p}", protocol=p)
        benign(f"benign/python_data_p{p}.pkl", pickle.dumps(python_data(), protocol=p),
               "python_data", "plain Python data: unicode, big ints, nan/inf, sets, shared refs, "
               f"self-referencing list, datetime/Decimal/complex, collections types; protocol {p}",
               protocol=p)
    for p in (2, 4, 5):
        benign(f"benign/optimizer_state_p{p}.pkl", pickle.dumps(optimizer_state(), protocol=p),
               "optimizer_state", f"optimizer-state-like nested dict of numpy arrays and numbers, protocol {p}",
               protocol=p)
        benign(f"benign/numpy_arrays_p{p}.pkl", pickle.dumps(numpy_arrays(), protocol=p),
               "numpy_arrays", "numpy arrays of many dtypes pickled directly "
               + ("(_frombuffer + BYTEARRAY8)" if p == 5 else "(_reconstruct + BUILD)")
               + f", protocol {p}", protocol=p)
    for p in (2, 4):
        benign(f"benign/numpy_scalars_p{p}.pkl", pickle.dumps(numpy_scalars(), protocol=p),
               "numpy_scalars", f"numpy scalars and dtypes (numpy.core.multiarray.scalar), protocol {p}",
               protocol=p)

    for name in SKLEARN:
        short = name[3:]
        benign(f"benign/{short}.joblib", joblib_dump_bytes(BUILDERS[name]()), name,
               f"joblib.dump of a fitted sklearn {short} (uncompressed, inline numpy arrays)",
               fmt="joblib")
    comps = JOBLIB_COMPRESSORS if lz4_available() else JOBLIB_COMPRESSORS[:-1]
    for name in ("sk_logistic_regression", "sk_random_forest_classifier"):
        short = name[3:]
        for c in comps:
            benign(f"benign/{short}.{c}.joblib",
                   joblib_dump_bytes(BUILDERS[name](), compress=(c, 3)), name,
                   f"joblib.dump of a fitted sklearn {short}, compress=({c!r}, 3)", fmt="joblib+" + c)
    benign("benign/pipeline_column_transformer.zlib.joblib",
           joblib_dump_bytes(sk_pipeline_column_transformer(), compress=("zlib", 3)),
           "sk_pipeline_column_transformer", "joblib Pipeline(ColumnTransformer) compressed with zlib",
           fmt="joblib+zlib")
    benign("benign/numpy_arrays.joblib", joblib_dump_bytes(joblib_arrays()), "joblib_arrays",
           "joblib.dump of a dict of arrays of many dtypes (F-order, 0-d, structured, datetime64, "
           "big-endian, empty) and an object array (nested protocol-2 pickle after the wrapper)",
           fmt="joblib")
    benign("benign/numpy_arrays_p2.joblib", joblib_dump_bytes(joblib_arrays(), protocol=2),
           "joblib_arrays", "same dict of arrays, joblib.dump(..., protocol=2): no frames", fmt="joblib")
    benign("benign/numpy_arrays.gzip.joblib", joblib_dump_bytes(joblib_arrays(), compress=("gzip", 3)),
           "joblib_arrays", "same dict of arrays, gzip-compressed joblib", fmt="joblib+gzip")


def gen_benign_nested():
    with DeterministicLegacyKeys():
        for p in range(6):
            emit(f"benign-nested/torch_state_dict_small_p{p}.pkl",
                 pickle.dumps(torch_small_sd(), protocol=p),
                 technique="plain pickle.dump of a torch state dict: each tensor is "
                 "torch._utils._rebuild_tensor_v2(torch.storage._load_from_bytes(<legacy torch.save "
                 f"bytes>), ...); protocol {p}",
                 provenance="benign baseline (needs nested legacy torch container support)",
                 expect=[], fmt="pickle", builder="torch_small_sd", compare="deep", protocol=p,
                 note="The storage bytes are a complete legacy torch.save stream (5 pickles + raw "
                 "storage); a scanner must scan them rather than trust _load_from_bytes.")
        for p in (2, 4):
            emit(f"benign-nested/torch_state_dict_lstm_p{p}.pkl",
                 pickle.dumps(torch_lstm_sd(), protocol=p),
                 technique=f"plain pickle of an LSTM state dict (nested legacy torch.save), protocol {p}",
                 provenance="benign baseline (needs nested legacy torch container support)",
                 expect=[], builder="torch_lstm_sd", compare="deep", protocol=p)
        emit("benign-nested/torch_tensors_p2.pkl", pickle.dumps(torch_tensors(), protocol=2),
             technique="plain pickle of a list of float32/int64/float16 tensors, protocol 2",
             provenance="benign baseline (needs nested legacy torch container support)",
             expect=[], builder="torch_tensors", compare="deep", protocol=2)


def gen_later():
    for name, b in (("torch_state_dict_small", "torch_small_sd"),
                    ("torch_state_dict_lstm", "torch_lstm_sd"),
                    ("torch_tensors", "torch_tensors")):
        emit(f"later/{name}.legacy.pt", torch_legacy_bytes(BUILDERS[b]()),
             technique="torch.save(..., _use_new_zipfile_serialization=False): legacy format, "
             "5 pickles (magic, version, sys_info, main object with BINPERSID, storage keys) + raw storages",
             provenance="benign baseline (later issue: legacy torch container)", expect=[],
             fmt="torch-legacy", builder=b, compare="deep")
    import torch
    obj = {"weight": torch.ones(2, 2), "hook": Reduce(os.system, (sh("legacy-main"),))}
    emit("later/payload_in_main_pickle.legacy.pt", torch_legacy_bytes(obj),
         technique="legacy torch file with os.system REDUCE in the 4th (main object) pickle",
         provenance="scanners.md c1#8 (ModelScan scans only the magic pickle)",
         expect=DENIED, globals_=["posix.system"], fmt="torch-legacy",
         note="Real torch.save writer; the payload object reduces to posix.system.")
    blob = torch_legacy_bytes({"weight": torch.ones(2)})
    magic = PROTO(2) + LONG1(0x1950A86A20F9469CFC6C) + STOP
    assert blob.startswith(magic), blob[:20]
    evil_magic = PROTO(2) + os_system("legacy-magic", 2) + POP + LONG1(0x1950A86A20F9469CFC6C) + STOP
    emit("later/payload_in_magic_pickle.legacy.pt", evil_magic + blob[len(magic):],
         technique="legacy torch file whose first (magic number) pickle calls os.system and then "
         "returns the right magic number", provenance="formats.md 1.5 note (loader unpickles pickles 1-3 too)",
         expect=DENIED, globals_=["os.system"], fmt="torch-legacy")


# ---------------------------------------------------------------------------
# Part 7: malicious corpus, hand-assembled.

def G(m, n):  # protocol-4 STACK_GLOBAL with SHORT_BINUNICODE operands
    return glob(m, n, 4)


def T(s):  # protocol-4 string
    return text(s, 4)


def P4(body):
    return program(4, body)


def gen_protocols():
    for p in range(6):
        spelled = "STACK_GLOBAL" if p >= 4 else "GLOBAL"
        mal(f"os_system_p{p}", program(p, os_system(f"os_system_p{p}", p)),
            f"c4 os.system via {spelled} + REDUCE, protocol {p} (hand-assembled)",
            "scanners.md c4 / reproduced behaviour table row 1", DENIED, ["os.system"], protocol=p)
        mal(f"posix_system_real_p{p}",
            pickle.dumps(Reduce(os.system, (sh(f"posix_system_real_p{p}"),)), protocol=p),
            f"c4 os.system from a real pickler (__reduce__), protocol {p}: spelled posix.system",
            "scanners.md c3#33 (posix vs os alias)", DENIED, ["posix.system"], protocol=p)


def gen_basic_callables():
    mal("nt_system_p2", program(2, os_system("nt_system_p2", 2, "nt", "system")),
        "c3#33 nt.system (Windows alias of os.system)", "scanners.md c3#33", DENIED, ["nt.system"],
        note="Fails to import on POSIX; still must be named.")
    mal("subprocess_popen_p2",
        program(2, call(GLOBAL("subprocess", "Popen"), lit(["touch", canary("subprocess_popen_p2")], 2))),
        "c4 subprocess.Popen([...]) via GLOBAL + REDUCE", "scanners.md c4", DENIED, ["subprocess.Popen"])
    mal("subprocess_run_p4",
        P4(call(G("subprocess", "run"), lit(["touch", canary("subprocess_run_p4")], 4))),
        "c4 subprocess.run via STACK_GLOBAL + REDUCE", "scanners.md c4", DENIED, ["subprocess.run"])
    mal("builtins_eval_p4", P4(call(G("builtins", "eval"), T(py("builtins_eval_p4")))),
        "c4 builtins.eval(expr)", "scanners.md c4", DENIED, ["builtins.eval"])
    mal("builtins_exec_p3", program(3, call(GLOBAL("builtins", "exec"), text(py("builtins_exec_p3"), 3))),
        "c4 builtins.exec(src), protocol 3 (no compat renaming)", "scanners.md c4", DENIED, ["builtins.exec"])
    mal("builtins_compile_exec_p4",
        P4(call(G("builtins", "exec"),
                call(G("builtins", "compile"), T(py("builtins_compile_exec_p4")), T("<mg>"), T("exec")))),
        "c4 builtins.exec(builtins.compile(src, '<mg>', 'exec'))", "scanners.md c4", DENIED,
        ["builtins.exec", "builtins.compile"])
    mal("builtins_import_getattr_p4",
        P4(call(call(G("builtins", "getattr"), call(G("builtins", "__import__"), T("os")), T("system")),
                T(sh("builtins_import_getattr_p4")))),
        "c4 getattr(__import__('os'), 'system')(cmd)", "scanners.md c4", DENIED,
        ["builtins.__import__", "builtins.getattr"], note="The string 'os' never appears as a GLOBAL.")
    g = BINGET(0)
    chain = call(g, call(g, call(g, GLOBAL("random", "Random"), BINUNICODE("__init__")),
                         BINUNICODE("__globals__")), BINUNICODE("get"))
    chain = call(g, chain + tup(BINUNICODE("_os")) + REDUCE, BINUNICODE("system"))
    mal("builtin_getattr_chain_p2",
        program(2, GLOBAL("__builtin__", "getattr") + BINPUT(0) + POP + chain
                + tup(BINUNICODE(sh("builtin_getattr_chain_p2"))) + REDUCE),
        "c4 __builtin__.getattr chain: getattr(getattr(getattr(random.Random,'__init__'),"
        "'__globals__'),'get')('_os').system(cmd); getattr kept in memo (BINPUT/BINGET)",
        "scanners.md c4, c3#33 (__builtin__ compat name)", DENIED, ["builtins.getattr", "random.Random"])
    mal("builtins_open_write_p3",
        program(3, call(GLOBAL("builtins", "open"), text(canary("builtins_open_write_p3"), 3), text("w", 3))),
        "c4 builtins.open(path, 'w') creates a file", "scanners.md c4 (file write)", DENIED, ["builtins.open"])
    for p in (0, 1):
        mal(f"builtin_eval_compat_p{p}",
            program(p, call(GLOBAL("__builtin__", "eval"), text(py(f"builtin_eval_compat_p{p}"), p))),
            f"c3#33 __builtin__.eval under protocol {p} (compat renaming to builtins.eval)",
            "scanners.md c3#33; formats.md 7.2", DENIED, ["builtins.eval"], protocol=p)
    mal("builtin_eval_real_p2", pickle.dumps(Reduce(eval, (py("builtin_eval_real_p2"),)), protocol=2),
        "c3#33 real pickler, protocol 2: eval is written as __builtin__ eval (fix_imports)",
        "scanners.md c3#33", DENIED, ["builtins.eval"], protocol=2)
    mal("builtin_exec_real_p0", pickle.dumps(Reduce(exec, (py("builtin_exec_real_p0"),)), protocol=0),
        "c3#33 real pickler, protocol 0: c__builtin__\\nexec", "scanners.md c3#33", DENIED,
        ["builtins.exec"], protocol=0)


def gen_opcode_variants():
    mal("inst_os_system_p0",
        MARK + UNICODE(sh("inst_os_system_p0")) + INST("os", "system") + STOP,
        "c2#27 INST opcode calls os.system(cmd) (args non-empty, so klass(*args))",
        "scanners.md c2#27", DENIED, ["os.system"], protocol=0)
    mal("inst_subprocess_popen_p0",
        MARK + lit(["touch", canary("inst_subprocess_popen_p0")], 0) + INST("subprocess", "Popen") + STOP,
        "c2#27 INST subprocess.Popen([...])", "scanners.md c2#27", DENIED, ["subprocess.Popen"], protocol=0)
    mal("obj_os_system_p1",
        MARK + GLOBAL("os", "system") + BINUNICODE(sh("obj_os_system_p1")) + OBJ + STOP,
        "OBJ opcode: MARK cls args OBJ calls os.system(cmd)", "formats.md 7.2 (_instantiate)", DENIED,
        ["os.system"], protocol=1)
    mal("obj_result_popped_p2",
        program(2, MARK + GLOBAL("os", "system") + BINUNICODE(sh("obj_result_popped_p2")) + OBJ + POP
                + EMPTY_DICT + BINUNICODE("weights") + lit([0.5, 1.5], 2) + SETITEM),
        "c2#24 OBJ call whose result is POPed; the pickle returns a harmless dict",
        "scanners.md c2#24 (GHSA-mxhj-88fx-4pcv)", DENIED, ["os.system"])
    mal("newobj_partial_p2",
        program(2, GLOBAL("functools", "partial") + MARK + GLOBAL("os", "system")
                + BINUNICODE(sh("newobj_partial_p2")) + TUPLE + NEWOBJ + EMPTY_TUPLE + REDUCE),
        "NEWOBJ builds functools.partial(os.system, cmd) (partial.__new__ does the binding), "
        "then REDUCE calls it with ()", "scanners.md c4 (functools.partial)", DENIED,
        ["functools.partial", "os.system"])
    mal("newobj_ex_partial_p4",
        P4(G("functools", "partial") + MARK + G("subprocess", "call")
           + lit(["touch", canary("newobj_ex_partial_p4")], 4) + TUPLE
           + lit({"shell": False}, 4) + NEWOBJ_EX + EMPTY_TUPLE + REDUCE),
        "NEWOBJ_EX builds functools.partial(subprocess.call, [...], shell=False), then REDUCE calls it",
        "formats.md 7.1 (NEWOBJ_EX)", DENIED, ["functools.partial", "subprocess.call"])
    mal("newobj_popen_shape_p2",
        program(2, GLOBAL("subprocess", "Popen") + tup(lit(["touch", canary("newobj_popen_shape_p2")], 2))
                + NEWOBJ),
        "NEWOBJ on subprocess.Popen (object.__new__ only: the import is what must be flagged)",
        "formats.md 7.1 (NEWOBJ)", DENIED, ["subprocess.Popen"], shape_only=True,
        note="Shape-only: NEWOBJ runs only __new__, so no command would run.")
    mal("build_setstate_injection_p2",
        program(2, GLOBAL("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE
                + NONE + EMPTY_DICT + BINUNICODE("__setstate__") + GLOBAL("os", "system") + SETITEM
                + TUPLE2 + BUILD + BINUNICODE(sh("build_setstate_injection_p2")) + BUILD),
        "BUILD slotstate sets an OrderedDict instance's __setstate__ to os.system; a second BUILD "
        "then calls inst.__setstate__(cmd)", "formats.md 7.2 (load_build)", DENIED,
        ["collections.OrderedDict", "os.system"])
    # modelscan#85 reproduced opcode-for-opcode (payload made harmless).
    p = (PROTO(5) + GLOBAL("numpy", "prod")
         + NONE + MARK + UNICODE("a") + UNICODE("os") + DICT + TUPLE2 + BUILD
         + NONE + MARK + UNICODE("b") + UNICODE("system") + DICT + TUPLE2 + BUILD + POP
         + GLOBAL("numpy", "prod.a") + PUT(0) + GLOBAL("numpy", "prod.b") + PUT(1) + POP + POP
         + GET(0) + GET(1) + STACK_GLOBAL + UNICODE(sh("build_modelscan85_p5")) + TUPLE1 + REDUCE + STOP)
    mal("build_modelscan85_p5", p,
        "c2#22 BUILD slotstate setattr numpy.prod.a='os', .b='system'; GLOBAL numpy prod.a/prod.b "
        "(dotted, proto 5) PUT into memo; STACK_GLOBAL from GET -> os.system",
        "scanners.md c2#22 (modelscan#85)", ["pickle-denied-global", "pickle-global-mutation"],
        ["numpy.prod", "numpy.prod.a", "numpy.prod.b", "os.system"],
        note="A scanner that memoises the GLOBAL's text sees 'numpy prod.a'; CPython memoises 'os'.")
    mal("build_module_attr_overwrite_p4",
        P4(G("torch", "_utils") + NONE + EMPTY_DICT + T("_rebuild_tensor_v4") + G("os", "system")
           + SETITEM + TUPLE2 + BUILD + POP
           + call(G("torch._utils", "_rebuild_tensor_v4"), T(sh("build_module_attr_overwrite_p4")))),
        "BUILD setattr on a module reached as an attribute (torch._utils) plants os.system under a "
        "torch-looking name, then STACK_GLOBAL 'torch._utils' '_rebuild_tensor_v4' + REDUCE calls it",
        "formats.md 7.2 (BUILD works on modules)", ["pickle-denied-global", "pickle-global-mutation"],
        ["torch._utils", "os.system", "torch._utils._rebuild_tensor_v4"],
        note="Adds a new attribute; no existing torch attribute is changed.")
    mal("setitem_copyreg_registry_ext_p4",
        P4(G("copyreg", "_inverted_registry") + BININT2(0x4D47) + lit(("os", "system"), 4) + SETITEM + POP
           + EXT2(0x4D47) + tup(T(sh("setitem_copyreg_registry_ext_p4"))) + REDUCE),
        "SETITEM into copyreg._inverted_registry registers extension code 0x4D47 -> ('os','system'); "
        "EXT2 0x4D47 then yields os.system with no GLOBAL naming it",
        "scanners.md c2#25 + formats.md 7.1 (EXT*)", ["pickle-global-mutation", "pickle-ext-opcode"],
        ["copyreg._inverted_registry"],
        note="If run, leaves an in-memory copyreg registry entry in the loading process.")
    mal("setitem_module_registry_shape_p4",
        P4(G("pydantic", "_dynamic_imports") + T("_os") + lit(("os", "__module__"), 4) + SETITEM + POP
           + call(G("pydantic", "_os.system"), T(sh("setitem_module_registry_shape_p4")))),
        "c3#32 SETITEM into a module's lazy-import registry, then a dotted name through the lazy attribute",
        "scanners.md c3#32 (ModelAudit bypass game turn 201)", ["pickle-global-mutation"],
        ["pydantic._dynamic_imports", "pydantic._os.system"], shape_only=True,
        note="Shape-only: pydantic is not installed here and the registry value format is approximate.")


def gen_stack_global_operands():
    def fin(name):
        return tup(T(sh(name))) + REDUCE

    sp = "scanners.md c2#19/c2#20, formats.md 7.5.2"
    mal("sg_memo_put_memoize_mix_p4",
        P4(T("a") + BINPUT(9) + POP + T("b") + BINPUT(8) + POP
           + T("os") + MEMOIZE + POP + T("system") + MEMOIZE + POP
           + T("torch._utils") + MEMOIZE + POP + T("_rebuild_tensor_v2") + MEMOIZE + POP
           + BINGET(2) + BINGET(3) + STACK_GLOBAL + fin("sg_memo_put_memoize_mix_p4")),
        "c2#20 memo confusion: sparse BINPUT 9/8 make MEMOIZE use len(memo)=2,3,4,5; BINGET 2/3 is "
        "('os','system'). A model counting MEMOIZEs from 0 sees torch._utils._rebuild_tensor_v2",
        sp + " (picklescan #14/#22)", DENIED, ["os.system"])
    mal("sg_memo_overwrite_p4",
        P4(T("torch._utils") + BINPUT(0) + POP + T("_rebuild_tensor_v2") + BINPUT(1) + POP
           + T("os") + BINPUT(0) + POP + T("system") + BINPUT(1) + POP
           + BINGET(0) + BINGET(1) + STACK_GLOBAL + fin("sg_memo_overwrite_p4")),
        "c2#20 memo slots 0/1 written twice; last write wins ('os','system')", sp, DENIED, ["os.system"])
    mal("sg_pop_decoy_p4",
        P4(T("os") + T("system") + T("torch._utils") + T("_rebuild_tensor_v2") + POP + POP
           + STACK_GLOBAL + fin("sg_pop_decoy_p4")),
        "STACK_GLOBAL operands are not the two previous string opcodes: decoys pushed then POPed",
        sp + " (previous-argument heuristics)", DENIED, ["os.system"])
    mal("sg_dup_timeit_p4",
        P4(T("timeit") + DUP + STACK_GLOBAL + tup(T("pass"), T(py("sg_dup_timeit_p4"))) + REDUCE),
        "STACK_GLOBAL operands from DUP: 'timeit' DUP -> timeit.timeit('pass', setup=src)",
        sp, DENIED, ["timeit.timeit"])
    mal("sg_string_operands_p4",
        P4(STRING("os") + STRING("system") + STACK_GLOBAL + fin("sg_string_operands_p4")),
        "STACK_GLOBAL operands from protocol-0 STRING (decoded to str with encoding='ASCII')",
        "scanners.md c2#19 (GHSA-9gvj-pp9x-gcfr)", DENIED, ["os.system"])
    mal("sg_binstring_operands_p4",
        P4(BINSTRING("os") + SHORT_BINSTRING("system") + STACK_GLOBAL + fin("sg_binstring_operands_p4")),
        "STACK_GLOBAL operands from BINSTRING and SHORT_BINSTRING", "scanners.md c2#19", DENIED, ["os.system"])
    mal("sg_unicode_operands_p4",
        P4(UNICODE("os") + UNICODE("system") + STACK_GLOBAL + fin("sg_unicode_operands_p4")),
        "STACK_GLOBAL operands from text UNICODE ('V') opcodes", "scanners.md c2#19", DENIED, ["os.system"])
    mal("sg_binunicode8_operands_p4",
        P4(BINUNICODE8("os") + BINUNICODE("system") + STACK_GLOBAL + fin("sg_binunicode8_operands_p4")),
        "STACK_GLOBAL operands from BINUNICODE8 and BINUNICODE", "scanners.md c2#19", DENIED, ["os.system"])
    mal("sg_sparse_memo_p4",
        P4(T("os") + PUT(1000) + POP + T("system") + LONG_BINPUT(70000) + POP
           + GET(1000) + LONG_BINGET(70000) + STACK_GLOBAL + fin("sg_sparse_memo_p4")),
        "STACK_GLOBAL operands from GET/LONG_BINGET after PUT 1000 / LONG_BINPUT 70000 (sparse memo)",
        sp, DENIED, ["os.system"])
    mal("memo_invalid_key_after_call_p4",
        P4(os_system("memo_invalid_key_after_call_p4", 4) + POP + BINGET(200)),
        "c2#21 invalid memo key: BINGET 200 (never PUT) right after the call; CPython raises "
        "'Memo value not found' only after os.system ran", "scanners.md c2#21",
        ["pickle-denied-global", "pickle-error-after-call"], ["os.system"])
    mal("memo_nonstring_values_p4",
        P4(BININT1(7) + MEMOIZE + POP + SHORT_BINBYTES(b"os") + MEMOIZE + POP + T("os") + MEMOIZE + POP
           + lit(("torch", "load"), 4) + MEMOIZE + POP + T("system") + MEMOIZE + POP
           + BINGET(2) + BINGET(4) + STACK_GLOBAL + fin("memo_nonstring_values_p4")),
        "c2#21 memo holds an int, bytes b'os' and a tuple next to the real str operands (memo 2, 4); "
        "scanners that assume str memo values crash or pick the wrong slot", "scanners.md c2#21",
        DENIED, ["os.system"])
    mal("sg_no_proto_position0",
        T("os") + T("system") + STACK_GLOBAL + fin("sg_no_proto_position0") + STOP,
        "c2#19 no PROTO: STACK_GLOBAL operands are the very first opcodes (off-by-one range(1,n) bugs); "
        "protocol-4 opcodes in an undeclared (protocol 0) stream",
        "scanners.md c2#19", ["pickle-denied-global", "pickle-protocol-anomaly"], ["os.system"])
    mal("sg_dynamic_str_join_p4",
        P4(call(G("builtins", "str.join"), T(""), lit(["o", "s"], 4))
           + call(G("builtins", "str.join"), T(""), lit(["sys", "tem"], 4))
           + STACK_GLOBAL + fin("sg_dynamic_str_join_p4")),
        "STACK_GLOBAL operands computed at run time by builtins.str.join('', [...]) -> os.system",
        "formats.md 7.5.2", ["pickle-dynamic-global"], ["builtins.str.join"], dynamic_resolves_to=["os.system"],
        note="Resolves to os.system at run time; a scanner that does not model str.join must report "
        "a dynamic global (and str.join itself is not on any allowlist).")
    mal("sg_dynamic_rot13_p4",
        P4(call(G("_codecs", "decode"), T("bf"), T("rot13")) + call(G("_codecs", "decode"), T("flfgrz"), T("rot13"))
           + STACK_GLOBAL + fin("sg_dynamic_rot13_p4")),
        "STACK_GLOBAL operands produced by _codecs.decode(..., 'rot13') ('bf'->'os', 'flfgrz'->'system')",
        "scanners.md (e) modelscan#338 obfuscation", ["pickle-dynamic-global"], ["_codecs.decode"], dynamic_resolves_to=["os.system"],
        note="_codecs.encode is commonly allowlisted for protocol-2 bytes; decode must not be.")


def gen_dotted():
    sp = "scanners.md c3#30/#31, formats.md 7.2"
    for mod, path, name in (("pathlib", "os.system", "dotted_pathlib_os_system_p4"),
                            ("random", "_os.system", "dotted_random_os_system_p4"),
                            ("site", "os.system", "dotted_site_os_system_p4"),
                            ("sysconfig", "os.system", "dotted_sysconfig_os_system_p4")):
        mal(name, P4(call(G(mod, path), T(sh(name)))),
            f"c3#{31 if mod == 'random' else 30} dotted name under PROTO 4: STACK_GLOBAL {mod!r} {path!r}",
            sp, DENIED, [f"{mod}.{path}"])
    mal("dotted_userdict_builtins_p4",
        P4(call(G("collections", "UserDict.__init__.__builtins__.get"), T("exec"))
           + tup(T(py("dotted_userdict_builtins_p4"))) + REDUCE),
        "dunder attribute gadget: collections.UserDict.__init__.__builtins__.get('exec')(src)",
        sp, DENIED, ["collections.UserDict.__init__.__builtins__.get"])
    mal("dotted_function_globals_p4",
        P4(call(call(G("operator", "methodcaller"), T("system"), T(sh("dotted_function_globals_p4"))),
                call(G("pathlib", "Path.touch.__globals__.get"), T("os")))),
        "dunder attribute gadget: pathlib.Path.touch.__globals__.get('os') fed to "
        "operator.methodcaller('system', cmd)", sp,
        DENIED, ["operator.methodcaller", "pathlib.Path.touch.__globals__.get"])
    mal("dotted_numpy_builtins_p4",
        P4(call(G("numpy", "__builtins__.get"), T("eval")) + tup(T(py("dotted_numpy_builtins_p4"))) + REDUCE),
        "c2#23 numpy.__builtins__.get('eval')(expr)", "scanners.md c2#23 (modelscan#330)", DENIED,
        ["numpy.__builtins__.get"])
    mal("dotted_numpy_builtins_build_p4",
        P4(G("numpy", "size") + NONE + EMPTY_DICT + T("x") + G("numpy", "__builtins__") + SETITEM
           + TUPLE2 + BUILD + POP
           + call(G("numpy", "size.x.get"), T("eval")) + tup(T(py("dotted_numpy_builtins_build_p4"))) + REDUCE),
        "c2#23 BUILD form: numpy.size.x = numpy.__builtins__ via slotstate, then STACK_GLOBAL "
        "'numpy' 'size.x.get' -> dict.get('eval')", "scanners.md c2#23 (modelscan#330)",
        ["pickle-denied-global", "pickle-global-mutation"],
        ["numpy.size", "numpy.__builtins__", "numpy.size.x.get"])
    mal("dotted_asyncio_submodule_shape_p4",
        P4(call(G("asyncio.unix_events", "_UnixSubprocessTransport._start"), NONE,
                T(sh("dotted_asyncio_submodule_shape_p4")), NEWTRUE, NONE, NONE, NONE, BININT1(0))),
        "c3#29 submodule of a wildcard-blocked package (asyncio.unix_events) with a dotted class method",
        "scanners.md c3#29 (CVE-2025-10157)", DENIED, ["asyncio.unix_events._UnixSubprocessTransport._start"],
        shape_only=True, note="Shape-only: self is None, so the call fails before spawning.")
    mal("proto_mid_dotted_p2_p4",
        PROTO(2) + EMPTY_DICT + BINUNICODE("ok") + NEWTRUE + SETITEM + POP
        + PROTO(4) + call(G("pathlib", "os.system"), T(sh("proto_mid_dotted_p2_p4"))) + STOP,
        "PROTO 2 first, PROTO 4 in the middle: the dotted name resolves because self->proto is now 4",
        "formats.md 7.1 (PROTO may appear anywhere)", ["pickle-denied-global", "pickle-protocol-anomaly"],
        ["pathlib.os.system"])
    mal("proto_mid_compat_p4_p2",
        PROTO(4) + T("x") + POP + PROTO(2)
        + call(GLOBAL("__builtin__", "eval"), BINUNICODE(py("proto_mid_compat_p4_p2"))) + STOP,
        "PROTO 4 first, PROTO 2 in the middle: __builtin__ compat renaming applies again",
        "formats.md 7.2 (fix_imports when proto < 3)", ["pickle-denied-global", "pickle-protocol-anomaly"],
        ["builtins.eval"])
    mal("proto2_stack_global",
        program(2, BINUNICODE("os") + BINUNICODE("system") + STACK_GLOBAL
                + tup(BINUNICODE(sh("proto2_stack_global"))) + REDUCE),
        "protocol-4 opcode (STACK_GLOBAL) under PROTO 2 (CPython does not check)",
        "formats.md 7.1", ["pickle-denied-global", "pickle-protocol-anomaly"], ["os.system"])
    mal("operator_alias_call_p4",
        P4(call(G("_operator", "call"), G("posix", "system"), T(sh("operator_alias_call_p4")))),
        "c3#33 C aliases: _operator.call(posix.system, cmd)", "scanners.md c3#33", DENIED,
        ["_operator.call", "posix.system"])
    mal("operator_alias_attrgetter_p4",
        P4(call(call(G("_operator", "attrgetter"), T("system")), G("sysconfig", "os"))
           + tup(T(sh("operator_alias_attrgetter_p4"))) + REDUCE),
        "c3#33 _operator.attrgetter('system')(sysconfig.os)(cmd)", "scanners.md c3#33", DENIED,
        ["_operator.attrgetter", "sysconfig.os"])


def gen_gadgets():
    sp = "scanners.md c4"

    def M(name, body, technique, gl, **kw):
        mal(name, P4(body), technique, kw.pop("prov", sp), kw.pop("expect", DENIED), gl, **kw)

    M("pkgutil_resolve_name_p4",
      call(G("pkgutil", "resolve_name"), T("os:system")) + tup(T(sh("pkgutil_resolve_name_p4"))) + REDUCE,
      "pkgutil.resolve_name('os:system')(cmd)", ["pkgutil.resolve_name"], prov=sp + " (GHSA-vvpj-8cmc-gx39)")
    M("importlib_import_module_p4",
      call(call(G("operator", "methodcaller"), T("system"), T(sh("importlib_import_module_p4"))),
           call(G("importlib", "import_module"), T("os"))),
      "operator.methodcaller('system', cmd)(importlib.import_module('os'))",
      ["operator.methodcaller", "importlib.import_module"])
    M("runpy_run_code_p4", call(G("runpy", "_run_code"), T(py("runpy_run_code_p4")), EMPTY_DICT),
      "runpy._run_code(src, {})", ["runpy._run_code"])
    M("code_interactive_runcode_p4",
      call(G("code", "InteractiveInterpreter.runcode"), call(G("code", "InteractiveInterpreter")),
           T(py("code_interactive_runcode_p4"))),
      "code.InteractiveInterpreter.runcode(InteractiveInterpreter(), src)",
      ["code.InteractiveInterpreter", "code.InteractiveInterpreter.runcode"])
    M("timeit_timeit_p4", call(G("timeit", "timeit"), T("pass"), T(py("timeit_timeit_p4"))),
      "timeit.timeit('pass', setup=src)", ["timeit.timeit"], prov=sp + " (GHSA-v7x6-rv5q-mhwc)")
    M("cprofile_run_p4", call(G("cProfile", "run"), T(py("cprofile_run_p4"))),
      "cProfile.run(src)", ["cProfile.run"])
    M("profile_run_p4", call(G("profile", "run"), T(py("profile_run_p4"))), "profile.run(src)", ["profile.run"])
    M("pydoc_locate_p4",
      call(G("pydoc", "locate"), T("os.system")) + tup(T(sh("pydoc_locate_p4"))) + REDUCE,
      "pydoc.locate('os.system')(cmd): import by string", ["pydoc.locate"])
    M("pydoc_pipepager_p4", call(G("pydoc", "pipepager"), T(""), T(sh("pydoc_pipepager_p4"))),
      "pydoc.pipepager('', cmd) runs cmd with a shell", ["pydoc.pipepager"])
    M("operator_attrgetter_p4",
      call(call(G("operator", "attrgetter"), T("system")), G("pathlib", "os"))
      + tup(T(sh("operator_attrgetter_p4"))) + REDUCE,
      "operator.attrgetter('system')(pathlib.os)(cmd)", ["operator.attrgetter", "pathlib.os"])
    M("operator_methodcaller_p4",
      call(call(G("operator", "methodcaller"), T("system"), T(sh("operator_methodcaller_p4"))),
           G("site", "os")),
      "operator.methodcaller('system', cmd)(site.os)", ["operator.methodcaller", "site.os"])
    M("operator_call_p4", call(G("operator", "call"), G("os", "system"), T(sh("operator_call_p4"))),
      "operator.call(os.system, cmd)", ["operator.call", "os.system"])
    M("functools_partial_reduce_p4",
      call(call(G("functools", "partial"), G("os", "system"), T(sh("functools_partial_reduce_p4")))),
      "functools.partial(os.system, cmd)() via REDUCE", ["functools.partial", "os.system"])
    M("functools_reduce_exec_p4",
      call(G("functools", "reduce"), G("builtins", "exec"), EMPTY_LIST + EMPTY_DICT + APPEND,
           T(py("functools_reduce_exec_p4"))),
      "functools.reduce(exec, [{}], src) == exec(src, {})", ["functools.reduce", "builtins.exec"])
    code = compile(py("marshal_function_p4"), "<modelgate-corpus>", "exec")
    M("marshal_function_p4",
      call(call(G("types", "FunctionType"), call(G("marshal", "loads"), BINBYTES(marshal.dumps(code))),
                EMPTY_DICT)),
      "types.FunctionType(marshal.loads(<code>), {})()", ["types.FunctionType", "marshal.loads"],
      note="Marshalled code is CPython 3.11 bytecode.")
    c = compile(py("types_codetype_p4"), "<modelgate-corpus>", "exec")
    args = (c.co_argcount, c.co_posonlyargcount, c.co_kwonlyargcount, c.co_nlocals, c.co_stacksize,
            c.co_flags, c.co_code, c.co_consts, c.co_names, c.co_varnames, c.co_filename, c.co_name,
            c.co_qualname, c.co_firstlineno, c.co_linetable, c.co_exceptiontable, c.co_freevars,
            c.co_cellvars)
    M("types_codetype_p4",
      call(call(G("types", "FunctionType"), G("types", "CodeType") + lit(args, 4) + REDUCE, EMPTY_DICT)),
      "types.FunctionType(types.CodeType(<18 CPython 3.11 fields>), {})()",
      ["types.CodeType", "types.FunctionType"], note="CodeType field list is CPython 3.11's.")
    M("pty_spawn_p4", call(G("pty", "spawn"), lit(["touch", canary("pty_spawn_p4")], 4)),
      "pty.spawn([...])", ["pty.spawn"], prov=sp + " (CVE-2025-71322)")
    M("shutil_copyfile_p4", call(G("shutil", "copyfile"), T("/dev/null"), T(canary("shutil_copyfile_p4"))),
      "shutil.copyfile('/dev/null', canary)", ["shutil.copyfile"])
    M("webbrowser_get_open_p4",
      call(call(G("operator", "methodcaller"), T("open"), T(canary("webbrowser_get_open_p4-url"))),
           call(G("webbrowser", "get"), T(sh("webbrowser_get_open_p4") + " %s"))),
      "webbrowser.get('touch <canary> %s').open(url) runs the given 'browser' command line",
      ["webbrowser.get", "operator.methodcaller"],
      note="The 'browser' is `touch`; the url is a second /tmp canary path. No network.")
    M("socket_socketpair_p4", call(G("socket", "socketpair")),
      "socket.socketpair(): a socket-module call (local only; no network)", ["socket.socketpair"])
    M("ctypes_cdll_system_p4",
      call(call(G("operator", "methodcaller"), T("system"), SHORT_BINBYTES(sh("ctypes_cdll_system_p4").encode())),
           call(G("ctypes", "CDLL"), T("libc.so.6"))),
      "operator.methodcaller('system', b'cmd')(ctypes.CDLL('libc.so.6'))",
      ["ctypes.CDLL", "operator.methodcaller"])
    M("multiprocessing_spawnv_passfds_p4",
      call(G("multiprocessing.util", "spawnv_passfds"), T("/usr/bin/touch"),
           lit(["touch", canary("multiprocessing_spawnv_passfds_p4")], 4), EMPTY_LIST),
      "multiprocessing.util.spawnv_passfds(path, argv, [])", ["multiprocessing.util.spawnv_passfds"])
    M("typing_eval_type_p4",
      call(G("typing", "_eval_type"), call(G("typing", "ForwardRef"), T(py("typing_eval_type_p4"))),
           EMPTY_DICT, EMPTY_DICT),
      "typing._eval_type(ForwardRef(expr), {}, {}) evals expr (then raises TypeError)",
      ["typing._eval_type", "typing.ForwardRef"])
    M("dataclasses_create_fn_p4",
      call(G("dataclasses", "_create_fn"), T("f"), lit(["x=" + py("dataclasses_create_fn_p4")], 4),
           lit(["pass"], 4)),
      "dataclasses._create_fn('f', ['x=<expr>'], ['pass']): exec of generated source evaluates the default",
      ["dataclasses._create_fn"])
    M("mailcap_findmatch_p4",
      call(G("mailcap", "findmatch"),
           lit({"text/plain": [{"view": "true", "test": sh("mailcap_findmatch_p4")}]}, 4), T("text/plain")),
      "mailcap.findmatch(caps, 'text/plain') runs the entry's 'test' command with os.system",
      ["mailcap.findmatch"])
    M("setuptools_distutils_spawn_p4",
      call(G("setuptools._distutils.spawn", "spawn"), lit(["touch", canary("setuptools_distutils_spawn_p4")], 4)),
      "setuptools._distutils.spawn.spawn([...])", ["setuptools._distutils.spawn.spawn"])
    mal("distutils_spawn_p2",
        program(2, call(GLOBAL("distutils.spawn", "spawn"), lit(["touch", canary("distutils_spawn_p2")], 2))),
        "distutils.spawn.spawn([...]) via GLOBAL", sp, DENIED, ["distutils.spawn.spawn"])
    M("uuid_get_command_stdout_p4",
      call(G("uuid", "_get_command_stdout"), T("touch"), T(canary("uuid_get_command_stdout_p4"))),
      "uuid._get_command_stdout('touch', canary)", ["uuid._get_command_stdout"])
    M("logging_filehandler_p4", call(G("logging", "FileHandler"), T(canary("logging_filehandler_p4"))),
      "logging.FileHandler(canary) creates the file", ["logging.FileHandler"])
    M("pathlib_path_touch_p4",
      call(G("pathlib", "Path.touch"), call(G("pathlib", "PosixPath"), T(canary("pathlib_path_touch_p4")))),
      "STACK_GLOBAL 'pathlib' 'Path.touch' applied to PosixPath(canary)", ["pathlib.Path.touch"])
    M("atexit_register_p4", call(G("atexit", "register"), G("os", "system"), T(sh("atexit_register_p4"))),
      "atexit.register(os.system, cmd): runs at interpreter exit", ["atexit.register", "os.system"])
    M("script_helper_assert_python_ok_p4",
      call(G("test.support.script_helper", "assert_python_ok"), T("-c"), T(py("script_helper_assert_python_ok_p4"))),
      "test.support.script_helper.assert_python_ok('-c', src) runs a child interpreter",
      ["test.support.script_helper.assert_python_ok"], prov=sp + " (GHSA-g38g-8gr9-h9xp)")
    M("torch_jit_execwrapper_p4",
      call(G("torch.jit.unsupported_tensor_ops", "execWrapper"), T(py("torch_jit_execwrapper_p4")),
           EMPTY_DICT, EMPTY_DICT),
      "torch.jit.unsupported_tensor_ops.execWrapper(src, {}, {})",
      ["torch.jit.unsupported_tensor_ops.execWrapper"])
    M("torch_collect_env_run_p4", call(G("torch.utils.collect_env", "run"), T(sh("torch_collect_env_run_p4"))),
      "torch.utils.collect_env.run(cmd) (shell=True)", ["torch.utils.collect_env.run"])
    M("numpy_runstring_p4",
      call(G("numpy.testing._private.utils", "runstring"), T(py("numpy_runstring_p4")), EMPTY_DICT),
      "numpy.testing._private.utils.runstring(src, {})", ["numpy.testing._private.utils.runstring"],
      prov=sp + " (CVE-2025-71355)")
    M("third_party_unlisted_shape_p4",
      call(G("mlflow.projects.backend.local", "_run_entry_point"), T(sh("third_party_unlisted_shape_p4")),
           T("/tmp"), T("local"), EMPTY_DICT),
      "third-party gadget seen on HF (mlflow _run_entry_point): not on any allowlist",
      ["mlflow.projects.backend.local._run_entry_point"], prov="scanners.md c4 (modelscan#338)",
      expect=["pickle-unlisted-global"], shape_only=True, note="Shape-only: mlflow is not installed here.")
    M("main_class_unlisted_p4",
      G("__main__", "ModelConfig") + EMPTY_TUPLE + NEWOBJ + lit({"hidden": 16, "layers": 2}, 4) + BUILD,
      "instance of a class from __main__ (NEWOBJ + BUILD): unknown code at load time",
      ["__main__.ModelConfig"], prov="policy default-deny (DESIGN.md principle 4)",
      expect=["pickle-unlisted-global"])


def gen_chains():
    sp = "scanners.md c5 (ModelAudit bypass game)"
    path = call(G("pathlib", "PosixPath"), T(canary("chain_operator_call_path_touch_p4")))
    mal("chain_operator_call_path_touch_p4", P4(call(G("operator", "call"), G("pathlib", "Path.touch"), path)),
        "c5 operator.call(pathlib.Path.touch, PosixPath(canary))", sp + " turn 13", DENIED,
        ["operator.call", "pathlib.Path.touch", "pathlib.PosixPath"])
    k = call(G("functools", "cmp_to_key"), G("pathlib", "Path.write_text")) + BINPUT(0) + POP
    a = BINGET(0) + tup(call(G("pathlib", "PosixPath"), T(canary("chain_cmp_to_key_p4")))) + REDUCE
    b = BINGET(0) + tup(T("modelgate canary")) + REDUCE
    mal("chain_cmp_to_key_p4", P4(k + call(G("operator", "lt"), a, b)),
        "c5 K = functools.cmp_to_key(Path.write_text); operator.lt(K(PosixPath(canary)), K('text')) "
        "calls Path.write_text(path, 'text')", sp + " turn 71", DENIED,
        ["functools.cmp_to_key", "pathlib.Path.write_text", "operator.lt"])
    f = call(G("logging", "Filterer")) + BINPUT(0) + POP
    f += call(G("logging", "Filterer.addFilter"), BINGET(0), G("pathlib", "Path.touch")) + POP
    f += call(G("logging", "Filterer.filter"), BINGET(0),
              call(G("pathlib", "PosixPath"), T(canary("chain_logging_filterer_p4"))))
    mal("chain_logging_filterer_p4", P4(f),
        "c5 logging.Filterer: addFilter(Path.touch) then filter(PosixPath(canary)) calls the filter",
        sp + " turn 73", DENIED,
        ["logging.Filterer", "logging.Filterer.addFilter", "logging.Filterer.filter", "pathlib.Path.touch"])
    d = call(G("builtins", "type"), T("D"), tup(G("pathlib", "PosixPath")),
             EMPTY_DICT + T("x") + call(G("builtins", "property"), G("pathlib", "Path.touch")) + SETITEM)
    obj = call(d, T(canary("chain_type_property_hasattr_p4")))
    mal("chain_type_property_hasattr_p4", P4(call(G("builtins", "hasattr"), obj, T("x"))),
        "c5 hasattr(type('D', (PosixPath,), {'x': property(Path.touch)})(canary), 'x') runs the getter",
        sp + " turns 75/77", DENIED,
        ["builtins.type", "builtins.property", "builtins.hasattr", "pathlib.Path.touch"])
    body = (GLOBAL("__builtin__", "type") + BINPUT(0) + POP + GLOBAL("__builtin__", "property") + BINPUT(1)
            + POP + GLOBAL("__builtin__", "hasattr") + BINPUT(2) + POP + PROTO(4))
    d = call(BINGET(0), T("D"), tup(G("pathlib", "PosixPath")),
             EMPTY_DICT + T("x") + call(BINGET(1), G("pathlib", "Path.touch")) + SETITEM)
    body += call(BINGET(2), call(d, T(canary("chain_type_property_hasattr_compat"))), T("x"))
    mal("chain_type_property_hasattr_compat", PROTO(2) + body + STOP,
        "c5 same chain with __builtin__.type/property/hasattr spelled under PROTO 2 (compat renaming), "
        "then PROTO 4 for the dotted Path.touch", "scanners.md (b) ModelAudit __builtin__ allowlist note",
        ["pickle-denied-global", "pickle-protocol-anomaly"],
        ["builtins.type", "builtins.property", "builtins.hasattr", "pathlib.Path.touch"])


def inner_pickle(name):
    return program(2, os_system(name + "-inner", 2))


def gen_nested():
    sp = "scanners.md c6"
    exp = ["pickle-denied-global", "pickle-nested-pickle"]

    def N(name, body, technique, gl, inner_format="pickle", **kw):
        mal(name, P4(body), technique, kw.pop("prov", sp), kw.pop("expect", exp), gl,
            inner_globals=["os.system"], inner_format=inner_format, **kw)

    N("nested_pickle_loads_p4", call(G("pickle", "loads"), BINBYTES(inner_pickle("nested_pickle_loads_p4"))),
      "pickle.loads(b'<os.system pickle>')", ["pickle.loads"])
    mal("nested__pickle_loads_p3",
        program(3, call(GLOBAL("_pickle", "loads"), BINBYTES(inner_pickle("nested__pickle_loads_p3")))),
        "_pickle.loads(b'<os.system pickle>') via GLOBAL, protocol 3", sp, exp, ["_pickle.loads"],
        inner_globals=["os.system"], inner_format="pickle")
    N("nested_dill_loads_p4", call(G("dill", "loads"), BINBYTES(inner_pickle("nested_dill_loads_p4"))),
      "dill.loads(b'<os.system pickle>')", ["dill.loads"])
    N("nested_joblib_load_p4",
      call(G("joblib", "load"), call(G("io", "BytesIO"), BINBYTES(inner_pickle("nested_joblib_load_p4")))),
      "joblib.load(io.BytesIO(b'<os.system pickle>')) trampoline", ["joblib.load", "io.BytesIO"],
      inner_format="joblib", prov=sp + " (ModelAudit #626)")
    N("nested_torch_load_p4",
      call(G("torch", "load"), call(G("io", "BytesIO"), BINBYTES(inner_pickle("nested_torch_load_p4")))),
      "torch.load(io.BytesIO(b'...')): legacy loader unpickles the first (magic) pickle with full pickle",
      ["torch.load", "io.BytesIO"], inner_format="torch-legacy")
    N("nested_torch_load_from_bytes_p4",
      call(G("torch.storage", "_load_from_bytes"), BINBYTES(inner_pickle("nested_torch_load_from_bytes_p4"))),
      "torch.storage._load_from_bytes(b'...') == torch.load(BytesIO(b), weights_only=False)",
      ["torch.storage._load_from_bytes"], inner_format="torch-legacy",
      expect=["pickle-nested-pickle", "pickle-denied-global"],
      note="The global itself also appears in benign plain-pickled tensors (benign-nested/); the inner "
      "pickle's os.system is what makes this file malicious.")
    N("nested_numpy_load_p4",
      call(G("numpy", "load"), call(G("io", "BytesIO"), BINBYTES(inner_pickle("nested_numpy_load_p4"))),
           NONE, NEWTRUE),
      "numpy.load(io.BytesIO(b'...'), None, True): allow_pickle falls back to pickle.load",
      ["numpy.load", "io.BytesIO"])
    b64 = base64.b64encode(inner_pickle("nested_base64_pickle_loads_p4")).decode()
    N("nested_base64_pickle_loads_p4", call(G("pickle", "loads"), call(G("base64", "b64decode"), T(b64))),
      "pickle.loads(base64.b64decode('<b64 os.system pickle>'))", ["pickle.loads", "base64.b64decode"])
    N("nested_zlib_pickle_loads_p4",
      call(G("pickle", "loads"), call(G("zlib", "decompress"),
                                      BINBYTES(zlib.compress(inner_pickle("nested_zlib_pickle_loads_p4"))))),
      "pickle.loads(zlib.decompress(b'...')): compressed inner payload", ["pickle.loads", "zlib.decompress"],
      prov=sp + "; modelscan#338 obfuscation")
    middle = program(2, call(GLOBAL("pickle", "loads"), BINBYTES(inner_pickle("nested_twice_p4"))))
    mal("nested_twice_p4", P4(call(G("_pickle", "loads"), BINBYTES(middle))),
        "two levels: _pickle.loads(b'<pickle.loads(b\"<os.system>\")>')", sp, exp, ["_pickle.loads"],
        inner_globals=["pickle.loads", "os.system"], inner_format="pickle")


def gen_ext():
    for op, code in ((EXT1, 0x42), (EXT2, 0x1234), (EXT4, 0x12345678)):
        n = {EXT1: 1, EXT2: 2, EXT4: 4}[op]
        name = f"ext{n}_registered_p2"
        mal(name, program(2, op(code) + tup(BINUNICODE(sh(name))) + REDUCE),
            f"c2#25 EXT{n} {code:#x}: callable fetched from the copyreg extension registry, no GLOBAL",
            "scanners.md c2#25", ["pickle-ext-opcode"], [],
            ext_registry=[{"code": code, "module": "os", "name": "system"}],
            note="Harmful only in a process that registered the code; the checker registers it "
            "temporarily to prove the call shape.")


def straddle(name, pad):
    """CPython gh-154848 FRAME straddle. A BINBYTES opcode starts 1 byte before the
    frame end. pickletools (and pickle.loads) read its length 0x107 contiguously and
    swallow the hidden call as data. The C unpickler reading from a file object drops
    the frame's last byte and reads the length from the bytes after the frame
    (01 00 00 00 -> 1), so the hidden GLOBAL os system ... REDUCE runs. With pad > 8192
    the frame is larger than the BufferedReader window, so open(path, 'rb') is
    affected too, not only BytesIO."""
    hidden = GLOBAL("os", "system") + MARK + SHORT_BINUNICODE(sh(name)) + TUPLE + REDUCE + POP
    length = 0x107
    rest = length - 2 - len(hidden)
    fill = SHORT_BINBYTES(b"\x00" * (rest - 3)) + POP
    data = b"\x00" + b"Z" + hidden + fill
    assert len(data) == length
    lenb = struct.pack("<I", length)
    inframe = BINUNICODE("A" * pad) + POP + b"B" + lenb[:1]
    return PROTO(5) + FRAME(len(inframe)) + inframe + lenb[1:] + data + POP + NONE + STOP


def gen_parser_differentials():
    sp = "scanners.md c1#13 + c7 (picklescan exits 2, ModelScan 3), formats.md 7.5.1"
    mal("exec_then_crash_0xff_p2", PROTO(2) + os_system("exec_then_crash_0xff_p2", 2) + b"\xff\x00\x00",
        "c1#13 execute-then-crash: REDUCE runs, then invalid opcode 0xff", sp,
        ["pickle-denied-global", "pickle-error-after-call"], ["os.system"])
    mal("exec_then_truncated_p4",
        PROTO(4) + os_system("exec_then_truncated_p4", 4) + POP + b"X" + struct.pack("<I", 100) + b"short",
        "c1#13 execute-then-crash: REDUCE then a BINUNICODE declaring 100 bytes at EOF (truncated)", sp,
        ["pickle-denied-global", "pickle-error-after-call"], ["os.system"])
    mal("text_opcode_no_final_newline_p0",
        os_system("text_opcode_no_final_newline_p0", 0) + POP + b"cposix\nsystem",
        "text opcode with no final newline at EOF: C says truncated; pure Python drops the last "
        "real character ('posix' 'syste'); the os.system call before it already ran",
        "formats.md 7.4 + scanners.md c1#13", ["pickle-denied-global", "pickle-error-after-call"], ["os.system"],
        protocol=0)
    mal("two_pickles_payload_second_p2",
        program(2, lit({"weights": [1.0, 2.0]}, 2)) + program(2, os_system("two_pickles_payload_second_p2", 2)),
        "c1#16 two pickles back to back; the second (read by multi-pickle loaders) calls os.system",
        "scanners.md c1#16", ["pickle-denied-global", "pickle-trailing-data"], ["os.system"], loader="stream")
    mal("payload_then_garbage_p2",
        program(2, os_system("payload_then_garbage_p2", 2)) + b"\x00garbage\xff\xfe junk after STOP",
        "payload, STOP, then garbage bytes (picklescan exits 2 'scan failed' here)",
        "scanners.md (c) behaviour table 'payload then garbage' + c7 (picklescan exit 2)",
        ["pickle-denied-global", "pickle-trailing-data"], ["os.system"])
    mal("benign_then_incomplete_pickle_p2",
        program(2, lit({"weights": [1.0]}, 2)) + b"cos\nsystem\n(S'" + sh("x").encode(),
        "benign pickle followed by an incomplete second pickle that names os.system",
        "scanners.md c1#16", ["pickle-trailing-data"], [],
        note="pickle.load stops at the first STOP; a multi-pickle reader would import os.system then fail.")
    mal("frame_straddle_file_mode_p5", straddle("frame_straddle_file_mode_p5", 9000),
        "c2#18 FRAME straddle (gh-154848): hidden os.system visible only to a reader emulating the "
        "lenient file-mode C unpickler; pickletools.genops shows only a BINBYTES",
        "scanners.md c2#18; formats.md 7.3", ["pickle-denied-global", "pickle-frame-violation"],
        ["os.system"], file_mode=True, hidden_from_genops=["os.system"])
    mal("frame_straddle_bytesio_p5", straddle("frame_straddle_bytesio_p5", 16),
        "c2#18 FRAME straddle with a small frame: hidden call runs for Unpickler(BytesIO) (no peek), "
        "not for open() (BufferedReader peek window covers the frame) nor pickle.loads",
        "scanners.md c2#18; formats.md 7.3", ["pickle-denied-global", "pickle-frame-violation"],
        ["os.system"], file_mode=False, hidden_from_genops=["os.system"])
    inner = os_system("frame_nested_p4", 4) + STOP
    inner_framed = FRAME(len(inner)) + inner
    outer = T("layer") + POP + inner_framed
    mal("frame_nested_p4", PROTO(4) + FRAME(len(outer)) + outer,
        "FRAME opcode inside a frame (pure Python: 'beginning of a new frame before end of current "
        "frame'; C accepts and runs the call)", "formats.md 7.3",
        ["pickle-denied-global", "pickle-frame-violation"], ["os.system"])


# ---------------------------------------------------------------------------
# Part 8: malicious objects written by real libraries.

def _det_lambda(name, called):
    ns = {"__name__": "__main__"}
    exec(compile("f = lambda: " + py(name) + "\n", "<modelgate-corpus>", "exec"), ns)
    f = ns["f"]
    return Reduce(f, ()) if called else f


def gen_real_libraries():
    import dill
    import cloudpickle
    import joblib  # noqa: F401
    import numpy as np
    for called in (False, True):
        suffix = "_called" if called else ""
        n = f"dill_lambda{suffix}_p4"
        mal(n, dill.dumps(_det_lambda(n, called), protocol=4, recurse=True),
            "dill-pickled lambda (code object rebuilt by dill._dill._create_code)"
            + ("; REDUCE calls it at load" if called else ""),
            "scanners.md c4 (code objects; ModelScan misses dill canaries)", DENIED,
            ["dill._dill._create_code", "dill._dill._create_function"],
            note="" if called else "Load only rebuilds the function; calling it would touch the canary.")
        n = f"cloudpickle_lambda{suffix}_p4"
        mal(n, cloudpickle.dumps(_det_lambda(n, called), protocol=4),
            "cloudpickle-pickled lambda (_builtin_type('CodeType') + _make_function)"
            + ("; REDUCE calls it at load" if called else ""),
            "scanners.md c4 (GHSA-9m3x-qqw2-h32h)", DENIED,
            ["cloudpickle.cloudpickle._make_function", "cloudpickle.cloudpickle._builtin_type"],
            note="" if called else "Load only rebuilds the function; calling it would touch the canary.")

    # joblib: payload after an inline numpy array (c1#14).
    weights = np.arange(8, dtype="<f8") * 1.5
    for proto, mode in ((4, "unframed"), (4, "inframe"), (2, "noframes")):
        name = f"joblib_array_then_payload_{mode}.joblib"
        raw = joblib_dump_bytes({"weights": weights, "name": "clf"}, protocol=proto)
        at = raw.index(weights.tobytes()) + len(weights.tobytes())
        payload = os_system(name.split(".")[0], proto) + POP
        if mode == "inframe":
            assert raw[at:at + 1] == b"\x95", raw[at:at + 9]
            (flen,) = struct.unpack("<Q", raw[at + 1:at + 9])
            data = raw[:at] + FRAME(flen + len(payload)) + payload + raw[at + 9:]
        else:
            data = raw[:at] + payload + raw[at:]
        mal(name, data,
            f"c1#14 joblib: os.system call right after the inline array bytes (protocol {proto}, {mode}); "
            "pickletools stops at the raw array data", "scanners.md c1#14 + c7 (picklescan exit 2)",
            DENIED, ["os.system"],
            fmt="joblib")
    evil = {"model": sk_logistic_regression(),
            "callback": Reduce(os.system, (sh("joblib_model_with_payload"),))}
    comps = [None] + (JOBLIB_COMPRESSORS if lz4_available() else JOBLIB_COMPRESSORS[:-1])
    for c in comps:
        kw = {"compress": (c, 3)} if c else {}
        ext = f".{c}.joblib" if c else ".joblib"
        mal("joblib_model_with_payload" + ext, joblib_dump_bytes(evil, **kw),
            "joblib dict {fitted LogisticRegression, object reducing to os.system}"
            + (f", compress=({c!r}, 3)" if c else ", uncompressed"),
            "scanners.md c1#7 (picklescan reports compressed joblib clean) + c7 (ModelScan exit 3)",
            DENIED, ["posix.system"],
            fmt="joblib+" + c if c else "joblib")
    arr = np.empty(2, dtype=object)
    arr[0] = "label"
    arr[1] = Reduce(os.system, (sh("joblib_object_array_payload"),))
    mal("joblib_object_array_payload.joblib", joblib_dump_bytes({"labels": arr}),
        "joblib object array: the nested protocol-2 pickle after the wrapper calls os.system",
        "formats.md 2.1 (object dtype arrays)", DENIED, ["posix.system"], fmt="joblib")
    mal("joblib_object_array_payload.xz.joblib", joblib_dump_bytes({"labels": arr}, compress=("xz", 3)),
        "joblib object array with payload, xz-compressed", "formats.md 2.1 + scanners.md c1#7", DENIED,
        ["posix.system"], fmt="joblib+xz")


# ---------------------------------------------------------------------------
# Part 9: manifest and README.

README_HEAD = """\
# Pickle / joblib fixture corpus

Fixtures for the pickle and joblib scanner ("modelgate scan part 1"). Every file
here is **generated**: do not edit by hand. Regenerate and verify with

    /usr/bin/python3 testdata/gen/gen_corpus.py
    /usr/bin/python3 testdata/gen/check_corpus.py

(`/usr/bin/python3` is Debian's CPython 3.11 with python3-torch 1.13, sklearn 1.2,
joblib 1.2, numpy 1.24, dill and cloudpickle; the `python3` on PATH lacks them.)
The generator re-executes itself with `PYTHONHASHSEED=0`; output is byte-for-byte
reproducible on the same package versions.

## Layout

| folder | count | meaning |
|---|---|---|
{layout}

* `benign/` must scan clean today: numpy-converted state dicts, optimizer-like
  state, plain Python data and numpy arrays for protocols 0-5; joblib dumps of
  fitted sklearn estimators, uncompressed and with every joblib compressor.
* `benign-nested/` must scan clean once nested containers are supported (later
  issue): see "Plain pickle of torch tensors" below.
* `malicious/` must be flagged. `expect` lists the rule IDs that MUST fire.
* `later/` needs legacy torch container support (later issue): benign legacy
  `torch.save` files and two malicious ones.

## manifest.json

A JSON array, one object per file, sorted by `file`:

* `file` (path relative to this folder), `category`, `format`
  (`pickle`, `joblib`, `joblib+<compressor>`, `torch-legacy`), `size`.
* `technique`, `provenance` (catalogue item in shared/reference/scanners.md or
  formats.md), `note`.
* `expect`: rule IDs that must fire (empty for benign). One of
  `pickle-denied-global`, `pickle-unlisted-global`, `pickle-dynamic-global`,
  `pickle-ext-opcode`, `pickle-global-mutation`, `pickle-nested-pickle`,
  `pickle-error-after-call`, `pickle-frame-violation`, `pickle-trailing-data`,
  `pickle-protocol-anomaly`.
* `globals`: the imports the scanner must name, as `module.name` after
  `_compat_pickle` renaming (`__builtin__ eval` -> `builtins.eval`); dotted
  protocol-4 names are kept whole (`pathlib.os.system`).
* Optional: `protocol`; `inner_globals` + `inner_format` (nested payloads: what
  the bytes handed to a loader import); `ext_registry` (EXT opcodes: the
  copyreg registration the checker installs to prove the call);
  `file_mode` + `hidden_from_genops` (FRAME straddles); `loader: "stream"`
  (payload in a later pickle of the stream); `dynamic_resolves_to` (what the
  run-time-computed STACK_GLOBAL operands resolve to); `shape_only` (the import and call
  shape of a published gadget, but the call would fail before doing anything);
  `builder` + `compare` (benign: the generator function that rebuilds the value
  the checker compares against).

## Safety

* Every malicious payload, if some loader ever executed it, only creates or
  touches `/tmp/modelgate-canary-<name>` (shell `touch`, `open(...,'a')`,
  `Path.touch`/`write_text`, `logging.FileHandler`, `shutil.copyfile('/dev/null',
  ...)`), or does nothing observable (`socket.socketpair()`, shape-only files).
  No payload uses the network or deletes anything. A few mutation fixtures
  would also add a *new* attribute to an imported module/function (`numpy.prod.a`,
  `numpy.size.x`, `torch._utils._rebuild_tensor_v4`) or a copyreg extension
  entry (code 0x4D47) in the loading process's memory.
* The generator only writes pickles. `check_corpus.py` never loads a malicious
  file with a real unpickler: it uses `pickle.Unpickler` / `pickle._Unpickler` /
  `joblib.numpy_pickle.NumpyUnpickler` subclasses whose `find_class` records the
  request and returns an inert stand-in class (joblib: real classes only for
  `NumpyArrayWrapper`, `numpy.dtype`, `numpy.ndarray`,
  `numpy.core.multiarray._reconstruct/scalar` and the pure `_codecs.encode`;
  object arrays' nested pickles are read with the recorder too, not with
  joblib's `pickle.load`). Two dynamic-global fixtures are additionally replayed
  with the pure `str.join`/`_codecs.decode` really called, to prove their
  operands resolve to `os.system`. Only benign files
  are loaded for real, to compare them with the objects that were dumped.
* Tests in Go must never hand these files to a real Python loader.

## Findings recorded while building the corpus

* **Plain pickle of torch tensors (torch 1.13).** `pickle.dump(state_dict)`
  does not use persistent IDs. Each tensor reduces to
  `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
  OrderedDict())`, and each storage's `__reduce__` returns
  `torch.storage._load_from_bytes(<bytes>)`, where the bytes are a complete
  **legacy** `torch.save(storage, _use_new_zipfile_serialization=False)` stream
  (magic pickle, protocol-version pickle, sys_info pickle, main pickle with a
  BINPERSID storage id, storage-key list pickle, then the raw little-endian
  storage with its int64 element count). Under protocols 0-2 the bytes are
  spelled `_codecs.encode('<latin-1 text>', 'latin1')`; under 3+ they are
  BINBYTES. `_load_from_bytes` is `torch.load(BytesIO(b))` without
  `weights_only`, so it is a full pickle trampoline: those files live in
  `benign-nested/` and are clean only if the nested legacy stream is scanned.
* **Legacy storage keys are heap addresses** (`str(storage._cdata)`). The
  generator swaps them for `'0'`, `'1'`, ... (first-use order) while saving so
  the output is reproducible; nothing else differs from what torch writes.
* **joblib 1.2 object arrays** are written as a nested `pickle.dump(array,
  protocol=2)` right after the wrapper's BUILD and read back with plain
  `pickle.load` (formats.md says protocol 5 for current joblib).
* **FRAME straddle** (gh-154848) on this CPython 3.11.2: with a small frame the
  hidden call runs for `Unpickler(BytesIO)` but not for `open()`, because the
  BufferedReader's 8 KiB peek window already holds the bytes after the frame;
  with a frame larger than 8 KiB it runs for both. `pickle.loads(bytes)` and
  `pickletools` never see it; the pure-Python unpickler raises "pickle
  exhausted before end of frame".
* **Big-endian arrays** keep `'>'` in the pickled dtype state; numpy's
  `__setstate__` and joblib both hand back a native-endian array with the same
  values (a converter must honour the byte order).
* **Recorder view of benign files**: plain pickles of state dicts import only
  `collections.OrderedDict`, `numpy.core.multiarray._reconstruct`,
  `numpy.core.numeric._frombuffer` (protocol 5), `numpy.dtype`,
  `numpy.ndarray`, `numpy.core.multiarray.scalar`, `_codecs.encode` (protocol
  <= 2 bytes) and, for Python data, `builtins.{set,frozenset,bytearray,bytes,
  complex,list}` (spelled `__builtin__` under protocol <= 2), `datetime.*`,
  `decimal.Decimal`, `collections.{OrderedDict,defaultdict,Counter,deque}`;
  joblib adds `joblib.numpy_pickle.NumpyArrayWrapper` and the sklearn classes.
* lz4 {lz4}.

## Coverage by catalogue item

{coverage}

## Files by technique

| file | expect | globals | technique | provenance |
|---|---|---|---|---|
"""


def write_readme():
    counts = collections.Counter(e["category"] for e in ENTRIES)
    desc = {"benign": "must scan clean", "benign-nested": "clean once nested torch storages are scanned",
            "malicious": "must be flagged", "later": "legacy torch containers (later issue)"}
    layout = "\n".join(f"| `{k}/` | {counts[k]} | {desc[k]} |" for k in desc)
    lz4 = ("is importable, so every compressor is covered" if lz4_available()
           else "is NOT importable here: the lz4 variants are missing")
    import re
    cov = collections.defaultdict(list)
    for e in ENTRIES:
        if e["category"] == "benign":
            continue
        for item in set(re.findall(r"\bc[1-7](?:#\d+)?", e["technique"] + " " + e["provenance"])):
            cov[item].append(e["file"].split("/", 1)[1])

    def key(k):
        return (int(k[1]), int(k.split("#")[1]) if "#" in k else 0)

    coverage = "\n".join(f"* **{k}** ({len(v)}): " + ", ".join(f"`{f}`" for f in sorted(v))
                          for k, v in sorted(cov.items(), key=lambda kv: key(kv[0])))
    out = README_HEAD.replace("{layout}", layout).replace("{lz4}", lz4).replace("{coverage}", coverage)
    rows = []
    for e in sorted(ENTRIES, key=lambda e: (e["category"] != "malicious", e["file"])):
        def cell(s):
            return str(s).replace("|", "\\|").replace("\n", " ")
        rows.append("| `%s` | %s | %s | %s | %s |" % (
            e["file"], cell(", ".join(e["expect"]) or "clean"), cell(", ".join(e["globals"])),
            cell(e["technique"]), cell(e["provenance"])))
    (CORPUS / "README.md").write_text(out + "\n".join(rows) + "\n")


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    warnings.simplefilter("ignore")
    for sub in ("benign", "benign-nested", "malicious", "later"):
        d = CORPUS / sub
        d.mkdir(parents=True, exist_ok=True)
        for f in d.iterdir():
            f.unlink()
    gen_benign()
    gen_benign_nested()
    gen_later()
    gen_protocols()
    gen_basic_callables()
    gen_opcode_variants()
    gen_stack_global_operands()
    gen_dotted()
    gen_gadgets()
    gen_chains()
    gen_nested()
    gen_ext()
    gen_parser_differentials()
    gen_real_libraries()
    ENTRIES.sort(key=lambda e: e["file"])
    (CORPUS / "manifest.json").write_text(json.dumps(ENTRIES, indent=1, ensure_ascii=False) + "\n")
    write_readme()
    counts = collections.Counter(e["category"] for e in ENTRIES)
    total = sum(e["size"] for e in ENTRIES)
    print("wrote", dict(counts), "files,", total, "bytes")


if __name__ == "__main__":
    main()
