"""Hostile official-format files, generated (never shipped) for the importer fuzz suite.

Every builder writes one file (or folder) into a given folder and returns its path. The
named cases reproduce the bugs of issue 23; :func:`mutants` draws random ones from a seeded
``numpy.random.Generator``: a valid record with one field replaced by a hostile value.
"""
from __future__ import annotations

import base64
import bz2
import copy
import json
import os
import pickle
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from nasbench.official._tfrecord import encode_model_metrics, frame

NB201_DATASETS = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")
EVAL_SETS = {"cifar10-valid": ("x-valid", "ori-test"), "cifar10": ("ori-test",),
             "cifar100": ("x-valid", "x-test", "ori-test"), "ImageNet16-120": ("x-valid", "x-test", "ori-test")}
EPOCHS = 3


# ----- NAS-Bench-201 / NATS records -----------------------------------------------------------
def results_count(dataset: str, seed: int, epochs: int = EPOCHS) -> dict:
    """A small, valid ResultsCount state dict."""
    acc = {f"{s}@{i}": 50.0 + i for s in EVAL_SETS[dataset] for i in range(epochs)}
    return {"name": dataset, "seed": seed, "epochs": epochs, "params": 1.5, "flop": 200.0,
            "latency": [0.02], "train_acc1es": {i: 40.0 + i for i in range(epochs)},
            "train_losses": {i: 1.0 for i in range(epochs)}, "train_times": {i: 2.0 for i in range(epochs)},
            "eval_acc1es": acc, "eval_losses": {k: 0.5 for k in acc}, "eval_times": {k: 0.1 for k in acc}}


def arch_results(index: int, epochs: int = EPOCHS) -> dict:
    """A small, valid ArchResults state dict (seeds 777 and 888 on every dataset)."""
    runs = {(d, s): results_count(d, s, epochs) for d in NB201_DATASETS for s in (777, 888)}
    return {"arch_index": index, "arch_str": "", "all_results": runs,
            "dataset_seed": {d: [777, 888] for d in NB201_DATASETS}}


def meta_archs() -> list[str]:
    from nasbench.spaces import get_space

    space = get_space("nb201")
    return [space.to_str(i) for i in range(space.size)]


def valid_nb201(indexes=(0, 5)) -> dict:
    """The dict a NAS-Bench-201 .pth holds (hp keys 'less' / 'full')."""
    return {"meta_archs": meta_archs(), "evaluated_indexes": set(indexes),
            "arch2infos": {i: {"less": arch_results(i, 2), "full": arch_results(i)} for i in indexes}}


def write_pth(path: Path, obj, *, member: str = "archive/data.pkl", compress: bool = False) -> Path:
    """A torch.save-style zip (one ``archive/data.pkl`` member) of the pickle of ``obj``."""
    data = obj if isinstance(obj, bytes) else pickle.dumps(obj, protocol=2)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as zf:
        zf.writestr(member, data)
    return path


def write_pbz2(path: Path, obj) -> Path:
    data = obj if isinstance(obj, bytes) else pickle.dumps(obj, protocol=4)
    path.write_bytes(bz2.compress(data))
    return path


_META_BYTES: dict[tuple, bytes] = {}


def write_nats_folder(folder: Path, data: dict) -> Path:
    """A NATS fast-mode folder of ``data`` (the .pth dict; hp keys '12' / '200')."""
    folder.mkdir()
    meta = data["meta_archs"]
    key = (len(meta), meta[0], meta[-1]) if isinstance(meta, list) and meta and isinstance(meta[0], str) else None
    if key is None or key not in _META_BYTES:
        blob = bz2.compress(pickle.dumps({"meta_archs": meta, "arch2infos": None, "evaluated_indexes": set(),
                                          "total_archs": 15625}, protocol=4))
        if key is None:
            (folder / "meta.pickle.pbz2").write_bytes(blob)
            blob = None
        else:
            _META_BYTES[key] = blob
    if key is not None:
        (folder / "meta.pickle.pbz2").write_bytes(_META_BYTES[key])
    for index, infos in data["arch2infos"].items():
        hps = {{"less": "12", "full": "200"}.get(k, k): v for k, v in infos.items()} if isinstance(infos, dict) else infos
        write_pbz2(folder / f"{int(index) if isinstance(index, int) else 0:06d}.pickle.pbz2", hps)
    return folder


