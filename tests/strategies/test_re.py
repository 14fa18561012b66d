"""re: random start, tournament + one mutation, aging, failures dropped, async use, seeds."""
from __future__ import annotations

import math

import numpy as np
import pytest

from nasbench.spaces import get_space
from strategies import make_strategy
from strategies.base import StrategyError


@pytest.fixture(scope="module")
def space():
    return get_space("nb201")


def make(space, seed=0, **hp):
    return make_strategy("re", space, rng=np.random.default_rng(seed), **hp)


def toy_value(arch: int) -> float:
    return float((arch * 7919) % 1000)


def test_random_until_population_is_full_even_with_many_asks(space):
    s = make(space, population_size=10)
    first = [s.ask() for _ in range(25)]  # 25 workers start before any result is back
    archs = [t.arch for t in first]
    assert len(set(archs)) == 25  # distinct random architectures
    assert len({t.trial_id for t in first}) == 25
    for t in first[:9]:
        s.tell(t, toy_value(t.arch))
    assert len(s.population) == 9
    nxt = s.ask()  # still fewer than P results: random, not a neighbour of anyone
    assert nxt.arch not in archs


def test_after_population_every_proposal_is_one_mutation_of_a_member(space):
    s = make(space, population_size=10, sample_size=3)
    for _ in range(10):
        t = s.ask()
        s.tell(t, toy_value(t.arch))
    for _ in range(300):
        members = [a for a, _ in s.population]
        t = s.ask()
        assert any(t.arch in set(space.neighbors(m).tolist()) for m in members)
        s.tell(t, toy_value(t.arch))
        assert len(s.population) == 10


def test_full_tournament_parent_is_mostly_the_best_member(space):
    # with S = P (with replacement) the best member is in the sample with prob 1 - (1 - 1/P)^P
    s = make(space, population_size=5, sample_size=5)
    for _ in range(5):
        t = s.ask()
        s.tell(t, toy_value(t.arch))
    hits = 0
    for _ in range(400):
        best = max(s.population, key=lambda m: m[1])[0]
        t = s.ask()
        hits += t.arch in set(space.neighbors(best).tolist())
        s.tell(t, toy_value(t.arch))
    assert hits / 400 > 0.6  # 1 - 0.8^5 = 0.67 at least (ties and repeats only raise it)


def test_aging_removes_the_oldest_not_the_worst(space):
    s = make(space, population_size=4)
    told = []
    for i in range(10):
        t = s.ask()
        value = 100.0 - i  # every newcomer is worse than all before it
        s.tell(t, value)
        told.append((t.arch, value))
    assert list(s.population) == told[-4:]  # the best (oldest) ones died


def test_failed_results_never_enter_the_population(space):
    s = make(space, population_size=3)
    trials = [s.ask() for _ in range(3)]
    s.tell(trials[0], math.nan)
    s.tell(trials[1], None)
    assert len(s.population) == 0
    s.tell(trials[2], 50.0)
    for _ in range(2):
        t = s.ask()
        s.tell(t, 60.0)
    assert len(s.population) == 3
    before = list(s.population)
    t = s.ask()
    s.tell(t, math.nan)
    assert list(s.population) == before  # no one died for a failure
    assert s.recommend() is not None and not math.isnan(dict(before)[s.recommend()])


def test_asynchronous_results_in_any_order(space):
    s = make(space, population_size=10)
    rng = np.random.default_rng(5)
    running = [s.ask() for _ in range(8)]
    for _ in range(400):
        k = int(rng.integers(len(running)))
        t = running.pop(k)
        s.tell(t, toy_value(t.arch))
        running.append(s.ask())
        assert len(s.population) <= 10
    assert s.n_told == 400


def test_same_seed_same_proposals_other_seed_differs(space):
    def run(seed):
        s = make(space, seed)
        out = []
        for _ in range(60):
            t = s.ask()
            out.append(t.arch)
            s.tell(t, toy_value(t.arch))
        return out

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_finds_better_than_its_start_on_a_smooth_toy(space):
    target = space.to_decisions([123])[0]

    def value(arch):  # number of edges matching the target: one optimum, smooth
        return float((space.to_decisions([arch])[0] == target).sum())

    s = make(space, 1)
    vals = []
    for _ in range(200):
        t = s.ask()
        vals.append(value(t.arch))
        s.tell(t, vals[-1])
    assert max(vals[:10]) < 6 and s.recommend() == 123


@pytest.mark.parametrize(
    "hp, needle",
    [
        ({"population_size": 0}, "population_size must be an integer in 1 .. 15625.*got 0"),
        ({"population_size": 2.5}, "population_size must be an integer.*got 2.5"),
        ({"population_size": True}, "population_size must be an integer.*got True"),
        ({"population_size": 5, "sample_size": 6},
         "sample_size must be an integer in 1 .. 5.*sample_size <= population_size.*got 6"),
        ({"sample_size": 0}, "sample_size must be an integer in 1 .. 10.*got 0"),
    ],
)
def test_bad_hyperparameters_state_the_rule_and_value(space, hp, needle):
    with pytest.raises(StrategyError, match=needle):
        make(space, **hp)


def test_defaults_and_hyperparameters(space):
    assert make(space).hyperparameters == {"population_size": 10, "sample_size": 3}
