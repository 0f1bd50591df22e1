#!/usr/bin/python3
"""Write seed pickles for the differential test's mutator.

Run from this directory: /usr/bin/python3 make_seeds.py
Writes seeds/<name>-p<protocol>.pkl for protocols 0..5 using CPython's own
pickler, so the mutator starts from the shapes real pickles have (memo
reuse, frames, __reduce_ex__ tuples, classes from the standard library).
"""

import collections
import datetime
import decimal
import fractions
import os
import pickle
import uuid


def objects():
    shared = [1, 2, 3]
    return {
        "scalars": [None, True, False, 0, 1, -1, 255, 65535, 2**31, -2**31, 2**70,
                    1.5, float("inf"), "", "abc", "\u20ac\U0001f600", b"", b"xyz",
                    bytearray(b"ba"), complex(1, 2)],
        "containers": {"l": [1, [2, [3]]], "t": (1, (2,), ()), "d": {1: {"a": "b"}},
                       "s": {1, 2}, "fs": frozenset({3}), "shared": (shared, shared)},
        "stdlib": [collections.OrderedDict(a=1), collections.defaultdict(list, a=[1]),
                   collections.deque([1, 2]), collections.Counter("aab"),
                   datetime.datetime(2024, 1, 2, 3, 4, 5), datetime.date(2020, 1, 1),
                   datetime.timedelta(days=1), decimal.Decimal("1.25"),
                   fractions.Fraction(1, 3), uuid.UUID(int=5), range(3), slice(1, 2)],
            }


def main():
    os.makedirs("seeds", exist_ok=True)
    for name, obj in objects().items():
        for proto in range(6):
            data = pickle.dumps(obj, protocol=proto)
            with open(os.path.join("seeds", "%s-p%d.pkl" % (name, proto)), "wb") as f:
                f.write(data)
    # Several frames, and a bytes object written outside any frame.
    large = {"blob": b"\x00" * 66000, "list": list(range(2000))}
    for proto in (4, 5):
        with open(os.path.join("seeds", "large-p%d.pkl" % proto), "wb") as f:
            f.write(pickle.dumps(large, protocol=proto))


if __name__ == "__main__":
    main()
