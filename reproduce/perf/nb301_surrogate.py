"""Throughput of the NB301 surrogate (``nb301/cifar10``) per CPU thread and on all cores, and its regret reference.

    python reproduce/perf/nb301_surrogate.py                 # batched and single-query archs/s
    python reproduce/perf/nb301_surrogate.py --reference     # + the search behind REFERENCE_VALID_ACC

Batched: ``SurrogateTable.query`` of 10^5 uniform architectures at epoch 98 (encoding included),
one onnxruntime session with one intra-op thread; then the same in one process per core at once
(how a sweep uses the machine: one compute thread per process), summed (target >= 10^5 archs/s).
Single: ``Evaluator.evaluate`` one architecture at a time (what a search loop pays per query).
``--reference`` runs regularized evolution
(``--seeds`` x ``--queries`` on valid_acc@98) and draws ``--samples`` uniform architectures, and
prints the best prediction found: the declared regret reference of nasbench/surrogates/nb301.py.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import nasbench
from nasbench.evaluator import Evaluator
from reproduce.perf._targets import check, finish


def batched(bench, n: int, repeats: int = 3) -> float:
    ids = bench.space.sample(np.random.default_rng(0), n)
    bench.table.query(ids[:1000], "valid_acc")  # warm up
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        bench.table.query(ids, "valid_acc")
        best = min(best, time.perf_counter() - t)
    return n / best


def _batched_in_worker(n: int) -> float:
    return batched(nasbench.load("nb301/cifar10"), n)


def all_cores(n: int, processes: int) -> float:
    """Summed archs/s of ``processes`` worker processes querying at the same time."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=ctx) as pool:
        return float(sum(pool.map(_batched_in_worker, [n] * processes)))


def single(bench, n: int) -> float:
    ev = Evaluator(bench, rng=np.random.default_rng(0))
    ids = bench.space.sample(np.random.default_rng(1), n)
    t = time.perf_counter()
    for a in ids.tolist():
        ev.evaluate(a)
    return n / (time.perf_counter() - t)


def reference(bench, seeds: int, queries: int, samples: int) -> tuple[float, str]:
    from strategies.runner import RunSpec, run_one

    best, where = -np.inf, ""
    for seed in range(seeds):
        traj = run_one(RunSpec(benchmark=bench.name, strategy="re", seed=seed, budget=f"{queries}q"))
        value = float(np.nanmax(traj["incumbent_valid"]))
        print(f"  re seed {seed}: best valid_acc@98 {value:.4f}", flush=True)
        if value > best:
            best, where = value, f"re seed {seed}"
    rng = np.random.default_rng(12345)
    for start in range(0, samples, 100_000):
        ids = bench.space.sample(rng, min(100_000, samples - start))
        vals = bench.table.query(ids, "valid_acc")
        if float(vals.max()) > best:
            best, where = float(vals.max()), f"uniform sample {bench.space.to_str(int(ids[int(vals.argmax())]))}"
    return best, where


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=100_000)
    p.add_argument("--single", type=int, default=2_000)
    p.add_argument("--reference", action="store_true")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--queries", type=int, default=3_000)
    p.add_argument("--samples", type=int, default=1_000_000)
    args = p.parse_args()
    bench = nasbench.load("nb301/cifar10")
    print(f"batched ({args.batch:,} archs, 1 thread): {batched(bench, args.batch):,.0f} archs/s")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    rate = all_cores(args.batch, cores)
    print(f"batched, {cores} processes at once (1 thread each): {rate:,.0f} archs/s "
          f"{check('nb301 surrogate, all cores', rate, 1e5, ' archs/s', higher_is_better=True)}")
    print(f"single (Evaluator.evaluate, one arch per call): {single(bench, args.single):,.0f} archs/s")
    if args.reference:
        value, where = reference(bench, args.seeds, args.queries, args.samples)
        print(f"reference: best valid_acc@98 = {value:.4f} ({where}; {args.seeds} RE seeds x {args.queries} "
              f"queries + {args.samples:,} uniform samples)")
    finish()


if __name__ == "__main__":
    main()
