"""NAS-Bench-Graph search space (Qin et al., NeurIPS 2022), pure numpy.

A *raw* architecture has 4 computing nodes. ``links[i]`` is the input of computing node
``i + 1`` (0 = the raw input, ``j > 0`` = the output of computing node ``j``), so node
``i + 1`` may read any earlier node: ``links[0] = 0``, ``links[1] in {0, 1}``,
``links[2] in {0, 1, 2}``, ``links[3] in {0 .. 3}`` (24 link patterns). ``ops[i]`` is one of
9 operations in the official order ``gat, gcn, gin, cheb, sage, arma, graph, fc, skip``
(the ``proteins`` op set allows only ``gcn, sage, arma, fc, skip``). This is the
``Arch(lk, op)`` of the ``nas_bench_graph`` package.

Many raw architectures are isomorphic. The official package maps each one to a canonical
form with ``Arch(lk, op).valid_hash()`` (``regularize`` -> ``move_skip_op`` ->
``equalpart_sort`` -> ``hash_arch``); the benchmark stores one entry per canonical hash
(26,206 architectures, 2,021 for proteins). This module re-implements that map without
importing the package: the link-only steps (``regularize``, ``move_skip_op``) depend on the
operations only through *which* of them are ``skip``, so they are run symbolically once per
(link pattern, skip mask) pair (24 x 16) and give a permutation of the operation slots;
``equalpart_sort`` and the hash are then applied to all 24 x 9^4 = 157,464 raw inputs at
once with numpy. The result is a lookup table from raw index to id, so parsing a string is
a few dict look-ups plus one array read.

Ids are the ranks of the official hashes (``Arch.hash_arch()`` with the default 9-op base,
which is also the key of the proteins bench) in ascending order.

String form: ``op@input`` per computing node, comma-separated, e.g.
``gcn@0,gin@1,fc@2,cheb@1`` (node i runs ``op`` on the output of node ``input``).
"""

from __future__ import annotations

import array
from collections.abc import Callable, Sequence
from functools import cached_property, lru_cache
from itertools import product

import numpy as np

from nasbench.errors import InvalidArchitectureError, UnknownNameError, one_of
from nasbench.spaces.base import CellGraph, SearchSpace

#: operations in the official order (index = digit of the official hash)
OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
#: the operations the proteins benchmark was run with (official ``gnn_list_proteins``)
OPS_PROTEINS: tuple[str, ...] = ("gcn", "sage", "arma", "fc", "skip")
OP_SETS: dict[str, tuple[str, ...]] = {"full": OPS, "proteins": OPS_PROTEINS}
SKIP: int = OPS.index("skip")

N_NODES: int = 4
N_OPS: int = len(OPS)
N_OP_CODES: int = N_OPS**N_NODES  # 6561 op tuples
#: weights of ops[0..3] in the raw op code (ops[0] most significant)
_OP_WEIGHTS = np.array([N_OPS**3, N_OPS**2, N_OPS, 1], dtype=np.int64)
#: weights of links[1..3] in the raw link-pattern index (links[0] is always 0)
_LINK_WEIGHTS = np.array([12, 4, 1], dtype=np.int64)
#: the 24 raw link patterns, in the order of the raw link-pattern index
RAW_LINKS: tuple[tuple[int, ...], ...] = tuple(
    (0, a, b, c) for a, b, c in product(range(2), range(3), range(4))
)
N_RAW: int = len(RAW_LINKS) * N_OP_CODES  # 157,464 raw architectures

#: the 9 canonical link patterns; index = leading digit of the official hash
LINK_PATTERNS: tuple[tuple[int, ...], ...] = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (0, 0, 1, 1),
    (0, 0, 1, 2),
    (0, 0, 1, 3),
    (0, 1, 1, 1),
    (0, 1, 1, 2),
    (0, 1, 2, 2),
    (0, 1, 2, 3),
)
_HASH_BASE: int = N_OPS + 1  # official hash_arch uses base len(gnn_list) + 1
_HASH_WEIGHTS = np.array([_HASH_BASE**3, _HASH_BASE**2, _HASH_BASE, 1], dtype=np.int64)
_HASH_LINK_WEIGHT: int = _HASH_BASE**4

