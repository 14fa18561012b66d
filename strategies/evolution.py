"""Regularized (aging) evolution, ``re`` (Real et al., AAAI 2019, "AmoebaNet")."""
from __future__ import annotations

import math
from collections import deque

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.base import Strategy, Trial
from strategies.validation import check_int


class RegularizedEvolution(Strategy):
    """Aging evolution with tournament selection (Real, Aggarwal, Huang & Le, AAAI 2019, Alg. 1).

    The population is a queue of at most ``population_size`` (P) evaluated architectures.
    Until it holds P members, every proposal is a uniformly random architecture, distinct
    from the other random ones. Then each proposal samples ``sample_size`` (S) members
    uniformly *with* replacement (Alg. 1: "candidate <- random element from population",
    which stays in the population; the NAS-Bench-201 reference code ``R_EA.py`` does the same
    with ``random.choice``), takes the one with the best search signal as parent (the first
    sampled wins a tie), and proposes ``space.mutate(parent)``: a uniformly random neighbour,
    one decision changed. When a result comes back the child joins the population and, if
    that makes more than P members, the oldest member dies (aging), whatever its fitness.

    Asynchronous workers: a proposal uses the population as it is at that moment; results are
    added in the order they are told, so the population is a queue by *finishing* time (as in
    Real et al.'s distributed setting). While fewer than P successful results are back, idle
    workers keep getting random architectures.

    Failed trials (NaN) are dropped: they never enter the population and kill nobody.

    Defaults (``population_size=10``, ``sample_size=3``): the REA baseline of NAS-Bench-201
    (Dong & Yang, ICLR 2020); AutoDL-Projects ``scripts-search/NAS-Bench-201-algos/R-EA.sh``
    passes ``--ea_population 10`` and ``docs/NAS-Bench-201.md`` reproduces the baseline with
    ``R-EA.sh cifar10 3 -1`` (sample size 3).
    """

    name = "re"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, population_size: int = 10, sample_size: int = 3):
        super().__init__(space, rng=rng)
        size = int(space.size)
        self.population_size = check_int("re", "population_size", population_size, 1, size,
                                          f" (at most the {size} architectures of {space.label}; pass a smaller "
                                          "one, e.g. --hp re:population_size=3, or use a larger table)")
        self.sample_size = check_int("re", "sample_size", sample_size, 1, self.population_size,
                                      " (the tournament draws from the population, so sample_size <= population_size)")
        #: (arch, value) of the living members, oldest first
        self.population: deque[tuple[int, float]] = deque()
        self._initial: set[int] = set()  # random architectures proposed while filling the population
        self._size = size

    def _propose(self) -> int:
        pop = self.population
        n = len(pop)
        if n < self.population_size:
            return self._random_arch()
        rand = self.rng.random
        best_arch, best_value = pop[int(rand() * n)]
        for _ in range(self.sample_size - 1):
            arch, value = pop[int(rand() * n)]
            if value > best_value:
                best_arch, best_value = arch, value
        return self.space.mutate(best_arch, self.rng)

    def _random_arch(self) -> int:
        seen = self._initial
        if len(seen) >= self._size:  # every architecture was proposed (only many failures get here)
            return int(self.rng.integers(self._size))
        integers = self.rng.integers
        while True:
            arch = int(integers(self._size))
            if arch not in seen:
                seen.add(arch)
                return arch

    def _observe(self, trial: Trial, value: float) -> None:
        if math.isnan(value):
            return
        pop = self.population
        pop.append((trial.arch, value))
        if len(pop) > self.population_size:
            pop.popleft()
