"""The per-run loop against the batched engine, side by side, as figures and ratios.

Prints, each on the same machine in the same process (one torch thread):
1. 500 REA runs on nb201/cifar10 (12000 s budget, the sweep perf's setting): the loop
   (``run_one`` per seed) and ``run_batched`` in this process, and ``run_batched`` in a fresh
   Python process, start-up included (interpreter, imports, opening the table; the table is
   built beforehand; best of three), against the issue's target;
2. 100 seeds x 500 queries of RE on nbgraph/cora;
3. the main job's setting (preset nbgraph-search: 9 NB-Graph datasets, signal valid_acc, noise
   mean, 500 queries, 100 seeds) for rs, re, ls, reinforce and rl-controller: the batched engine
   on all 100 seeds; the loop on ``--loop-seeds`` seeds per dataset, scaled to 100 (stated), or
   on all of them with ``--full``.
Every batched run is checked equal to the loop on the seeds the loop ran (trajectories).

Usage: ``python reproduce/perf/batched_engine.py [--loop-seeds 10] [--full] [--datasets cora,proteins]
[--parts 1,2,3]``
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

import nasbench
from reproduce.perf import _targets
from reproduce.perf._targets import check, finish
from strategies.batched import run_batched
from strategies.runner import RunSpec, run_one

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")
MAIN_STRATEGIES = ("rs", "re", "ls", "reinforce", "rl-controller")
PRESET = ("rs", "re", "reinforce", "rl-controller")  # the strategies of nbgraph-search


def _one_thread() -> None:
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def same(loop, batched) -> bool:
    return all(a.equals(b) and a.stopped == b.stopped for a, b in zip(loop, batched))


def rea_nb201(n: int = 500) -> None:
    print(f"1. {n} REA runs on nb201/cifar10, 12000s budget")
    nasbench.load("nb201/cifar10")
    specs = [RunSpec("nb201/cifar10", "re", s, "12000s") for s in range(n)]
    t_loop, loop = timed(lambda: [run_one(s) for s in specs])
    t_batch, batched = timed(lambda: run_batched(specs))
    code = ("import time; t = time.perf_counter(); from strategies.batched import run_batched; "
            "from strategies.runner import RunSpec; "
            f"run_batched([RunSpec('nb201/cifar10', 're', s, '12000s') for s in range({n})]); "
            "print(time.perf_counter() - t)")
    fresh = []
    for _ in range(3):  # a shared machine: the best of three fresh processes (all three printed)
        start = time.perf_counter()
        inner = float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                     env={**os.environ, "OMP_NUM_THREADS": "1"}).stdout.split()[-1])
        fresh.append((time.perf_counter() - start, inner))
    t_fresh, inner = min(fresh)
    print(f"   loop (run_one x {n}, this process)        {t_loop:7.3f} s")
    print(f"   batched (this process)                   {t_batch:7.3f} s   {t_loop / t_batch:6.1f}x faster")
    print(f"   batched, fresh process, start-up incl.   {t_fresh:7.3f} s   (of which imports + table + runs "
          f"{inner:.3f} s; best of {', '.join(f'{t:.3f}' for t, _ in fresh)})  "
          f"{check('500 REA nb201 batched incl. start-up', t_fresh, _targets.BATCHED_REA_NB201_500_S, ' s')}")
    print(f"   trajectories equal: {same(loop, batched)}")


def re_cora() -> None:
    print("2. RE, 100 seeds x 500 queries on nbgraph/cora")
    specs = [RunSpec("nbgraph/cora", "re", s, "500q") for s in range(100)]
    nasbench.load("nbgraph/cora")
    run_batched(specs[:2])  # the neighbour table is built once per process (not timed)
    t_loop, loop = timed(lambda: [run_one(s) for s in specs])
    t_batch, batched = timed(lambda: run_batched(specs))
    print(f"   loop     {t_loop:7.3f} s")
    print(f"   batched  {t_batch:7.3f} s   {t_loop / t_batch:6.1f}x faster   "
          f"{check('RE cora 100x500q batched', t_batch, _targets.BATCHED_RE_CORA_100X500_S, ' s')}")
    print(f"   trajectories equal: {same(loop, batched)}")


def main_job(datasets, loop_seeds: int, seeds: int = 100) -> None:
    scale = seeds / loop_seeds
    note = "" if loop_seeds == seeds else f" (loop timed on {loop_seeds} seeds per dataset, x{scale:g})"
    print(f"3. the main job's setting: {len(datasets)} NB-Graph datasets x {seeds} seeds x 500q, noise mean{note}")
    for d in datasets:
        nasbench.load(f"nbgraph/{d}")
    run_batched([RunSpec("nbgraph/cora", "re", 0, "2q"), RunSpec("nbgraph/cora", "re", 1, "2q")])
    run_batched([RunSpec("nbgraph/proteins", "re", 0, "2q")])
    print(f"   {'strategy':14s} {'loop (s)':>10s} {'batched (s)':>12s} {'ratio':>7s}  equal")
    totals = {"loop": 0.0, "batched": 0.0}
    for strategy in MAIN_STRATEGIES:
        t_loop = t_batch = 0.0
        equal = True
        for d in datasets:
            specs = [RunSpec(f"nbgraph/{d}", strategy, s, "500q", signal="valid_acc", noise="mean")
                     for s in range(seeds)]
            tl, loop = timed(lambda specs=specs: [run_one(s) for s in specs[:loop_seeds]])
            tb, batched = timed(lambda specs=specs: run_batched(specs))
            t_loop += tl * scale
            t_batch += tb
            equal &= same(loop, batched[:loop_seeds])
        ratio = t_loop / t_batch
        flag = check(f"batched/loop ratio {strategy}", ratio, _targets.BATCHED_MIN_RATIO, "x",
                     higher_is_better=True) if strategy in ("rs", "re", "reinforce") else ""
        print(f"   {strategy:14s} {t_loop:10.2f} {t_batch:12.2f} {ratio:6.1f}x  {equal}  {flag}")
        if strategy in PRESET:
            totals["loop"] += t_loop
            totals["batched"] += t_batch
    print(f"   {'preset total':14s} {totals['loop']:10.2f} {totals['batched']:12.2f} "
          f"{totals['loop'] / totals['batched']:6.1f}x  (rs, re, reinforce, rl-controller; one process, one core)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop-seeds", type=int, default=10, help="seeds of the loop per main-job configuration")
    parser.add_argument("--full", action="store_true", help="the loop on all 100 seeds too (minutes)")
    parser.add_argument("--datasets", default=",".join(DATASETS), help="NB-Graph datasets of part 3")
    parser.add_argument("--parts", default="1,2,3", help="which parts to run, e.g. 1,2")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    _one_thread()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start; numpy {np.__version__}")
    if "1" in parts:
        rea_nb201()
    if "2" in parts:
        re_cora()
    if "3" in parts:
        main_job(args.datasets.split(","), 100 if args.full else args.loop_seeds)
    finish()


if __name__ == "__main__":
    main()
