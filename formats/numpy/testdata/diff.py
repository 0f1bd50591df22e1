#!/usr/bin/python3
"""Check ReadHeader's verdicts against numpy.load (the Python half of the
differential test in diff_test.go; run that first, see there).

    /usr/bin/python3 formats/numpy/testdata/diff.py DIR

Every file numpy.load accepts must be accepted with the same shape and
item size, or be ErrUnsupported; every file it rejects must be rejected.
Prints the counts and the disagreements; exits 1 if there are any.
"""

import collections
import json
import os
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")


def numpy_verdict(path):
    try:
        a = np.load(path, allow_pickle=False)
    except ValueError as e:
        if "Object arrays cannot be loaded" in str(e):
            return ("object",)
        return ("error", str(e)[:100])
    except BaseException as e:  # noqa: BLE001 - any exception is a rejection
        return ("error", "%s: %s" % (type(e).__name__, str(e)[:100]))
    return ("ok", list(a.shape), a.dtype.itemsize)


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "verdicts.json")) as f:
        ours = json.load(f)
    counts = collections.Counter()
    bad = []
    for e in ours:
        nv = numpy_verdict(e["file"])
        v = e["verdict"]
        counts[(nv[0], v)] += 1
        if nv[0] == "error" and v in ("ok", "object"):
            bad.append((e["file"], "numpy rejects", nv[1], v))
        elif nv[0] in ("ok", "object") and v == "error":
            bad.append((e["file"], "numpy accepts", nv, e["err"]))
        elif nv[0] != v and v != "unsupported" and nv[0] != "error":
            bad.append((e["file"], "verdict", nv, v))
        elif nv[0] == "ok" and v == "ok" and nv[1] != e["shape"]:
            bad.append((e["file"], "shape", nv, e["shape"]))
    for k, n in sorted(counts.items()):
        print("numpy %-6s ReadHeader %-11s %6d" % (k[0], k[1], n))
    for b in bad:
        print(*b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
