"""The DARTS cell search space (Liu et al., ICLR 2019) as NAS-Bench-301 defines it.

An architecture is a *normal* and a *reduction* cell. Each cell has two input states (0: the
output of the cell before the previous one, 1: of the previous cell) and four intermediate
nodes; node ``k`` (``k = 0..3``, state ``k + 2``) takes two *distinct* earlier states
``i < j`` among ``0 .. k+1`` and applies one operation to each; the cell's output concatenates
states 2..5. NAS-Bench-301 uses the 7 operations of :data:`OPS` (no ``none``; the
``config_space_v2.json`` of its YAHPO surrogate lists exactly these). Per cell there are
``1 * 3 * 6 * 10`` input pairs and ``7 ** 8`` operation choices (1,037,664,180 cells), so the
space holds ``1,037,664,180 ** 2 = 1.0767e18`` architectures (< 2**63).

Ids and decisions
    The space is not enumerated: an id is the mixed-radix number of the architecture's 22
    decisions (:meth:`DartsSpace.to_decisions`), most significant first, so every id in
    ``0 .. size-1`` is one architecture and every decision vector is valid. Per cell, in
    node order: node 0: ``op_a``, ``op_b`` (its inputs are always states 0 and 1); nodes
    1..3: ``inputs`` (index of the pair in :data:`PAIRS` ``[k]``: NB301's lexicographic order
    ``0_1, 0_2, ..., 0_{k+1}, 1_2, ...``; 3, 6, 10 choices), ``op_a``
    (the operation on the edge from the smaller input ``i``), ``op_b`` (from ``j``); ops are
    indices into :data:`OPS`. Normal cell first (11 decisions), then the reduction cell.

Strings
    The DARTS genotype string ``Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1),
    ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])``: eight
    ``(op, input)`` pairs per cell, two per node in node order. The two edges of a node may
    come in either order (the cell is the same); :meth:`to_str` writes the smaller input
    first. Two edges of one node from the same input cannot be expressed in NAS-Bench-301
    (its configuration space chooses a *pair* of inputs): InvalidArchitectureError.

Isomorphisms (e.g. swapping two nodes with identical inputs and ops) are not merged: every
labelled cell keeps its own id (the surrogate answers each one), as NB301 does.
"""
from __future__ import annotations

import ast
from itertools import combinations

import numpy as np

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces.base import CellGraph, SearchSpace

#: the 7 operations of NAS-Bench-301, in its configuration space's order (index = op code)
OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
CELLS = ("normal", "reduce")
N_NODES = 4
#: per node k: its possible input pairs (i, j), i < j < k + 2, in NB301's order ("0_1", "0_2", "1_2", ...)
PAIRS: tuple[tuple[tuple[int, int], ...], ...] = tuple(tuple(combinations(range(k + 2), 2)) for k in range(N_NODES))
#: first edge index of node k in NB301's edge numbering (edge = offset + input state)
EDGE_OFFSET = (0, 2, 5, 9)
N_EDGES = 14
CONCAT = [2, 3, 4, 5]
_OP_INDEX = {op: i for i, op in enumerate(OPS)}


def _cell_layout() -> tuple[list[str], list[int]]:
    names, sizes = [], []
    for k in range(N_NODES):
        if k > 0:
            names.append(f"n{k}_inputs")
            sizes.append(len(PAIRS[k]))
        names += [f"n{k}_op_a", f"n{k}_op_b"]
        sizes += [len(OPS), len(OPS)]
    return names, sizes


_CELL_NAMES, _CELL_SIZES = _cell_layout()
DECISIONS_PER_CELL = len(_CELL_SIZES)  # 11


