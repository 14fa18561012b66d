"""The search-space contract every space implements (pure numpy, no torch).

An architecture is an integer id: its row in the space's tables. Finite spaces enumerate
every canonical architecture once. Besides ids, each space exposes its *decisions*: a
fixed-length vector of categorical choices (e.g. one operation per edge) that every
black-box optimiser can work with; any decision vector maps to a canonical id.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from nasbench.errors import InvalidArchitectureError, UnknownNameError, one_of


@dataclass(frozen=True)
class CellGraph:
    """A DAG with operations, for GNN predictors and live trainers.

    ``adjacency[i, j] == 1`` means node i feeds node j (upper triangular, node 0 is the
    input). ``ops[i]`` is the operation name at node i (``"input"``/``"output"`` for the
    ends where a space has them).
    """

    adjacency: np.ndarray
    ops: tuple[str, ...]


class SearchSpace(ABC):
    """A finite NAS search space whose architectures are integer ids ``0 .. size-1``."""

    #: short name, e.g. ``"nb201"``
    name: str = ""
    #: names accepted by :meth:`encode`
    encodings: tuple[str, ...] = ()

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
        """Ids of decision vectors ``[n, n_decisions]`` (canonicalised as ``from_str`` does)."""

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
    def check_ids(self, ids) -> np.ndarray:
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

    def check_id(self, arch) -> int:
        """One id as int; raises InvalidArchitectureError if out of range."""
        return int(self.check_ids(np.asarray([arch]))[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name='{self.name}', size={self.size})"