# Official ``Arch.regularize``: raw link pattern -> (new link pattern, slot permutation),
# new_ops[i] = ops[perm[i]]. Patterns not listed are kept as they are.
_REGULARIZE: dict[tuple[int, ...], tuple[tuple[int, ...], tuple[int, ...]]] = {
    (0, 0, 0, 2): ((0, 0, 0, 1), (1, 0, 2, 3)),
    (0, 0, 0, 3): ((0, 0, 0, 1), (2, 0, 1, 3)),
    (0, 0, 1, 0): ((0, 0, 0, 1), (0, 1, 3, 2)),
    (0, 0, 2, 0): ((0, 0, 0, 1), (1, 0, 3, 2)),
    (0, 0, 2, 1): ((0, 0, 1, 2), (1, 0, 2, 3)),
    (0, 0, 2, 2): ((0, 0, 1, 1), (1, 0, 2, 3)),
    (0, 0, 2, 3): ((0, 0, 1, 3), (1, 0, 2, 3)),
    (0, 1, 0, 0): ((0, 0, 0, 1), (0, 2, 3, 1)),
    (0, 1, 0, 1): ((0, 0, 1, 1), (0, 2, 1, 3)),
    (0, 1, 0, 2): ((0, 0, 1, 3), (0, 2, 1, 3)),
    (0, 1, 0, 3): ((0, 0, 1, 2), (0, 2, 1, 3)),
    (0, 1, 1, 0): ((0, 0, 1, 1), (0, 3, 1, 2)),
    (0, 1, 1, 3): ((0, 1, 1, 2), (0, 2, 1, 3)),
    (0, 1, 2, 0): ((0, 0, 1, 3), (0, 3, 1, 2)),
    (0, 1, 2, 1): ((0, 1, 1, 2), (0, 1, 3, 2)),
}
# Fix-ups at the end of the official ``Arch.move_skip_op`` (same format).
_AFTER_MOVE_SKIP: dict[tuple[int, ...], tuple[tuple[int, ...], tuple[int, ...]]] = {
    (0, 1, 2, 1): ((0, 1, 1, 2), (0, 1, 3, 2)),
    (0, 1, 1, 3): ((0, 1, 1, 2), (0, 2, 1, 3)),
}
# Official ``Arch.equalpart_sort``: canonical link pattern -> op slots sorted ascending.
_SORTED_SLOTS: dict[tuple[int, ...], tuple[int, ...]] = {
    (0, 0, 0, 0): (0, 1, 2, 3),
    (0, 0, 0, 1): (1, 2),
    (0, 0, 1, 1): (2, 3),
    (0, 1, 1, 1): (1, 2, 3),
    (0, 1, 2, 2): (2, 3),
}
#: the pattern whose two branches (ops 0,2 and ops 1,3) are swapped into order as pairs
_PAIRED_BRANCHES: tuple[int, ...] = (0, 0, 1, 2)

GRAMMAR = (
    "an architecture is 4 comma-separated items 'op@input', one per computing node "
    "(node i takes input 0 .. i-1; 0 is the raw input), e.g. 'gcn@0,gin@1,fc@2,cheb@1'"
)


# ----- symbolic canonicalisation of the link structure ---------------------------------------
def _permute(
    link: tuple[int, ...],
    slots: list,
    table: dict[tuple[int, ...], tuple[tuple[int, ...], tuple[int, ...]]],
) -> tuple[list[int], list]:
    """Apply a link rewrite table (``regularize`` or the move-skip fix-ups) to link and slots."""
    if tuple(link) not in table:
        return list(link), list(slots)
    new_link, perm = table[tuple(link)]
    return list(new_link), [slots[p] for p in perm]


