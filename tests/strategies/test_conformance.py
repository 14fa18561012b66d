"""The strategy conformance suite: every registered strategy passes every check here.

Multi-objective strategies (``StrategySpec.objectives == "multi"``) run the same checks through
their own path: a MultiObjectiveEvaluator (signal + the table's ``latency``) and run_mo_search.
Add checks here rather than beside a single strategy. A strategy whose optional extra is not
installed is skipped with the reason.
"""
from __future__ import annotations

import dataclasses
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import nasbench
from nasbench.evaluator import EvalResult, Evaluator, MultiObjectiveEvaluator
from strategies import make_strategy, run_search, strategy_names
from strategies.registry import extra_available, get_spec, strategy_class
from strategies.moloop import run_mo_search
from strategies.runner import RunSpec, run_one
from tests.toy import toy_benchmark

ALL = strategy_names()
BENCHES = ("nbgraph/cora", "nb201/cifar10")


@pytest.fixture(params=ALL)
def name(request) -> str:
    spec = get_spec(request.param)
    if not extra_available(spec):
        pytest.skip(f"strategy '{spec.name}' needs the optional package '{spec.requires}'")
    return request.param


def _run(bench, name, budget, seed=0, workers=1, evaluator_cls=Evaluator):
    extra = {"fidelities": tuple(bench.table.fidelities.tolist())} if getattr(strategy_class(name), "needs_fidelities", False) else {}
    strategy = make_strategy(name, bench.space, rng=np.random.default_rng(seed), **extra)
    if get_spec(name).objectives == "multi":
        signal = str(Evaluator(bench, rng=np.random.default_rng(0)).signal)
        evaluator = _MO_VARIANT[evaluator_cls](bench, rng=np.random.default_rng(seed + 10_000),
                                               objectives=[(signal, "max"), ("latency", "min")])
        traj = run_mo_search(strategy, evaluator, budget, workers=workers)
        assert isinstance(strategy.recommend(), list)
        succeeded = set(traj["arch"][~np.isnan(traj["value"])].tolist())
        assert set(traj.protocol["pareto_set"]) <= succeeded
        return traj, evaluator
    evaluator = evaluator_cls(bench, rng=np.random.default_rng(seed + 10_000))
    return run_search(strategy, evaluator, budget, workers=workers), evaluator


@pytest.mark.parametrize("bench_name", BENCHES)
def test_proposes_only_valid_architectures(name, bench_name):
    bench = nasbench.load(bench_name)
    traj, ev = _run(bench, name, "40q")
    archs = np.array([h[0] for h in ev.history])
    bench.space.check_ids(archs)
    assert set(np.array([h[1] for h in ev.history])) <= set(bench.table.fidelities.tolist())


@pytest.mark.parametrize("workers", [1, 4])
def test_honours_query_budget_exactly(name, workers):
    traj, ev = _run(nasbench.load("nbgraph/cora"), name, "30q", workers=workers)
    assert len(traj) == 30 and ev.n_queries == 30


@pytest.mark.parametrize("workers", [1, 4])
def test_honours_time_budget(name, workers, tmp_path):
    bench = toy_benchmark(tmp_path)
    traj, _ = _run(bench, name, "95s", workers=workers)
    assert len(traj) > 0 and traj["time"][-1] <= 95
    assert np.all(np.diff(traj["time"]) >= 0)
    if workers == 1:  # one trainer: finish times are the running sum of the charged costs
        np.testing.assert_allclose(traj["time"], np.cumsum(traj["cost"]))


def test_same_seed_same_trajectory_different_seed_different(name):
    bench = nasbench.load("nbgraph/cora")
    a, _ = _run(bench, name, "25q", seed=3)
    b, _ = _run(bench, name, "25q", seed=3)
    c, _ = _run(bench, name, "25q", seed=4)
    assert a.equals(b)
    if get_spec(name).seed_independent:  # deterministic by design: the seed changes nothing
        assert np.array_equal(a["arch"], c["arch"])
    else:
        assert not np.array_equal(a["arch"], c["arch"])


