"""Multi-objective strategies: ``mo-rs``, ``nsga2``, ``mo-re``, ``parego``.

Contract (:class:`MOStrategy`, still an ask/tell :class:`~strategies.base.Strategy`, with its
checks and trial states): ``tell(trial, values)`` takes the vector of objectives *oriented so
that higher is better* (the loop negates minimised objectives, see
:meth:`nasbench.evaluator.MultiObjectiveEvaluator.oriented`); a trial with a NaN in any
objective failed, as does one told ``state=`` anything but completed, and is dropped.
``recommend()`` returns the Pareto set of the
successful trials so far (a list of architecture ids, by search signal, not test values).

These strategies are registered with ``objectives="multi"``: :func:`strategies.moloop.run_mo_search`
drives them (and :func:`strategies.runner.run_one` picks that loop for them).
"""
from __future__ import annotations

import itertools
import math
from collections import deque

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.base import Strategy, StrategyError, Trial, TrialState, as_state
from strategies.pareto import crowding_distance, nondominated_sort
from strategies.random_search import RandomSearch
from strategies.validation import check_int, check_number


def _dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """``a`` dominates ``b`` (maximisation)."""
    return bool(np.all(a >= b) and np.any(a > b))


def rank_and_crowding(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NSGA-II's (front rank, crowding distance within the front) of oriented ``values`` (max)."""
    F = -np.asarray(values, dtype=np.float64)
    rank = nondominated_sort(F)
    crowd = np.zeros(len(F))
    for r in np.unique(rank):
        idx = np.flatnonzero(rank == r)
        crowd[idx] = crowding_distance(F[idx])
    return rank, crowd


class MOStrategy(Strategy):
    """Base of multi-objective strategies: keeps the Pareto set of what it was told."""

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator):
        super().__init__(space, rng=rng)
        self._front: list[tuple[int, np.ndarray]] = []  # (arch, oriented values), non-dominated

    def tell(self, trial: Trial, values=None, *, state: TrialState | str | None = None) -> None:
        """Report a trial's objectives (higher is better for each; NaN in any = failed) or its
        state (see :meth:`Strategy.tell`)."""
        super().tell(trial, values, state=state)

    def _resolve(self, trial: Trial, values, state) -> tuple[TrialState, np.ndarray]:
        if values is not None and np.isscalar(values):
            raise StrategyError(f"'{self.name}' is multi-objective: tell it a vector of objectives "
                                f"(drive it with strategies.moloop.run_mo_search, not run_search)")
        try:
            v = np.asarray([math.nan] if values is None else values, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise StrategyError(f"{self._who()}: the objectives of {trial} must be numbers, got {values!r}") from None
        missing = bool(np.isnan(v).any())
        state = (TrialState.FAILED if missing else TrialState.COMPLETED) if state is None else as_state(state)
        if state is TrialState.COMPLETED and not np.isfinite(v).all():
            raise StrategyError(f"{self._who()}: completed trial {trial} needs finite objectives, got {values!r}")
        if state is not TrialState.COMPLETED and not (values is None or missing):
            raise StrategyError(f"{self._who()}: a {state.value} trial carries no objectives, got {values!r} for {trial}")
        return state, (v if state is TrialState.COMPLETED else np.full(v.shape, np.nan))

    def _record(self, trial: Trial, values: np.ndarray) -> None:
        self._update_front(trial.arch, values)

    def _update_front(self, arch: int, v: np.ndarray) -> None:
        front = self._front
        if any(_dominates(w, v) for _, w in front):
            return
        if any(a == arch and np.array_equal(w, v) for a, w in front):
            return
        self._front = [(a, w) for a, w in front if not _dominates(v, w)] + [(arch, v)]

    def recommend(self) -> list[int]:  # type: ignore[override]  # a Pareto set, not one arch (multi-objective contract)
        """The Pareto set so far: distinct architecture ids, in the order they were found."""
        seen: dict[int, None] = {}
        for a, _ in self._front:
            seen.setdefault(a, None)
        return list(seen)

    def front(self) -> list[tuple[int, tuple]]:
        """(arch, oriented objective values as told) of the Pareto set."""
        return [(a, tuple(w.tolist())) for a, w in self._front]

    # random distinct architectures for an initial population
    def _random_distinct(self, seen: set[int]) -> int:
        size = int(self.space.size)
        if len(seen) >= size:
            return int(self.rng.integers(size))
        while True:
            arch = int(self.rng.integers(size))
            if arch not in seen:
                seen.add(arch)
                return arch


class MORandomSearch(MOStrategy):
    """Random search without replacement that reports the Pareto set of everything it saw."""

    name = "mo-rs"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator):
        super().__init__(space, rng=rng)
        self._rs = RandomSearch(space, rng=rng)

    def _propose(self) -> int:
        return self._rs._propose()


