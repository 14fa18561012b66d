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

    Parameters
    ----------
    out_dir : str or os.PathLike
        A results folder (``--out`` of ``nasbench run`` or ``nasbench reproduce``).
    on_bad : {"error", "skip"}
        ``"error"`` (default) raises on a bad result file; ``"skip"`` leaves bad files out with a
        warning.
    select : dict of str to str, optional
        ``{field: value}``; only the configurations whose field (strategy, budget, signal, noise,
        workers, constraint, benchmark or a hyperparameter) has that value are kept.

    Returns
    -------
    pandas.DataFrame
        One row per (run, trajectory step): the per-run columns, then the trajectory columns.

    Raises
    ------
    BadResultFilesError
        A result file cannot be read or validated (``on_bad="error"``); every such file is named.
    NasbenchError
        ``out_dir`` is not a folder, ``on_bad`` is neither value, or ``select`` matches no run.
    """
    from reproduce.store.results import load_results as _load

    return _load(out_dir, on_bad, select)


def load_final(out_dir: str | os.PathLike, on_bad: str = "error", select: dict | None = None) -> pd.DataFrame:
    """One row per run under ``out_dir``: its configuration, final incumbent and the incumbent's
    table values (``on_bad`` and ``select`` as in :func:`load_results`).

    See :func:`reproduce.store.results.load_final` for the columns.

    Parameters
    ----------
    out_dir : str or os.PathLike
        A results folder (``--out`` of ``nasbench run`` or ``nasbench reproduce``).
    on_bad : {"error", "skip"}
        ``"error"`` (default) raises on a bad result file; ``"skip"`` leaves bad files out with a
        warning.
    select : dict of str to str, optional
        ``{field: value}``; only the configurations whose field (strategy, budget, signal, noise,
        workers, constraint, benchmark or a hyperparameter) has that value are kept.

    Returns
    -------
    pandas.DataFrame
        One row per run: the per-run columns, ``stopped``, ``n_steps`` and the last trajectory row.

    Raises
    ------
    BadResultFilesError
        A result file cannot be read or validated (``on_bad="error"``); every such file is named.
    NasbenchError
        ``out_dir`` is not a folder, ``on_bad`` is neither value, or ``select`` matches no run.
    """
    from reproduce.store.results import load_final as _load

    return _load(out_dir, on_bad, select)


def reproduce_preset(preset, out_dir, **kwargs) -> dict:
    """Run a preset (name, path or parsed) resumably and write its report; see
    :func:`reproduce.pipeline.run_preset` for the options.

    Parameters
    ----------
    preset : str, pathlib.Path or preset object
        A shipped preset's name, a ``.toml`` path, or a preset parsed by
        :func:`reproduce.kinds.load_preset`.
    out_dir : str or pathlib.Path
        Folder for the runs and the report (created when absent; finished runs in it are kept).
    **kwargs
        Keywords of :func:`reproduce.pipeline.run_preset` (``seeds``, ``executor``, ``jobs``,
        ``progress``, ``html``, ``on_bad``, ``engine``).

    Returns
    -------
    dict
        The report's summary (what ``summary.json`` holds).

    Raises
    ------
    reproduce.pipeline.IncompleteRunsError
        Runs of the preset failed or have no result file (nothing but the page is written).
    reproduce.presets.PresetError
        The preset is unknown or does not follow its schema.
    reproduce.seeds.SeedsError
        ``seeds`` is outside the seeds grammar.
    """
    from reproduce.pipeline import run_preset as _run

    return _run(preset, out_dir, **kwargs)


def report_folder(out_dir, **kwargs) -> dict:
    """Redraw the report of any results folder; keywords are those of
    :class:`reproduce.kinds.base.ReportOptions`. Returns the summary.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The ``--out`` folder of ``nasbench reproduce``, ``run``, ``oneshot`` or ``predictors``.
    **kwargs
        Fields of :class:`reproduce.kinds.base.ReportOptions` (``on_bad``, ``select``, ``title``,
        ``labels``, ``html``).

    Returns
    -------
    dict
        The report's summary (what ``summary.json`` holds).

    Raises
    ------
    NasbenchError
        ``out_dir`` is not a folder or holds no results.
    reproduce.pipeline.IncompleteRunsError
        Runs the report needs have no usable result.
    """
    from reproduce.kinds.base import ReportOptions
    from reproduce.pipeline import report_folder as _report

    return _report(out_dir, ReportOptions(**kwargs))[1]


def run_sweep(specs, out_dir, executor: str = "local", workers: int | None = None, **kwargs):
    """Run the :class:`strategies.RunSpec` s that have no result under ``out_dir`` yet (resumable;
    ``executor`` ``local`` = a process pool, ``serial``, or ``ray``); returns a summary.

    See :func:`reproduce.store.sweep.sweep` for every option.

    Parameters
    ----------
    specs : sequence of strategies.RunSpec
        The runs to make; those with a finished result under ``out_dir`` are skipped.
    out_dir : str or os.PathLike
        The results folder.
    executor : {"local", "serial", "ray"}
        Where the runs execute; default ``"local"`` (a process pool).
    workers : int, optional
        Processes (or Ray CPUs); None (default) uses the available cores.
    **kwargs
        The other keywords of :func:`reproduce.store.sweep.sweep` (``progress``, ``check``,
        ``engine``, ...).

    Returns
    -------
    reproduce.store.sweep.SweepSummary
        What the sweep did: runs done, skipped and failed, and the time taken.

    Raises
    ------
    nasbench.errors.SweepFailedError
        There were runs to do and every one failed.
    """
    from reproduce.store.sweep import sweep as _sweep

    return _sweep(specs, out_dir, executor=executor, workers=workers, **kwargs)


__all__ = ["load_final", "load_results", "report_folder", "reproduce_preset", "run_sweep"]
