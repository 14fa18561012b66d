"""NAS-Bench-101 search space (Ying et al., ICML 2019), pure numpy + hashlib.

A NAS-Bench-101 cell is a DAG of at most 7 vertices: vertex 0 is the input, the last vertex
the output, each vertex in between runs one of ``conv3x3-bn-relu``, ``conv1x1-bn-relu``,
``maxpool3x3``; the adjacency matrix is upper triangular with at most 9 edges. As in the
official ``ModelSpec``, vertices that are not on a path from the input to the output are
pruned first (:func:`prune`); a graph whose input does not reach its output is invalid. The
benchmark stores one entry per isomorphism class, keyed by the official
``graph_util.hash_module`` MD5 fingerprint (:func:`hash_module`, :func:`spec_hash`):
423,624 graphs in the official files.

The space of a built table
    Enumerating the 423,624 classes needs the official file (or hashing ~10^8 raw cells), so
    :class:`NB101Space` is the space *of the table it was built with*: a given list of
    canonical graphs, ids ``0 .. size-1`` in ascending order of their module hash. Built from
    the published data in ``data/`` it is a subset (the NAS-Bench-Suite-Zero sample and the 30
    records: 530 graphs, :attr:`NB101Space.is_subset`); after ``nasbench import nb101/cifar10
    --from nasbench_only108.tfrecord`` it is all 423,624 graphs. ``get_space("nb101")``
    (:func:`table_space`) reads the current ``nb101/cifar10`` table's ``/archs``.

String form (``to_str`` / ``from_str``)
    ``BITS:OPS``: ``BITS`` is the upper triangle of the V x V adjacency matrix read row by row
    (``(0,1), (0,2), .., (0,V-1), (1,2), ..``; V(V-1)/2 characters ``0``/``1``) or the whole
    matrix row by row (V*V characters, the official ``raw_adjacency``); ``OPS`` is the
    comma-separated operations of vertices 1 .. V-2 (``conv3x3``, ``conv1x1``, ``maxpool3x3``
    or the official names with ``-bn-relu``); V is the number of ops + 2. Example (the
    official README's Inception-like cell)::

        111010000010001100011:conv1x1,conv3x3,conv3x3,conv3x3,maxpool3x3

    ``from_str`` also accepts the 32-hex module hash. Every input is pruned and hashed, so
    isomorphic inputs give one id. ``to_str`` writes the table's stored (pruned) graph in the
    upper-triangle form with short op names.

Decisions: the 21 upper-triangle edge bits of a 7-vertex matrix and the 5 ops. A pruned
graph with fewer vertices is padded (its vertices 1 .. V-2 keep their places, the output
moves to vertex 6, padding vertices have no edges and op 0), which prunes back to itself.
A decision vector that names no graph of the table (disconnected, over 9 edges after
pruning, or simply not in a subset table) is mapped by :meth:`SearchSpace.repair` to the
nearest member (fewest decisions changed; the rule of
:class:`~nasbench.spaces.subset.SubsetSpace`, whose implementation is reused).
"""
from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from nasbench.errors import InvalidArchitectureError, TableIntegrityError, one_of
from nasbench.spaces.base import CellGraph, SearchSpace
from nasbench.spaces.subset import SubsetSpace

#: operations in the official ``config['available_ops']`` order (label = index)
OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
SHORT_OPS: tuple[str, ...] = ("conv3x3", "conv1x1", "maxpool3x3")
INPUT, OUTPUT = "input", "output"
MAX_VERTICES = 7
MAX_EDGES = 9
#: upper-triangle positions of a 7 x 7 matrix, row by row (the edge decisions' order)
EDGE_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (i, j) for i in range(MAX_VERTICES) for j in range(i + 1, MAX_VERTICES)
)
N_EDGE_BITS = len(EDGE_PAIRS)  # 21
N_OP_SLOTS = MAX_VERTICES - 2  # 5
_TRIU = np.triu_indices(MAX_VERTICES, 1)
_OP_CODE = {**{op: k for k, op in enumerate(OPS)}, **{op: k for k, op in enumerate(SHORT_OPS)}}
_HASH_RE = re.compile(r"^[0-9a-f]{32}$")
GRAMMAR = (
    "an NB101 cell is 'BITS:OPS' (BITS = adjacency upper triangle row by row, V(V-1)/2 "
    "characters 0/1, or the whole V*V matrix; OPS = comma-separated ops of vertices 1..V-2, "
    "V <= 7) or a 32-hex module hash, e.g. "
    "'111010000010001100011:conv1x1,conv3x3,conv3x3,conv3x3,maxpool3x3'"
)


