"""Batched twin of ``re``, regularized (aging) evolution (:class:`strategies.evolution.RegularizedEvolution`)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.batched.base import BatchedStrategy
from strategies.batched.simple import draw_unseen
from strategies.batched.spaceops import Neighbourhoods, SeenSets
from strategies.batched.streams import SeedStreams


class BatchedRegularizedEvolution(BatchedStrategy):
    """``re`` for many seeds: each seed's population is a ring buffer ``[seeds, P]`` (oldest
    at ``head``); a full population runs a tournament of ``sample_size`` draws
    ``int(rng.random() * P)`` (the first best wins a tie) and mutates the winner; a filling one
    proposes random architectures distinct from the other random ones."""

    name = "re"

    def __init__(self, space: SearchSpace, generators: Sequence[np.random.Generator], population_size: int = 10,
                 sample_size: int = 3):
        super().__init__(space, generators)
        self.streams = SeedStreams(generators)
        self.population_size, self.sample_size = int(population_size), int(sample_size)
        self.size = int(space.size)
        n, p = self.n_seeds, self.population_size
        self.pop_arch = np.zeros((n, p), dtype=np.int64)
        self.pop_value = np.zeros((n, p))
        self.pop_n = np.zeros(n, dtype=np.int64)
        self.head = np.zeros(n, dtype=np.int64)
        self.initial = SeenSets(n, self.size)
        self.moves = Neighbourhoods(space)

    def propose(self, rows: np.ndarray) -> np.ndarray:
        out = np.empty(len(rows), dtype=np.int64)
        p = self.population_size
        filling = self.pop_n[rows] < p
        if filling.any():
            r = rows[filling]
            fresh = self.initial.count[r] < self.size
            arch = np.empty(len(r), dtype=np.int64)
            if fresh.any():
                arch[fresh] = draw_unseen(self.streams, self.initial, r[fresh], self.size)
                self.initial.add(r[fresh], arch[fresh])
            if not fresh.all():  # every architecture was proposed: plain uniform draws
                arch[~fresh] = self.streams.integers(r[~fresh], self.size)
            out[filling] = arch
        if not filling.all():
            r = rows[~filling]
            head = self.head[r]
            k = (self.streams.random(r) * p).astype(np.int64)
            slot = (head + k) % p
            best_arch, best_value = self.pop_arch[r, slot], self.pop_value[r, slot]
            for _ in range(self.sample_size - 1):
                k = (self.streams.random(r) * p).astype(np.int64)
                slot = (head + k) % p
                value = self.pop_value[r, slot]
                better = value > best_value
                best_arch = np.where(better, self.pop_arch[r, slot], best_arch)
                best_value = np.where(better, value, best_value)
            out[~filling] = self.moves.mutate(self.streams, r, best_arch)
        return out

    def observe(self, rows: np.ndarray, archs: np.ndarray, values: np.ndarray) -> None:
        ok = ~np.isnan(values)
        r, a, v = rows[ok], archs[ok], values[ok]
        p = self.population_size
        n = self.pop_n[r]
        head = self.head[r]
        slot = (head + np.minimum(n, p)) % p  # the next free slot, or the oldest when full
        self.pop_arch[r, slot] = a
        self.pop_value[r, slot] = v
        full = n >= p
        self.head[r] = np.where(full, (head + 1) % p, head)
        self.pop_n[r] = np.minimum(n + 1, p)
