"""grid: every architecture exactly once, in id or shuffled order, then exhaustion."""
from __future__ import annotations

import numpy as np
import pytest

from nasbench.errors import SearchSpaceExhaustedError
from nasbench.spaces import get_space
from strategies import make_strategy
from strategies.base import StrategyError


def enumerate_all(strategy) -> list[int]:
    archs = []
    while True:
        try:
            trial = strategy.ask()
        except SearchSpaceExhaustedError as exc:
            assert str(strategy.space.size) in str(exc)
            return archs
        archs.append(trial.arch)
        strategy.tell(trial, float(trial.arch % 97))


@pytest.mark.parametrize("space_name", ["nbgraph-proteins", "nb201"])
def test_id_order_enumerates_every_id_once_then_raises(space_name):
    space = get_space(space_name)
    strategy = make_strategy("grid", space, rng=np.random.default_rng(0))
    archs = enumerate_all(strategy)
    assert archs == list(range(space.size))
    with pytest.raises(SearchSpaceExhaustedError):  # and keeps raising
        strategy.ask()
    best = max(range(space.size), key=lambda a: (a % 97, -a))
    assert strategy.recommend() == best


def test_shuffled_is_a_seeded_permutation():
    space = get_space("nbgraph-proteins")
    runs = [enumerate_all(make_strategy("grid", space, rng=np.random.default_rng(s), order="shuffled")) for s in (1, 1, 2)]
    assert sorted(runs[0]) == list(range(space.size))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert runs[0] != list(range(space.size))


def test_id_order_ignores_the_seed():
    space = get_space("nb201")
    a = [make_strategy("grid", space, rng=np.random.default_rng(s)).ask().arch for s in (0, 1)]
    assert a == [0, 0]


def test_bad_order_is_rejected_with_the_rule_and_value():
    with pytest.raises(StrategyError, match=r"order must be 'id' or 'shuffled', got 'random'"):
        make_strategy("grid", get_space("nb201"), rng=np.random.default_rng(0), order="random")


def test_hyperparameters_reported():
    s = make_strategy("grid", get_space("nb201"), rng=np.random.default_rng(0), order="shuffled")
    assert s.hyperparameters == {"order": "shuffled"}
