#!/usr/bin/python3
"""Generate the compressed fixtures for formats/compress.

Run from formats/compress with Debian's Python (joblib 1.2.0, numpy):

    /usr/bin/python3 testdata/gen.py

Needs the lz4, zstd, pzstd and xz command-line tools (Debian packages lz4,
zstd, xz-utils). Every output is deterministic; the expected decompressed
bytes of each fixture are computed here with CPython's own decoders (or the
reference command-line tools for lz4 and zstd) and recorded as SHA-256 in
manifest.json, so the Go tests compare against the victim's view.
"""

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import pickle
import struct
import subprocess
import zlib

import joblib
import numpy as np
from joblib import numpy_pickle_compat

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


def read(name):
    with open(path(name), "rb") as f:
        return f.read()


def run(*args, stdin=None):
    return subprocess.run(args, input=stdin, check=True, capture_output=True).stdout


def payload_object():
    return {
        "weights": np.arange(1800, dtype="<f8") * 0.25,
        "bias": np.zeros(256, dtype="<f4"),
        "labels": ["setosa", "versicolor", "virginica"],
        "n_features": 4,
    }


def zlib_all(data):
    """Decode concatenated zlib streams the way this package does."""
    out = b""
    while data:
        d = zlib.decompressobj()
        out += d.decompress(data) + d.flush()
        assert d.eof, "truncated stream in fixture"
        data = d.unused_data
    return out


def lzmafile(data):
    """Decode like joblib and lzma.open: lzma.LZMAFile with FORMAT_AUTO."""
    with lzma.LZMAFile(io.BytesIO(data), "rb") as f:
        return f.read()


def skippable(n, body):
    return struct.pack("<II", 0x184D2A50 + n, len(body)) + body


