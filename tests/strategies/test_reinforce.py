"""reinforce: the policy learns a toy reward, failures make no update, invalid cells repaired."""
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
    return make_strategy("reinforce", space, rng=np.random.default_rng(seed), **hp)


def zeros_reward(space):
    return lambda arch: float((space.to_decisions([arch])[0] == 0).sum())


def p_all_zero(s) -> float:
    return float(np.prod(s.probabilities()[:, 0]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_probability_of_the_optimum_rises_on_a_toy_reward(space, seed):
    f = zeros_reward(space)
    s = make(space, seed, learning_rate=0.05)  # the NB201 default 0.5 converges, but often prematurely
    p0 = p_all_zero(s)
    assert p0 == pytest.approx(5.0**-6, rel=0.05)  # near-uniform start (1e-3 * N(0, 1) logits)
    rewards = []
    for _ in range(300):
        t = s.ask()
        rewards.append(f(t.arch))
        s.tell(t, rewards[-1])
    assert p_all_zero(s) > 0.5 > 1000 * p0
    assert np.mean(rewards[-50:]) > np.mean(rewards[:50]) + 2


def test_default_learning_rate_still_improves_the_reward(space):
    f = zeros_reward(space)
    s = make(space, 0)
    rewards = []
    for _ in range(200):
        t = s.ask()
        rewards.append(f(t.arch))
        s.tell(t, rewards[-1])
    assert np.mean(rewards[-50:]) > np.mean(rewards[:20])


def test_probabilities_are_distributions(space):
    s = make(space)
    p = s.probabilities()
    assert p.shape == (6, 5)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_failed_trial_makes_no_update_and_keeps_the_baseline(space):
    s = make(space)
    t1, t2, t3 = s.ask(), s.ask(), s.ask()
    s.tell(t1, 80.0)
    s.tell(t2, 90.0)
    logits, baseline = s.logits.copy(), s.baseline
    s.tell(t3, math.nan)
    np.testing.assert_array_equal(s.logits, logits)
    assert s.baseline == baseline


def test_bias_corrected_baseline_as_nb201(space):
    s = make(space, ema_momentum=0.9)
    assert math.isnan(s.baseline)
    trials = [s.ask() for _ in range(2)]
    s.tell(trials[0], 10.0)
    assert s.baseline == pytest.approx(10.0)  # first reward: no bias towards 0
    s.tell(trials[1], 20.0)
    assert s.baseline == pytest.approx((0.9 * 0.1 * 10 + 0.1 * 20) / (0.9 * 0.1 + 0.1))


def test_asynchronous_tells_use_each_trials_own_decisions(space):
    f = zeros_reward(space)
    s = make(space, 3, learning_rate=0.05)
    rng = np.random.default_rng(1)
    running = [s.ask() for _ in range(6)]
    for _ in range(400):
        t = running.pop(int(rng.integers(len(running))))
        s.tell(t, f(t.arch))
        running.append(s.ask())
    assert p_all_zero(s) > 0.3
    assert len(s._pending) == 6


def test_same_seed_same_proposals(space):
    f = zeros_reward(space)

    def run(seed):
        s = make(space, seed)
        out = []
        for _ in range(50):
            t = s.ask()
            out.append(t.arch)
            s.tell(t, f(t.arch))
        return out

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_invalid_decision_vectors_are_redrawn():
    space = get_space("nbgraph")
    s = make_strategy("reinforce", space, rng=np.random.default_rng(0))
    skip = space.ops.index("skip")
    s.logits[3:, skip] = 6.0  # each op is skip with p ~ 0.98: the all-skip cell (no id) is likely
    archs = [s.ask().arch for _ in range(40)]
    assert s.invalid_draws > 0
    assert all(0 <= a < space.size for a in archs)


def test_a_policy_collapsed_onto_an_invalid_cell_gets_the_repaired_cell_and_learns_it():
    space = get_space("nbgraph")
    s = make_strategy("reinforce", space, rng=np.random.default_rng(0))
    skip = space.ops.index("skip")
    s.logits[3:, skip] = 1e3  # every op is skip: the all-skip cell names no architecture
    trials = [s.ask() for _ in range(20)]
    assert s.invalid_draws == 20
    for t in trials:  # the space's repair: one operation changed, the nearest cells that exist
        ops = space.to_decisions([t.arch])[0][3:]
        assert (ops == skip).sum() == 3
        assert (s._pending[t.trial_id][3:] == skip).sum() == 3  # the vector rewarded is the repaired one


@pytest.mark.parametrize(
    "hp, needle",
    [
        ({"learning_rate": 0}, "learning_rate must be a finite number > 0, got 0"),
        ({"learning_rate": float("nan")}, "learning_rate must be a finite number > 0, got nan"),
        ({"learning_rate": "0.1"}, "learning_rate must be a finite number > 0, got '0.1'"),
        ({"ema_momentum": 1.0}, r"ema_momentum must be a number in \[0, 1\), got 1.0"),
        ({"ema_momentum": -0.1}, r"ema_momentum must be a number in \[0, 1\), got -0.1"),
    ],
)
def test_bad_hyperparameters_state_the_rule_and_value(space, hp, needle):
    with pytest.raises(StrategyError, match=needle):
        make(space, **hp)


def test_defaults_and_hyperparameters(space):
    assert make(space).hyperparameters == {"learning_rate": 0.5, "ema_momentum": 0.9}