def _run(data: dict) -> dict:
    return data["arch2infos"][0]["full"]["all_results"][("cifar10-valid", 777)]


def deep_tuple_pickle(depth: int) -> bytes:
    """A pickle of ``{'meta_archs': [...], 'arch2infos': {((((...)))): 1}}``: a dict key nested
    ``depth`` tuples deep (hashing it overflows the C stack at about 10^5 in CPython 3.11)."""
    return b"\x80\x02}q\x00(X\x0a\x00\x00\x00meta_archsq\x01]q\x02X\x0a\x00\x00\x00arch2infosq\x03}q\x04(" \
           + b")" + b"\x85" * depth + b"K\x01u" + b"u."


def deep_list_pickle(depth: int) -> bytes:
    """A pickle of a list nested ``depth`` deep inside ``arch2infos[0]``."""
    return (b"\x80\x02}(X\x0a\x00\x00\x00meta_archs]X\x0a\x00\x00\x00arch2infos}(K\x00"
            + b"]" * depth + b"a" * (depth - 1) + b"uu.")


def bz2_bomb(gib: float = 1.0) -> bytes:
    """Concatenated bz2 streams of zeros decompressing to ``gib`` GiB (a few hundred bytes each)."""
    one = bz2.compress(b"\0" * (1 << 26))  # 64 MiB of zeros -> ~100 bytes
    return one * max(1, int(gib * 16))


def zip_bomb(path: Path, gib: float = 1.0) -> Path:
    """A zip whose single ``archive/data.pkl`` member inflates to ``gib`` GiB of zeros."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(b"\0" * (1 << 24)) + comp.flush(zlib.Z_FULL_FLUSH)
    n = max(1, int(gib * 64))
    tail = comp.compress(b"") + comp.flush()
    raw = block * n + tail
    size = n * (1 << 24)
    crc = 0
    zero = b"\0" * (1 << 24)
    for _ in range(n):
        crc = zlib.crc32(zero, crc)
    name = b"archive/data.pkl"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0, crc, len(raw) & 0xFFFFFFFF,
                        size & 0xFFFFFFFF, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0, crc, len(raw) & 0xFFFFFFFF,
                          size & 0xFFFFFFFF, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(raw), 0)
    path.write_bytes(local + raw + central + end)
    return path


# ----- NAS-Bench-101 TFRecord ----------------------------------------------------------------
NB101_HASH = "ff9713ff8e7d4d6a2ea61994a8bdd447"


def nb101_fields() -> list:
    """A valid record's JSON list (a real graph of data/nb101: its hash matches)."""
    import gzip

    from nasbench.published import published_file

    with gzip.open(published_file("nb101/nb101_records.json.gz"), "rt") as fh:
        recs = json.load(fh)
    h = sorted(recs)[0]
    rec = recs[h]
    evals = [{"current_epoch": e, "training_time": 10.0, "train_accuracy": 0.9, "validation_accuracy": 0.9,
              "test_accuracy": 0.9} for e in (0.0, 54.0, 108.0)]
    metrics = base64.b64encode(encode_model_metrics(evals, rec["trainable_parameters"], 100.0)).decode()
    adjacency = "".join(str(int(v)) for v in np.asarray(rec["module_adjacency"]).ravel())
    return [h, 108, adjacency, ",".join(rec["module_operations"]), metrics]


def write_tfrecord(path: Path, records: list[bytes]) -> Path:
    with open(path, "wb") as fh:
        for data in records:
            fh.write(frame(data))
    return path


def crc_bomb(path: Path, small: int = 4095, big: int = 300_000) -> Path:
    """4,095 tiny records and one of ``big`` bytes: the old batched CRC check allocated
    records x the longest record (about 1.2 GB here) for a file of ~330 KB."""
    return write_tfrecord(path, [b"x"] * small + [b"y" * big])


