"""The strategy conformance suite as reusable checks (as Optuna ships its sampler tests).

Each ``check_*`` function exercises one rule of the strategy contract (strategies/base.py)
and raises :class:`ConformanceError` (an ``AssertionError``) with a message naming the
strategy, the benchmark and what went wrong; it returns quietly when the strategy conforms.
They take a :class:`~strategies.base.StrategySpec` (or a registered name), so a strategy can be
checked before it is registered::

    from strategies.base import StrategySpec
    from strategies import conformance

    spec = StrategySpec("mine", "mypackage.mine:MyStrategy", "my strategy")
    for check in conformance.SPACE_CHECKS:
        check(spec, nasbench.load("nbgraph/proteins"))

The project's own suite (tests/strategies/test_conformance.py) runs every check on every
registered strategy and on every kind of space; tests/strategies/test_conformance_catches.py
shows that the checks fail on deliberately broken strategies. Nothing here imports pytest.

Multi-objective strategies (``spec.objectives == "multi"``) are driven through a
MultiObjectiveEvaluator (signal + the table's ``latency``, or ``params`` when it has no
latency) and :func:`strategies.moloop.run_mo_search`; multi-fidelity ones
(``needs_fidelities``) get the table's fidelities, as the runner gives them.
"""
from __future__ import annotations

import dataclasses
import json
import math

import numpy as np

from nasbench.benchmark import Benchmark
from nasbench.errors import InvalidArchitectureError, NasbenchError
from nasbench.evaluator import EvalResult, Evaluator, MultiObjectiveEvaluator
from strategies.base import Strategy, StrategySpec, Trial, TrialContractError, TrialState
from strategies.loop import Trajectory, run_search
from strategies.registry import get_spec

__all__ = [
    "ConformanceError",
    "FlakyEvaluator",
    "build",
    "check_batched_matches",
    "check_contract",
    "check_declared_attributes",
    "check_deterministic",
    "check_exhausts_a_finite_space",
    "check_hyperparameters",
    "check_query_budget",
    "check_recorded_hyperparameters",
    "check_time_budget",
    "check_tolerates_failures",
    "check_valid_proposals",
    "run",
]


class ConformanceError(AssertionError):
    """A strategy broke a rule of the contract; the message says which and how."""


def _spec(spec: StrategySpec | str) -> StrategySpec:
    return get_spec(spec) if isinstance(spec, str) else spec


def _fail(spec: StrategySpec, what: str) -> ConformanceError:
    return ConformanceError(f"strategy '{spec.name}' ({spec.factory}): {what}")


def injected(spec: StrategySpec | str, bench: Benchmark | None) -> dict:
    """What the runner adds to the hyperparameters: the table's fidelities for strategies
    with ``needs_fidelities``."""
    spec = _spec(spec)
    if bench is None or not spec.factory_class().needs_fidelities:
        return {}
    return {"fidelities": tuple(bench.table.fidelities.tolist())}


def build(spec: StrategySpec | str, space_or_bench, seed: int = 0, **hyperparameters) -> Strategy:
    """The strategy of ``spec`` on a space (or a benchmark: then with its fidelities injected,
    as :func:`strategies.runner.run_one` does), seeded with ``seed``."""
    spec = _spec(spec)
    bench = space_or_bench if isinstance(space_or_bench, Benchmark) else None
    space = bench.space if bench is not None else space_or_bench
    params = {**injected(spec, bench), **hyperparameters}
    return spec.factory_class()(space, rng=np.random.default_rng(seed), **params)


# ----- evaluators ------------------------------------------------------------------------------
class _Flaky:
    """Every third query fails (NaN), as a crashed or diverged training would."""

    def evaluate(self, arch, fidelity=None, trial_id=None) -> EvalResult:
        result = super().evaluate(arch, fidelity, trial_id)
        if self.n_queries % 3 == 0:
            return dataclasses.replace(result, value=math.nan)
        return result


class FlakyEvaluator(_Flaky, Evaluator):
    """An Evaluator whose every third query fails."""


class FlakyMOEvaluator(_Flaky, MultiObjectiveEvaluator):
    """A MultiObjectiveEvaluator whose every third query fails."""


