"""The multi-objective search loop with an anytime hypervolume trajectory.

``run_mo_search(strategy, evaluator, budget, workers=1, reporter=None)`` drives a
:class:`~strategies.multiobjective.MOStrategy` against a
:class:`~nasbench.evaluator.MultiObjectiveEvaluator` on the same simulated clock as
:func:`strategies.loop.run_search` (the shared :class:`~strategies.loop.Simulation`; budgets and
workers mean the same). The strategy is told the objective vector oriented "higher is better".

Each row (one finished trial) records the trial's raw objectives (``obj0`` = the search signal,
``obj1``... as declared), the size of the strategy's Pareto set (``recommend()``, chosen on the
search signal) and, after the fact (:class:`MOReporter`), the hypervolume of that set with its
first objective replaced by the final validation (``hv_valid``) or final test value
(``hv_test``), and the regret against the table's true front, computed exhaustively:
``hv_*_regret = hv(true front) - hv(attained)``.

Hypervolume space: every objective is turned into minimisation and normalised to [0, 1] by
its minimum and maximum over the whole table (final fidelity, mean over replicates for the
reported accuracy); the reference point is (1, ..., 1): the table's worst value of each
objective. So hv lies in [0, 1] and is comparable across devices.

For compatibility with the scalar reports the trajectory also has ``incumbent`` columns: the
member of the Pareto set with the best search signal (the accuracy end of the front).
"""
from __future__ import annotations

import math

import numpy as np

from nasbench.benchmark import Benchmark
from nasbench.evaluator import MultiObjectiveEvaluator, Reporter
from strategies.base import TrialState
from strategies.loop import TRAJECTORY_COLUMNS, Budget, Simulation, Trajectory, result_state, strategy_protocol
from strategies.pareto import hypervolume, normalise, pareto_front, to_minimisation

MO_EXTRA_COLUMNS = ("front_size", "hv_valid", "hv_test", "hv_valid_regret", "hv_test_regret")


class MOReporter:
    """Reported objectives (after the fact) and the table's true Pareto fronts.

    ``valid`` / ``test``: ``[n_archs, k]`` raw objective matrices with the first objective replaced
    by the final validation / test value (highest fidelity, mean over replicates).
    """

    _cache: dict = {}

    def __init__(self, benchmark: Benchmark, evaluator: MultiObjectiveEvaluator,
                 valid_metric: str = "valid_acc", test_metric: str = "test_acc"):
        self.scalar = Reporter(benchmark, valid_metric, test_metric)
        self.senses = evaluator.senses
        table = benchmark.table
        key = (benchmark.name, str(table.path) if hasattr(table, "path") else id(table),
               evaluator.objective_names[1:], self.senses, valid_metric, test_metric)
        others = [table.vector(m).astype(np.float64) for m in evaluator.objective_names[1:]]
        self.valid = np.stack([self.scalar.valid.astype(np.float64), *others], axis=1)
        self.test = np.stack([self.scalar.test.astype(np.float64), *others], axis=1)
        if key not in self._cache:
            self._cache[key] = {split: self._true(getattr(self, split)) for split in ("valid", "test")}
        self.true = self._cache[key]  # split -> (normalised minimisation matrix, front ids, hv)

    def _true(self, raw: np.ndarray):
        F = to_minimisation(raw, self.senses)
        ok = ~np.isnan(F).any(axis=1)
        if not ok.any():
            return F, np.empty(0, dtype=np.int64), math.nan
        Fn = normalise(F, np.nanmin(F[ok], axis=0), np.nanmax(F[ok], axis=0))
        front = pareto_front(Fn)
        return Fn, front, hypervolume(Fn[front], np.ones(F.shape[1]))

    def true_front(self, split: str = "valid") -> np.ndarray:
        """Architecture ids of the table's true Pareto front (``split``: valid or test)."""
        return self.true[split][1]

    def hv(self, archs, split: str) -> float:
        """Normalised hypervolume of ``archs`` with the reported objectives of ``split``."""
        if len(archs) == 0:
            return 0.0
        Fn = self.true[split][0]
        return hypervolume(Fn[np.asarray(archs, dtype=np.int64)], np.ones(Fn.shape[1]))


def run_mo_search(strategy, evaluator: MultiObjectiveEvaluator, budget: Budget | str, workers: int = 1,
                  reporter: MOReporter | None = None) -> Trajectory:
    """Drive a multi-objective ``strategy`` until ``budget`` is spent (see module docstring)."""
    if not isinstance(evaluator, MultiObjectiveEvaluator):
        raise TypeError("run_mo_search needs a MultiObjectiveEvaluator (use run_search for a scalar evaluator)")
    budget = Budget.parse(budget)
    reporter = reporter or MOReporter(evaluator.benchmark, evaluator)
    k = len(evaluator.senses)
    hv_true = {s: reporter.true[s][2] for s in ("valid", "test")}
    best_signal: dict[int, float] = {}
    rows: list[tuple] = []
    sim = Simulation(strategy, evaluator, budget, workers)
    last_set: tuple = ()
    hv_v = hv_t = 0.0
    states: dict[TrialState, int] = {}
    for now, finished, trial, result in sim:
        values = result.values
        state = result_state(evaluator, trial, result)
        if state is TrialState.COMPLETED and not np.isfinite(values).all():
            state = TrialState.FAILED  # an objective the table lacks for this architecture
        states[state] = states.get(state, 0) + 1
        strategy.tell(trial, evaluator.oriented(values) if state is TrialState.COMPLETED else None, state=state)
        value = result.value
        if not math.isnan(value) and value > best_signal.get(trial.arch, -math.inf):
            best_signal[trial.arch] = value
        pareto = tuple(strategy.recommend())
        if pareto != last_set:
            hv_v, hv_t = reporter.hv(pareto, "valid"), reporter.hv(pareto, "test")
            last_set = pareto
        if pareto:
            inc = max(pareto, key=lambda a: (best_signal.get(a, -math.inf), -a))
            inc_signal = best_signal.get(inc, math.nan)
            inc_valid, inc_test = reporter.scalar.final(inc)
        else:
            inc, inc_signal, inc_valid, inc_test = -1, math.nan, math.nan, math.nan
        rows.append((
            now, finished, trial.arch, result.fidelity, value, result.cost,
            inc, inc_signal, inc_valid, inc_test,
            reporter.scalar.best_valid - inc_valid, reporter.scalar.best_test - inc_test,
            *values, len(pareto), hv_v, hv_t, hv_true["valid"] - hv_v, hv_true["test"] - hv_t,
        ))
    names = (*TRAJECTORY_COLUMNS, *(f"obj{j}" for j in range(k)), *MO_EXTRA_COLUMNS)
    int_cols = {"queries", "arch", "incumbent", "front_size"}
    if rows:
        columns = {n: np.asarray(c, dtype=np.int64 if n in int_cols else np.float64) for n, c in zip(names, zip(*rows))}
    else:
        columns = {n: np.empty(0, dtype=np.int64 if n in int_cols else np.float64) for n in names}
    protocol = {**evaluator.describe(), "budget": str(budget), "workers": workers,
                **strategy_protocol(strategy, states),
                "report_valid": reporter.scalar.valid_metric + "@final",
                "report_test": reporter.scalar.test_metric + "@final",
                "hypervolume": "objectives minimised, normalised to [0, 1] by the table's range; reference (1, ..., 1)",
                "true_front_size": {s: int(len(reporter.true[s][1])) for s in ("valid", "test")},
                "true_hv": hv_true,
                "pareto_set": [int(a) for a in last_set]}
    return Trajectory(columns, protocol, sim.stopped)
