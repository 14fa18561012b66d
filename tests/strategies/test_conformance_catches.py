"""The conformance checks can fail: each deliberately broken toy strategy below is caught.

Every toy is a small, realistic mistake (a lenient tell, a registry table that drifted from
the constructor, a hand-written ``hyperparameters`` dict, decision vectors decoded without the
space's repair, ids of the wrong space, a bogus promotion); each test runs the same check that
tests/strategies/test_conformance.py runs on the registered strategies and expects
:class:`~strategies.conformance.ConformanceError`. A well-behaved control passes each check.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest

import nasbench
from strategies import conformance
from strategies.base import Strategy, StrategySpec, Trial
from strategies.conformance import ConformanceError
from strategies.evolution import RegularizedEvolution
from strategies.random_search import RandomSearch
from strategies.registry import register, unregister
from strategies.runner import RunSpec, run_one
from tests.strategies.conftest import SUBSET

HERE = "tests.strategies.test_conformance_catches"


def spec(cls_name: str, factory: str = "", **kw) -> StrategySpec:
    return StrategySpec(name=f"toy-{cls_name}", factory=factory or f"{HERE}:{cls_name}", description="a toy", **kw)


# ----- a tell that accepts anything --------------------------------------------------------------
class LenientTell(RandomSearch):
    """The old contract: any tell counts, asked or not, once or twice."""

    name = "toy-lenient"

    def tell(self, trial, value=None, *, state=None):
        value = math.nan if value is None else float(value)
        self.n_told += 1
        if not math.isnan(value) and value > self._best_value:
            self._best_value, self._best_arch = value, trial.arch
        self._observe(trial, value)


def test_a_strategy_that_accepts_an_unasked_trial_is_caught(load_bench):
    bench = load_bench("nbgraph/cora")
    with pytest.raises(ConformanceError, match="accepted a trial told twice"):
        conformance.check_contract(spec("LenientTell"), bench)
    conformance.check_contract(spec("RandomSearch", factory="strategies.random_search:RandomSearch"), bench)


class ForgetsUnasked(RandomSearch):
    """Refuses repeated tells but takes a never-asked trial as a result (a new incumbent)."""

    name = "toy-forgets-unasked"

    def tell(self, trial, value=None, *, state=None):
        if trial.trial_id in self._asked or trial.trial_id in self._told:
            return super().tell(trial, value, state=state)
        self._best_value, self._best_arch = float(value), trial.arch  # the bug: an unasked incumbent


def test_a_strategy_whose_unasked_tell_makes_an_incumbent_is_caught(load_bench):
    with pytest.raises(ConformanceError, match="accepted a trial never asked"):
        conformance.check_contract(spec("ForgetsUnasked"), load_bench("nbgraph/cora"))


# ----- hyperparameters from more than one source ---------------------------------------------------
@dataclass
class HandWrittenSpec(StrategySpec):
    """A registry entry with its own defaults table (the second source of truth)."""

    written: dict = field(default_factory=dict)

    @property
    def defaults(self) -> dict:
        return self.written


def test_a_registry_default_that_differs_from_the_signature_is_caught(load_bench):
    drifted = HandWrittenSpec("toy-re", "strategies.evolution:RegularizedEvolution", "re, hand-written defaults",
                              written={"population_size": 20, "sample_size": 3})  # the signature says 10
    with pytest.raises(ConformanceError, match=r"registry defaults .*'population_size': 20.* differ from the "
                                               r"constructor signature's .*'population_size': 10"):
        conformance.check_hyperparameters(drifted, load_bench("nbgraph/cora"))


class StaleReport(RegularizedEvolution):
    """Reports a hand-maintained dict that drifted from its constructor."""

    name = "toy-stale-report"

    @property
    def hyperparameters(self) -> dict:
        return {"population_size": 20, "sample_size": 3}


class HiddenDefaults(RegularizedEvolution):
    """Defaults buried in the body: the signature cannot say them."""

    name = "toy-hidden-defaults"

    def __init__(self, space, *, rng, **hyperparameters):
        super().__init__(space, rng=rng, population_size=hyperparameters.get("population_size", 10),
                         sample_size=hyperparameters.get("sample_size", 3))


def test_a_strategy_reporting_other_hyperparameters_than_its_signature_is_caught(load_bench):
    bench = load_bench("nbgraph/cora")
    with pytest.raises(ConformanceError, match=r"reports hyperparameters .*'population_size': 20.* its signature .* says "
                                               r".*'population_size': 10"):
        conformance.check_hyperparameters(spec("StaleReport"), bench)
    with pytest.raises(ConformanceError, match=r"hides its defaults.*\*\*hyperparameters"):
        conformance.check_hyperparameters(spec("HiddenDefaults"), bench)


def test_a_result_file_recording_other_hyperparameters_is_caught():
    toy = spec("StaleReport")
    register(toy)
    try:
        traj = run_one(RunSpec("nbgraph/cora", toy.name, seed=0, budget="3q"))
    finally:
        unregister(toy.name)
    with pytest.raises(ConformanceError, match="result records hyperparameters"):
        conformance.check_recorded_hyperparameters(toy, traj.protocol)
    good = run_one(RunSpec("nbgraph/cora", "re", seed=0, budget="3q"))
    conformance.check_recorded_hyperparameters("re", good.protocol)


# ----- proposals outside the space -----------------------------------------------------------------
class DecodesItself(Strategy):
    """Mutation over decision vectors decoded with ``space.from_decisions``, no repair: each step
    sets one operation of the last proposal to ``skip`` (as a search drawn to skip-heavy cells),
    so it soon asks for NB-Graph's all-skip cell, which names no architecture."""

    name = "toy-decodes-itself"

    def __init__(self, space, *, rng):
        super().__init__(space, rng=rng)
        self._last = None

    def _propose(self) -> int:
        if self._last is None:
            self._last = self.space.sample(self.rng)
            return self._last
        dec = self.space.to_decisions([self._last])[0]
        ops = getattr(self.space, "ops", ())
        if "skip" in ops:
            dec[3 + int(self.rng.integers(4))] = ops.index("skip")
        else:
            dec[int(self.rng.integers(len(dec)))] = int(self.rng.integers(self.space.decision_sizes[0]))
        self._last = int(self.space.from_decisions(dec[None, :])[0])  # the bug: no repair
        return self._last