class _Checked:
    """Refuses (InvalidArchitectureError) any query outside the space or the table's fidelities,
    whatever the strategy's own ``ask`` checked, and records every trial id's sequence."""

    def evaluate(self, arch, fidelity=None, trial_id=None):
        space = self.benchmark.space
        if isinstance(arch, (bool, np.bool_)) or not isinstance(arch, (int, np.integer)):
            raise InvalidArchitectureError(f"a query for {arch!r}, which is not an architecture id")
        space.check_id(arch)
        fids = set(self.benchmark.table.fidelities.tolist())
        if fidelity is not None and float(fidelity) not in fids:
            raise InvalidArchitectureError(f"a query at fidelity {fidelity}, not one of the table's {sorted(fids)}")
        self.by_trial.setdefault(trial_id, []).append((int(arch), fidelity))
        return super().evaluate(arch, fidelity, trial_id)


_MO = {Evaluator: MultiObjectiveEvaluator, FlakyEvaluator: FlakyMOEvaluator}


def _evaluator(spec: StrategySpec, bench: Benchmark, seed: int, evaluator_cls=Evaluator):
    multi = spec.objectives == "multi"
    base = _MO[evaluator_cls] if multi else evaluator_cls
    cls = type(f"Checked{base.__name__}", (_Checked, base), {})
    rng = np.random.default_rng(seed + 10_000)
    if multi:
        signal = str(Evaluator(bench, rng=np.random.default_rng(0)).signal)
        other = "latency" if "latency" in bench.table.metric_names else "params"
        ev = cls(bench, rng=rng, objectives=[(signal, "max"), (other, "min")])
    else:
        ev = cls(bench, rng=rng)
    ev.by_trial = {}
    return ev


def run(spec: StrategySpec | str, bench: Benchmark, budget: str, *, seed: int = 0, workers: int = 1,
        evaluator_cls=Evaluator, **hyperparameters) -> tuple[Trajectory, Evaluator, Strategy]:
    """Run ``spec`` on ``bench`` through the loop its kind uses (scalar or multi-objective),
    with an evaluator that refuses queries outside the space; (trajectory, evaluator, strategy)."""
    from strategies.moloop import run_mo_search

    spec = _spec(spec)
    strategy = build(spec, bench, seed, **hyperparameters)
    ev = _evaluator(spec, bench, seed, evaluator_cls)
    loop = run_mo_search if spec.objectives == "multi" else run_search
    return loop(strategy, ev, budget, workers=workers), ev, strategy


def _label(bench: Benchmark) -> str:
    return f"'{bench.name}' (space {bench.space.label})"


# ----- hyperparameters: one source of truth --------------------------------------------------
def _plain(value):
    """JSON-normalised value (tuples -> lists, numpy scalars -> Python), as a result file holds it."""
    return json.loads(json.dumps(value, default=lambda o: o.item() if hasattr(o, "item") else list(o)))


