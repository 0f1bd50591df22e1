#!/usr/bin/python3
"""Generate torch.save zip fixtures for internal/zipx and record what torch does with them.

Run from the repository root with Debian's torch 1.13:

    /usr/bin/python3 internal/zipx/testdata/gen.py

It writes testdata/torch/base.pt (a real torch.save of a tiny state dict), a
set of tricked variants built by a writer that reproduces torch's layout byte
for byte (checked against base.pt), and testdata/torch/torch.json, which
records for every file, each checked in a fresh /usr/bin/python3 process:

  record   torch._C.PyTorchFileReader(path).get_record("data.pkl"): the bytes
           torch's zip reader returns (sha256, length) or its error
  load     torch.load(path): success with a summary of the object, or the error
  zipfile  Python's zipfile reading <prefix>/data.pkl (what numpy.load and most
           scanners use): sha256 or the error

Every pickle written here is a plain dict of numbers and strings: nothing in
these fixtures executes code when loaded.
"""

import io
import json
import os
import pickle
import struct
import subprocess
import sys
import time
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "torch")
PREFIX = "archive/"  # torch.save to a file object names its folder "archive"


def real_torch_save():
    import torch

    sd = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "b": torch.zeros(2)}
    buf = io.BytesIO()
    torch.save(sd, buf)
    return buf.getvalue()


def parse(b):
    """Return the records of a torch zip as writer entries, in directory order."""
    eocd = b.rindex(b"PK\x05\x06")
    n, cdsize, cdoff = struct.unpack("<HII", b[eocd + 10 : eocd + 20])
    entries, p = [], cdoff
    for _ in range(n):
        f = struct.unpack("<IHHHHHHIIIHHHHHII", b[p : p + 46])
        nlen, xlen, clen = f[10], f[11], f[12]
        name = b[p + 46 : p + 46 + nlen].decode()
        lho, csize = f[16], f[8]
        lnlen, lxlen = struct.unpack("<HH", b[lho + 26 : lho + 30])
        data = b[lho + 30 + lnlen + lxlen :][:csize]
        assert zlib.crc32(data) == f[7], name
        entries.append({"name": name, "data": data})
        p += 46 + nlen + xlen + clen
    return entries


def padding(cursor, name_len):
    """torch's detail::getPadding: an 'FB' extra field aligning data to 64."""
    start = cursor + 30 + name_len + 4
    pad = (64 - start % 64) % 64
    return b"FB" + struct.pack("<H", pad) + b"Z" * pad


