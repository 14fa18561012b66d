"""Read-only NAS-Bench tables on HDF5.

Layout (schema version 1)::

    /fidelities            float64 [n_fidelities]   training epochs, ascending
    /archs                 utf-8   [n_archs]        standard string of each row's architecture
    /metrics/<name>        float32 [n_archs, n_replicates, n_fidelities or 1]
                           NaN = not measured (never imputed); a last axis of length 1 means
                           the metric does not depend on the fidelity (params, latency)
    attributes of /        schema_version, name, space, dataset, citation, sources (JSON),
                           recipe, recipe_version, missing_optional (JSON), notes,
                           fidelity_ladder ("continuable": fidelities are points of one training
                           run; "independent": a separate run per fidelity; absent = continuable)
    attributes of a metric split (valid|test|train|cost|hardware|size|proxy), unit,
                           description, source, measure, sha256 (of its float32 C-order bytes)

Opening reads only attributes (milliseconds). A metric is read on first use, checked against
its sha256, and kept in memory; a mismatch or an unreadable file raises TableIntegrityError,
so a corrupt file never yields numbers.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
from numpy.typing import ArrayLike

from nasbench.errors import InvalidArchitectureError, MissingMetricError, TableIntegrityError, did_you_mean, one_of

SCHEMA_VERSION = 1
#: bytes reserved at the start of the file (HDF5 user block) for the whole-file checksum
USERBLOCK_SIZE = 512
#: the bytes a sealed table's user block starts with; the 64 hex digits of the seal follow
USERBLOCK_MAGIC = b"NASBENCH-TABLE sha256:"
SPLITS = ("valid", "test", "train", "cost", "hardware", "size", "proxy")


#: how a table's fidelities relate (see Table.fidelity_ladder)
FIDELITY_LADDERS = ("continuable", "independent")

@dataclass(frozen=True)
class MetricInfo:
    """Description of one metric column of a table."""

    name: str
    split: str
    unit: str
    description: str
    source: str
    measure: str
    n_replicates: int
    fidelity_independent: bool

    @property
    def is_test(self) -> bool:
        """True for metrics measured on a test split (never a search signal)."""
        return self.split == "test"


def array_sha256(array: np.ndarray) -> str:
    """sha256 of an array's float32 C-order bytes (how metric checksums are defined)."""
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float32).tobytes()).hexdigest()


def userblock_for(hexdigest: str) -> bytes:
    """The user block that seals a table: magic, sha256 of every byte after the block."""
    block = USERBLOCK_MAGIC + hexdigest.encode() + b"\n"
    return block + b"\0" * (USERBLOCK_SIZE - len(block))


def rebuild_advice(name: str) -> str:
    """What to do about a corrupt table file ``name``: built-in tables are rebuilt by
    ``nasbench import``; a user table by the command that made it."""
    if name.startswith("user:"):
        return (f"delete it and rerun the `nasbench build ... --out {name[5:]}` (or `nasbench zc ... --out "
                f"{name[5:]}`) command that made it: its finished training runs are kept and the table is "
                "resealed; `nasbench import` rebuilds built-in benchmarks only")
    return f"delete it and rebuild with `nasbench import {name}`"


def _seal_of(block: bytes) -> str | None:
    if len(block) < USERBLOCK_SIZE or not block.startswith(USERBLOCK_MAGIC):
        return None
    return block[len(USERBLOCK_MAGIC) : len(USERBLOCK_MAGIC) + 64].decode("ascii", errors="replace")


def read_seal(path: str | Path) -> str | None:
    """The whole-file sha256 that a sealed table's user block records.

    Reads only the first ``USERBLOCK_SIZE`` bytes; checks nothing (:func:`verify_file` does).

    Parameters
    ----------
    path : str or Path
        A table file.

    Returns
    -------
    str or None
        64 lowercase hex digits, or None when the file cannot be read or is not a sealed table.
    """
    try:
        with open(path, "rb") as fh:
            return _seal_of(fh.read(USERBLOCK_SIZE))
    except OSError:
        return None


