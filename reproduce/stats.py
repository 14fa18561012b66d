"""Statistics every report table uses: standard errors, the paired test that decides what is bold,
and the standard error of a difference from a published mean.

* Bold goes to the best mean of a column only when a **paired Wilcoxon signed-rank test** over
  the seeds both strategies ran (two-sided, ``ALPHA`` = 0.05) separates it from the runner-up;
  otherwise the best and every strategy not separated from it are marked as tied.
* ``ours − paper``: the difference of the means with its standard error
  ``sqrt(se_ours**2 + se_paper**2)``, ``se = std / sqrt(n)``; the paper's ``n`` is the preset's
  ``[published] runs`` (when the paper does not say it, only our standard error is used and the
  table says so). A difference within 2 SE is not evidence of a discrepancy.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

ALPHA = 0.05
#: below this many paired seeds no test can separate two strategies at ALPHA (Wilcoxon: 6)
MIN_PAIRS = 6


def standard_error(std: float | None, n: int) -> float | None:
    """``std / sqrt(n)`` (None without a std or with fewer than 2 values)."""
    if std is None or n < 2 or not math.isfinite(std):
        return None
    return float(std) / math.sqrt(n)


def paired_p(a: Mapping[int, float], b: Mapping[int, float]) -> tuple[float, int]:
    """Two-sided p-value of the Wilcoxon signed-rank test of ``a - b`` over the seeds both have
    (finite values only), and the number of pairs; p = 1 when every difference is 0, NaN with
    fewer than :data:`MIN_PAIRS` pairs."""
    seeds = sorted(set(a) & set(b))
    d = np.array([a[s] - b[s] for s in seeds], dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size < MIN_PAIRS:
        return math.nan, int(d.size)
    if not np.any(d):
        return 1.0, int(d.size)
    from scipy.stats import wilcoxon

    return float(wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue), int(d.size)


def decide_best(values: Mapping[str, Mapping[int, float]], higher_is_better: bool) -> dict:
    """Which strategy of a column is bold and which are tied with the best.

    ``values``: strategy -> {seed: value}. Returns ``{"best": name or None, "bold": [..] (the
    best, when separated from the runner-up), "ties": [..] (the best and those not separated
    from it, when the runner-up is not), "p_runner_up": p, "pairs": n, "test": ...}``.
    """
    means = {s: float(np.nanmean(list(v.values()))) for s, v in values.items()
             if v and np.isfinite(list(v.values())).any()}
    out: dict = {"best": None, "bold": [], "ties": [], "p_runner_up": None, "pairs": 0,
                 "test": f"paired Wilcoxon signed-rank over common seeds, two-sided, alpha {ALPHA}"}
    if not means:
        return out
    order = sorted(means, key=lambda s: -means[s] if higher_is_better else means[s])
    best = order[0]
    out["best"] = best
    if len(order) == 1:
        return out
    p, pairs = paired_p(values[best], values[order[1]])
    out["p_runner_up"], out["pairs"] = (None if math.isnan(p) else p), pairs
    if not math.isnan(p) and p < ALPHA:
        out["bold"] = [best]
        return out
    tied = [best]
    for other in order[1:]:
        q, _ = paired_p(values[best], values[other])
        if math.isnan(q) or q >= ALPHA:
            tied.append(other)
    out["ties"] = tied
    return out


def difference_se(se_ours: float | None, paper_std: float | None, paper_runs: int | None) -> tuple[float | None, str]:
    """Standard error of ours − paper and what it includes (``"ours and paper"`` / ``"ours only"``)."""
    if se_ours is None:
        return None, "none"
    if paper_std is not None and paper_runs:
        return math.hypot(se_ours, paper_std / math.sqrt(paper_runs)), "ours and paper"
    return se_ours, "ours only"


__all__ = ["ALPHA", "MIN_PAIRS", "decide_best", "difference_se", "paired_p", "standard_error"]
