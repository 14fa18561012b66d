"""Pareto fronts and hypervolume (pure numpy).

Convention: every function here *minimises* every column of ``F`` (an ``[n, k]`` array).
Orient maximised objectives first (negate them, or use :func:`to_minimisation`).

- :func:`pareto_mask`: the non-dominated points (``a`` dominates ``b`` when ``a <= b`` in
  every objective and ``a < b`` in at least one; duplicates of a non-dominated point are all
  kept). Rows with a NaN are never on the front.
- :func:`nondominated_sort`: front index (rank 0 = the Pareto front) of every row, as in
  NSGA-II's fast non-dominated sort (Deb, Pratap, Agarwal & Meyarivan, IEEE TEVC 2002).
- :func:`crowding_distance`: NSGA-II's crowding distance within one front (boundary points
  get +inf).
- :func:`hypervolume`: the exact Lebesgue measure of the region dominated by ``F`` and
  bounded by the reference point ``ref`` (points not strictly better than ``ref`` in every
  objective contribute nothing). 1-D, 2-D (sweep over the sorted front) and 3-D (slicing
  along the third objective: a 2-D hypervolume per slab, exact, O(n^2 log n)) only.
"""
from __future__ import annotations

import numpy as np


def to_minimisation(values: np.ndarray, senses) -> np.ndarray:
    """``values`` [n, k] with column j negated where ``senses[j] == "max"``."""
    values = np.asarray(values, dtype=np.float64)
    sign = np.array([-1.0 if s == "max" else 1.0 for s in senses])
    if values.shape[-1] != len(sign):
        raise ValueError(f"{values.shape[-1]} objective columns but {len(sign)} senses")
    return values * sign


def pareto_mask(F: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``F`` (minimisation; NaN rows excluded)."""
    F = np.asarray(F, dtype=np.float64)
    if F.ndim != 2:
        raise ValueError(f"F must be [n, k], got shape {F.shape}")
    n = F.shape[0]
    mask = np.zeros(n, dtype=bool)
    valid = np.flatnonzero(~np.isnan(F).any(axis=1))
    if not valid.size:
        return mask
    # lexicographic order: a point can only be dominated by points before it
    order = valid[np.lexsort(F[valid].T[::-1])]
    front: list[int] = []
    front_vals = np.empty((0, F.shape[1]))
    for i in order:
        p = F[i]
        if front_vals.shape[0]:
            dom = np.all(front_vals <= p, axis=1) & np.any(front_vals < p, axis=1)
            if dom.any():
                continue
        front.append(i)
        front_vals = np.vstack([front_vals, p])
    mask[front] = True
    return mask


def pareto_front(F: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated rows of ``F`` (minimisation), in row order."""
    return np.flatnonzero(pareto_mask(F))


def nondominated_sort(F: np.ndarray) -> np.ndarray:
    """Front index of each row (0 = non-dominated); NaN rows get the last rank + 1."""
    F = np.asarray(F, dtype=np.float64)
    n = F.shape[0]
    rank = np.full(n, -1, dtype=np.int64)
    nan = np.isnan(F).any(axis=1)
    remaining = np.flatnonzero(~nan)
    r = 0
    while remaining.size:
        m = pareto_mask(F[remaining])
        rank[remaining[m]] = r
        remaining = remaining[~m]
        r += 1
    rank[nan] = r
    return rank


def crowding_distance(F: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance of each row of one front (boundary rows: +inf).

    Per objective, rows are sorted and each interior row adds the normalised gap between its
    two neighbours; an objective with zero range adds nothing.
    """
    F = np.asarray(F, dtype=np.float64)
    n, k = F.shape
    d = np.zeros(n)
    if n <= 2:
        d[:] = np.inf
        return d
    for j in range(k):
        order = np.argsort(F[:, j], kind="stable")
        col = F[order, j]
        d[order[0]] = d[order[-1]] = np.inf
        span = col[-1] - col[0]
        if span > 0:
            d[order[1:-1]] += (col[2:] - col[:-2]) / span
    return d


def _hv2(P: np.ndarray, ref: np.ndarray) -> float:
    """Exact 2-D hypervolume of points strictly inside ``ref``."""
    if not P.shape[0]:
        return 0.0
    P = P[np.lexsort((P[:, 1], P[:, 0]))]
    volume, best_y = 0.0, ref[1]
    for x, y in P:
        if y < best_y:
            volume += (ref[0] - x) * (best_y - y)
            best_y = y
    return float(volume)


def hypervolume(F: np.ndarray, ref) -> float:
    """Exact hypervolume dominated by ``F`` (minimisation) w.r.t. reference point ``ref``."""
    F = np.asarray(F, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if F.ndim != 2 or F.shape[1] != ref.shape[0]:
        raise ValueError(f"F must be [n, {ref.shape[0]}] for a {ref.shape[0]}-D reference point, got {F.shape}")
    k = ref.shape[0]
    F = F[~np.isnan(F).any(axis=1)]
    F = F[np.all(F < ref, axis=1)]
    if not F.shape[0]:
        return 0.0
    if k == 1:
        return float(ref[0] - F[:, 0].min())
    if k == 2:
        return _hv2(F, ref)
    if k == 3:
        F = F[np.argsort(F[:, 2], kind="stable")]
        z = np.append(F[:, 2], ref[2])
        volume = 0.0
        for i in range(F.shape[0]):
            height = z[i + 1] - z[i]
            if height > 0:
                volume += _hv2(F[: i + 1, :2], ref[:2]) * height
        return float(volume)
    raise ValueError(f"exact hypervolume is implemented for 1 to 3 objectives, got {k}")


def normalise(F: np.ndarray, lower, upper) -> np.ndarray:
    """``(F - lower) / (upper - lower)`` per column (a zero range maps to 0)."""
    lower = np.asarray(lower, dtype=np.float64)
    span = np.asarray(upper, dtype=np.float64) - lower
    span = np.where(span > 0, span, 1.0)
    return (np.asarray(F, dtype=np.float64) - lower) / span
