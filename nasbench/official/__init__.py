"""Importers of the benchmarks' official files (``nasbench import NAME --from PATH``).

A user who downloaded an official file (NAS-Bench-101's ``nasbench_only108.tfrecord``,
NAS-Bench-201's ``NAS-Bench-201-v1_*.pth``, the NATS-Bench archives) imports it once; the
importer writes a sealed table into the cache and the benchmark uses it from then on. The
importers read these formats without the original packages (no TensorFlow); they run only
on the user's own file, never on the query path.

Each family registers ``family -> (module, function)``; the function has the signature
``(name: str, source: Path, progress) -> Path`` and returns the written table's path.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from nasbench.errors import UnknownNameError, one_of

#: benchmark family (the part of the name before "/") -> (module, function)
IMPORTERS: dict[str, tuple[str, str]] = {
    # --- nb101 importer ---
    "nb101": ("nasbench.official.nb101", "import_nb101"),
    # --- nb201/nats importers ---
    "nb201": ("nasbench.official.nb201", "import_nb201"),
    "nats-sss": ("nasbench.official.nats", "import_nats_sss"),
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
    module_name, function = IMPORTERS[family]
    return getattr(importlib.import_module(module_name), function)(name, Path(source), progress)
