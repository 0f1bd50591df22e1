#!/usr/bin/python3
"""Record every global that benign ML pickles import.

This is a throwaway-style fixture generator for modelgate's policy package.
It builds many ordinary objects (plain Python data, NumPy arrays and random
states, PyTorch tensors, state dicts and whole modules, fitted scikit-learn
estimators), serialises them the way real tools do (pickle protocols 0-5,
torch.save with protocols 2 and 4 in the zip and legacy formats, joblib.dump
plain and compressed), loads them back with the pure-Python unpickler and
records every (module, name) pair that find_class is asked for, after the
same _compat_pickle renaming CPython applies.

Only objects built by this script are loaded, so loading them is safe.

Output, one pair per line, sorted: "module<TAB>name". The Go test
TestBenignGlobalsAllowed asserts that the built-in policy allows every line.

Usage:
    /usr/bin/python3 discover_globals.py > benign_globals.txt
    /usr/bin/python3 discover_globals.py --sources   # also say where each came from
    /usr/bin/python3 discover_globals.py --audit ../builtin.yaml > wildcard_audit.txt
        # names the wildcard allow entries must not admit (see audit())
"""

import _compat_pickle
import argparse
import collections
import contextlib
import datetime
import decimal
import fractions
import io
import pathlib
import pickle
import sys
import uuid
import warnings

# --- recording -------------------------------------------------------------
#
# Patch the opcode handlers of the pure-Python unpickler *before* joblib and
# torch are imported: joblib copies pickle._Unpickler.dispatch at import time
# and torch intercepts storage names in its own find_class, so hooking the
# opcodes (not find_class) sees every import exactly as the stream names it.

SEEN = collections.defaultdict(set)  # (module, name) -> {source tags}
CURRENT = ["?"]


def _record(unpickler, module, name):
    if unpickler.proto < 3 and unpickler.fix_imports:
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
    SEEN[(module, name)].add(CURRENT[0])


def _load_global(self):
    module = self.readline()[:-1].decode("utf-8")
    name = self.readline()[:-1].decode("utf-8")
    _record(self, module, name)
    self.append(self.find_class(module, name))


def _load_stack_global(self):
    name = self.stack.pop()
    module = self.stack.pop()
    _record(self, module, name)
    self.append(self.find_class(module, name))


def _load_inst(self):
    module = self.readline()[:-1].decode("ascii")
    name = self.readline()[:-1].decode("ascii")
    _record(self, module, name)
    klass = self.find_class(module, name)
    self._instantiate(klass, self.pop_mark())


pickle._Unpickler.dispatch[pickle.GLOBAL[0]] = _load_global
pickle._Unpickler.dispatch[pickle.STACK_GLOBAL[0]] = _load_stack_global
pickle._Unpickler.dispatch[pickle.INST[0]] = _load_inst


@contextlib.contextmanager
def _pure_python_pickle():
    """Make pickle.Unpickler and pickle.load the patched pure-Python versions.

    torch 1.13 as packaged by Debian ignores torch.load's pickle_module unless
    weights_only is set and always uses the pickle module, so swap its
    attributes for the duration of a torch.load instead.
    """
    saved = pickle.Unpickler, pickle.load
    pickle.Unpickler, pickle.load = pickle._Unpickler, pickle._load
    try:
        yield
    finally:
        pickle.Unpickler, pickle.load = saved


import joblib  # noqa: E402  (after the patch, see above)
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

warnings.filterwarnings("ignore")

PROTOCOLS = range(0, pickle.HIGHEST_PROTOCOL + 1)


def roundtrip_pickle(tag, obj):
    for proto in PROTOCOLS:
        CURRENT[0] = f"{tag} pickle-p{proto}"
        data = pickle.dumps(obj, protocol=proto)
        pickle._Unpickler(io.BytesIO(data)).load()


def roundtrip_joblib(tag, obj, protocols=(2, 4, 5), compress=(0, 3)):
    for proto in protocols:
        for c in compress:
            CURRENT[0] = f"{tag} joblib-p{proto}-c{c}"
            buf = io.BytesIO()
            joblib.dump(obj, buf, protocol=proto, compress=c)
            buf.seek(0)
            joblib.load(buf)


def roundtrip_torch(tag, obj):
    for proto in (2, 4):
        for zipped in (True, False):
            CURRENT[0] = f"{tag} torch-p{proto}-{'zip' if zipped else 'legacy'}"
            buf = io.BytesIO()
            torch.save(obj, buf, pickle_protocol=proto,
                       _use_new_zipfile_serialization=zipped)
            buf.seek(0)
            with _pure_python_pickle():
                torch.load(buf)


