"""Optuna samplers over the space's categorical decisions (``optuna-tpe``, ``optuna-random``).

Needs the optional ``optuna`` extra; optuna is imported when a strategy is built. Optuna
logs every finished trial at INFO level; the adapter raises the ``optuna`` logger to WARNING
only while it calls into Optuna and restores the previous level afterwards, so the user's
own logging settings stay as they were.
"""
from __future__ import annotations

import logging
import math
import warnings
from contextlib import contextmanager

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.base import Strategy, Trial, TrialState
from strategies.validation import check_bool, check_int

_LOGGER = logging.getLogger("optuna")


@contextmanager
def _quiet():
    """Optuna's INFO chatter and experimental-feature warnings off, for this call only."""
    level = _LOGGER.level
    if level < logging.WARNING:
        _LOGGER.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="optuna")
            yield
    finally:
        if level < logging.WARNING:
            _LOGGER.setLevel(level)


class OptunaStrategy(Strategy):
    """Run an Optuna sampler through Optuna's ask-and-tell interface.

    Every decision of ``space.decision_sizes`` is one ``CategoricalDistribution`` over
    ``0 .. size-1`` named by ``space.decision_names``; ``study.ask`` with these fixed
    distributions draws a vector, ``archs_of_decisions`` maps it to an id. A vector that names
    no architecture (NB-Graph's all-skip cell, or one outside a subset table) is told to Optuna
    as FAIL, and the space's repair of it (:meth:`SearchSpace.repair`) is enqueued and asked
    instead, so Optuna's trial holds exactly the decisions evaluated; this costs no evaluation.
    A failed or infeasible evaluation is told as ``TrialState.FAIL``, a pruned one as
    ``PRUNED``; a completed one as the value of a maximising study.
    Several asks may be outstanding (asynchronous workers): each is remembered by trial id.
    Optuna may propose an architecture again (a new, independently noisy evaluation).

    The sampler is seeded with ``int(rng.integers(2**31))`` from the strategy's generator; the
    same seed gives the same proposals for one Optuna version (samplers change between
    versions).
    """

    name = ""

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator):
        super().__init__(space, rng=rng)
        import optuna  # optional extra: imported only when the strategy is built

        self._optuna = optuna
        seed = int(rng.integers(2**31))
        CategoricalDistribution = optuna.distributions.CategoricalDistribution
        self._distributions = {
            name: CategoricalDistribution(list(range(int(size))))
            for name, size in zip(space.decision_names, space.decision_sizes)
        }
        self._names = list(self._distributions)
        with _quiet():
            self.study = optuna.create_study(direction="maximize", sampler=self._make_sampler(seed))
        self._pending: dict[int, object] = {}

    def _make_sampler(self, seed: int):  # pragma: no cover - overridden
        raise NotImplementedError

    def _propose(self) -> Trial:
        with _quiet():
            otrial = self.study.ask(self._distributions)
            drawn = np.asarray([otrial.params[n] for n in self._names], dtype=np.int64)
            ids, used = self.archs_of_decisions(drawn[None, :])
            if not np.array_equal(used[0], drawn):  # repaired: Optuna's trial must hold what runs
                self.study.tell(otrial, state=self._optuna.trial.TrialState.FAIL)
                self.study.enqueue_trial(dict(zip(self._names, used[0].tolist())))
                otrial = self.study.ask(self._distributions)
        trial = self.new_trial(int(ids[0]))
        self._pending[trial.trial_id] = otrial
        return trial

    def _observe(self, trial: Trial, value: float) -> None:
        otrial = self._pending.pop(trial.trial_id)
        states = self._optuna.trial.TrialState
        with _quiet():
            if not math.isnan(value):
                self.study.tell(otrial, value)
            elif self.trial_states[trial.trial_id] is TrialState.PRUNED:
                self.study.tell(otrial, state=states.PRUNED)
            else:
                self.study.tell(otrial, state=states.FAIL)


class OptunaTPE(OptunaStrategy):
    """Optuna's Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011; Optuna:
    Akiba et al., KDD 2019), see :class:`OptunaStrategy` for the adapter.

    Defaults are ``TPESampler``'s own in Optuna 5.0 (its documentation), passed explicitly so
    that older Optuna versions run the same configuration: ``n_startup_trials=10`` (random
    trials before TPE starts), ``multivariate=True`` (Optuna 5 turns it on for single-objective
    studies; Falkner et al., ICML 2018) and ``constant_liar=True`` (running trials are
    penalised, which spreads asynchronous workers apart).
    """

    name = "optuna-tpe"

    def __init__(
        self,
        space: SearchSpace,
        *,
        rng: np.random.Generator,
        n_startup_trials: int = 10,
        multivariate: bool = True,
        constant_liar: bool = True,
    ):
        self.n_startup_trials = check_int("optuna-tpe", "n_startup_trials", n_startup_trials, 0)
        self.multivariate = check_bool("optuna-tpe", "multivariate", multivariate)
        self.constant_liar = check_bool("optuna-tpe", "constant_liar", constant_liar)
        super().__init__(space, rng=rng)

    def _make_sampler(self, seed: int):
        return self._optuna.samplers.TPESampler(
            n_startup_trials=self.n_startup_trials,
            multivariate=self.multivariate,
            constant_liar=self.constant_liar,
            seed=seed,
        )


class OptunaRandom(OptunaStrategy):
    """Optuna's ``RandomSampler`` (independent uniform draws per decision, with replacement)
    through the same adapter: the control for ``optuna-tpe``. No hyperparameters."""

    name = "optuna-random"

    def _make_sampler(self, seed: int):
        return self._optuna.samplers.RandomSampler(seed=seed)
