"""Reproductions, result store, reports and the ``nasbench`` command line.

Import-light: ``reproduce.load_results`` / ``load_final`` import the result store (and pandas) on first call.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import os

    import pandas as pd


def load_results(out_dir: str | os.PathLike, on_bad: str = "error", select: dict | None = None) -> pd.DataFrame:
    """Tidy table of every run under ``out_dir``: one row per (run, trajectory step), with a
    ``config`` column naming each run's configuration (group by it: two configurations are never
    one experiment). A result file that cannot be read or validated raises
    :class:`reproduce.store.results.BadResultFilesError` naming it; ``on_bad="skip"`` leaves such
    files out with a warning. ``select``: ``{field: value}`` keeps the matching configurations.

    See :func:`reproduce.store.results.load_results` for the columns.
    """
    from reproduce.store.results import load_results as _load

    return _load(out_dir, on_bad, select)


def load_final(out_dir: str | os.PathLike, on_bad: str = "error", select: dict | None = None) -> pd.DataFrame:
    """One row per run under ``out_dir``: its configuration, final incumbent and the incumbent's
    table values (``on_bad`` and ``select`` as in :func:`load_results`).

    See :func:`reproduce.store.results.load_final` for the columns.
    """
    from reproduce.store.results import load_final as _load

    return _load(out_dir, on_bad, select)


def reproduce_preset(preset, out_dir, **kwargs) -> dict:
    """Run a preset (name, path or parsed) resumably and write its report; see
    :func:`reproduce.pipeline.run_preset` for the options."""
    from reproduce.pipeline import run_preset as _run

    return _run(preset, out_dir, **kwargs)


def report_folder(out_dir, **kwargs) -> dict:
    """Redraw the report of any results folder; keywords are those of
    :class:`reproduce.kinds.base.ReportOptions`. Returns the summary."""
    from reproduce.kinds.base import ReportOptions
    from reproduce.pipeline import report_folder as _report

    return _report(out_dir, ReportOptions(**kwargs))[1]


def run_sweep(specs, out_dir, executor: str = "local", workers: int | None = None, **kwargs):
    """Run the :class:`strategies.RunSpec` s that have no result under ``out_dir`` yet (resumable;
    ``executor`` ``local`` = a process pool, ``serial``, or ``ray``); returns a summary.

    See :func:`reproduce.store.sweep.sweep` for every option.
    """
    from reproduce.store.sweep import sweep as _sweep

    return _sweep(specs, out_dir, executor=executor, workers=workers, **kwargs)


__all__ = ["load_final", "load_results", "report_folder", "reproduce_preset", "run_sweep"]
