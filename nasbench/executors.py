"""Run many independent jobs (a top-level function + one picklable argument) and yield results.

Three executors share one contract, :func:`execute`:

- ``local``: a pool of worker processes over the available cores
  (:class:`concurrent.futures.ProcessPoolExecutor` with the **spawn** start method);
- ``serial``: in this process, one job after the other (debugging, tests);
- ``ray``: the same jobs as Ray tasks (``num_cpus=1``, plus ``num_gpus`` when a job asks for
  it). When Ray is not initialised yet: with ``RAY_ADDRESS`` set (``auto``, ``host:port`` or
  ``ray://host:port``; the CLI's ``--ray-address`` sets it) it connects to that running cluster,
  shipping this package's code and its published data to the workers as a Ray runtime
  environment (``py_modules``), so nodes without the package installed can run jobs (tables are
  then built on first use on each node, in ``NASBENCH_HOME`` when set, else ~/.cache/nasbench);
  an unreachable cluster is an :class:`ExecutorError` saying what to do. Without ``RAY_ADDRESS``
  it starts a private instance (``ray.init(num_cpus=workers)``). Either way it disconnects at
  the end. Results are returned to the caller, which writes them: a node lost mid-sweep fails
  its in-flight jobs (after Ray's own retries), nothing is half-written, and a resumable caller
  redoes them on the next run. Ray is an optional extra: ``pip install ray``.

Results come back **as they complete** (not in submission order) as :class:`JobResult`
objects carrying the job's index, so a caller can write each one and update a progress bar
as soon as it exists. A job that raises does not stop the others: its result carries a
:class:`JobFailure` (type, message, traceback) instead of a value. A worker process that
dies (killed, out of memory) fails the jobs it held in the same way.

Decisions:

- *spawn*, not fork or forkserver: every worker is a fresh interpreter, identical on Linux,
  macOS and Windows; nothing inherited from the parent (HDF5 handles, torch/OpenMP thread
  pools, Ray's threads) can deadlock a forked child; and "same seed, same result in any
  process" is then tested against the strictest case. The price (~0.2 s of imports per
  worker, paid in parallel and once per pool, since workers are reused) is small next to
  a sweep. forkserver would save little with a few workers and does not exist on Windows.
- *chunking*: jobs travel in chunks (one future / Ray task per chunk) so that 500 jobs of a
  few milliseconds do not pay 500 round trips. The automatic size gives about 16 chunks per
  worker (for load balance and a smooth progress bar) and at most 32 jobs per chunk;
  GPU jobs always travel alone. Results of one chunk arrive together. Measured on 2 cores:
  a pool starts in ~0.2 s; a job costs ~50 us of overhead alone, less in chunks; for 500
  runs of ~15 ms, chunk sizes 1 to 32 take the same time and 64 is slower (uneven tail).
- *interrupts*: local workers ignore SIGINT; on Ctrl-C (or when the caller closes the
  generator early) the parent cancels what has not started and terminates the workers, so
  nothing keeps running and no worker prints a traceback. Finished results were already
  yielded; the runs in flight are simply lost (a resumable caller redoes them).

Notes: ``spawn`` re-imports the main script in each worker, so a script that calls
:func:`execute` needs the usual ``if __name__ == "__main__":`` guard (code piped on stdin
cannot use ``local``; it gets an error that says so). ``local`` ignores ``num_gpus`` (a job
chooses its own device). Ray hands back numpy arrays read-only (zero-copy from its object
store); copy one before changing it in place.

This module is generic (it knows nothing of strategies or runs); nasbench imports none of
the packages above it.
"""
from __future__ import annotations

import concurrent.futures as cf
import importlib.util
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from nasbench.errors import NasbenchError, UnknownNameError, unknown_name_message

EXECUTORS = ("local", "serial", "ray")

#: automatic chunking: about this many chunks per worker ...
CHUNKS_PER_WORKER = 16
#: ... and never more jobs than this in one chunk
MAX_CHUNK = 32


class ExecutorError(NasbenchError):
    """A bad executor choice or set-up (unknown name, missing optional package, bad sizes)."""


@dataclass(frozen=True)
class Job:
    """One unit of work: ``fn(arg)``.

    Parameters
    ----------
    fn : callable
        A module-level function (picklable by reference).
    arg : object
        Its one argument (picklable).
    num_gpus : float
        GPUs requested from Ray for this job (ignored by the local executors).
    """

    fn: Callable[[Any], Any]
    arg: Any
    num_gpus: float = 0.0


@dataclass(frozen=True)
class JobFailure:
    """Why a job failed (always picklable).

    Parameters
    ----------
    type : str
        The exception's type name.
    message : str
        Its message.
    traceback : str
        The formatted traceback.
    """

    type: str
    message: str
    traceback: str = ""

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type