def build(entries, prepend=b"", absolute=True, comment=b"", trailing=b"", eocd_sentinels=False,
          zip64_end=True, locator_offset=None, count32=None, count64=None, extra_cd=b"",
          gap_after=None, gap=b"", tail=b""):
    """Write entries the way PyTorchStreamWriter (miniz) does, with knobs for tricks.

    Entry keys: name, data (bytes as stored in the file); optional: local_name, usize,
    crc, method, cflags, lflags, time, attr, csize_cd, usize_cd, zip64 (subset of
    "ucl": sentinel fields with a ZIP64 extra field), zip64_short (extra field holds
    only the first sentinel value), in_cd (default True), alias_of (index of an entry
    whose local header this central record points at).
    """
    out = bytearray(prepend)
    base = 0 if absolute else len(prepend)
    for i, e in enumerate(entries):
        if "alias_of" in e:
            continue
        e["lho"] = len(out) - base
        lname = e.get("local_name", e["name"]).encode()
        extra = padding(len(out), len(lname))
        lflags = e.get("lflags", 0x0808)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, lflags, e.get("method", 0), e.get("time", 0), 0,
                           0, 0, 0, len(lname), len(extra))
        out += lname + extra + e["data"]
        crc = e.get("crc", zlib.crc32(e.get("plain", e["data"])))
        usize = e.get("usize", len(e["data"]))
        if lflags & 8:
            out += struct.pack("<IIII", 0x08074B50, crc, len(e["data"]), usize)
        if gap_after == i:
            out += gap
    cdoff = len(out) - base
    listed = [e for e in entries if e.get("in_cd", True)]
    for e in listed:
        src = entries[e["alias_of"]] if "alias_of" in e else e
        name = e["name"].encode()
        crc = src.get("crc", zlib.crc32(src.get("plain", src["data"])))
        c = e.get("csize_cd", len(src["data"]))
        u = e.get("usize_cd", src.get("usize", len(src["data"])))
        lho = src["lho"]
        cdextra = b""
        z = e.get("zip64", "")
        if z:
            vals = []
            if "u" in z:
                vals.append(u)
                u = 0xFFFFFFFF
            if "c" in z:
                vals.append(c)
                c = 0xFFFFFFFF
            if "l" in z:
                vals.append(lho)
                lho = 0xFFFFFFFF
            if e.get("zip64_short"):
                vals = vals[:1]
            cdextra = struct.pack("<HH", 1, 8 * len(vals)) + b"".join(struct.pack("<Q", v) for v in vals)
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, e.get("cflags", 0x0808),
                           e.get("method", src.get("method", 0)), e.get("time", 0), 0, crc, c, u,
                           len(name), len(cdextra), 0, 0, 0, e.get("attr", 0), lho)
        out += name + cdextra
    out += extra_cd
    cdsize = len(out) - base - cdoff
    n = len(listed)
    if zip64_end:
        e64 = len(out) - base
        n64 = n if count64 is None else count64
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 0x2D, 0, 0, n64, n64, cdsize, cdoff)
        loc = e64 if locator_offset is None else locator_offset
        out += struct.pack("<IIQI", 0x07064B50, 0, loc, 1)
    n32 = n if count32 is None else count32
    if eocd_sentinels:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, len(comment))
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n32, n32, cdsize, cdoff, len(comment))
    out += comment + trailing
    return bytes(out)


def payload(obj):
    return pickle.dumps(obj, protocol=2)