class NSGA2(MOStrategy):
    """NSGA-II (Deb, Pratap, Agarwal & Meyarivan, IEEE TEVC 2002) in ask/tell form.

    - Initial population: ``population_size`` (N) distinct random architectures.
    - Offspring: two parents by binary crowded tournament (lower front rank, then larger
      crowding distance; the first drawn wins a full tie), uniform crossover of their decision
      vectors with probability ``crossover_prob`` (else a copy of the first parent), then
      ``space.mutate`` (one decision changed) with probability ``mutation_prob``.
    - Every N successful offspring told, environmental selection: parents + offspring are
      sorted into fronts, filled front by front, the last front truncated by crowding distance.
    - Asynchronous workers: proposals use the parents of the current generation; failed
      trials (NaN) are dropped and do not count towards a generation.

    Defaults: crossover_prob=0.9 (Deb et al. 2002, p_c = 0.9); population_size=20 is a harness
    choice sized for ~150-query budgets (Deb et al. used 100 for 250 generations); uniform
    crossover (the decisions are categorical, Deb et al. used SBX / single-point) and
    mutation_prob=1.0 with a one-decision mutation (about Deb et al.'s 1/n per variable rate)
    are harness choices.
    """

    name = "nsga2"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, population_size: int = 20,
                 crossover_prob: float = 0.9, mutation_prob: float = 1.0):
        super().__init__(space, rng=rng)
        self.population_size = check_int("nsga2", "population_size", population_size, 2, int(space.size))
        self.crossover_prob = check_number("nsga2", "crossover_prob", crossover_prob, low=0, high=1)
        self.mutation_prob = check_number("nsga2", "mutation_prob", mutation_prob, low=0, high=1)
        self.parents: list[tuple[int, np.ndarray]] = []
        self.offspring: list[tuple[int, np.ndarray]] = []
        self._rank = self._crowd = np.empty(0)
        self._initial: set[int] = set()
        self._sizes = np.array(space.decision_sizes)
        self.generation = 0

    def _tournament(self) -> int:
        i, j = (int(x) for x in self.rng.integers(len(self.parents), size=2))
        if (self._rank[j], -self._crowd[j]) < (self._rank[i], -self._crowd[i]):
            return j
        return i

    def _propose(self) -> int:
        if not self.parents:
            return self._random_distinct(self._initial)
        a = self.parents[self._tournament()][0]
        b = self.parents[self._tournament()][0]
        child = a
        if self.rng.random() < self.crossover_prob:
            da, db = self.space.to_decisions([a, b])
            mix = self.rng.random(len(da)) < 0.5
            child = self.arch_of_decisions(np.where(mix, da, db))  # repaired if it names none
        if self.rng.random() < self.mutation_prob:
            child = self.space.mutate(child, self.rng)
        return child

    def _observe(self, trial: Trial, values: np.ndarray) -> None:
        if np.isnan(values).any():
            return
        if not self.parents:
            self.offspring.append((trial.arch, values))
            if len(self.offspring) >= self.population_size:
                self._select(self.offspring)
            return
        self.offspring.append((trial.arch, values))
        if len(self.offspring) >= self.population_size:
            self._select(self.parents + self.offspring)

    def _select(self, pool: list[tuple[int, np.ndarray]]) -> None:
        V = np.array([v for _, v in pool])
        rank, crowd = rank_and_crowding(V)
        order = np.lexsort((-crowd, rank))[: self.population_size]  # rank, then larger crowding
        # Deb et al.: crowding is recomputed on the truncated last front only; the lexsort above
        # keeps every full front and the most crowded-distant members of the last one.
        self.parents = [pool[i] for i in sorted(order)]
        self.offspring = []
        self._rank, self._crowd = rank_and_crowding(np.array([v for _, v in self.parents]))
        self.generation += 1