class DartsSpace(SearchSpace):
    """DARTS / NAS-Bench-301 space: ~1.08e18 architectures, ids = mixed-radix decision numbers.

    Not enumerable: strategies that visit every architecture (``grid``) refuse it; uniform
    sampling, mutation and neighbourhoods work on decisions.
    """

    name = "darts"
    encodings = ("onehot", "categorical", "adjacency")
    all_decisions_valid = True
    ops = OPS
    #: False: the space is too large to enumerate or to hold per-architecture arrays
    enumerable = False

    def __init__(self) -> None:
        self._sizes = np.asarray(_CELL_SIZES * 2, dtype=np.int64)
        # mixed radix, first decision most significant
        weights = np.ones(len(self._sizes), dtype=np.int64)
        for i in range(len(self._sizes) - 2, -1, -1):
            weights[i] = weights[i + 1] * self._sizes[i + 1]
        self._weights = weights
        self._size = int(np.prod([int(s) for s in self._sizes], dtype=object))
        # per node: pair index -> (i, j)
        self._pair_arrays = [np.asarray(PAIRS[k], dtype=np.int64) for k in range(N_NODES)]

    @property
    def size(self) -> int:
        return self._size

    # ----- decisions -------------------------------------------------------------------------
    @property
    def decision_sizes(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self._sizes)

    @property
    def decision_names(self) -> tuple[str, ...]:
        return tuple(f"{cell}_{n}" for cell in CELLS for n in _CELL_NAMES)

    def to_decisions(self, ids) -> np.ndarray:
        ids = self.check_ids(np.asarray(ids).reshape(-1))
        out = np.empty((len(ids), len(self._sizes)), dtype=np.int64)
        rest = ids.copy()
        for i in range(len(self._sizes) - 1, -1, -1):
            out[:, i] = rest % self._sizes[i]
            rest //= self._sizes[i]
        return out

    def from_decisions(self, decisions) -> np.ndarray:
        dec = self.check_decisions(decisions)
        return (dec * self._weights).sum(axis=1)

    # ----- cells -----------------------------------------------------------------------------
    def cell_edges(self, ids) -> np.ndarray:
        """``[n, 2 cells, 4 nodes, 2 edges, 2]`` int64: per edge ``(input state, op code)``,
        the smaller input first."""
        dec = self.to_decisions(ids).reshape(-1, 2, DECISIONS_PER_CELL)
        out = np.empty((len(dec), 2, N_NODES, 2, 2), dtype=np.int64)
        col = 0
        for k in range(N_NODES):
            if k == 0:
                pair = np.broadcast_to(np.asarray([0, 1]), (len(dec), 2, 2))
            else:
                pair = self._pair_arrays[k][dec[:, :, col]]
                col += 1
            out[:, :, k, :, 0] = pair
            out[:, :, k, 0, 1] = dec[:, :, col]
            out[:, :, k, 1, 1] = dec[:, :, col + 1]
            col += 2
        return out

    def edge_ops(self, ids) -> np.ndarray:
        """``[n, 28]`` int: NB301's edge encoding, ``edge_normal_0..13`` then ``edge_reduce_0..13``;
        op code + 1 on the 16 active edges, 0 on inactive ones."""
        edges = self.cell_edges(ids)
        n = len(edges)
        out = np.zeros((n, 2, N_EDGES), dtype=np.int64)
        rows = np.arange(n)
        for c in range(2):
            for k in range(N_NODES):
                for e in range(2):
                    out[rows, c, EDGE_OFFSET[k] + edges[:, c, k, e, 0]] = edges[:, c, k, e, 1] + 1
        return out.reshape(n, 2 * N_EDGES)

    def pair_indices(self, ids) -> np.ndarray:
        """``[n, 6]`` int: the input-pair index of nodes 1..3 of the normal, then the reduction cell."""
        dec = self.to_decisions(ids).reshape(-1, 2, DECISIONS_PER_CELL)
        cols = [i for i, name in enumerate(_CELL_NAMES) if name.endswith("_inputs")]
        return dec[:, :, cols].reshape(len(dec), 2 * len(cols))

    # ----- strings ---------------------------------------------------------------------------
    def to_str(self, arch: int) -> str:
        edges = self.cell_edges(np.asarray([arch]))[0]
        parts = []
        for c, cell in enumerate(CELLS):
            items = ", ".join(
                f"('{OPS[edges[c, k, e, 1]]}', {int(edges[c, k, e, 0])})" for k in range(N_NODES) for e in range(2)
            )
            parts.append(f"{cell}=[{items}], {cell}_concat={CONCAT}")
        return f"Genotype({', '.join(parts)})"

    def from_str(self, text: str) -> int:
        cells = parse_genotype(text)
        dec = []
        for cell in CELLS:
            genes = cells[cell]
            for k in range(N_NODES):
                (op1, in1), (op2, in2) = genes[2 * k], genes[2 * k + 1]
                if in1 == in2:
                    raise InvalidArchitectureError(
                        f"{cell} cell node {k} takes both edges from state {in1}; NAS-Bench-301 needs two "
                        f"distinct inputs per node (a pair i < j of 0 .. {k + 1}) in '{_short(text)}'"
                    )
                if in1 > in2:
                    (op1, in1), (op2, in2) = (op2, in2), (op1, in1)
                if in2 > k + 1:
                    raise InvalidArchitectureError(
                        f"{cell} cell node {k} takes input state {in2}; node {k} may read states 0 .. {k + 1} "
                        f"(0, 1: the cell inputs; 2.. : earlier nodes) in '{_short(text)}'"
                    )
                if k > 0:
                    dec.append(PAIRS[k].index((in1, in2)))
                dec += [_OP_INDEX[op1], _OP_INDEX[op2]]
        return int(self.from_decisions(np.asarray([dec]))[0])

    # ----- neighbourhood ---------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int | None = None):
        """Uniform random architectures (uniform over the 22 decisions: every id is one architecture)."""
        if n is None:
            return int(rng.integers(self._size))
        return rng.integers(self._size, size=n, dtype=np.int64)

    def neighbors(self, arch: int) -> np.ndarray:
        """The 128 architectures that differ in one decision: one op (6 alternatives on each of
        16 edges) or one node's input pair (2 + 5 + 9 alternatives per cell), other choices kept."""
        dec = self.to_decisions(np.asarray([arch]))[0]
        rows = []
        for col, size in enumerate(self._sizes.tolist()):
            for v in range(size):
                if v != dec[col]:
                    row = dec.copy()
                    row[col] = v
                    rows.append(row)
        return np.unique(self.from_decisions(np.asarray(rows)))

    # ----- views -----------------------------------------------------------------------------
    def graph(self, arch: int) -> CellGraph:
        """Both cells as one DAG with operations on nodes (30 nodes, block diagonal, in
        topological order): per cell the two inputs (``input``), then per intermediate node its
        two chosen edges as op nodes followed by the node's state (``add``), then the
        concatenated ``output``; the normal cell's 15 nodes first."""
        edges = self.cell_edges(np.asarray([arch]))[0]
        per = 2 + 3 * N_NODES + 1
        adj = np.zeros((2 * per, 2 * per), dtype=np.int8)
        ops: list[str] = []
        for c in range(2):
            base = c * per
            state_node = {0: base, 1: base + 1}
            cell_ops = ["input", "input"]
            for k in range(N_NODES):
                first = base + 2 + 3 * k
                state_node[k + 2] = first + 2
                for e in range(2):
                    adj[state_node[int(edges[c, k, e, 0])], first + e] = 1
                    adj[first + e, first + 2] = 1
                    cell_ops.append(OPS[edges[c, k, e, 1]])
                cell_ops.append("add")
                adj[first + 2, base + per - 1] = 1
            cell_ops.append("output")
            ops += cell_ops
        return CellGraph(adjacency=adj, ops=tuple(ops))

    def _encode_onehot(self, ids: np.ndarray) -> np.ndarray:
        """One-hot of the 22 decisions, concatenated: ``[n, 150]``."""
        return self.decisions_onehot(ids)

    def _encode_categorical(self, ids: np.ndarray) -> np.ndarray:
        """The 22 decision codes as float32 ``[n, 22]``."""
        return self.to_decisions(ids).astype(np.float32)

    def _encode_adjacency(self, ids: np.ndarray) -> np.ndarray:
        """Per cell and edge (NB301's 14 edges) a one-hot of ``none`` + the 7 ops: ``[n, 224]``
        (NASLib's adjacency one-hot for DARTS, with inactive edges as ``none``)."""
        codes = self.edge_ops(ids)
        return np.eye(len(OPS) + 1, dtype=np.float32)[codes].reshape(len(codes), -1)


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def parse_genotype(text: str) -> dict[str, list[tuple[str, int]]]:
    """Parse a DARTS ``Genotype(...)`` string (as printed by the DARTS code) without evaluating it.

    Parameters
    ----------
    text : str
        ``Genotype(normal=[('op', input), ...], normal_concat=..., reduce=[...], reduce_concat=...)``.

    Returns
    -------
    dict of str to list of (str, int)
        ``{"normal": [(op, input)] * 8, "reduce": [...]}``.

    Raises
    ------
    InvalidArchitectureError
        Not a genotype string, unknown fields or ops, wrong pair counts (the message says which).
    """
    hint = ("expected Genotype(normal=[('op', input), ... 8 pairs], normal_concat=[2, 3, 4, 5], "
            "reduce=[... 8 pairs], reduce_concat=[2, 3, 4, 5])")
    if not isinstance(text, str):
        raise InvalidArchitectureError(f"a DARTS architecture string must be a str, got {type(text).__name__}; {hint}")
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise InvalidArchitectureError(f"'{_short(text)}' is not a DARTS genotype string; {hint}") from None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Genotype" and not node.args):
        raise InvalidArchitectureError(f"'{_short(text)}' is not a DARTS genotype string; {hint}")
    fields = {kw.arg: kw.value for kw in node.keywords}
    unknown = set(fields) - {"normal", "reduce", "normal_concat", "reduce_concat"}
    if unknown or not {"normal", "reduce"} <= set(fields):
        raise InvalidArchitectureError(
            f"genotype fields must be normal, normal_concat, reduce, reduce_concat; got {sorted(map(str, fields))}; {hint}"
        )
    out = {}
    for cell in CELLS:
        concat = fields.get(f"{cell}_concat")
        if concat is not None:
            values = _concat_values(concat)
            if values != CONCAT:
                raise InvalidArchitectureError(
                    f"{cell}_concat is {values}; NAS-Bench-301 cells concatenate states {CONCAT} "
                    f"(range(2, 6))"
                )
        try:
            genes = ast.literal_eval(fields[cell])
        except ValueError:
            raise InvalidArchitectureError(f"{cell} must be a list of ('op', input) pairs; {hint}") from None
        if not isinstance(genes, (list, tuple)) or len(genes) != 2 * N_NODES:
            raise InvalidArchitectureError(
                f"{cell} must list {2 * N_NODES} ('op', input) pairs (two per node), got "
                f"{len(genes) if isinstance(genes, (list, tuple)) else genes!r}"
            )
        for gene in genes:
            if (not isinstance(gene, (list, tuple)) or len(gene) != 2 or gene[0] not in _OP_INDEX
                    or type(gene[1]) is not int or gene[1] < 0):
                raise InvalidArchitectureError(
                    f"bad {cell} gene {gene!r}: expected ('op', input) with op one of {', '.join(OPS)} "
                    f"and input a state number >= 0"
                )
        out[cell] = [(str(op), int(i)) for op, i in genes]
    return out


def _concat_values(node: ast.expr) -> list[int]:
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
            and all(isinstance(a, ast.Constant) and type(a.value) is int for a in node.args)):
        return list(range(*[a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]))
    try:
        return list(ast.literal_eval(node))
    except (ValueError, TypeError):
        raise InvalidArchitectureError("a concat field must be a list of ints or range(2, 6)") from None
