"""optuna-tpe / optuna-random: seeded ask-and-tell adapter, failures, invalid cells, quiet."""
from __future__ import annotations

import math

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")

from nasbench.spaces import get_space
from strategies import make_strategy
from strategies.base import StrategyError

TrialState = optuna.trial.TrialState


@pytest.fixture(scope="module")
def space():
    return get_space("nb201")


def make(name, space, seed=0, **hp):
    return make_strategy(name, space, rng=np.random.default_rng(seed), **hp)


def zeros_reward(space):
    return lambda arch: float((space.to_decisions([arch])[0] == 0).sum())


@pytest.mark.parametrize("name", ["optuna-tpe", "optuna-random"])
def test_same_seed_same_proposals(space, name):
    f = zeros_reward(space)

    def run(seed):
        s = make(name, space, seed)
        out = []
        for _ in range(25):
            t = s.ask()
            out.append(t.arch)
            s.tell(t, f(t.arch))
        return out

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_one_categorical_per_decision_and_decisions_map_to_the_arch(space):
    s = make("optuna-tpe", space)
    t = s.ask()
    otrial = s._pending[t.trial_id]
    assert list(otrial.params) == list(space.decision_names)
    dec = [otrial.params[n] for n in space.decision_names]
    assert int(space.from_decisions(np.asarray([dec]))[0]) == t.arch


def test_tpe_learns_a_toy_reward(space):
    f = zeros_reward(space)
    s = make("optuna-tpe", space, 0)
    rewards = []
    for _ in range(80):
        t = s.ask()
        rewards.append(f(t.arch))
        s.tell(t, rewards[-1])
    assert np.mean(rewards[-20:]) > np.mean(rewards[:10]) + 1.5


def test_failed_trials_are_told_as_fail_and_async_asks_are_tracked(space):
    s = make("optuna-tpe", space)
    trials = [s.ask() for _ in range(4)]  # four workers at once
    s.tell(trials[2], math.nan)
    s.tell(trials[0], 80.0)
    states = [ft.state for ft in s.study.get_trials(deepcopy=False)]
    assert states.count(TrialState.FAIL) == 1
    assert states.count(TrialState.COMPLETE) == 1
    assert states.count(TrialState.RUNNING) == 2
    assert s.study.best_value == 80.0


def test_invalid_decision_vectors_are_failed_and_their_repair_asked(space, monkeypatch):
    s = make("optuna-random", space)
    target = space.to_decisions([123])[0]
    monkeypatch.setattr(space, "repair", lambda dec, rng: target[None, :].copy())  # "repairs" every draw
    t = s.ask()
    assert t.arch == 123 and s.invalid_draws == 1
    trials = s.study.get_trials(deepcopy=False)
    assert [ft.state for ft in trials] == [TrialState.FAIL, TrialState.RUNNING]
    assert [trials[1].params[n] for n in space.decision_names] == target.tolist()  # Optuna holds what runs
    s.tell(t, 70.0)
    assert s.study.best_value == 70.0


def test_real_invalid_cells_are_repaired_on_nbgraph():
    g = get_space("nbgraph")
    s = make("optuna-tpe", g, n_startup_trials=0)
    skip = g.ops.index("skip")
    for _ in range(40):  # reward skips: TPE is pushed towards the all-skip cell, which has no id
        t = s.ask()
        assert 0 <= t.arch < g.size
        s.tell(t, float((g.to_decisions([t.arch])[0][3:] == skip).sum()))
    assert all(ft.state != TrialState.RUNNING for ft in s.study.get_trials(deepcopy=False))


def test_optuna_is_quiet_and_its_log_level_restored(space, capfd):
    import logging

    before = logging.getLogger("optuna").level
    s = make("optuna-tpe", space)
    for _ in range(12):
        t = s.ask()
        s.tell(t, 1.0)
    out, err = capfd.readouterr()
    assert "Trial" not in err + out and "Warning" not in err + out
    assert logging.getLogger("optuna").level == before


def test_works_on_nbgraph(space):
    g = get_space("nbgraph")
    s = make("optuna-tpe", g)
    for _ in range(15):
        t = s.ask()
        assert 0 <= t.arch < g.size
        s.tell(t, float(t.arch % 13))


@pytest.mark.parametrize(
    "hp, needle",
    [
        ({"n_startup_trials": -1}, "n_startup_trials must be an integer >= 0, got -1"),
        ({"n_startup_trials": 1.5}, "n_startup_trials must be an integer >= 0, got 1.5"),
        ({"multivariate": "yes"}, "multivariate must be true or false, got 'yes'"),
        ({"constant_liar": 1}, "constant_liar must be true or false, got 1"),
    ],
)
def test_bad_hyperparameters_state_the_rule_and_value(space, hp, needle):
    with pytest.raises(StrategyError, match=needle):
        make("optuna-tpe", space, **hp)


def test_defaults_and_hyperparameters(space):
    assert make("optuna-tpe", space).hyperparameters == {
        "n_startup_trials": 10,
        "multivariate": True,
        "constant_liar": True,
    }
    assert make("optuna-random", space).hyperparameters == {}