def test_a_strategy_that_proposes_an_invalid_architecture_is_caught(load_bench):
    for bench_name in ("nbgraph/proteins", SUBSET):
        with pytest.raises(ConformanceError, match=r"proposed an architecture outside .*(all four operations are "
                                                   r"'skip'|not in this table's subset)"):
            conformance.check_valid_proposals(spec("DecodesItself"), load_bench(bench_name), "60q")
    conformance.check_valid_proposals(spec("DecodesItself"), load_bench("nb201/cifar10"), "60q")  # no invalid cells


class OriginalIds(RandomSearch):
    """On a user table, proposes ids of the *original* space (valid there, not in the table)."""

    name = "toy-original-ids"

    def _propose(self) -> int:
        space = getattr(self.space, "base", self.space)
        return int(self.rng.integers(space.size))


class SkipsTheChecks(RandomSearch):
    """Overrides ask itself and hands out ids past the end of the space."""

    name = "toy-skips-the-checks"

    def ask(self) -> Trial:
        return self.new_trial(self.space.size + int(self.rng.integers(10)))


def test_proposals_outside_a_subset_or_past_the_space_are_caught(load_bench):
    with pytest.raises(ConformanceError, match=r"proposed an architecture outside 'user:conformance-subset'"):
        conformance.check_valid_proposals(spec("OriginalIds"), load_bench(SUBSET), "20q")
    with pytest.raises(ConformanceError, match="is outside space"):
        conformance.check_valid_proposals(spec("SkipsTheChecks"), load_bench("nbgraph/cora"), "5q")


class SamePromotion(RandomSearch):
    """Asks a told trial id again at the same fidelity (not a promotion)."""

    name = "toy-same-promotion"

    def _propose(self):
        if self._told:
            old = next(iter(self._told.values()))
            return Trial(old.arch, old.fidelity, old.trial_id)
        return super()._propose()


def test_a_repeated_trial_id_that_is_no_promotion_is_caught(load_bench):
    with pytest.raises(ConformanceError, match="asking a told trial id again is a promotion"):
        conformance.check_valid_proposals(spec("SamePromotion"), load_bench("nbgraph/cora"), "5q")


def test_the_registered_strategies_pass_the_same_checks(load_bench):
    """Control: what the toys fail, a registered strategy passes (the full sweep is in test_conformance)."""
    for bench_name in ("nbgraph/proteins", SUBSET):
        conformance.check_valid_proposals("nsga2", load_bench(bench_name), "150q")
    conformance.check_hyperparameters("re", load_bench("nbgraph/cora"))
    conformance.check_contract("re", nasbench.load("nbgraph/cora"))