# ----- the official graph algorithms ---------------------------------------------------------
def hash_module(matrix: np.ndarray, labeling: Sequence[int]) -> str:
    """The official ``graph_util.hash_module``: MD5 fingerprint of a labelled DAG that does
    not change when vertices are renumbered.

    Each vertex starts from the MD5 of ``str((out_degree, in_degree, label))``; then, as many
    rounds as there are vertices, it becomes the MD5 of its sorted in-neighbour hashes, ``|``,
    its sorted out-neighbour hashes, ``|``, its own hash; the fingerprint is the MD5 of
    ``str(sorted(hashes))``. Degrees and labels are Python ints, as in the official code.
    """
    rows = np.asarray(matrix).tolist()
    n = len(rows)
    if len(labeling) != n:
        raise InvalidArchitectureError(f"labeling has {len(labeling)} entries for a {n}-vertex matrix")
    ins = [[w for w in range(n) if rows[w][v]] for v in range(n)]
    outs = [[w for w in range(n) if rows[v][w]] for v in range(n)]
    md5 = hashlib.md5
    hashes = [
        md5(str((len(outs[v]), len(ins[v]), int(labeling[v]))).encode("utf-8")).hexdigest()
        for v in range(n)
    ]
    for _ in range(n):
        hashes = [
            md5(
                ("".join(sorted([hashes[w] for w in ins[v]])) + "|"
                 + "".join(sorted([hashes[w] for w in outs[v]])) + "|" + hashes[v]).encode("utf-8")
            ).hexdigest()
            for v in range(n)
        ]
    return hashlib.md5(str(sorted(hashes)).encode("utf-8")).hexdigest()


def prune(matrix: np.ndarray, ops: Sequence[str]) -> tuple[np.ndarray, list[str]] | None:
    """The official ``ModelSpec._prune``: drop every vertex not on a path from the input
    (vertex 0) to the output (the last vertex); None when the input does not reach the output."""
    matrix = np.asarray(matrix)
    rows = matrix.tolist()
    n = len(rows)
    forward, frontier = {0}, [0]
    while frontier:
        top = frontier.pop()
        for v in range(top + 1, n):
            if rows[top][v] and v not in forward:
                forward.add(v)
                frontier.append(v)
    backward, frontier = {n - 1}, [n - 1]
    while frontier:
        top = frontier.pop()
        for v in range(top):
            if rows[v][top] and v not in backward:
                backward.add(v)
                frontier.append(v)
    keep = sorted(forward & backward)
    if len(keep) < 2 or keep[0] != 0 or keep[-1] != n - 1:
        return None
    if len(keep) == n:
        return matrix.astype(np.int8, copy=False), list(ops)
    return matrix[np.ix_(keep, keep)].astype(np.int8), [ops[k] for k in keep]


def spec_hash(matrix: np.ndarray, ops: Sequence[str]) -> str:
    """The official ``ModelSpec(matrix, ops).hash_spec(available_ops)`` of an already pruned
    graph: labels -1 (input), the op's index in :data:`OPS`, -2 (output)."""
    labeling = [-1] + [_OP_CODE[op] for op in ops[1:-1]] + [-2]
    return hash_module(matrix, labeling)