def check_hyperparameters(spec: StrategySpec | str, space_or_bench) -> None:
    """Defaults live once, in the constructor signature: the registry's ``spec.defaults`` equal
    the signature's, a strategy built with no arguments reports exactly them (plus what the
    runner injects), reporting survives a JSON round trip, and a strategy rebuilt from its
    reported hyperparameters reports the same ones (scikit-learn's clone test)."""
    spec = _spec(spec)
    cls = spec.factory_class()
    try:
        signature = cls.hyperparameter_defaults()
    except NasbenchError as exc:
        raise _fail(spec, f"its constructor hides its defaults: {exc}") from None
    if spec.defaults != signature:
        raise _fail(spec, f"registry defaults {spec.defaults} differ from the constructor signature's "
                          f"{signature}; write defaults only in the signature")
    bench = space_or_bench if isinstance(space_or_bench, Benchmark) else None
    strategy = build(spec, space_or_bench)
    expected = {**signature, **injected(spec, bench)}
    reported = strategy.hyperparameters
    if _plain(reported) != _plain(expected):
        raise _fail(spec, f"reports hyperparameters {reported}, but its signature (with what the runner "
                          f"injects) says {expected}")
    try:
        json.dumps(_plain(reported), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise _fail(spec, f"hyperparameters {reported} cannot be written to a result file: {exc}") from None
    clone = cls(strategy.space, rng=np.random.default_rng(0), **reported)
    if _plain(clone.hyperparameters) != _plain(reported):
        raise _fail(spec, f"rebuilt from its own hyperparameters {reported} it reports {clone.hyperparameters}")


def check_recorded_hyperparameters(spec: StrategySpec | str, protocol: dict, overrides: dict | None = None,
                                   bench: Benchmark | None = None) -> None:
    """What a result file records (``protocol["hyperparameters"]``) equals the registry's
    defaults overridden by the run's hyperparameters (and what the runner injects)."""
    spec = _spec(spec)
    expected = {**spec.defaults, **injected(spec, bench), **(overrides or {})}
    recorded = protocol.get("hyperparameters")
    if _plain(recorded) != _plain(expected):
        raise _fail(spec, f"a result records hyperparameters {recorded}; the registry and the run say {expected}")


# ----- the ask/tell contract -----------------------------------------------------------------
def _value(spec: StrategySpec, x: float):
    return (x, -x) if spec.objectives == "multi" else x


def _failed(spec: StrategySpec):
    return (math.nan, math.nan) if spec.objectives == "multi" else math.nan


def _expect_refusal(spec: StrategySpec, strategy: Strategy, trial, value, what: str) -> None:
    before = (strategy.recommend(), strategy.n_told)
    try:
        strategy.tell(trial, value)
    except TrialContractError as exc:
        if repr(trial) not in str(exc) and str(trial) not in str(exc):
            raise _fail(spec, f"refused {what} ({trial}) without echoing the trial: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any other error is not the typed contract error
        raise _fail(spec, f"{what} ({trial}) raised {type(exc).__name__} ({exc}), not TrialContractError") from None
    else:
        raise _fail(spec, f"accepted {what}: {trial}; a tell must match an outstanding ask exactly")
    if (strategy.recommend(), strategy.n_told) != before:
        raise _fail(spec, f"{what} ({trial}) was refused but changed the strategy (incumbent or count)")


def check_contract(spec: StrategySpec | str, space_or_bench, seed: int = 0) -> None:
    """ask/tell rules: a tell of a trial never asked, told twice, or altered (another
    architecture or fidelity) raises TrialContractError echoing the trial and changes nothing
    (above all, it is no new incumbent); every state can be told; NaN means failed; trial ids
    are unique across outstanding asks."""
    spec = _spec(spec)
    s = build(spec, space_or_bench, seed)
    size = s.space.size
    asked = [s.ask() for _ in range(3)]
    if len({t.trial_id for t in asked}) != len(asked):
        raise _fail(spec, f"outstanding asks share a trial id: {asked}")
    for t in asked:
        if not isinstance(t, Trial) or not 0 <= t.arch < size:
            raise _fail(spec, f"ask returned {t!r}, not a Trial of an architecture 0 .. {size - 1}")
    first, second, third = asked
    s.tell(first, _value(spec, 50.0))
    incumbent = s.recommend()
    _expect_refusal(spec, s, first, _value(spec, 99.0), "a trial told twice")
    never = Trial(second.arch, second.fidelity, 10**6 + first.trial_id)
    _expect_refusal(spec, s, never, _value(spec, 99.0), "a trial never asked")
    other_arch = Trial((second.arch + 1) % size, second.fidelity, second.trial_id)
    if size > 1:
        _expect_refusal(spec, s, other_arch, _value(spec, 99.0), "a trial whose architecture differs from its ask")
    other_fid = Trial(second.arch, 123456.0 if second.fidelity is None else None, second.trial_id)
    _expect_refusal(spec, s, other_fid, _value(spec, 99.0), "a trial whose fidelity differs from its ask")
    if s.recommend() != incumbent:
        raise _fail(spec, f"refused tells moved the incumbent from {incumbent} to {s.recommend()}")
    s.tell(second, _failed(spec))  # NaN: failed
    s.tell(third, state=TrialState.INFEASIBLE)
    if s.trial_states.get(second.trial_id) is not TrialState.FAILED:
        raise _fail(spec, f"a NaN value was recorded as {s.trial_states.get(second.trial_id)}, not failed")
    for state in (TrialState.PRUNED, "failed"):
        s.tell(s.ask(), state=state)
    if s.recommend() != incumbent:
        raise _fail(spec, f"trials told without a value moved the incumbent from {incumbent} to {s.recommend()}")


def check_declared_attributes(spec: StrategySpec | str, space_or_bench) -> None:
    """The attributes the loop and reports read are the base class's: ``needs_fidelities``
    (bool, on the class), ``invalid_draws`` (int), ``timings`` (list), ``trial_states`` (dict),
    ``details`` (dict)."""
    spec = _spec(spec)
    s = build(spec, space_or_bench)
    checks = [("needs_fidelities", bool), ("invalid_draws", int), ("timings", list), ("trial_states", dict),
              ("details", dict)]
    for attr, kind in checks:
        value = getattr(s, attr, None)
        if not isinstance(value, kind):
            raise _fail(spec, f"attribute '{attr}' is {value!r}, expected a {kind.__name__} (declared on Strategy)")


# ----- running on a benchmark ----------------------------------------------------------------
def check_valid_proposals(spec: StrategySpec | str, bench: Benchmark, budget: str = "60q", *, seed: int = 0,
                          workers: int = 1, **hyperparameters) -> Trajectory:
    """Every query is an architecture of the benchmark's space at one of its table's
    fidelities, and a trial id is evaluated again only as a promotion (same architecture,
    strictly higher fidelity). Run long enough for mutation, crossover and model sampling."""
    spec = _spec(spec)
    try:
        traj, ev, _ = run(spec, bench, budget, seed=seed, workers=workers, **hyperparameters)
    except (InvalidArchitectureError, TrialContractError) as exc:
        raise _fail(spec, f"proposed an architecture outside {_label(bench)} (seed {seed}): {exc}") from None
    for tid, seq in ev.by_trial.items():
        for (a0, f0), (a1, f1) in zip(seq, seq[1:]):
            if a1 != a0 or f0 is None or f1 is None or not f1 > f0:
                raise _fail(spec, f"trial id {tid} was evaluated as {seq}; a repeated trial id must be a "
                                  f"promotion (same architecture, strictly higher fidelity)")
    return traj


def check_query_budget(spec: StrategySpec | str, bench: Benchmark, budget: int = 30, *, workers: int = 1,
                       **hyperparameters) -> None:
    """A query budget evaluates and tells exactly that many trials."""
    spec = _spec(spec)
    traj, ev, _ = run(spec, bench, f"{budget}q", workers=workers, **hyperparameters)
    if not (len(traj) == budget and ev.n_queries == budget):
        raise _fail(spec, f"a {budget}q budget on {_label(bench)} with {workers} workers gave {len(traj)} rows "
                          f"and {ev.n_queries} queries")


def check_time_budget(spec: StrategySpec | str, bench: Benchmark, seconds: float = 95, *, workers: int = 1,
                      **hyperparameters) -> None:
    """A simulated-time budget: rows in time order, none after the budget; one worker's finish
    times are the running sum of the charged costs."""
    spec = _spec(spec)
    traj, _, _ = run(spec, bench, f"{seconds:g}s", workers=workers, **hyperparameters)
    if not (len(traj) > 0 and traj["time"][-1] <= seconds and np.all(np.diff(traj["time"]) >= 0)):
        raise _fail(spec, f"a {seconds:g}s budget gave times {traj['time'].tolist()}")
    if workers == 1 and not np.allclose(traj["time"], np.cumsum(traj["cost"])):
        raise _fail(spec, "with one worker the finish times are not the running sum of the costs")


def check_deterministic(spec: StrategySpec | str, bench: Benchmark, budget: str = "25q", **hyperparameters) -> None:
    """Same seed, same trajectory (bit for bit); another seed, other proposals (unless the
    spec says its proposals are seed-independent)."""
    spec = _spec(spec)
    a, _, _ = run(spec, bench, budget, seed=3, **hyperparameters)
    b, _, _ = run(spec, bench, budget, seed=3, **hyperparameters)
    c, _, _ = run(spec, bench, budget, seed=4, **hyperparameters)
    if not a.equals(b):
        raise _fail(spec, f"two runs with seed 3 on {_label(bench)} differ")
    same = np.array_equal(a["arch"], c["arch"])
    if spec.seed_independent and not same:
        raise _fail(spec, "declared seed_independent, but seeds 3 and 4 propose differently")
    if not spec.seed_independent and same:
        raise _fail(spec, "seeds 3 and 4 propose the same architectures (the seed is ignored)")


def check_tolerates_failures(spec: StrategySpec | str, bench: Benchmark, budget: int = 45, *, workers: int = 1,
                             **hyperparameters) -> None:
    """With every third query failing the run completes its budget, and every incumbent is
    an architecture that succeeded."""
    spec = _spec(spec)
    traj, _, _ = run(spec, bench, f"{budget}q", workers=workers, evaluator_cls=FlakyEvaluator, **hyperparameters)
    if not (len(traj) == budget and np.isnan(traj["value"]).sum() >= budget // 4):
        raise _fail(spec, f"with failing trials a {budget}q run gave {len(traj)} rows")
    succeeded = set(traj["arch"][~np.isnan(traj["value"])].tolist())
    incumbents = set(traj["incumbent"][traj["incumbent"] >= 0].tolist())
    if not incumbents <= succeeded:
        raise _fail(spec, f"incumbents {sorted(incumbents - succeeded)} never succeeded")
    if spec.objectives == "multi" and not set(traj.protocol["pareto_set"]) <= succeeded:
        raise _fail(spec, "its Pareto set holds architectures that never succeeded")


def check_exhausts_a_finite_space(spec: StrategySpec | str, bench: Benchmark, budget: int = 60, *,
                                  workers: int = 1, **hyperparameters) -> None:
    """On a space smaller than the budget the run either spends the budget or stops with the
    space exhausted, having evaluated each architecture once."""
    spec = _spec(spec)
    traj, _, _ = run(spec, bench, f"{budget}q", workers=workers, **hyperparameters)
    if traj.stopped == "exhausted":
        if not len(set(traj["arch"].tolist())) == len(traj) <= bench.space.size:
            raise _fail(spec, "stopped as exhausted but evaluated an architecture twice")
    elif len(traj) != budget:
        raise _fail(spec, f"stopped after {len(traj)} of {budget} queries without exhausting the space")


def check_batched_matches(spec: StrategySpec | str, bench: Benchmark, budget: str = "50q",
                          seeds: tuple = (0, 7, 123456), **hyperparameters) -> None:
    """The batched engine (:func:`strategies.batched.run_batched`) gives, seed by seed, the
    trajectory of the per-run loop (:func:`strategies.runner.run_one`, the reference): every
    column (values and dtypes, NaN equal to NaN), ``stopped``, and the protocol apart from the
    batched one's ``"engine": "batched"``. Where the loop refuses the configuration, the batched
    engine raises the same error type. ``spec`` is a registered name, or a StrategySpec run by
    its ``MODULE:CLASS`` factory."""
    from strategies.batched import run_batched
    from strategies.runner import RunSpec, run_one

    spec = _spec(spec)
    try:
        get_spec(spec.name)
        name = spec.name
    except NasbenchError:
        name = spec.factory
    specs = [RunSpec(bench.name, name, int(s), budget, hyperparameters=dict(hyperparameters)) for s in seeds]
    try:
        reference = [run_one(s) for s in specs]
    except NasbenchError as exc:
        try:
            run_batched(specs)
        except type(exc):
            return
        except Exception as other:  # noqa: BLE001 - reported below
            raise _fail(spec, f"on {_label(bench)} the loop raised {type(exc).__name__}, the batched engine "
                              f"{type(other).__name__}: {other}") from None
        raise _fail(spec, f"on {_label(bench)} the loop raised {type(exc).__name__} ({exc}); the batched "
                          "engine ran") from None
    batched = run_batched(specs)
    for run_spec, ref, got in zip(specs, reference, batched):
        where = f"on {_label(bench)}, budget {budget}, seed {run_spec.seed}"
        if got.protocol.get("engine") != "batched":
            raise _fail(spec, f"{where}: the batched protocol does not record engine 'batched'")
        protocol = {k: v for k, v in got.protocol.items() if k != "engine"}
        if protocol != ref.protocol:
            diff = {k: (ref.protocol.get(k), protocol.get(k)) for k in set(ref.protocol) | set(protocol)
                    if ref.protocol.get(k) != protocol.get(k)}
            raise _fail(spec, f"{where}: protocols differ (loop, batched): {diff}")
        if got.stopped != ref.stopped:
            raise _fail(spec, f"{where}: the loop stopped on '{ref.stopped}', the batched engine on '{got.stopped}'")
        if list(got.columns) != list(ref.columns):
            raise _fail(spec, f"{where}: columns {list(got.columns)} != {list(ref.columns)}")
        for key, col in ref.columns.items():
            other = got.columns[key]
            if other.dtype != col.dtype or not np.array_equal(col, other, equal_nan=True):
                n = min(len(col), len(other))
                bad = np.flatnonzero(~((col[:n] == other[:n]) | (np.isnan(col[:n].astype(float))
                                                                  & np.isnan(other[:n].astype(float)))))
                first = int(bad[0]) if len(bad) else n
                raise _fail(spec, f"{where}: column '{key}' differs ({len(col)} loop rows, {len(other)} batched, "
                                  f"dtypes {col.dtype}/{other.dtype}; first difference at row {first})")


#: checks that take (spec, space or benchmark)
SPACE_CHECKS = (check_hyperparameters, check_contract, check_declared_attributes, check_valid_proposals)
