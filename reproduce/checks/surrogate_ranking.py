"""Check: do strategies rank the same on a surrogate benchmark as on the true table?

The validation idea of NAS-Bench-301 (Siems et al., 2020): fit a predictor on a fraction of a
tabular benchmark, run the same searches on the table and on the surrogate, and compare the
strategies' rankings. Here: predictors fitted on 10% of nb201/cifar10 ``valid_acc@200``
(:func:`predictors.surrogate.surrogate_benchmark`), each strategy run for 150 queries per
seed with signal ``valid_acc@200`` and noise ``mean``; the incumbent is always scored on the
TRUE table (``Reporter(true_bench)``: 200-epoch test accuracy, mean over replicates), so a
surrogate that misleads the search shows as a larger true regret. Printed: per-strategy mean
final test regret (with the standard error) on each benchmark, each benchmark's ranking, and
Kendall's tau between the true ranking and each surrogate's.

Seeds: run ``seed`` uses ``SeedSequence(seed).spawn(2)`` (strategy, evaluator), the same
streams on every benchmark.

Usage: ``python reproduce/checks/surrogate_ranking.py [--seeds 100] [--budget 150q]
[--predictors bananas-ensemble,rf] [--strategies rs,re,ls,reinforce] [--fit-fraction 0.1]``
(``bananas`` as a strategy is ~10 s per 150-query run on one core: add it explicitly.)
"""
from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
from scipy.stats import kendalltau, spearmanr

import nasbench
from nasbench.evaluator import Evaluator, Reporter
from predictors.surrogate import surrogate_benchmark, surrogate_record
from strategies.loop import run_search
from strategies.registry import make_strategy


def final_regrets(bench, true_reporter, strategy: str, seeds: int, budget: str, signal: str, noise: str):
    """Final true test regret and the benchmark's own valid regret per seed."""
    own = Reporter(bench)
    test, own_valid = [], []
    for seed in range(seeds):
        strategy_seq, noise_seq = np.random.SeedSequence(seed).spawn(2)
        s = make_strategy(strategy, bench.space, rng=np.random.default_rng(strategy_seq))
        ev = Evaluator(bench, rng=np.random.default_rng(noise_seq), signal=signal, noise=noise)
        final = run_search(s, ev, budget, reporter=true_reporter).final()
        test.append(final["test_regret"])
        own_valid.append(own.best_valid - own.final(int(final["incumbent"]))[0])
    return np.array(test), np.array(own_valid)


def ranking(means: dict[str, float]) -> list[str]:
    """Strategies from best (lowest regret) to worst."""
    return sorted(means, key=lambda k: means[k])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmark", default="nb201/cifar10")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--budget", default="150q")
    ap.add_argument("--predictors", default="bananas-ensemble,rf")
    ap.add_argument("--strategies", default="rs,re,ls,reinforce")
    ap.add_argument("--fit-fraction", type=float, default=0.1)
    ap.add_argument("--signal", default="valid_acc@200")
    ap.add_argument("--noise", default="mean")
    ap.add_argument("--random-state", type=int, default=0)
    args = ap.parse_args()
    strategies = [s for s in args.strategies.split(",") if s]
    true_bench = nasbench.load(args.benchmark)
    reporter = Reporter(true_bench)
    metric, _, fid = args.signal.partition("@")
    fidelity = float(fid) if fid else None
    benches = {"true table": true_bench}
    tmp = tempfile.TemporaryDirectory(prefix="surrogate-ranking-")  # the surrogate tables, removed at exit
    for p in [p for p in args.predictors.split(",") if p]:
        t0 = time.perf_counter()
        sur = surrogate_benchmark(true_bench, p, fit_fraction=args.fit_fraction, metric=metric, fidelity=fidelity,
                                  random_state=args.random_state, out_dir=tmp.name)
        rec = surrogate_record(sur.table)
        y = true_bench.table.vector(metric, fidelity)
        held = np.setdiff1d(np.flatnonzero(np.isfinite(y)), rec["train_ids"])
        pred = sur.table.vector(metric, fidelity)
        print(f"{sur.name}: fitted on {rec['n_fit']} archs ({rec['encoding']}) in {time.perf_counter() - t0:.1f} s; "
              f"held-out Spearman {spearmanr(pred[held], y[held])[0]:.3f}, Kendall {kendalltau(pred[held], y[held])[0]:.3f}, "
              f"MAE {np.mean(np.abs(pred[held] - y[held])):.2f}; replicates per predicted arch {rec['replicates']}")
        benches[p] = sur
    print(f"\n{args.benchmark}: {len(strategies)} strategies x {args.seeds} seeds x {args.budget}, signal {args.signal}, "
          f"noise {args.noise}; final TRUE test regret (pp, mean +/- s.e.), incumbent scored on the true table")
    means: dict[str, dict[str, float]] = {}
    header = f"{'strategy':<11}" + "".join(f"{k:>26}" for k in benches)
    print(header)
    rows: dict[str, list[str]] = {s: [] for s in strategies}
    for name, bench in benches.items():
        means[name] = {}
        for s in strategies:
            t0 = time.perf_counter()
            test, own = final_regrets(bench, reporter, s, args.seeds, args.budget, args.signal, args.noise)
            means[name][s] = float(test.mean())
            rows[s].append(f"{test.mean():7.3f} +/- {test.std(ddof=1) / np.sqrt(len(test)):5.3f} (own {own.mean():5.2f})")
            print(f"  [{name} {s}: {time.perf_counter() - t0:.1f} s]", flush=True)
    print(header)
    for s in strategies:
        print(f"{s:<11}" + "".join(f"{c:>26}" for c in rows[s]))
    print("('own' = mean final valid regret on the benchmark the search ran on)\n")
    true_rank = ranking(means["true table"])
    for name in benches:
        r = ranking(means[name])
        line = f"ranking on {name:<18}: {' < '.join(r)}"
        if name != "true table":
            tau = kendalltau([true_rank.index(s) for s in strategies], [r.index(s) for s in strategies])[0]
            line += f"   Kendall tau vs true = {tau:+.3f}"
        print(line)


if __name__ == "__main__":
    main()
