"""The search loop: ask/tell against an Evaluator with a simulated clock and parallel workers.

``run_search(strategy, evaluator, budget, workers=1)`` simulates ``workers`` asynchronous
trainers with an event queue in simulated time: a trial started at time t finishes at
t + its cost; whenever a worker frees, the strategy is told that result and asked again.

Budget (``Budget.parse("12000s")`` or ``"150q"``):
- queries: exactly that many trials are evaluated and told (fewer only if the space runs out);
- simulated seconds: a trial starts only before the budget, and counts only if it finishes
  within it; trials still running at the budget are discarded (never told, never reported).

The trajectory has one row per finished trial, in finishing order: simulated time, queries
so far, the trial, and the incumbent (the strategy's ``recommend()``) with its search signal
and its final validation and test values read after the fact by a :class:`Reporter`.

Each finished trial is told with its :class:`~strategies.base.TrialState` (:func:`result_state`):
completed (a finite signal), infeasible (rejected by a constraint) or failed (NaN otherwise).
The protocol records the strategy's hyperparameters (its constructor arguments), its derived
``details``, how many generated decision vectors the space repaired (``invalid_draws``) and how
many trials ended in each state (``trial_states``).
"""
from __future__ import annotations

import heapq
import math
import re
from dataclasses import dataclass, field

import numpy as np

from nasbench.errors import NasbenchError, SearchSpaceExhaustedError
from nasbench.evaluator import Evaluator, Reporter
from strategies.base import Strategy, Trial, TrialState

_BUDGET_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(q|s)\s*$")
#: the largest query budget of one run (a run of 10^6 trials takes minutes with the simplest strategy)
MAX_QUERIES = 1_000_000
#: the largest time budget of one run, simulated seconds (about 3.2 years of training; the
#: presets use at most 3,000,000 s)
MAX_SECONDS = 100_000_000


@dataclass(frozen=True)
class Budget:
    """A search budget: ``queries`` evaluations or ``seconds`` of simulated time.

    Usually made by :meth:`Budget.parse` from ``"150q"`` or ``"12000s"``.

    Parameters
    ----------
    amount : float
        Number of queries, or simulated seconds.
    unit : str
        ``"q"`` (queries) or ``"s"`` (simulated seconds).
    """

    amount: float
    unit: str  # "q" or "s"

    @classmethod
    def parse(cls, text: str | Budget) -> Budget:
        """``"150q"`` (queries) or ``"12000s"`` (simulated seconds)."""
        if isinstance(text, Budget):
            return text
        m = _BUDGET_RE.match(str(text)[:100])
        if not m or float(m.group(1)) <= 0:
            raise NasbenchError(f"bad budget '{str(text)[:100]}'; use a positive number of queries ('150q') or "
                                f"simulated seconds ('12000s')")
        amount = float(m.group(1))
        if m.group(2) == "q" and not amount.is_integer():
            raise NasbenchError(f"bad budget '{text}': a query budget is a whole number, e.g. '150q'")
        limit = MAX_QUERIES if m.group(2) == "q" else MAX_SECONDS
        if amount > limit:
            what = f"{MAX_QUERIES:,} queries" if m.group(2) == "q" else f"{MAX_SECONDS:,.0f} simulated seconds"
            raise NasbenchError(f"budget '{text}' is over the maximum of {what} per run "
                                f"({'1000000q' if m.group(2) == 'q' else '100000000s'}); use a smaller budget")
        return cls(amount, m.group(2))

    @property
    def is_queries(self) -> bool:
        return self.unit == "q"

    def __str__(self) -> str:
        return f"{int(self.amount) if float(self.amount).is_integer() else self.amount}{self.unit}"


TRAJECTORY_COLUMNS = (
    "time", "queries", "arch", "fidelity", "value", "cost",
    "incumbent", "incumbent_signal", "incumbent_valid", "incumbent_test", "valid_regret", "test_regret",
)


@dataclass
class Trajectory:
    """The result of one search: one row per finished trial, in finishing order.

    Parameters
    ----------
    columns : dict of str to numpy.ndarray
        Equal-length columns (module docstring): simulated time (s), queries, trial, incumbent,
        its signal, its final validation and test values.
    protocol : dict
        What was run: strategy, hyperparameters, details, signal, noise, budget, trial states...
    stopped : str
        ``"budget"``, or ``"exhausted"`` when the space ran out first.
    """

    columns: dict[str, np.ndarray]
    protocol: dict = field(default_factory=dict)
    stopped: str = "budget"  # or "exhausted"

    def __len__(self) -> int:
        return len(self.columns["time"])

    def __getitem__(self, key: str) -> np.ndarray:
        return self.columns[key]

    def final(self) -> dict:
        """The last row as a dict (the incumbent at the end of the budget)."""
        if not len(self):
            return {k: math.nan for k in TRAJECTORY_COLUMNS}
        return {k: v[-1].item() for k, v in self.columns.items()}

    def equals(self, other: Trajectory) -> bool:
        """Bit-for-bit equality of every column (NaN equal to NaN)."""
        return self.columns.keys() == other.columns.keys() and all(
            np.array_equal(self.columns[k], other.columns[k], equal_nan=True) for k in self.columns
        )



def result_state(evaluator, trial: Trial, result) -> TrialState:
    """The state a finished evaluation is told with: the result's own ``state`` when it has one;
    else completed for a finite signal, infeasible for a NaN the evaluator's constraint caused
    (an evaluator with ``feasible(arch)`` in ``reject`` mode), failed for any other NaN."""
    state = getattr(result, "state", None)
    if state is not None:
        return TrialState(state)
    if not math.isnan(result.value):
        return TrialState.COMPLETED
    feasible = getattr(evaluator, "feasible", None)
    if feasible is not None and getattr(evaluator, "mode", "reject") == "reject" and not feasible(trial.arch):
        return TrialState.INFEASIBLE
    return TrialState.FAILED


