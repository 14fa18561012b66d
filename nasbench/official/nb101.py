"""Importer of the official NAS-Bench-101 files (``nasbench import nb101/cifar10 --from FILE``).

``nasbench_only108.tfrecord`` (423,624 graphs x 3 repeats at 108 epochs, ~499 MB) and
``nasbench_full.tfrecord`` (the same at 4, 12, 36 and 108 epochs, ~1.95 GB) are TFRecord files
(:mod:`nasbench.official._tfrecord` reads them without TensorFlow). Each record is the JSON
list ``[module_hash, epochs, raw_adjacency, raw_operations, raw_metrics]``: the adjacency as
a string of V*V digits, the ops comma-separated, ``raw_metrics`` the base64 of a serialized
``ModelMetrics`` whose ``evaluation_data`` are the evaluations at the start, halfway and end
of the run (the official API reads [1] as halfway and [2] as final; so does this importer).

The file is streamed (bounded memory: the per-graph arrays only) with every CRC checked. The
graph of every 100th new hash (and the first 1,000) is pruned and re-hashed and must equal
the record's key (a mismatch is a TableIntegrityError). Replicate k of a graph at a budget is
its k-th record in file order (the official API's repeat index). Zero-cost proxies and FLOPs
of the NAS-Bench-Suite-Zero graphs (``data/``) are added as ``zc_<proxy>`` / ``flops`` where
the file has the graph.

Where the table lives: ``NASBENCH_HOME/imported/nb101__cifar10.h5`` (plus its derived graph
cache); the importer then refreshes the cached table ``NASBENCH_HOME/nb101__cifar10.h5`` from
it (a hard link or a copy), so ``nasbench.load("nb101/cifar10")`` uses it from then on, and
every rebuild of the benchmark prefers it over the ``data/`` subset (see
:mod:`nasbench.recipes.nb101`). ``nasbench import nb101/cifar10`` (no ``--from``) removes it and
goes back to the subset (:func:`nasbench.official.forget_official_import`). The table's
``sources`` name the file and its sha256; ``nasbench info`` lists no missing source for it
(the subset table lists the official file as not included).
"""
from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from nasbench.catalog import get_info
from nasbench.errors import MissingSourceError, TableIntegrityError, UnknownBenchmarkError
from nasbench.official._schema import FLOAT32_MAX, MAX_EPOCHS, Fields, echo
from nasbench.official._tfrecord import CorruptRecordError, decode_model_metrics, read_records
from nasbench.spaces.nb101 import check_graph, format_spec, spec_hash, to_padded

FIELDS = ("validation_accuracy", "test_accuracy", "train_accuracy", "training_time")
NAMES = ("valid_acc", "test_acc", "train_acc", "train_time")
REPLICATES = 3
#: longest record accepted (official records are about 1 KB)
MAX_RECORD = 1 << 20
#: most JSON brackets a record may hold (one flat list has 1): bounds the parser's nesting
MAX_BRACKETS = 64
_HEX = frozenset("0123456789abcdef")
VERIFY_FIRST = 1000
VERIFY_EVERY = 100


class _Grow:
    """A float array ``[rows, *shape]`` that grows by doubling (NaN-filled)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.data = np.full((1024, *shape), np.nan, dtype=np.float64)

    def ensure(self, rows: int) -> None:
        if rows > len(self.data):
            new = np.full((max(rows, 2 * len(self.data)), *self.data.shape[1:]), np.nan)
            new[: len(self.data)] = self.data
            self.data = new


def _say(progress, text: str) -> None:
    message = getattr(progress, "message", None)
    if callable(message):
        message(text)


def import_nb101(name: str, source: Path, progress=None) -> Path:
    """Import an official NB101 TFRecord file as the table of ``name`` (``nb101/cifar10``);
    returns the path of the benchmark's cached table (see the module docstring)."""
    if name != "nb101/cifar10":
        raise UnknownBenchmarkError(
            f"the official NAS-Bench-101 files hold CIFAR-10 only; import them as 'nb101/cifar10', not '{name}'"
        )
    info = get_info(name)
    source = Path(source).expanduser()
    if not source.is_file():
        raise MissingSourceError(
            f"{source} does not exist; download nasbench_only108.tfrecord (or nasbench_full.tfrecord) from "
            "https://github.com/google-research/nasbench and pass its path to --from"
        )
    table = read_official(source, progress)
    return write_imported(info, source, table, progress)


