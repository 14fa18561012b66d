"""The ask/tell contract every black-box search strategy implements.

A strategy owns its random generator (given at construction, never global) and sees only
what the loop tells it: the search signal of the trials it asked for (validation metrics;
NaN when a trial failed). It never touches a table.

    strategy = make_strategy("re", space, rng=np.random.default_rng(0))
    trial = strategy.ask()            # Trial(arch, fidelity)
    strategy.tell(trial, 91.2)        # the search signal (higher is better), NaN if failed
    strategy.recommend()              # best architecture so far (by signal)

One-shot (supernet) methods are a different kind of thing and do not derive from this class.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from nasbench.errors import InvalidArchitectureError, NasbenchError, SearchSpaceExhaustedError
from nasbench.spaces import SearchSpace

#: decision vectors in a row that may name no architecture before a generative strategy gives up
MAX_REDRAWS = 1000


@dataclass(frozen=True)
class Trial:
    """One evaluation a strategy asks for.

    ``fidelity`` is in the table's unit (epochs); None means the evaluator's default signal
    fidelity. ``trial_id`` is unique within a run; a multi-fidelity strategy that continues a
    trial (promotion) asks again with the same ``trial_id`` and a higher fidelity.
    """

    arch: int
    fidelity: float | None = None
    trial_id: int = -1


class Strategy(ABC):
    """Base of black-box strategies: ``Strategy(space, *, rng, **hyperparameters)``."""

    #: registry name, e.g. ``"re"``
    name: str = ""
    #: True if the strategy can run on spaces with more than ~10^6 architectures
    supports_large_spaces: bool = True

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator):
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        self.space = space
        self.rng = rng
        self._next_trial_id = 0
        self._best_arch: int | None = None
        self._best_value = -math.inf
        self.n_told = 0

    # ----- to implement ------------------------------------------------------------------------
    @abstractmethod
    def _propose(self) -> int | Trial:
        """Next architecture (or Trial) to evaluate; raise SearchSpaceExhaustedError when done."""

    def _observe(self, trial: Trial, value: float) -> None:
        """Learn from a finished trial (value is NaN for a failed trial). Default: nothing."""

    # ----- the contract ------------------------------------------------------------------------
    def ask(self) -> Trial:
        """The next trial to evaluate."""
        proposal = self._propose()
        if isinstance(proposal, Trial):
            if proposal.trial_id >= 0:
                return proposal
            proposal_arch, fidelity = proposal.arch, proposal.fidelity
        else:
            proposal_arch, fidelity = proposal, None
        return self.new_trial(proposal_arch, fidelity)

    def new_trial(self, arch: int, fidelity: float | None = None) -> Trial:
        """A Trial with the next unused trial id (for strategies that build Trials themselves)."""
        trial = Trial(int(arch), fidelity, self._next_trial_id)
        self._next_trial_id += 1
        return trial

    def tell(self, trial: Trial, value: float) -> None:
        """Report a trial's search signal (higher is better; NaN or None if it failed)."""
        value = math.nan if value is None else float(value)
        self.n_told += 1
        if not math.isnan(value) and value > self._best_value:
            self._best_value, self._best_arch = value, trial.arch
        self._observe(trial, value)

    def recommend(self) -> int | None:
        """Best architecture by search signal so far (None before any successful trial)."""
        return self._best_arch

    @property
    def hyperparameters(self) -> dict:
        """The hyperparameters this instance runs with (for result files)."""
        return {}


@dataclass
class StrategySpec:
    """A registered strategy: its factory, its defaults and where they come from."""

    name: str
    factory: str  # "module:Class", imported lazily
    description: str
    defaults: dict = field(default_factory=dict)
    citation: str = ""
    requires: str = ""  # an optional extra, e.g. "optuna"
    #: True when proposals do not depend on the seed by design (e.g. a grid in id order)
    seed_independent: bool = False
    #: "single": told a scalar signal, driven by run_search; "multi": told an oriented objective
    #: vector, recommends a Pareto set, driven by strategies.moloop.run_mo_search
    objectives: str = "single"


class StrategyError(NasbenchError, ValueError):
    """Bad strategy hyperparameters or use."""


__all__ = ["SearchSpaceExhaustedError", "Strategy", "StrategyError", "StrategySpec", "Trial"]


def draw_valid_arch(strategy: Strategy, draw: Callable[[], tuple[np.ndarray, Any]],
                    reject: Callable[[Any], None] | None = None, why: str = "") -> tuple[int, Any]:
    """For strategies that generate decision vectors: call ``draw() -> (decisions, payload)``
    until the space names an architecture and return ``(arch id, payload)``. Each vector naming
    none counts in ``strategy.invalid_draws`` and is passed to ``reject(payload)``; after
    ``MAX_REDRAWS`` in a row, StrategyError (``why`` says what collapsed)."""
    for _ in range(MAX_REDRAWS):
        decisions, payload = draw()
        try:
            return int(strategy.space.from_decisions(np.asarray(decisions)[None, :])[0]), payload
        except InvalidArchitectureError:
            strategy.invalid_draws += 1
            if reject is not None:
                reject(payload)
    raise StrategyError(
        f"{strategy.name}: {MAX_REDRAWS} decision vectors in a row named no architecture of "
        f"'{strategy.space.name}'{'; ' + why if why else ''}"
    )
