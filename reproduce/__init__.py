"""Reproductions, result store, reports and the ``nasbench`` command line.

Import-light: ``reproduce.load_results`` / ``load_final`` import the result store (and pandas) on first call.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import os

    import pandas as pd


def load_results(out_dir: "str | os.PathLike") -> "pd.DataFrame":
    """Tidy table of every run under ``out_dir``: one row per (run, trajectory step).

    See :func:`reproduce.results.load_results` for the columns.
    """
    from reproduce.results import load_results as _load

    return _load(out_dir)


def load_final(out_dir: "str | os.PathLike") -> "pd.DataFrame":
    """One row per run under ``out_dir``: its final incumbent and the incumbent's table values.

    See :func:`reproduce.results.load_final` for the columns.
    """
    from reproduce.results import load_final as _load

    return _load(out_dir)


def run_sweep(specs, out_dir, executor: str = "local", workers: "int | None" = None, **kwargs):
    """Run the :class:`strategies.RunSpec` s that have no result under ``out_dir`` yet (resumable;
    ``executor`` ``local`` = a process pool, ``serial``, or ``ray``); returns a summary.

    See :func:`reproduce.sweep.sweep` for every option.
    """
    from reproduce.sweep import sweep as _sweep

    return _sweep(specs, out_dir, executor=executor, workers=workers, **kwargs)


__all__ = ["load_final", "load_results", "run_sweep"]
