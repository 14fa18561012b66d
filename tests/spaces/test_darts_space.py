"""The DARTS / NAS-Bench-301 space: ids, genotype strings, decisions, neighbours, encodings."""
from __future__ import annotations

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import get_space
from nasbench.spaces.darts import OPS

DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)


@pytest.fixture(scope="module")
def space():
    return get_space("darts")


def test_size_counts_input_pairs_and_ops(space):
    per_cell = 1 * 3 * 6 * 10 * 7 ** 8
    assert per_cell == 1_037_664_180
    assert space.size == per_cell ** 2 and space.size < 2 ** 63
    assert len(OPS) == 7 and "none" not in OPS
    assert space.enumerable is False


def test_genotype_round_trip_and_edge_order(space):
    arch = space.from_str(DARTS_V2)
    again = space.to_str(arch)
    assert space.from_str(again) == arch
    # the two edges of a node in either order are the same cell; to_str writes the smaller input first
    assert "('skip_connect', 0), ('sep_conv_3x3', 1)" in again
    ids = space.sample(np.random.default_rng(0), 300)
    assert all(space.from_str(space.to_str(int(i))) == i for i in ids)
    assert space.from_str(DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=range(2, 6)")) == arch


def test_cell_structure_of_darts_v2(space):
    edges = space.cell_edges([space.from_str(DARTS_V2)])[0]  # [cell, node, edge, (input, op)]
    assert edges[0, 3].tolist() == [[0, OPS.index("skip_connect")], [2, OPS.index("dil_conv_3x3")]]
    assert edges[1, 1].tolist() == [[1, OPS.index("max_pool_3x3")], [2, OPS.index("skip_connect")]]
    # NB301's edge numbering: node k's edges start at 0, 2, 5, 9; 16 of the 28 edges are active
    codes = space.edge_ops([space.from_str(DARTS_V2)])[0]
    assert (codes > 0).sum() == 16
    assert codes[9 + 0] == OPS.index("skip_connect") + 1 and codes[9 + 2] == OPS.index("dil_conv_3x3") + 1


@pytest.mark.parametrize("bad, why", [
    (DARTS_V2[:-1], "not a DARTS genotype"),
    (DARTS_V2.replace("('skip_connect', 0), ('dil_conv_3x3', 2)]", "('skip_connect', 0), ('dil_conv_3x3', 0)]"), "distinct"),
    (DARTS_V2.replace("('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)",
                      "('sep_conv_3x3', 0), ('sep_conv_3x3', 2), ('sep_conv_3x3', 0)", 1), "may read states 0 .. 1"),
    (DARTS_V2.replace("dil_conv_3x3", "none"), "op one of"),
    (DARTS_V2.replace("reduce_concat=[2, 3, 4, 5]", "reduce_concat=[2, 3]"), "concatenate"),
    ("|nor_conv_3x3~0|", "not a DARTS genotype"),
])
def test_bad_strings_say_why(space, bad, why):
    with pytest.raises(InvalidArchitectureError, match=why):
        space.from_str(bad)


def test_decisions_are_a_bijection_with_ids(space):
    rng = np.random.default_rng(1)
    dec = np.stack([rng.integers(s, size=500) for s in space.decision_sizes], axis=1)
    ids = space.from_decisions(dec)
    assert ids.min() >= 0 and ids.max() < space.size
    assert np.array_equal(space.to_decisions(ids), dec)
    assert space.from_decisions(space.to_decisions([space.size - 1]))[0] == space.size - 1
    assert space.is_valid_decisions(dec).all()
    assert len(space.decision_names) == 22 and space.decision_sizes[:3] == (7, 7, 3)


def test_sampling_is_uniform_over_decisions(space):
    ids = space.sample(np.random.default_rng(2), 20_000)
    dec = space.to_decisions(ids)
    for col, size in enumerate(space.decision_sizes):
        counts = np.bincount(dec[:, col], minlength=size)
        expected = len(ids) / size
        assert np.all(np.abs(counts - expected) < 6 * np.sqrt(expected)), (col, counts)


def test_neighbours_differ_in_exactly_one_decision(space):
    arch = space.from_str(DARTS_V2)
    nbrs = space.neighbors(arch)
    # per cell: 8 edges x 6 other ops + (2 + 5 + 9) other input pairs
    assert len(nbrs) == 2 * (8 * 6 + 2 + 5 + 9) == 128
    diff = (space.to_decisions(nbrs) != space.to_decisions([arch])).sum(axis=1)
    assert np.all(diff == 1)
    assert space.mutate(arch, np.random.default_rng(0)) in set(nbrs.tolist())


def test_encodings(space):
    ids = space.sample(np.random.default_rng(3), 50)
    onehot = space.encode(ids, "onehot")
    assert onehot.shape == (50, sum(space.decision_sizes)) and np.all(onehot.sum(axis=1) == 22)
    adj = space.encode(ids, "adjacency")
    assert adj.shape == (50, 2 * 14 * 8)
    blocks = adj.reshape(50, 28, 8)
    assert np.all(blocks.sum(axis=2) == 1) and np.all(blocks[:, :, 1:].sum(axis=(1, 2)) == 16)
    assert np.array_equal(space.encode(ids, "categorical"), space.to_decisions(ids).astype(np.float32))


def test_graph_has_both_cells(space):
    g = space.graph(space.from_str(DARTS_V2))
    assert g.adjacency.shape == (30, 30) and len(g.ops) == 30
    assert g.ops.count("input") == 4 and g.ops.count("output") == 2 and g.ops.count("add") == 8
    # each op node has one input and feeds one state; each cell's 4 states feed its output
    assert g.adjacency.sum() == 2 * (8 * 2 + 4)
    assert np.all(np.triu(g.adjacency) == g.adjacency)


def test_grid_refuses_the_space(space):
    from nasbench.surrogates import UnenumerableSpaceError
    from strategies import make_strategy

    with pytest.raises(UnenumerableSpaceError, match=r"space 'darts'.*cannot be enumerated.*rs, re"):
        make_strategy("grid", space, rng=np.random.default_rng(0))
