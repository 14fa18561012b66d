"""Importers of the benchmarks' official files (``nasbench import NAME --from PATH``).

A user who downloaded an official file (NAS-Bench-101's ``nasbench_only108.tfrecord``,
NAS-Bench-201's ``NAS-Bench-201-v1_*.pth``, the NATS-Bench archives) imports it once; the
importer writes a sealed table into the cache and the benchmark uses it from then on. The
importers read these formats without the original packages (no TensorFlow); they run only
on the user's own file, never on the query path.

Each family registers ``family -> (module, function)``; the function has the signature
``(name: str, source: Path, progress) -> Path`` and returns the written table's path.

One rule for every family, whatever the importer writes: :func:`official_import_path` says
whether (and where) a benchmark has a table imported from an official file; ``nasbench import
NAME --from FILE`` makes one, ``nasbench import NAME`` (no ``--from``) returns to the built-in
table (:func:`forget_official_import`), and ``nasbench import all`` keeps an imported table. The
imported NB201 / NATS table IS the cached table (recipe ``official-import``, never rebuilt);
NB-101's is kept apart under ``NASBENCH_HOME/imported/`` because its space is read from the
table (every rebuild of ``nb101/cifar10`` materialises it, :mod:`nasbench.recipes.nb101`).
"""
from __future__ import annotations

from pathlib import Path

from nasbench.errors import UnknownNameError, one_of
from nasbench.name_table import import_target

#: benchmark family (the part of the name before "/") -> "module:function" (imported on use)
IMPORTERS: dict[str, str] = {
    # --- nb101 importer ---
    "nb101": "nasbench.official.nb101:import_nb101",
    # --- nb201/nats importers ---
    "nb201": "nasbench.official.nb201:import_nb201",
    "nats-sss": "nasbench.official.nats:import_nats_sss",
}


def target_info(name: str, space: str, names: list[str], what: str):
    """The catalog entry of ``name`` when it is a benchmark of ``space``; otherwise an
    UnknownBenchmarkError saying that ``what`` imports into one of ``names``."""
    from nasbench.catalog import get_info
    from nasbench.errors import UnknownBenchmarkError

    try:
        info = get_info(name)
    except UnknownBenchmarkError:
        info = None
    if info is None or info.space != space:
        raise UnknownBenchmarkError(f"'{name}' is not a {space} benchmark; {what} imports into {one_of(names)}")
    return info


def official_import_path(name: str) -> Path | None:
    """The file of ``name``'s table imported from an official file, or None when it has none."""
    from nasbench.benchmark import OFFICIAL_IMPORT_RECIPE, table_path
    from nasbench.catalog import get_info
    from nasbench.errors import NasbenchError
    from nasbench.table import Table

    if name.split("/", 1)[0] == "nb101":
        from nasbench.recipes.nb101 import imported_table_path

        path = imported_table_path(get_info(name))
        return path if path.exists() else None
    path = table_path(name)
    if not path.exists():
        return None
    try:
        with Table(path) as table:
            return path if table.recipe == OFFICIAL_IMPORT_RECIPE else None
    except NasbenchError:
        return None


def forget_official_import(name: str) -> Path | None:
    """Remove ``name``'s imported table (and the NB-101 graph caches beside it) so that the next
    build makes the built-in one; returns the removed file (None: there was none)."""
    path = official_import_path(name)
    if path is None:
        return None
    for cache in path.parent.glob(f"{path.stem}.graphs-*.npz"):
        cache.unlink()
    path.unlink()
    return path


def official_families() -> list[str]:
    """Families whose official files can be imported."""
    return sorted(IMPORTERS)


def import_official(name: str, source: str | Path, progress=None) -> Path:
    """Build the table of benchmark ``name`` from the official file ``source``."""
    family = name.split("/", 1)[0]
    if family not in IMPORTERS:
        raise UnknownNameError(
            f"no importer of official files for '{name}'; families with one: {one_of(official_families())}"
        )
    return import_target(IMPORTERS[family])(name, Path(source), progress)
