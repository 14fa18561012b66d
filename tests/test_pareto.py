"""Pareto fronts, non-dominated sorting, crowding and exact hypervolume against known values."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from strategies.pareto import (
    crowding_distance,
    hypervolume,
    nondominated_sort,
    normalise,
    pareto_front,
    pareto_mask,
    to_minimisation,
)


def _hv_inclusion_exclusion(F, ref):
    """Exact hypervolume by inclusion-exclusion over every subset (tiny sets only)."""
    total = 0.0
    for r in range(1, len(F) + 1):
        for sub in itertools.combinations(range(len(F)), r):
            corner = F[list(sub)].max(axis=0)
            total += (-1) ** (r + 1) * np.prod(np.clip(ref - corner, 0, None))
    return total


def test_pareto_mask_known():
    F = np.array([[1, 3], [2, 2], [3, 1], [2, 3], [3, 3], [1, 3], [np.nan, 0]])
    assert pareto_mask(F).tolist() == [True, True, True, False, False, True, False]
    assert pareto_front(F).tolist() == [0, 1, 2, 5]


def test_pareto_mask_matches_brute_force():
    rng = np.random.default_rng(0)
    F = rng.integers(0, 6, (200, 3)).astype(float)
    dominated = [any(np.all(F[j] <= F[i]) and np.any(F[j] < F[i]) for j in range(len(F))) for i in range(len(F))]
    assert pareto_mask(F).tolist() == [not d for d in dominated]


def test_nondominated_sort_and_crowding():
    F = np.array([[1, 3], [2, 2], [3, 1], [2, 3], [3, 3], [4, 4]])
    assert nondominated_sort(F).tolist() == [0, 0, 0, 1, 2, 3]
    d = crowding_distance(F[:3])
    assert np.isinf(d[0]) and np.isinf(d[2]) and d[1] == pytest.approx(2.0)  # (3-1)/2 + (3-1)/2


def test_hypervolume_known_values():
    assert hypervolume(np.array([[1.0, 3], [2, 2], [3, 1]]), [4, 4]) == pytest.approx(6.0)
    assert hypervolume(np.array([[0.0, 0, 0]]), [1, 2, 3]) == pytest.approx(6.0)
    assert hypervolume(np.array([[0.0, 0, 1], [1, 1, 0]]), [2, 2, 2]) == pytest.approx(5.0)
    assert hypervolume(np.array([[5.0, 0]]), [4, 4]) == 0.0  # outside the reference box
    assert hypervolume(np.array([[0.5]]), [1.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="1 to 3"):
        hypervolume(np.zeros((1, 4)), np.ones(4))


@pytest.mark.parametrize("k", [2, 3])
def test_hypervolume_exact_against_inclusion_exclusion(k):
    rng = np.random.default_rng(k)
    for _ in range(20):
        F = rng.random((rng.integers(1, 7), k))
        ref = np.full(k, 1.1)
        assert hypervolume(F, ref) == pytest.approx(_hv_inclusion_exclusion(F, ref), abs=1e-12)
        # dominated points add nothing
        assert hypervolume(np.vstack([F, F + 0.01]), ref) == pytest.approx(hypervolume(F, ref), abs=1e-12)


def test_orientation_and_normalisation():
    F = to_minimisation(np.array([[90.0, 2.0]]), ["max", "min"])
    assert F.tolist() == [[-90.0, 2.0]]
    assert normalise(np.array([[5.0, 1.0]]), [0, 1], [10, 1]).tolist() == [[0.5, 0.0]]
