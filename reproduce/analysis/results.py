"""Which strategy wins where: paired bootstrap confidence intervals per benchmark and a
critical-difference comparison over benchmarks (Demsar, "Statistical Comparisons of Classifiers
over Multiple Data Sets", JMLR 7, 2006).

- Per benchmark: every strategy's final value (default ``test_regret`` of the incumbent at the end
  of the budget; lower is better), mean with a 95% bootstrap interval over seeds; for every pair
  of strategies the mean paired difference over the seeds both ran, with a 95% percentile
  bootstrap interval (seeds resampled together); a pair is decided when the interval excludes 0.
- Over benchmarks (at least two, strategies that ran on all of them): average ranks of the mean
  final values (rank 1 = best; ties share the mean rank), the Friedman statistic
  ``chi2_F = 12N / (k(k+1)) * (sum_j R_j^2 - k(k+1)^2 / 4)`` (chi-square, k-1 df), the Iman-
  Davenport ``F_F = (N-1) chi2_F / (N(k-1) - chi2_F)`` (F with k-1 and (k-1)(N-1) df), and the
  Nemenyi critical difference ``CD = q_alpha sqrt(k(k+1) / (6N))`` with ``q_alpha`` the
  studentized range quantile for k groups and infinite df divided by sqrt(2) (Demsar's Table 5a).
"""
from __future__ import annotations

import math

import numpy as np

N_BOOT = 2000
ALPHA = 0.05
#: fewer paired seeds than this: no verdict (a difference from a handful of seeds is anecdote)
MIN_VERDICT_SEEDS = 10
#: a Friedman / Nemenyi comparison over fewer benchmarks than this has little power: say so
MIN_FRIEDMAN_BENCHMARKS = 5
LOWER_IS_BETTER = {"test_regret": True, "valid_regret": True, "incumbent_test": False, "incumbent_valid": False}


def label(strategy: str, config: str, variants: dict) -> str:
    """Strategy name, with its configuration key when one benchmark of the folder has runs of the
    strategy with several settings (settings derived per benchmark, such as a multi-fidelity
    strategy's ladder, do not count: they are one strategy)."""
    return strategy if variants.get(strategy, 1) == 1 else f"{strategy} [{config}]"


def bootstrap_mean_ci(x: np.ndarray, rng: np.random.Generator, n_boot: int = N_BOOT, alpha: float = ALPHA):
    """Mean and percentile-bootstrap interval of the mean."""
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if not len(x):
        return math.nan, [math.nan, math.nan]
    if len(x) == 1:
        return float(x[0]), [float(x[0]), float(x[0])]
    means = x[rng.integers(len(x), size=(n_boot, len(x)))].mean(axis=1)
    lo, hi = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(x.mean()), [float(lo), float(hi)]


def average_ranks(matrix: np.ndarray, lower_is_better: bool = True) -> np.ndarray:
    """Per-row ranks (1 = best, ties -> mean rank), averaged over rows: ``[k]``."""
    from scipy.stats import rankdata

    m = np.asarray(matrix, dtype=np.float64)
    ranks = rankdata(m if lower_is_better else -m, axis=1, method="average")
    return ranks.mean(axis=0)


def friedman(matrix: np.ndarray, lower_is_better: bool = True) -> dict:
    """Friedman and Iman-Davenport statistics of ``matrix`` [N blocks (benchmarks), k treatments]."""
    from scipy.stats import chi2, f

    n, k = matrix.shape
    r = average_ranks(matrix, lower_is_better)
    chi = 12.0 * n / (k * (k + 1)) * (float((r**2).sum()) - k * (k + 1) ** 2 / 4.0)
    out = {"n_benchmarks": int(n), "k_strategies": int(k), "average_ranks": r.tolist(), "chi2": chi,
           "p_chi2": float(chi2.sf(chi, k - 1)) if k > 1 else math.nan}
    denom = n * (k - 1) - chi
    if k > 1 and n > 1 and denom > 0:
        ff = (n - 1) * chi / denom
        out.update({"iman_davenport_F": ff, "p_F": float(f.sf(ff, k - 1, (k - 1) * (n - 1)))})
    else:
        out.update({"iman_davenport_F": math.inf if k > 1 and n > 1 else math.nan, "p_F": 0.0 if k > 1 and n > 1 else math.nan})
    return out


def nemenyi_q(k: int, alpha: float = ALPHA) -> float:
    """Critical value q_alpha of the Nemenyi test for k groups (studentized range / sqrt 2)."""
    from scipy.stats import studentized_range

    return float(studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2.0))


def critical_difference(k: int, n: int, alpha: float = ALPHA) -> float:
    """Nemenyi critical difference of average ranks for k strategies over n benchmarks."""
    return nemenyi_q(k, alpha) * math.sqrt(k * (k + 1) / (6.0 * n))


def cliques(ranks: np.ndarray, cd: float) -> list[list[int]]:
    """Maximal groups of strategies (indices, by rank) whose average ranks lie within ``cd``."""
    order = list(np.argsort(ranks, kind="stable"))
    groups: list[list[int]] = []
    for i in range(len(order)):
        j = i
        while j + 1 < len(order) and ranks[order[j + 1]] - ranks[order[i]] < cd:
            j += 1
        if j > i:
            group = order[i:j + 1]
            if not any(set(group) <= set(g) for g in groups):
                groups.append([int(x) for x in group])
    return groups