@dataclass(frozen=True)
class JobResult:
    """The outcome of ``jobs[index]``.

    Parameters
    ----------
    index : int
        Position of the job in the input.
    value : object
        What ``fn(arg)`` returned (None when it raised).
    error : JobFailure, optional
        Why it raised; None on success.
    """

    index: int
    value: Any = None
    error: JobFailure | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def available_cores() -> int:
    """Cores this process may run on (CPU affinity / cgroup-aware where the OS says so).

    Returns
    -------
    int
        At least 1.
    """
    if hasattr(os, "process_cpu_count"):  # Python >= 3.13
        n = os.process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        n = len(os.sched_getaffinity(0))
    else:
        n = os.cpu_count()
    return max(1, n or 1)


def auto_chunksize(n_jobs: int, workers: int) -> int:
    """Jobs per chunk: about ``CHUNKS_PER_WORKER`` chunks per worker, at most ``MAX_CHUNK``.

    Parameters
    ----------
    n_jobs : int
        Number of jobs.
    workers : int
        Number of worker processes.

    Returns
    -------
    int
        At least 1.
    """
    if n_jobs <= 0:
        return 1
    return max(1, min(MAX_CHUNK, math.ceil(n_jobs / (max(1, workers) * CHUNKS_PER_WORKER))))


def ray_available() -> bool:
    """Whether the optional package ``ray`` is importable.

    Returns
    -------
    bool
    """
    return importlib.util.find_spec("ray") is not None


def use_ray_address(address: str | None, executor: str) -> None:
    """Point the ``ray`` executor at a running cluster (sets ``RAY_ADDRESS``).

    Parameters
    ----------
    address : str, optional
        ``host:port`` of the cluster; None leaves the environment as it is.
    executor : str
        The executor chosen; an address is refused with any other than ``ray`` (it would be ignored).

    Raises
    ------
    ExecutorError
        An address given with another executor.
    """
    if not address:
        return
    if executor != "ray":
        raise ExecutorError(f"--ray-address {address} needs --executor ray (got --executor {executor})")
    os.environ["RAY_ADDRESS"] = address


def check_executor(name: str) -> None:
    """Refuse an unknown executor, or one whose optional package is absent, before any work.

    Parameters
    ----------
    name : str
        ``"local"``, ``"serial"`` or ``"ray"``.

    Raises
    ------
    UnknownNameError
        Not an executor (the message suggests close names).
    ExecutorError
        ``ray`` without the ray package (the message names the extra).
    """
    if name not in EXECUTORS:
        raise UnknownNameError(unknown_name_message("executor", name, EXECUTORS))
    if name == "ray" and not ray_available():
        raise ExecutorError("executor 'ray' needs the optional package 'ray': pip install 'nasbench-harness[ray]'")


def _failure(exc: BaseException) -> JobFailure:
    return JobFailure(type(exc).__name__, str(exc), "".join(traceback.format_exception(exc)))


def _run_job(fn: Callable[[Any], Any], arg: Any) -> tuple[Any, JobFailure | None]:
    try:
        return fn(arg), None
    except Exception as exc:  # noqa: BLE001 - a job's failure is data, not a crash of the sweep
        return None, _failure(exc)


def run_chunk(chunk: Sequence[tuple[int, Callable[[Any], Any], Any]]) -> list[tuple[int, Any, JobFailure | None]]:
    """Run ``(index, fn, arg)`` triples in this process; the body of a worker task.

    Parameters
    ----------
    chunk : sequence of (int, callable, object)
        The jobs of one task.

    Returns
    -------
    list of (int, object, JobFailure or None)
        Per job: its index, its value, and its failure (None on success); a job's exception never
        stops the chunk.
    """
    return [(index, *_run_job(fn, arg)) for index, fn, arg in chunk]


def _chunks(jobs: Sequence[Job], chunksize: int) -> list[list[tuple[int, Callable, Any]]]:
    """Consecutive CPU jobs grouped by ``chunksize``; GPU jobs alone."""
    out: list[list[tuple[int, Callable, Any]]] = []
    current: list[tuple[int, Callable, Any]] = []
    for index, job in enumerate(jobs):
        if job.num_gpus:
            out.append([(index, job.fn, job.arg)])
            continue
        current.append((index, job.fn, job.arg))
        if len(current) >= chunksize:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _check_jobs(jobs: Iterable[Job]) -> list[Job]:
    jobs = list(jobs)
    for job in jobs:
        if not isinstance(job, Job):
            raise TypeError(f"execute() takes Job objects, got {type(job).__name__}")
        if not callable(job.fn):
            raise TypeError(f"Job.fn must be callable, got {type(job.fn).__name__}")
        if job.num_gpus < 0:
            raise ExecutorError(f"Job.num_gpus must be >= 0, got {job.num_gpus}")
    return jobs


