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

from collections.abc import Sequence

import numpy as np

__all__ = ["crowding_distance", "hypervolume", "nondominated_sort", "normalise", "pareto_front", "pareto_mask",
           "to_minimisation"]


def to_minimisation(values: np.ndarray, senses: Sequence[str]) -> np.ndarray:
    """Orient objective columns for minimisation.

    Parameters
    ----------
    values : array-like of shape (n, k)
        Objective values.
    senses : sequence of str
        ``"max"`` or ``"min"`` per column.

    Returns
    -------
    numpy.ndarray of shape (n, k)
        float64 copy with column ``j`` negated where ``senses[j] == "max"``.

    Raises
    ------
    ValueError
        The number of senses differs from the number of columns.
    """
    values = np.asarray(values, dtype=np.float64)
    sign = np.array([-1.0 if s == "max" else 1.0 for s in senses])
    if values.shape[-1] != len(sign):
        raise ValueError(f"{values.shape[-1]} objective columns but {len(sign)} senses")
    return values * sign


def pareto_mask(F: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``F`` (minimisation).

    Parameters
    ----------
    F : array-like of shape (n, k)
        Objective values, every column minimised.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        True on the Pareto front; duplicates of a front point are all True; rows with a NaN are False.
    """
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
    """Indices of the non-dominated rows of ``F`` (minimisation).

    Parameters
    ----------
    F : array-like of shape (n, k)
        Objective values, every column minimised.

    Returns
    -------
    numpy.ndarray of int
        Row indices of the front, ascending.
    """
    return np.flatnonzero(pareto_mask(F))


def nondominated_sort(F: np.ndarray) -> np.ndarray:
    """NSGA-II's fast non-dominated sort: the front index of every row.

    Parameters
    ----------
    F : array-like of shape (n, k)
        Objective values, every column minimised.

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        0 for the Pareto front, 1 for the front after removing it, ...; rows with a NaN get the
        last rank + 1.
    """
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
    """NSGA-II crowding distance of each row of one front.

    Per objective, rows are sorted and each interior row adds the normalised gap between its two
    neighbours; an objective with zero range adds nothing.

    Parameters
    ----------
    F : array-like of shape (n, k)
        The objective values of one front.

    Returns
    -------
    numpy.ndarray of float, shape (n,)
        Distances; boundary rows (and every row of a front of at most 2) get ``+inf``.
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


def hypervolume(F: np.ndarray, ref: np.ndarray) -> float:
    """Exact hypervolume dominated by ``F`` (minimisation) and bounded by ``ref``.

    Parameters
    ----------
    F : array-like of shape (n, k)
        Objective values, every column minimised, ``k`` in 1 .. 3.
    ref : array-like of shape (k,)
        Reference point; rows not strictly better than it in every objective (and NaN rows)
        contribute nothing.

    Returns
    -------
    float
        The Lebesgue measure, in the product of the objectives' units (0.0 for no point).

    Raises
    ------
    ValueError
        ``F`` and ``ref`` disagree in ``k``, or ``k`` is not 1, 2 or 3.
    """
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


def normalise(F: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Scale each column of ``F`` to ``(F - lower) / (upper - lower)``.

    Parameters
    ----------
    F : array-like of shape (n, k)
        Values.
    lower, upper : array-like of shape (k,)
        Per-column bounds (e.g. the ideal and nadir points).

    Returns
    -------
    numpy.ndarray of shape (n, k)
        Scaled values; a column with zero range maps to 0.
    """
    lower = np.asarray(lower, dtype=np.float64)
    span = np.asarray(upper, dtype=np.float64) - lower
    span = np.where(span > 0, span, 1.0)
    return (np.asarray(F, dtype=np.float64) - lower) / span