# --- plain Python ----------------------------------------------------------

def plain_objects():
    dd = collections.defaultdict(list)
    dd["a"].append(1)
    return {
        "scalars": [None, True, False, 0, -1, 2**70, 1.5, float("nan"), 1 + 2j,
                    "text", b"bytes", bytearray(b"ba")],
        "containers": [(1, 2), [1, 2], {"k": "v"}, {1, 2}, frozenset({3})],
        "range-slice": [range(1, 10, 2), slice(1, 5, 2)],
        "collections": [collections.OrderedDict(a=1), dd,
                        collections.Counter("aab"), collections.deque([1, 2])],
        "datetime": [datetime.datetime(2024, 1, 2, 3, 4, 5),
                     datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc),
                     datetime.date(2024, 1, 2), datetime.time(3, 4),
                     datetime.timedelta(days=1),
                     datetime.timezone(datetime.timedelta(hours=2), "X")],
        "numbers": [decimal.Decimal("1.25"), fractions.Fraction(1, 3)],
        "uuid": [uuid.UUID("12345678-1234-5678-1234-567812345678")],
        "paths": [pathlib.PurePosixPath("/a/b"), pathlib.PureWindowsPath("c:/a"),
                  pathlib.PosixPath("/tmp/x")],
        "types": [int, float, str, bytes, list, dict, set, tuple, bool, complex,
                  frozenset, bytearray, object],
        "constants": [Ellipsis, NotImplemented],
    }


# --- NumPy -----------------------------------------------------------------

def numpy_objects():
    dtypes = ["bool", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4",
              "f8", "g", "c8", "c16", "U5", "S5", "V4", ">i4", "M8[s]", "m8[ms]"]
    arrays = {f"array-{d}": np.zeros((2, 3), dtype=d) for d in dtypes}
    structured = np.zeros(3, dtype=[("a", "i4"), ("b", "f8", (2,)),
                                    ("c", [("x", "u1"), ("y", "U3")])])
    rng = np.random.default_rng(0)
    return {
        **arrays,
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "noncontig": np.arange(10)[::2],
        "empty": np.zeros((0, 3)),
        "object": np.array([1, "a", None], dtype=object),
        "structured": structured,
        "recarray": structured.view(np.recarray),
        "matrix": np.matrix([[1, 2], [3, 4]]),
        "masked": np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]),
        "scalars": [np.float64(1), np.float32(1), np.int64(1), np.int32(1),
                    np.int8(1), np.uint8(1), np.bool_(True), np.complex128(1j),
                    np.str_("s"), np.bytes_(b"b"), np.datetime64("2024-01-01"),
                    np.timedelta64(1, "D"), np.float16(1), np.longdouble(1)],
        "dtypes": [np.dtype("f8"), np.dtype("M8[ns]"), structured.dtype,
                   np.dtype("f8", metadata={"k": 1})],
        "scalar-types": [np.float64, np.float32, np.float16, np.int64, np.int32,
                         np.int16, np.int8, np.uint64, np.uint32, np.uint16,
                         np.uint8, np.bool_, np.complex64, np.complex128,
                         np.object_, np.str_, np.bytes_, np.longdouble,
                         np.datetime64, np.timedelta64, np.void, np.intc,
                         np.uintc, np.longlong, np.ulonglong],
        "random-state": np.random.RandomState(0),
        "generator": rng,
        "bit-generators": [np.random.MT19937(1), np.random.PCG64(1),
                           np.random.PCG64DXSM(1), np.random.Philox(1),
                           np.random.SFC64(1)],
        "seed-sequence": np.random.SeedSequence(1),
    }


def scipy_objects():
    m = sp.random(5, 4, density=0.5, format="csr", random_state=0)
    out = {f"sparse-{f}": m.asformat(f)
           for f in ("csr", "csc", "coo", "dia", "lil", "dok", "bsr")}
    if hasattr(sp, "csr_array"):
        out["sparse-arrays"] = [sp.csr_array(m), sp.csc_array(m), sp.coo_array(m)]
    return out


# --- PyTorch ---------------------------------------------------------------

class _Subclass(torch.Tensor):
    pass


def _subclass_tensor():
    t = torch.zeros(2).as_subclass(_Subclass)
    t.tag = "subclass with state"
    return t