def _move_skip_op(
    link: list[int], slots: list, is_skip: Callable[[object], bool]
) -> tuple[list[int], list]:
    """The official ``Arch.move_skip_op`` on generic slots (only ``is_skip`` is asked of them).

    Follows the official loop exactly, including that it iterates over slot positions while
    slots move to the front, and the in-place update of ``link[k]`` that later children read.
    """
    link, slots = list(link), list(slots)

    def move_one(k: int) -> None:
        nonlocal link, slots
        slots = [slots[k]] + slots[:k] + slots[k + 1 :]
        for i, father in enumerate(link):
            if father == k + 1:
                link[i] = link[k]
            if father <= k:
                link[i] = link[i] + 1
        link = [0] + link[:k] + link[k + 1 :]

    def from_raw_input_through_skips(k: int) -> bool:
        while k > -1:
            if not is_skip(slots[k]):
                return False
            k = link[k] - 1
        return True

    for i in range(len(link)):
        if not is_skip(slots[i]):
            continue
        son = any(father == i + 1 for father in link)
        brother = any(j != i and father == link[i] for j, father in enumerate(link))
        if son or not brother or (from_raw_input_through_skips(i) and not son):
            move_one(i)
    return _permute(tuple(link), slots, _AFTER_MOVE_SKIP)


def _structure(raw_link: tuple[int, ...], skip_mask: int) -> tuple[int, tuple[int, ...]]:
    """Canonical link pattern index (-1 if outside the 9) and raw slot of each canonical op.

    ``skip_mask`` bit k says raw op k is ``skip``; the ops themselves are not needed because
    ``regularize`` and ``move_skip_op`` only permute them.
    """
    link, slots = _permute(raw_link, list(range(N_NODES)), _REGULARIZE)
    link, slots = _move_skip_op(link, slots, lambda slot: bool(skip_mask >> slot & 1))
    pattern = tuple(link)
    return (LINK_PATTERNS.index(pattern) if pattern in LINK_PATTERNS else -1), tuple(slots)


@lru_cache(maxsize=1)
def _structure_tables() -> tuple[np.ndarray, np.ndarray]:
    """``pattern[r, mask]`` and ``perm[r, mask, :]`` for the 24 raw links x 16 skip masks."""
    n_masks = 1 << N_NODES
    pattern = np.empty((len(RAW_LINKS), n_masks), dtype=np.int64)
    perm = np.empty((len(RAW_LINKS), n_masks, N_NODES), dtype=np.int64)
    for r, raw_link in enumerate(RAW_LINKS):
        for mask in range(n_masks):
            pattern[r, mask], perm[r, mask] = _structure(raw_link, mask)
    return pattern, perm


# ----- vectorised canonicalisation of all raw inputs -----------------------------------------
def _all_op_codes() -> np.ndarray:
    """``[6561, 4]`` op indices of every op tuple, in raw op-code order."""
    return np.stack(np.unravel_index(np.arange(N_OP_CODES), (N_OPS,) * N_NODES), axis=1)


def _equalpart_sort(pattern: np.ndarray, ops: np.ndarray) -> np.ndarray:
    """The official ``Arch.equalpart_sort`` on rows ``ops[n, 4]`` with canonical ``pattern[n]``."""
    ops = ops.copy()
    for link, slots in _SORTED_SLOTS.items():
        rows = pattern == LINK_PATTERNS.index(link)
        cols = list(slots)
        ops[np.ix_(rows, cols)] = np.sort(ops[np.ix_(rows, cols)], axis=1)
    a, b, c, d = ops.T
    swap = (pattern == LINK_PATTERNS.index(_PAIRED_BRANCHES)) & ((a > b) | ((a == b) & (c > d)))
    ops[swap] = ops[swap][:, [1, 0, 3, 2]]
    return ops