def verify_file(path: Path, name: str = "NAME") -> None:
    """Check the whole-file sha256 in the user block before HDF5 parses anything.

    HDF5 can loop forever or crash on corrupt metadata, so corrupt bytes never reach it.

    Parameters
    ----------
    path : Path
        The table file.
    name : str
        Benchmark name, used only in the advice of the error message.

    Raises
    ------
    TableIntegrityError
        The file has no seal, or its bytes after the user block do not hash to the seal.
    """
    with open(path, "rb") as fh:
        expected = _seal_of(fh.read(USERBLOCK_SIZE))
        if expected is None:
            raise TableIntegrityError(
                f"{path} is not a sealed nasbench table (missing or corrupt header); {rebuild_advice(name)}"
            )
        digest = hashlib.sha256()
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise TableIntegrityError(
            f"table file {path} fails its sha256 check (truncated or corrupt); {rebuild_advice(name)}"
        )


def _decode(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


def header_sha256(root_attrs: dict, metric_attrs: dict[str, dict], metric_shapes: dict[str, tuple]) -> str:
    """sha256 of every attribute and metric shape (all but the checksum itself), canonical JSON."""
    doc = {
        "root": {k: _plain(v) for k, v in root_attrs.items() if k != "header_sha256"},
        "metrics": {
            name: {"attrs": {k: _plain(v) for k, v in metric_attrs[name].items()}, "shape": list(metric_shapes[name])}
            for name in sorted(metric_attrs)
        },
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


class Table:
    """One benchmark task (space x dataset) backed by an HDF5 file, opened read-only.

    ``query`` is vectorised over architecture ids and returns float32 values in the metric's unit
    (see ``metric(name).unit``); NaN = not measured. Opening checks the whole-file seal first.

    Parameters
    ----------
    path : str or Path
        A sealed table file (:func:`nasbench.table_path`).

    Raises
    ------
    TableIntegrityError
        The file is not a sealed table, is truncated, or fails a checksum.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._arrays: dict[str, np.ndarray] = {}
        self._vectors: dict[tuple, np.ndarray] = {}
        try:
            verify_file(self.path, self._guess_name())
            self._file = h5py.File(self.path, "r")
            self._read_header()
        except TableIntegrityError:
            self.close()
            raise
        except FileNotFoundError:
            raise
        except Exception as exc:  # h5py raises many kinds on corrupt files; none may escape as numbers
            self.close()
            raise TableIntegrityError(
                f"table file {self.path} is unreadable or corrupt ({exc}); {rebuild_advice(self._guess_name())}"
            ) from exc

    # ----- header ----------------------------------------------------------------------------
    def _guess_name(self) -> str:
        """The benchmark name from the file's place (before the header could be read): user
        tables live in ``NASBENCH_HOME/user``; built-in tables are named ``family__dataset.h5``."""
        if self.path.parent.name == "user":
            return f"user:{self.path.stem}"
        return self.path.stem.replace("__", "/")

    def _read_header(self) -> None:
        attrs = dict(self._file.attrs)
        version = int(attrs["schema_version"])
        if version != SCHEMA_VERSION:
            raise TableIntegrityError(
                f"table {self.path} has schema version {version}, this harness reads "
                f"{SCHEMA_VERSION}; {rebuild_advice(self._guess_name())}"
            )
        self.name: str = _decode(attrs["name"])
        self.space_name: str = _decode(attrs["space"])
        self.dataset: str = _decode(attrs["dataset"])
        self.citation: str = _decode(attrs["citation"])
        self.notes: str = _decode(attrs.get("notes", ""))
        self.recipe: str = _decode(attrs["recipe"])
        self.recipe_version: int = int(attrs["recipe_version"])
        #: sha256 of the rows' architecture strings joined by newlines (the header checksum covers
        #: it): derived files (the NB201 order cache) are tied to the table through it
        self.archs_sha256: str = _decode(attrs.get("archs_sha256", ""))
        self.sources: list[dict] = json.loads(_decode(attrs["sources"]))
        self.missing_optional: list[dict] = json.loads(_decode(attrs.get("missing_optional", "[]")))
        #: how the fidelities relate: "continuable" (points on one training run's curve: a run can
        #: be continued to a higher fidelity) or "independent" (a separate training run per fidelity)
        self.fidelity_ladder: str = _decode(attrs.get("fidelity_ladder", "continuable"))
        if self.fidelity_ladder not in FIDELITY_LADDERS:
            raise TableIntegrityError(
                f"table {self.path}: fidelity_ladder '{self.fidelity_ladder}' is not one of {one_of(FIDELITY_LADDERS)}"
            )
        fid = self._file["fidelities"]
        fidelities = np.asarray(fid[()], dtype=np.float64)
        if _decode(fid.attrs["sha256"]) != array_sha256(fidelities):
            raise TableIntegrityError(f"table {self.path}: fidelities fail their checksum")
        self.fidelities: np.ndarray = fidelities
        self.fidelities.flags.writeable = False
        self._fidelity_pos: dict[float, int] = {}
        for i, f in enumerate(fidelities.tolist()):
            self._fidelity_pos.setdefault(f, i)  # first match, as the array search
        self.n_archs: int = int(attrs["n_archs"])
        self._metrics: dict[str, MetricInfo] = {}
        metric_attrs = {name: dict(d.attrs) for name, d in self._file["metrics"].items()}
        metric_shapes = {name: d.shape for name, d in self._file["metrics"].items()}
        if _decode(attrs.get("header_sha256", "")) != header_sha256(attrs, metric_attrs, metric_shapes):
            raise TableIntegrityError(
                f"table {self.path}: its attributes fail their checksum (file corrupt); "
                f"{rebuild_advice(self._guess_name())}"
            )
        for name, a in metric_attrs.items():
            shape = metric_shapes[name]
            if _decode(a["split"]) not in SPLITS:
                raise TableIntegrityError(f"table {self.path}: metric '{name}' has an unknown split")
            if len(shape) != 3 or shape[0] != self.n_archs or shape[2] not in (1, len(fidelities)):
                raise TableIntegrityError(
                    f"table {self.path}: metric '{name}' has shape {shape}, expected "
                    f"[{self.n_archs}, replicates, {len(fidelities)} or 1]"
                )
            self._metrics[name] = MetricInfo(
                name=name,
                split=_decode(a["split"]),
                unit=_decode(a["unit"]),
                description=_decode(a["description"]),
                source=_decode(a["source"]),
                measure=_decode(a.get("measure", "")),
                n_replicates=int(shape[1]),
                fidelity_independent=shape[2] == 1,
            )

    # ----- metadata --------------------------------------------------------------------------
    @property
    def metric_names(self) -> list[str]:
        """Names of the metrics this table has, sorted."""
        return sorted(self._metrics)

    def metric(self, name: str) -> MetricInfo:
        """Description of metric ``name``; MissingMetricError names the ones that exist."""
        try:
            return self._metrics[name]
        except KeyError:
            hints = [
                f"{m['source']} ({m['how']})" for m in self.missing_optional if name in m.get("metrics", [])
            ]
            hint = f"; it comes from {' and '.join(hints)}" if hints else ""
            raise MissingMetricError(
                f"table '{self.name}' has no metric '{name}'{did_you_mean(name, self.metric_names)}; "
                f"it has {one_of(self.metric_names)}{hint}"
            ) from None

    def fidelity_index(self, fidelity: float | None) -> int:
        """Index of ``fidelity`` (epochs) in ``fidelities``; None means the highest."""
        if fidelity is None:
            return len(self.fidelities) - 1
        try:
            return self._fidelity_pos[fidelity]  # hot path of every evaluation (a dict read)
        except (KeyError, TypeError):
            pass
        hits = np.flatnonzero(self.fidelities == float(fidelity))
        if not len(hits):
            allowed = [int(f) if float(f).is_integer() else float(f) for f in self.fidelities]
            raise MissingMetricError(
                f"table '{self.name}' has no fidelity {fidelity}; its fidelities (epochs) are {one_of(allowed)}"
            )
        return int(hits[0])

    # ----- data ------------------------------------------------------------------------------
    def array(self, metric: str) -> np.ndarray:
        """The full read-only array ``[n_archs, n_replicates, n_fidelities or 1]`` of a metric."""
        cached = self._arrays.get(metric)
        if cached is not None:
            return cached
        self.metric(metric)
        try:
            dset = self._file["metrics"][metric]
            data = np.asarray(dset[()], dtype=np.float32)
            expected = _decode(dset.attrs["sha256"])
        except Exception as exc:  # any read failure of a corrupt file
            raise TableIntegrityError(
                f"table {self.path}: metric '{metric}' is unreadable ({exc}); {rebuild_advice(self.name)}"
            ) from exc
        if array_sha256(data) != expected:
            raise TableIntegrityError(
                f"table {self.path}: metric '{metric}' fails its sha256 check (file corrupt); "
                f"{rebuild_advice(self.name)}"
            )
        data.flags.writeable = False
        self._arrays[metric] = data
        return data

    def vector(self, metric: str, fidelity: float | None = None, replicate: str | int = "mean") -> np.ndarray:
        """One value per architecture (read-only float32 ``[n_archs]``), cached.

        ``replicate="mean"`` averages the measured replicates (NaN where none was measured);
        an int selects one replicate.
        """
        info = self.metric(metric)
        f = 0 if info.fidelity_independent else self.fidelity_index(fidelity)
        key = (metric, f, replicate)
        vec = self._vectors.get(key)
        if vec is not None:
            return vec
        block = self.array(metric)[:, :, f]
        if replicate == "mean":
            measured = ~np.isnan(block)
            counts = measured.sum(axis=1)
            sums = np.where(measured, block, 0.0).sum(axis=1, dtype=np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                vec = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan).astype(np.float32)
        else:
            r = self._replicate_index(info, replicate)
            vec = np.ascontiguousarray(block[:, r])
        vec.flags.writeable = False
        self._vectors[key] = vec
        return vec

    def _replicate_index(self, info: MetricInfo, replicate) -> int:
        if isinstance(replicate, (int, np.integer)) and 0 <= int(replicate) < info.n_replicates:
            return int(replicate)
        raise MissingMetricError(
            f"metric '{info.name}' of table '{self.name}' has replicates 0 .. {info.n_replicates - 1} "
            f"(or 'mean'); got {replicate!r}"
        )

    def query(
        self,
        ids: ArrayLike,
        metric: str,
        fidelity: float | None = None,
        replicate: str | int | np.ndarray = "mean",
    ) -> np.ndarray:
        """Values of ``metric`` for architecture ``ids`` (vectorised; float32, metric's unit).

        ``fidelity`` is in epochs (None: the highest). ``replicate`` is ``"mean"`` (over
        measured replicates), one int, or an int array shaped like ``ids`` (one replicate per
        architecture, e.g. the seed drawn for each trial).
        """
        ids = np.asarray(ids)
        if isinstance(replicate, np.ndarray):
            info = self.metric(metric)
            f = 0 if info.fidelity_independent else self.fidelity_index(fidelity)
            if replicate.size and (replicate.min() < 0 or replicate.max() >= info.n_replicates):
                raise MissingMetricError(
                    f"metric '{metric}' has replicates 0 .. {info.n_replicates - 1}; got values outside"
                )
            self._check_id_range(ids)
            return self.array(metric)[ids, replicate, f]
        vec = self.vector(metric, fidelity, replicate)
        if ids.dtype.kind != "i" or (ids.size and ids.min() < 0):
            self._check_id_range(ids)  # np.take would wrap negative ids
        try:
            return np.take(vec, ids, mode="raise")
        except IndexError:
            self._check_id_range(ids)
            raise

    def _check_id_range(self, ids: np.ndarray) -> None:
        if ids.dtype.kind not in "iu":
            raise InvalidArchitectureError(f"architecture ids must be integers, got dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.n_archs):
            raise InvalidArchitectureError(
                f"architecture ids must be in 0 .. {self.n_archs - 1} for table '{self.name}'"
            )

    def archs(self) -> list[str]:
        """The standard string of every row's architecture (row order = space ids)."""
        try:
            archs = [_decode(s) for s in self._file["archs"][()]]
        except Exception as exc:
            raise TableIntegrityError(f"table {self.path}: architecture list unreadable ({exc})") from exc
        if hashlib.sha256("\n".join(archs).encode()).hexdigest() != _decode(self._file.attrs["archs_sha256"]):
            raise TableIntegrityError(f"table {self.path}: architecture list fails its checksum (file corrupt)")
        return archs

    # ----- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the file (cached arrays stay usable)."""
        f = getattr(self, "_file", None)
        if f is not None:
            try:
                f.close()
            except Exception:  # closing a half-opened corrupt file must not mask the real error
                pass

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Table('{self.name}', archs={self.n_archs}, metrics={self.metric_names})"