def check_graph(matrix, ops: Sequence[str], text: str = "") -> tuple[np.ndarray, list[str]]:
    """Validate a cell as the official ``NASBench._check_spec`` does and return it pruned
    (ops with their official names); InvalidArchitectureError states the broken rule."""
    where = f" in '{text}'" if text else ""
    matrix = np.asarray(matrix)
    n = matrix.shape[0] if matrix.ndim == 2 else -1
    if matrix.ndim != 2 or matrix.shape[1] != n or not 2 <= n <= MAX_VERTICES:
        raise InvalidArchitectureError(
            f"an NB101 adjacency matrix is square with 2 .. {MAX_VERTICES} vertices, got shape {matrix.shape}{where}"
        )
    if len(ops) != n:
        raise InvalidArchitectureError(f"{n} vertices need {n} ops (input, {n - 2} ops, output), got {len(ops)}{where}")
    if not ((matrix == 0) | (matrix == 1)).all() or np.tril(matrix).any():
        raise InvalidArchitectureError(f"the adjacency matrix must be 0/1 and strictly upper triangular{where}")
    inner = []
    for op in ops[1:-1]:
        if op not in _OP_CODE:
            raise InvalidArchitectureError(f"unknown NB101 op '{op}'{where}; choose {one_of(SHORT_OPS)} (or the official names)")
        inner.append(OPS[_OP_CODE[op]])
    pruned = prune(matrix, [INPUT, *inner, OUTPUT])
    if pruned is None:
        raise InvalidArchitectureError(f"the input does not reach the output{where}: no NB101 cell")
    edges = int(pruned[0].sum())
    if edges > MAX_EDGES:
        raise InvalidArchitectureError(
            f"an NB101 cell has at most {MAX_EDGES} edges after pruning, this one has {edges}{where}"
        )
    return pruned


def parse_spec(text: str) -> tuple[np.ndarray, list[str]]:
    """``(matrix, ops)`` (unpruned, ops with input/output) of a ``BITS:OPS`` string."""
    if not isinstance(text, str) or text.count(":") != 1:
        raise InvalidArchitectureError(f"cannot parse '{text}': {GRAMMAR}")
    bits, _, op_text = text.strip().partition(":")
    ops = [o.strip() for o in op_text.split(",")] if op_text.strip() else []
    n = len(ops) + 2
    if n > MAX_VERTICES or set(bits) - {"0", "1"}:
        raise InvalidArchitectureError(f"cannot parse '{text}': {GRAMMAR}")
    matrix = np.zeros((n, n), dtype=np.int8)
    if len(bits) == n * (n - 1) // 2:
        rows, cols = np.triu_indices(n, 1)
        matrix[rows, cols] = np.frombuffer(bits.encode(), dtype=np.uint8) - ord("0")
    elif len(bits) == n * n:
        matrix[:] = (np.frombuffer(bits.encode(), dtype=np.uint8) - ord("0")).reshape(n, n)
    else:
        raise InvalidArchitectureError(
            f"'{text}' has {len(ops)} ops, so {n} vertices: BITS must have {n * (n - 1) // 2} "
            f"(upper triangle) or {n * n} (whole matrix) characters, got {len(bits)}; {GRAMMAR}"
        )
    return matrix, [INPUT, *ops, OUTPUT]


def format_spec(matrix: np.ndarray, ops: Sequence[str]) -> str:
    """``BITS:OPS`` of a pruned graph (upper triangle row by row, short op names)."""
    matrix = np.asarray(matrix)
    bits = "".join("1" if v else "0" for v in matrix[np.triu_indices(matrix.shape[0], 1)])
    return bits + ":" + ",".join(SHORT_OPS[_OP_CODE[o]] for o in ops[1:-1])


def canonical_spec(text: str) -> tuple[str, str]:
    """``(module hash, canonical BITS:OPS)`` of a spec string (checked and pruned)."""
    matrix, ops = check_graph(*parse_spec(text), text=text)
    return spec_hash(matrix, ops), format_spec(matrix, ops)


