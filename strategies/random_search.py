"""Random search without replacement (``rs``): the baseline of every NAS comparison."""
from __future__ import annotations

import numpy as np

from nasbench.errors import SearchSpaceExhaustedError
from nasbench.spaces import SearchSpace
from strategies.base import Strategy


class RandomSearch(Strategy):
    """Uniform random architectures, each at most once (Li & Talwalkar, UAI 2019; the
    NAS-Bench-201 RS baseline). Raises SearchSpaceExhaustedError after the whole space."""

    name = "rs"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator):
        super().__init__(space, rng=rng)
        self._seen: set[int] = set()

    def _propose(self) -> int:
        size = self.space.size
        if len(self._seen) >= size:
            raise SearchSpaceExhaustedError(f"random search has proposed all {size} architectures of {self.space.label}")
        if len(self._seen) < size // 2:  # rejection sampling while most of the space is unseen
            while True:
                arch = int(self.rng.integers(size))
                if arch not in self._seen:
                    break
        else:  # dense phase: draw among the unseen directly
            unseen = np.setdiff1d(np.arange(size), np.fromiter(self._seen, dtype=np.int64))
            arch = int(unseen[self.rng.integers(len(unseen))])
        self._seen.add(arch)
        return arch