def strategy_protocol(strategy: Strategy, states: dict) -> dict:
    """What a result file records about the strategy (see the module docstring)."""
    return {"strategy": strategy.name, "hyperparameters": strategy.hyperparameters,
            "strategy_details": strategy.details, "invalid_draws": strategy.invalid_draws,
            "trial_states": {s.value: int(states.get(s, 0)) for s in TrialState}}


class Simulation:
    """The event queue of :func:`run_search`, shared with the multi-objective loop.

    Iterating yields ``(now, finished, trial, result)`` for each trial that finishes within the
    budget, in finishing order (ties by start order); the caller tells the strategy before the
    next item is asked for, so idle workers are refilled after every tell. ``stopped`` is
    "budget", "exhausted" or, for a time budget that would start more than :data:`MAX_QUERIES`
    trials (a table charging a constant per query), "trial cap" once iteration ends.
    """

    def __init__(self, strategy: Strategy, evaluator: Evaluator, budget: Budget | str, workers: int = 1):
        if not isinstance(workers, int) or workers < 1:
            raise NasbenchError(f"workers must be a positive integer, got {workers!r}")
        self.strategy, self.evaluator, self.budget, self.workers = strategy, evaluator, Budget.parse(budget), workers
        self.stopped = "budget"

    def __iter__(self):
        strategy, evaluator, workers = self.strategy, self.evaluator, self.workers
        limit = self.budget.amount
        by_queries = self.budget.is_queries
        running: list[tuple] = []  # heap of (finish, seq, trial, result)
        now, started, finished, seq = 0.0, 0, 0, 0
        exhausted = False
        cap = MAX_QUERIES  # a time budget on a table that charges a constant per query: trials stop here
        while True:
            while len(running) < workers and not exhausted and (
                    started < limit if by_queries else now < limit and started < cap):
                try:
                    trial = strategy.ask()
                except SearchSpaceExhaustedError:
                    exhausted = True
                    break
                result = evaluator.evaluate(trial.arch, trial.fidelity, trial.trial_id)
                heapq.heappush(running, (now + result.cost, seq, trial, result))
                seq += 1
                started += 1
            if not running:
                if exhausted:
                    self.stopped = "exhausted"
                elif not by_queries and started >= cap:
                    self.stopped = "trial cap"
                return
            finish, _, trial, result = heapq.heappop(running)
            if not by_queries and finish > limit:
                return  # this and every later finisher end after the budget: discarded
            now = finish
            finished += 1
            yield now, finished, trial, result


def run_search(
    strategy: Strategy,
    evaluator: Evaluator,
    budget: Budget | str,
    workers: int = 1,
    reporter: Reporter | None = None,
) -> Trajectory:
    """Drive ``strategy`` against ``evaluator`` until ``budget`` is spent (module docstring).

    Parameters
    ----------
    strategy : Strategy
        A fresh strategy over the evaluator's space.
    evaluator : Evaluator
        Answers the search signal and charges simulated time.
    budget : Budget or str
        ``"150q"`` (queries) or ``"12000s"`` (simulated seconds).
    workers : int
        Simulated asynchronous trainers (1 = sequential).
    reporter : Reporter, optional
        Reads the incumbent's final validation / test values; None = ``Reporter(evaluator.benchmark)``.

    Returns
    -------
    Trajectory
        One row per finished trial and the run's protocol.

    Raises
    ------
    NasbenchError
        A malformed budget or ``workers`` < 1.
    TrialContractError
        The strategy broke the ask/tell contract.
    """
    budget = Budget.parse(budget)
    if not isinstance(workers, int) or workers < 1:
        raise NasbenchError(f"workers must be a positive integer, got {workers!r}")
    reporter = reporter or Reporter(evaluator.benchmark)
    rows: list[tuple] = []
    best_signal: dict[int, float] = {}
    sim = Simulation(strategy, evaluator, budget, workers)
    states: dict[TrialState, int] = {}
    for now, finished, trial, result in sim:
        value = result.value
        state = result_state(evaluator, trial, result)
        states[state] = states.get(state, 0) + 1
        strategy.tell(trial, value if state is TrialState.COMPLETED else None, state=state)
        if not math.isnan(value) and value > best_signal.get(trial.arch, -math.inf):
            best_signal[trial.arch] = value
        inc = strategy.recommend()
        if inc is None:
            inc_signal = inc_valid = inc_test = math.nan
            inc = -1
        else:
            inc_signal = best_signal.get(inc, math.nan)
            inc_valid, inc_test = reporter.final(inc)
        rows.append((
            now, finished, trial.arch, result.fidelity, value, result.cost,
            inc, inc_signal, inc_valid, inc_test, reporter.best_valid - inc_valid, reporter.best_test - inc_test,
        ))
    stopped = sim.stopped
    columns = _to_columns(rows)
    protocol = {**evaluator.describe(), "budget": str(budget), "workers": workers,
                **strategy_protocol(strategy, states), "report_valid": reporter.valid_metric + "@final",
                "report_test": reporter.test_metric + "@final"}
    return Trajectory(columns, protocol, stopped)


def _to_columns(rows: list[tuple]) -> dict[str, np.ndarray]:
    int_cols = {"queries", "arch", "incumbent"}
    if not rows:
        return {k: np.empty(0, dtype=np.int64 if k in int_cols else np.float64) for k in TRAJECTORY_COLUMNS}
    cols = list(zip(*rows))
    return {
        k: np.asarray(c, dtype=np.int64 if k in int_cols else np.float64) for k, c in zip(TRAJECTORY_COLUMNS, cols)
    }