def execute(
    jobs: Iterable[Job],
    executor: str = "local",
    workers: int | None = None,
    chunksize: int | None = None,
) -> Iterator[JobResult]:
    """Run ``jobs`` on ``executor`` and yield a :class:`JobResult` per job as each completes.

    Closing the generator early cancels the jobs not yet started. Results are the same whichever
    executor ran them (each job is a pure function of its argument).

    Parameters
    ----------
    jobs : iterable of Job
        The work.
    executor : str
        ``"local"`` (process pool, one compute thread per worker), ``"serial"`` (this process)
        or ``"ray"``.
    workers : int, optional
        Processes (``local``) or CPUs for a Ray instance this call starts; default: the available cores.
    chunksize : int, optional
        Jobs per task; default :func:`auto_chunksize`.

    Yields
    ------
    JobResult
        In completion order (``result.index`` says which job); a failed job is a result with an
        ``error``, never an exception of this generator.

    Raises
    ------
    UnknownNameError
        Not an executor.
    ExecutorError
        ``ray`` without the ray package.
    """
    check_executor(executor)
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise ExecutorError(f"workers must be a positive integer (processes), got {workers!r}")
    if chunksize is not None and (not isinstance(chunksize, int) or chunksize < 1):
        raise ExecutorError(f"chunksize must be a positive integer, got {chunksize!r}")
    if executor == "local":
        _check_spawnable_main()
    return _execute(_check_jobs(jobs), executor, workers or available_cores(), chunksize)


def _execute(jobs: list[Job], executor: str, workers: int, chunksize: int | None) -> Iterator[JobResult]:
    if not jobs:
        return
    if executor == "serial":
        for index, job in enumerate(jobs):
            value, error = _run_job(job.fn, job.arg)
            yield JobResult(index, value, error)
        return
    size = chunksize or auto_chunksize(len(jobs), workers)
    chunks = _chunks(jobs, size)
    if executor == "local":
        yield from _local(chunks, workers)
    else:
        yield from _ray(chunks, jobs, workers)


