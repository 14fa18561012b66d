"""A search space restricted to some architectures of another space (user-built tables).

A table built for only part of a space (``nasbench build SPACE --archs N``) has one row per
built architecture. Its benchmark's space is a :class:`SubsetSpace`: ids ``0 .. k-1`` are
the table rows, :attr:`original_ids` maps them to ids of the original space (the rows are
stored by their standard strings, so the mapping is rebuilt from the file). Strings,
decisions, encodings and graphs are those of the original space; an architecture outside the
subset raises :class:`~nasbench.errors.InvalidArchitectureError`; neighbours are the
original neighbours that are in the subset, and :meth:`mutate` falls back to a uniform draw
from the subset when an architecture has none.

A decision vector may name an architecture of the original space that the table does not
have; :meth:`repair` maps it (and any vector the original space cannot name) to the nearest
member: the member whose decision vector differs in the fewest decisions, ties broken
uniformly with the caller's generator.
"""
from __future__ import annotations

import numpy as np

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces.base import CellGraph, SearchSpace


class SubsetSpace(SearchSpace):
    """``base`` restricted to ``original_ids`` (distinct ids of ``base``; subset id i = row i)."""

    def __init__(self, base: SearchSpace, original_ids, source: str = "") -> None:
        ids = base.check_ids(np.asarray(original_ids, dtype=np.int64))
        if len(np.unique(ids)) != len(ids) or len(ids) == 0:
            raise InvalidArchitectureError("a subset space needs distinct, non-empty original ids")
        #: where the subset comes from (e.g. ``"user:cora-t20"``), for messages
        self.source = str(source)
        self._member_decisions: np.ndarray | None = None
        self.base = base
        self.name = base.name
        self.encodings = base.encodings
        self.original_ids = ids
        self.original_ids.flags.writeable = False
        self._local = np.full(base.size, -1, dtype=np.int64)
        self._local[ids] = np.arange(len(ids))

    @property
    def size(self) -> int:
        return len(self.original_ids)

    @property
    def label(self) -> str:
        """``'nbgraph' (subset of 40 architectures, user:cora-t20)``."""
        where = f", {self.source}" if self.source else ""
        return f"'{self.name}' (subset of {self.size} architectures{where})"

    # ----- mapping -------------------------------------------------------------------------
    def to_original(self, ids) -> np.ndarray:
        """Ids of the original space of subset ids."""
        return self.original_ids[self.check_ids(ids)]

    def from_original(self, ids) -> np.ndarray:
        """Subset ids of original ids; InvalidArchitectureError for one outside the subset."""
        orig = self.base.check_ids(ids)
        local = self._local[orig]
        if (local < 0).any():
            bad = int(orig[local < 0].ravel()[0])
            raise InvalidArchitectureError(
                f"architecture '{self.base.to_str(bad)}' (id {bad} of space '{self.base.name}') is "
                f"not in this table's subset of {self.size} architectures (space {self.label}); "
                f"SearchSpace.repair maps a decision vector to the nearest member"
            )
        return local

    # ----- contract ----------------------------------------------------------------------------
    def to_str(self, arch: int) -> str:
        return self.base.to_str(int(self.original_ids[self.check_id(arch)]))

    def from_str(self, text: str) -> int:
        return int(self.from_original([self.base.from_str(text)])[0])

    @property
    def decision_sizes(self) -> tuple[int, ...]:
        return self.base.decision_sizes

    @property
    def decision_names(self) -> tuple[str, ...]:
        return self.base.decision_names

    def to_decisions(self, ids) -> np.ndarray:
        return self.base.to_decisions(self.to_original(ids))

    def from_decisions(self, decisions) -> np.ndarray:
        dec = self.check_decisions(decisions)
        try:
            original = self.base.from_decisions(dec)
        except InvalidArchitectureError as exc:
            raise InvalidArchitectureError(f"{exc} [space {self.label}]") from None
        return self.from_original(original)

    def check_decisions(self, decisions) -> np.ndarray:
        try:
            return self.base.check_decisions(decisions)
        except InvalidArchitectureError as exc:
            raise InvalidArchitectureError(f"{exc} [space {self.label}]") from None

    def is_valid_decisions(self, decisions) -> np.ndarray:
        """Whether each vector names an architecture of the original space that is a member."""
        dec = self.check_decisions(decisions)
        ok = self.base.is_valid_decisions(dec)
        if ok.any():
            ok[ok] = self._local[self.base.from_decisions(dec[ok])] >= 0
        return ok

    @property
    def member_decisions(self) -> np.ndarray:
        """Decision vectors ``[size, n_decisions]`` of the members (their original space's)."""
        if self._member_decisions is None:
            dec = self.base.to_decisions(self.original_ids)
            dec.flags.writeable = False
            self._member_decisions = dec
        return self._member_decisions

    def _nearest_valid(self, vector: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The decision vector of a member nearest to ``vector`` (fewest decisions differ; ties
        uniformly with one ``rng.integers`` call, members in id order)."""
        members = self.member_decisions
        distance = (members != vector).sum(axis=1)
        nearest = np.flatnonzero(distance == distance.min())
        return members[nearest[int(rng.integers(len(nearest)))]].copy()

    def canonical(self, ids) -> np.ndarray:
        ids = self.check_ids(ids)
        canon = self._local[self.base.canonical(self.original_ids[ids])]
        return np.where(canon >= 0, canon, ids)

    def neighbors(self, arch: int) -> np.ndarray:
        local = self._local[self.base.neighbors(int(self.original_ids[self.check_id(arch)]))]
        return np.unique(local[local >= 0]).astype(np.int64)

    def mutate(self, arch: int, rng: np.random.Generator) -> int:
        nbrs = self.neighbors(arch)
        if len(nbrs):
            return int(nbrs[rng.integers(len(nbrs))])
        others = np.setdiff1d(np.arange(self.size), [self.check_id(arch)])
        return int(others[rng.integers(len(others))]) if len(others) else self.check_id(arch)

    # ----- per-space tables predictors read (only where the original space has them) ----------
    @property
    def ops(self) -> tuple[str, ...]:
        """The original space's operation vocabulary (AttributeError if it has none)."""
        return getattr(self.base, "ops")  # noqa: B009 - any base space; AttributeError when it has none

    @property
    def ops_table(self) -> np.ndarray:
        """The original space's per-architecture op codes, one row per subset id (AttributeError
        if it has none), so that code indexing ``ops_table[ids]`` reads the subset's rows."""
        table = getattr(self.base, "ops_table")[self.original_ids]  # noqa: B009 - as ops
        table.setflags(write=False)
        return table

    def graph(self, arch: int) -> CellGraph:
        return self.base.graph(int(self.original_ids[self.check_id(arch)]))

    def encode(self, ids, kind: str = "onehot") -> np.ndarray:
        return self.base.encode(self.to_original(ids), kind)

    def __repr__(self) -> str:
        return f"SubsetSpace(name='{self.name}', size={self.size} of {self.base.size})"
