"""ls: best of a random sample, full neighbourhood scans, moves uphill, restarts at optima."""
from __future__ import annotations

import math

import numpy as np
import pytest

from nasbench.errors import SearchSpaceExhaustedError
from nasbench.spaces import get_space
from strategies import make_strategy
from strategies.base import StrategyError


@pytest.fixture(scope="module")
def space():
    return get_space("nb201")


def make(space, seed=0, **hp):
    return make_strategy("ls", space, rng=np.random.default_rng(seed), **hp)


def matches(space, target: int):
    goal = space.to_decisions([target])[0]
    return lambda arch: float((space.to_decisions([arch])[0] == goal).sum())


def step(s, f):
    t = s.ask()
    s.tell(t, f(t.arch))
    return t.arch


def test_starts_from_the_best_of_num_init_then_scans_all_its_neighbours(space):
    f = matches(space, 4321)
    s = make(space, num_init=10)
    init = [step(s, f) for _ in range(10)]
    assert len(set(init)) == 10
    start = max(init, key=lambda a: (f(a), -init.index(a)))
    nbrs = set(space.neighbors(start).tolist())
    scanned = [step(s, f) for _ in range(len(nbrs - set(init)))]
    assert s.current == start
    assert set(scanned) == nbrs - set(init)  # every unevaluated neighbour, once
    assert scanned != sorted(scanned)  # in a random order


def test_moves_to_the_best_neighbour_and_climbs_to_the_optimum(space):
    target = 4321
    f = matches(space, target)
    s = make(space, seed=2)
    centres = []
    for _ in range(400):
        step(s, f)
        if s.current is not None and (not centres or centres[-1] != s.current):
            centres.append(s.current)
        if s.restarts:
            break
    values = [f(c) for c in centres]
    assert values == sorted(values) and len(set(values)) == len(values)  # strictly uphill
    assert centres[-1] == target  # the only local optimum of this objective
    assert s.recommend() == target


def test_restarts_with_new_random_samples_at_a_local_optimum(space):
    s = make(space, num_init=5)
    flat = lambda arch: 1.0  # noqa: E731  every neighbour ties: the start is a local optimum
    init = [step(s, flat) for _ in range(5)]
    nbrs = set(space.neighbors(init[0]).tolist())
    scanned = [step(s, flat) for _ in range(len(nbrs - set(init)))]
    assert s.current == init[0]  # ties: the first sampled wins
    assert set(scanned) | (nbrs & set(init)) == nbrs
    assert s.restarts == 0
    restart = [step(s, flat) for _ in range(5)]
    assert s.restarts == 1 and s.current is None  # sampling again
    assert not set(restart) & (nbrs | set(init))  # a fresh random sample, not neighbours


def test_never_evaluates_an_architecture_twice(space):
    f = matches(space, 77)
    s = make(space, seed=3, num_init=3)
    archs = [step(s, f) for _ in range(3000)]
    assert len(set(archs)) == len(archs)
    assert s.restarts >= 1


def test_failures_never_win_and_all_failed_start_redraws(space):
    s = make(space, num_init=4)
    first = [s.ask() for _ in range(4)]
    for t in first:
        s.tell(t, math.nan)
    second = [s.ask() for _ in range(4)]
    assert not {t.arch for t in first} & {t.arch for t in second}
    assert s.current is None  # still sampling: a start needs one successful result
    for i, t in enumerate(second):
        s.tell(t, float(i))
    s.ask()
    assert s.current == second[-1].arch


def test_async_workers_get_spares_and_the_climb_still_completes(space):
    f = matches(space, 999)
    s = make(space, seed=4, num_init=10)
    rng = np.random.default_rng(0)
    running = [s.ask() for _ in range(16)]  # more workers than the random sample
    seen = [t.arch for t in running]
    for _ in range(1500):
        t = running.pop(int(rng.integers(len(running))))
        s.tell(t, f(t.arch))
        nxt = s.ask()
        seen.append(nxt.arch)
        running.append(nxt)
    assert len(set(seen)) == len(seen)
    assert s.recommend() == 999


def test_exhausts_a_small_space_without_repeats():
    space = get_space("nbgraph-proteins")
    s = make(space, num_init=10)
    f = lambda arch: float((arch * 31) % 101)  # noqa: E731  rugged: many restarts
    archs = []
    with pytest.raises(SearchSpaceExhaustedError, match="all 2021 architectures"):
        while True:
            archs.append(step(s, f))
    assert sorted(archs) == list(range(space.size))


def test_same_seed_same_proposals(space):
    f = matches(space, 5)

    def run(seed):
        s = make(space, seed)
        return [step(s, f) for _ in range(120)]

    assert run(8) == run(8)
    assert run(8) != run(9)


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, 15626])
def test_bad_num_init_states_the_rule_and_value(space, bad):
    with pytest.raises(StrategyError, match=rf"num_init must be an integer in 1 \.\. 15625.*got {bad!r}"):
        make(space, num_init=bad)


def test_defaults_and_hyperparameters(space):
    assert make(space).hyperparameters == {"num_init": 10}
