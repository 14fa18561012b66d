"""NBGraphSpace: parity with the official nas_bench_graph canonicalisation over the whole raw
space, canonical set == bench keys, strings, decisions, neighbours, graphs, encodings, errors."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError, UnknownNameError
from nasbench.spaces import get_space
from nasbench.spaces.nbgraph import (
    N_RAW,
    OPS,
    OPS_PROTEINS,
    RAW_LINKS,
    NBGraphSpace,
    raw_official_hashes,
)

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv")
EXAMPLE = "gcn@0,gin@1,fc@2,cheb@1"  # the README example Arch([0, 1, 2, 1], [...])


# ----- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def full() -> NBGraphSpace:
    return get_space("nbgraph")


@pytest.fixture(scope="module")
def proteins() -> NBGraphSpace:
    return get_space("nbgraph-proteins")


@pytest.fixture(scope="module", params=["nbgraph", "nbgraph-proteins"])
def space(request) -> NBGraphSpace:
    return get_space(request.param)


@pytest.fixture(scope="module")
def official():
    """The official package's ``architecture`` and ``readbench`` modules."""
    arch_mod = pytest.importorskip(
        "nas_bench_graph.architecture",
        reason="nas_bench_graph (pip nas-bench-graph==1.4.0) not installed",
    )
    read_mod = pytest.importorskip("nas_bench_graph.readbench")
    return arch_mod, read_mod


@pytest.fixture(scope="module")
def keys(official) -> dict[str, set[int]]:
    """Bench keys of cora and proteins."""
    _, read_mod = official
    return {name: set(read_mod.light_read(name)) for name in ("cora", "proteins")}


@pytest.fixture(scope="module")
def raw_space() -> tuple[list[list[int]], list[list[str]]]:
    """Every raw architecture (24 link patterns x 9^4 op tuples) in raw-index order."""
    links, ops = [], []
    for link in RAW_LINKS:
        for op in itertools.product(OPS, repeat=4):
            links.append(list(link))
            ops.append(list(op))
    assert len(links) == N_RAW == 157_464
    return links, ops


@pytest.fixture(scope="module")
def official_raw_hashes(official, raw_space) -> np.ndarray:
    """Official ``Arch(links, ops).valid_hash()`` of every raw architecture."""
    arch_mod, _ = official
    return np.array([arch_mod.Arch(l, o).valid_hash() for l, o in zip(*raw_space)], dtype=np.int64)


def raw_str(links, ops) -> str:
    return ",".join(f"{o}@{l}" for l, o in zip(links, ops))


def ids_or_none(space: NBGraphSpace, texts: list[str]) -> list[int | None]:
    """``from_str`` of each text, ``None`` where it raises InvalidArchitectureError."""
    out = []
    for text in texts:
        try:
            out.append(space.from_str(text))
        except InvalidArchitectureError:
            out.append(None)
    return out


# ----- registry and sizes -------------------------------------------------------------------------
def test_registry_names_and_sizes(full, proteins):
    assert (full.name, full.size, full.ops) == ("nbgraph", 26_206, OPS)
    assert (proteins.name, proteins.size, proteins.ops) == ("nbgraph-proteins", 2_021, OPS_PROTEINS)
    assert "size=26206" in repr(full)


def test_unknown_op_set():
    with pytest.raises(UnknownNameError, match="'full' or 'proteins'"):
        NBGraphSpace(op_set="tiny")


