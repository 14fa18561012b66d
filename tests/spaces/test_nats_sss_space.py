"""NATS size space: index order, strings, decisions, neighbours, encodings."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import get_space

CH = (8, 16, 24, 32, 40, 48, 56, 64)


@pytest.fixture(scope="module")
def space():
    return get_space("nats-sss")


def test_official_order(space):
    # NATS-Bench meta_archs: itertools.product over the 5 layers, last layer fastest
    expected = [":".join(map(str, c)) for c in itertools.product(CH, repeat=5)]
    assert space.size == 32768
    assert [space.to_str(i) for i in range(space.size)] == expected
    assert space.to_str(11) == "8:8:8:16:32"  # index 11 of the official meta.pickle.pbz2
    assert space.from_str(" 64:64:64:64:64 ") == 32767


def test_roundtrips(space):
    ids = np.arange(space.size)
    assert np.array_equal(space.from_decisions(space.to_decisions(ids)), ids)
    assert all(space.from_str(space.to_str(i)) == i for i in range(0, space.size, 97))


@pytest.mark.parametrize("bad", ["8:8:8:8", "8:8:8:8:9", "a:8:8:8:8", ""])
def test_bad_strings(space, bad):
    with pytest.raises(InvalidArchitectureError, match="channel"):
        space.from_str(bad)


def test_neighbors_and_mutate(space):
    rng = np.random.default_rng(0)
    for arch in [0, 11, 32767, int(rng.integers(space.size))]:
        nbrs = space.neighbors(arch)
        assert len(nbrs) == 35 and len(set(nbrs.tolist())) == 35 and arch not in nbrs
        diff = (space.to_decisions(nbrs) != space.to_decisions([arch])).sum(axis=1)
        assert (diff == 1).all()
        assert space.mutate(arch, rng) in set(nbrs.tolist())


def test_encodings(space):
    ids = np.array([0, 11, 32767])
    onehot = space.encode(ids, "onehot")
    assert onehot.shape == (3, 40) and (onehot.sum(axis=1) == 5).all()
    assert space.encode(ids, "channels")[1].tolist() == [8 / 64, 8 / 64, 8 / 64, 16 / 64, 32 / 64]
    assert space.encode(ids, "categorical")[2].tolist() == [7.0] * 5
    assert space.graph(11).ops == ("input", "c8", "c8", "c8", "c16", "c32", "output")
