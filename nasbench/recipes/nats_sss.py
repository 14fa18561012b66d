"""Recipe of the ``nats-sss/<dataset>`` benchmarks: import-only.

Their data is the official NATS-Bench size-space archive, which this package does not ship
(it is not redistributable here, and 32,768 x 3 seeds x 90 epochs of curves do not belong in
``data/``). :func:`build` therefore never builds: it raises a MissingSourceError that names the
file to download and the exact ``nasbench import`` command. The table itself is written by
:func:`nasbench.official.nats.import_nats_sss`.
"""
from __future__ import annotations

from pathlib import Path

from nasbench.catalog import BenchmarkInfo
from nasbench.errors import MissingSourceError


def build(info: BenchmarkInfo, out: Path) -> Path:
    """Refuse: the table of ``info`` comes only from the official archive (see module doc)."""
    raise MissingSourceError(
        f"benchmark '{info.name}' needs the official NATS-Bench size-space archive, which is not "
        f"shipped: {info.requires}"
    )
