"""bananas vs re: 150 queries on nb201/cifar10 over many seeds; mean final test regret and a
bootstrap CI of the difference (paired by seed). Also times bananas' fit+predict per iteration.

    python reproduce/perf/predictor_bananas_vs_re.py --seeds 100 --jobs 16 --out DIR
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np


def one(args):
    strategy, seed, benchmark, budget = args
    import nasbench
    from nasbench.evaluator import Evaluator, Reporter
    from strategies.loop import run_search
    from strategies.registry import make_strategy
    from strategies.runner import RunSpec, run_one

    t0 = time.perf_counter()
    if strategy == "bananas":  # same seeding as run_one, but keep the strategy to read its timings
        bench = nasbench.load(benchmark)
        s_seq, n_seq = np.random.SeedSequence(seed).spawn(2)
        strat = make_strategy(strategy, bench.space, rng=np.random.default_rng(s_seq))
        ev = Evaluator(bench, rng=np.random.default_rng(n_seq))
        traj = run_search(strat, ev, budget, reporter=Reporter(bench))
        timings = strat.timings
    else:
        traj = run_one(RunSpec(benchmark, strategy, seed, budget))
        timings = []
    f = traj.final()
    return {"strategy": strategy, "seed": seed, "test_regret": f["test_regret"], "valid_regret": f["valid_regret"],
            "wall_s": time.perf_counter() - t0, "n_fits": len(timings),
            "fit_s": float(sum(t[1] for t in timings)), "predict_s": float(sum(t[2] for t in timings))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--benchmark", default="nb201/cifar10")
    ap.add_argument("--budget", default="150q")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    jobs = [(s, seed, a.benchmark, a.budget) for seed in range(a.seeds) for s in ("bananas", "re")]
    with ProcessPoolExecutor(a.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        rows = list(pool.map(one, jobs))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    import pandas as pd

    df = pd.DataFrame(rows)
    df.to_csv(out / "bananas_vs_re.csv", index=False)
    b = df[df.strategy == "bananas"].sort_values("seed")["test_regret"].to_numpy()
    r = df[df.strategy == "re"].sort_values("seed")["test_regret"].to_numpy()
    d = b - r
    rng = np.random.default_rng(0)
    boots = d[rng.integers(len(d), size=(10000, len(d)))].mean(axis=1)
    bw = df[df.strategy == "bananas"]
    summary = {"seeds": a.seeds, "budget": a.budget, "benchmark": a.benchmark,
               "bananas_mean_test_regret": float(b.mean()), "re_mean_test_regret": float(r.mean()),
               "mean_diff_bananas_minus_re": float(d.mean()),
               "diff_95ci_bootstrap": [float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))],
               "bananas_wall_s_mean": float(bw.wall_s.mean()), "bananas_wall_s_max": float(bw.wall_s.max()),
               "bananas_fit_s_per_iter": float(bw.fit_s.sum() / bw.n_fits.sum()),
               "bananas_predict_s_per_iter": float(bw.predict_s.sum() / bw.n_fits.sum()),
               "re_wall_s_mean": float(df[df.strategy == "re"].wall_s.mean())}
    (out / "bananas_vs_re.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