def variants(base):
    """Yield (file name, what it tests, bytes)."""
    def ents():
        return [dict(e) for e in parse(base)]

    def with_(**kw):
        es = ents()
        es[0].update(kw)
        return es

    assert build(ents()) == base, "the writer no longer reproduces torch.save byte for byte"
    yield "base.pt", "torch.save of {'w': 2x3 float32, 'b': zeros(2)} to a buffer, unchanged", base

    es = ents()
    pkl = es[0]["data"]
    assert pkl.count(b"X\x01\x00\x00\x00w") == 1
    es[0]["crc"] = zlib.crc32(pkl)
    es[0]["data"] = pkl.replace(b"X\x01\x00\x00\x00w", b"X\x01\x00\x00\x00v")
    yield "badcrc.pt", "data.pkl changed after writing (key 'w' -> 'v'), CRC fields kept", build(es)
    yield "crc0.pt", "data.pkl CRC written as 0, as set_crc32_options(False) does", build(with_(crc=0))
    for bit in (0x1, 0x20, 0x40):
        yield "cflag%02x.pt" % bit, "central flags of data.pkl |= %#x" % bit, build(with_(cflags=0x0808 | bit))
        yield "lflag%02x.pt" % bit, "local flags of data.pkl |= %#x" % bit, build(with_(lflags=0x0808 | bit))
    yield "localname.pt", "local header of data.pkl names archive/datap.kl", build(with_(local_name=PREFIX + "datap.kl"))

    es = ents()
    es.append({"name": PREFIX + "data.pkl", "data": payload({"dup": "last"})})
    yield "dup-last.pt", "second data.pkl ({'dup': 'last'}) appended after version", build(es)
    es = ents()
    es.insert(0, {"name": PREFIX + "data.pkl", "data": payload({"dup": "first"})})
    yield "dup-first.pt", "second data.pkl ({'dup': 'first'}) inserted before the original", build(es)
    es = ents()
    es.append({"name": PREFIX + "DATA.PKL", "data": payload({"dup": "case"})})
    yield "dup-case.pt", "archive/DATA.PKL ({'dup': 'case'}) appended", build(es)
    es = ents()
    for i, name in enumerate(["Data.pkl", "data.pkl", "DATA.pkl", "data.PKL", "data.pkl", "dAta.pkl"]):
        es.insert(1 + 2 * i, {"name": PREFIX + name, "data": payload({"dup": i})})
    yield "dup-many.pt", "six more data.pkl records differing in case, interleaved with the others", build(es)

    junk_pk = b"PK\x03\x04" + b"junk" * 15
    yield "prepend-pk.pt", "64 bytes starting with PK\\x03\\x04 prepended, offsets adjusted", build(ents(), prepend=junk_pk)
    yield "prepend-junk.pt", "64 bytes of JUNK prepended, offsets adjusted", build(ents(), prepend=b"JUNK" * 16)
    yield "prepend-rel.pt", "64 bytes starting with PK\\x03\\x04 prepended, offsets not adjusted (cat junk base.pt)", \
        build(ents(), prepend=junk_pk, absolute=False)

    es = ents()
    for e in es:
        e["zip64"] = "ucl"
    yield "zip64.pt", "every central record with ZIP64 sentinels and extra fields, end record with sentinels", \
        build(es, eocd_sentinels=True)
    yield "zip64-partial.pt", "data.pkl's local header offset as a ZIP64 sentinel; extra field holds only it", \
        build(with_(zip64="l"))
    yield "zip64-short.pt", "data.pkl sizes as ZIP64 sentinels but the extra field holds only one value", \
        build(with_(zip64="uc", zip64_short=True))
    yield "zip64-nolocator.pt", "end record with ZIP64 sentinels, no ZIP64 end record or locator", \
        build(ents(), eocd_sentinels=True, zip64_end=False)
    yield "zip64-count.pt", "end record declares 3 entries, the ZIP64 end record 4", build(ents(), count32=3)
    yield "zip64-locator.pt", "ZIP64 locator points at offset 0 instead of the ZIP64 end record", \
        build(ents(), locator_offset=0)

    es = ents()
    plain = es[0]["data"]
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    es[0].update(data=co.compress(plain) + co.flush(), plain=plain, usize=len(plain), method=8)
    yield "deflate.pt", "data.pkl deflated (method 8)", build(es)

    yield "comment.pt", "5-byte archive comment", build(ents(), comment=b"hello")
    yield "trailing.pt", "64 bytes appended after the end record", build(ents(), trailing=b"TRAILING" * 8)
    yield "eocd-fake.pt", "a second central directory and end record inside the archive comment", fake_eocd(ents())

    yield "stored-size.pt", "data.pkl central compressed size 24 short of its length, DOS time 1", \
        build(with_(csize_cd=len(ents()[0]["data"]) - 24, time=1))
    yield "stored-size-t0.pt", "data.pkl central compressed size 24 short of its length, DOS time 0", \
        build(with_(csize_cd=len(ents()[0]["data"]) - 24))

    es = ents()
    es.append({"name": PREFIX + "hidden.pkl", "data": payload({"hidden": 1})})
    yield "cd-hidden.pt", "fifth central record (hidden.pkl) past the declared count of 4", build(es, count32=4, count64=4)

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr(zipfile.ZipInfo("payload.pkl", date_time=(2020, 1, 1, 0, 0, 0)), payload({"inner": 1}))
    es = ents()
    es.append({"name": PREFIX + "extra/inner.zip", "data": inner.getvalue()})
    yield "nested.pt", "extra record holding a zip archive", build(es)

    es = ents()
    es.append({"name": PREFIX + "alias", "data": b"", "alias_of": 0})
    yield "overlap.pt", "extra central record archive/alias pointing at data.pkl's local header", build(es)
    yield "gap.pt", "unreferenced bytes (a pickle) between data/1 and version", \
        build(ents(), gap_after=2, gap=b"HIDDEN" + payload({"gap": 1}))
    yield "dir-attr.pt", "data.pkl with the DOS directory attribute", build(with_(attr=0x10))
    yield "method99.pt", "data.pkl central method 99", build(with_(method=99))


