"""Many seeds, resumably: run the pending specs through an executor and store each result.

    from reproduce.store.sweep import sweep
    specs = [RunSpec("nb201/cifar10", "re", seed, "12000s") for seed in range(500)]
    summary = sweep(specs, "results/")      # local process pool over the available cores
    summary.done, summary.skipped, summary.failed

- Only specs without a finished result file run (:func:`reproduce.store.results.pending`);
  rerunning the same sweep does nothing new, and a deleted or truncated file is redone.
- Each result is written atomically the moment it arrives (workers return the file's text;
  the parent writes it on a few threads), so a sweep killed at any point
  (even ``kill -9``) loses at most the runs in flight; the rerun completes the rest.
- A run that raises is recorded as failed (``seed-XXXXX.error.json`` with the error) and
  counted; it does not stop the sweep, and the next sweep retries it. When every run of the
  sweep failed (none finished now or before), :func:`sweep` raises
  :class:`~nasbench.errors.SweepFailedError` naming one error file: there is nothing to report.
- Progress goes through :mod:`reproduce.progress` (a bar on a terminal, plain lines otherwise).
- Before starting, every distinct configuration is checked by one in-process run with a
  one-query budget: a user mistake (unknown hyperparameter, bad signal or noise model) raises
  its :class:`~nasbench.errors.NasbenchError` at once instead of failing every seed. This
  also builds missing tables once, in this process, before any worker needs them.
- While a sweep writes a configuration's folder it holds a lock file there (``.lock``,
  POSIX ``flock``); a second sweep into the same folder stops with an error. With the lock
  held, temporary files left by a killed sweep are removed.
"""
from __future__ import annotations

import concurrent.futures as cf
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Literal

from nasbench.errors import NasbenchError, SweepFailedError
from nasbench.executors import available_cores, check_executor, execute
from reproduce.progress import resolve_mode, say, stage_progress
from reproduce.store import results
from strategies.loop import Trajectory
from strategies.runner import RunSpec, run_one

try:  # POSIX advisory locks; elsewhere sweeps are simply not guarded against each other
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


#: threads writing result files in the parent (fsync waits overlap)
WRITER_THREADS = 4


class SweepLockedError(NasbenchError):
    """Another sweep is writing the same results folder."""


@dataclass
class SweepSummary:
    """What one call of :func:`sweep` did.

    Parameters
    ----------
    out_dir : pathlib.Path
        The results folder.
    total : int
        Distinct specs asked for.
    done : int
        Runs finished and written by this call.
    skipped : int
        Runs already finished before this call.
    failed : int
        Runs that raised (or could not be written) in this call; the next sweep retries them.
    seconds : float
        Wall-clock time of the call, in seconds.
    failures : list of tuple of (strategies.RunSpec, str)
        Each failed run and its error (``"Type: message"``).
    """

    out_dir: Path
    total: int = 0  # distinct specs asked for
    done: int = 0  # runs finished (and written) by this call
    skipped: int = 0  # runs already finished before this call
    failed: int = 0  # runs that raised in this call (retried by the next sweep)
    seconds: float = 0.0
    failures: list[tuple[RunSpec, str]] = field(default_factory=list)  # (spec, "Type: message")

    def line(self) -> str:
        """One-line summary."""
        tail = f", {self.failed} failed" if self.failed else ""
        return (f"{self.total} runs in {self.seconds:.1f} s: {self.done} new, {self.skipped} already done{tail}"
                f" -> {self.out_dir}")


@contextmanager
def locked_folders(dirs: Sequence[Path]) -> Iterator[None]:
    """Hold ``DIR/.lock`` (exclusive, non-blocking) in every folder for the duration.

    Parameters
    ----------
    dirs : sequence of pathlib.Path
        Run folders; created when absent.

    Yields
    ------
    None
        Control while every lock is held (released on exit).

    Raises
    ------
    SweepLockedError
        Another process holds the lock of one of the folders.
    """
    with ExitStack() as stack:
        for d in dirs:
            d.mkdir(parents=True, exist_ok=True)
            if fcntl is None:
                continue
            fh = stack.enter_context(open(d / ".lock", "a+"))
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SweepLockedError(
                    f"another sweep is writing {d} (it holds {d / '.lock'}); wait for it to finish or use another --out"
                ) from None
        yield


def _has_main_guard(path: str) -> bool:
    """Whether a script has a top-level ``if __name__ == "__main__":`` (True when it cannot be read)."""
    import ast

    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return True
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            names = [node.test.left, *node.test.comparators]
            if any(isinstance(n, ast.Name) and n.id == "__name__" for n in names) and any(
                    isinstance(n, ast.Constant) and n.value == "__main__" for n in names):
                return True
    return False


