"""Architecture encodings as scikit-learn-style transformers over architecture ids.

    enc = ArchEncoder(space, "path", truncate=40).fit(ids)   # fit is a no-op
    X = enc.transform(ids)                                   # float32 [n, d]

Kinds:
- every kind the space's ``encode`` offers (nb201: ``onehot`` 30, ``categorical`` 6,
  ``path`` 84; nbgraph: ``onehot``, ``categorical``);
- ``decisions``: one-hot of the space's categorical decisions (works for every space);
- ``graph``: a flattened graph for :class:`predictors.nets.GCNPredictor`: column 0 holds
  the number of nodes N, then the N x N adjacency (row feeds column), then N x F one-hot
  node features. NB201 puts operations on edges, so it is given as its *line graph*
  (8 nodes: input, the 6 edges with their op, output; edge a feeds edge b when a's target
  is b's source; a ``none`` edge keeps its node but loses every connection). Other spaces
  use ``space.graph(id)`` as it is (ops on nodes).

``truncate=k`` keeps the first k features. For ``path`` the features are ordered by path
length (all length-1 paths, then length-2, then length-3), so this is the truncated path
encoding of White et al. (NeurIPS 2020, "A Study on Encodings for NAS"; BANANAS, AAAI 2021),
which drops the longest, rarest paths.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from nasbench.errors import UnknownNameError, one_of
from nasbench.spaces import SearchSpace
from predictors.base import PredictorError

EXTRA_KINDS = ("decisions", "graph")


def encoding_kinds(space: SearchSpace) -> tuple[str, ...]:
    """Every encoding :class:`ArchEncoder` accepts for a space.

    Parameters
    ----------
    space : SearchSpace
        The search space.

    Returns
    -------
    tuple of str
        The space's own encodings (``onehot``, ``path``, ``categorical``, ``graph``...) and the
        generic ones every space has.
    """
    return tuple(space.encodings) + EXTRA_KINDS


def default_encoding(space: SearchSpace, preferred: tuple[str, ...] = ("onehot",)) -> str:
    """The encoding a predictor uses on a space: the first preferred one the space offers.

    Parameters
    ----------
    space : SearchSpace
        The search space.
    preferred : tuple of str
        Encodings in order of preference (a predictor's ``PredictorSpec.encodings``).

    Returns
    -------
    str
        The first of ``preferred`` in :func:`encoding_kinds`, else ``"decisions"``.
    """
    for kind in preferred:
        if kind in encoding_kinds(space):
            return kind
    return "decisions"


class ArchEncoder:
    """Encode architecture ids of ``space`` as features (scikit-learn transformer).

    ``fit`` is a no-op; ``transform(ids)`` returns a float32 matrix ``[n, d]``.

    Parameters
    ----------
    space : SearchSpace
        The space the ids belong to.
    kind : str
        An encoding of :func:`encoding_kinds` (``"onehot"``, ``"path"``, ``"categorical"``...).
    truncate : int, optional
        Keep the first ``truncate`` features (for ``path``: the shortest paths, as BANANAS's
        truncated path encoding); None keeps all.

    Raises
    ------
    UnknownNameError
        ``kind`` is not an encoding of ``space`` (raised on first use).
    """

    def __init__(self, space: SearchSpace, kind: str = "onehot", truncate: int | None = None):
        self.space = space
        self.kind = kind
        self.truncate = truncate

    def get_params(self, deep: bool = True) -> dict:
        return {"space": self.space, "kind": self.kind, "truncate": self.truncate}

    def _check(self) -> None:
        kinds = encoding_kinds(self.space)
        if self.kind not in kinds:
            raise UnknownNameError(
                f"unknown encoding '{self.kind}' for space '{self.space.name}'; choose {one_of(kinds)}"
            )
        if self.truncate is not None and (not isinstance(self.truncate, (int, np.integer)) or self.truncate < 1):
            raise PredictorError(f"truncate must be a positive integer or None, got {self.truncate!r}")
        if self.truncate is not None and self.kind == "graph":
            raise PredictorError("truncate does not apply to the graph encoding")

    def fit(self, ids: ArrayLike | None = None, y: ArrayLike | None = None) -> ArchEncoder:
        self._check()
        return self

    def fit_transform(self, ids: ArrayLike, y: ArrayLike | None = None) -> np.ndarray:
        return self.fit(ids).transform(ids)

    def transform(self, ids: ArrayLike) -> np.ndarray:
        self._check()
        ids = self.space.check_ids(np.asarray(ids).reshape(-1))
        if self.kind == "decisions":
            X = self.space.decisions_onehot(ids)
        elif self.kind == "graph":
            X = graph_features(self.space, ids)
        else:
            X = self.space.encode(ids, self.kind)
        if self.truncate is not None:
            X = X[:, : int(self.truncate)]
        return np.ascontiguousarray(X, dtype=np.float32)

    def __repr__(self) -> str:
        t = f", truncate={self.truncate}" if self.truncate is not None else ""
        return f"ArchEncoder({self.space.name!r}, {self.kind!r}{t})"


# ----- graph view -------------------------------------------------------------------------------
def _nb201_line_graph(space, ids: np.ndarray) -> np.ndarray:
    from nasbench.spaces.nb201 import EDGES, OPS

    n_nodes = len(EDGES) + 2
    vocab = ("input", "output") + OPS
    ops = space.ops_table[ids].astype(np.int64)  # [n, 6], 0 = none
    base = np.zeros((n_nodes, n_nodes), dtype=np.float32)
    for k, (tgt, src) in enumerate(EDGES):
        if src == 0:
            base[0, 1 + k] = 1
        if tgt == 3:
            base[1 + k, n_nodes - 1] = 1
        for j, (tgt_j, _src_j) in enumerate(EDGES):
            if tgt_j == src:
                base[1 + j, 1 + k] = 1
    adj = np.repeat(base[None], len(ids), axis=0)
    alive = np.ones((len(ids), n_nodes), dtype=np.float32)
    alive[:, 1 : 1 + len(EDGES)] = ops != 0
    adj *= alive[:, :, None] * alive[:, None, :]
    feats = np.zeros((len(ids), n_nodes, len(vocab)), dtype=np.float32)
    feats[:, 0, 0] = 1
    feats[:, -1, 1] = 1
    rows = np.arange(len(ids))[:, None]
    feats[rows, np.arange(1, 1 + len(EDGES))[None, :], 2 + ops] = 1
    return _flatten(adj, feats)


def _generic_graph(space: SearchSpace, ids: np.ndarray) -> np.ndarray:
    graphs = [space.graph(int(i)) for i in ids]
    sizes = {g.adjacency.shape[0] for g in graphs}
    if len(sizes) > 1:
        raise PredictorError(f"the graph encoding needs one node count per space; '{space.name}' has {sorted(sizes)}")
    vocab = ["input", "output"] + [str(o) for o in getattr(space, "ops", ())]
    for g in graphs:
        for op in g.ops:
            if op not in vocab:
                vocab.append(op)  # spaces without an `ops` attribute: order of first appearance
    index = {op: i for i, op in enumerate(vocab)}
    n = sizes.pop()
    adj = np.stack([g.adjacency.astype(np.float32) for g in graphs])
    feats = np.zeros((len(ids), n, len(vocab)), dtype=np.float32)
    for r, g in enumerate(graphs):
        feats[r, np.arange(n), [index[o] for o in g.ops]] = 1
    return _flatten(adj, feats)


def _flatten(adj: np.ndarray, feats: np.ndarray) -> np.ndarray:
    n, nodes = adj.shape[:2]
    head = np.full((n, 1), nodes, dtype=np.float32)
    return np.concatenate([head, adj.reshape(n, -1), feats.reshape(n, -1)], axis=1)


def graph_features(space: SearchSpace, ids: np.ndarray) -> np.ndarray:
    """The ``graph`` encoding (see module docstring)."""
    if space.name == "nb201" and hasattr(space, "ops_table"):
        return _nb201_line_graph(space, ids)
    return _generic_graph(space, ids)


def unflatten_graph(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of the ``graph`` encoding: adjacency ``[n, N, N]`` and features ``[n, N, F]``."""
    X = np.asarray(X)
    nodes = int(round(float(X[0, 0]))) if len(X) else 0
    d = X.shape[1] - 1 - nodes * nodes
    if nodes < 1 or d <= 0 or d % nodes or not np.all(X[:, 0] == nodes):
        raise PredictorError("X is not a 'graph' encoding (column 0 = node count, then adjacency and node features)")
    adj = X[:, 1 : 1 + nodes * nodes].reshape(len(X), nodes, nodes)
    feats = X[:, 1 + nodes * nodes :].reshape(len(X), nodes, d // nodes)
    return adj, feats