def _check_spawnable_main() -> None:
    """'spawn' re-imports the main script in each worker; code read from stdin has none."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file is not None and not os.path.exists(main_file):
        raise ExecutorError(
            f"the 'local' executor starts workers with 'spawn', which re-imports the main script, but it is "
            f"'{main_file}' (code read from stdin?); put the code in a file under `if __name__ == '__main__':` "
            f"or use executor 'serial'"
        )


#: one compute thread per worker process: parallelism comes from the processes, and several
#: multi-threaded BLAS/torch pools on few cores oversubscribe them (measured: an LSTM controller
#: run went from 2 s to 55 s on a loaded 2-core machine)
_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


#: how often a worker checks that its parent is alive (seconds)
PARENT_POLL_S = 0.5


def _exit_with_parent(parent_pid: int, use_pdeathsig: bool) -> None:
    """Make this worker exit when the parent process dies (kill -9 included), so no worker
    and no resource tracker is left behind reparented to init.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` asks the kernel to kill this process when the
    thread that started it exits (used only when the pool was started from the parent's main
    thread, which lives as long as the process). Everywhere: a daemon thread polls
    ``os.getppid()`` every :data:`PARENT_POLL_S` seconds and exits the process when the parent
    changed (it was reparented: the parent is gone).
    """
    if use_pdeathsig and sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # no libc prctl: the polling thread below suffices
            pass
    if os.getppid() != parent_pid:  # the parent died before the line above ran
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="nasbench-parent-watchdog", daemon=True).start()


def _init_worker(parent_pid: int | None = None, use_pdeathsig: bool = False) -> None:
    """Worker initializer: exit with the parent; Ctrl-C is the parent's to handle; one compute
    thread per process."""
    if parent_pid is not None:
        _exit_with_parent(parent_pid, use_pdeathsig)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in _THREAD_ENV:
        os.environ[name] = "1"
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """Cancel what has not started and terminate the workers now (interrupt, early close)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=5)


def _local(chunks: list[list[tuple[int, Callable, Any]]], workers: int) -> Iterator[JobResult]:
    ctx = multiprocessing.get_context("spawn")
    main_thread = threading.current_thread() is threading.main_thread()
    pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=ctx, initializer=_init_worker,
                                  initargs=(os.getpid(), main_thread))
    try:
        futures = {pool.submit(run_chunk, chunk): chunk for chunk in chunks}
        for future in cf.as_completed(futures):
            try:
                rows = future.result()
            except BrokenProcessPool as exc:  # a worker died: its jobs (and the pool's rest) fail
                failure = JobFailure("BrokenProcessPool", f"a worker process died abruptly ({exc})")
                rows = [(index, None, failure) for index, _, _ in futures[future]]
            except Exception as exc:  # noqa: BLE001 - e.g. an argument or result that does not pickle
                failure = _failure(exc)
                rows = [(index, None, failure) for index, _, _ in futures[future]]
            for index, value, error in rows:
                yield JobResult(index, value, error)
    except BaseException:  # KeyboardInterrupt, or the caller closed the generator early
        _stop(pool)
        raise
    pool.shutdown(wait=True)


#: the packages a Ray runtime environment ships to cluster workers (pure Python)
_SHIPPED_PACKAGES = ("nasbench", "strategies", "predictors", "reproduce")


def _runtime_env() -> dict:
    """Ray runtime environment for a remote cluster: this harness's packages and its published
    data (as the data-only package ``nasbench_data``), plus ``NASBENCH_HOME`` when set."""
    import importlib
    import shutil
    import tempfile
    from pathlib import Path

    from nasbench.published import data_dir

    modules = []
    for name in _SHIPPED_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            modules.append(str(Path(list(spec.submodule_search_locations)[0])))
    staging = Path(tempfile.mkdtemp(prefix="nasbench-ray-")) / "nasbench_data"
    shutil.copytree(data_dir(), staging, ignore=shutil.ignore_patterns("tables", "*.h5"))
    modules.append(str(staging))
    env: dict = {"py_modules": modules, "env_vars": {}}
    if os.environ.get("NASBENCH_HOME"):
        env["env_vars"]["NASBENCH_HOME"] = os.environ["NASBENCH_HOME"]
    return env


def _reachable(address: str, timeout: float = 3.0) -> str | None:
    """None when ``host:port`` (or ``ray://host:port``) accepts a TCP connection, else why not.
    ``auto`` is left to Ray (it reads the local cluster's address file). Ray itself retries an
    unreachable address for minutes before giving up, hence this check first."""
    import socket

    target = address.split("://", 1)[-1]
    if address == "auto" or ":" not in target:
        return None
    host, _, port = target.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return None
    except (OSError, ValueError) as exc:
        return f"{host}:{port} does not answer: {exc}"


def _ray_connect(ray, workers: int) -> bool:
    """Initialise Ray unless the caller did; True when this call did (and must shut it down)."""
    if ray.is_initialized():
        return False
    address = os.environ.get("RAY_ADDRESS", "").strip()
    if not address:
        ray.init(num_cpus=workers, include_dashboard=False, logging_level="warning")
        return True
    hint = ("start one with `ray start --head` (then RAY_ADDRESS=auto), check the address, or unset "
            "RAY_ADDRESS to run Ray on this machine only")
    problem = _reachable(address)
    if problem:
        raise ExecutorError(f"cannot connect to the Ray cluster at RAY_ADDRESS={address} ({problem}); {hint}")
    try:
        ray.init(address=address, logging_level="warning", runtime_env=_runtime_env())
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - ConnectionError, RuntimeError... by Ray version
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExecutorError(
            f"cannot connect to the Ray cluster at RAY_ADDRESS={address} ({first}); {hint}"
        ) from None
    return True


def _ray(chunks: list[list[tuple[int, Callable, Any]]], jobs: list[Job], workers: int) -> Iterator[JobResult]:
    import ray  # optional extra; checked by execute()

    started_here = _ray_connect(ray, workers)
    pending: list = []
    try:
        remote = ray.remote(run_chunk)
        refs = {}
        for chunk in chunks:
            gpus = max(jobs[index].num_gpus for index, _, _ in chunk)
            options: dict[str, Any] = {"num_cpus": 1}
            if gpus:
                options["num_gpus"] = gpus
            refs[remote.options(**options).remote(chunk)] = chunk
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                try:
                    rows = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - worker/node crash or (de)serialisation error
                    failure = _failure(exc)
                    rows = [(index, None, failure) for index, _, _ in refs[ref]]
                for index, value, error in rows:
                    yield JobResult(index, value, error)
    finally:
        for ref in pending:
            ray.cancel(ref)  # the generator was closed early: drop what has not run
        if started_here:
            ray.shutdown()


__all__ = [
    "EXECUTORS",
    "ExecutorError",
    "Job",
    "JobFailure",
    "JobResult",
    "auto_chunksize",
    "available_cores",
    "check_executor",
    "execute",
    "ray_available",
    "run_chunk",
    "use_ray_address",
]
