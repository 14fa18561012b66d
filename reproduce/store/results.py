"""The result store: one atomically written JSON file per run, and tidy tables over a folder.

Layout::

    DIR/<benchmark, '/' -> '__'>/<strategy>-<config_key>/seed-<seed:05d>.json

``config_key`` (:meth:`RunSpec.config_key`) hashes everything but the seed, so the runs of
one configuration share a folder. A file holds the :class:`RunSpec` fields, ``config_key``,
the run's protocol dict, ``stopped``, and the trajectory columns as lists (NaN as ``null``,
infinities as ``"inf"``/``"-inf"``) with their numpy dtypes, so a trajectory read back equals
the one computed, bit for bit (JSON floats are written with Python's shortest round-trip repr).

A run that failed leaves ``seed-<seed:05d>.error.json`` (the spec and the error) instead;
it is never read as a result and is removed once the run succeeds.

Files are written with :mod:`nasbench.atomic` (temporary file, fsync, rename), so a reader
sees either nothing or a whole file. A kill -9 can leave a temporary file
``.seed-<seed:05d>.json.<random>.tmp``: readers ignore it and :func:`clean_temp_files`
removes it. A file that does not parse (say, truncated by hand) counts as missing:
:func:`pending` returns its spec again and the rerun overwrites it.

A finished run records the table it was evaluated on (``protocol.table_source``: recipe and
the sha256 of the table's sources). ``config_key`` leaves it out, so a rebuilt or swapped
table (``nasbench import NAME --from FILE``, a ``user:`` table built again) lands in the same
folders: :func:`pending` refuses to resume over runs of another table
(:class:`~nasbench.errors.TableSourceChangedError`). Files without it (older versions) resume.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import nasbench
from nasbench.atomic import write_text_atomic
from nasbench.errors import NasbenchError, TableSourceChangedError
from nasbench.evaluator import table_source
from reproduce.store.jsonio import plain
from strategies.loop import TRAJECTORY_COLUMNS, Trajectory
from strategies.moloop import MO_EXTRA_COLUMNS
from strategies.runner import RunSpec

if TYPE_CHECKING:  # pandas is imported only when a table is asked for
    import pandas as pd

FORMAT = "nasbench-run/1"
_RESULT_RE = re.compile(r"^seed-(\d+)\.json$")
_TEMP_RE = re.compile(r"^\.seed-\d+\.json\..+\.tmp$")
_SPEC_FIELDS = tuple(f.name for f in fields(RunSpec))
#: fields every result file must hold; fields with defaults (added over time, e.g. constraint)
#: may be absent from older files and read as their defaults (config_key ignores them when unset)
_REQUIRED_SPEC_FIELDS = tuple(f.name for f in fields(RunSpec) if f.default is MISSING and f.default_factory is MISSING)
#: per-run columns of :func:`load_results` / :func:`load_final`, before the trajectory columns
META_COLUMNS = ("benchmark", "strategy", "config", "config_key", "hyperparameters", "seed", "signal", "noise", "budget",
                "workers", "constraint")


class ResultFileError(NasbenchError):
    """A result file that is missing, truncated, or not a result of this format."""


# ----- paths -----------------------------------------------------------------------------------
def run_dir(out_dir: str | Path, spec: RunSpec) -> Path:
    """Folder of the runs sharing ``spec``'s configuration.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    spec : strategies.RunSpec
        The run.

    Returns
    -------
    pathlib.Path
        ``out_dir/<benchmark, '/' -> '__'>/<strategy>-<config_key>`` (not created).
    """
    return Path(out_dir) / spec.benchmark.replace("/", "__") / f"{spec.strategy}-{spec.config_key()}"


def _seed_stem(seed: int) -> str:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise NasbenchError(f"a seed is a non-negative integer, got {seed!r}")
    return f"seed-{int(seed):05d}"


def result_path(out_dir: str | Path, spec: RunSpec) -> Path:
    """Where the result of ``spec`` is stored.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    spec : strategies.RunSpec
        The run.

    Returns
    -------
    pathlib.Path
        ``run_dir(out_dir, spec)/seed-<seed:05d>.json`` (it may not exist).

    Raises
    ------
    NasbenchError
        ``spec.seed`` is not a non-negative integer.
    """
    return run_dir(out_dir, spec) / f"{_seed_stem(spec.seed)}.json"


def error_path(out_dir: str | Path, spec: RunSpec) -> Path:
    """Where the failure record of ``spec`` is stored (absent unless its last attempt failed).

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    spec : strategies.RunSpec
        The run.

    Returns
    -------
    pathlib.Path
        ``run_dir(out_dir, spec)/seed-<seed:05d>.error.json``.

    Raises
    ------
    NasbenchError
        ``spec.seed`` is not a non-negative integer.
    """
    return run_dir(out_dir, spec) / f"{_seed_stem(spec.seed)}.error.json"


# ----- encoding --------------------------------------------------------------------------------
def _encode_column(values: np.ndarray) -> list:
    if values.dtype.kind == "f":
        return plain(values.tolist(), "tagged")
    return values.tolist()


def _decode_column(values: list, dtype: str) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "f":  # float() reads the "inf"/"-inf" tags of jsonio.plain(..., "tagged"); null is NaN
        return np.array([math.nan if v is None else float(v) for v in values], dtype=dt)
    return np.array(values, dtype=dt)


def spec_fields(spec: RunSpec) -> dict:
    """The RunSpec as a JSON-ready dict."""
    return plain(asdict(spec), "tagged")


def to_payload(spec: RunSpec, trajectory: Trajectory) -> dict:
    """The JSON document of one finished run.

    Parameters
    ----------
    spec : strategies.RunSpec
        The run.
    trajectory : strategies.loop.Trajectory
        What it returned.

    Returns
    -------
    dict
        ``format``, the spec's fields, ``config_key``, ``protocol``, ``stopped``, ``n_steps``,
        ``dtypes`` and ``columns`` (lists; floats with NaN as None and infinities tagged), all
        plain JSON types.
    """
    columns = trajectory.columns
    return {
        "format": FORMAT,
        **spec_fields(spec),
        "config_key": spec.config_key(),
        "protocol": plain(trajectory.protocol, "tagged"),
        "stopped": trajectory.stopped,
        "n_steps": len(trajectory),
        "dtypes": {k: str(v.dtype) for k, v in columns.items()},
        "columns": {k: _encode_column(v) for k, v in columns.items()},
    }


def encode_result(spec: RunSpec, trajectory: Trajectory) -> str:
    """The text of the result file of one finished run (strict JSON, one line).

    Parameters
    ----------
    spec : strategies.RunSpec
        The run.
    trajectory : strategies.loop.Trajectory
        What it returned.

    Returns
    -------
    str
        The JSON of :func:`to_payload`, compact, ending with a newline.
    """
    return json.dumps(to_payload(spec, trajectory), allow_nan=False, separators=(",", ":")) + "\n"


def write_encoded(out_dir: str | Path, spec: RunSpec, text: str) -> Path:
    """Write an :func:`encode_result` text atomically as the result of ``spec``; returns its path.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    spec : strategies.RunSpec
        The run the text is the result of.
    text : str
        The file's text (:func:`encode_result`).

    Returns
    -------
    pathlib.Path
        The result file (:func:`result_path`); the run's error file, if any, is removed.

    Raises
    ------
    OSError
        The file cannot be written.
    """
    path = result_path(out_dir, spec)
    write_text_atomic(path, text)
    error_path(out_dir, spec).unlink(missing_ok=True)
    return path


def write_result(out_dir: str | Path, spec: RunSpec, trajectory: Trajectory) -> Path:
    """Write the result of ``spec`` atomically (replacing any earlier file); returns its path.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    spec : strategies.RunSpec
        The run.
    trajectory : strategies.loop.Trajectory
        What it returned.

    Returns
    -------
    pathlib.Path
        The result file (:func:`result_path`).

    Raises
    ------
    OSError
        The file cannot be written.
    """
    return write_encoded(out_dir, spec, encode_result(spec, trajectory))


def write_failure(out_dir: str | Path, spec: RunSpec, error: str, traceback: str = "") -> Path:
    """Record that ``spec`` failed with ``error`` (a retry overwrites or removes it).

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    spec : strategies.RunSpec
        The run that failed.
    error : str
        The error, one line (``"Type: message"``).
    traceback : str
        The formatted traceback; default empty.

    Returns
    -------
    pathlib.Path
        The error file (:func:`error_path`).
    """
    path = error_path(out_dir, spec)
    doc = {"format": FORMAT + "-error", **spec_fields(spec), "config_key": spec.config_key(),
           "error": error, "traceback": traceback}
    write_text_atomic(path, json.dumps(doc, allow_nan=False, indent=1) + "\n")
    return path


# ----- decoding --------------------------------------------------------------------------------
def read_result(path: str | Path) -> dict:
    """Parse and check one result file; ResultFileError if it is not a whole result.

    Parameters
    ----------
    path : str or pathlib.Path
        A result file.

    Returns
    -------
    dict
        The document (see :func:`to_payload`), checked to hold every required field and columns of
        ``n_steps`` values each.

    Raises
    ------
    ResultFileError
        The file is missing, does not parse, is not of :data:`FORMAT` or is incomplete.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultFileError(f"no result file {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultFileError(f"result file {path} does not parse ({exc}); rerun the sweep to redo it") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ResultFileError(f"{path} is not a '{FORMAT}' result file")
    try:
        n = int(doc["n_steps"])
        columns, dtypes = doc["columns"], doc["dtypes"]
        missing = [k for k in (*_REQUIRED_SPEC_FIELDS, "config_key", "protocol", "stopped") if k not in doc]
        ok = isinstance(columns, dict) and isinstance(dtypes, dict) and columns.keys() == dtypes.keys()
        ok = ok and all(isinstance(c, list) and len(c) == n for c in columns.values())
    except (KeyError, TypeError, ValueError):
        missing, ok = ["n_steps/columns/dtypes"], False
    if missing or not ok:
        raise ResultFileError(f"result file {path} is incomplete ({', '.join(missing) or 'columns'}); rerun the sweep to redo it")
    return doc


def payload_spec(doc: dict) -> RunSpec:
    """The RunSpec stored in a result document.

    Parameters
    ----------
    doc : dict
        A result document (:func:`read_result`).

    Returns
    -------
    strategies.RunSpec
        The spec (fields absent from older files take their defaults).
    """
    spec = RunSpec(**{k: doc[k] for k in _SPEC_FIELDS if k in doc})
    if isinstance(spec.objectives, list):  # JSON has no tuples
        spec = dataclasses.replace(spec, objectives=tuple(spec.objectives))
    return spec


def payload_trajectory(doc: dict) -> Trajectory:
    """The Trajectory stored in a result document (columns with their original dtypes).

    Parameters
    ----------
    doc : dict
        A result document (:func:`read_result`).

    Returns
    -------
    strategies.loop.Trajectory
        Its columns (NaN and infinities restored), protocol and ``stopped``.
    """
    columns = {k: _decode_column(v, doc["dtypes"][k]) for k, v in doc["columns"].items()}
    return Trajectory(columns, dict(doc["protocol"]), doc["stopped"])


def read_run(path: str | Path) -> tuple[RunSpec, Trajectory]:
    """(spec, trajectory) of one result file.

    Parameters
    ----------
    path : str or pathlib.Path
        A result file.

    Returns
    -------
    spec : strategies.RunSpec
        The run.
    trajectory : strategies.loop.Trajectory
        Its stored trajectory.

    Raises
    ------
    ResultFileError
        The file is missing, does not parse or is incomplete.
    """
    doc = read_result(path)
    return payload_spec(doc), payload_trajectory(doc)


def read_specs(specs: Iterable[RunSpec], out_dir: str | Path, missing: list | None = None):
    """``(spec, trajectory, path)`` of each spec's stored run; a spec without a readable result file
    raises ResultFileError, or is appended to ``missing`` (when given) and skipped.

    Parameters
    ----------
    specs : iterable of strategies.RunSpec
        The runs to read.
    out_dir : str or pathlib.Path
        The results folder.
    missing : list, optional
        When given, specs without a readable result are appended to it and skipped; None (default)
        raises instead.

    Yields
    ------
    tuple of (strategies.RunSpec, strategies.loop.Trajectory, pathlib.Path)
        Each readable run's spec, trajectory and file, in the order of ``specs``.

    Raises
    ------
    ResultFileError
        A spec has no readable result file and ``missing`` is None.
    """
    for spec in specs:
        path = result_path(out_dir, spec)
        try:
            _, traj = read_run(path)
        except ResultFileError:
            if missing is None:
                raise
            missing.append(spec)
            continue
        yield spec, traj, path


def _finished_doc(out_dir: str | Path, spec: RunSpec, config_key: str) -> dict | None:
    """The stored result of ``spec`` when whole and of this very seed and configuration."""
    try:
        doc = read_result(result_path(out_dir, spec))
    except ResultFileError:
        return None
    return doc if doc["seed"] == spec.seed and doc["config_key"] == config_key else None


def is_finished(out_dir: str | Path, spec: RunSpec) -> bool:
    """Whether ``spec`` has a whole, parseable result file for this very seed and configuration.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    spec : strategies.RunSpec
        The run.

    Returns
    -------
    bool
        True when the result file parses, is whole and records ``spec``'s seed and configuration.
    """
    return _finished_doc(out_dir, spec, spec.config_key()) is not None


def current_table_source(benchmark: str) -> str:
    """The ``table_source`` a run on ``benchmark`` records now (loads the benchmark).

    Parameters
    ----------
    benchmark : str
        A benchmark name (``nb201/cifar10``).

    Returns
    -------
    str
        The table's recipe and the sha256 of its sources, as runs record it.
    """
    return table_source(nasbench.load(benchmark))


def _short_source(source: str) -> str:
    """``recipe vN, sha256 1234abcd/...``: a table source with 8-character digests."""
    digests = re.findall(r"sha256 ([0-9A-Fa-f?]+)", source)
    head = source.split(" (", 1)[0]
    return f"{head}, sha256 {'/'.join(d[:8] for d in digests)}" if digests else head


def _table_changed_error(out_dir: str | Path, changed: dict[str, tuple[int, str, str]]) -> TableSourceChangedError:
    """One message for every benchmark whose stored runs have another table source than now."""
    parts = []
    for bench, (n, stored, now) in changed.items():
        folder = Path(out_dir) / bench.replace("/", "__")
        was, is_ = _short_source(stored), _short_source(now)
        if was == is_:  # the digests differ past their prefixes, or only the names do
            was, is_ = stored, now
        parts.append(f"{folder} holds {n} run(s) of '{bench}' computed on another table "
                     f"(stored: {was}; now: {is_}); delete {folder} to rerun them on the current table")
    return TableSourceChangedError(
        f"cannot resume: {'; '.join(parts)}, or write into a new results folder (another --out). "
        "Resuming would mix runs on two different tables"
    )


def pending(specs: Iterable[RunSpec], out_dir: str | Path) -> list[RunSpec]:
    """The specs (in order, without duplicates) that have no finished, parseable result file.

    Raises :class:`~nasbench.errors.TableSourceChangedError` when a finished result records a
    ``table_source`` other than that of its benchmark as loaded now (computed once per
    benchmark, only when a stored result records one).

    Parameters
    ----------
    specs : iterable of strategies.RunSpec
        The runs asked for.
    out_dir : str or pathlib.Path
        The results folder.

    Returns
    -------
    list of strategies.RunSpec
        The specs still to run, in first-occurrence order.

    Raises
    ------
    nasbench.errors.TableSourceChangedError
        Finished runs under ``out_dir`` were computed on another table than the one loaded now.
    """
    out, seen = [], set()
    now: dict[str, str] = {}
    changed: dict[str, tuple[int, str, str]] = {}
    for spec in specs:
        config_key = spec.config_key()
        key = (config_key, spec.benchmark, spec.strategy, spec.seed)
        if key in seen:
            continue
        seen.add(key)
        doc = _finished_doc(out_dir, spec, config_key)
        if doc is None:
            out.append(spec)
            continue
        stored = (doc.get("protocol") or {}).get("table_source")
        if stored is None:  # written before results recorded their table
            continue
        if spec.benchmark not in now:
            now[spec.benchmark] = current_table_source(spec.benchmark)
        if stored != now[spec.benchmark]:
            n, first, _ = changed.get(spec.benchmark, (0, str(stored), ""))
            changed[spec.benchmark] = (n + 1, first, now[spec.benchmark])
    if changed:
        raise _table_changed_error(out_dir, changed)
    return out


def clean_temp_files(dirs: Iterable[str | Path]) -> int:
    """Remove temporary files a killed writer left in ``dirs``; returns how many.

    Only call it while no other process writes into these folders (the sweep holds a lock).

    Parameters
    ----------
    dirs : iterable of str or pathlib.Path
        Run folders (:func:`run_dir`); those that do not exist are ignored.

    Returns
    -------
    int
        Number of temporary files removed.
    """
    removed = 0
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            continue
        for p in d.iterdir():
            if _TEMP_RE.match(p.name):
                p.unlink(missing_ok=True)
                removed += 1
    return removed


# ----- tables ----------------------------------------------------------------------------------
def result_files(out_dir: str | Path) -> list[Path]:
    """Every result file under ``out_dir`` (temporary and error files excluded), in a stable order.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.

    Returns
    -------
    list of pathlib.Path
        The ``seed-*.json`` files two levels below ``out_dir`` (hidden folders skipped), sorted by
        benchmark folder, run folder and seed.

    Raises
    ------
    NasbenchError
        ``out_dir`` is not a folder.
    """
    root = Path(out_dir)
    if not root.is_dir():
        raise NasbenchError(f"no results folder {root}; run `nasbench run ... --out {root}` first")
    found = []
    for bench_dir in root.iterdir():
        if not bench_dir.is_dir() or bench_dir.name.startswith("."):
            continue
        for rdir in bench_dir.iterdir():
            if not rdir.is_dir() or rdir.name.startswith("."):
                continue
            for p in rdir.iterdir():
                m = _RESULT_RE.match(p.name)
                if m:
                    found.append((bench_dir.name, rdir.name, int(m.group(1)), p))
    return [p for *_, p in sorted(found)]


class BadResultFilesError(NasbenchError):
    """Result files under a folder that cannot be read or validated (each one named)."""


@dataclass(frozen=True)
class BadFile:
    """A result file left out of a report, and why.

    Parameters
    ----------
    path : pathlib.Path
        The result file.
    reason : str
        Why it cannot be used (does not parse, incomplete, misplaced, a duplicate seed).
    """

    path: Path
    reason: str


@dataclass
class FolderRuns:
    """The validated result documents under a results folder, and the files that were skipped.

    Parameters
    ----------
    out_dir : pathlib.Path
        The results folder.
    docs : list of dict
        The validated result documents.
    paths : list of pathlib.Path
        The file of each document (same order as ``docs``).
    bad : list of BadFile
        The files left out, with their reasons.
    """

    out_dir: Path
    docs: list[dict]
    paths: list[Path]
    bad: list[BadFile]

    def skipped_note(self) -> str | None:
        """One line for notes and stderr when files were skipped (None when none were)."""
        if not self.bad:
            return None
        shown = "; ".join(f"{b.path}: {b.reason}" for b in self.bad[:5])
        more = f"; and {len(self.bad) - 5} more" if len(self.bad) > 5 else ""
        return (f"skipped {len(self.bad)} unreadable or invalid result file(s) (--skip-bad): {shown}{more}; "
                f"the numbers use the other {len(self.docs)} run(s)")


ON_BAD = ("error", "skip")


def _check_placement(path: Path, doc: dict) -> str | None:
    """Why a whole result file does not belong where it lies (None when it does): its name must
    carry its own seed, its folders its benchmark and configuration."""
    m = _RESULT_RE.match(path.name)
    if m is None or int(m.group(1)) != doc["seed"]:
        return (f"its name says seed {int(m.group(1)) if m else '?'} but its content says seed {doc['seed']}"
                " (a renamed or copied file)")
    expected_dir = f"{doc['strategy']}-{doc['config_key']}"
    if path.parent.name != expected_dir:
        return (f"it lies in {path.parent.name}/ but its content is configuration {doc['config_key']} of "
                f"{doc['strategy']} (expected folder {expected_dir}/: a moved or copied file)")
    if path.parent.parent.name != str(doc["benchmark"]).replace("/", "__"):
        return f"it lies under {path.parent.parent.name}/ but its content is a run on {doc['benchmark']}"
    return None


def _validated(path: Path) -> dict:
    """The result document at ``path``; ResultFileError when it is not a whole, well-placed result."""
    doc = read_result(path)
    if isinstance(doc.get("seed"), bool) or not isinstance(doc.get("seed"), int) or doc["seed"] < 0:
        raise ResultFileError(f"result file {path} has no valid seed ({doc.get('seed')!r})")
    for key in ("benchmark", "strategy", "config_key", "budget"):
        if not isinstance(doc.get(key), str):
            raise ResultFileError(f"result file {path}: '{key}' must be a string, got {doc.get(key)!r}")
    if not isinstance(doc.get("protocol"), dict):
        raise ResultFileError(f"result file {path}: 'protocol' must be an object")
    needed = (*TRAJECTORY_COLUMNS, *(MO_EXTRA_COLUMNS if doc.get("objectives") else ()))
    lacking = [c for c in needed if c not in doc["columns"]]
    if lacking:
        raise ResultFileError(f"result file {path} lacks trajectory column(s) {', '.join(lacking)}; rerun the sweep "
                              "to redo it")
    return doc


def read_folder(out_dir: str | Path, on_bad: str = "error") -> FolderRuns:
    """Every result under ``out_dir``, validated: each file parses, holds every field, lies in the
    folder of its own benchmark and configuration and is named after its own seed; within a
    configuration each seed appears once.

    ``on_bad="error"`` (default): :class:`BadResultFilesError` naming every bad file;
    ``on_bad="skip"``: the bad files are left out and listed in :attr:`FolderRuns.bad` (say so
    wherever the numbers appear: :meth:`FolderRuns.skipped_note`).

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    on_bad : {"error", "skip"}
        What a bad file does; default ``"error"``.

    Returns
    -------
    FolderRuns
        The valid documents and their paths, and the skipped files.

    Raises
    ------
    BadResultFilesError
        Some file is bad and ``on_bad="error"``.
    NasbenchError
        ``on_bad`` is neither value, or ``out_dir`` is not a folder.
    """
    if on_bad not in ON_BAD:
        raise NasbenchError(f"on_bad must be one of {', '.join(ON_BAD)}, got {on_bad!r}")
    docs, paths, bad = [], [], []
    owner: dict[tuple[str, str, int], Path] = {}
    misplaced: list[tuple[Path, dict, str]] = []
    for path in result_files(out_dir):
        try:
            doc = _validated(path)
        except ResultFileError as exc:
            bad.append(BadFile(path, str(exc).replace(f"result file {path}", "").strip(" :") or str(exc)))
            continue
        why = _check_placement(path, doc)
        if why is not None:
            misplaced.append((path, doc, why))
            continue
        key = (doc["benchmark"], doc["config_key"], doc["seed"])
        owner[key] = path
        docs.append(doc)
        paths.append(path)
    for path, doc, why in misplaced:  # name the file that really holds that seed, when there is one
        twin = owner.get((doc["benchmark"], doc["config_key"], doc["seed"]))
        also = f"; seed {doc['seed']} of that configuration is in {twin}, so it would count twice" if twin else ""
        bad.append(BadFile(path, why + also))
    runs = FolderRuns(Path(out_dir), docs, paths, bad)
    if bad and on_bad == "error":
        listing = "; ".join(f"{b.path}: {b.reason}" for b in bad)
        raise BadResultFilesError(
            f"{len(bad)} result file(s) under {out_dir} cannot be used: {listing}. Rerun the sweep that wrote them "
            f"to redo them (a resumed sweep rewrites a missing or unreadable file), delete them, or pass --skip-bad "
            f"(on_bad='skip' in Python) to report without them"
        )
    return runs


def _read_all(out_dir: str | Path, on_bad: str = "error") -> list[dict]:
    runs = read_folder(out_dir, on_bad)
    note = runs.skipped_note()
    if note:
        warnings.warn(note, stacklevel=3)
    return runs.docs


def _meta(doc: dict, label: str) -> dict:
    protocol = doc.get("protocol") or {}
    hps = protocol.get("hyperparameters", doc["hyperparameters"])
    return {
        "benchmark": doc["benchmark"],
        "strategy": doc["strategy"],
        "config": label,
        "config_key": doc["config_key"],
        "hyperparameters": json.dumps(hps, sort_keys=True),
        "seed": int(doc["seed"]),
        "signal": protocol.get("signal", doc["signal"]),
        "noise": protocol.get("noise", doc["noise"]),
        "budget": str(protocol.get("budget", doc["budget"])),
        "workers": int(doc["workers"]),
        "constraint": doc.get("constraint"),
    }


def _column_order(docs: Sequence[dict]) -> dict[str, str]:
    """Union of trajectory columns (first-seen order) -> dtype (float64 if runs disagree)."""
    order: dict[str, str] = {}
    for doc in docs:
        for k, dt in doc["dtypes"].items():
            if k not in order:
                order[k] = dt
            elif order[k] != dt:
                order[k] = "float64"
    return order


def labelled_docs(out_dir: str | Path, on_bad: str = "error", select: dict | None = None) -> tuple[list[dict], list[str]]:
    """The validated documents under ``out_dir`` (those matching ``select``, see
    :func:`reproduce.store.configs.parse_select`) and each one's configuration label.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    on_bad : {"error", "skip"}
        What a bad result file does: raise (default), or be left out with a warning.
    select : dict of str to str, optional
        ``{field: value}`` conditions; None (default) keeps every run.

    Returns
    -------
    docs : list of dict
        The validated documents that match.
    labels : list of str
        Each document's row label (:func:`reproduce.store.configs.row_labels`).

    Raises
    ------
    BadResultFilesError
        A result file is bad and ``on_bad="error"``.
    NasbenchError
        ``out_dir`` is not a folder, ``on_bad`` is neither value, or ``select`` matches no run.
    """
    from reproduce.store.configs import config_fields, row_identity, row_labels, select_docs

    docs = _read_all(out_dir, on_bad)
    if select:
        docs = [docs[i] for i in select_docs(docs, select, str(out_dir))]
    rows: dict[str, dict] = {}
    for d in docs:
        rows.setdefault(row_identity(d), config_fields(d))
    label_of = dict(zip(rows, row_labels(list(rows.values()))))
    return docs, [label_of[row_identity(d)] for d in docs]


def load_results(out_dir: str | Path, on_bad: str = "error", select: dict | None = None) -> pd.DataFrame:
    """Tidy table: one row per (run, trajectory step).

    Columns: benchmark, strategy, config (the configuration's label: the strategy and the
    fields in which its configurations differ, e.g. ``rs, budget 50q``; group by it, not by
    strategy), config_key, hyperparameters (JSON string with the defaults filled in), seed,
    signal and noise (as resolved by the run), budget, workers (simulated parallel trainers),
    constraint, then the trajectory columns (time, queries, arch, ..., test_regret).

    A result file that cannot be read or validated raises
    :class:`BadResultFilesError` naming every such file; ``on_bad="skip"`` leaves them out with
    a warning. ``select``: ``{field: value}`` keeps only the matching configurations.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    on_bad : {"error", "skip"}
        What a bad result file does: raise (default), or be left out with a warning.
    select : dict of str to str, optional
        ``{field: value}`` conditions; None (default) keeps every run.

    Returns
    -------
    pandas.DataFrame
        One row per (run, trajectory step); the columns above (a trajectory column a run lacks is
        NaN for its rows).

    Raises
    ------
    BadResultFilesError
        A result file is bad and ``on_bad="error"``.
    NasbenchError
        ``out_dir`` is not a folder, ``on_bad`` is neither value, or ``select`` matches no run.
    """
    import pandas as pd

    docs, labels = labelled_docs(out_dir, on_bad, select)
    cols = _column_order(docs)
    counts = np.array([int(d["n_steps"]) for d in docs], dtype=np.int64)
    metas = [_meta(d, lab) for d, lab in zip(docs, labels)]
    data: dict[str, Any] = {}
    for k in META_COLUMNS:
        values = np.array([m[k] for m in metas], dtype=np.int64 if k in ("seed", "workers") else object)
        data[k] = np.repeat(values, counts) if len(docs) else values
    for k, dt in cols.items():
        parts = [
            _decode_column(d["columns"][k], dt) if k in d["columns"] else np.full(int(d["n_steps"]), np.nan)
            for d in docs
        ]
        data[k] = np.concatenate(parts) if parts else np.empty(0, dtype=dt)
    return pd.DataFrame(data)


def load_final(out_dir: str | Path, on_bad: str = "error", select: dict | None = None) -> pd.DataFrame:
    """One row per run: the meta columns of :func:`load_results`, ``stopped``, ``n_steps`` and the
    last trajectory row (the incumbent at the end of the budget; NaN for a run in which no trial
    finished or none was feasible: such a run has no incumbent and counts as failed).

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The results folder.
    on_bad : {"error", "skip"}
        What a bad result file does: raise (default), or be left out with a warning.
    select : dict of str to str, optional
        ``{field: value}`` conditions; None (default) keeps every run.

    Returns
    -------
    pandas.DataFrame
        One row per run: :data:`META_COLUMNS`, ``stopped``, ``n_steps``, then the trajectory
        columns.

    Raises
    ------
    BadResultFilesError
        A result file is bad and ``on_bad="error"``.
    NasbenchError
        ``out_dir`` is not a folder, ``on_bad`` is neither value, or ``select`` matches no run.
    """
    import pandas as pd

    docs, labels = labelled_docs(out_dir, on_bad, select)
    cols = _column_order(docs)
    rows = []
    for doc, label in zip(docs, labels):
        row = _meta(doc, label)
        row["stopped"] = doc["stopped"]
        n = int(doc["n_steps"])
        row["n_steps"] = n
        for k, dt in cols.items():
            col = doc["columns"].get(k)
            row[k] = _decode_column(col[-1:], dt)[0].item() if col else math.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=[*META_COLUMNS, "stopped", "n_steps", *cols])


def has_incumbent(doc: dict) -> bool:
    """Whether a finished run returned an incumbent (a run whose trials all failed or were
    infeasible has none: it counts as a failed run).

    Parameters
    ----------
    doc : dict
        A result document.

    Returns
    -------
    bool
        True when the last ``incumbent`` value is a non-negative index.
    """
    inc = (doc.get("columns") or {}).get("incumbent") or []
    return bool(inc) and inc[-1] is not None and int(inc[-1]) >= 0


__all__ = [
    "FORMAT",
    "META_COLUMNS",
    "BadFile",
    "BadResultFilesError",
    "FolderRuns",
    "ResultFileError",
    "has_incumbent",
    "labelled_docs",
    "read_folder",
    "clean_temp_files",
    "current_table_source",
    "encode_result",
    "error_path",
    "is_finished",
    "load_final",
    "load_results",
    "payload_spec",
    "payload_trajectory",
    "pending",
    "read_result",
    "read_run",
    "read_specs",
    "result_files",
    "result_path",
    "run_dir",
    "to_payload",
    "write_encoded",
    "write_failure",
    "write_result",
]