# ----- padded 7-vertex decision vectors ---------------------------------------------------------
def to_padded(matrix: np.ndarray, ops: Sequence[str]) -> np.ndarray:
    """Decision vector (21 edge bits, 5 op codes) of a pruned graph padded to 7 vertices."""
    n = matrix.shape[0]
    place = list(range(n - 1)) + [MAX_VERTICES - 1]
    full = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.int8)
    full[np.ix_(place, place)] = matrix
    codes = [0] * N_OP_SLOTS
    for k, op in enumerate(ops[1:-1]):
        codes[k] = _OP_CODE[op]
    return np.concatenate([full[_TRIU], codes]).astype(np.int64)


def from_padded(vector: Sequence[int]) -> tuple[np.ndarray, list[str]]:
    """Unpruned 7-vertex ``(matrix, ops)`` of a decision vector."""
    vector = np.asarray(vector)
    full = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.int8)
    full[_TRIU] = vector[:N_EDGE_BITS]
    return full, [INPUT, *(OPS[int(c)] for c in vector[N_EDGE_BITS:]), OUTPUT]


def _path_index() -> dict[tuple[int, ...], int]:
    """Op sequences of input-to-output paths (length 0 .. 5), ordered by length then code."""
    from itertools import product

    index: dict[tuple[int, ...], int] = {}
    for length in range(N_OP_SLOTS + 1):
        for seq in product(range(len(OPS)), repeat=length):
            index[seq] = len(index)
    return index


