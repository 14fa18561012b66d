"""The interface every preset kind implements (search, multiobjective, predictors, oneshot, or
one of your own), driven by :mod:`reproduce.pipeline`.

A kind is one module holding a subclass of :class:`PresetKind` and one line in
:mod:`reproduce.kinds`'s registry (or a call of :func:`reproduce.kinds.register_kind`). The
pipeline never branches on the kind: it calls, in order,

1. :meth:`PresetKind.parse` — the preset's TOML document -> the kind's frozen preset object;
2. :meth:`PresetKind.execute` — make the runs that are missing under ``out_dir`` (resumable);
   returns how many failed;
3. :meth:`PresetKind.collect` — read the stored runs into a :class:`Collected`; runs the preset
   names but that have no usable result go to ``Collected.missing``;
4. :meth:`PresetKind.write` — tables, figures and ``summary.json`` (returns the summary);
5. :meth:`PresetKind.page` — ``report.html`` (with ``--html``);

and, for a folder that no preset wrote (``nasbench report DIR`` of a ``nasbench run`` folder),
:meth:`PresetKind.infer` — recognise the folder as one of the kind's and describe it as a preset.

Kinds import :mod:`reproduce.render` and :mod:`reproduce.store`; those import no kind.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar


@dataclass(frozen=True)
class RunOptions:
    """How to make a preset's runs.

    Parameters
    ----------
    executor : {"local", "serial", "ray"}
        Where the runs execute; default ``"local"`` (a process pool).
    jobs : int, optional
        Processes (or Ray CPUs); None (default) uses the available cores.
    progress : bool
        Show progress on stderr (default True).
    engine : {"auto", "batched", "loop"}
        How search runs execute (see :func:`reproduce.store.sweep.plan_engine`); default ``"auto"``.
    """

    executor: str = "local"
    jobs: int | None = None
    progress: bool = True
    #: auto | batched | loop (reproduce.store.sweep.plan_engine); results are identical
    engine: str = "auto"


@dataclass(frozen=True)
class ReportOptions:
    """How to report stored runs.

    ``on_bad``: ``"error"`` (a result file that cannot be read or validated stops the report,
    naming every such file) or ``"skip"`` (they are left out and listed in the notes, on stderr
    and on the page). ``select``: ``{field: value}`` keeps the configurations that match
    (``--select budget=100q``). ``title`` and ``labels`` (``{strategy: text}``) override what a
    folder report shows. ``html``: also write ``report.html``.

    Parameters
    ----------
    on_bad : {"error", "skip"}
        What a result file that cannot be read or validated does; default ``"error"``.
    select : dict of str to str
        ``{field: value}`` conditions on the configurations; default empty (all).
    title : str, optional
        The title of a folder report; None (default) keeps the kind's own.
    labels : dict of str to str
        ``{strategy: text}`` row and legend names; default empty (display names).
    html : bool
        Also write ``report.html`` (default False).
    """

    on_bad: str = "error"
    select: dict = field(default_factory=dict)
    title: str | None = None
    labels: dict = field(default_factory=dict)
    html: bool = False


@dataclass
class Collected:
    """What a kind read for its report.

    ``data``: the kind's own inputs to :meth:`PresetKind.write` and :meth:`PresetKind.page`;
    ``expected``: runs the preset (or folder) names; ``missing``: those without a usable result
    (failed or never run), as the kind's run specs; ``notes``: lines every output must carry
    (skipped files, runs without an incumbent).

    Parameters
    ----------
    data : object
        The kind's own inputs to :meth:`PresetKind.write` and :meth:`PresetKind.page`.
    expected : int
        Number of runs the preset (or folder) names.
    missing : list
        The kind's run specs of the runs without a usable result; default empty.
    notes : list of str
        Lines every output must carry; default empty.
    """

    data: Any
    expected: int
    missing: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class PresetKind(ABC):
    """One kind of preset (see the module docstring for the call order)."""

    #: the value of the preset's ``kind`` key
    name: ClassVar[str]
    #: one line for `nasbench reproduce --help` and docs
    summary: ClassVar[str] = ""

    @abstractmethod
    def parse(self, doc: dict, path: Path, where: str) -> Any:
        """The preset object of a TOML document (PresetError naming the key on a schema error)."""

    @abstractmethod
    def execute(self, preset: Any, out_dir: Path, seeds: list[int], options: RunOptions) -> int:
        """Make the missing runs of ``preset`` for ``seeds`` under ``out_dir``; returns the number
        of runs that failed in this call (finished runs are kept, a rerun retries failed ones)."""

    @abstractmethod
    def collect(self, preset: Any, out_dir: Path, seeds: list[int], options: ReportOptions) -> Collected:
        """Read the stored runs of ``preset`` for ``seeds``."""

    @abstractmethod
    def write(self, preset: Any, collected: Collected, out_dir: Path) -> dict:
        """Write the tables, figures and ``summary.json``; returns the summary."""

    def page(self, preset: Any, collected: Collected, out_dir: Path, summary: dict | None) -> Path | None:
        """Write ``report.html`` (``summary`` None when runs are missing: the page lists them);
        returns its path, or None when the kind has no page."""
        return None

    def infer(self, out_dir: Path, options: ReportOptions) -> Any | None:
        """The preset that describes a results folder no preset wrote, or None when the folder is
        not one of this kind's."""
        return None

    def default_seeds(self, preset: Any) -> int:
        """How many seeds a preset runs by default (``seeds`` in its file)."""
        return int(preset.seeds)

    def benchmarks(self, preset: Any) -> list[str]:
        """The benchmarks a preset's runs use (for provenance)."""
        return []


def sweep_runs(specs: list, runs_dir: Path, options: RunOptions, label: str) -> int:
    """Sweep black-box run specs into ``runs_dir`` (resumable, :func:`reproduce.store.sweep.sweep`)
    with the run options; returns how many failed in this call.

    Parameters
    ----------
    specs : list of strategies.RunSpec
        The runs; those already finished under ``runs_dir`` are skipped.
    runs_dir : pathlib.Path
        The results folder of the runs.
    options : RunOptions
        Executor, jobs, progress and engine of the sweep.
    label : str
        The start of each progress line.

    Returns
    -------
    int
        Number of runs that failed in this call.

    Raises
    ------
    nasbench.errors.SweepFailedError
        There were runs to do and every one failed.
    """
    from reproduce.store.sweep import sweep

    outcome = sweep(specs, runs_dir, executor=options.executor, workers=options.jobs, progress=options.progress,
                    label=label, engine=options.engine)
    return outcome.failed


__all__ = ["Collected", "PresetKind", "ReportOptions", "RunOptions", "sweep_runs"]