@lru_cache(maxsize=1)
def raw_official_hashes() -> np.ndarray:
    """Official ``Arch(links, ops).valid_hash()`` of every raw architecture (int64, -1 if none).

    Index ``r * 6561 + sum(ops[k] * 9**(3-k))`` where ``r`` indexes :data:`RAW_LINKS`.
    Built once per process (a few tens of milliseconds).
    """
    pattern_table, perm_table = _structure_tables()
    codes = _all_op_codes()
    masks = ((codes == SKIP) << np.arange(N_NODES)).sum(axis=1)
    raw_link = np.repeat(np.arange(len(RAW_LINKS)), N_OP_CODES)
    mask = np.tile(masks, len(RAW_LINKS))
    ops = np.take_along_axis(
        np.tile(codes, (len(RAW_LINKS), 1)), perm_table[raw_link, mask], axis=1
    )
    pattern = pattern_table[raw_link, mask]
    ops = _equalpart_sort(pattern, ops)
    hashes = pattern * _HASH_LINK_WEIGHT + ops @ _HASH_WEIGHTS
    hashes[pattern < 0] = -1
    hashes.flags.writeable = False
    return hashes


def _raw_index(
    links: Sequence[int] | np.ndarray, op_codes: Sequence[int] | np.ndarray
) -> np.ndarray:
    """Raw index of validated ``links[..., 4]`` and full op indices ``op_codes[..., 4]``."""
    links = np.asarray(links, dtype=np.int64)
    op_codes = np.asarray(op_codes, dtype=np.int64)
    return (links[..., 1:] @ _LINK_WEIGHTS) * N_OP_CODES + op_codes @ _OP_WEIGHTS


