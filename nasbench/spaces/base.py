"""The search-space contract every space implements (pure numpy, no torch).

An architecture is an integer id: its row in the space's tables. Finite spaces enumerate
every canonical architecture once. Besides ids, each space exposes its *decisions*: a
fixed-length vector of categorical choices (e.g. one operation per edge) that every
black-box optimiser can work with.

Decision vectors that name no architecture
    A well-formed decision vector (right length, each value within its decision's range) may
    still name no architecture: NAS-Bench-Graph has no all-``skip`` cell, and a
    :class:`~nasbench.spaces.subset.SubsetSpace` holds only the architectures its table has.
    The space alone decides what happens to such a vector, in :meth:`SearchSpace.repair`: it is
    replaced by the *nearest* vector that names an architecture (fewest decisions changed; ties
    broken uniformly with the caller's generator). Every strategy that generates decision
    vectors maps them through ``repair`` (``Strategy.archs_of_decisions``), so no strategy ever
    proposes an architecture outside the space, and none needs its own redraw loop. A vector
    that is not well-formed is a bug, never repaired: InvalidArchitectureError.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from nasbench.errors import InvalidArchitectureError, UnknownNameError, one_of


@dataclass(frozen=True)
class CellGraph:
    """A DAG with operations, for GNN predictors and live trainers.

    Parameters
    ----------
    adjacency : numpy.ndarray of int8, shape (n, n)
        ``adjacency[i, j] == 1`` means node i feeds node j (upper triangular, node 0 is the input).
    ops : tuple of str
        The operation name at each node (``"input"`` / ``"output"`` at the ends where a space has them).
    """

    adjacency: np.ndarray
    ops: tuple[str, ...]


def one_change_neighbor_table(digits: np.ndarray, n_values: int,
                               id_of_code: np.ndarray | None = None) -> np.ndarray:
    """Neighbour table of a product space: the ids that differ from each row in one digit.

    For spaces whose architectures are tuples of ``L`` categorical choices with ``n_values``
    options each (NB201's 6 edge ops, NB-Macro's 8 layer blocks), numbered by the positional
    code ``sum(digits[j] * n_values ** (L - 1 - j))``.

    Parameters
    ----------
    digits : ndarray of int, shape (n_archs, L)
        The choices of every architecture, row ``i`` = architecture id ``i``.
    n_values : int
        Options per choice.
    id_of_code : ndarray of int, shape (n_values ** L,), optional
        Architecture id of each code; None when the id is the code itself.

    Returns
    -------
    ndarray of int64, shape (n_archs, L * (n_values - 1))
        Row ``i``: the ids that differ from ``i`` in exactly one choice, sorted; read-only.
    """
    digits = np.asarray(digits, dtype=np.int64)
    n, length = digits.shape
    place = n_values ** np.arange(length - 1, -1, -1, dtype=np.int64)
    codes = digits @ place
    shifts = np.arange(1, n_values)  # every other option of a choice, as offsets mod n_values
    new = (digits[:, :, None] + shifts) % n_values  # [n, L, n_values - 1]
    neighbour_codes = codes[:, None, None] + (new - digits[:, :, None]) * place[None, :, None]
    ids = neighbour_codes if id_of_code is None else id_of_code[neighbour_codes]
    table = np.sort(ids.reshape(n, -1), axis=1)
    table.setflags(write=False)
    return table


class SearchSpace(ABC):
    """A finite NAS search space whose architectures are integer ids ``0 .. size-1``."""

    #: short name, e.g. ``"nb201"``
    name: str = ""
    #: names accepted by :meth:`encode`
    encodings: tuple[str, ...] = ()
    #: False for spaces too large to list (the DARTS space): exhaustive strategies refuse them
    #: and per-architecture arrays are never built (UnenumerableSpaceError)
    enumerable: bool = True
    #: True when every well-formed decision vector names an architecture (NB201, NB-Macro, the
    #: DARTS and NATS size spaces): nothing to repair, :meth:`is_valid_decisions` is all True
    all_decisions_valid: bool = False
    #: appended to a range error of :meth:`check_decisions`: what the decision values mean
    decision_hint: str = ""

    @property
    @abstractmethod
    def size(self) -> int:
        """Number of architectures (ids are ``0 .. size-1``)."""

    # ----- strings -------------------------------------------------------------------------
    @abstractmethod
    def to_str(self, arch: int) -> str:
        """The standard string of architecture ``arch``."""

    @abstractmethod
    def from_str(self, text: str) -> int:
        """Id of a string; raises InvalidArchitectureError.

        Spaces whose tables hold one row per isomorphism class (NB-Graph) canonicalise here;
        spaces whose tables hold every labelled cell (NB201) keep each string's own id and
        offer ``canonical(ids)`` for the merge.
        """

    # ----- decisions (categorical view for optimisers) ---------------------------------------
    @property
    @abstractmethod
    def decision_sizes(self) -> tuple[int, ...]:
        """Number of choices for each categorical decision."""

    @property
    def decision_names(self) -> tuple[str, ...]:
        """A name per decision (for Optuna and plots)."""
        return tuple(f"d{i}" for i in range(len(self.decision_sizes)))

    @abstractmethod
    def to_decisions(self, ids: np.ndarray) -> np.ndarray:
        """Decision vectors ``[n, n_decisions]`` (int) of the given ids."""

    @abstractmethod
    def from_decisions(self, decisions: np.ndarray) -> np.ndarray:
        """Ids of decision vectors ``[n, n_decisions]`` (canonicalised as ``from_str`` does);
        InvalidArchitectureError if one names no architecture (see :meth:`repair`)."""

    @property
    def label(self) -> str:
        """How messages name this space: ``'nbgraph'``; a subset says which table it is."""
        return f"'{self.name}'"

    def check_decisions(self, decisions: ArrayLike) -> np.ndarray:
        """Decision vectors as int64 ``[n, n_decisions]``; InvalidArchitectureError for a wrong
        shape, a non-integer value or a value outside its decision's range (a bug in the
        caller: such vectors are never repaired)."""
        dec = np.asarray(decisions)
        sizes = np.asarray(self.decision_sizes, dtype=np.int64)
        if dec.ndim != 2 or dec.shape[1] != len(sizes):
            raise InvalidArchitectureError(
                f"decisions of space {self.label} must be an integer array [n, {len(sizes)}] "
                f"({', '.join(self.decision_names)}), got shape {dec.shape}"
            )
        if dec.dtype.kind == "f" and np.all(np.isfinite(dec)) and np.all(dec == np.round(dec)):
            dec = dec.astype(np.int64)
        hint = f" ({self.decision_hint})" if self.decision_hint else ""
        if dec.dtype.kind not in "iu":
            raise InvalidArchitectureError(
                f"decisions of space {self.label} must be integers, got dtype {dec.dtype}{hint}"
            )
        dec = dec.astype(np.int64, copy=False)
        bad = (dec < 0) | (dec >= sizes)
        if bad.any():
            row, col = (int(v) for v in np.argwhere(bad)[0])
            raise InvalidArchitectureError(
                f"decision '{self.decision_names[col]}' of row {row} is {int(dec[row, col])}; "
                f"it must be in 0 .. {sizes[col] - 1} (space {self.label}){hint}"
            )
        return dec

    def is_valid_decisions(self, decisions: ArrayLike) -> np.ndarray:
        """Boolean ``[n]``: whether each well-formed decision vector names an architecture of
        this space (InvalidArchitectureError for malformed ones, as :meth:`check_decisions`).

        Generic version: all True where :attr:`all_decisions_valid`; otherwise asks
        :meth:`from_decisions` (row by row only when a batch fails); spaces override it with a
        vectorised test."""
        dec = self.check_decisions(decisions)
        if self.all_decisions_valid:
            return np.ones(len(dec), dtype=bool)
        try:
            self.from_decisions(dec)
            return np.ones(len(dec), dtype=bool)
        except InvalidArchitectureError:
            pass
        ok = np.ones(len(dec), dtype=bool)
        for i in range(len(dec)):
            try:
                self.from_decisions(dec[i : i + 1])
            except InvalidArchitectureError:
                ok[i] = False
        return ok

    def repair(self, decisions: ArrayLike, rng: np.random.Generator) -> np.ndarray:
        """The decision vectors ``[n, n_decisions]`` (int64, a copy), each one that names no
        architecture replaced by the nearest one that does.

        Rule (the only place it is decided): among the vectors that differ from it in the
        fewest decisions (1, then 2) and name an architecture, one drawn uniformly with ``rng``
        (candidates in a fixed order, one ``rng.integers`` call per repaired vector); if none is
        within two changes, the decisions of a uniform :meth:`sample`. Valid vectors are
        returned unchanged and consume no randomness, so a strategy's trajectory on a space
        where every vector is valid does not depend on this rule. Deterministic given the
        state of ``rng``. Subclasses may refine "nearest" (a subset: nearest member).
        Malformed vectors raise InvalidArchitectureError (see :meth:`check_decisions`).
        """
        dec = self.check_decisions(decisions).copy()
        ok = self.is_valid_decisions(dec)
        for i in np.flatnonzero(~ok):
            dec[i] = self._nearest_valid(dec[i], rng)
        return dec

    def _nearest_valid(self, vector: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A valid decision vector nearest to the invalid ``vector`` (rule of :meth:`repair`)."""
        sizes = np.asarray(self.decision_sizes, dtype=np.int64)
        frontier = vector[None, :]
        for _ in range(2):
            cand = _one_change(frontier, sizes)
            cand = np.unique(cand, axis=0)  # sorted: a fixed order whatever the path to it
            cand = cand[(cand != vector).any(axis=1)]
            ok = self.is_valid_decisions(cand)
            if ok.any():
                good = cand[ok]
                return good[int(rng.integers(len(good)))]
            frontier = cand
        return self.to_decisions(np.asarray([self.sample(rng)]))[0]

    def canonical(self, ids: np.ndarray) -> np.ndarray:
        """One representative id per isomorphism class (identity where ids are already canonical)."""
        return self.check_ids(ids)

    # ----- neighbourhood -----------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int | None = None) -> np.ndarray | int:
        """Uniform random ids (``n=None`` gives one int)."""
        if n is None:
            return int(rng.integers(self.size))
        return rng.integers(self.size, size=n)

    @abstractmethod
    def neighbors(self, arch: int) -> np.ndarray:
        """Sorted distinct ids that differ from ``arch`` by one decision (excluding ``arch``)."""

    def mutate(self, arch: int, rng: np.random.Generator) -> int:
        """A uniformly random neighbour of ``arch``."""
        nbrs = self.neighbors(arch)
        return int(nbrs[rng.integers(len(nbrs))])

    # ----- views for predictors and trainers -----------------------------------------------
    @abstractmethod
    def graph(self, arch: int) -> CellGraph:
        """The DAG and operations of ``arch``."""

    def encode(self, ids: np.ndarray, kind: str = "onehot") -> np.ndarray:
        """Feature matrix ``[n, d]`` (float32) of ids in encoding ``kind``."""
        if kind not in self.encodings:
            raise UnknownNameError(
                f"unknown encoding '{kind}' for space '{self.name}'; choose {one_of(self.encodings)}"
            )
        ids = self.check_ids(ids)
        return getattr(self, f"_encode_{kind.replace('-', '_')}")(ids)

    def decisions_onehot(self, ids: np.ndarray) -> np.ndarray:
        """One-hot of every categorical decision, concatenated: ``[n, sum(decision_sizes)]``
        float32 (works for any space from its decision vectors)."""
        dec = self.to_decisions(ids)
        sizes = np.asarray(self.decision_sizes)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        out = np.zeros((len(dec), int(sizes.sum())), dtype=np.float32)
        out[np.arange(len(dec))[:, None], offsets + dec] = 1.0
        return out

    # ----- validation ----------------------------------------------------------------------
    def check_ids(self, ids: ArrayLike) -> np.ndarray:
        """Ids as an int64 array; raises InvalidArchitectureError if one is out of range."""
        arr = np.asarray(ids)
        if arr.dtype.kind not in "iu":
            raise InvalidArchitectureError(
                f"architecture ids must be integers in [0, {self.size}), got dtype {arr.dtype}"
            )
        arr = arr.astype(np.int64, copy=False)
        if arr.size and (arr.min() < 0 or arr.max() >= self.size):
            bad = arr[(arr < 0) | (arr >= self.size)].ravel()[0]
            raise InvalidArchitectureError(
                f"architecture id {int(bad)} is outside space '{self.name}' "
                f"(ids are 0 .. {self.size - 1})"
            )
        return arr

    def check_id(self, arch: object) -> int:
        """One id as int; raises InvalidArchitectureError if out of range."""
        if type(arch) is int and 0 <= arch < self.size:  # hot path: one evaluation per call
            return arch
        return int(self.check_ids(np.asarray([arch]))[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name='{self.name}', size={self.size})"


def _one_change(vectors: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Every vector that differs from a row of ``vectors`` in exactly one decision."""
    out = []
    for col, size in enumerate(sizes.tolist()):
        for value in range(size):
            moved = vectors[vectors[:, col] != value].copy()
            moved[:, col] = value
            out.append(moved)
    return np.concatenate(out) if out else vectors[:0]