def pool_obstacle(specs: Sequence[RunSpec]) -> str | None:
    """Why worker processes could not run ``specs`` from this interpreter (None when they can).

    Worker processes are *spawned*: each re-imports the main script, so a script without an
    ``if __name__ == "__main__":`` guard would start the sweep again in every worker, and a
    strategy class defined in a notebook or an interactive session (``__main__`` without a file)
    cannot be imported by a worker at all.

    Parameters
    ----------
    specs : sequence of strategies.RunSpec
        The runs to make.

    Returns
    -------
    str or None
        The reason, as a sentence that says what to do; None when a process pool can run them.
    """
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    in_main = sorted({s.strategy for s in specs if str(s.strategy).partition(":")[0] == "__main__"})
    if main_file is None:
        if in_main:
            return (f"strategy {', '.join(in_main)} is defined in __main__ (a notebook or an interactive session), "
                    "which worker processes cannot import; to use several cores, move the class into a module file "
                    "and name it as MODULE:CLASS")
        return None
    if not _has_main_guard(main_file):
        return (f"the script {main_file} has no `if __name__ == \"__main__\":` guard, and each worker process "
                "re-imports it (it would start the sweep again); to use several cores, put the call under that guard")
    return None


def check_configs(specs: Sequence[RunSpec]) -> None:
    """Run each distinct configuration once with a one-query budget, in this process.

    Raises the NasbenchError of a configuration mistake; other exceptions are left for the
    real runs to record as failures.

    Parameters
    ----------
    specs : sequence of strategies.RunSpec
        The runs; each distinct (benchmark, strategy, configuration) is checked once.

    Raises
    ------
    NasbenchError
        A configuration is a user mistake (unknown hyperparameter, bad signal or noise model, ...).
    """
    seen: set[tuple[str, str, str]] = set()
    for spec in specs:
        key = (spec.benchmark, spec.strategy, spec.config_key())
        if key in seen:
            continue
        seen.add(key)
        try:
            run_one(replace(spec, budget="1q"))
        except NasbenchError:
            raise
        except Exception:  # noqa: BLE001 - a bug, not a user mistake: recorded per run later
            pass


ENGINES = ("auto", "batched", "loop")
#: seeds of one configuration that travel to a worker together on the batched engine
BATCH_CHUNK = 512


def run_and_encode(spec: RunSpec, run_fn: Callable[[RunSpec], Trajectory] | None = None) -> str:
    """What a worker runs on the loop engine: one run (``run_fn``, default
    :func:`strategies.runner.run_one`), encoded as the text of its result file.

    Encoding in the worker leaves the parent only the atomic writes (on writer threads, so
    the fsyncs overlap), and the parent remains the only writer: a Ray cluster needs no
    shared filesystem.

    Parameters
    ----------
    spec : strategies.RunSpec
        The run.
    run_fn : callable, optional
        ``RunSpec -> Trajectory``; None (default) uses :func:`strategies.runner.run_one`.

    Returns
    -------
    str
        The result file's text (:func:`reproduce.store.results.encode_result`), with
        ``protocol["engine"] = "loop"``.
    """
    trajectory = (run_fn or run_one)(spec)
    trajectory.protocol["engine"] = "loop"
    return results.encode_result(spec, trajectory)


def _run_with(arg: tuple) -> str:
    """A job of a sweep given its own run function: ``(run_fn, spec)``."""
    run_fn, spec = arg
    return run_and_encode(spec, run_fn)


def run_and_encode_batch(specs: list[RunSpec]) -> list[str]:
    """What a worker runs on the batched engine: seeds of one configuration at once
    (:func:`strategies.batched.run_batched`, trajectories identical to the loop's), encoded.

    Parameters
    ----------
    specs : list of strategies.RunSpec
        Seeds of one configuration the batched engine takes.

    Returns
    -------
    list of str
        The result file's text of each spec, in the order of ``specs``.
    """
    from strategies.batched import run_batched

    return [results.encode_result(spec, traj) for spec, traj in zip(specs, run_batched(specs))]