class _AgingEvolution(MOStrategy):
    """Shared aging-population machinery of ``mo-re`` and ``parego``."""

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, population_size: int, sample_size: int):
        super().__init__(space, rng=rng)
        self.population_size = check_int(self.name, "population_size", population_size, 1, int(space.size))
        self.sample_size = check_int(self.name, "sample_size", sample_size, 1, self.population_size)
        self.population: deque[tuple[int, np.ndarray]] = deque()
        self._initial: set[int] = set()

    def _propose(self) -> int:
        n = len(self.population)
        if n < self.population_size:
            return self._random_distinct(self._initial)
        sample = [int(self.rng.integers(n)) for _ in range(self.sample_size)]
        return self.space.mutate(self.population[self._winner(sample)][0], self.rng)

    def _winner(self, sample: list[int]) -> int:
        raise NotImplementedError

    def _observe(self, trial: Trial, values: np.ndarray) -> None:
        if np.isnan(values).any():
            return
        self.population.append((trial.arch, values))
        if len(self.population) > self.population_size:
            self.population.popleft()


class MORegularizedEvolution(_AgingEvolution):
    """Regularized (aging) evolution (Real et al., AAAI 2019, Alg. 1) with a Pareto tournament:
    the winner among the ``sample_size`` members drawn (with replacement) has the lowest
    non-dominated rank within the current population, then the largest crowding distance
    (NSGA-II's crowded comparison, Deb et al. 2002); the first drawn wins a full tie.
    Defaults population_size=20 (as nsga2) and sample_size=3 (RE's) are harness choices."""

    name = "mo-re"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, population_size: int = 20, sample_size: int = 3):
        super().__init__(space, rng=rng, population_size=population_size, sample_size=sample_size)

    def _winner(self, sample: list[int]) -> int:
        rank, crowd = rank_and_crowding(np.array([v for _, v in self.population]))
        best = sample[0]
        for i in sample[1:]:
            if (rank[i], -crowd[i]) < (rank[best], -crowd[best]):
                best = i
        return best


def simplex_lattice(k: int, s: int) -> np.ndarray:
    """All weight vectors with components in {0, 1/s, ..., 1} summing to 1 (Knowles 2006)."""
    out = [c for c in itertools.product(range(s + 1), repeat=k) if sum(c) == s]
    return np.array(out, dtype=np.float64) / s


class ParEGO(_AgingEvolution):
    """ParEGO-style scalarised search (Knowles, IEEE TEVC 2006): at each proposal a weight vector
    lambda is drawn uniformly from the simplex lattice (s = 11 for 2 objectives, s = 4 for 3, as
    Knowles; else s = 4) and every objective is normalised to [0, 1] by the range observed so
    far; fitness is the augmented Chebyshev function
    ``max_j lambda_j f_j + rho * sum_j lambda_j f_j`` (f_j = normalised distance from the best,
    rho = 0.05, Knowles).

    Not Knowles' GP + EI: the scalarised fitness drives an aging-evolution tournament (the
    ``sample_size`` members drawn, with replacement, from the ``population_size`` youngest; the
    lowest scalarised value wins, then ``space.mutate``). No surrogate: ParEGO's scalarisation
    with RE as its optimiser ("scalarised RE"). population_size=20, sample_size=3: harness choices.
    """

    name = "parego"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, population_size: int = 20,
                 sample_size: int = 3, rho: float = 0.05):
        super().__init__(space, rng=rng, population_size=population_size, sample_size=sample_size)
        self.rho = check_number("parego", "rho", rho, low=0)
        self._lo: np.ndarray | None = None
        self._hi: np.ndarray | None = None
        self._lattice: np.ndarray | None = None

    def _observe(self, trial: Trial, values: np.ndarray) -> None:
        if not np.isnan(values).any():
            self._lo = values.copy() if self._lo is None else np.minimum(self._lo, values)
            self._hi = values.copy() if self._hi is None else np.maximum(self._hi, values)
        super()._observe(trial, values)

    def _winner(self, sample: list[int]) -> int:
        k = len(self._lo)
        if self._lattice is None:
            self._lattice = simplex_lattice(k, {2: 11, 3: 4}.get(k, 4))
        lam = self._lattice[int(self.rng.integers(len(self._lattice)))]
        span = np.where(self._hi > self._lo, self._hi - self._lo, 1.0)
        best, best_f = sample[0], math.inf
        for i in sample:
            f = (self._hi - self.population[i][1]) / span  # 0 = best seen, 1 = worst (minimised)
            score = float(np.max(lam * f) + self.rho * np.sum(lam * f))
            if score < best_f:
                best, best_f = i, score
        return best