def gzip_member_with_fields(data):
    """A gzip member with FEXTRA, a 600-byte FNAME, FCOMMENT and FHCRC.

    Go's compress/gzip rejects names over 511 bytes; CPython accepts them.
    """
    flags = 0x02 | 0x04 | 0x08 | 0x10
    head = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", 0) + b"\x00\xff"
    head += struct.pack("<H", 6) + b"MG\x02\x00hi"
    head += b"n" * 600 + b"\x00" + b"a comment\x00"
    head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return head + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def main():
    obj = payload_object()
    joblib.dump(obj, path("payload.pkl"))
    payload = read("payload.pkl")
    half1, half2 = payload[: len(payload) // 2], payload[len(payload) // 2 :]

    fixtures = []  # (file, kind, expected bytes, trailing offset or -1)

    def add(name, kind, expected, trailing=-1, data=None):
        if data is not None:
            write(name, data)
        fixtures.append((name, kind, expected, trailing))

    # Whole-file compression exactly as joblib writes it.
    for kind, ext in [("zlib", "z"), ("gzip", "gz"), ("bz2", "bz2"), ("lzma", "lzma"), ("xz", "xz")]:
        name = "joblib-%s.%s" % (kind, ext)
        joblib.dump(obj, path(name), compress=(kind, 3))
        raw = read(name)
        expected = {
            "zlib": zlib_all,
            "gzip": gzip.decompress,
            "bz2": bz2.decompress,
            "lzma": lambda b: lzma.decompress(b, format=lzma.FORMAT_ALONE),
            "xz": lzma.decompress,
        }[kind](raw)
        add(name, kind, expected)

    # LZ4 and zstd from the reference tools (python lz4 is not installed).
    lz4_plain = run("lz4", "-q", "-9", "-c", path("payload.pkl"))
    add("payload.lz4", "lz4", run("lz4", "-d", "-c", stdin=lz4_plain), data=lz4_plain)
    lz4_opts = run("lz4", "-q", "-1", "--content-size", "-BX", "-BD", "-B4", "-c", path("payload.pkl"))
    add("payload-opts.lz4", "lz4", run("lz4", "-d", "-c", stdin=lz4_opts), data=lz4_opts)
    zst = run("zstd", "-q", "-19", "-c", path("payload.pkl"))
    add("payload.zst", "zstd", run("zstd", "-d", "-c", stdin=zst), data=zst)

    # Concatenation and trailing data.
    add("zlib-concat.z", "zlib", payload, data=zlib.compress(half1, 1) + zlib.compress(half2, 9))
    gz = gzip.compress(half1, mtime=0) + gzip.compress(half2, mtime=0) + b"\x00" * 7
    add("gzip-multi.gz", "gzip", gzip.decompress(gz), data=gz)
    gzf = gzip_member_with_fields(payload)
    add("gzip-fields.gz", "gzip", gzip.decompress(gzf), data=gzf)
    b2 = bz2.compress(half1) + bz2.compress(half2)
    add("bz2-trailing.bz2", "bz2", bz2.decompress(b2 + b"not bzip2"), trailing=len(b2), data=b2 + b"not bzip2")
    x1 = lzma.compress(half1, check=lzma.CHECK_CRC32)
    x2 = lzma.compress(half2, check=lzma.CHECK_SHA256)
    add("xz-multi.xz", "xz", lzma.decompress(x1 + x2), data=x1 + x2)
    # CPython does not decode past xz stream padding (no LZMA_CONCATENATED).
    padded = x1 + b"\x00" * 4 + x2
    add("xz-padded.xz", "xz", lzmafile(padded), trailing=len(x1), data=padded)
    add("xz-nocheck.xz", "xz", payload, data=lzma.compress(payload, check=lzma.CHECK_NONE, preset=9))
    blocks = run("xz", "-q", "-T1", "--block-size=4096", "-c", path("payload.pkl"))
    add("xz-blocks.xz", "xz", lzma.decompress(blocks), data=blocks)
    blocks_mt = run("xz", "-q", "-T2", "--block-size=4096", "-c", path("payload.pkl"))
    add("xz-blocks-mt.xz", "xz", lzma.decompress(blocks_mt), data=blocks_mt)
    la = lzma.compress(half1, format=lzma.FORMAT_ALONE) + lzma.compress(half2, format=lzma.FORMAT_ALONE, preset=9)
    add("lzma-concat.lzma", "lzma", lzmafile(la), data=la)
    # lzma.LZMAFile (FORMAT_AUTO) lets an xz stream follow an LZMA-alone one
    # and vice versa, including alone streams with non-default properties.
    odd = lzma.compress(b"!!", format=lzma.FORMAT_ALONE,
                        filters=[{"id": lzma.FILTER_LZMA1, "lc": 0, "lp": 2, "pb": 0, "dict_size": 1 << 16}])
    mixed = x1 + lzma.compress(half2, format=lzma.FORMAT_ALONE)
    add("xz-then-lzma.xz", "xz", lzmafile(mixed), data=mixed)
    mixed = lzma.compress(half1, format=lzma.FORMAT_ALONE) + x2 + odd
    add("lzma-mixed.lzma", "lzma", lzmafile(mixed), data=mixed)
    l1 = run("lz4", "-q", "-c", stdin=half1)
    l2 = run("lz4", "-q", "--no-frame-crc", "-c", stdin=half2)
    lz = l1 + skippable(3, b"skip me") + l2
    add("lz4-multi.lz4", "lz4", run("lz4", "-d", "-c", stdin=lz), data=lz)
    z1 = run("zstd", "-q", "-3", "-c", stdin=half1)
    z2 = run("zstd", "-q", "--no-check", "-c", stdin=half2)
    zs = skippable(0, b"pzstd-like") + z1 + skippable(15, b"") + z2
    add("zstd-multi.zst", "zstd", run("zstd", "-d", "-c", stdin=zs), data=zs)
    pz = run("pzstd", "-q", "-p", "2", "-c", path("payload.pkl"))
    add("payload-pzstd.zst", "zstd", run("zstd", "-d", "-c", stdin=pz), data=pz)

    # 10 MiB of zeros: Go has no bzip2 encoder, so the bomb tests use this.
    add("bomb-10m.bz2", "bz2", b"\x00" * (10 << 20), data=bz2.compress(b"\x00" * (10 << 20), 9))

    # joblib <= 0.9.3 Z-files: the joblib writer, and the Python 2 variant
    # whose length field is one character wider.
    inner = pickle.dumps({"n_features": 4, "labels": ["a", "b"]}, protocol=2)
    with open(path("zfile.pkl"), "wb") as f:
        numpy_pickle_compat.write_zfile(f, inner)
    add("zfile.pkl", "joblib-zfile", numpy_pickle_compat.read_zfile(open(path("zfile.pkl"), "rb")))
    py2 = b"ZF" + hex(len(inner)).encode().ljust(20) + zlib.compress(inner)
    write("zfile-py2.pkl", py2)
    add("zfile-py2.pkl", "joblib-zfile", numpy_pickle_compat.read_zfile(open(path("zfile-py2.pkl"), "rb")))

    manifest = []
    for name, kind, expected, trailing in fixtures:
        size = os.path.getsize(path(name))
        assert size < 20000, (name, size)
        manifest.append({
            "file": name,
            "kind": kind,
            "size": len(expected),
            "sha256": hashlib.sha256(expected).hexdigest(),
            "trailing": trailing,
        })
    with open(path("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")

    write_pickle_heads()


def write_pickle_heads():
    """First 32 bytes of real pickles, protocols 0-5, for Sniff's negative
    tests."""
    class_free = [
        [1, 2, 3],
        {"a": 1},
        (1, "x"),
        b"payload bytes",
        "text",
        None,
        True,
        3.5,
        2 ** 80,
        set([1]),
        bytearray(b"ab"),
        [[]],
        np.arange(3),
        {"weights": np.zeros(4)},
    ]
    heads = {}
    for proto in range(0, 6):
        for i, o in enumerate(class_free):
            heads["proto%d-obj%02d" % (proto, i)] = pickle.dumps(o, protocol=proto)[:32].hex()
    joblib.dump({"a": np.arange(5)}, path("tmp-plain.pkl"))
    heads["joblib-uncompressed"] = read("tmp-plain.pkl")[:32].hex()
    os.remove(path("tmp-plain.pkl"))
    with open(path("pickle-heads.json"), "w") as f:
        json.dump(heads, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
