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
    """``std / sqrt(n)`` (None without a std or with fewer than 2 values).

    Parameters
    ----------
    std : float or None
        Standard deviation of the values (in their own units); None when unknown.
    n : int
        Number of values the std was computed from.

    Returns
    -------
    float or None
        The standard error of the mean, in the units of ``std``; None when ``std`` is None or not
        finite, or ``n < 2``.
    """
    if std is None or n < 2 or not math.isfinite(std):
        return None
    return float(std) / math.sqrt(n)


def paired_p(a: Mapping[int, float], b: Mapping[int, float]) -> tuple[float, int]:
    """Two-sided p-value of the Wilcoxon signed-rank test of ``a - b`` over the seeds both have
    (finite values only), and the number of pairs; p = 1 when every difference is 0, NaN with
    fewer than :data:`MIN_PAIRS` pairs.

    Parameters
    ----------
    a, b : mapping of int to float
        Seed -> value of two strategies in one column; only seeds present in both are paired.

    Returns
    -------
    p : float
        Two-sided Wilcoxon signed-rank p-value in [0, 1]; 1.0 when every difference is 0; NaN with
        fewer than :data:`MIN_PAIRS` finite pairs.
    pairs : int
        Number of finite pairs the test used.
    """
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

    Parameters
    ----------
    values : mapping of str to mapping of int to float
        Strategy -> {seed: value} of one column; a strategy with no finite value has no mean and
        is left out.
    higher_is_better : bool
        True when a larger mean is better (accuracy), False when a smaller one is (error, regret).

    Returns
    -------
    dict
        ``best`` (str or None: the strategy with the best mean), ``bold`` (list of str: ``[best]``
        when the paired test separates it from the runner-up at :data:`ALPHA`, else empty),
        ``ties`` (list of str: when not separated, the best and every strategy the test does not
        separate from it), ``p_runner_up`` (float or None: p-value against the runner-up, None when
        untestable), ``pairs`` (int: seeds paired with the runner-up) and ``test`` (str: the test
        used, for the table notes).
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
    """Standard error of ours − paper and what it includes (``"ours and paper"`` / ``"ours only"``).

    Parameters
    ----------
    se_ours : float or None
        Standard error of our mean (see :func:`standard_error`); None when unknown.
    paper_std : float or None
        The paper's standard deviation, in the same units; None when the paper gives none.
    paper_runs : int or None
        The paper's number of runs (the preset's ``[published] runs``); None or 0 when unknown.

    Returns
    -------
    se : float or None
        ``sqrt(se_ours**2 + (paper_std / sqrt(paper_runs))**2)`` when the paper's std and runs are
        known, else ``se_ours``; None when ``se_ours`` is None.
    includes : str
        ``"ours and paper"``, ``"ours only"`` or ``"none"`` (no standard error).
    """
    if se_ours is None:
        return None, "none"
    if paper_std is not None and paper_runs:
        return math.hypot(se_ours, paper_std / math.sqrt(paper_runs)), "ours and paper"
    return se_ours, "ours only"


__all__ = ["ALPHA", "MIN_PAIRS", "decide_best", "difference_se", "paired_p", "standard_error"]
