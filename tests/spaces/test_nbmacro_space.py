"""NBMacroSpace: base-3 ids, strings, decisions, neighbours, graph, encodings, trained forms."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError, UnknownNameError
from nasbench.spaces import get_space
from nasbench.spaces.nbmacro import N_ARCHS, OPS, NBMacroSpace

#: every string in lexicographic order, built independently of the space
ALL_STRINGS = ["".join(p) for p in itertools.product("012", repeat=8)]


@pytest.fixture(scope="module")
def space() -> NBMacroSpace:
    return get_space("nbmacro")


def upstream_real_arch(arch: str, stages=(2, 3, 3)) -> str:
    """Upstream's ``get_real_arch`` (train/train_benchmark.py), rewritten on strings: in each
    stage the first layer stays, the other layers' identities ('0') move to the stage's end."""
    out, pos = "", 0
    for length in stages:
        part = arch[pos : pos + length]
        rest = part[1:]
        out += part[0] + rest.replace("0", "") + "0" * rest.count("0")
        pos += length
    return out


def test_registry_and_size(space):
    assert isinstance(space, NBMacroSpace)
    assert space.size == N_ARCHS == 6561 == len(ALL_STRINGS)
    assert space.decision_sizes == (3,) * 8
    assert space.decision_names == tuple(f"layer{i}" for i in range(8))


def test_ids_are_the_string_in_base_3_layer0_most_significant(space):
    assert [space.to_str(i) for i in range(N_ARCHS)] == ALL_STRINGS
    assert space.to_str(0) == "00000000" and space.to_str(1) == "00000001"
    assert space.to_str(3**7) == "10000000" and space.to_str(6560) == "22222222"
    assert space.from_str("01201120") == 0 * 3**7 + 1 * 3**6 + 2 * 3**5 + 0 * 3**4 + 1 * 3**3 + 1 * 3**2 + 2 * 3 + 0
    assert all(space.from_str(s) == i for i, s in enumerate(ALL_STRINGS))
    assert space.from_str("  22222222\n") == 6560


@pytest.mark.parametrize(
    "bad, fragment",
    [("0120112", "7 character"), ("012011200", "9 character"), ("01231120", "layer 3 is '3'"),
     ("0120112a", "layer 7 is 'a'"), ("", "0 character")],
)
def test_bad_strings_name_the_rule_and_what_is_allowed(space, bad, fragment):
    with pytest.raises(InvalidArchitectureError) as exc:
        space.from_str(bad)
    msg = str(exc.value)
    assert fragment in msg and f"'{bad}'" in msg
    assert "0 (identity)" in msg and "1 (mb3_k3)" in msg and "2 (mb6_k5)" in msg


def test_non_string_is_refused(space):
    with pytest.raises(InvalidArchitectureError, match="must be a str"):
        space.from_str(1201120)


def test_ids_out_of_range_are_refused(space):
    for bad in (-1, 6561):
        with pytest.raises(InvalidArchitectureError, match="0 .. 6560"):
            space.to_str(bad)


def test_decisions_round_trip_and_checks(space):
    ids = np.arange(N_ARCHS)
    dec = space.to_decisions(ids)
    assert dec.shape == (N_ARCHS, 8) and dec.dtype == np.int64
    assert np.array_equal(dec, np.array([[int(c) for c in s] for s in ALL_STRINGS]))
    assert np.array_equal(space.from_decisions(dec), ids)
    assert np.array_equal(space.from_decisions(dec.astype(float)), ids)  # integral floats
    assert space.is_valid_decisions(dec).all()
    rng = np.random.default_rng(0)
    assert np.array_equal(space.repair(dec[:50], rng), dec[:50])
    with pytest.raises(InvalidArchitectureError, match="'layer2' of row 0 is 3.*0=identity, 1=mb3_k3, 2=mb6_k5"):
        space.from_decisions([[0, 0, 3, 0, 0, 0, 0, 0]])
    with pytest.raises(InvalidArchitectureError, match=r"\[n, 8\]"):
        space.from_decisions([[0, 1, 2]])


def test_neighbors_differ_in_exactly_one_layer(space):
    rng = np.random.default_rng(1)
    for arch in [0, 6560, *rng.integers(N_ARCHS, size=40).tolist()]:
        nbrs = space.neighbors(arch)
        s = space.to_str(arch)
        expected = sorted(
            ALL_STRINGS.index(s[:i] + c + s[i + 1 :]) for i in range(8) for c in "012" if c != s[i]
        )
        assert nbrs.tolist() == expected and len(nbrs) == 16
        for _ in range(5):
            assert space.mutate(arch, rng) in set(expected)


def test_mutate_is_uniform_and_seeded(space):
    draws = [space.mutate(100, np.random.default_rng(s)) for s in range(400)]
    assert draws == [space.mutate(100, np.random.default_rng(s)) for s in range(400)]
    counts = np.bincount(np.searchsorted(space.neighbors(100), draws), minlength=16)
    assert counts.min() > 5  # every neighbour is reached


def test_graph_is_a_chain_with_block_names(space):
    g = space.graph(space.from_str("01201120"))
    assert g.adjacency.shape == (10, 10)
    assert np.array_equal(g.adjacency, np.eye(10, k=1, dtype=np.int8))
    assert g.ops == ("input", "identity", "mb3_k3", "mb6_k5", "identity", "mb3_k3", "mb3_k3",
                     "mb6_k5", "identity", "output")


def test_encodings(space):
    ids = np.array([0, 6560, space.from_str("01201120")])
    onehot = space.encode(ids, "onehot")
    assert onehot.shape == (3, 24) and onehot.dtype == np.float32
    assert np.array_equal(onehot.sum(axis=1), [8, 8, 8])
    assert np.array_equal(onehot.reshape(3, 8, 3).argmax(axis=2), space.to_decisions(ids))
    assert np.array_equal(onehot, space.decisions_onehot(ids))
    cat = space.encode(ids, "categorical")
    assert cat.tolist()[2] == [0, 1, 2, 0, 1, 1, 2, 0]
    with pytest.raises(UnknownNameError, match="'onehot' or 'categorical'"):
        space.encode(ids, "path")


def test_canonical_is_upstreams_trained_form(space):
    canon = space.canonical(np.arange(N_ARCHS))
    expected = [ALL_STRINGS.index(upstream_real_arch(s)) for s in ALL_STRINGS]
    assert canon.tolist() == expected
    assert space.n_isomorphism_classes == len(set(expected)) == 3969 == 9 * 21 * 21
    assert space.canonical(np.array([space.from_str("10002001")]))[0] == space.from_str("10020010")
    assert OPS == ("identity", "mb3_k3", "mb6_k5")