def torch_objects():
    dtypes = [torch.float32, torch.float64, torch.float16, torch.bfloat16,
              torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8,
              torch.bool, torch.complex64, torch.complex128]
    tensors = {str(d): torch.zeros(2, 3, dtype=d) for d in dtypes}
    lin = nn.Linear(3, 2)
    q = torch.quantize_per_tensor(torch.rand(4), 0.1, 2, torch.quint8)
    qc = torch.quantize_per_channel(torch.rand(2, 3), torch.tensor([0.1, 0.2]),
                                    torch.tensor([0, 1]), 0, torch.qint8)
    t_with_attr = torch.zeros(2)
    t_with_attr.note = "x"
    opt = torch.optim.Adam(lin.parameters())
    lin(torch.zeros(1, 3)).sum().backward()
    opt.step()
    sgd = torch.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(sgd, 1)
    return {
        **tensors,
        "views": {"w": tensors["torch.float32"], "v": tensors["torch.float32"][1]},
        "parameter": nn.Parameter(torch.zeros(2)),
        "size-device-dtype": [torch.Size([2, 3]), torch.device("cpu"),
                              torch.float32, torch.int64, torch.bfloat16,
                              torch.strided, torch.sparse_coo,
                              torch.per_tensor_affine, torch.per_channel_affine],
        "sparse": torch.zeros(3, 3).to_sparse(),
        "sparse-csr": torch.eye(3).to_sparse_csr(),
        "quantized": [q, qc],
        "tensor-attr": t_with_attr,
        "subclass": _subclass_tensor(),
        "storage": torch.zeros(3).storage(),
        "state-dict": lin.state_dict(),
        "optimizer-state": opt.state_dict(),
        "sgd-state": sgd.state_dict(),
        "scheduler-state": sched.state_dict(),
        "checkpoint": {"epoch": 3, "model": lin.state_dict(),
                       "optimizer": opt.state_dict(), "loss": 0.5},
    }


def torch_modules():
    """Whole nn.Module saves (torch.save(model)), as many tutorials do."""
    mods = [
        nn.Linear(3, 2), nn.Bilinear(2, 2, 2), nn.Identity(),
        nn.Conv1d(1, 1, 3), nn.Conv2d(1, 1, 3), nn.Conv3d(1, 1, 3),
        nn.ConvTranspose2d(1, 1, 3), nn.MaxPool2d(2), nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.BatchNorm1d(2), nn.BatchNorm2d(2),
        nn.LayerNorm(2), nn.GroupNorm(1, 2), nn.InstanceNorm2d(2),
        nn.Dropout(), nn.Dropout2d(), nn.ReLU(), nn.GELU(), nn.SiLU(), nn.Tanh(),
        nn.Sigmoid(), nn.LeakyReLU(), nn.ELU(), nn.Softmax(dim=1),
        nn.LogSoftmax(dim=1), nn.Softplus(), nn.Hardswish(), nn.Mish(),
        nn.PReLU(), nn.Embedding(5, 2), nn.EmbeddingBag(5, 2),
        nn.LSTM(2, 2), nn.GRU(2, 2), nn.RNN(2, 2), nn.LSTMCell(2, 2),
        nn.Sequential(nn.Linear(2, 2), nn.ReLU()),
        nn.ModuleList([nn.Linear(2, 2)]), nn.ModuleDict({"a": nn.Linear(2, 2)}),
        nn.ParameterList([nn.Parameter(torch.zeros(1))]),
        nn.ParameterDict({"p": nn.Parameter(torch.zeros(1))}),
        nn.MultiheadAttention(4, 2),
        nn.TransformerEncoderLayer(4, 2, dim_feedforward=8),
        nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, activation="gelu"),
        nn.TransformerDecoderLayer(4, 2, dim_feedforward=8),
        nn.Transformer(4, 2, 1, 1, 8), nn.Flatten(), nn.Unflatten(1, (2, 2)),
        nn.Upsample(scale_factor=2), nn.PixelShuffle(2), nn.ZeroPad2d(1),
        nn.CrossEntropyLoss(), nn.MSELoss(), nn.BCEWithLogitsLoss(),
        nn.CosineSimilarity(),
        nn.utils.weight_norm(nn.Linear(2, 2)),
        nn.utils.spectral_norm(nn.Linear(2, 2)),
    ]
    return {f"module-{i}-{type(m).__name__}": m for i, m in enumerate(mods)}


# --- scikit-learn ----------------------------------------------------------

def sklearn_objects():
    from sklearn.utils import all_estimators
    from sklearn.utils.estimator_checks import _construct_instance

    rs = np.random.RandomState(0)
    X = np.abs(rs.rand(40, 4)) + 0.1
    y_cls = np.array([0, 1, 2, 1] * 10)
    y_reg = rs.rand(40)
    docs = ["the cat sat", "a dog ran", "the dog sat down", "cats and dogs"] * 10
    out = {}
    for name, cls in all_estimators():
        try:
            est = _construct_instance(cls)
        except Exception:  # needs arguments we cannot guess
            continue
        out[f"sklearn-unfitted-{name}"] = est
        fitted = _fit(name, cls, est, X, y_cls, y_reg, docs)
        if fitted is not None:
            out[f"sklearn-{name}"] = fitted
    out.update(_sklearn_extras(X, y_cls, y_reg))
    return out


