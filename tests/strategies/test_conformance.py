"""The strategy conformance suite: every registered strategy passes every check, on every kind
of space.

The checks themselves are reusable functions in :mod:`strategies.conformance`; this module runs
them over the registry and every kind of space (tests/strategies/conftest.py: nb201,
nbgraph (Cora), nbgraph-proteins, a 40-architecture ``user:`` subset table whose signal
pushes strategies towards vectors that name no architecture, nbmacro, the nb101 subset table
and the nb301 surrogate's DARTS space, which ``grid`` must refuse).
test_conformance_catches.py shows that the checks fail on deliberately broken strategies.
Add checks to strategies/conformance.py rather than beside a single strategy. A strategy whose
optional extra is not installed is skipped with the reason.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import nasbench
from nasbench.errors import UnenumerableSpaceError
from strategies import conformance, make_strategy, strategy_names
from strategies.registry import extra_available, get_spec
from strategies.runner import RunSpec, run_one
from tests.strategies.conftest import BENCHES, SUBSET
from tests.toy import toy_benchmark

ALL = strategy_names()
#: cheaper settings for the model-based strategies in long runs (they fit a model every k
#: queries; the mutation and model-sampling paths are the same at any setting)
FAST = {"bananas": {"epochs": 20, "num_ensemble": 2}, "npenas": {"k": 25}, "bo-gp": {"k": 5}}
#: strategies that generate decision vectors (mutation, crossover, model sampling, policies)
DECISION_VECTORS = {"bananas", "bo-gp", "npenas", "bohb", "nsga2", "reinforce", "rl-controller",
                    "optuna-tpe", "optuna-random"}


@pytest.fixture(params=ALL)
def name(request) -> str:
    spec = get_spec(request.param)
    if not extra_available(spec):
        pytest.skip(f"strategy '{spec.name}' needs the optional package '{spec.requires}'")
    return request.param


def _budget(name: str) -> str:
    """Long enough for mutation, crossover and model sampling: 150 queries (60 for the
    strategies that fit a neural or GP model, which still fit it at least twice)."""
    return "60q" if name in FAST else "150q"


def _refuses(name: str, bench) -> bool:
    """What a space that cannot be enumerated refuses, with a typed error, tested as such: an
    exhaustive strategy (grid), and multi-objective search (its hypervolume needs the table's range)."""
    if bench.space.enumerable:
        return False
    if name == "grid":
        with pytest.raises(UnenumerableSpaceError, match="cannot be enumerated"):
            conformance.build(name, bench)
        return True
    if get_spec(name).objectives == "multi":
        with pytest.raises(UnenumerableSpaceError, match="multi-objective search .* needs every architecture"):
            conformance.run(name, bench, "3q")
        return True
    return False


# ----- on every space --------------------------------------------------------------------------
@pytest.mark.parametrize("bench_name", BENCHES)
def test_proposes_only_architectures_of_the_space(name, bench_name, load_bench):
    bench = load_bench(bench_name)
    if _refuses(name, bench):
        return
    traj = conformance.check_valid_proposals(name, bench, _budget(name), **FAST.get(name, {}))
    assert len(traj) > 0
    if bench_name == SUBSET and name in DECISION_VECTORS:
        # the repair path really ran: vectors outside the 40-architecture table were mapped to members
        assert traj.protocol["invalid_draws"] > 0, name


@pytest.mark.parametrize("bench_name", BENCHES)
def test_ask_tell_contract(name, bench_name, load_bench):
    bench = load_bench(bench_name)
    if not _refuses(name, bench):
        conformance.check_contract(name, bench)


def test_hyperparameters_have_one_source(name, load_bench):
    conformance.check_hyperparameters(name, load_bench("nb201/cifar10"))
    conformance.check_declared_attributes(name, load_bench("nbgraph/cora"))


def _int_override(name: str) -> dict:
    """The first integer hyperparameter, one above its default (a non-default to record)."""
    for key, default in get_spec(name).defaults.items():
        if isinstance(default, int) and not isinstance(default, bool):
            return {key: default + 1}
    return {}


@pytest.mark.parametrize("override", [False, True], ids=["defaults", "override"])
def test_result_file_records_the_registry_and_signature_hyperparameters(name, override, tmp_path):
    from reproduce.store.results import read_run, write_result

    hps = _int_override(name) if override else {}
    spec = RunSpec("nbgraph/proteins", name, seed=0, budget="3q", hyperparameters=hps)
    path = write_result(tmp_path, spec, run_one(spec))
    _, traj = read_run(path)  # what the result file holds
    conformance.check_recorded_hyperparameters(name, traj.protocol, hps, nasbench.load("nbgraph/proteins"))


# ----- budgets, determinism, failures ----------------------------------------------------------
@pytest.mark.parametrize("workers", [1, 4])
def test_honours_query_budget_exactly(name, workers):
    conformance.check_query_budget(name, nasbench.load("nbgraph/cora"), 30, workers=workers, **FAST.get(name, {}))


@pytest.mark.parametrize("workers", [1, 4])
def test_honours_time_budget(name, workers, tmp_path):
    conformance.check_time_budget(name, toy_benchmark(tmp_path), 95, workers=workers)


def test_same_seed_same_trajectory_different_seed_different(name):
    conformance.check_deterministic(name, nasbench.load("nbgraph/cora"), "25q", **FAST.get(name, {}))


@pytest.mark.parametrize("workers", [1, 4])
def test_tolerates_failed_trials(name, workers):
    conformance.check_tolerates_failures(name, nasbench.load("nbgraph/cora"), 45, workers=workers,
                                         **FAST.get(name, {}))


@pytest.mark.parametrize("workers", [1, 4])
def test_finishes_on_an_exhausted_finite_space(name, workers, tmp_path):
    conformance.check_exhausts_a_finite_space(name, toy_benchmark(tmp_path), 60, workers=workers)


@pytest.fixture(scope="module")
def spawn_pool():
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def test_same_trajectory_in_a_spawned_process(name, spawn_pool):
    spec = RunSpec("nb201/cifar10", name, seed=11, budget="3000s", workers=2, hyperparameters=FAST.get(name, {}))
    here = run_one(spec)
    there = spawn_pool.submit(run_one, spec).result(timeout=300)
    assert here.equals(there)


# ----- the registry ---------------------------------------------------------------------------
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


@pytest.mark.parametrize("executor", ["local", pytest.param("ray", marks=pytest.mark.slow)])
def test_every_strategy_identical_under_each_executor(executor):
    """One job per registered strategy through the executor equals the in-process run, bit for bit."""
    from nasbench.executors import Job, execute, ray_available

    if executor == "ray" and not ray_available():
        pytest.skip("ray is an optional extra (pip install 'nasbench-harness[ray]'); not installed")
    specs = [RunSpec("nb201/cifar10", n, seed=5, budget="1500s", workers=2, hyperparameters=FAST.get(n, {}))
             for n in _available_strategies()]
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
