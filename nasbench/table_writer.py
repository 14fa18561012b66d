"""Write tables in the HDF5 schema that :class:`nasbench.table.Table` reads (atomically)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from nasbench.atomic import atomic_path
from nasbench.table import (
    FIDELITY_LADDERS,
    SCHEMA_VERSION,
    SPLITS,
    USERBLOCK_SIZE,
    array_sha256,
    header_sha256,
    userblock_for,
)


@dataclass
class MetricColumn:
    """One metric to write: values ``[n_archs, n_replicates, n_fidelities or 1]`` and its meaning."""

    values: np.ndarray
    split: str
    unit: str
    description: str
    source: str
    measure: str = ""

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got '{self.split}'")
        self.values = np.ascontiguousarray(self.values, dtype=np.float32)
        if self.values.ndim != 3:
            raise ValueError(f"metric values must be 3-D [archs, replicates, fidelities], got {self.values.shape}")


@dataclass
class SourceRecord:
    """Provenance of one input file: what it is, where it came from, its sha256."""

    name: str
    origin: str
    license: str
    sha256: str
    path: str = ""

    @classmethod
    def of_file(cls, path: str | Path, name: str, origin: str, license: str) -> SourceRecord:
        """Record ``path`` with its sha256."""
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return cls(name=name, origin=origin, license=license, sha256=digest, path=Path(path).name)


@dataclass
class TableSpec:
    """Everything a table file holds."""

    name: str
    space: str
    dataset: str
    archs: list[str]
    fidelities: np.ndarray
    metrics: dict[str, MetricColumn]
    citation: str
    recipe: str
    recipe_version: int
    sources: list[SourceRecord]
    missing_optional: list[dict] = field(default_factory=list)
    notes: str = ""
    #: "continuable" (per-epoch points of one run) or "independent" (one run per fidelity)
    fidelity_ladder: str = "continuable"


def seal(path: Path) -> None:
    """Write the whole-file checksum into the HDF5 user block (the file's first bytes).

    :func:`write_table` seals every table it writes; call this only after changing a written
    file's bytes on purpose (tests of the per-metric checksums do).

    Parameters
    ----------
    path : Path
        A table file with a ``USERBLOCK_SIZE`` user block.
    """
    digest = hashlib.sha256()
    with open(path, "rb+") as fh:
        fh.seek(USERBLOCK_SIZE)
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
        fh.seek(0)
        fh.write(userblock_for(digest.hexdigest()))


def write_table(spec: TableSpec, path: str | Path) -> Path:
    """Write ``spec`` to ``path`` atomically (temp file + rename) and return the path."""
    n = len(spec.archs)
    fidelities = np.asarray(spec.fidelities, dtype=np.float64)
    if spec.fidelity_ladder not in FIDELITY_LADDERS:
        raise ValueError(f"fidelity_ladder must be one of {FIDELITY_LADDERS}, got '{spec.fidelity_ladder}'")
    for name, col in spec.metrics.items():
        if col.values.shape[0] != n or col.values.shape[2] not in (1, len(fidelities)):
            raise ValueError(
                f"metric '{name}' has shape {col.values.shape}; expected [{n}, replicates, "
                f"{len(fidelities)} or 1]"
            )
    path = Path(path)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w", userblock_size=USERBLOCK_SIZE) as f:
            f.attrs.update(
                {
                    "schema_version": SCHEMA_VERSION,
                    "name": spec.name,
                    "space": spec.space,
                    "dataset": spec.dataset,
                    "n_archs": n,
                    "citation": spec.citation,
                    "recipe": spec.recipe,
                    "recipe_version": spec.recipe_version,
                    "sources": json.dumps([s.__dict__ for s in spec.sources]),
                    "missing_optional": json.dumps(spec.missing_optional),
                    "notes": spec.notes,
                    "fidelity_ladder": spec.fidelity_ladder,
                    "archs_sha256": hashlib.sha256("\n".join(spec.archs).encode()).hexdigest(),
                }
            )
            fid = f.create_dataset("fidelities", data=fidelities)
            fid.attrs["unit"] = "epochs"
            fid.attrs["sha256"] = array_sha256(fidelities)
            f.create_dataset("archs", data=np.array(spec.archs, dtype=object), dtype=h5py.string_dtype())
            group = f.create_group("metrics")
            for name, col in sorted(spec.metrics.items()):
                dset = group.create_dataset(name, data=col.values)
                dset.attrs.update(
                    {
                        "split": col.split,
                        "unit": col.unit,
                        "description": col.description,
                        "source": col.source,
                        "measure": col.measure,
                        "sha256": array_sha256(col.values),
                    }
                )
            f.attrs["header_sha256"] = header_sha256(
                dict(f.attrs),
                {name: dict(d.attrs) for name, d in group.items()},
                {name: d.shape for name, d in group.items()},
            )
        seal(tmp)
    return path
