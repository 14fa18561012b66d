"""Which strategy leads at which budget: incumbent values at simulated-time budgets, with
percentile-bootstrap confidence intervals of the differences of means.

    python reproduce/checks/anytime_bootstrap.py RESULTS_DIR --budgets 10000 20000 40000 \
        [--metric incumbent_valid incumbent_test] [--resamples 10000] [--seed 0]

``RESULTS_DIR`` is a ``nasbench run --out`` folder or a preset's ``runs/`` folder. The incumbent
of a run at budget B is its last trajectory row with ``time <= B`` (simulated seconds). For each
budget it prints every strategy's mean +/- std over seeds, the leader, and the leader's lead over
each other strategy as a difference of means with a 95% percentile bootstrap interval (seeds
resampled independently per strategy; the strategies' random streams are independent).
"""
from __future__ import annotations

import argparse

import numpy as np

import reproduce


def incumbents_at(frame, budget: float, metric: str) -> dict[str, np.ndarray]:
    """``strategy -> values over seeds`` of ``metric`` at the last step with ``time <= budget``."""
    rows = frame[frame["time"] <= budget]
    last = rows.sort_values("time").groupby(["strategy", "seed"], sort=True).tail(1)
    return {s: g.sort_values("seed")[metric].to_numpy(dtype=float) for s, g in last.groupby("strategy")}


def bootstrap_difference(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, resamples: int) -> tuple[float, float, float]:
    """Mean(x) - mean(y) and its 95% percentile bootstrap interval."""
    bx = x[rng.integers(len(x), size=(resamples, len(x)))].mean(axis=1)
    by = y[rng.integers(len(y), size=(resamples, len(y)))].mean(axis=1)
    low, high = np.percentile(bx - by, [2.5, 97.5])
    return float(x.mean() - y.mean()), float(low), float(high)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--budgets", type=float, nargs="+", required=True, help="simulated seconds")
    parser.add_argument("--metric", nargs="+", default=["incumbent_valid", "incumbent_test"])
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    frame = reproduce.load_results(args.results)
    rng = np.random.default_rng(args.seed)
    for budget in args.budgets:
        for metric in args.metric:
            values = incumbents_at(frame, budget, metric)
            order = sorted(values, key=lambda s: -np.nanmean(values[s]))
            print(f"\n== {budget:,.0f} s, {metric} (n = {', '.join(f'{s}:{len(v)}' for s, v in values.items())})")
            for s in order:
                print(f"  {s:<8} {np.nanmean(values[s]):.2f} +/- {np.nanstd(values[s], ddof=1):.2f}")
            lead = order[0]
            for s in order[1:]:
                d, lo, hi = bootstrap_difference(values[lead], values[s], rng, args.resamples)
                print(f"  {lead} - {s}: {d:+.2f} [{lo:+.2f}, {hi:+.2f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