# ----- the space ---------------------------------------------------------------------------
class NB101Space(SearchSpace):
    """The NB101 graphs of one table: ids in ascending module-hash order.

    ``hashes`` are the official module hashes, ``specs`` the matching ``BITS:OPS`` strings
    (pruned graphs). ``source`` says where the list comes from (for messages); ``is_subset``
    is True when the list is not the whole 423,624-graph benchmark.
    """

    name = "nb101"
    encodings = ("onehot", "path")
    #: vocabulary of :meth:`graph`; ``none`` marks the isolated padding vertices
    ops = (*OPS, "none")
    FULL_SIZE = 423_624

    def __init__(self, hashes: Sequence[str], specs: Sequence[str], source: str = "",
                 decisions: np.ndarray | None = None) -> None:
        hashes = np.asarray(hashes, dtype="S32")
        if len(hashes) == 0 or len(hashes) != len(specs):
            raise TableIntegrityError(
                f"an NB101 space needs one spec per hash and at least one graph, got {len(hashes)} hashes and {len(specs)} specs"
            )
        if not (hashes[1:] > hashes[:-1]).all():
            raise TableIntegrityError("NB101 graphs must be distinct and in ascending module-hash order")
        self._hashes = hashes
        self._specs = list(specs)
        self.source = str(source)
        if decisions is None:
            decisions = np.array([to_padded(*parse_spec(t)) for t in self._specs], dtype=np.int64)
        dec = np.asarray(decisions, dtype=np.int64).reshape(len(self._specs), N_EDGE_BITS + N_OP_SLOTS)
        dec.flags.writeable = False
        self._member_decisions = dec
        self._by_decisions: dict[bytes, int] = {}

    @classmethod
    def from_specs(cls, specs: Sequence[str], source: str = "") -> NB101Space:
        """Space of arbitrary spec strings (hashed here; duplicates and isomorphs merged)."""
        pairs = dict(canonical_spec(s) for s in specs)
        hashes = sorted(pairs)
        return cls(hashes, [pairs[h] for h in hashes], source)

    # ----- basics ----------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return len(self._hashes)

    @property
    def is_subset(self) -> bool:
        """True when this table holds fewer graphs than the whole benchmark (423,624)."""
        return self.size < self.FULL_SIZE

    @property
    def label(self) -> str:
        if not self.is_subset:
            return f"'{self.name}' (all {self.size} graphs)"
        where = f", {self.source}" if self.source else ""
        return f"'{self.name}' (subset of {self.size} of the {self.FULL_SIZE} graphs{where})"

    def module_hash(self, arch: int) -> str:
        """The official module hash of ``arch``."""
        return self._hashes[self.check_id(arch)].decode()

    @property
    def hashes(self) -> np.ndarray:
        """Module hashes (``S32``) in id order."""
        return self._hashes

    def to_str(self, arch: int) -> str:
        return self._specs[self.check_id(arch)]

    def id_of_hash(self, module_hash: str) -> int:
        """Id of a module hash; InvalidArchitectureError when the table lacks it."""
        key = module_hash.encode()
        pos = int(np.searchsorted(self._hashes, key))
        if pos < self.size and self._hashes[pos] == key:
            return pos
        raise InvalidArchitectureError(
            f"NB101 graph with module hash {module_hash} is not in this table (space {self.label})"
            + ("; `nasbench import nb101/cifar10 --from nasbench_only108.tfrecord` gives all graphs" if self.is_subset else "")
        )

    def from_str(self, text: str) -> int:
        if not isinstance(text, str):
            raise InvalidArchitectureError(f"cannot parse {text!r}: {GRAMMAR}")
        if _HASH_RE.match(text.strip().lower()):
            return self.id_of_hash(text.strip().lower())
        module_hash, canonical = canonical_spec(text)
        try:
            return self.id_of_hash(module_hash)
        except InvalidArchitectureError:
            raise InvalidArchitectureError(
                f"NB101 cell '{text}' (pruned '{canonical}', hash {module_hash}) is not in this table "
                f"(space {self.label})"
            ) from None

    # ----- decisions ---------------------------------------------------------------------------
    @property
    def decision_sizes(self) -> tuple[int, ...]:
        return (2,) * N_EDGE_BITS + (len(OPS),) * N_OP_SLOTS

    @property
    def decision_names(self) -> tuple[str, ...]:
        return tuple(f"e{i}{j}" for i, j in EDGE_PAIRS) + tuple(f"op{v}" for v in range(1, N_OP_SLOTS + 1))

    @property
    def member_decisions(self) -> np.ndarray:
        """Padded decision vectors ``[size, 26]`` of the members (read-only)."""
        return self._member_decisions

    def to_decisions(self, ids) -> np.ndarray:
        return self._member_decisions[self.check_ids(ids)].copy()

    def _id_of_vector(self, vector: np.ndarray) -> int:
        """Id named by a well-formed decision vector, -1 when it names no member."""
        key = vector.astype(np.int8).tobytes()
        cached = self._by_decisions.get(key)
        if cached is not None:
            return cached
        pruned = prune(*from_padded(vector))
        result = -1
        if pruned is not None and int(pruned[0].sum()) <= MAX_EDGES:
            pos = int(np.searchsorted(self._hashes, spec_hash(*pruned).encode()))
            if pos < self.size and self._hashes[pos] == spec_hash(*pruned).encode():
                result = pos
        if len(self._by_decisions) < 1_000_000:
            self._by_decisions[key] = result
        return result

    def from_decisions(self, decisions) -> np.ndarray:
        dec = self.check_decisions(decisions)
        ids = np.array([self._id_of_vector(v) for v in dec], dtype=np.int64)
        if (ids < 0).any():
            bad = dec[int(np.flatnonzero(ids < 0)[0])]
            pruned = prune(*from_padded(bad))
            why = ("the input does not reach the output" if pruned is None
                   else f"it has {int(pruned[0].sum())} edges after pruning (at most {MAX_EDGES})"
                   if int(pruned[0].sum()) > MAX_EDGES else "the table does not have this graph")
            raise InvalidArchitectureError(
                f"decision vector {bad.tolist()} names no graph of space {self.label}: {why}; "
                "SearchSpace.repair maps it to the nearest member"
            )
        return ids

    def is_valid_decisions(self, decisions) -> np.ndarray:
        dec = self.check_decisions(decisions)
        return np.array([self._id_of_vector(v) >= 0 for v in dec], dtype=bool)

    #: nearest member by fewest differing decisions, ties with one rng draw (SubsetSpace's rule)
    _nearest_valid = SubsetSpace._nearest_valid

    # ----- neighbourhood -------------------------------------------------------------------------
    def neighbors(self, arch: int) -> np.ndarray:
        base = self._member_decisions[self.check_id(arch)]
        found = set()
        for col, size in enumerate(self.decision_sizes):
            for value in range(size):
                if value == base[col]:
                    continue
                moved = base.copy()
                moved[col] = value
                other = self._id_of_vector(moved)
                if other >= 0:
                    found.add(other)
        found.discard(int(arch))
        return np.array(sorted(found), dtype=np.int64)

    def mutate(self, arch: int, rng: np.random.Generator) -> int:
        """A uniform neighbour in the table; a uniform other member when it has none (a subset
        table holds few of a graph's neighbours)."""
        return SubsetSpace.mutate(self, arch, rng)

    # ----- views -----------------------------------------------------------------------------
    def pruned_graph(self, arch: int) -> tuple[np.ndarray, list[str]]:
        """The stored (pruned) ``(matrix, ops)`` of ``arch``, official op names."""
        matrix, ops = parse_spec(self._specs[self.check_id(arch)])
        return matrix, [INPUT, *(OPS[_OP_CODE[o]] for o in ops[1:-1]), OUTPUT]

    def graph(self, arch: int) -> CellGraph:
        """The cell padded to 7 vertices (padding vertices isolated, op ``none``)."""
        matrix, ops = self.pruned_graph(arch)
        n = matrix.shape[0]
        place = list(range(n - 1)) + [MAX_VERTICES - 1]
        full = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.int8)
        full[np.ix_(place, place)] = matrix
        names = ["none"] * MAX_VERTICES
        for k, v in enumerate(place):
            names[v] = ops[k]
        return CellGraph(adjacency=full, ops=tuple(names))

    def _encode_onehot(self, ids: np.ndarray) -> np.ndarray:
        """21 edge bits + one-hot of the 5 padded ops (BANANAS' adjacency encoding), [n, 36]."""
        return self.decisions_onehot(ids)[:, np.r_[1:2 * N_EDGE_BITS:2, 2 * N_EDGE_BITS:2 * N_EDGE_BITS + 3 * N_OP_SLOTS]]

    @cached_property
    def _paths(self) -> dict[tuple[int, ...], int]:
        return _path_index()

    def _encode_path(self, ids: np.ndarray) -> np.ndarray:
        """Path encoding (White et al., BANANAS): one feature per op sequence of an
        input-to-output path (3^0 + .. + 3^5 = 364), 1 where the cell has such a path."""
        out = np.zeros((len(ids), len(self._paths)), dtype=np.float32)
        for r, arch in enumerate(ids):
            matrix, ops = self.pruned_graph(int(arch))
            n = matrix.shape[0]
            codes = [_OP_CODE.get(o, -1) for o in ops]
            stack = [(0, ())]
            while stack:
                v, seq = stack.pop()
                for w in range(v + 1, n):
                    if matrix[v, w]:
                        if w == n - 1:
                            out[r, self._paths[seq]] = 1
                        else:
                            stack.append((w, seq + (codes[w],)))
        return out

    def __repr__(self) -> str:
        return f"NB101Space(size={self.size}{', subset' if self.is_subset else ''})"


