"""What the analyses read from a benchmark: the search signal, the final validation and test
vectors, and the grid of every decision vector of a space.

Kept in one place so that every analysis agrees on what "the signal" and "the final
accuracy" mean:

- *signal*: the benchmark's default search signal (``Benchmark.default_signal``, e.g.
  ``valid_acc@12`` on NB201), mean over the measured replicates: what ``ls`` and ``re`` see
  (with one replicate, as on NB201's 12-epoch column, the mean is that run);
- *final valid* / *final test*: ``valid_acc`` / ``test_acc`` at the highest fidelity, mean over
  replicates (what the search loop reports for an incumbent).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nasbench.errors import InvalidArchitectureError
from nasbench.stats import kendall, spearman  # noqa: F401 - one implementation (scipy), re-exported

#: decision grids larger than this are not enumerated (the exact analyses need the whole grid)
MAX_GRID = 4_000_000


@dataclass(frozen=True)
class Vector:
    """One value per architecture with the label that says what it is."""

    values: np.ndarray
    label: str  # e.g. "valid_acc@12"


def _fid_label(table, metric: str, fidelity: float | None) -> str:
    info = table.metric(metric)
    if info.fidelity_independent:
        return metric
    f = table.fidelities[table.fidelity_index(fidelity)]
    return f"{metric}@{float(f):g}"


def signal(bench) -> Vector:
    """The default search signal (mean over replicates), float64."""
    metric, fidelity = bench.default_signal()
    vec = bench.table.vector(metric, fidelity, "mean").astype(np.float64)
    return Vector(vec, _fid_label(bench.table, metric, fidelity))


def final(bench, metric: str) -> Vector:
    """``metric`` at the highest fidelity, mean over replicates, float64."""
    return Vector(bench.table.vector(metric, None, "mean").astype(np.float64), _fid_label(bench.table, metric, None))


def family(name: str) -> str:
    """``nb201/cifar10`` -> ``nb201``; ``user:x`` -> ``user:x`` (a family of its own)."""
    return name.split("/", 1)[0] if not name.startswith("user:") else name


def ids_or_invalid(space, decisions: np.ndarray) -> np.ndarray:
    """Ids of decision vectors ``[m, d]``, -1 where the space has no architecture for one.

    Uses only the public ``from_decisions`` (which raises on the first invalid row): a chunk
    that raises is split in halves, so a handful of invalid rows among many costs a few dozen
    vectorised calls (NB-Graph: the 24 all-``skip`` vectors among 157,464).
    """
    decisions = np.asarray(decisions, dtype=np.int64)
    out = np.full(len(decisions), -1, dtype=np.int64)
    stack = [(0, len(decisions))]
    while stack:
        lo, hi = stack.pop()
        if hi <= lo:
            continue
        try:
            out[lo:hi] = space.from_decisions(decisions[lo:hi])
        except InvalidArchitectureError:
            if hi - lo == 1:
                continue
            mid = (lo + hi) // 2
            stack.extend([(lo, mid), (mid, hi)])
    return out


def decision_grid(space) -> tuple[np.ndarray, np.ndarray]:
    """Every decision vector of the space (``[M, d]``, mixed-radix order) and its id (-1: none).

    Raises ValueError when the grid has more than :data:`MAX_GRID` vectors.
    """
    sizes = tuple(int(s) for s in space.decision_sizes)
    m = int(np.prod(sizes, dtype=np.int64))
    if m > MAX_GRID:
        raise ValueError(f"the decision grid of '{space.name}' has {m} vectors (> {MAX_GRID}); too large to enumerate")
    grid = np.stack(np.unravel_index(np.arange(m, dtype=np.int64), sizes), axis=1).astype(np.int64)
    base = getattr(space, "base", None)
    original = getattr(space, "original_ids", None)
    if base is not None and original is not None:  # a SubsetSpace (user table): map through its base space
        base_ids = ids_or_invalid(base, grid)
        order = np.argsort(original)
        pos = np.searchsorted(original, base_ids, sorter=order).clip(max=len(original) - 1)
        hit = (base_ids >= 0) & (original[order[pos]] == base_ids)
        return grid, np.where(hit, order[pos], -1).astype(np.int64)
    return grid, ids_or_invalid(space, grid)


def value_names(space) -> list[list[str]]:
    """A readable name for every value of every decision (op names where the space has them)."""
    base = getattr(space, "base", space)
    names = []
    for dname, size in zip(space.decision_names, space.decision_sizes):
        if base.name == "nb201":
            from nasbench.spaces.nb201 import OPS

            names.append(list(OPS[:size]))
        elif dname.startswith("op") and hasattr(base, "ops") and len(base.ops) == size:
            names.append(list(base.ops))
        elif dname.startswith("in"):
            names.append([f"node {v}" for v in range(size)])
        else:
            names.append([str(v) for v in range(size)])
    return names




def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson's r over the entries finite in both (NaN with fewer than 3)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return float("nan")
    return float(np.corrcoef(a[ok], b[ok])[0, 1])
