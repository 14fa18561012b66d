"""The fuzz targets: ``TARGETS[name](rng, folder, k) -> (benchmark, path, description)``.

Each call writes one hostile file (or archive folder) into ``folder``, drawn from the seeded
generator ``rng``; ``named`` walks the cases of issue 23 in order (``k`` picks one).
"""
from __future__ import annotations

import copy
import functools
import json
import os
from pathlib import Path

from tests.fuzz import hostile as H

NB201 = "nb201/cifar10"
NB101 = "nb101/cifar10"


@functools.lru_cache(maxsize=1)
def _base() -> dict:
    return H.valid_nb201()


@functools.lru_cache(maxsize=1)
def _nb101_fields() -> tuple:
    return tuple(H.nb101_fields())


def _nats(data: dict) -> dict:
    """The .pth dict with NATS hp keys ('12' / '200') as a single-file archive holds it."""
    out = dict(data)
    infos = data.get("arch2infos")
    if isinstance(infos, dict):
        out["arch2infos"] = {i: ({{"less": "12", "full": "200"}.get(k, k): v for k, v in hps.items()}
                                 if isinstance(hps, dict) else hps) for i, hps in infos.items()}
    return out


def nb201_pth(rng, folder: Path, k: int):
    data, what = H.nb201_mutant(rng, _base())
    return NB201, H.write_pth(folder / "f.pth", data), what


def nats_pbz2(rng, folder: Path, k: int):
    data, what = H.nb201_mutant(rng, _base())
    return NB201, H.write_pbz2(folder / "NATS-tss-v1_0-3ffb9.pickle.pbz2", _nats(data)), what


def nats_folder(rng, folder: Path, k: int):
    data, what = H.nb201_mutant(rng, _base())
    if not isinstance(data.get("arch2infos"), dict) or not isinstance(data.get("meta_archs"), list):
        meta = data.get("meta_archs")
        path = folder / "NATS-tss-v1_0-3ffb9-simple"
        path.mkdir()
        H.write_pbz2(path / "meta.pickle.pbz2", {"meta_archs": meta, "arch2infos": None})
        H.write_pbz2(path / "000000.pickle.pbz2", data.get("arch2infos"))
        return NB201, path, what
    return NB201, H.write_nats_folder(folder / "NATS-tss-v1_0-3ffb9-simple", data), what


def nb101_tfrecord(rng, folder: Path, k: int):
    fields = list(_nb101_fields())
    bad, what = H.nb101_mutant(rng, fields)
    good = json.dumps(fields).encode()
    return NB101, H.write_tfrecord(folder / "nasbench_only108.tfrecord", [good, bad, good]), what


def _flipped(rng, data: bytes) -> tuple[bytes, str]:
    """``data`` with a few random bytes changed, or cut short, or a run of bytes duplicated."""
    buf = bytearray(data)
    kind = int(rng.integers(3))
    if kind == 0:
        positions = rng.integers(len(buf), size=int(rng.integers(1, 9)))
        for p in positions.tolist():
            buf[p] = int(rng.integers(256))
        return bytes(buf), f"bytes {sorted(positions.tolist())[:8]} changed"
    if kind == 1:
        cut = int(rng.integers(len(buf)))
        return bytes(buf[:cut]), f"cut to {cut} of {len(buf)} bytes"
    a = int(rng.integers(len(buf)))
    b = min(len(buf), a + int(rng.integers(1, 64)))
    return bytes(buf[:b] + buf[a:]), f"bytes {a}..{b} duplicated"


@functools.cache
def _valid_bytes(kind: str) -> bytes:
    import pickle
    import tempfile

    small = copy.deepcopy(_base())
    if kind == "pth":
        with tempfile.TemporaryDirectory() as tmp:
            return H.write_pth(Path(tmp) / "v.pth", small).read_bytes()
    if kind == "pbz2":
        import bz2

        return bz2.compress(pickle.dumps(_nats(small), protocol=4))
    fields = list(_nb101_fields())
    with tempfile.TemporaryDirectory() as tmp:
        return H.write_tfrecord(Path(tmp) / "v.tfrecord", [json.dumps(fields).encode()] * 3).read_bytes()


def bytes_pth(rng, folder: Path, k: int):
    data, what = _flipped(rng, _valid_bytes("pth"))
    (folder / "f.pth").write_bytes(data)
    return NB201, folder / "f.pth", what


def bytes_pbz2(rng, folder: Path, k: int):
    data, what = _flipped(rng, _valid_bytes("pbz2"))
    (folder / "f.pickle.pbz2").write_bytes(data)
    return NB201, folder / "f.pickle.pbz2", what


def bytes_tfrecord(rng, folder: Path, k: int):
    data, what = _flipped(rng, _valid_bytes("tfrecord"))
    (folder / "f.tfrecord").write_bytes(data)
    return NB101, folder / "f.tfrecord", what


# ----- the cases of issue 23, by name ---------------------------------------------------------
def _run(d: dict) -> dict:
    return d["arch2infos"][0]["full"]["all_results"][("cifar10-valid", 777)]


def _mut(fn):
    d = copy.deepcopy(_base())
    fn(d)
    return d


def _rekey(d: dict, old, new) -> None:
    d[new] = d.pop(old)


