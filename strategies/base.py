"""The ask/tell contract every black-box search strategy implements.

A strategy owns its random generator (given at construction, never global) and sees only
what the loop tells it: the search signal of the trials it asked for (validation metrics).
It never touches a table.

    strategy = make_strategy("re", space, rng=np.random.default_rng(0))
    trial = strategy.ask()                         # Trial(arch, fidelity, trial_id)
    strategy.tell(trial, 91.2)                     # completed: its search signal (higher is better)
    strategy.tell(other, state=TrialState.FAILED)  # or a NaN value: failed
    strategy.recommend()                           # best architecture so far (by signal)

The contract, enforced here for every strategy (violations raise :class:`TrialContractError`,
and change nothing):

- ``ask`` returns an architecture of the space (an id ``0 .. size-1``). Strategies that
  generate decision vectors map them through :meth:`Strategy.archs_of_decisions`, where the
  space repairs a vector that names no architecture (:meth:`SearchSpace.repair`).
- Every ask is told exactly once, with the trial ``ask`` returned. A tell of a trial that was
  never asked, or told twice, or whose architecture or fidelity differ from the ask, is an
  error (it never becomes an incumbent).
- Promotion: a multi-fidelity strategy may ask *again* for a trial id it was already told,
  with the same architecture and a strictly higher fidelity; that is a new ask, told once.
  Asking for a trial id whose previous ask is still untold is an error.
- A told trial has a :class:`TrialState`: completed (with a finite value), failed, pruned or
  infeasible (without a value). ``tell(trial, nan)`` means failed. The incumbent and every
  strategy's model learn only from completed trials; ``_observe`` sees NaN for the others and
  ``trial_states`` says which state it was.

Hyperparameters live once, as the keyword arguments (with defaults) of the strategy's
constructor; :meth:`Strategy.hyperparameter_defaults` reads them from the signature (as
scikit-learn's ``get_params`` does), the registry (``StrategySpec.defaults``) and the
:attr:`Strategy.hyperparameters` recorded in every result file read them from there.

One-shot (supernet) methods are a different kind of thing and do not derive from this class.
"""
from __future__ import annotations

import inspect
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike

from nasbench.errors import InvalidArchitectureError, NasbenchError, SearchSpaceExhaustedError
from nasbench.spaces import SearchSpace

#: constructor arguments that are not hyperparameters
_NOT_HYPERPARAMETERS = ("self", "space", "rng")


class StrategyError(NasbenchError, ValueError):
    """Bad strategy hyperparameters or use."""


class TrialContractError(StrategyError):
    """A use of ask/tell that breaks the contract (see the module docstring): a tell of a trial
    never asked, told twice, or not matching its ask; an ask of a trial id still running, or a
    "promotion" that is not one; a proposal outside the space. The message states the rule and
    echoes the trial."""


class TrialState(str, Enum):
    """What became of a trial (``str`` values, so they serialise as text)."""

    #: evaluated; its value is the search signal
    COMPLETED = "completed"
    #: the evaluation crashed or diverged (a NaN signal); no value
    FAILED = "failed"
    #: stopped early on purpose (e.g. not continued by a multi-fidelity strategy); no value
    PRUNED = "pruned"
    #: rejected by a constraint (e.g. over a latency budget); no value
    INFEASIBLE = "infeasible"


@dataclass(frozen=True)
class Trial:
    """One evaluation a strategy asks for.

    Parameters
    ----------
    arch : int
        Architecture id of the strategy's space.
    fidelity : float, optional
        Training epochs, in the table's unit; None = the evaluator's default signal fidelity.
    trial_id : int
        Unique within a run (set by :meth:`Strategy.ask`); a multi-fidelity promotion asks again
        with the same id and a higher fidelity.
    """

    arch: int
    fidelity: float | None = None
    trial_id: int = -1