def read_official(source: Path, progress=None) -> dict:
    """Stream ``source`` into per-graph arrays: ``{"hashes", "specs", "decisions", "params",
    "epochs": {e: {name: [n, 3], name_half: [n, 3]}}, "records", "sha256", "seconds"}``."""
    t0 = time.perf_counter()
    digest = hashlib.sha256()
    row_of: dict[str, int] = {}
    specs: list[str] = []
    decisions: list[np.ndarray] = []
    params = _Grow(())
    per_epoch: dict[int, dict[str, _Grow]] = {}
    counts: dict[int, _Grow] = {}
    n_records = 0
    for offset, data in read_records(source, on_bytes=digest.update, max_record=MAX_RECORD):
        module_hash, epochs, raw_adjacency, raw_operations, metrics = parse_record(data, offset, source)
        row = row_of.get(module_hash)
        if row is None:
            row = row_of[module_hash] = len(specs)
            dim = len(raw_operations)
            try:
                matrix = (np.frombuffer(raw_adjacency.encode(), dtype=np.uint8) - ord("0")).reshape(dim, dim)
                matrix, ops = check_graph(matrix, raw_operations)
            except ValueError as exc:
                raise CorruptRecordError(f"{source}: record at byte {offset}: bad graph ({exc})") from None
            if row < VERIFY_FIRST or row % VERIFY_EVERY == 0:
                if spec_hash(matrix, ops) != module_hash:
                    raise TableIntegrityError(
                        f"{source}: record at byte {offset} has key {module_hash} but its graph hashes to "
                        f"{spec_hash(matrix, ops)} (official graph_util.hash_module); not an NB101 file?"
                    )
            specs.append(format_spec(matrix, ops))
            decisions.append(to_padded(matrix, ops).astype(np.int8))
            params.ensure(row + 1)
            params.data[row] = metrics["trainable_parameters"] if metrics["trainable_parameters"] is not None else np.nan
        if epochs not in per_epoch:
            per_epoch[epochs] = {n + s: _Grow((REPLICATES,)) for n in NAMES for s in ("", "_half")}
            counts[epochs] = _Grow(())
        cols, count = per_epoch[epochs], counts[epochs]
        count.ensure(row + 1)
        k = 0 if np.isnan(count.data[row]) else int(count.data[row])
        if k >= REPLICATES:
            raise CorruptRecordError(
                f"{source}: record at byte {offset} is repeat {k + 1} of {module_hash} at {epochs} epochs; "
                f"NAS-Bench-101 has {REPLICATES}"
            )
        count.data[row] = k + 1
        evals = metrics["evaluation_data"]
        for name, field in zip(NAMES, FIELDS):
            scale = 100.0 if field.endswith("accuracy") else 1.0
            for suffix, ev in (("", evals[2]), ("_half", evals[1])):
                grow = cols[name + suffix]
                grow.ensure(row + 1)
                grow.data[row, k] = ev[field] * scale
        n_records += 1
        if n_records % 100_000 == 0:
            _say(progress, f"{n_records:,} records, {len(specs):,} graphs, {time.perf_counter() - t0:.0f} s")
    if not specs:
        raise CorruptRecordError(f"{source}: no records; is it a NAS-Bench-101 .tfrecord file?")
    n = len(specs)
    hashes = list(row_of)
    return {
        "hashes": hashes, "specs": specs, "decisions": np.stack(decisions), "params": params.data[:n],
        "epochs": {e: {k: g.data[:n] for k, g in cols.items()} for e, cols in per_epoch.items()},
        "records": n_records, "sha256": digest.hexdigest(), "seconds": time.perf_counter() - t0,
    }


