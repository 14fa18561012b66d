"""A benchmark = search space + table, found by name: ``nasbench.load("nb201/cifar10")``.

Loading opens the cached HDF5 table under ``NASBENCH_HOME``; when it is missing, stale
(older recipe) or was built without optional published data that is now present, the
import recipe runs first (the recipes are imported only then, never on the query path).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nasbench.catalog import BenchmarkInfo, get_info
from nasbench.errors import TableIntegrityError
from nasbench.paths import nasbench_home, shared_data_dir
from nasbench.spaces import SearchSpace, get_space
from nasbench.table import Table


@dataclass
class Benchmark:
    """One benchmark task: its search space, its table and its catalog entry."""

    info: BenchmarkInfo
    space: SearchSpace
    table: Table
    _vectors: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.info.name

    def arch_id(self, arch: int | str) -> int:
        """Id of an architecture given as id or string (strings are canonicalised)."""
        if type(arch) is str:
            return self.space.from_str(arch)
        return self.space.check_id(arch)

    def query(self, arch, metric: str, fidelity: float | None = None, replicate="mean"):
        """Metric of one architecture (id or string) or of an array of ids (see Table.query)."""
        if type(arch) is str:  # hot path: one string, vector already cached
            try:
                return self._vectors[(metric, fidelity, replicate)].item(self.space.from_str(arch))
            except (KeyError, TypeError):
                pass
        if isinstance(arch, (str, int, np.integer)):
            if isinstance(replicate, np.ndarray):
                replicate = int(replicate.reshape(-1)[0])
            key = (metric, fidelity, replicate)
            vec = self._vectors.get(key)
            if vec is None:
                vec = self._vectors[key] = self.table.vector(metric, fidelity, replicate)
            return vec.item(self.arch_id(arch))
        return self.table.query(self.space.check_ids(arch), metric, fidelity, replicate)

    def default_signal(self) -> tuple[str, float | None]:
        """(metric, fidelity) a search reads by default, falling back to the highest fidelity."""
        metric, fidelity = self.info.default_signal
        if fidelity is not None and fidelity not in set(self.table.fidelities.tolist()):
            fidelity = None
        return metric, fidelity

    def __repr__(self) -> str:
        return f"Benchmark('{self.name}', space={self.space!r}, table={self.table!r})"


def table_path(name: str) -> Path:
    """Where the table of benchmark ``name`` is cached."""
    return nasbench_home() / f"{get_info(name).file_stem}.h5"


def build_table(name: str, shared: Path | None = None) -> Path:
    """Run the import recipe of ``name`` now and return the written table's path."""
    info = get_info(name)
    recipe = importlib.import_module(f"nasbench.recipes.{info.recipe}")
    return recipe.build(info, table_path(name), shared if shared is not None else shared_data_dir())


def _needs_rebuild(table: Table, info: BenchmarkInfo, shared: Path | None) -> bool:
    if table.recipe_version != info.recipe_version:
        return True
    return bool(table.missing_optional) and shared is not None and any(
        (shared / m["path"]).exists() for m in table.missing_optional if m.get("path")
    )


_LOADED: dict[tuple[str, str], tuple[tuple, Benchmark]] = {}


def _file_key(path: Path) -> tuple:
    st = path.stat()
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def load(name: str, *, rebuild: bool = False) -> Benchmark:
    """The benchmark called ``name`` (see ``nasbench list``), importing its table if needed.

    Loaded benchmarks are reused within a process while their file is unchanged (many runs
    of a sweep share one read-only table).
    """
    info = get_info(name)
    path = table_path(name)
    shared = shared_data_dir()
    cache_key = (name, str(path))
    cached = _LOADED.get(cache_key)
    if cached is not None and not rebuild and path.exists() and cached[0] == _file_key(path):
        if not _needs_rebuild(cached[1].table, info, shared):
            return cached[1]
    bench = _load_uncached(name, info, path, shared, rebuild)
    _LOADED[cache_key] = (_file_key(path), bench)
    return bench


def _load_uncached(name: str, info: BenchmarkInfo, path: Path, shared: Path | None, rebuild: bool) -> Benchmark:
    if rebuild or not path.exists():
        build_table(name, shared)
    table = Table(path)
    if not rebuild and _needs_rebuild(table, info, shared):
        table.close()
        build_table(name, shared)
        table = Table(path)
    if table.name != name:
        table.close()
        raise TableIntegrityError(f"{path} holds table '{table.name}', expected '{name}'; delete it")
    space = get_space(info.space)
    if table.n_archs != space.size:
        table.close()
        raise TableIntegrityError(
            f"table {path} has {table.n_archs} rows but space '{space.name}' has {space.size}; "
            f"rebuild with `nasbench import {name}`"
        )
    return Benchmark(info=info, space=space, table=table)