@pytest.fixture(scope="module")
def spawn_pool():
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def test_same_trajectory_in_a_spawned_process(name, spawn_pool):
    spec = RunSpec("nb201/cifar10", name, seed=11, budget="3000s", workers=2)
    here = run_one(spec)
    there = spawn_pool.submit(run_one, spec).result(timeout=300)
    assert here.equals(there)


class _Flaky:
    """Every third query fails (NaN), as a crashed or diverged training would."""

    def evaluate(self, arch, fidelity=None, trial_id=None) -> EvalResult:
        result = super().evaluate(arch, fidelity, trial_id)
        if self.n_queries % 3 == 0:
            return dataclasses.replace(result, value=math.nan)
        return result


class FlakyEvaluator(_Flaky, Evaluator):
    pass


class FlakyMOEvaluator(_Flaky, MultiObjectiveEvaluator):
    pass


_MO_VARIANT = {Evaluator: MultiObjectiveEvaluator, FlakyEvaluator: FlakyMOEvaluator}


@pytest.mark.parametrize("workers", [1, 4])
def test_tolerates_failed_trials(name, workers):
    bench = nasbench.load("nbgraph/cora")
    traj, _ = _run(bench, name, "45q", workers=workers, evaluator_cls=FlakyEvaluator)
    assert len(traj) == 45 and np.isnan(traj["value"]).sum() >= 10
    succeeded = set(traj["arch"][~np.isnan(traj["value"])].tolist())
    assert set(traj["incumbent"][traj["incumbent"] >= 0].tolist()) <= succeeded


@pytest.mark.parametrize("workers", [1, 4])
def test_finishes_on_an_exhausted_finite_space(name, workers, tmp_path):
    bench = toy_benchmark(tmp_path)  # 20 architectures
    traj, _ = _run(bench, name, "60q", workers=workers)
    assert traj.stopped == "exhausted" or len(traj) == 60
    if traj.stopped == "exhausted":
        assert len(set(traj["arch"].tolist())) == len(traj) <= bench.space.size


def test_registry_unknown_name_lists_known():
    from nasbench.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="known: .*'rs'"):
        make_strategy("simulated-annealing-9000", nasbench.load("nbgraph/cora").space, rng=np.random.default_rng(0))


def test_unknown_hyperparameter_is_a_clear_error():
    from strategies.base import StrategyError

    with pytest.raises(StrategyError, match="has no hyperparameter 'populaton'"):
        make_strategy("rs", nasbench.load("nbgraph/cora").space, rng=np.random.default_rng(0), populaton=3)


def test_rng_must_be_a_generator():
    with pytest.raises(TypeError, match="Generator"):
        make_strategy("rs", nasbench.load("nbgraph/cora").space, rng=42)


def _available_strategies() -> list[str]:
    return [n for n in ALL if extra_available(get_spec(n))]


@pytest.mark.parametrize("executor", ["local", "ray"])
def test_every_strategy_identical_under_each_executor(executor):
    """One job per registered strategy through the executor equals the in-process run, bit for bit."""
    from nasbench.executors import Job, execute, ray_available

    if executor == "ray" and not ray_available():
        pytest.skip("ray is an optional extra (pip install 'nasbench-harness[ray]'); not installed")
    specs = [RunSpec("nb201/cifar10", n, seed=5, budget="2500s", workers=2) for n in _available_strategies()]
    if executor == "ray":
        import ray

        ray.init(num_cpus=2, include_dashboard=False, logging_level="warning")
    try:
        results = {r.index: r for r in execute([Job(run_one, s) for s in specs], executor, workers=2)}
    finally:
        if executor == "ray":
            ray.shutdown()
    for i, spec in enumerate(specs):
        assert results[i].ok, results[i].error
        assert results[i].value.equals(run_one(spec)), spec.strategy
