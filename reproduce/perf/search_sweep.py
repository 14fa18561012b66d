"""Many-seeds speed and robustness, measured.

Prints:
1. wall time of 500 seeds of ``re`` (``rs`` if ``re`` is not registered; it says so) on
   nb201/cifar10, 12000 s simulated budget, through ``sweep(..., executor='local')`` on the
   available cores into a temporary folder (target < 5 s), next to the same runs in one
   process (serial) and the part of a run spent opening the table;
2. per-query loop overhead of ``run_one`` for rs and re: (time of run_one - time of
   ``nasbench.load``) / queries - time of the raw numpy table reads those queries need
   (signal value, cost, final valid/test of the incumbent), in microseconds (target < 20 us);
3. kill -9: ``nasbench run ... --seeds 0:500`` as a subprocess, SIGKILL to its whole process
   group in the middle, the same command again; then every one of the 500 result files is
   present exactly once, parses, no temporary file is left, and a few equal a fresh run.

Usage: ``python reproduce/perf/search_sweep.py [--seeds 500] [--jobs N]``
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import nasbench
from nasbench.executors import available_cores
from reproduce.perf._targets import check, finish
from reproduce.store.results import read_run, result_files
from reproduce.store.sweep import sweep
from strategies import strategy_names
from strategies.runner import RunSpec, run_one

BENCH = "nb201/cifar10"
BUDGET = "12000s"


def pick_strategy() -> str:
    if "re" in strategy_names():
        return "re"
    print("   NOTE: 're' is not registered yet; measuring 'rs' instead")
    return "rs"


def sweep_wall_time(strategy: str, n: int, jobs: int) -> None:
    nasbench.load(BENCH)  # the table is built beforehand, not timed
    specs = [RunSpec(BENCH, strategy, seed, BUDGET) for seed in range(n)]
    with tempfile.TemporaryDirectory() as d:
        start = time.perf_counter()
        summary = sweep(specs, d, executor="local", workers=jobs, progress=False)
        wall = time.perf_counter() - start
        assert summary.done == n and summary.failed == 0, summary.line()
        steps = sum(len(read_run(p)[1]) for p in result_files(d))
    sample = specs[: min(n, 60)]
    start = time.perf_counter()
    for s in sample:
        run_one(s)
    per_run = (time.perf_counter() - start) / len(sample)
    loads = []
    for _ in range(20):
        t = time.perf_counter()
        nasbench.load(BENCH)
        loads.append(time.perf_counter() - t)
    load = statistics.median(loads)
    print(f"1. {n} seeds of '{strategy}' on {BENCH}, budget {BUDGET}, sweep(executor='local') on {jobs} core(s):")
    print(f"   wall {wall:.2f} s {check(f'{n} seeds sweep wall', wall, 5.0, ' s')}"
          f"   [{steps:,} trajectory rows, {steps / n:.0f} queries per run]")
    print(f"   for comparison, one process: {per_run * 1e3:.1f} ms per run -> {per_run * n:.2f} s for {n}"
          f" (of which nasbench.load: {load * 1e3:.2f} ms per call)")


def raw_lookup_time(arch_ids: np.ndarray, incumbents: np.ndarray) -> float:
    """Seconds for the scalar numpy reads one query needs, done in a plain Python loop."""
    bench = nasbench.load(BENCH)
    table = bench.table
    values = table.array("valid_acc")
    f = table.fidelity_index(12)
    times = table.vector("train_time", 12).astype(np.float64)
    valid, test = table.vector("valid_acc"), table.vector("test_acc")
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        for a, inc in zip(arch_ids.tolist(), incumbents.tolist()):
            v = float(values[a, 0, f])
            c = float(times[a])
            fv, ft = valid.item(inc), test.item(inc)
        elapsed = time.perf_counter() - start
        best = elapsed if not best else min(best, elapsed)
    del v, c, fv, ft
    return best


def loop_overhead(strategies: list[str], queries: int = 3000, seeds: int = 5) -> None:
    print(f"2. per-query loop overhead of run_one ({queries} queries per run, median of {seeds} seeds):")
    load = statistics.median(_timed(lambda: nasbench.load(BENCH)) for _ in range(20))
    for name in strategies:
        run_one(RunSpec(BENCH, name, 0, "50q"))  # warm imports
        per_run, per_raw = [], []
        for seed in range(seeds):
            spec = RunSpec(BENCH, name, seed, f"{queries}q")
            start = time.perf_counter()
            traj = run_one(spec)
            elapsed = time.perf_counter() - start
            q = len(traj)
            per_run.append((elapsed - load) / q)
            per_raw.append(raw_lookup_time(traj["arch"], np.maximum(traj["incumbent"], 0)) / q)
        run_us, raw_us = statistics.median(per_run) * 1e6, statistics.median(per_raw) * 1e6
        print(f"   {name:<3} run_one {run_us:6.1f} us/query - raw lookups {raw_us:4.1f} us/query"
              f" = overhead {run_us - raw_us:6.1f} us/query {check(f'{name} loop overhead', run_us - raw_us, 20.0, ' us')}")
    print(f"   (nasbench.load, excluded above: {load * 1e3:.1f} ms per run)")


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def kill_check(strategy: str, n: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        argv = [sys.executable, "-m", "reproduce.cli", "run", "--benchmark", BENCH, "--strategy", strategy,
                "--seeds", f"0:{n}", "--budget", BUDGET, "--jobs", str(jobs), "--out", d]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        start = time.monotonic()
        while proc.poll() is None and len(list(Path(d).rglob("seed-*.json"))) < n // 3:
            time.sleep(0.01)
        killed = proc.poll() is None
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        at_kill = len(list(Path(d).rglob("seed-*.json")))
        temps = len([p for p in Path(d).rglob("*.tmp")])
        t_kill = time.monotonic() - start
        rerun = subprocess.run(argv, capture_output=True, text=True)
        files = result_files(d)
        names = sorted(p.name for p in files)
        once = names == [f"seed-{s:05d}.json" for s in range(n)]
        parsed = {}
        for p in files:
            spec, traj = read_run(p)
            parsed[spec.seed] = (spec, traj)
        leftovers = len([p for p in Path(d).rglob("*.tmp")])
        check = [0, n // 2, n - 1]
        equal = all(parsed[s][1].equals(run_one(parsed[s][0])) for s in check)
        print(f"3. kill -9 of `nasbench run --seeds 0:{n}` ({strategy}, {BUDGET}) and rerun:")
        print(f"   {'SIGKILL to the process group' if killed else 'NOT killed (finished first)'} after {t_kill:.2f} s"
              f" with {at_kill}/{n} results written ({temps} temporary file(s) left by the kill);"
              f" rerun exit {rerun.returncode}: {rerun.stdout.splitlines()[0] if rerun.stdout else rerun.stderr.strip()}")
        print(f"   all {n} present exactly once: {once}; all parse: {len(parsed) == n}; temporary files left: {leftovers};"
              f" seeds {check} equal a fresh serial run_one: {equal}")
        if not (killed and once and len(parsed) == n and not leftovers and equal and rerun.returncode == 0):
            raise SystemExit("kill -9 check FAILED")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=available_cores())
    args = parser.parse_args()
    strategy = pick_strategy()
    sweep_wall_time(strategy, args.seeds, args.jobs)
    loop_overhead(sorted({"rs", strategy}))
    kill_check(strategy, args.seeds, args.jobs)
    finish()


if __name__ == "__main__":
    main()