def parse_record(data: bytes, offset: int, source: Path) -> tuple[str, int, str, list[str], dict]:
    """The typed fields of one record: ``(module_hash, epochs, adjacency digits, ops, metrics)``.

    Parameters
    ----------
    data : bytes
        The record's data: the JSON list ``[module_hash, epochs, raw_adjacency,
        raw_operations, raw_metrics]``.
    offset : int
        Its byte offset in the file (for messages).
    source : Path
        The file (for messages).

    Returns
    -------
    tuple
        ``module_hash`` (32 hex digits), ``epochs`` (1 .. MAX_EPOCHS), ``raw_adjacency`` (V*V
        digits 0/1, V = number of ops, 2 .. 7), ``ops`` (list of V names), the decoded metrics.

    Raises
    ------
    ImportFieldError
        A field of the wrong type or outside its range (named, with what is allowed).
    CorruptRecordError
        The record is not a flat JSON list of five fields, or its metrics do not decode.
    """
    fields = Fields(f"{source}: record at byte {offset}")
    head = "is not a NAS-Bench-101 record ([module_hash, epochs, raw_adjacency, raw_operations, raw_metrics])"
    if data.count(b"[") + data.count(b"{") > MAX_BRACKETS:  # bounds the JSON parser's recursion
        raise CorruptRecordError(f"{fields.source} {head}: JSON with more than {MAX_BRACKETS} brackets "
                                 f"(nested data; a record is one flat list)")
    try:
        record = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise CorruptRecordError(f"{fields.source} {head}: {str(exc)[:100]}") from None
    if not isinstance(record, list) or len(record) != 5:
        raise CorruptRecordError(f"{fields.source} {head}: got {echo(record)}")
    module_hash, epochs, adjacency, operations, raw_metrics = record
    module_hash = fields.text(module_hash, "module_hash", 32)
    if len(module_hash) != 32 or not set(module_hash) <= _HEX:
        raise fields.fail("module_hash", "32 lowercase hex digits (graph_util.hash_module)", module_hash)
    epochs = fields.integer(epochs, "epochs", 1, MAX_EPOCHS)
    ops = fields.text(operations, "raw_operations", 200).split(",")
    if not 2 <= len(ops) <= 7:
        raise fields.fail("raw_operations", "2 .. 7 comma-separated operation names", operations)
    adjacency = fields.text(adjacency, "raw_adjacency", 49)
    if len(adjacency) != len(ops) ** 2 or not set(adjacency) <= {"0", "1"}:
        raise fields.fail("raw_adjacency", f"{len(ops) ** 2} digits 0/1 (a {len(ops)}x{len(ops)} matrix, one "
                                           f"row per operation)", adjacency)
    raw_metrics = fields.text(raw_metrics, "raw_metrics", MAX_RECORD)
    try:
        metrics = decode_model_metrics(base64.b64decode(raw_metrics, validate=True))
    except (ValueError, TypeError) as exc:
        raise CorruptRecordError(f"{fields.source} {head}: raw_metrics does not decode ({exc})") from None
    params = metrics["trainable_parameters"]
    if params is not None:
        fields.integer(params, "trainable_parameters", 0, 2**31 - 1)
    evals = metrics["evaluation_data"]
    if len(evals) < 3:
        raise CorruptRecordError(
            f"{fields.source} has {len(evals)} evaluations; NB101 records have 3 (start, halfway, end)"
        )
    for k in (1, 2):
        for name in FIELDS:  # accuracies are fractions 0 .. 1, times seconds >= 0; NaN: not measured
            fields.number(evals[k][name], f"evaluation_data[{k}].{name}", lo=0.0,
                          hi=1.0 if name.endswith("accuracy") else FLOAT32_MAX)
    return module_hash, epochs, adjacency, ops, metrics


def write_imported(info, source: Path, data: dict, progress=None) -> Path:
    """Write the imported table, refresh the benchmark's cached copy, return its path."""
    from nasbench.benchmark import table_path
    from nasbench.recipes import nb101 as recipe
    from nasbench.recipes._common import published_record
    from nasbench.spaces import get_space
    from nasbench.table_writer import MetricColumn, SourceRecord

    order = np.argsort(np.asarray(data["hashes"], dtype="S32"), kind="stable")
    hashes = [data["hashes"][i] for i in order]
    specs = [data["specs"][i] for i in order]
    epochs = sorted(data["epochs"])
    fidelities = np.array(epochs, dtype=np.float64)
    arrays = {}
    for name in data["epochs"][epochs[0]]:
        arrays[name] = np.stack([data["epochs"][e][name][order] for e in epochs], axis=2)
    origin = f"official NAS-Bench-101 file {source.name} (sha256 {data['sha256'][:12]}...)"
    metrics = recipe.run_columns(arrays, origin, fidelities)
    metrics["params"] = MetricColumn((data["params"][order] / 1e6).reshape(-1, 1, 1), "size", "M",
                                     "trainable parameters (millions)", origin)
    groups = recipe.read_suite_zero()
    zc, covered = recipe.suite_zero_columns(hashes, groups)
    metrics.update(zc)
    missing = []
    if covered < len(groups):
        missing.append({"source": f"NAS-Bench-Suite-Zero graphs absent from {source.name}",
                        "how": f"{len(groups) - covered} of its {len(groups)} graphs are not in the file; "
                               "their proxies are left out"})
    sources = [
        SourceRecord(name=f"official NAS-Bench-101 tfrecord {source.name}", origin=str(source),
                     license="Apache-2.0 (google-research/nasbench)", sha256=data["sha256"], path=source.name),
        published_record(recipe.SUITE_ZERO, "NAS-Bench-Suite-Zero NB101 proxies"),
    ]
    n = len(hashes)
    notes = (
        f"imported from the official file {source.name} ({data['records']:,} records, {n:,} graphs, "
        f"budgets {', '.join(str(e) for e in epochs)} epochs; sha256 {data['sha256']}). "
        f"Zero-cost proxies from NAS-Bench-Suite-Zero for {covered} graphs."
    )
    imported = recipe.imported_table_path(info)
    recipe.write_nb101(info, imported, hashes=hashes, specs=specs, fidelities=fidelities, metrics=metrics,
                       sources=sources, notes=notes, missing_optional=missing,
                       decisions=data["decisions"][order])
    _say(progress, f"{n:,} graphs from {data['records']:,} records in {data['seconds']:.1f} s -> {imported}")
    out = recipe.build(info, table_path(info.name))
    get_space.cache_clear()  # get_space("nb101") is the space of the table just replaced
    return out
