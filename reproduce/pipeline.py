"""The one driver of every preset kind: collect -> (missing runs? page + error) -> write -> page.

    from reproduce.pipeline import reproduce_preset, report_folder
    summary = reproduce_preset("nb201-table5", "results/t5", seeds=20)
    summary = report_folder("results/t5")          # redraw from the stored runs

Nothing here branches on the kind of a preset: each kind implements
:class:`reproduce.kinds.base.PresetKind` and the pipeline calls it in order.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from nasbench.atomic import write_text_atomic
from nasbench.errors import NasbenchError
from reproduce.kinds import infer_folder, kind_of, load_preset
from reproduce.kinds.base import Collected, PresetKind, ReportOptions, RunOptions
from reproduce.seeds import parse_seeds, seeds_arg
from reproduce.store.outputs import files_as_one_set

#: the record a `nasbench reproduce` output folder keeps of its preset and seeds
RECORD = "reproduce.json"


class IncompleteRunsError(NasbenchError):
    """Runs a report needs have no usable result (failed, interrupted or removed)."""


def _seed_list(kind: PresetKind, preset: Any, seeds: int | str | list[int] | None) -> list[int]:
    if seeds is None:
        return list(range(kind.default_seeds(preset)))
    if isinstance(seeds, list):
        return sorted(set(int(s) for s in seeds))
    return parse_seeds(str(seeds))


def write_record(out_dir: Path, preset: Any, seeds: list[int]) -> None:
    """``reproduce.json``: which preset and seeds made this folder (``seeds`` as a count when
    they are 0..N-1, as folders written before the seeds grammar have it).

    Parameters
    ----------
    out_dir : pathlib.Path
        The output folder (it must exist).
    preset : preset object
        A parsed preset; its ``path`` (the TOML file) is recorded.
    seeds : list of int
        The seeds the folder runs, sorted.
    """
    value: int | list[int] = len(seeds) if seeds == list(range(len(seeds))) else seeds
    write_text_atomic(out_dir / RECORD, json.dumps({"preset": str(preset.path), "seeds": value}, indent=2))


def read_record(out_dir: Path) -> tuple[Any, list[int]] | None:
    """The preset and seeds of a ``nasbench reproduce`` folder (None when it has no record).

    Parameters
    ----------
    out_dir : pathlib.Path
        An output folder.

    Returns
    -------
    tuple of (preset object, list of int) or None
        The preset (parsed again from its recorded file) and its sorted seeds; None when the folder
        has no ``reproduce.json``.

    Raises
    ------
    NasbenchError
        ``reproduce.json`` cannot be read or lacks ``preset`` or ``seeds``.
    reproduce.presets.PresetError
        The recorded preset file no longer exists or no longer parses.
    """
    path = out_dir / RECORD
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        seeds = doc["seeds"]
        seed_list = list(range(int(seeds))) if isinstance(seeds, int) else sorted(int(s) for s in seeds)
        preset_file = str(doc["preset"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NasbenchError(f"{path} is not a readable record of `nasbench reproduce` ({exc}); rerun the "
                            "reproduce command that made the folder") from None
    return load_preset(preset_file), seed_list


def report(preset: Any, out_dir: Path, seeds: list[int], options: ReportOptions | None = None) -> dict:
    """Collect the stored runs of ``preset`` and write its report (and page); returns the summary.

    Runs without a usable result: with ``--html`` the page is written first from the others,
    listing them; then :class:`IncompleteRunsError` (nothing else is written, so no table ever
    shows numbers from fewer runs than it names).

    Parameters
    ----------
    preset : preset object
        A parsed preset (or one a kind inferred from a folder).
    out_dir : pathlib.Path
        The folder that holds its runs; the report files are written there.
    seeds : list of int
        The seeds the report covers.
    options : ReportOptions, optional
        How to report (bad files, selection, labels, page); default ``ReportOptions()``.

    Returns
    -------
    dict
        The summary the kind wrote (``summary.json``).

    Raises
    ------
    IncompleteRunsError
        Runs of ``preset`` for ``seeds`` have no usable result.
    reproduce.store.results.BadResultFilesError
        A result file cannot be read or validated (``options.on_bad == "error"``).
    """
    options = options or ReportOptions()
    kind = kind_of(preset)
    collected = kind.collect(preset, out_dir, seeds, options)
    if collected.missing:
        page = kind.page(preset, collected, out_dir, None) if options.html else None
        where = f"{page} lists them with their reasons; " if page else ""
        shown = "; ".join(_describe(spec) for spec in collected.missing[:5])
        more = f"; and {len(collected.missing) - 5} more" if len(collected.missing) > 5 else ""
        raise IncompleteRunsError(
            f"{len(collected.missing)} of {collected.expected} run(s) of '{getattr(preset, 'name', out_dir)}' failed or "
            f"have no result file ({shown}{more}); {where}see the *.error.json files under {out_dir}. Rerun the same "
            "command to retry them (finished runs are kept)")
    _say_notes(collected)
    with files_as_one_set():  # an interrupt leaves the old set of report files or the new one
        summary = kind.write(preset, collected, out_dir)
        if options.html:
            kind.page(preset, collected, out_dir, summary)
    return summary


def _describe(spec: Any) -> str:
    """A missing run, for an error message."""
    if all(hasattr(spec, k) for k in ("strategy", "benchmark", "seed")):
        return f"{spec.strategy} on {spec.benchmark}, seed {spec.seed}"
    return str(spec)


def _say_notes(collected: Collected) -> None:
    for note in collected.notes:
        if note.startswith(("skipped", "WARNING")):
            print(f"nasbench: warning: {note.removeprefix('WARNING: ')}", file=sys.stderr)


def reproduce_preset(preset: Any, out_dir: str | Path, *, seeds: int | str | list[int] | None = None,
                     run: RunOptions | None = None, report_options: ReportOptions | None = None) -> dict:
    """Run a preset (a name, a path or a parsed preset) resumably into ``out_dir`` and report it.

    Parameters
    ----------
    preset : str, pathlib.Path or preset object
        A shipped preset's name, a ``.toml`` path, or a parsed preset.
    out_dir : str or pathlib.Path
        Folder for the runs, ``reproduce.json`` and the report (created when absent).
    seeds : int, str or list of int, optional
        The seeds: a ``--seeds`` text or count (see :mod:`reproduce.seeds`) or a list; None
        (default) runs the preset's own number of seeds, 0..N-1.
    run : RunOptions, optional
        How to make the runs; default ``RunOptions()``.
    report_options : ReportOptions, optional
        How to report them; default ``ReportOptions()``.

    Returns
    -------
    dict
        The report's summary (``summary.json``).

    Raises
    ------
    IncompleteRunsError
        Runs failed or have no result file (a rerun retries them; finished runs are kept).
    reproduce.presets.PresetError
        The preset is unknown or does not follow its schema.
    reproduce.seeds.SeedsError
        ``seeds`` is outside the seeds grammar.
    """
    run = run or RunOptions()
    if isinstance(preset, (str, Path)):
        preset = load_preset(preset)
    kind = kind_of(preset)
    out = Path(out_dir)
    seed_list = _seed_list(kind, preset, seeds)
    out.mkdir(parents=True, exist_ok=True)
    write_record(out, preset, seed_list)
    kind.execute(preset, out, seed_list, run)  # failed runs have no result file: report() names them
    return report(preset, out, seed_list, report_options)


def run_preset(preset: Any, out_dir: str | Path, *, seeds: int | str | list[int] | None = None, executor: str = "local",
               jobs: int | None = None, progress: bool = True, html: bool = False, on_bad: str = "error",
               engine: str = "auto") -> dict:
    """:func:`reproduce_preset` with its options as keywords (the Python form of `nasbench reproduce`).

    Parameters
    ----------
    preset : str, pathlib.Path or preset object
        A shipped preset's name, a ``.toml`` path, or a parsed preset.
    out_dir : str or pathlib.Path
        Folder for the runs and the report.
    seeds : int, str or list of int, optional
        As in :func:`reproduce_preset`.
    executor : {"local", "serial", "ray"}
        Where the runs execute; default ``"local"`` (a process pool).
    jobs : int, optional
        Processes (or Ray CPUs); None (default) uses the available cores.
    progress : bool
        Show progress on stderr (default True).
    html : bool
        Also write ``report.html`` (default False).
    on_bad : {"error", "skip"}
        What a result file that cannot be read does: stop the report (default) or be left out.
    engine : {"auto", "batched", "loop"}
        How search runs execute (see :func:`reproduce.store.sweep.plan_engine`); results are
        identical.

    Returns
    -------
    dict
        The report's summary (``summary.json``).

    Raises
    ------
    IncompleteRunsError
        Runs failed or have no result file.
    reproduce.presets.PresetError
        The preset is unknown or does not follow its schema.
    reproduce.seeds.SeedsError
        ``seeds`` is outside the seeds grammar.
    """
    return reproduce_preset(preset, out_dir, seeds=seeds,
                            run=RunOptions(executor=executor, jobs=jobs, progress=progress, engine=engine),
                            report_options=ReportOptions(on_bad=on_bad, html=html))


def report_folder(out_dir: str | Path, options: ReportOptions | None = None) -> tuple[Any, dict]:
    """Redraw the report of any results folder: a ``nasbench reproduce`` folder from its record,
    else the folder of a ``nasbench run``, ``nasbench predictors`` or ``nasbench oneshot`` (the
    kind that recognises it describes it as a preset). Returns ``(preset, summary)``.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The ``--out`` folder of ``nasbench reproduce``, ``run``, ``oneshot`` or ``predictors``.
    options : ReportOptions, optional
        How to report; default ``ReportOptions()``.

    Returns
    -------
    preset : preset object
        The recorded preset, or the one the recognising kind inferred from the folder.
    summary : dict
        The report's summary (``summary.json``).

    Raises
    ------
    NasbenchError
        ``out_dir`` is not a folder, holds no results, or its ``reproduce.json`` is unreadable.
    IncompleteRunsError
        Runs the report needs have no usable result.
    """
    options = options or ReportOptions()
    out = Path(out_dir)
    if not out.is_dir():
        raise NasbenchError(f"no folder {out}; give the --out folder of `nasbench reproduce`, `nasbench run`, "
                            "`nasbench oneshot` or `nasbench predictors`")
    recorded = read_record(out)
    if recorded is not None:
        preset, seeds = recorded
        return preset, report(preset, out, seeds, options)
    found = infer_folder(out, options)
    if found is None:
        raise NasbenchError(
            f"{out} holds no results: no {RECORD} (a `nasbench reproduce` folder), no result files "
            f"(seed-*.json under {out}/<benchmark>/<strategy>-<config>/: `nasbench run` or `nasbench oneshot`) "
            "and no results.csv (`nasbench predictors`)")
    kind, preset = found
    seeds = list(getattr(preset, "seed_list", ()) or range(kind.default_seeds(preset)))
    return preset, report(preset, out, seeds, options)


__all__ = ["RECORD", "IncompleteRunsError", "read_record", "report", "report_folder", "reproduce_preset", "run_preset",
           "seeds_arg", "write_record"]
