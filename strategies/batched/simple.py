"""Batched twins of ``rs`` (random search without replacement) and ``grid`` (enumeration)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.batched.base import BatchedStrategy
from strategies.batched.spaceops import SeenSets
from strategies.batched.streams import SeedStreams


def draw_unseen(streams: SeedStreams, seen: SeenSets, rows: np.ndarray, size: int,
                reserve: SeenSets | None = None) -> np.ndarray:
    """Per row, ``int(rng.integers(size))`` redrawn until it is in neither ``seen`` nor
    ``reserve`` (the sparse phase of ``rs`` and ``ls``: the caller routes a row here only while
    most of the space is free)."""
    out = np.empty(len(rows), dtype=np.int64)
    todo = np.arange(len(rows))
    while len(todo):
        r = rows[todo]
        arch = streams.integers(r, size)
        taken = seen.contains(r, arch)
        if reserve is not None:
            taken |= reserve.contains(r, arch)
        out[todo[~taken]] = arch[~taken]
        todo = todo[taken]
    return out


class BatchedRandomSearch(BatchedStrategy):
    """``rs`` for many seeds (:class:`strategies.random_search.RandomSearch`): uniform draws
    rejected while fewer than half the space is seen, then a uniform pick among the unseen."""

    name = "rs"

    def __init__(self, space: SearchSpace, generators: Sequence[np.random.Generator]):
        super().__init__(space, generators)
        self.streams = SeedStreams(generators)
        self.size = int(space.size)
        self.seen = SeenSets(self.n_seeds, self.size)

    def propose(self, rows: np.ndarray) -> np.ndarray:
        size = self.size
        out = np.full(len(rows), -1, dtype=np.int64)
        count = self.seen.count[rows]
        sparse = count < size // 2
        if sparse.any():
            out[sparse] = draw_unseen(self.streams, self.seen, rows[sparse], size)
        for i in np.flatnonzero(~sparse & (count < size)).tolist():
            s = int(rows[i])
            unseen = self.seen.unseen(s)
            out[i] = unseen[int(self.streams.integers(np.asarray([s]), len(unseen))[0])]
        ok = out >= 0
        self.seen.add(rows[ok], out[ok])
        return out


class BatchedGrid(BatchedStrategy):
    """``grid`` for many seeds (:class:`strategies.grid.GridSearch`): ids in order, or one
    permutation per seed drawn at construction (``order="shuffled"``)."""

    name = "grid"

    def __init__(self, space: SearchSpace, generators: Sequence[np.random.Generator], order: str = "id"):
        super().__init__(space, generators)
        self.size = int(space.size)
        self.perm = (np.stack([g.permutation(self.size) for g in generators]) if order == "shuffled" else None)
        self.next = np.zeros(self.n_seeds, dtype=np.int64)

    def propose(self, rows: np.ndarray) -> np.ndarray:
        i = self.next[rows]
        done = i >= self.size
        out = np.where(done, -1, i)
        if self.perm is not None:
            out[~done] = self.perm[rows[~done], i[~done]]
        self.next[rows] = i + 1
        return out
