"""SearchSpace.repair: the one rule for decision vectors that name no architecture."""
from __future__ import annotations

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import get_space
from nasbench.spaces.subset import SubsetSpace
from tests.toy import ToySpace


def _state(rng: np.random.Generator):
    return rng.bit_generator.state


@pytest.fixture(scope="module", params=["nbgraph", "nbgraph-proteins"])
def graph_space(request):
    return get_space(request.param)


def _all_skip(space, links=(1, 2, 3)) -> np.ndarray:
    return np.array([[*links] + [space.ops.index("skip")] * 4])


def test_all_skip_is_the_only_invalid_vector(graph_space):
    import itertools

    dec = np.array(list(itertools.product(*[range(k) for k in graph_space.decision_sizes])))
    ok = graph_space.is_valid_decisions(dec)
    skip = graph_space.ops.index("skip")
    assert np.array_equal(~ok, (dec[:, 3:] == skip).all(axis=1))  # 24 link patterns x all-skip


def test_all_skip_becomes_a_cell_one_operation_away(graph_space):
    skip = graph_space.ops.index("skip")
    seen = set()
    for seed in range(200):
        fixed = graph_space.repair(_all_skip(graph_space), np.random.default_rng(seed))
        assert graph_space.is_valid_decisions(fixed).all()
        assert (fixed != _all_skip(graph_space)).sum() == 1 and (fixed[0, 3:] == skip).sum() == 3
        graph_space.from_decisions(fixed)  # names an architecture
        seen.add(tuple(fixed[0].tolist()))
    n_ops = len(graph_space.ops) - 1
    assert len(seen) == 4 * n_ops  # uniform over every nearest vector: each position, each other op


def test_repair_is_deterministic_and_leaves_valid_vectors_and_the_rng_alone(graph_space):
    rng = np.random.default_rng(1)
    valid = graph_space.to_decisions(rng.integers(graph_space.size, size=50))
    before = _state(rng)
    assert np.array_equal(graph_space.repair(valid, rng), valid)
    assert _state(rng) == before  # valid vectors draw nothing: trajectories on valid spaces unchanged
    mixed = np.concatenate([valid[:3], _all_skip(graph_space), valid[3:5], _all_skip(graph_space, (0, 0, 0))])
    a = graph_space.repair(mixed, np.random.default_rng(7))
    b = graph_space.repair(mixed, np.random.default_rng(7))
    assert np.array_equal(a, b) and np.array_equal(a[[0, 1, 2, 4, 5]], mixed[[0, 1, 2, 4, 5]])
    assert graph_space.is_valid_decisions(a).all()


def test_nb201_has_nothing_to_repair():
    space = get_space("nb201")
    rng = np.random.default_rng(0)
    dec = rng.integers(5, size=(100, 6))
    before = _state(rng)
    assert np.array_equal(space.repair(dec, rng), dec) and _state(rng) == before


@pytest.mark.parametrize("name", ["nb201", "nbgraph"])
@pytest.mark.parametrize("bad, fragment", [
    (np.zeros((1, 3), dtype=int), "shape"),
    (np.full((1, 7), 99), "must be in 0 ..|outside 0 .."),
    (np.full((1, 7), 0.5), "integer"),
])
def test_malformed_vectors_are_errors_not_repairs(name, bad, fragment):
    space = get_space(name)
    bad = bad[:, : len(space.decision_sizes)] if bad.shape[1] == 7 else bad
    with pytest.raises(InvalidArchitectureError, match=fragment):
        space.repair(bad, np.random.default_rng(0))


# ----- subsets (user tables) -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def subset():
    base = get_space("nbgraph")
    ids = np.random.default_rng(3).choice(base.size, 40, replace=False)
    return SubsetSpace(base, ids, source="user:forty")


def test_subset_validity_and_members_round_trip(subset):
    assert np.array_equal(subset.from_decisions(subset.member_decisions), np.arange(subset.size))
    assert subset.is_valid_decisions(subset.member_decisions).all()
    outside = subset.base.to_decisions(np.setdiff1d(np.arange(200), subset.original_ids)[:5])
    assert not subset.is_valid_decisions(outside).any()
    assert not subset.is_valid_decisions(_all_skip(subset.base)).any()


def test_subset_repairs_to_a_nearest_member(subset):
    base = subset.base
    rng = np.random.default_rng(0)
    vectors = np.concatenate([base.to_decisions(rng.integers(base.size, size=30)), _all_skip(base)])
    fixed = subset.repair(vectors, np.random.default_rng(5))
    ids = subset.from_decisions(fixed)  # every row is now a member
    assert ids.min() >= 0 and ids.max() < subset.size
    members = subset.member_decisions
    for v, f in zip(vectors, fixed):
        best = (members != v).sum(axis=1).min()
        assert (f != v).sum() == best or subset.is_valid_decisions(v[None])[0]
    assert np.array_equal(fixed, subset.repair(vectors, np.random.default_rng(5)))


def test_subset_errors_name_the_subset(subset):
    outside = subset.base.to_decisions([int(np.setdiff1d(np.arange(100), subset.original_ids)[0])])
    with pytest.raises(InvalidArchitectureError, match=r"subset of 40 architectures, user:forty.*nearest member"):
        subset.from_decisions(outside)
    with pytest.raises(InvalidArchitectureError, match=r"all four operations are 'skip'.*subset of 40 architectures, user:forty"):
        subset.from_decisions(_all_skip(subset.base))
    with pytest.raises(InvalidArchitectureError, match=r"in2. of row 0 is 9; it must be in 0 .. 1.*user:forty"):
        subset.repair(np.full((1, 7), 9), np.random.default_rng(0))


def test_subset_exposes_the_original_vocabulary_and_its_own_rows():
    nb201 = get_space("nb201")
    sub = SubsetSpace(nb201, [5, 700, 12000])
    assert np.array_equal(sub.ops_table, nb201.ops_table[[5, 700, 12000]])
    assert not hasattr(sub, "ops")  # NB201 has no node-op vocabulary; the subset says so too
    assert SubsetSpace(get_space("nbgraph"), [1, 2]).ops == get_space("nbgraph").ops


# ----- the generic rule (spaces without their own) -----------------------------------------------------
class HoleySpace(ToySpace):
    """The toy space (2 x 2 x 5) where a vector names an architecture only if its first decision
    is 0 and its last 4, or it is all zeros: some invalid vectors are one change from a valid
    one, others two."""

    name = "holey"

    def from_decisions(self, decisions):
        d = np.asarray(decisions)
        if d.ndim == 2 and (~(((d[:, 0] == 0) & (d[:, 2] == 4)) | (d == 0).all(axis=1))).any():
            raise InvalidArchitectureError("a hole")
        return super().from_decisions(decisions)


def test_generic_repair_takes_the_fewest_changes_ties_drawn_from_the_rng():
    space = HoleySpace()
    assert list(space.is_valid_decisions([[0, 0, 0], [0, 1, 4], [1, 1, 4]])) == [True, True, False]
    one = {tuple(space.repair(np.array([[0, 1, 2]]), np.random.default_rng(s))[0]) for s in range(30)}
    assert one == {(0, 1, 4)}  # one change away
    two = {tuple(space.repair(np.array([[1, 0, 1]]), np.random.default_rng(s))[0]) for s in range(60)}
    assert two == {(0, 0, 4), (0, 0, 0)}  # none at one change; both at two, each drawn