def _decode_raw(index: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(links, op indices)`` of a raw index."""
    r, code = divmod(int(index), N_OP_CODES)
    return RAW_LINKS[r], tuple(int(c) for c in np.unravel_index(code, (N_OPS,) * N_NODES))


def _format(links: Sequence[int], op_codes: Sequence[int]) -> str:
    """``op@input,...`` string of links and full op indices."""
    return ",".join(f"{OPS[o]}@{l}" for l, o in zip(links, op_codes))


# ----- the space -------------------------------------------------------------------------------
class NBGraphSpace(SearchSpace):
    """NAS-Bench-Graph: 4-node GNN cells, ids = canonical architectures of the official bench.

    ``op_set="full"`` (26,206 architectures, the 8 node-classification datasets) or
    ``"proteins"`` (2,021 architectures over ``gcn, sage, arma, fc, skip``).

    Decisions: ``in2, in3, in4`` (inputs of computing nodes 2..4; node 1 always reads the raw
    input) then ``op1 .. op4`` (index into :attr:`ops`). Any decision vector, string or
    ``(links, ops)`` pair is canonicalised exactly as ``Arch(links, ops).valid_hash()`` does;
    the one pattern family without a benchmark entry (all four ops ``skip``) is invalid.
    """

    encodings = ("onehot", "categorical")

    def __init__(self, op_set: str = "full") -> None:
        if op_set not in OP_SETS:
            raise UnknownNameError(
                f"unknown NAS-Bench-Graph op set '{op_set}'; choose {one_of(OP_SETS)}"
            )
        self.op_set = op_set
        self.name = "nbgraph" if op_set == "full" else f"nbgraph-{op_set}"
        #: the operations of this op set, in decision order
        self.ops: tuple[str, ...] = OP_SETS[op_set]
        self._local_to_full = np.array([OPS.index(o) for o in self.ops], dtype=np.int64)
        self._full_to_local = np.full(N_OPS, -1, dtype=np.int64)
        self._full_to_local[self._local_to_full] = np.arange(len(self.ops))

        raw_hashes = raw_official_hashes()
        self._hashes = self._canonical_hashes(raw_hashes)
        self._links, self._op_codes = self._decode_hashes(self._hashes)
        self._raw_to_id = self._raw_to_id_table(raw_hashes)
        self._tokens = self._token_tables()

    # ----- construction ------------------------------------------------------------------------
    def _canonical_hashes(self, raw_hashes: np.ndarray) -> np.ndarray:
        """Sorted official hashes of the canonical architectures of this op set.

        The image of the canonicalisation over raw inputs whose ops are all in the op set,
        minus the all-``skip`` cell (the official ``all_archs`` leaves it out too).
        """
        codes = np.tile(_all_op_codes(), (len(RAW_LINKS), 1))
        in_set = (self._full_to_local[codes] >= 0).all(axis=1)
        all_skip = (codes == SKIP).all(axis=1)
        keep = in_set & ~all_skip & (raw_hashes >= 0)
        hashes = np.unique(raw_hashes[keep])
        hashes.flags.writeable = False
        return hashes

    @staticmethod
    def _decode_hashes(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Canonical links ``[n, 4]`` and full op indices ``[n, 4]`` (int8) of official hashes."""
        pattern, rest = np.divmod(hashes, _HASH_LINK_WEIGHT)
        links = np.asarray(LINK_PATTERNS, dtype=np.int8)[pattern]
        op_codes = (rest[:, None] // _HASH_WEIGHTS % _HASH_BASE).astype(np.int8)
        for arr in (links, op_codes):
            arr.flags.writeable = False
        return links, op_codes

    def _raw_to_id_table(self, raw_hashes: np.ndarray) -> np.ndarray:
        """int32 id of every raw index (-1 where the canonical form is not in this space)."""
        pos = np.searchsorted(self._hashes, raw_hashes).clip(max=self.size - 1)
        table = np.where(self._hashes[pos] == raw_hashes, pos, -1).astype(np.int32)
        table.flags.writeable = False
        return table

    def _token_tables(self) -> tuple[dict[str, int], ...]:
        """Per node, ``'op@input'`` -> its contribution to the raw index (the fast parser)."""
        tables = []
        for node in range(N_NODES):
            link_weight = int(_LINK_WEIGHTS[node - 1]) * N_OP_CODES if node else 0
            op_weight = int(_OP_WEIGHTS[node])
            tables.append(
                {
                    f"{op}@{inp}": inp * link_weight + OPS.index(op) * op_weight
                    for op in self.ops
                    for inp in range(node + 1)
                }
            )
        return tuple(tables)

    # ----- size, ids and official hashes -----------------------------------------------------
    @property
    def size(self) -> int:
        """Number of canonical architectures (26,206 full, 2,021 proteins)."""
        return len(self._hashes)

    def official_hash(self, ids: np.ndarray | Sequence[int] | int) -> np.ndarray:
        """Official ``Arch.hash_arch()`` values (bench keys) of ids, int64 shaped like ``ids``."""
        return self._hashes[self.check_ids(ids)]

    def from_official_hash(self, hashes: np.ndarray | Sequence[int] | int) -> np.ndarray:
        """Ids (int64, shaped like ``hashes``) of official bench keys; raises for unknown ones."""
        arr = np.asarray(hashes)
        if arr.dtype.kind not in "iu":
            raise InvalidArchitectureError(
                f"official NAS-Bench-Graph hashes must be integers, got dtype {arr.dtype}"
            )
        arr = arr.astype(np.int64, copy=False)
        pos = np.searchsorted(self._hashes, arr).clip(max=self.size - 1)
        bad = self._hashes[pos] != arr
        if bad.any():
            raise InvalidArchitectureError(
                f"{int(arr[bad].ravel()[0])} is not the official hash of a canonical architecture "
                f"of space '{self.name}' ({self.size} hashes, "
                f"{self._hashes[0]} .. {self._hashes[-1]})"
            )
        return pos.astype(np.int64)

    # ----- canonicalisation of raw indices -----------------------------------------------------
    def _ids_of_raw(self, raw: np.ndarray) -> np.ndarray:
        """Ids (int64) of raw indices; raises InvalidArchitectureError for the first invalid one."""
        ids = self._raw_to_id[raw]
        if ids.size and ids.min() < 0:
            raise InvalidArchitectureError(
                self._invalid_reason(int(np.asarray(raw)[ids < 0].ravel()[0]))
            )
        return ids.astype(np.int64)

    def _id_of_raw(self, raw: int) -> int:
        """Id of one raw index; raises InvalidArchitectureError if it has no canonical entry."""
        arch = self._raw_to_id.item(raw)
        if arch < 0:
            raise InvalidArchitectureError(self._invalid_reason(raw))
        return arch

    def _invalid_reason(self, raw: int) -> str:
        """Why a raw architecture has no id."""
        links, codes = _decode_raw(raw)
        text = _format(links, codes)
        official = int(raw_official_hashes()[raw])
        if all(c == SKIP for c in codes):
            why = (
                "all four operations are 'skip' "
                "(an identity cell, which NAS-Bench-Graph does not contain)"
            )
        elif official < 0:
            why = "its canonical link pattern is none of the 9 NAS-Bench-Graph patterns"
        else:
            why = f"its canonical form (official hash {official}) is not in the benchmark"
        return f"architecture '{text}' is not in space '{self.name}': {why}"

    # ----- strings ---------------------------------------------------------------------------
    def to_str(self, arch: int) -> str:
        """``op@input,...`` of the canonical representative, e.g. ``gcn@0,gin@1,fc@2,cheb@1``."""
        arch = self.check_id(arch)
        return _format(self._links[arch], self._op_codes[arch])

    def from_str(self, text: str) -> int:
        """Id of any raw ``op@input,...`` string (canonicalised like ``Arch.valid_hash``)."""
        raw = self._raw_index_of_str(text)
        arch = self._raw_to_id.item(raw)  # the scalar hot path: no further call when valid
        return arch if arch >= 0 else self._id_of_raw(raw)

    def raw_string_indexer(self) -> tuple[Callable[[str], int], np.ndarray]:
        """``(string -> raw index, raw index -> id or -1)``: for callers that cache one value per
        raw input (``Benchmark.query``'s one-string path); a raw index with id -1 names no
        architecture (all four operations skip)."""
        return self._raw_index_of_str, self._raw_to_id

    def raw_string_lookup(self, values: np.ndarray) -> Callable[[str], float]:
        """``string -> values[raw index]`` for one value per raw input (``Benchmark.query``'s
        cached one-string path): the fast parser inlined in a closure over the token tables.
        Strings it does not take verbatim raise KeyError or ValueError (the caller then uses
        the careful parser)."""
        t0, t1, t2, t3 = self._tokens
        table = array.array("d", np.asarray(values, dtype=np.float64).tolist())

        def lookup(text: str) -> float:
            a, b, c, d = text.split(",")
            return table[t0[a] + t1[b] + t2[c] + t3[d]]

        return lookup

    def from_strs(self, texts: Sequence[str]) -> np.ndarray:
        """Ids (int64) of many strings: parse each, then one vectorised table look-up."""
        raw = np.fromiter(
            (self._raw_index_of_str(t) for t in texts), dtype=np.int64, count=len(texts)
        )
        return self._ids_of_raw(raw)

    def _raw_index_of_str(self, text: str) -> int:
        """Raw index of a string: four dict look-ups, or the careful parser on any surprise."""
        try:
            a, b, c, d = text.split(",")
            t0, t1, t2, t3 = self._tokens
            return t0[a] + t1[b] + t2[c] + t3[d]
        except (AttributeError, KeyError, ValueError, TypeError):
            links, codes = self._parse(text)
            return int(_raw_index(links, codes))

    def _parse(self, text: str) -> tuple[list[int], list[int]]:
        """Links and full op indices of a string, tolerating whitespace; raises with the grammar."""
        if not isinstance(text, str):
            raise InvalidArchitectureError(
                f"expected an architecture string, got {type(text).__name__}; {GRAMMAR}"
            )
        items = text.strip().split(",")
        if len(items) != N_NODES:
            raise self._syntax_error(text, f"found {len(items)} item(s) instead of {N_NODES}")
        parsed = [self._parse_item(text, node, item) for node, item in enumerate(items, start=1)]
        return [inp for inp, _ in parsed], [code for _, code in parsed]

    def _parse_item(self, text: str, node: int, item: str) -> tuple[int, int]:
        """``(input, full op index)`` of the item of computing node ``node`` (1-based)."""
        op, sep, inp = (part.strip() for part in item.partition("@"))
        if not sep:
            raise self._syntax_error(text, f"item {node} '{item.strip()}' has no '@'")
        if op not in self.ops:
            kind = (
                f"op '{op}' is not in the '{self.op_set}' op set"
                if op in OPS
                else f"unknown op '{op}'"
            )
            raise self._syntax_error(text, f"item {node} '{item.strip()}': {kind}")
        if not (inp.isascii() and inp.isdigit()) or int(inp) >= node:
            raise self._syntax_error(
                text,
                f"item {node} '{item.strip()}': the input of node {node} "
                f"must be 0 .. {node - 1}, got '{inp}'",
            )
        return int(inp), OPS.index(op)

    def _syntax_error(self, text: str, problem: str) -> InvalidArchitectureError:
        """A parse error: the problem, the grammar and the allowed ops of this space."""
        return InvalidArchitectureError(
            f"bad architecture string '{text}' for space '{self.name}': {problem}; {GRAMMAR}; "
            f"allowed ops: {one_of(self.ops)}"
        )

    # ----- (links, ops) like the official Arch ---------------------------------------------------
    def to_links_ops(self, arch: int) -> tuple[list[int], list[str]]:
        """``(links, ops)`` of the canonical representative, as ``Arch(links, ops)`` takes them."""
        arch = self.check_id(arch)
        return [int(v) for v in self._links[arch]], [OPS[c] for c in self._op_codes[arch]]

    def from_links_ops(self, links: Sequence[int], ops: Sequence[str]) -> int:
        """Id of a raw ``Arch(links, ops)`` (canonicalised); raises InvalidArchitectureError."""
        if len(links) != N_NODES or len(ops) != N_NODES:
            raise InvalidArchitectureError(
                f"expected 4 links and 4 ops, got {len(links)} and {len(ops)}; {GRAMMAR}"
            )
        return self.from_str(",".join(f"{o}@{l}" for l, o in zip(links, ops)))

    # ----- decisions -------------------------------------------------------------------------
    @property
    def decision_sizes(self) -> tuple[int, ...]:
        """``(2, 3, 4)`` input choices of nodes 2..4, then one op choice per node."""
        return (2, 3, 4) + (len(self.ops),) * N_NODES

    @property
    def decision_names(self) -> tuple[str, ...]:
        """``in2, in3, in4, op1, op2, op3, op4``."""
        return ("in2", "in3", "in4") + tuple(f"op{i}" for i in range(1, N_NODES + 1))

    def to_decisions(self, ids: np.ndarray | Sequence[int]) -> np.ndarray:
        """Decision vectors ``[n, 7]`` (int64) of the canonical representatives."""
        ids = self.check_ids(ids)
        links = self._links[ids, 1:].astype(np.int64)
        ops = self._full_to_local[self._op_codes[ids]]
        return np.concatenate([links, ops], axis=-1)

    def from_decisions(self, decisions: np.ndarray | Sequence[Sequence[int]]) -> np.ndarray:
        """Canonical ids (int64) of decision vectors ``[n, 7]``; raises if one is invalid
        (the all-``skip`` cell: :meth:`~nasbench.spaces.base.SearchSpace.repair` maps it to a
        nearest valid cell, one operation changed)."""
        return self._ids_of_raw(self._raw_of_decisions(self.check_decisions(decisions)))

    def is_valid_decisions(self, decisions: np.ndarray | Sequence[Sequence[int]]) -> np.ndarray:
        """Whether each decision vector names an architecture (False only for all-``skip``)."""
        return self._raw_to_id[self._raw_of_decisions(self.check_decisions(decisions))] >= 0

    def _raw_of_decisions(self, dec: np.ndarray) -> np.ndarray:
        """Raw indices of validated decision vectors ``[n, 7]``."""
        links = np.concatenate([np.zeros((len(dec), 1), dtype=np.int64), dec[:, :3]], axis=1)
        return _raw_index(links, self._local_to_full[dec[:, 3:]])

    def check_decisions(self, decisions: np.ndarray | Sequence[Sequence[int]]) -> np.ndarray:
        """:meth:`SearchSpace.check_decisions`, but float arrays are refused even when integral
        (NB-Graph decisions are node indices and op codes, never measurements)."""
        dec = np.asarray(decisions)
        if dec.ndim == 2 and dec.dtype.kind == "f":
            raise InvalidArchitectureError(f"decisions must be integers, got dtype {dec.dtype}")
        return super().check_decisions(dec)

    # ----- neighbourhood -------------------------------------------------------------------------
    def neighbors(self, arch: int) -> np.ndarray:
        """Sorted distinct ids reached by changing one decision of the canonical representative."""
        arch = self.check_id(arch)
        cols, values = self._one_change_moves
        cand = np.repeat(self.to_decisions([arch]), len(cols), axis=0)
        cand[np.arange(len(cols)), cols] = values
        ids = self._raw_to_id[self._raw_of_decisions(cand)]
        return np.unique(ids[(ids >= 0) & (ids != arch)]).astype(np.int64)

    @cached_property
    def _one_change_moves(self) -> tuple[np.ndarray, np.ndarray]:
        """(decision column, value) of every single-decision assignment."""
        pairs = [(col, v) for col, size in enumerate(self.decision_sizes) for v in range(size)]
        cols, values = np.array(pairs, dtype=np.int64).T
        return cols, values

    # ----- views -----------------------------------------------------------------------------
    def graph(self, arch: int) -> CellGraph:
        """DAG with nodes ``[input, 4 computing nodes, output]`` (adjacency int8, 6 x 6).

        Computing node i+1 is fed by node ``links[i]``. Computing nodes whose output no other
        computing node reads (the leaves) feed the output node. Assumption, from the
        NAS-Bench-Graph paper's description of its macro space (not checkable in the package,
        which has no model code): the cell output combines the outputs of all leaf nodes.
        How they are combined (sum/mean/concat) is not encoded here, only which nodes feed
        the output. Ops are those of the canonical representative (``skip`` included).
        """
        arch = self.check_id(arch)
        links = self._links[arch].astype(np.int64)
        adjacency = np.zeros((N_NODES + 2, N_NODES + 2), dtype=np.int8)
        adjacency[links, np.arange(1, N_NODES + 1)] = 1
        leaves = np.setdiff1d(np.arange(1, N_NODES + 1), links)
        adjacency[leaves, N_NODES + 1] = 1
        ops = ("input",) + tuple(OPS[c] for c in self._op_codes[arch]) + ("output",)
        return CellGraph(adjacency=adjacency, ops=ops)

    def _encode_onehot(self, ids: np.ndarray) -> np.ndarray:
        """One-hot of every decision, concatenated: ``[n, sum(decision_sizes)]`` float32."""
        return self.decisions_onehot(ids)

    def _encode_categorical(self, ids: np.ndarray) -> np.ndarray:
        """The decision vector as float32 ``[n, 7]``."""
        return self.to_decisions(ids).astype(np.float32)