def test_module_needs_neither_official_package_nor_torch():
    code = (
        "import sys; sys.modules['nas_bench_graph'] = None\n"
        "from nasbench.spaces.nbgraph import NBGraphSpace\n"
        f"s = NBGraphSpace(); assert s.to_str(s.from_str('{EXAMPLE}'))\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_raw_table_builds_fast():
    raw_official_hashes.cache_clear()
    start = time.perf_counter()
    hashes = raw_official_hashes()
    build = time.perf_counter() - start
    start = time.perf_counter()
    NBGraphSpace()
    space_build = time.perf_counter() - start
    assert hashes.shape == (N_RAW,) and hashes.dtype == np.int64
    assert build < 1.0 and space_build < 1.0, (build, space_build)  # measured ~0.03 s / ~0.02 s


# ----- canonical set and official hashes ----------------------------------------------------------
@pytest.mark.parametrize("dataset", DATASETS)
def test_canonical_set_equals_bench_keys(full, official, dataset):
    _, read_mod = official
    bench_keys = np.array(sorted(read_mod.light_read(dataset)), dtype=np.int64)
    assert np.array_equal(full.official_hash(np.arange(full.size)), bench_keys)


def test_proteins_canonical_set_equals_bench_keys(proteins, keys):
    assert np.array_equal(
        proteins.official_hash(np.arange(proteins.size)), sorted(keys["proteins"])
    )


def test_official_hash_round_trip(space):
    ids = np.arange(space.size)
    hashes = space.official_hash(ids)
    assert hashes.dtype == np.int64 and np.all(np.diff(hashes) > 0)  # id = rank of the hash
    assert np.array_equal(space.from_official_hash(hashes), ids)
    assert np.array_equal(space.from_official_hash(hashes.tolist()), ids)


def test_representatives_are_official_fixed_points(space, official):
    """valid_hash of each canonical representative is its own hash; check_isomorph holds."""
    arch_mod, _ = official
    for arch in range(space.size):
        links, ops = space.to_links_ops(arch)
        assert arch_mod.Arch(links, ops).valid_hash() == int(space.official_hash(arch))
        assert arch_mod.Arch(links, ops).check_isomorph()


# ----- canonicalisation parity over the whole raw space -------------------------------------------
def test_raw_hash_table_equals_official_valid_hash(official_raw_hashes):
    assert np.array_equal(raw_official_hashes(), official_raw_hashes)


def test_full_parity_whole_raw_space(full, raw_space, official_raw_hashes, keys):
    """All 157,464 raw inputs: our id (or our error) == official valid_hash (in the bench)."""
    in_bench = np.array([h in keys["cora"] for h in official_raw_hashes.tolist()])
    expected = np.full(N_RAW, -1, dtype=np.int64)
    expected[in_bench] = full.from_official_hash(official_raw_hashes[in_bench])
    ours = ids_or_none(full, [raw_str(l, o) for l, o in zip(*raw_space)])
    assert np.array_equal(np.array([-1 if i is None else i for i in ours]), expected)
    # the only raw inputs without an entry are the 24 all-skip ones
    all_skip = np.array([set(o) == {"skip"} for o in raw_space[1]])
    assert np.array_equal(~in_bench, all_skip) and all_skip.sum() == len(RAW_LINKS)


def test_full_parity_vectorised_decisions(full, raw_space, official_raw_hashes, keys):
    """The batch paths (from_decisions, from_strs) agree with valid_hash on the whole raw space."""
    links, ops = np.array(raw_space[0]), np.array(raw_space[1])
    decisions = np.concatenate([links[:, 1:], np.vectorize(OPS.index)(ops)], axis=1)
    valid = np.array([h in keys["cora"] for h in official_raw_hashes.tolist()])
    expected = full.from_official_hash(official_raw_hashes[valid])
    assert np.array_equal(full.from_decisions(decisions[valid]), expected)
    texts = [raw_str(l, o) for l, o in zip(links[valid], ops[valid])]
    assert np.array_equal(full.from_strs(texts), expected)
    for row in decisions[~valid]:
        with pytest.raises(InvalidArchitectureError, match="all four operations are 'skip'"):
            full.from_decisions(row[None])


def test_proteins_parity_whole_raw_space(proteins, official, keys):
    """All 24 x 5^4 raw inputs over the proteins ops agree with valid_hash in the proteins bench."""
    arch_mod, _ = official
    texts, expected = [], []
    for link in RAW_LINKS:
        for ops in itertools.product(OPS_PROTEINS, repeat=4):
            h = arch_mod.Arch(list(link), list(ops)).valid_hash()
            texts.append(raw_str(link, ops))
            expected.append(int(proteins.from_official_hash(h)) if h in keys["proteins"] else None)
    assert len(texts) == 24 * 5**4
    assert ids_or_none(proteins, texts) == expected
    assert sum(e is None for e in expected) == len(RAW_LINKS)  # all-skip only


def test_readme_example(full, official):
    arch_mod, _ = official
    h = arch_mod.Arch([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"]).valid_hash()
    arch = full.from_str(EXAMPLE)
    assert int(full.official_hash(arch)) == h
    assert full.from_links_ops([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"]) == arch


# ----- strings ------------------------------------------------------------------------------------
def test_str_round_trip_all_ids(space):
    ids = np.arange(space.size)
    texts = [space.to_str(i) for i in ids]
    assert len(set(texts)) == space.size
    assert [space.from_str(t) for t in texts] == ids.tolist()
    assert np.array_equal(space.from_strs(texts), ids)


def test_isomorphic_strings_share_an_id(full):
    # two leaves on the raw input in either order; a skip in front of an op is dropped
    assert full.from_str("gcn@0,gat@0,fc@1,fc@2") == full.from_str("gat@0,gcn@0,fc@2,fc@1")
    assert full.from_str("gcn@0,gin@0,gat@0,sage@0") == full.from_str("gat@0,gcn@0,gin@0,sage@0")


@pytest.mark.parametrize(
    "text", [f"  {EXAMPLE}\n", "gcn @ 0, gin@1 ,fc@2,\tcheb@1", "\tgcn@0,gin@1,fc@2,cheb@1 "]
)
def test_from_str_tolerates_whitespace(full, text):
    assert full.from_str(text) == full.from_str(EXAMPLE)


GRAMMAR_HINT = r"'op@input'.*allowed ops: 'gat', 'gcn'"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("gcn@0,gin@1,fc@2", "found 3 item"),
        ("gcn@0,gin@1,fc@2,cheb@1,gcn@0", "found 5 item"),
        ("", "found 1 item"),
        ("gcn0,gin@1,fc@2,cheb@1", "item 1 'gcn0' has no '@'"),
        ("gcn@0,gin@1,foo@2,cheb@1", "item 3 'foo@2': unknown op 'foo'"),
        ("GCN@0,gin@1,fc@2,cheb@1", "unknown op 'GCN'"),
        ("gcn@0,gin@2,fc@2,cheb@1", r"input of node 2 must be 0 \.\. 1, got '2'"),
        ("gcn@1,gin@0,fc@2,cheb@1", r"input of node 1 must be 0 \.\. 0, got '1'"),
        ("gcn@0,gin@1,fc@2,cheb@-1", "got '-1'"),
        ("gcn@0,gin@1,fc@x,cheb@1", "got 'x'"),
        ("gcn@0,gin@1,fc@,cheb@1", "got ''"),
    ],
)
def test_bad_strings(full, text, problem):
    with pytest.raises(InvalidArchitectureError, match=problem) as err:
        full.from_str(text)
    assert "e.g. 'gcn@0,gin@1,fc@2,cheb@1'" in str(err.value)
    assert (
        "allowed ops: 'gat', 'gcn', 'gin', 'cheb', 'sage', 'arma', 'graph', 'fc' or 'skip'"
        in str(err.value)
    )


@pytest.mark.parametrize("value", [None, 42, b"gcn@0,gin@1,fc@2,cheb@1"])
def test_from_str_needs_a_string(full, value):
    with pytest.raises(InvalidArchitectureError, match="expected an architecture string"):
        full.from_str(value)


def test_all_skip_is_invalid(full, proteins):
    for space in (full, proteins):
        with pytest.raises(InvalidArchitectureError, match="all four operations are 'skip'"):
            space.from_str("skip@0,skip@1,skip@0,skip@3")


def test_proteins_rejects_other_ops(proteins):
    with pytest.raises(
        InvalidArchitectureError, match="op 'gin' is not in the 'proteins' op set"
    ) as err:
        proteins.from_str("gcn@0,gin@1,fc@2,skip@1")
    assert "allowed ops: 'gcn', 'sage', 'arma', 'fc' or 'skip'" in str(err.value)
    with pytest.raises(InvalidArchitectureError, match="'proteins' op set"):
        proteins.from_links_ops([0, 0, 0, 0], ["gat", "gcn", "gcn", "gcn"])


def test_from_links_ops_errors(full):
    with pytest.raises(InvalidArchitectureError, match="expected 4 links and 4 ops, got 3 and 4"):
        full.from_links_ops([0, 0, 0], ["gcn"] * 4)


# ----- ids and official hashes: errors ------------------------------------------------------------
@pytest.mark.parametrize("bad", [-1, 26_206])
def test_id_out_of_range(full, bad):
    with pytest.raises(
        InvalidArchitectureError, match=r"outside space 'nbgraph' \(ids are 0 \.\. 26205\)"
    ):
        full.to_str(bad)


def test_float_ids_rejected(full):
    with pytest.raises(InvalidArchitectureError, match="must be integers"):
        full.to_decisions(np.array([0.0]))


def test_from_official_hash_errors(full, proteins):
    with pytest.raises(InvalidArchitectureError, match="88888 is not the official hash"):
        full.from_official_hash([0, 88888])
    gat_arch = int(full.official_hash(0))  # all gat: not a proteins architecture
    with pytest.raises(InvalidArchitectureError, match="'nbgraph-proteins'"):
        proteins.from_official_hash(gat_arch)
    with pytest.raises(InvalidArchitectureError, match="must be integers"):
        full.from_official_hash([1.5])


# ----- decisions ----------------------------------------------------------------------------------
def test_decision_layout(full, proteins):
    assert full.decision_sizes == (2, 3, 4, 9, 9, 9, 9)
    assert proteins.decision_sizes == (2, 3, 4, 5, 5, 5, 5)
    assert full.decision_names == ("in2", "in3", "in4", "op1", "op2", "op3", "op4")
    dec = full.to_decisions([full.from_str(EXAMPLE)])[0]
    links, ops = full.to_links_ops(full.from_str(EXAMPLE))
    assert dec.tolist() == links[1:] + [OPS.index(o) for o in ops]


def test_decisions_round_trip(space):
    ids = np.arange(space.size)
    dec = space.to_decisions(ids)
    assert dec.shape == (space.size, 7) and dec.dtype == np.int64
    assert np.all(dec < np.array(space.decision_sizes)) and np.all(dec >= 0)
    assert np.array_equal(space.from_decisions(dec), ids)


def test_random_decisions_match_strings(space):
    rng = np.random.default_rng(0)
    dec = np.stack([rng.integers(n, size=2000) for n in space.decision_sizes], axis=1)
    dec = dec[(dec[:, 3:] != space.ops.index("skip")).any(axis=1)]
    texts = [raw_str([0, *d[:3]], [space.ops[o] for o in d[3:]]) for d in dec]
    assert np.array_equal(space.from_decisions(dec), [space.from_str(t) for t in texts])


@pytest.mark.parametrize(
    "decisions, problem",
    [
        (np.zeros(7, dtype=int), r"must be an integer array \[n, 7\] \(in2, in3, in4, op1"),
        (np.zeros((2, 6), dtype=int), r"got shape \(2, 6\)"),
        (np.zeros((1, 7)), "must be integers, got dtype float64"),
        (
            np.array([[0, 0, 0, 1, 1, 1, 1], [0, 3, 0, 1, 1, 1, 1]]),
            r"'in3' of row 1 is 3; it must be in 0 \.\. 2",
        ),
        (np.array([[0, 0, 0, 1, 1, 1, 9]]), r"'op4' of row 0 is 9; it must be in 0 \.\. 8"),
        (np.array([[-1, 0, 0, 1, 1, 1, 1]]), "'in2' of row 0 is -1"),
        (
            np.array([[0, 0, 0, 1, 1, 1, 1], [1, 2, 3, 8, 8, 8, 8]]),
            "'skip@0,skip@1,skip@2,skip@3'.*all four",
        ),
    ],
)
def test_bad_decisions(full, decisions, problem):
    with pytest.raises(InvalidArchitectureError, match=problem):
        full.from_decisions(decisions)


def test_proteins_decision_range(proteins):
    with pytest.raises(
        InvalidArchitectureError, match=r"'op1' of row 0 is 5; it must be in 0 \.\. 4"
    ):
        proteins.from_decisions([[0, 0, 0, 5, 0, 0, 0]])


# ----- neighbours ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def all_neighbors(space) -> list[np.ndarray]:
    return [space.neighbors(i) for i in range(space.size)]


def test_neighbors_sorted_distinct_valid(space, all_neighbors):
    for arch, nbrs in enumerate(all_neighbors):
        assert nbrs.dtype == np.int64 and len(nbrs) >= 1
        assert np.all(np.diff(nbrs) > 0)  # sorted, distinct
        assert arch not in nbrs and nbrs.min() >= 0 and nbrs.max() < space.size


def test_neighbors_match_official_one_change(space, official, keys):
    """For a sample of ids: neighbours == official canonicalisation of every one-decision change."""
    arch_mod, _ = official
    bench = keys["cora"] if space.op_set == "full" else keys["proteins"]
    rng = np.random.default_rng(1)
    for arch in rng.choice(space.size, size=200, replace=False):
        links, ops = space.to_links_ops(int(arch))
        found = set()
        for node in range(4):
            for inp in range(node + 1):
                found.add(arch_mod.Arch(links[:node] + [inp] + links[node + 1 :], ops).valid_hash())
            for op in space.ops:
                found.add(arch_mod.Arch(links, ops[:node] + [op] + ops[node + 1 :]).valid_hash())
        expected = space.from_official_hash(sorted(found & bench))
        assert np.array_equal(space.neighbors(int(arch)), expected[expected != arch])


def test_neighbors_symmetric_for_non_skip_op_swaps(space, all_neighbors):
    """Changing one op between two non-skip ops is undone by one change back.

    (The relation is NOT symmetric in general: a link or skip change can canonicalise to an
    architecture whose representative is more than one decision away from the original.)
    """
    skip = space.ops.index("skip")
    ids = np.arange(space.size)
    dec = space.to_decisions(ids)
    nbr_sets = [set(n.tolist()) for n in all_neighbors]
    for col in range(3, 7):
        for value in range(len(space.ops)):
            rows = (dec[:, col] != value) & (dec[:, col] != skip) & (value != skip)
            moved = dec[rows].copy()
            moved[:, col] = value
            for a, b in zip(ids[rows].tolist(), space.from_decisions(moved).tolist()):
                assert b in nbr_sets[a] and a in nbr_sets[b]


def test_mutate_returns_a_neighbor(full):
    rng = np.random.default_rng(0)
    for arch in (0, 100, full.size - 1):
        assert full.mutate(arch, rng) in set(full.neighbors(arch).tolist())


# ----- graphs and encodings -----------------------------------------------------------------------
def test_graph_example(full):
    g = full.graph(full.from_str(EXAMPLE))
    links, ops = full.to_links_ops(full.from_str(EXAMPLE))
    assert g.ops == ("input", *ops, "output")
    assert g.adjacency.shape == (6, 6)
    for node, parent in enumerate(links, start=1):
        assert g.adjacency[parent, node] == 1
    leaves = set(range(1, 5)) - set(links)
    assert {int(i) for i in np.flatnonzero(g.adjacency[:, 5])} == leaves


def test_graph_invariants(space):
    for arch in range(0, space.size, 7):
        adj = space.graph(arch).adjacency
        assert np.array_equal(adj, np.triu(adj, k=1))  # a DAG in node order
        assert np.all(adj[:, 1:5].sum(axis=0) == 1)  # one input per computing node
        assert adj[:, 5].sum() >= 1 and adj[0, 5] == 0  # output fed by leaves only
        feeds = adj[1:5, 1:5].sum(axis=1) > 0
        assert np.array_equal(adj[1:5, 5] == 1, ~feeds)


def test_encodings(space):
    ids = np.arange(space.size)
    onehot = space.encode(ids, "onehot")
    assert onehot.dtype == np.float32 and onehot.shape == (space.size, sum(space.decision_sizes))
    assert np.all(onehot.sum(axis=1) == 7)
    assert len(np.unique(onehot, axis=0)) == space.size
    cat = space.encode(ids[:10], "categorical")
    assert cat.dtype == np.float32 and np.array_equal(cat, space.to_decisions(ids[:10]))
    with pytest.raises(UnknownNameError, match="'onehot' or 'categorical'"):
        space.encode(ids, "path")