def paired_difference(a: dict, b: dict, rng: np.random.Generator, n_boot: int = N_BOOT, alpha: float = ALPHA) -> dict:
    """Mean of a - b over the seeds both have ({seed: value}), with a paired bootstrap interval."""
    seeds = sorted(set(a) & set(b))
    d = np.array([a[s] - b[s] for s in seeds], dtype=np.float64)
    d = d[np.isfinite(d)]
    if not len(d):
        return {"n_pairs": 0, "mean_diff": math.nan, "ci95": [math.nan, math.nan]}
    mean, ci = bootstrap_mean_ci(d, rng, n_boot, alpha)
    return {"n_pairs": int(len(d)), "mean_diff": mean, "ci95": ci, "p_a_better": float(np.mean(d < 0)),
            "p_b_better": float(np.mean(d > 0))}


def compare(final, metric: str = "test_regret", seed: int = 0) -> dict:
    """Everything above from a ``load_final`` frame (one row per run)."""
    lower = LOWER_IS_BETTER.get(metric, True)
    rng = np.random.default_rng(seed)
    if "config" in final:  # one label per configuration (reproduce.store.configs): never two pooled
        frame = final.assign(label=final["config"].astype(str))
    else:
        hps = final["hyperparameters"].astype(str)
        variants = final.assign(hps=hps).groupby(["benchmark", "strategy"])["hps"].nunique().groupby("strategy").max().to_dict()
        configs = final["config_key"].astype(str) if "config_key" in final else hps
        frame = final.assign(label=[label(s, c, variants) for s, c in zip(final["strategy"], configs)])
    benches = sorted(frame["benchmark"].unique())
    strategies = sorted(frame["label"].unique())
    per_bench = {}
    means = {}
    for b in benches:
        sub = frame[frame["benchmark"] == b]
        values = {s: dict(zip(g["seed"].astype(int), g[metric].astype(float))) for s, g in sub.groupby("label")}
        rows = {}
        for s, v in values.items():
            m, ci = bootstrap_mean_ci(np.array(list(v.values())), rng)
            rows[s] = {"runs": len(v), "mean": m, "ci95": ci, "median": float(np.nanmedian(list(v.values())))}
            means[(b, s)] = m
        pairs = []
        names = sorted(values)
        for i, a in enumerate(names):
            for c in names[i + 1:]:
                p = paired_difference(values[a], values[c], rng)
                enough = p["n_pairs"] >= MIN_VERDICT_SEEDS
                decided = enough and np.isfinite(p["ci95"][0]) and (p["ci95"][0] > 0 or p["ci95"][1] < 0)
                better = None
                if decided:
                    a_better = (p["ci95"][1] < 0) if lower else (p["ci95"][0] > 0)
                    better = a if a_better else c
                pairs.append({"a": a, "b": c, **p, "significant": bool(decided), "better": better,
                              "verdict": None if enough else f"n = {p['n_pairs']} < {MIN_VERDICT_SEEDS} paired seeds"})
        ranked = sorted(rows, key=lambda s: rows[s]["mean"] if lower else -rows[s]["mean"])
        winner = ranked[0] if ranked else None
        clear = None
        no_verdict = None
        if len(ranked) > 1:
            top = [p for p in pairs if {p["a"], p["b"]} == {ranked[0], ranked[1]}][0]
            if top["verdict"] is None:
                clear = top["better"] == winner
            else:
                no_verdict = top["verdict"]
        per_bench[b] = {"strategies": rows, "pairs": pairs, "winner": winner, "winner_significant": clear,
                        "no_verdict": no_verdict}
    common = [s for s in strategies if all((b, s) in means for b in benches)]
    cd = {}
    if len(benches) >= 2 and len(common) >= 2:
        matrix = np.array([[means[(b, s)] for s in common] for b in benches])
        fr = friedman(matrix, lower)
        crit = critical_difference(len(common), len(benches))
        ranks = np.array(fr["average_ranks"])
        cd = {"strategies": common, "alpha": ALPHA, "q_alpha": nemenyi_q(len(common)), "cd": crit, **fr,
              "cliques": [[common[i] for i in g] for g in cliques(ranks, crit)],
              "dropped": [s for s in strategies if s not in common]}
        if len(benches) < MIN_FRIEDMAN_BENCHMARKS:
            cd["warning"] = (f"a Friedman test over {len(benches)} benchmarks (< {MIN_FRIEDMAN_BENCHMARKS}) has little "
                             "power and its chi-square approximation is poor; read the average ranks as descriptive")
    return {"metric": metric, "lower_is_better": lower, "benchmarks": benches, "per_benchmark": per_bench,
            "critical_difference": cd}


__all__ = ["MIN_FRIEDMAN_BENCHMARKS", "MIN_VERDICT_SEEDS", "average_ranks", "bootstrap_mean_ci", "cliques", "compare",
           "critical_difference", "friedman", "nemenyi_q", "paired_difference"]