# ----- random mutants ------------------------------------------------------------------------
HOSTILE_VALUES = (
    "abc", "", -1, -(10**6), 10**12, 10**400, 1e300, -1e300, float("nan"), float("inf"), None, True,
    [1, 2], {"a": 1}, (1, 2), b"\xff", 3.5, frozenset({1}), [[[[]]]],
)


def _paths(obj, prefix=(), depth=0):
    """Every (path, value) of nested dicts/lists of a record (keys included as ('key', k))."""
    yield prefix, obj
    if depth > 8:
        return
    if isinstance(obj, dict):
        for k, v in list(obj.items())[:12]:
            yield (*prefix, ("key", k)), k
            yield from _paths(v, (*prefix, k), depth + 1)
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            yield from _paths(v, (*prefix, i), depth + 1)


def _set(obj, path, value):
    *head, last = path
    for p in head:
        obj = obj[p]
    if isinstance(last, tuple) and last[:1] == ("key",):
        obj[value if _hashable(value) else repr(value)] = obj.pop(last[1])
    else:
        obj[last] = value


def _hashable(v) -> bool:
    try:
        hash(v)
        return True
    except TypeError:
        return False


#: the fields of a ResultsCount the cifar10 import reads
READ_FIELDS = ("epochs", "params", "flop", "latency", "train_acc1es", "train_losses", "train_times",
               "eval_acc1es", "eval_losses")


def nb201_mutant(rng: np.random.Generator, base: dict) -> tuple[dict, str]:
    """A deep copy of ``base`` with one field the cifar10 import reads (a field of a run of
    'cifar10-valid' or 'cifar10', a run key, an index, the meta list) replaced by a hostile
    value; returns (data, description)."""
    data = copy.deepcopy(base)
    sub = data["arch2infos"][0]["full"]
    paths = [(("arch2infos", 0, "full") + p, v) for p, v in _paths(sub)
             if len(p) >= 2 and p[0] == "all_results" and (p[1] in (("cifar10-valid", 777), ("cifar10", 888))
                                                         or p[1][:1] == ("key",))
             and (len(p) == 2 or p[2] in READ_FIELDS or p[2][:1] == ("key",))]
    paths += [(("arch2infos", ("key", 0)), 0), (("meta_archs",), None), (("arch2infos",), None),
              (("arch2infos", 0), None)]
    path, _ = paths[int(rng.integers(len(paths)))]
    value = HOSTILE_VALUES[int(rng.integers(len(HOSTILE_VALUES)))]
    _set(data, path, value)
    return data, f"{'/'.join(map(str, path))} = {value!r}"[:200]


def nb101_mutant(rng: np.random.Generator, fields: list) -> tuple[bytes, str]:
    """One record with one of its 5 fields (or the base64 metrics' bytes) made hostile."""
    rec = list(fields)
    k = int(rng.integers(7))
    if k < 5:
        value = HOSTILE_VALUES[int(rng.integers(len(HOSTILE_VALUES)))]
        if isinstance(value, (bytes, frozenset, tuple)) or (isinstance(value, float) and not np.isfinite(value)):
            value = str(value)
        if isinstance(value, int) and abs(value) > 10**300:
            value = 10**30
        rec[k] = value
        return json.dumps(rec).encode(), f"field {k} = {value!r}"[:200]
    if k == 5:  # random bytes inside the metrics protobuf
        raw = bytearray(base64.b64decode(rec[4]))
        for _ in range(int(rng.integers(1, 6))):
            raw[int(rng.integers(len(raw)))] = int(rng.integers(256))
        rec[4] = base64.b64encode(bytes(raw)).decode()
        return json.dumps(rec).encode(), "metrics bytes flipped"
    depth = int(rng.integers(1000, 200_000))
    return ("[" * depth + "]" * depth).encode(), f"JSON nested {depth} deep"


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


__all__ = ["arch_results", "bz2_bomb", "crc_bomb", "deep_list_pickle", "deep_tuple_pickle", "fifo",
           "nb101_fields", "nb101_mutant", "nb201_mutant", "valid_nb201", "write_nats_folder",
           "write_pbz2", "write_pth", "write_tfrecord", "zip_bomb"]