def _fit(name, cls, est, X, y_cls, y_reg, docs):
    from sklearn.base import ClassifierMixin, RegressorMixin
    if name in ("CountVectorizer", "TfidfVectorizer", "HashingVectorizer"):
        inputs = [(docs,)]
    elif name == "DictVectorizer":
        inputs = [([{"a": 1, "b": 2}, {"a": 3}],)]
    elif name == "FeatureHasher":
        inputs = [([{"a": 1}],)]
    elif name in ("LabelEncoder", "LabelBinarizer"):
        inputs = [(y_cls,)]
    elif name == "MultiLabelBinarizer":
        inputs = [([[1, 2], [3]],)]
    elif issubclass(cls, ClassifierMixin):
        inputs = [(X, y_cls)]
    elif issubclass(cls, RegressorMixin):
        inputs = [(X, y_reg), (X, np.c_[y_reg, y_reg])]
    else:
        inputs = [(X,), (X, y_cls), (X, y_reg)]
    for args in inputs:
        try:
            return est.fit(*args)
        except Exception:
            continue
    return None


def _sklearn_extras(X, y_cls, y_reg):
    # Deliberately absent: RandomizedSearchCV with scipy.stats distributions.
    # Unpickling an rv_generic runs __setstate__ -> _attach_argparser_methods,
    # which exec()s self._parse_arg_template, a string taken from the pickle,
    # so the built-in policy denies scipy.stats distribution classes.
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (GradientBoostingClassifier,
                                  HistGradientBoostingClassifier,
                                  HistGradientBoostingRegressor,
                                  RandomForestClassifier)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.svm import SVC
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import Ridge, SGDRegressor
    from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV
    from sklearn.preprocessing import FunctionTransformer
    cat = np.array([["a", "x"], ["b", "y"], ["a", "y"], ["c", "x"]] * 10,
                   dtype=object)
    mixed = np.c_[X[:, :2], cat].astype(object)
    ct = ColumnTransformer([("num", StandardScaler(), [0, 1]),
                            ("cat", OneHotEncoder(handle_unknown="ignore"), [2, 3])])
    return {
        "pipeline": make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y_cls),
        "pipeline-passthrough": Pipeline([("s", "passthrough"),
                                          ("m", SVC(probability=True))]).fit(X, y_cls),
        "column-transformer": ct.fit(mixed, y_cls),
        "feature-union": FeatureUnion([("a", StandardScaler())]).fit(X),
        "tfidf": TfidfVectorizer(ngram_range=(1, 2)).fit(["red fox", "lazy dog jumps"]),
        "hgb-clf": HistGradientBoostingClassifier(max_iter=5).fit(X, y_cls),
        "hgb-bin": HistGradientBoostingClassifier(max_iter=5).fit(X, y_cls % 2),
        "hgb-reg": HistGradientBoostingRegressor(max_iter=5, loss="poisson").fit(X, y_reg),
        "gb-clf": GradientBoostingClassifier(n_estimators=3).fit(X, y_cls),
        "rf-rs": RandomForestClassifier(3, random_state=np.random.RandomState(1)).fit(X, y_cls),
        "knn-kd": KNeighborsClassifier(algorithm="kd_tree").fit(X, y_cls),
        "knn-ball": KNeighborsClassifier(algorithm="ball_tree").fit(X, y_cls),
        "nn-ball-haversine": NearestNeighbors(algorithm="ball_tree",
                                              metric="haversine").fit(X[:, :2]),
        "nn-brute-cosine": NearestNeighbors(metric="cosine").fit(X),
        "mlp-adam": MLPClassifier(max_iter=5).fit(X, y_cls),
        "mlp-sgd": MLPRegressor(solver="sgd", max_iter=5).fit(X, y_reg),
        "sgd-log": SGDClassifier(loss="log_loss").fit(X, y_cls),
        "sgd-modified-huber": SGDClassifier(loss="modified_huber").fit(X, y_cls),
        "sgd-reg-huber": SGDRegressor(loss="huber").fit(X, y_reg),
        "sgd-reg-eps": SGDRegressor(loss="epsilon_insensitive").fit(X, y_reg),
        "function-transformer": FunctionTransformer(np.log1p, np.expm1).fit(X),
        "function-transformer-mean": FunctionTransformer(np.mean).fit(X),
        "target-log": TransformedTargetRegressor(func=np.log1p, inverse_func=np.expm1).fit(X, y_reg),
        "grid-search": GridSearchCV(LogisticRegression(), {"C": [1, 10]}, cv=KFold(2),
                                    scoring="accuracy").fit(X, y_cls),
        "grid-search-multi": GridSearchCV(SVC(), {"C": [1, 10]}, cv=2, refit="f1_macro",
                                          scoring=["accuracy", "f1_macro", "roc_auc_ovr"]
                                          ).fit(X, y_cls),
    }


