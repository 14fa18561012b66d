"""Predictor-guided search: ``bananas`` (White, Neiswanger & Savani, AAAI 2021) and the shared
machinery of model-based strategies (also used by ``bo-gp``, strategies/bo_gp.py).

Each iteration fits a predictor on every successful result told so far (failed trials,
NaN, are dropped), builds candidates by mutating the best architectures, scores them with an
acquisition function and queues the ``k`` best; proposals come from the queue, which is
refilled when empty. Asynchronous-safe: an architecture already proposed (pending or
evaluated) is never proposed again, so the search stops with SearchSpaceExhaustedError
once a finite space is used up.
"""
from __future__ import annotations

import math
import time

import numpy as np

from nasbench.errors import SearchSpaceExhaustedError
from nasbench.spaces import SearchSpace
from predictors import ArchEncoder, default_encoding, make_predictor
from strategies.base import Strategy, StrategyError, Trial
from strategies.validation import check_choice, check_int, check_number


class PredictorGuided(Strategy):
    """Base of predictor-guided strategies (see module docstring)."""

    predictor_name = ""
    encodings: tuple[str, ...] = ("onehot",)

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, num_init: int, k: int,
                 num_candidates: int, num_random_candidates: int = 0, num_arches_to_mutate: int = 1,
                 patience_factor: int = 5, max_mutation_rate: int = 1, predictor_params: dict | None = None):
        super().__init__(space, rng=rng)
        n = self.name
        self.num_init = check_int(n, "num_init", num_init, 1)
        self.k = check_int(n, "k", k, 1)
        self.num_candidates = check_int(n, "num_candidates", num_candidates, 0)
        self.num_random_candidates = check_int(n, "num_random_candidates", num_random_candidates, 0)
        if self.num_candidates + self.num_random_candidates < 1:
            raise StrategyError(f"{n}: num_candidates + num_random_candidates must be >= 1")
        self.num_arches_to_mutate = check_int(n, "num_arches_to_mutate", num_arches_to_mutate, 1)
        self.patience_factor = check_int(n, "patience_factor", patience_factor, 1)
        self.max_mutation_rate = check_int(n, "max_mutation_rate", max_mutation_rate, 1)
        self.predictor_params = dict(predictor_params or {})
        self.encoder = ArchEncoder(space, default_encoding(space, self.encodings)).fit()
        self._seen: set[int] = set()  # every architecture proposed (pending or told)
        self._results: dict[int, float] = {}  # successful results, arch -> best signal
        self._queue: list[int] = []
        self._size = int(space.size)
        self._sizes = np.asarray(space.decision_sizes, dtype=np.int64)

    # ----- proposals -----------------------------------------------------------------------
    def _propose(self) -> int:
        if len(self._seen) >= self._size:
            raise SearchSpaceExhaustedError(f"{self.name}: every architecture of {self.space.label} was proposed")
        if len(self._results) < max(self.num_init, 2):
            return self._take(self._random_unseen())
        while self._queue:
            arch = self._queue.pop(0)
            if arch not in self._seen:
                return self._take(arch)
        self._queue = self._next_batch()
        if not self._queue:
            return self._take(self._random_unseen())
        return self._take(self._queue.pop(0))

    def _take(self, arch: int) -> int:
        self._seen.add(int(arch))
        return int(arch)

    def _random_unseen(self) -> int:
        if len(self._seen) * 2 > self._size and self._size <= 10**7:
            free = np.setdiff1d(np.arange(self._size), np.fromiter(self._seen, dtype=np.int64))
            return int(free[self.rng.integers(len(free))])
        while True:
            arch = int(self.rng.integers(self._size))
            if arch not in self._seen:
                return arch

    def _mutate(self, arch: int, rate: int) -> int:
        """Change each decision with probability rate / n_decisions (at least one), as the
        authors' ``mutate_arch``; returns the (canonical) id (a vector naming no architecture
        is repaired by the space, see ``archs_of_decisions``)."""
        dec = self.space.to_decisions(np.array([arch]))[0].copy()
        nd = len(dec)
        flip = self.rng.random(nd) < rate / nd
        if not flip.any():
            flip[self.rng.integers(nd)] = True
        for i in np.flatnonzero(flip):
            if self._sizes[i] > 1:
                new = self.rng.integers(self._sizes[i] - 1)
                dec[i] = new + (new >= dec[i])
        return self.arch_of_decisions(dec)

    def _candidates(self) -> np.ndarray:
        ranked = sorted(self._results, key=lambda a: -self._results[a])
        best = ranked[: self.num_arches_to_mutate * self.patience_factor]
        cands: list[int] = []
        chosen: set[int] = set()
        per_arch = max(1, self.num_candidates // self.num_arches_to_mutate // self.max_mutation_rate)
        for arch in best:
            if len(cands) >= self.num_candidates:
                break
            for _ in range(per_arch):
                for rate in range(1, self.max_mutation_rate + 1):
                    child = self._mutate(arch, rate)
                    if child not in self._seen and child not in chosen:
                        chosen.add(child)
                        cands.append(child)
        cands = cands[: self.num_candidates]
        free = self._size - len(self._seen) - len(cands)
        for _ in range(min(self.num_random_candidates, free)):
            arch = self._random_unseen_excluding(chosen)
            if arch is None:
                break
            chosen.add(arch)
            cands.append(arch)
        return np.asarray(cands, dtype=np.int64)

    def _random_unseen_excluding(self, chosen: set[int]) -> int | None:
        for _ in range(100):
            arch = self._random_unseen()
            if arch not in chosen:
                return arch
        return None

    def _next_batch(self) -> list[int]:
        cands = self._candidates()
        if len(cands) == 0:
            return []
        archs = np.fromiter(self._results, dtype=np.int64)
        y = np.array([self._results[a] for a in archs])
        model = make_predictor(self.predictor_name, random_state=int(self.rng.integers(2**63)), **self.predictor_params)
        t0 = time.perf_counter()
        model.fit(self.encoder.transform(archs), y)
        t1 = time.perf_counter()
        scores = self._acquisition(model, self.encoder.transform(cands), y)
        t2 = time.perf_counter()
        self.timings.append((len(archs), t1 - t0, t2 - t1))
        order = np.argsort(-scores, kind="stable")
        return [int(a) for a in cands[order[: self.k]]]

    def _acquisition(self, model, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @property
    def details(self) -> dict:
        """The encoding the predictor reads (chosen from ``encodings`` by what the space offers)."""
        return {"encoding": self.encoder.kind}

    def _observe(self, trial: Trial, value: float) -> None:
        self._seen.add(int(trial.arch))
        if not math.isnan(value) and value > self._results.get(trial.arch, -math.inf):
            self._results[int(trial.arch)] = value


class Bananas(PredictorGuided):
    """BANANAS: Bayesian optimisation with a neural architecture (path-encoding) predictor.

    Predictor: ``bananas-ensemble`` (5 MLPs of 10 x 20, predictors/nets.py) on the path
    encoding (nb201) or one-hot encoding (other spaces; the decisions' one-hot where a space
    has neither). Defaults from the authors' ``bananas_case1`` (naszilla/bananas):
    ``num_init=10``, ``k=10`` architectures per iteration, ``num_ensemble=5``,
    ``acq_opt_type='mutation'`` with ``candidate_nums=100`` mutations of the best
    architecture (``num_arches_to_mutate=1``, ``patience_factor=5``: if mutations of the best
    repeat seen architectures the next best are mutated, ``max_mutation_rate=1``) and
    ``explore_type='its'`` (independent Thompson sampling: one draw from N(mean, std of the
    ensemble) per candidate). ``acquisition='ucb'`` gives mean + ``ucb_beta`` * std.

    Speed: ``epochs`` (default 200, the authors') sets the ensemble's training epochs.
    """

    name = "bananas"
    predictor_name = "bananas-ensemble"
    encodings = ("path", "onehot")

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, num_init: int = 10, k: int = 10,
                 num_candidates: int = 100, num_arches_to_mutate: int = 1, patience_factor: int = 5,
                 max_mutation_rate: int = 1, acquisition: str = "its", ucb_beta: float = 0.5,
                 num_ensemble: int = 5, epochs: int = 200):
        self.acquisition = check_choice("bananas", "acquisition", acquisition, ("its", "ucb"))
        self.ucb_beta = check_number("bananas", "ucb_beta", ucb_beta, low=0)
        self.num_ensemble = check_int("bananas", "num_ensemble", num_ensemble, 1)
        self.epochs = check_int("bananas", "epochs", epochs, 1)
        super().__init__(space, rng=rng, num_init=num_init, k=k, num_candidates=num_candidates,
                         num_arches_to_mutate=num_arches_to_mutate, patience_factor=patience_factor,
                         max_mutation_rate=max_mutation_rate,
                         predictor_params={"n_members": self.num_ensemble, "epochs": self.epochs})

    def _acquisition(self, model, X, y):
        mean, std = model.predict(X), model.predict_std(X)
        if self.acquisition == "ucb":
            return mean + self.ucb_beta * std
        return mean + std * self.rng.standard_normal(len(mean))


