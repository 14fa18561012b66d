"""Rank correlations over the pairs where both values are measured (one implementation, scipy's).

NaN marks a value that was not measured (never imputed), so every correlation first drops the
pairs where either side is NaN or infinite; with fewer than 3 pairs left, or a constant side, the
correlation is undefined and NaN is returned.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def _finite_pairs(a, b) -> tuple[np.ndarray, np.ndarray] | None:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return None
    return a[ok], b[ok]


def spearman(a: ArrayLike, b: ArrayLike) -> float:
    """Spearman's rank correlation of two samples (average ranks for ties; ``scipy.stats.spearmanr``).

    Parameters
    ----------
    a, b : array-like of float
        Paired values.

    Returns
    -------
    float
        In [-1, 1]; NaN when undefined (fewer than 2 pairs, or a constant sample).
    """
    from scipy.stats import spearmanr

    pairs = _finite_pairs(a, b)
    return float("nan") if pairs is None else float(spearmanr(*pairs).statistic)


def kendall(a: ArrayLike, b: ArrayLike) -> float:
    """Kendall's tau-b of two samples (``scipy.stats.kendalltau``).

    Parameters
    ----------
    a, b : array-like of float
        Paired values.

    Returns
    -------
    float
        In [-1, 1]; NaN when undefined (fewer than 2 pairs, or a constant sample).
    """
    from scipy.stats import kendalltau

    pairs = _finite_pairs(a, b)
    return float("nan") if pairs is None else float(kendalltau(*pairs).statistic)


__all__ = ["kendall", "spearman"]