def plan_engine(todo: Sequence[RunSpec], engine: str, workers: int) -> list[tuple[str, list[int]]]:
    """The jobs of a sweep: ``("loop", [i])`` per run, or ``("batched", [i, j, ...])`` per chunk of
    one configuration's seeds (indices into ``todo``). ``auto`` batches what the batched engine
    takes; ``batched`` refuses a configuration it does not take (naming why); ``loop`` never batches.

    Parameters
    ----------
    todo : sequence of strategies.RunSpec
        The pending runs.
    engine : {"auto", "batched", "loop"}
        The engine asked for.
    workers : int
        Worker processes; a configuration's seeds are split into about this many chunks (at most
        :data:`BATCH_CHUNK` seeds each).

    Returns
    -------
    list of tuple of (str, list of int)
        The jobs: ``"loop"`` or ``"batched"`` and the indices into ``todo`` each one runs.

    Raises
    ------
    NasbenchError
        ``engine`` is unknown, or is ``"batched"`` and a configuration cannot be batched.
    """
    from strategies.batched import is_batchable, why_not_batchable

    if engine not in ENGINES:
        raise NasbenchError(f"unknown engine {engine!r}; engines: {', '.join(ENGINES)}")
    groups: dict[tuple, list[int]] = {}
    for i, spec in enumerate(todo):
        groups.setdefault((spec.benchmark, spec.strategy, spec.config_key()), []).append(i)
    jobs: list[tuple[str, list[int]]] = []
    for members in groups.values():
        first = todo[members[0]]
        batch = engine != "loop" and is_batchable(first)
        if engine == "batched" and not batch:
            raise NasbenchError(f"--engine batched cannot run {first.strategy} on {first.benchmark}: "
                                f"{'; '.join(why_not_batchable(first))}; use --engine auto (the loop where needed)")
        if not batch:
            jobs += [("loop", [i]) for i in members]
            continue
        size = min(BATCH_CHUNK, max(1, -(-len(members) // max(1, workers))))  # spread one configuration over workers
        jobs += [("batched", members[k:k + size]) for k in range(0, len(members), size)]
    return jobs


def _job(kind: str, specs: list[RunSpec], run_fn: Callable[[RunSpec], Trajectory] | None = None):
    from nasbench.executors import Job

    if kind == "batched":
        return Job(run_and_encode_batch, specs)
    return Job(_run_with, (run_fn, specs[0])) if run_fn is not None else Job(run_and_encode, specs[0])


def _record_failure(summary: SweepSummary, out: Path, spec: RunSpec, message: str, trace: str) -> None:
    summary.failed += 1
    summary.failures.append((spec, message))
    results.write_failure(out, spec, message, trace)


def _settle(writes: dict[cf.Future, RunSpec], summary: SweepSummary, out: Path, wait: bool) -> None:
    """Count the finished writes (all of them when ``wait``)."""
    if wait:
        cf.wait(list(writes))
    for future in [f for f in writes if f.done()]:
        spec = writes.pop(future)
        exc = future.exception()
        if exc is None:
            summary.done += 1
        else:
            _record_failure(summary, out, spec, f"could not write its result: {type(exc).__name__}: {exc}", "")


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _check_all_failed(summary: SweepSummary) -> None:
    """SweepFailedError when the sweep has runs and none of them finished, now or before."""
    if not summary.total or summary.done or summary.skipped or not summary.failures:
        return
    spec, message = summary.failures[0]
    err = SweepFailedError(
        f"all {summary.failed} run(s) failed, none finished; nothing to report. First: seed {spec.seed} of "
        f"{spec.strategy} on {spec.benchmark}: {_one_line(message)} (traceback in "
        f"{results.error_path(summary.out_dir, spec)}). Fix the cause and rerun the same command: "
        f"failed runs are retried"
    )
    err.summary = summary  # type: ignore[attr-defined]
    raise err


def sweep(
    specs: Sequence[RunSpec],
    out_dir: str | os.PathLike,
    executor: str = "local",
    workers: int | None = None,
    progress: bool | Literal["auto", "always", "bar", "lines", "quiet"] = True,
    *,
    chunksize: int | None = None,
    check: bool = True,
    stream: IO[str] | None = None,
    label: str = "sweep",
    engine: str = "auto",
    run_fn: Callable[[RunSpec], Trajectory] | None = None,
) -> SweepSummary:
    """Run the specs that have no result under ``out_dir`` yet; returns what happened.

    ``executor``: ``local`` (processes), ``serial`` or ``ray``; ``workers``: processes or Ray
    CPUs (default: the available cores; not the simulated trainers of ``RunSpec.workers``).
    ``progress`` (see :mod:`reproduce.progress`): True (``"auto"``) shows a bar on ``stream``
    (default stderr) when it is a terminal and plain lines otherwise, ``"always"`` (``"bar"``)
    a bar anyway, ``"lines"`` plain lines anyway, False (``"quiet"``) nothing; ``label``
    starts each progress line (``run: 3600/3600 done in 67 s, 0 failed``).
    ``check``: first run every configuration with a one-query budget (see module docstring).
    ``engine``: ``auto`` (default: the batched engine for the configurations it takes, seeds as a
    batch dimension with trajectories identical to the loop's; the loop for the rest),
    ``batched`` (refuse what it does not take) or ``loop``; each result records it
    (``protocol["engine"]``).
    ``run_fn``: what runs one spec instead of :func:`strategies.runner.run_one` (a test's failing
    run, an instrumented run; a module-level function for process executors); it implies the
    loop engine, since the batched engine does not call it.

    Raises :class:`~nasbench.errors.SweepFailedError` when there were runs to do and every one
    failed (none finished in this call or before); partial failures are only counted
    (``summary.failed``, ``summary.failures``) and retried by the next sweep.

    Parameters
    ----------
    specs : sequence of strategies.RunSpec
        The runs; duplicates count once and finished ones are skipped.
    out_dir : str or os.PathLike
        The results folder.
    executor : {"local", "serial", "ray"}
        Where the runs execute; default ``"local"``.
    workers : int, optional
        Processes or Ray CPUs; None (default): the available cores.
    progress : bool or {"auto", "always", "bar", "lines", "quiet"}
        How progress is shown; default True (``"auto"``).
    chunksize : int, optional
        Jobs sent to a worker at a time (see :func:`nasbench.executors.execute`); None: the
        executor's default.
    check : bool
        First run every configuration with a one-query budget (default True).
    stream : text stream, optional
        Where progress goes; None (default): stderr.
    label : str
        The start of each progress line; default ``"sweep"``.
    engine : {"auto", "batched", "loop"}
        How runs execute; default ``"auto"``.
    run_fn : callable, optional
        ``RunSpec -> Trajectory`` run instead of :func:`strategies.runner.run_one`; None (default).

    Returns
    -------
    SweepSummary
        Runs asked for, done, skipped and failed, and the seconds taken.

    Raises
    ------
    nasbench.errors.SweepFailedError
        There were runs to do and every one failed.
    TypeError
        An element of ``specs`` is not a RunSpec.
    NasbenchError
        An unknown executor or engine, a configuration mistake found by ``check``, or finished runs
        of another table (:class:`~nasbench.errors.TableSourceChangedError`).
    SweepLockedError
        Another sweep is writing one of the run folders.
    ValueError
        ``progress`` is not a known mode.
    """
    start = time.perf_counter()
    check_executor(executor)
    mode = resolve_mode(progress, stream if stream is not None else sys.stderr)
    out = Path(out_dir)
    specs = list(specs)
    for spec in specs:
        if not isinstance(spec, RunSpec):
            raise TypeError(f"sweep() takes RunSpec objects, got {type(spec).__name__}")
    todo = results.pending(specs, out)
    obstacle = pool_obstacle(todo) if executor == "local" and todo else None
    if obstacle:  # run here, one after the other: the same results, on one core
        say(label, f"running in this process ({executor} executor unavailable: {obstacle})", quiet=False, stream=stream)
        executor = "serial"
    n_distinct = len({(s.benchmark, s.strategy, s.config_key(), s.seed) for s in specs})
    summary = SweepSummary(out_dir=out, total=n_distinct, skipped=n_distinct - len(todo))
    if todo:
        if run_fn is not None:
            engine = "loop"  # the batched engine never calls run_fn
        plan = plan_engine(todo, engine, workers or available_cores())  # a refusal comes before any work
        if check:
            check_configs(todo)
        dirs = sorted({results.run_dir(out, s) for s in todo})
        with locked_folders(dirs):
            results.clean_temp_files(dirs)
            with stage_progress(n_distinct, label, done=summary.skipped, stream=stream, mode=mode) as bar:
                writes: dict[cf.Future, RunSpec] = {}
                with cf.ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="nasbench-write") as writer:
                    jobs = [_job(kind, [todo[i] for i in members], run_fn) for kind, members in plan]
                    for res in execute(jobs, executor, workers, chunksize):
                        members = plan[res.index][1]
                        texts = (res.value if plan[res.index][0] == "batched" else [res.value]) if res.ok else None
                        for k, i in enumerate(members):
                            spec = todo[i]
                            if texts is not None:
                                writes[writer.submit(results.write_encoded, out, spec, texts[k])] = spec
                            else:
                                _record_failure(summary, out, spec, str(res.error), res.error.traceback)
                        _settle(writes, summary, out, wait=False)
                        bar.goto(summary.skipped + summary.done + summary.failed, failed=summary.failed)
                    _settle(writes, summary, out, wait=True)
                bar.goto(summary.skipped + summary.done + summary.failed, failed=summary.failed)
    else:
        done_before = f"{n_distinct}/{n_distinct} runs already done, " if n_distinct else "no runs, "
        say(label, f"{done_before}nothing to run", quiet=mode == "quiet", stream=stream)
    summary.seconds = time.perf_counter() - start
    _check_all_failed(summary)
    return summary


__all__ = ["ENGINES", "SweepLockedError", "SweepSummary", "check_configs", "locked_folders", "plan_engine", "pool_obstacle",
           "run_and_encode", "run_and_encode_batch", "sweep"]