# --- main ------------------------------------------------------------------

def _try(fn, tag, obj, **kw):
    try:
        fn(tag, obj, **kw)
    except Exception as e:  # report and go on: one odd object must not stop discovery
        print(f"skip {tag}: {type(e).__name__}: {e}", file=sys.stderr)


def run():
    for tag, obj in plain_objects().items():
        _try(roundtrip_pickle, tag, obj)
        _try(roundtrip_joblib, tag, obj)
    for tag, obj in {**numpy_objects(), **scipy_objects()}.items():
        _try(roundtrip_pickle, tag, obj)
        _try(roundtrip_joblib, tag, obj)
    for tag, obj in {**torch_objects(), **torch_modules()}.items():
        _try(roundtrip_torch, tag, obj)
    for tag, obj in sklearn_objects().items():
        _try(roundtrip_pickle, tag, obj)
        _try(roundtrip_joblib, tag, obj, protocols=(2, 5), compress=(0,))


def audit(policy_path):
    """List the names each "module.*" allow entry would admit in this
    environment that no model needs and a reviewer must keep out: module
    objects (np, F, torch ...) and re-exports of denied callables (a
    "partial" imported from functools). Output lines are
    "module<TAB>name<TAB># why"; TestWildcardAuditNotAllowed asserts that the
    built-in policy admits none of them."""
    import importlib
    import types
    import yaml

    pol = yaml.safe_load(open(policy_path, encoding="utf-8"))
    print("# Names the wildcard allow entries must not admit; generated by")
    print("# discover_globals.py --audit builtin.yaml. " + _versions())
    denies = []
    for d in pol["deny"]:
        base, under = d["match"], False
        if base.endswith(".*"):
            base, under = base[:-2], True
        denies.append((base, under, set(d.get("except", []))))

    def denied(path):
        for base, under, exc in denies:
            if path == base and not under:
                return True
            if path.startswith(base + ".") and path[len(base) + 1:] not in exc:
                return True
        return False

    for entry in pol["allow"]:
        if not (isinstance(entry, str) and entry.endswith(".*")):
            continue
        modname = entry[:-2]
        try:
            mod = importlib.import_module(modname)
        except Exception as e:  # module of another library version
            print(f"# {modname}: not importable here ({type(e).__name__})")
            continue
        for attr in sorted(vars(mod)):
            if attr.startswith("_"):
                continue
            val = getattr(mod, attr)
            if isinstance(val, types.ModuleType):
                print(f"{modname}\t{attr}\t# module {val.__name__}")
                continue
            home = getattr(val, "__module__", None)
            qual = getattr(val, "__qualname__", None) or getattr(val, "__name__", None)
            if isinstance(home, str) and isinstance(qual, str) and home != modname \
                    and denied(f"{home}.{qual}"):
                print(f"{modname}\t{attr}\t# re-export of {home}.{qual}")


def _versions():
    import scipy
    import sklearn
    return (f"python {sys.version.split()[0]}, numpy {np.__version__}, "
            f"torch {torch.__version__}, scipy {scipy.__version__}, "
            f"sklearn {sklearn.__version__}, joblib {joblib.__version__}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sources", action="store_true",
                    help="append one example source to each line")
    ap.add_argument("--audit", metavar="BUILTIN_YAML",
                    help="audit wildcard allow entries instead of discovering")
    args = ap.parse_args()
    if args.audit:
        audit(args.audit)
        return
    run()
    print("# Globals imported by benign pickles; generated by discover_globals.py.")
    print("# " + _versions())
    print("# Format: module<TAB>name (name may be dotted for protocol >= 4).")
    for (module, name) in sorted(SEEN):
        if module == "__main__":
            continue  # this script's own tensor subclass: user code, never allowlisted
        line = f"{module}\t{name}"
        if args.sources:
            line += "\t# " + sorted(SEEN[(module, name)])[0]
        print(line)


if __name__ == "__main__":
    main()
