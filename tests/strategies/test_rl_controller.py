"""rl-controller: LSTM policy learns a toy reward in batches, own torch generator, async tells, failures."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nasbench.spaces import get_space
from strategies import make_strategy
from strategies.base import StrategyError
from strategies.registry import get_spec

ZERO = np.zeros(6, dtype=np.int64)


@pytest.fixture(scope="module")
def space():
    return get_space("nb201")


def make(space, seed=0, **hp):
    return make_strategy("rl-controller", space, rng=np.random.default_rng(seed), **hp)


def zeros_reward(space):
    return lambda arch: float((space.to_decisions([arch])[0] == 0).sum())


def weights(s):
    return [p.detach().clone() for p in s._params]


def same_weights(s, ws) -> bool:
    return all(torch.equal(w, p.detach()) for w, p in zip(ws, s._params))


@pytest.mark.parametrize("batch_size", [10, 1])
def test_probability_of_the_optimum_rises_on_a_toy_reward(space, batch_size):
    f = zeros_reward(space)
    s = make(space, 0, batch_size=batch_size)
    p0 = s.probability(ZERO)
    assert 1e-5 < p0 < 1e-3  # about 5^-6 at the start
    rewards = []
    for _ in range(300):
        t = s.ask()
        rewards.append(f(t.arch))
        s.tell(t, rewards[-1])
    assert s.n_updates == 300 // batch_size  # one Adam step per told batch
    # tanh_constant 1.1 caps each choice at e^1.1 / (e^1.1 + 4 e^-1.1) = 0.69, i.e. 0.108 for six
    assert s.probability(ZERO) > 100 * p0
    assert np.mean(rewards[-50:]) > np.mean(rewards[:50]) + 1


def test_learns_with_asynchronous_workers_on_a_toy_reward(space):
    f = zeros_reward(space)
    s = make(space, 1)
    p0 = s.probability(ZERO)
    rng = np.random.default_rng(0)
    running = [s.ask() for _ in range(8)]
    rewards = []
    for _ in range(400):
        t = running.pop(int(rng.integers(len(running))))
        rewards.append(f(t.arch))
        s.tell(t, rewards[-1])
        running.append(s.ask())
    assert s.probability(ZERO) > 100 * p0
    assert np.mean(rewards[-50:]) > np.mean(rewards[:50]) + 1


def test_one_update_per_told_batch_and_proposals_fixed_within_a_batch(space):
    """A batch's architectures are sampled together: its results cannot change them."""
    a, b = make(space, 3, batch_size=4), make(space, 3, batch_size=4)
    w0 = weights(a)
    first_a, first_b = [], []
    for i in range(4):
        ta, tb = a.ask(), b.ask()
        first_a.append(ta.arch)
        first_b.append(tb.arch)
        a.tell(ta, 90.0 - 10 * i)
        b.tell(tb, 60.0 + 10 * i)
        if i < 3:  # batch not complete: no step yet
            assert a.n_updates == 0 and same_weights(a, w0)
    assert first_a == first_b
    assert a.n_updates == b.n_updates == 1 and not same_weights(a, w0)
    later_a = [a.ask().arch for _ in range(12)]
    later_b = [b.ask().arch for _ in range(12)]
    assert later_a != later_b  # opposite rewards, opposite steps


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


def test_failed_trials_leave_the_baseline_alone_and_the_batch(space):
    s = make(space, batch_size=3)
    t1, t2, t3 = s.ask(), s.ask(), s.ask()
    s.tell(t1, 70.0)
    s.tell(t2, 90.0)
    w0, baseline = weights(s), s.baseline
    s.tell(t3, math.nan)  # completes the batch: one step on the two successful members
    assert s.baseline == baseline
    assert s.n_updates == 1 and not same_weights(s, w0)
    # the failed member contributes nothing, whenever it is told: told first, same step
    r = make(space, batch_size=3)
    u1, u2, u3 = r.ask(), r.ask(), r.ask()
    assert [u1.arch, u2.arch, u3.arch] == [t1.arch, t2.arch, t3.arch]
    r.tell(u3, math.nan)
    r.tell(u1, 70.0)
    assert r.n_updates == 0
    r.tell(u2, 90.0)
    assert r.n_updates == 1 and all(torch.equal(p, q) for p, q in zip(r._params, s._params))
    # while a successful result told in another order moves the baseline differently
    q = make(space, batch_size=3)
    v1, v2, v3 = q.ask(), q.ask(), q.ask()
    q.tell(v2, 90.0)
    q.tell(v1, 70.0)
    q.tell(v3, math.nan)
    assert q.n_updates == 1 and not all(torch.equal(p, o) for p, o in zip(q._params, s._params))


def test_all_failed_batch_makes_no_update(space):
    s = make(space, batch_size=3)
    trials = [s.ask() for _ in range(3)]
    w0 = weights(s)
    for t in trials:
        s.tell(t, math.nan)
    assert s.n_updates == 0 and same_weights(s, w0) and math.isnan(s.baseline)


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
    assert 13 <= s.n_updates <= 15  # every batch whose ten members were all told


def test_unknown_and_repeated_tells_are_errors_that_change_nothing(space):
    from strategies.base import TrialContractError

    s = make(space, batch_size=2, entropy_weight=0.0)
    t1, t2 = s.ask(), s.ask()
    s.tell(t1, 50.0)
    with pytest.raises(TrialContractError, match=r"told Trial\(arch=\d+, fidelity=None, trial_id=0\) twice"):
        s.tell(t1, 80.0)
    assert s.n_updates == 0 and s.baseline == pytest.approx(50.0) and s.n_told == 1
    with pytest.raises(TrialContractError, match="trial_id=999.*never asked"):
        s.tell(type(t1)(t1.arch, None, 999), 60.0)
    assert s.n_updates == 0
    s.tell(t2, 60.0)
    assert s.n_updates == 1


def test_works_on_heterogeneous_decisions_and_repairs_invalid_cells():
    space = get_space("nbgraph")
    s = make_strategy("rl-controller", space, rng=np.random.default_rng(0))
    skip = space.ops.index("skip")
    with torch.no_grad():
        s._head_b[3:] = -50.0  # the operation heads; tanh bound: skip 1.1 vs -1.1 elsewhere
        s._head_b[3:, skip] = 50.0
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
        ({"batch_size": 0}, "batch_size must be an integer in 1 .. 10000, got 0"),
        ({"batch_size": 2.0}, "batch_size must be an integer in 1 .. 10000, got 2.0"),
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
        "batch_size": 10,
    }
    assert get_spec("rl-controller").defaults == make(space).hyperparameters
