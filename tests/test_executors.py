"""Executors: every job yields one result, failures are data, and runs are identical everywhere."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from nasbench.errors import NasbenchError, UnknownNameError
from nasbench.executors import (
    ExecutorError,
    Job,
    _chunks,
    auto_chunksize,
    available_cores,
    execute,
    ray_available,
)
from strategies import strategy_names
from strategies.runner import RunSpec, run_one

STRATEGY = "re" if "re" in strategy_names() else "rs"


def square(x: int) -> int:
    """A module-level job (picklable by reference)."""
    return x * x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three is not allowed")
    return x


def die_on_three(x: int) -> int:
    if x == 3:
        os._exit(13)  # a worker that dies abruptly (as if killed)
    return x


def pid_of(_: int) -> int:
    return os.getpid()


def specs(n: int = 4, budget: str = "3000s") -> list[RunSpec]:
    return [RunSpec("nb201/cifar10", STRATEGY, seed, budget, workers=1 + seed % 2) for seed in range(n)]


@pytest.mark.parametrize("executor", ["serial", "local"])
def test_every_job_yields_one_result(executor):
    out = list(execute([Job(square, i) for i in range(50)], executor, workers=2))
    assert sorted(r.index for r in out) == list(range(50))
    assert all(r.ok and r.value == r.index**2 for r in out)


@pytest.mark.parametrize("executor", ["serial", "local"])
def test_a_failing_job_is_data_not_a_crash(executor):
    out = {r.index: r for r in execute([Job(fail_on_three, i) for i in range(8)], executor, workers=2, chunksize=4)}
    assert len(out) == 8
    bad = out[3]
    assert not bad.ok and bad.error.type == "ValueError" and "three" in bad.error.message
    assert "Traceback" in bad.error.traceback
    assert all(out[i].ok and out[i].value == i for i in range(8) if i != 3)


def test_a_dying_worker_fails_its_jobs_but_yields_every_index():
    out = list(execute([Job(die_on_three, i) for i in range(6)], "local", workers=2, chunksize=1))
    assert sorted(r.index for r in out) == list(range(6))
    dead = next(r for r in out if r.index == 3)
    assert not dead.ok and dead.error.type == "BrokenProcessPool"


def test_local_runs_in_other_processes():
    pids = {r.value for r in execute([Job(pid_of, i) for i in range(8)], "local", workers=2, chunksize=1)}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_closing_early_stops_running_jobs_at_once():
    jobs = [Job(time.sleep, 0.01)] + [Job(time.sleep, 60) for _ in range(3)]
    gen = execute(jobs, "local", workers=2, chunksize=1)
    first = next(gen)
    assert first.ok and first.index == 0
    start = time.perf_counter()
    gen.close()  # the 60 s sleeps are terminated, not awaited
    assert time.perf_counter() - start < 10


def test_chunking():
    assert auto_chunksize(500, 2) == 16  # 32 chunks: cheap, balanced, smooth progress
    assert auto_chunksize(10**6, 2) == 32
    assert auto_chunksize(3, 8) == 1
    jobs = [Job(square, 0), Job(square, 1), Job(square, 2, num_gpus=1), Job(square, 3), Job(square, 4)]
    assert [[i for i, _, _ in c] for c in _chunks(jobs, 2)] == [[0, 1], [2], [3, 4]]
    assert available_cores() >= 1


def test_bad_arguments_are_typed_errors():
    with pytest.raises(UnknownNameError, match="'local', 'serial' or 'ray'"):
        execute([Job(square, 1)], "dask")
    with pytest.raises(ExecutorError, match="positive integer"):
        execute([Job(square, 1)], "local", workers=0)
    with pytest.raises(ExecutorError, match="num_gpus"):
        execute([Job(square, 1, num_gpus=-1)], "serial")
    assert list(execute([], "local")) == []


def test_local_from_stdin_says_why_it_cannot_spawn():
    code = "from nasbench.executors import execute, Job\nlist(execute([Job(abs, -1)], 'local'))\n"
    proc = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True)
    assert proc.returncode != 0 and "stdin" in proc.stderr and "serial" in proc.stderr


def test_ray_missing_says_what_to_install(monkeypatch):
    import nasbench.executors as ex

    monkeypatch.setattr(ex, "ray_available", lambda: False)
    with pytest.raises(NasbenchError, match="pip install"):
        execute([Job(square, 1)], "ray")


def test_same_seed_same_trajectory_in_spawned_processes():
    """run_one in fresh spawned interpreters equals run_one here, bit for bit."""
    runs = specs(4)
    here = [run_one(s) for s in runs]
    for chunksize in (1, 4):  # one per process, and all in one process after another
        for res in execute([Job(run_one, s) for s in runs], "local", workers=2, chunksize=chunksize):
            assert res.ok, res.error
            assert res.value.equals(here[res.index]), runs[res.index]
            assert res.value.protocol == here[res.index].protocol


def test_serial_equals_local():
    runs = specs(6, budget="60q")
    serial = {r.index: r.value for r in execute([Job(run_one, s) for s in runs], "serial")}
    local = {r.index: r.value for r in execute([Job(run_one, s) for s in runs], "local", workers=2)}
    assert all(serial[i].equals(local[i]) and len(serial[i]) == 60 for i in range(6))


@pytest.mark.slow
@pytest.mark.skipif(not ray_available(), reason="ray is an optional extra (pip install 'nasbench-harness[ray]'); not installed")
def test_ray_equals_serial():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, logging_level="warning")
    try:
        runs = specs(4)
        serial = {r.index: r.value for r in execute([Job(run_one, s) for s in runs], "serial")}
        out = list(execute([Job(run_one, s) for s in runs] + [Job(fail_on_three, 3)], "ray", chunksize=2))
        assert sorted(r.index for r in out) == list(range(5))
        for r in out:
            if r.index < 4:
                assert r.ok, r.error
                assert r.value.equals(serial[r.index])
            else:
                assert not r.ok and "three" in r.error.message
        assert ray.is_initialized()  # a Ray instance started by the caller is left running
    finally:
        ray.shutdown()


@pytest.mark.slow
@pytest.mark.skipif(not ray_available(), reason="ray is an optional extra (pip install 'nasbench-harness[ray]'); not installed")
def test_sweep_on_ray_it_starts_itself_writes_the_same_files(tmp_path):
    import ray

    from reproduce.store.results import result_path
    from reproduce.store.sweep import sweep

    assert not ray.is_initialized()
    runs = specs(3, budget="50q")
    sweep(runs, tmp_path / "serial", executor="serial", progress=False)
    summary = sweep(runs, tmp_path / "ray", executor="ray", workers=2, progress=False)
    assert summary.done == 3 and summary.failed == 0
    assert not ray.is_initialized()  # started for this sweep, shut down after it
    for s in runs:
        assert result_path(tmp_path / "ray", s).read_bytes() == result_path(tmp_path / "serial", s).read_bytes()


needs_ray = pytest.mark.skipif(not ray_available(),
                               reason="ray is an optional extra (pip install 'nasbench-harness[ray]'); not installed")


@pytest.mark.slow
@needs_ray
def test_sweep_on_a_two_node_cluster_equals_serial_and_a_lost_worker_is_redone(tmp_path, monkeypatch):
    """A real multi-node cluster on one machine (ray.cluster_utils.Cluster), reached through
    RAY_ADDRESS as a user's `ray start --head` cluster is: the code and the published data travel
    in the runtime environment, results equal `serial` bit for bit, a worker that dies fails only
    its job (as when a node is lost) and a rerun of the sweep redoes exactly the missing run."""
    import ray
    from ray.cluster_utils import Cluster

    from reproduce.store.results import error_path, result_path
    from reproduce.store.sweep import sweep

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        runs = specs(4, budget="30q")
        sweep(runs, tmp_path / "serial", executor="serial", progress=False)
        monkeypatch.setenv("RAY_ADDRESS", cluster.address)
        summary = sweep(runs, tmp_path / "ray", executor="ray", workers=2, progress=False)
        assert summary.done == 4 and summary.failed == 0 and not ray.is_initialized()
        for s in runs:
            assert result_path(tmp_path / "ray", s).read_bytes() == result_path(tmp_path / "serial", s).read_bytes()
        lost = list(execute([Job(square, 2), Job(die_on_three, 3), Job(square, 4)], "ray", chunksize=1))
        by_index = {r.index: r for r in lost}
        assert by_index[0].value == 4 and by_index[2].value == 16 and not by_index[1].ok
        # a run lost mid-sweep leaves no result file, only its error record; the rerun redoes it
        result_path(tmp_path / "ray", runs[2]).unlink()
        again = sweep(runs, tmp_path / "ray", executor="ray", workers=2, progress=False)
        assert again.done == 1 and not error_path(tmp_path / "ray", runs[2]).exists()
        assert result_path(tmp_path / "ray", runs[2]).read_bytes() == result_path(tmp_path / "serial", runs[2]).read_bytes()
    finally:
        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()


@needs_ray
def test_unreachable_cluster_is_a_typed_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:1")
    start = time.perf_counter()
    with pytest.raises(ExecutorError, match=r"RAY_ADDRESS=127.0.0.1:1 .*does not answer.*ray start --head"):
        list(execute([Job(square, 2)], "ray"))
    assert time.perf_counter() - start < 30
    proc = subprocess.run([sys.executable, "-m", "reproduce.cli", "run", "--benchmark", "nbgraph/cora", "--strategy", "rs",
                           "--seeds", "1", "--budget", "5q", "--out", str(tmp_path / "x"), "--ray-address", "127.0.0.1:1"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--ray-address 127.0.0.1:1 needs --executor ray" in proc.stderr


# ----- no orphans: workers exit when their parent dies (kill -9 included) ---------------------
def _children() -> dict[int, list[int]]:
    """ppid -> pids of every live (non-zombie) process, read from /proc (no psutil)."""
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if state != "Z":
                out.setdefault(int(ppid), []).append(int(entry))
    return out


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    live = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                    live.add(pid)
        except OSError:
            pass
    return live


def _kill_parent_and_wait(cmd: list[str], *, min_children: int, env=None) -> tuple[set[int], set[int]]:
    """Start ``cmd``, wait until it has ``min_children`` descendants, kill -9 it, and return
    (the descendants seen, those still alive 5 s later)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        seen: set[int] = set()
        deadline = time.time() + 90
        while time.time() < deadline and len(seen) < min_children:
            time.sleep(0.3)
            assert proc.poll() is None, "the parent ended before it was killed"
            seen |= _descendants(proc.pid)
        assert len(seen) >= min_children, f"only {len(seen)} child processes started"
        time.sleep(1.0)  # let the workers reach their initializer
        seen |= _descendants(proc.pid)
        proc.kill()
        proc.wait()
        deadline = time.time() + 5
        while time.time() < deadline and _alive(seen):
            time.sleep(0.2)
        return seen, _alive(seen)
    finally:
        if proc.poll() is None:
            proc.kill()


