"""ENAS, RSPS, SPOS: a few epochs on synthetic graphs / images, determinism, NaN -> failed,
the controller's REINFORCE update, SPOS's evolution on a known fitness."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

pytest.importorskip("torch_geometric")

from strategies.base import StrategyError
from strategies.oneshot.data import load_oneshot_data
from strategies.oneshot.enas import Controller
from strategies.oneshot.registry import get_method, method_names
from strategies.oneshot.spos import SPOS
from strategies.oneshot.supernet import build_supernet

METHODS = ["enas", "rsps", "spos"]
SMALL = {
    "enas": {"derive_samples": 4, "log_samples": 2, "ctl_num_aggregate": 3},
    "rsps": {"n_candidates": 4, "log_samples": 2},
    "spos": {"population": 6, "iterations": 2, "top_k": 3, "mutations": 2, "crossovers": 2, "log_samples": 2},
}


@pytest.fixture(scope="module")
def graph_data():
    torch.set_num_threads(1)
    return load_oneshot_data("nbgraph/cora", synthetic=True, synthetic_size=100)


def _run(data, method, seed=0, epochs=3, bench="nbgraph/cora", **settings):
    opts = {"C": 4, "N": 1} if bench.startswith("nb201") else {"hidden": 32}
    net = build_supernet(bench, data, seed=0, **opts)
    return get_method(method, **{**SMALL[method], **settings}).search(
        net, data, epochs=epochs, generator=torch.Generator().manual_seed(seed))


def test_registered():
    assert set(METHODS) <= set(method_names())
    with pytest.raises(StrategyError, match="unknown setting"):
        get_method("rsps", n_candidate=3)
    with pytest.raises(StrategyError, match="n_candidates must be an integer >= 1"):
        get_method("rsps", n_candidates=0)
    with pytest.raises(StrategyError, match="mutations \\+ crossovers <= population"):
        get_method("spos", population=10, mutations=6, crossovers=6)


@pytest.mark.parametrize("method", METHODS)
def test_search_logs_and_is_deterministic(graph_data, method):
    a = _run(graph_data, method, seed=3)
    b = _run(graph_data, method, seed=3)
    assert a.state == "completed", a.reason
    assert [e.epoch for e in a.epochs] == [0, 1, 2]  # log_every 1: every epoch derives
    space = build_supernet("nbgraph/cora", graph_data, hidden=8).space
    for e in a.epochs:
        assert 0 <= e.derived_arch < space.size and math.isfinite(e.train_loss)
        assert 0.0 <= e.search_score <= 100.0
        assert e.extra["search_s"] == pytest.approx(e.extra["train_s"] + e.extra["derive_s"])
    assert a.epochs[-1].extra["final"] and a.derived_arch == a.epochs[-1].derived_arch
    train_s = [e.extra["train_s"] for e in a.epochs]
    assert train_s == sorted(train_s)
    assert a.wall_s == pytest.approx(train_s[-1] + a.epochs[-1].extra["derive_s"])
    # same seed -> same derived architectures and losses, bit for bit
    assert [e.derived_arch for e in a.epochs] == [e.derived_arch for e in b.epochs]
    assert [e.train_loss for e in a.epochs] == [e.train_loss for e in b.epochs]
    assert a.settings["torch_seed"] == b.settings["torch_seed"]


def test_log_every_does_not_change_the_training_paths(graph_data):
    every1 = _run(graph_data, "rsps", seed=5, epochs=4, log_every=1)
    every2 = _run(graph_data, "rsps", seed=5, epochs=4, log_every=2)
    assert [e.epoch for e in every2.epochs] == [1, 3]
    # same weights (same training paths), so the same final pick
    assert every1.epochs[-1].train_loss == every2.epochs[-1].train_loss
    assert every1.derived_arch == every2.derived_arch


def test_enas_logs_controller_probabilities(graph_data):
    r = _run(graph_data, "enas", seed=1)
    probs = r.epochs[-1].arch_params
    sizes = build_supernet("nbgraph/cora", graph_data, hidden=8).decision_sizes
    assert [len(p) for p in probs] == list(sizes)
    assert all(abs(sum(p) - 1) < 1e-5 for p in probs)
    assert r.settings["ctl_train_steps"] == 1 and r.settings["ctl_num_aggregate"] == 3  # NB-Graph default / set
    assert math.isfinite(r.epochs[-1].extra["baseline"])


@pytest.mark.parametrize("method", METHODS)
def test_nan_loss_fails_the_run_not_the_caller(graph_data, method, monkeypatch):
    class Broken:
        def __getattr__(self, name):
            return getattr(graph_data, name)

        def loss(self, outputs, batch):
            return graph_data.loss(outputs, batch) * float("nan")

    r = _run(Broken(), method, seed=0)
    assert r.state == "failed" and "not finite" in r.reason and method in r.reason
    assert r.derived_arch is None and r.epochs == []


def test_image_space_runs():
    data = load_oneshot_data("nb201/cifar10", synthetic=True, synthetic_size=16, batch_size=8)
    r = _run(data, "rsps", seed=0, epochs=1, bench="nb201/cifar10", max_steps_per_epoch=1)
    assert r.state == "completed" and 0 <= r.derived_arch < 15625


def test_controller_reinforce_moves_towards_reward():
    torch.manual_seed(0)
    ctl = Controller([3, 4], lstm_size=16, lstm_layers=1)
    opt = torch.optim.Adam(ctl.parameters(), lr=0.05)
    gen = torch.Generator().manual_seed(0)
    before = ctl.greedy_probs()[1][0][2]
    baseline = 0.0
    for _ in range(60):
        dec = ctl.sample(gen)
        reward = 1.0 if dec[0] == 2 else 0.0
        logp, _ = ctl.evaluate(dec)
        baseline = 0.9 * baseline + 0.1 * reward
        opt.zero_grad()
        (-logp * (reward - baseline)).backward()
        opt.step()
    after = ctl.greedy_probs()[1][0][2]
    assert after > before + 0.2, (before, after)


def test_controller_log_prob_matches_its_distribution():
    torch.manual_seed(0)
    ctl = Controller([2, 3])
    total = sum(math.exp(float(ctl.evaluate([a, b])[0].detach())) for a in range(2) for b in range(3))
    assert total == pytest.approx(1.0, abs=1e-5)


def test_spos_evolution_beats_its_random_start():
    """On a known fitness (sum of the decision values), the evolution finds better than its
    initial random population and close to the optimum."""
    from nasbench.spaces import get_space

    space = get_space("nbgraph")

    class Stub:
        pass

    net = Stub()
    net.space, net.decision_sizes = space, tuple(space.decision_sizes)
    m = SPOS()
    m.derive_rng = np.random.default_rng(0)
    m._scores = {}
    calls = []

    def fitness(supernet, data, arch):
        calls.append(int(arch))
        return float(space.to_decisions([int(arch)])[0].sum())

    m.score = fitness
    best, score, n = m.evolve(net, None)
    initial = max(fitness(net, None, a) for a in calls[:50])
    optimum = float(sum(s - 1 for s in space.decision_sizes))
    assert 50 < n <= 50 + 20 * 50 and n == len(set(calls[:n]))  # distinct candidates, at most the paper's count
    assert score == fitness(net, None, best) and score > initial and score >= optimum - 3