# ----- the registered space: the current nb101/cifar10 table ---------------------------------
BENCHMARK = "nb101/cifar10"


def table_space(benchmark: str = BENCHMARK) -> NB101Space:
    """The space of the current ``benchmark`` table (built from ``data/`` first when missing or
    stale; an imported official table when there is one). Registered as ``get_space("nb101")``;
    the importer clears that cache after writing a new table."""
    from nasbench.benchmark import build_table, needs_rebuild, table_path
    from nasbench.catalog import get_info
    from nasbench.table import Table

    info = get_info(benchmark)
    path = table_path(benchmark)
    if not path.exists():
        build_table(benchmark)
    with Table(path) as table:
        stale = needs_rebuild(table, info)
    if stale:
        build_table(benchmark)
    return space_of_table(path)


def space_of_table(path) -> NB101Space:
    """:class:`NB101Space` of an NB101 table file (its ``/archs`` are ``BITS:OPS`` strings in
    ascending hash order). Hashes and decision vectors are derived data, cached next to the
    table in ``<table>.graphs-<archs sha256>.npz`` (the importer writes it; else computed
    once, about 0.3 ms per graph) and spot-checked (16 rows re-derived) on every read."""
    from nasbench.table import Table

    with Table(path) as table:
        archs = table.archs()
        sources = table.sources
    hashes, decisions = graph_arrays(path, archs)
    origin = ("official file" if any("tfrecord" in str(s.get("name", "")) for s in sources)
              else "data/ subset (Suite-Zero + 30 records)")
    return NB101Space(hashes, archs, source=f"{origin}, {path.name}", decisions=decisions)


