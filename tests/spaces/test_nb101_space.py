"""NB101 space: the official module hash, pruning, strings, decisions (tests/spaces)."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.published import published_file
from nasbench.spaces.nb101 import (
    NB101Space,
    canonical_spec,
    hash_module,
    prune,
    spec_hash,
)

# The official README's example ("an Inception-like cell") and the module the README prints
# back for it (the dataset's stored isomorph): both from github.com/google-research/nasbench.
README_MATRIX = [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
                 [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
                 [0, 0, 0, 0, 0, 0, 0]]
README_OPS = ["input", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu",
              "maxpool3x3", "output"]
README_STORED = [[0, 1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
                 [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1],
                 [0, 0, 0, 0, 0, 0, 0]]
README_STORED_OPS = ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3", "conv3x3-bn-relu",
                     "conv3x3-bn-relu", "output"]
#: the hash of the README cell as this implementation computes it (the README publishes the
#: stored isomorph, not the hash; the 30 records below are the published hashes)
README_HASH = "28cfc7874f6d200472e1a9dcd8650aa0"


def _records() -> dict:
    with gzip.open(published_file("nb101/nb101_records.json.gz"), "rt") as fh:
        return json.load(fh)


def test_hash_equals_the_published_keys_of_the_30_official_records():
    records = _records()
    assert len(records) == 30
    for key, rec in records.items():
        assert spec_hash(np.array(rec["module_adjacency"]), rec["module_operations"]) == key


def test_readme_cell_hashes_like_the_module_the_readme_prints_for_it():
    a = spec_hash(np.array(README_MATRIX), README_OPS)
    b = spec_hash(np.array(README_STORED), README_STORED_OPS)
    assert a == b == README_HASH
    # the ops matter: the maxpool branch (vertex 3) swapped with the chain's end (vertex 5) is
    # another graph, while swapping the two parallel branches 1 and 2 is an isomorphism
    swapped = list(README_STORED_OPS)
    swapped[3], swapped[5] = swapped[5], swapped[3]
    assert spec_hash(np.array(README_STORED), swapped) != a
    parallel = list(README_STORED_OPS)
    parallel[1], parallel[2] = parallel[2], parallel[1]
    assert spec_hash(np.array(README_STORED), parallel) == a


def _random_graph(rng, n=7):
    while True:
        m = np.triu(rng.integers(0, 2, (n, n)), 1).astype(np.int8)
        pruned = prune(m, ["input", *rng.choice(["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"], n - 2), "output"])
        if pruned is not None and pruned[0].shape[0] >= 4:
            return pruned


def test_hash_is_invariant_to_permuting_inner_vertices_and_sees_edges():
    rng = np.random.default_rng(0)
    for _ in range(40):
        m, ops = _random_graph(rng)
        labels = [-1] + [["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"].index(o) for o in ops[1:-1]] + [-2]
        n = m.shape[0]
        perm = np.r_[0, 1 + rng.permutation(n - 2), n - 1]
        pm = m[np.ix_(perm, perm)]
        assert hash_module(pm, [labels[p] for p in perm]) == hash_module(m, labels)
        # removing an edge that keeps the graph connected changes the hash
        edges = np.argwhere(m)
        i, j = edges[rng.integers(len(edges))]
        cut = m.copy()
        cut[i, j] = 0
        if prune(cut, ops) is not None and prune(cut, ops)[0].shape == m.shape:
            assert hash_module(cut, labels) != hash_module(m, labels)


def test_pruning_removes_vertices_off_the_input_output_paths():
    # vertex 2 (maxpool) has no way to the output; vertex 3 is not reachable from the input
    m = np.zeros((6, 6), dtype=int)
    m[0, 1] = m[1, 5] = m[0, 2] = m[3, 4] = m[4, 5] = 1
    ops = ["input", "conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "conv1x1-bn-relu", "output"]
    pm, pops = prune(m, ops)
    assert pm.tolist() == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert pops == ["input", "conv3x3-bn-relu", "output"]
    assert canonical_spec("110000001000101:conv3x3,maxpool3x3,conv1x1,conv1x1")[1] == "101:conv3x3"
    assert prune(np.zeros((3, 3), dtype=int), ["input", "conv3x3", "output"]) is None


@pytest.fixture(scope="module")
def space():
    specs = ["111010000010001100011:conv1x1,conv3x3,conv3x3,conv3x3,maxpool3x3", "101:conv3x3",
             "1:", "101:conv1x1", "011010:conv3x3,maxpool3x3", "101101:conv3x3,conv3x3"]
    return NB101Space.from_specs(specs, source="test")


def test_from_str_forms_and_isomorphs_give_one_id(space):
    a = space.from_str("111010000010001100011:conv1x1,conv3x3,conv3x3,conv3x3,maxpool3x3")
    stored = "".join(str(v) for row in README_STORED for v in row)  # whole 7x7 matrix form
    assert space.from_str(stored + ":conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu") == a
    assert space.from_str(README_HASH) == a
    assert space.module_hash(a) == README_HASH
    assert space.from_str(space.to_str(a)) == a
    assert list(space.hashes) == sorted(space.hashes)


@pytest.mark.parametrize("text, needle", [
    ("1111:conv3x3", "BITS must have 3"),
    ("110:conv5x5", "unknown NB101 op 'conv5x5'"),
    ("000:conv3x3", "does not reach the output"),
    ("111111111111111111111:conv3x3,conv3x3,conv3x3,conv3x3,conv3x3", "at most 9 edges"),
    ("not a cell", "BITS:OPS"),
    ("0" * 32, "not in this table"),
])
def test_bad_strings_say_the_rule(space, text, needle):
    with pytest.raises(InvalidArchitectureError, match=needle):
        space.from_str(text)


def test_decisions_round_trip_repair_and_neighbours(space):
    ids = np.arange(space.size)
    dec = space.to_decisions(ids)
    assert dec.shape == (space.size, 26)
    assert np.array_equal(space.from_decisions(dec), ids)
    empty = np.zeros((1, 26), dtype=np.int64)  # no edge: names no graph
    assert not space.is_valid_decisions(empty)[0]
    with pytest.raises(InvalidArchitectureError, match="input does not reach the output"):
        space.from_decisions(empty)
    fixed = space.repair(empty, np.random.default_rng(0))
    assert space.is_valid_decisions(fixed).all()
    # nearest member: fewest differing decisions among the members
    dist = (space.member_decisions != empty[0]).sum(axis=1)
    assert (fixed[0] != empty[0]).sum() == dist.min()
    one = space.from_str("101:conv3x3")
    assert space.from_str("101:conv1x1") in space.neighbors(one)  # one op decision away
    assert space.mutate(one, np.random.default_rng(1)) != one


def test_encodings_and_graph(space):
    ids = np.arange(space.size)
    assert space.encode(ids, "onehot").shape == (space.size, 36)
    path = space.encode(ids, "path")
    assert path.shape == (space.size, 364)
    # '1:' is the input->output edge alone: the empty path only
    assert path[space.from_str("1:")].tolist() == [1.0] + [0.0] * 363
    g = space.graph(space.from_str("101:conv3x3"))
    assert g.adjacency.shape == (7, 7) and g.ops[1] == "conv3x3-bn-relu" and g.ops[6] == "output"