SLOW_POOL = """
import time
from nasbench.executors import Job, execute
def slow(x):
    time.sleep(60)
    return x
if __name__ == "__main__":
    for r in execute([Job(slow, i) for i in range(8)], "local", workers=3):
        pass
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_parent_leaves_no_worker_or_resource_tracker(tmp_path):
    script = tmp_path / "slow_pool.py"
    script.write_text(SLOW_POOL)
    seen, left = _kill_parent_and_wait([sys.executable, str(script)], min_children=4)  # 3 workers + tracker
    assert not left, f"processes left alive after kill -9 of their parent: {sorted(left)} of {sorted(seen)}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_nasbench_run_leaves_no_orphan(tmp_path):
    env = {**os.environ, "NASBENCH_HOME": os.environ.get("NASBENCH_HOME", "")} if os.environ.get("NASBENCH_HOME") else None
    cmd = [sys.executable, "-m", "reproduce.cli", "run", "--benchmark", "nb201/cifar10", "--strategy", "rs",
           "--seeds", "0:400", "--budget", "1000000q", "--executor", "local", "--jobs", "2",
           "--out", str(tmp_path / "out")]
    probe = subprocess.run([sys.executable, "-m", "reproduce.cli", "run", "--help"], capture_output=True, text=True)
    if probe.returncode != 0 or "--jobs" not in probe.stdout:
        pytest.skip(f"`nasbench run` not available here: {probe.stderr.strip()[-200:]}")
    seen, left = _kill_parent_and_wait(cmd, min_children=2, env=env)
    assert not left, f"processes left alive after kill -9 of `nasbench run`: {sorted(left)} of {sorted(seen)}"
