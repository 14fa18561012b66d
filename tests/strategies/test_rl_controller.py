"""rl-controller: LSTM policy learns a toy reward, own torch generator, async tells, failures."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nasbench.spaces import get_space  # noqa: E402
from strategies import make_strategy  # noqa: E402
from strategies.base import StrategyError  # noqa: E402

ZERO = np.zeros(6, dtype=np.int64)


@pytest.fixture(scope="module")
def space():
    return get_space("nb201")


def make(space, seed=0, **hp):
    return make_strategy("rl-controller", space, rng=np.random.default_rng(seed), **hp)


def zeros_reward(space):
    return lambda arch: float((space.to_decisions([arch])[0] == 0).sum())


def test_probability_of_the_optimum_rises_on_a_toy_reward(space):
    f = zeros_reward(space)
    s = make(space, 0)
    p0 = s.probability(ZERO)
    assert 1e-5 < p0 < 1e-3  # about 5^-6 at the start
    rewards = []
    for _ in range(300):
        t = s.ask()
        rewards.append(f(t.arch))
        s.tell(t, rewards[-1])
    # tanh_constant 1.1 caps each choice at e^1.1 / (e^1.1 + 4 e^-1.1) = 0.69, i.e. 0.108 for six
    assert s.probability(ZERO) > 100 * p0
    assert np.mean(rewards[-50:]) > np.mean(rewards[:50]) + 1


def test_same_seed_same_proposals_and_global_torch_rng_untouched(space):
    f = zeros_reward(space)
    state = torch.random.get_rng_state().clone()

    def run(seed):
        s = make(space, seed)
        out = []
        for _ in range(30):
            t = s.ask()
            out.append(t.arch)
            s.tell(t, f(t.arch))
        return out

    a, b, c = run(5), run(5), run(6)
    assert a == b and a != c
    assert torch.equal(torch.random.get_rng_state(), state)


def test_initial_weights_are_uniform_within_enas_range(space):
    s = make(space, 0)
    for p in s._params:
        assert float(p.detach().abs().max()) <= 0.1


def test_failed_trial_makes_no_update(space):
    s = make(space)
    t1, t2, t3 = s.ask(), s.ask(), s.ask()
    s.tell(t1, 70.0)
    s.tell(t2, 90.0)
    weights = [p.detach().clone() for p in s._params]
    baseline = s.baseline
    s.tell(t3, math.nan)
    assert all(torch.equal(w, p.detach()) for w, p in zip(weights, s._params))
    assert s.baseline == baseline


def test_baseline_starts_at_the_first_reward_then_decays(space):
    s = make(space, entropy_weight=0.0, baseline_decay=0.9)
    assert math.isnan(s.baseline)
    t1, t2 = s.ask(), s.ask()
    s.tell(t1, 50.0)
    assert s.baseline == pytest.approx(50.0)
    s.tell(t2, 60.0)
    assert s.baseline == pytest.approx(51.0)


def test_asynchronous_tells_in_any_order(space):
    f = zeros_reward(space)
    s = make(space, 2)
    rng = np.random.default_rng(0)
    running = [s.ask() for _ in range(5)]
    for _ in range(150):
        t = running.pop(int(rng.integers(len(running))))
        s.tell(t, f(t.arch))
        running.append(s.ask())
    assert len(s._pending) == 5 and s.n_told == 150


def test_works_on_heterogeneous_decisions_and_redraws_invalid_cells():
    space = get_space("nbgraph")
    s = make_strategy("rl-controller", space, rng=np.random.default_rng(0))
    skip = space.ops.index("skip")
    with torch.no_grad():
        for head in s._heads[3:]:
            head.bias[skip] = 50.0  # tanh bound: skip gets logit 1.1 vs about -1.1 elsewhere
    archs = [s.ask().arch for _ in range(200)]
    assert all(0 <= a < space.size for a in archs)
    assert s.invalid_draws > 0


@pytest.mark.parametrize(
    "hp, needle",
    [
        ({"hidden_size": 0}, "hidden_size must be an integer in 1 .. 4096, got 0"),
        ({"learning_rate": -1}, "learning_rate must be a finite number > 0, got -1"),
        ({"baseline_decay": 1}, r"baseline_decay must be a number in \[0, 1\), got 1"),
        ({"entropy_weight": -0.1}, "entropy_weight must be a finite number >= 0, got -0.1"),
        ({"tanh_constant": 0}, "tanh_constant must be a finite number > 0 or None, got 0"),
    ],
)
def test_bad_hyperparameters_state_the_rule_and_value(space, hp, needle):
    with pytest.raises(StrategyError, match=needle):
        make(space, **hp)


def test_defaults_and_hyperparameters(space):
    assert make(space).hyperparameters == {
        "hidden_size": 64,
        "learning_rate": 0.0035,
        "baseline_decay": 0.99,
        "entropy_weight": 1e-4,
        "tanh_constant": 1.1,
    }