NB201_NAMED = {
    "epochs as a string": lambda d: _run(d).__setitem__("epochs", "3"),
    "negative epochs": lambda d: _run(d).__setitem__("epochs", -5),
    "epochs 10^13 (72.8 TiB)": lambda d: _run(d).__setitem__("epochs", 10**13),
    "epochs 1e300": lambda d: _run(d).__setitem__("epochs", 1e300),
    "seed as a string": lambda d: _rekey(d["arch2infos"][0]["full"]["all_results"], ("cifar10-valid", 777),
                                         ("cifar10-valid", "777")),
    "index as a string": lambda d: _rekey(d["arch2infos"], 0, "abc"),
    "key not a tuple": lambda d: _rekey(d["arch2infos"][0]["full"]["all_results"], ("cifar10-valid", 777),
                                        "cifar10-valid"),
    "int too large for float": lambda d: _run(d)["train_acc1es"].__setitem__(0, 10**400),
    "float too large for float32": lambda d: _run(d).__setitem__("params", 1e300),
    "latency a string": lambda d: _run(d).__setitem__("latency", ["fast"]),
    "latency not a list": lambda d: _run(d).__setitem__("latency", "fast"),
    "meta not a list": lambda d: d.__setitem__("meta_archs", 42),
}


def named_cases() -> list[tuple[str, callable]]:
    """(description, writer(folder) -> (benchmark, path)) for every case of issue 23."""
    out = []
    for what, fn in NB201_NAMED.items():
        out.append((f"pth: {what}", lambda f, fn=fn: (NB201, H.write_pth(f / "f.pth", _mut(fn)))))
        if what != "index as a string":  # in a folder the index is the file name
            out.append((f"NATS folder: {what}",
                        lambda f, fn=fn: (NB201, H.write_nats_folder(f / "NATS-tss-v1_0-3ffb9-simple", _mut(fn)))))
    out += [
        ("pth: dict key nested 2,000 tuples deep", lambda f: (NB201, H.write_pth(f / "f.pth", H.deep_tuple_pickle(2000)))),
        ("pth: dict key nested 10^6 tuples deep (segfault before)",
         lambda f: (NB201, H.write_pth(f / "f.pth", H.deep_tuple_pickle(1_000_000)))),
        ("pbz2: dict key nested 10^6 tuples deep",
         lambda f: (NB201, H.write_pbz2(f / "f.pickle.pbz2", H.deep_tuple_pickle(1_000_000)))),
        ("pth: list nested 10^6 deep", lambda f: (NB201, H.write_pth(f / "f.pth", H.deep_list_pickle(1_000_000)))),
        ("pbz2 bomb: 1.3 KB -> 1 GiB", lambda f: (NB201, _write(f / "bomb.pickle.pbz2", H.bz2_bomb(1.0)))),
        ("zip bomb: 1 MB -> 1 GiB member", lambda f: (NB201, H.zip_bomb(f / "bomb.pth", 1.0))),
        ("NATS folder with a FIFO as an architecture file", _fifo_folder),
        ("NATS folder with a FIFO as meta.pickle.pbz2", _fifo_meta),
        ("a FIFO as the .pth", lambda f: (NB201, H.fifo(f / "f.pth"))),
        ("a FIFO as the .tfrecord", lambda f: (NB101, H.fifo(f / "f.tfrecord"))),
        ("wrong meta_archs ('file file?' message)",
         lambda f: (NB201, H.write_pth(f / "f.pth", {"meta_archs": ["a"], "arch2infos": {}}))),
        ("tfrecord: hash a list", lambda f: (NB101, _nb101(f, 0, ["a"]))),
        ("tfrecord: adjacency an int", lambda f: (NB101, _nb101(f, 2, 1234))),
        ("tfrecord: ops an int", lambda f: (NB101, _nb101(f, 3, 5))),
        ("tfrecord: epochs 1e300", lambda f: (NB101, _nb101(f, 1, 1e300))),
        ("tfrecord: JSON nested 10^5 deep",
         lambda f: (NB101, H.write_tfrecord(f / "f.tfrecord", [b"[" * 100_000 + b"]" * 100_000]))),
        ("tfrecord: CRC bomb (4,095 tiny records + one of 300 KB)", lambda f: (NB101, H.crc_bomb(f / "f.tfrecord"))),
        ("tfrecord: a record announcing 2^60 bytes",
         lambda f: (NB101, _write(f / "f.tfrecord", _huge_length_record()))),
    ]
    return out


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _nb101(folder: Path, field: int, value) -> Path:
    rec = list(_nb101_fields())
    rec[field] = value
    return H.write_tfrecord(folder / "f.tfrecord", [json.dumps(rec).encode()])


def _huge_length_record() -> bytes:
    import struct

    from nasbench.official._tfrecord import crc32c, mask

    header = struct.pack("<Q", 1 << 60)
    return header + struct.pack("<I", mask(crc32c(header))) + b"x" * 100


def _fifo_folder(folder: Path):
    path = H.write_nats_folder(folder / "NATS-tss-v1_0-3ffb9-simple", copy.deepcopy(_base()))
    os.mkfifo(path / "000007.pickle.pbz2")
    return NB201, path


def _fifo_meta(folder: Path):
    path = folder / "NATS-tss-v1_0-3ffb9-simple"
    path.mkdir()
    os.mkfifo(path / "meta.pickle.pbz2")
    H.write_pbz2(path / "000000.pickle.pbz2", {"200": H.arch_results(0)})
    return NB201, path


def named(rng, folder: Path, k: int):
    what, write = named_cases()[k]
    bench, path = write(folder)
    return bench, path, what


TARGETS = {
    "nb201-pth": nb201_pth,
    "nats-pbz2": nats_pbz2,
    "nats-folder": nats_folder,
    "nb101-tfrecord": nb101_tfrecord,
    "bytes-pth": bytes_pth,
    "bytes-pbz2": bytes_pbz2,
    "bytes-tfrecord": bytes_tfrecord,
    "named": named,
}

__all__ = ["TARGETS", "named_cases"]