def fake_eocd(es):
    """Archive whose comment holds a second directory (alternative data.pkl + version) and end record."""
    alt = {"name": PREFIX + "data.pkl", "data": payload({"fake": "eocd"})}
    es = es + [alt]
    es[-1]["in_cd"] = False
    real = build(es)  # lays out all five records; the directory lists the first four
    cd2 = bytearray()
    for e in (alt, es[3]):
        name = e["name"].encode()
        cd2 += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, 0x0808, 0, 0, 0, zlib.crc32(e["data"]),
                           len(e["data"]), len(e["data"]), len(name), 0, 0, 0, 0, 0, e["lho"])
        cd2 += name
    cd2off = len(real)  # the comment starts right after the real end record
    fake = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, len(cd2), cd2off, 0)
    comment = bytes(cd2) + fake
    return build(es, comment=comment)


CHECK = r"""
import hashlib, json, sys, zipfile
import torch
p = sys.argv[1]
out = {}
def sha(b):
    return {"ok": True, "len": len(b), "sha256": hashlib.sha256(b).hexdigest()}
def err(e):
    return {"ok": False, "error": (type(e).__name__ + ": " + str(e)).splitlines()[0][:300]}
def summary(o):
    if isinstance(o, dict):
        return {str(k): summary(v) for k, v in o.items()}
    if isinstance(o, torch.Tensor):
        return o.tolist()
    return repr(o)
try:
    out["record"] = sha(bytes(torch._C.PyTorchFileReader(p).get_record("data.pkl")))
except Exception as e:
    out["record"] = err(e)
try:
    out["load"] = {"ok": True, "summary": summary(torch.load(p))}
except Exception as e:
    out["load"] = err(e)
try:
    with zipfile.ZipFile(p) as z:
        prefix = z.namelist()[0].split("/")[0]
        out["zipfile"] = sha(z.read(prefix + "/data.pkl"))
except Exception as e:
    out["zipfile"] = err(e)
print(json.dumps(out))
"""


def check(path):
    r = subprocess.run(["/usr/bin/python3", "-c", CHECK, path], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        return {"crash": r.returncode, "stderr": r.stderr.strip().splitlines()[-1:]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def write_npz():
    """numpy.savez and savez_compressed outputs: Python's zipfile with force_zip64, no anomalies expected."""
    import numpy as np

    os.makedirs(os.path.join(HERE, "npz"), exist_ok=True)
    a, b = np.arange(6, dtype=np.float32).reshape(2, 3), np.zeros(3, dtype=np.int64)
    now = time.time
    time.time = lambda: 1577836800.0  # zipfile stamps members with the current time
    try:
        np.savez(os.path.join(HERE, "npz", "savez.npz"), a=a, b=b)
        np.savez_compressed(os.path.join(HERE, "npz", "savez_compressed.npz"), a=a, b=b)
    finally:
        time.time = now
    for name in ("savez.npz", "savez_compressed.npz"):
        with np.load(os.path.join(HERE, "npz", name)) as f:
            assert sorted(f.files) == ["a", "b"] and (f["a"] == a).all()


def main():
    write_npz()
    os.makedirs(OUT, exist_ok=True)
    results = []
    for name, what, data in variants(real_torch_save()):
        assert len(data) < 20000, name
        path = os.path.join(OUT, name)
        with open(path, "wb") as f:
            f.write(data)
        res = check(path)
        if name == "dir-attr.pt" and res.get("record", {}).get("ok"):
            # torch returns a buffer it never filled: its hash is not reproducible.
            res["record"]["sha256"] = None
            if res.get("load", {}).get("ok") is False:
                res["load"]["error"] = res["load"]["error"].split(":")[0]
        results.append({"file": name, "what": what, **res})
        print("%-20s record=%-5s load=%-5s zipfile=%-5s  %s" % (
            name, res.get("record", {}).get("ok"), res.get("load", {}).get("ok"),
            res.get("zipfile", {}).get("ok"), what), file=sys.stderr)
    import torch
    head = {"generator": "internal/zipx/testdata/gen.py", "torch": torch.__version__, "python": sys.version.split()[0]}
    with open(os.path.join(OUT, "torch.json"), "w") as f:
        # One line per file keeps the record small and its diffs readable.
        f.write(json.dumps(head, sort_keys=True)[:-1] + ', "files": [\n')
        f.write(",\n".join(json.dumps(r, sort_keys=True) for r in results))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
