"""Generate the large inputs modelgate's benchmarks read.

Run with Debian's Python (torch, numpy, joblib installed):
    /usr/bin/python3 internal/benchdata/gen_bench.py DIR
Writes into DIR (created if missing), skipping files that already exist:
  statedict50k.pkl   data.pkl of torch.save() of a 50,000-tensor state dict
                     (the pickle torch.load runs; storages are persistent ids)
  joblib-<N>mb.joblib uncompressed joblib dumps of a dict of large float32
                     arrays, N = 64, 256, 1024 (about N MiB each)
  joblib-64mb.joblib.gz the 64 MiB one, gzip-compressed by joblib
  torch-2gb.pt       torch.save (zip) of a state dict of 8 float32 tensors
                     of 256 MiB each, plus 1,000 small ones
  torch-2gb-legacy.pt the same with _use_new_zipfile_serialization=False
  dir10k/            10,000 small files: pickles, joblib dumps and .npy
The files are benign and deterministic (fixed seeds).
"""
import io
import os
import sys
import zipfile

import numpy as np


def statedict(path):
    import torch
    from collections import OrderedDict
    g = torch.Generator().manual_seed(0)
    sd = OrderedDict()
    for i in range(50_000):
        sd[f"layers.{i // 4}.sub.{i % 4}.weight"] = torch.randn(4, generator=g)
    buf = io.BytesIO()
    torch.save(sd, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        name = next(n for n in z.namelist() if n.endswith("/data.pkl"))
        data = z.read(name)
    with open(path, "wb") as f:
        f.write(data)


def big_joblib(path, mib, compress=0):
    import joblib
    rng = np.random.default_rng(0)
    per = 16 * 1024 * 1024 // 4  # 16 MiB of float32 per array
    n = max(1, mib // 16)
    obj = {"arrays": [rng.standard_normal(per, dtype=np.float32) for _ in range(n)],
           "meta": {"name": "bench", "n": n}}
    joblib.dump(obj, path, compress=compress)


def big_torch(path, legacy):
    import torch
    from collections import OrderedDict
    sd = OrderedDict()
    for i in range(8):
        sd[f"big.{i}"] = torch.zeros(64 * 1024 * 1024, dtype=torch.float32)  # 256 MiB
    g = torch.Generator().manual_seed(0)
    for i in range(1000):
        sd[f"small.{i}"] = torch.randn(16, generator=g)
    torch.save(sd, path, _use_new_zipfile_serialization=not legacy)


def dir10k(path):
    import pickle
    import joblib
    os.makedirs(path, exist_ok=True)
    for i in range(10_000):
        p = os.path.join(path, f"f{i:05d}")
        kind = i % 3
        if kind == 0:
            with open(p + ".pkl", "wb") as f:
                pickle.dump({"i": i, "w": [float(i)] * 8, "name": f"layer{i}"}, f, protocol=4)
        elif kind == 1:
            joblib.dump({"a": np.arange(16, dtype=np.float32) + i}, p + ".joblib")
        else:
            np.save(p + ".npy", np.arange(16, dtype=np.int32) + i)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    jobs = [("statedict50k.pkl", lambda p: statedict(p))]
    for mib in (64, 256, 1024):
        jobs.append((f"joblib-{mib}mb.joblib", lambda p, m=mib: big_joblib(p, m)))
    jobs.append(("joblib-64mb.joblib.gz", lambda p: big_joblib(p, 64, ("gzip", 1))))
    jobs.append(("torch-2gb.pt", lambda p: big_torch(p, False)))
    jobs.append(("torch-2gb-legacy.pt", lambda p: big_torch(p, True)))
    jobs.append(("dir10k", dir10k))
    for name, fn in jobs:
        p = os.path.join(out, name)
        if not os.path.exists(p):
            fn(p + ".tmp")
            os.replace(p + ".tmp", p)
        print(p, os.path.getsize(p) if os.path.isfile(p) else len(os.listdir(p)))


if __name__ == "__main__":
    main()