def graph_cache_path(table_file, archs: Sequence[str]):
    """Where :func:`space_of_table` caches the hashes/decisions of a table's ``archs``."""
    import hashlib as _hashlib
    from pathlib import Path

    key = _hashlib.sha256("\n".join(archs).encode()).hexdigest()[:16]
    table_file = Path(table_file)
    return table_file.with_name(f"{table_file.stem}.graphs-{key}.npz")


def graph_arrays(table_file, archs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(hashes S32 [n], decisions int8 [n, 26])`` of ``archs``, from the cache when it
    passes the spot check, else computed and cached."""
    cache = graph_cache_path(table_file, archs)
    if cache.exists():
        try:
            with np.load(cache, allow_pickle=False) as z:
                hashes, decisions, seal = z["hashes"], z["decisions"], str(z["seal"])
            if seal != _graph_seal(archs, hashes, decisions):  # tied to the table's archs, every byte
                warnings.warn(f"{cache} does not match its seal (changed, or older); deriving it again from "
                              f"{Path(table_file).name}", stacklevel=2)
            elif len(hashes) == len(archs) and decisions.shape == (len(archs), N_EDGE_BITS + N_OP_SLOTS):
                rows = np.unique(np.linspace(0, len(archs) - 1, 16).astype(int))
                if all(canonical_spec(archs[r])[0].encode() == hashes[r]
                       and np.array_equal(to_padded(*parse_spec(archs[r])), decisions[r]) for r in rows):
                    return hashes, decisions
        except (OSError, ValueError, KeyError):
            pass
    hashes = np.array([canonical_spec(a)[0] for a in archs], dtype="S32")
    decisions = np.array([to_padded(*parse_spec(a)) for a in archs], dtype=np.int8)
    write_graph_cache(table_file, archs, hashes, decisions)
    return hashes, decisions


def write_graph_cache(table_file, archs: Sequence[str], hashes, decisions) -> None:
    """Write the derived hash/decision arrays of a table (atomically)."""
    from nasbench.atomic import atomic_path

    hashes, decisions = np.asarray(hashes, dtype="S32"), np.asarray(decisions, dtype=np.int8)
    with atomic_path(graph_cache_path(table_file, archs)) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, hashes=hashes, decisions=decisions, seal=np.array(_graph_seal(archs, hashes, decisions)))


def _graph_seal(archs: Sequence[str], hashes: np.ndarray, decisions: np.ndarray) -> str:
    """sha256 tying a graph cache to its table: the table's archs and the cache's arrays."""
    digest = hashlib.sha256("\n".join(archs).encode())
    digest.update(np.ascontiguousarray(hashes, dtype="S32").tobytes())
    digest.update(np.ascontiguousarray(decisions, dtype=np.int8).tobytes())
    return digest.hexdigest()