class Strategy(ABC):
    """Base of black-box strategies: ``Strategy(space, *, rng, **hyperparameters)``.

    Subclasses implement :meth:`_propose` (and usually :meth:`_observe`), take their
    hyperparameters as keyword arguments with defaults (the only place defaults live) and store
    each under the attribute of the same name (read back by :attr:`hyperparameters`). The base
    class enforces the ask/tell contract (module docstring) for every subclass.

    Parameters
    ----------
    space : SearchSpace
        The space searched; every asked ``Trial.arch`` is an id of it.
    rng : numpy.random.Generator
        The strategy's own generator: every random choice it makes comes from it.

    Raises
    ------
    StrategyError
        A hyperparameter is out of range (subclass constructors check theirs).
    """

    #: registry name, e.g. ``"re"``
    name: str = ""
    #: True for multi-fidelity strategies: the runner (and the conformance suite) pass the
    #: table's fidelities (epochs) as the ``fidelities`` hyperparameter
    needs_fidelities: bool = False
    #: ``"package.module:BatchedClass"``: this strategy's twin for the batched engine (many seeds
    #: at once, :mod:`strategies.batched`), which must reproduce it seed by seed; "" (default):
    #: runs of this strategy keep the per-run loop. Read from the class itself, not inherited
    #: (a subclass that changes the rules declares its own). See docs/custom-strategy.md.
    batched: str = ""

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator):
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        self.space = space
        self.rng = rng
        self._next_trial_id = 0
        self._best_arch: int | None = None
        self._best_value = -math.inf
        #: number of tells accepted
        self.n_told = 0
        #: decision vectors this strategy generated that named no architecture of the space
        #: and were repaired by ``space.repair`` (see :meth:`archs_of_decisions`); recorded in
        #: every result's protocol
        self.invalid_draws = 0
        #: model-based strategies: ``(n_train, fit seconds, predict seconds)`` per model fit
        #: (wall clock, for performance reports; never part of a result); empty otherwise
        self.timings: list[tuple[int, float, float]] = []
        #: trial_id -> state of its latest told ask
        self.trial_states: dict[int, TrialState] = {}
        self._asked: dict[int, Trial] = {}  # asks not told yet
        self._told: dict[int, Trial] = {}  # trial_id -> its latest told ask

    # ----- to implement ------------------------------------------------------------------------
    @abstractmethod
    def _propose(self) -> int | Trial:
        """Next architecture (or Trial) to evaluate; raise SearchSpaceExhaustedError when done."""

    def _observe(self, trial: Trial, value: float) -> None:
        """Learn from a told trial: ``value`` is its signal when completed, NaN otherwise
        (``self.trial_states[trial.trial_id]`` says which state). Default: nothing."""

    # ----- the contract ------------------------------------------------------------------------
    def ask(self) -> Trial:
        """The next trial to evaluate (see the module docstring for what it may be)."""
        proposal = self._propose()
        if isinstance(proposal, Trial):
            trial = proposal if proposal.trial_id >= 0 else self.new_trial(proposal.arch, proposal.fidelity)
        else:
            trial = self.new_trial(proposal)
        self._check_ask(trial)
        self._asked[trial.trial_id] = trial
        return trial

    def new_trial(self, arch: int, fidelity: float | None = None) -> Trial:
        """A Trial with the next unused trial id (for strategies that build Trials themselves)."""
        if isinstance(arch, (bool, np.bool_)) or not isinstance(arch, (int, np.integer)):
            raise TrialContractError(
                f"{self._who()} proposed {arch!r}; a proposal is an integer architecture id "
                f"0 .. {self.space.size - 1} of space {self.space.label}"
            )
        trial = Trial(int(arch), fidelity, self._next_trial_id)
        self._next_trial_id += 1
        return trial

    def tell(self, trial: Trial, value: float | None = None, *, state: TrialState | str | None = None) -> None:
        """Report what became of an asked trial.

        ``value``: the search signal (higher is better); ``state``: a :class:`TrialState` (or
        its name). Without ``state``, a finite value means completed and None or NaN failed.
        A completed trial needs a finite value; the other states take none. Raises
        TrialContractError (changing nothing) for a trial that is not an outstanding ask.
        """
        asked = self._check_tell(trial)
        state, value = self._resolve(trial, value, state)
        del self._asked[asked.trial_id]
        self._told[asked.trial_id] = asked
        self.trial_states[asked.trial_id] = state
        self.n_told += 1
        if state is TrialState.COMPLETED:
            self._record(asked, value)
        self._observe(asked, value)

    def recommend(self) -> int | None:
        """Best architecture by search signal so far (None before any completed trial)."""
        return self._best_arch

    @property
    def pending(self) -> list[Trial]:
        """The asks not told yet, in ask order."""
        return list(self._asked.values())

    # ----- decision vectors --------------------------------------------------------------------
    def archs_of_decisions(self, decisions: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Architecture ids of decision vectors ``[n, n_decisions]`` and the vectors they come
        from: each vector that names no architecture is first replaced by the space's repair
        (:meth:`SearchSpace.repair`, with this strategy's generator) and counted in
        :attr:`invalid_draws`. The one way a strategy turns decisions into proposals."""
        dec = self.space.check_decisions(decisions)
        fixed = self.space.repair(dec, self.rng)
        self.invalid_draws += int((fixed != dec).any(axis=1).sum())
        return self.space.from_decisions(fixed), fixed

    def arch_of_decisions(self, decisions: ArrayLike) -> int:
        """The id of one decision vector (repaired if it names no architecture)."""
        ids, _ = self.archs_of_decisions(np.asarray(decisions)[None, :])
        return int(ids[0])

    # ----- hyperparameters ---------------------------------------------------------------------
    @classmethod
    def hyperparameter_defaults(cls) -> dict:
        """``{name: default}`` of the constructor's hyperparameters, read from its signature
        (the single place defaults live). StrategyError if the signature hides them
        (``**kwargs``, or a hyperparameter without a default)."""
        params = inspect.signature(cls.__init__).parameters
        out = {}
        for pname, p in params.items():
            if pname in _NOT_HYPERPARAMETERS:
                continue
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                raise StrategyError(
                    f"{cls.__name__}.__init__ takes *{'*' if p.kind == p.VAR_KEYWORD else ''}{pname}; "
                    f"hyperparameters must be explicit keyword arguments with defaults"
                )
            if p.default is p.empty:
                raise StrategyError(f"{cls.__name__}.__init__: hyperparameter '{pname}' has no default")
            out[pname] = p.default
        return out

    @property
    def hyperparameters(self) -> dict:
        """The hyperparameters this instance runs with (for result files): every constructor
        hyperparameter, read from the attribute of the same name."""
        out = {}
        for pname in self.hyperparameter_defaults():
            try:
                out[pname] = getattr(self, pname)
            except AttributeError:
                raise StrategyError(
                    f"{type(self).__name__} does not store its hyperparameter '{pname}' as "
                    f"self.{pname}; hyperparameters are read back from attributes of the same name"
                ) from None
        return out

    @property
    def details(self) -> dict:
        """Settings derived from the hyperparameters and the space (e.g. the encoding a
        predictor uses, a multi-fidelity ladder), recorded beside them in result files."""
        return {}

    # ----- helpers -----------------------------------------------------------------------------
    def _who(self) -> str:
        return f"strategy '{self.name or type(self).__name__}'"

    def _check_ask(self, trial: Trial) -> None:
        tid = trial.trial_id
        try:
            self.space.check_id(trial.arch)
        except InvalidArchitectureError as exc:
            raise TrialContractError(
                f"{self._who()} proposed {trial}, which is not an architecture of space "
                f"{self.space.label} ({exc}); proposals must be ids of the space (map decision "
                f"vectors through Strategy.archs_of_decisions)"
            ) from None
        if not 0 <= tid < self._next_trial_id:
            raise TrialContractError(
                f"{self._who()} asked {trial}, whose trial_id was not issued by new_trial(); "
                f"trial ids come from Strategy.new_trial"
            )
        if tid in self._asked:
            raise TrialContractError(
                f"{self._who()} asked {trial} while its earlier ask {self._asked[tid]} is not told; "
                f"a trial id is asked again only after it was told (a promotion)"
            )
        before = self._told.get(tid)
        if before is not None and not (
            trial.arch == before.arch and trial.fidelity is not None and before.fidelity is not None
            and trial.fidelity > before.fidelity
        ):
            raise TrialContractError(
                f"{self._who()} asked {trial} again after {before} was told; asking a told trial "
                f"id again is a promotion: same architecture, strictly higher fidelity"
            )

    def _check_tell(self, trial: Trial) -> Trial:
        if not isinstance(trial, Trial):
            raise TrialContractError(f"tell expects the Trial that ask() returned, got {trial!r}")
        asked = self._asked.get(trial.trial_id)
        if asked is None:
            if trial.trial_id in self._told:
                raise TrialContractError(
                    f"{self._who()} was told {trial} twice; tell each ask exactly once "
                    f"(a promotion is a new ask of the same trial id)"
                )
            raise TrialContractError(
                f"{self._who()} was told {trial}, which it never asked; tell only trials "
                f"returned by ask()"
            )
        if asked != trial:
            raise TrialContractError(
                f"{self._who()} was told {trial}, but it asked {asked}; tell the trial ask() "
                f"returned, unchanged"
            )
        return asked

    def _resolve(self, trial: Trial, value, state) -> tuple[TrialState, float]:
        """(state, value as _observe sees it); StrategyError for a value that fits no state."""
        if value is not None and not isinstance(value, (int, float, np.integer, np.floating)):
            raise StrategyError(f"{self._who()}: the value of {trial} must be a number, got {value!r}")
        number = math.nan if value is None else float(value)
        if state is None:
            state = TrialState.FAILED if math.isnan(number) else TrialState.COMPLETED
        state = as_state(state)
        if state is TrialState.COMPLETED and not math.isfinite(number):
            raise StrategyError(f"{self._who()}: completed trial {trial} needs a finite value, got {value!r}")
        if state is not TrialState.COMPLETED and not math.isnan(number):
            raise StrategyError(
                f"{self._who()}: a {state.value} trial carries no value, got {value!r} for {trial}"
            )
        return state, number

    def _record(self, trial: Trial, value) -> None:
        """A completed trial: update the incumbent."""
        if value > self._best_value:
            self._best_value, self._best_arch = value, trial.arch


def as_state(state) -> TrialState:
    """A :class:`TrialState` from itself or its value (``"failed"``); StrategyError otherwise."""
    try:
        return TrialState(state)
    except ValueError:
        raise StrategyError(
            f"unknown trial state {state!r}; one of {', '.join(s.value for s in TrialState)}"
        ) from None


@dataclass
class StrategySpec:
    """A registered strategy: its factory, where its defaults come from, what it needs.

    ``defaults`` is read from the factory's constructor signature (the only place they are
    written); ``citation`` says where each default comes from.

    Parameters
    ----------
    name : str
        Registry name (``"re"``).
    factory : str
        ``"module:Class"`` of the :class:`Strategy` subclass, imported on first use.
    description : str
        One line for ``nasbench list`` style listings.
    citation : str
        The paper (and code) its defaults come from.
    requires : str
        An optional package it needs (its pip extra), e.g. ``"optuna"``; empty for none.
    seed_independent : bool
        True when proposals do not depend on the seed by design (a grid in id order).
    objectives : str
        ``"single"`` (told a scalar signal) or ``"multi"`` (told an objective vector).
    """

    name: str
    factory: str  # "module:Class", imported lazily
    description: str
    citation: str = ""
    requires: str = ""  # an optional extra, e.g. "optuna"
    #: True when proposals do not depend on the seed by design (e.g. a grid in id order)
    seed_independent: bool = False
    #: "single": told a scalar signal, driven by run_search; "multi": told an oriented objective
    #: vector, recommends a Pareto set, driven by strategies.moloop.run_mo_search
    objectives: str = "single"

    def factory_class(self) -> type[Strategy]:
        """The strategy class (imports its module; optional extras are imported only when a
        strategy is built, so this works without them)."""
        from nasbench.name_table import import_target

        return import_target(self.factory)

    @property
    def defaults(self) -> dict:
        """``{hyperparameter: default}`` from the factory's constructor signature."""
        return self.factory_class().hyperparameter_defaults()


__all__ = [
    "SearchSpaceExhaustedError",
    "Strategy",
    "StrategyError",
    "StrategySpec",
    "Trial",
    "TrialContractError",
    "TrialState",
]
