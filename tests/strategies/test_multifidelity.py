"""Behaviour of the multi-fidelity strategies (sh, hb, asha, bohb); the conformance suite
covers the common contract."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nasbench
from nasbench.evaluator import Evaluator
from strategies import Trial, make_strategy, run_search
from strategies.multifidelity import ASHA, BOHB, Hyperband, SuccessiveHalving, fidelity_ladder
from strategies.runner import RunSpec, run_one
from tests.toy import ToySpace, toy_benchmark

MF = ("sh", "hb", "asha", "bohb")


def _value(arch: int, fidelity: float) -> float:
    return float(arch) + float(fidelity)


def test_fidelity_ladder():
    assert fidelity_ladder([12.0, 200.0], 3) == (12.0, 200.0)
    assert fidelity_ladder(range(1, 201), 3) == (1, 3, 9, 27, 81, 200)
    assert fidelity_ladder([400.0], 3) == (400.0,)
    assert fidelity_ladder(range(1, 201), 3, min_fidelity=10, max_fidelity=100) == (10, 30, 90, 100)


def test_sh_promotes_exactly_the_top_third_with_the_same_trial_id():
    sh = SuccessiveHalving(ToySpace(), rng=np.random.default_rng(0), fidelities=(1.0, 10.0), num_configs=9)
    first = [sh.ask() for _ in range(9)]
    assert all(t.fidelity == 1.0 for t in first) and len({t.trial_id for t in first}) == 9
    extra = sh.ask()  # the bracket waits for results: a new bracket opens instead of blocking
    assert extra.fidelity == 1.0 and extra.trial_id not in {t.trial_id for t in first} and sh.n_brackets == 2
    values = {t.trial_id: float(t.arch) for t in first}
    best = sorted(first, key=lambda t: -t.arch)
    values[best[0].trial_id] = math.nan  # the best one failed: never promoted
    for t in first[:-1]:
        sh.tell(t, values[t.trial_id])
    assert not any(b.queue for b in sh.brackets)  # one result missing: no promotion yet
    sh.tell(first[-1], values[first[-1].trial_id])
    promoted = [sh.ask() for _ in range(3)]
    assert [(p.trial_id, p.arch, p.fidelity) for p in promoted] == [(t.trial_id, t.arch, 10.0) for t in best[1:4]]
    nxt = sh.ask()  # bracket 1 has no more promotions: bracket 2 continues with new configurations
    assert nxt.fidelity == 1.0 and nxt.trial_id not in {t.trial_id for t in first}


def test_asha_promotes_without_waiting_for_the_rung():
    asha = ASHA(ToySpace(), rng=np.random.default_rng(1), fidelities=(1.0, 10.0))
    trials = [asha.ask() for _ in range(5)]
    assert all(t.fidelity == 1.0 for t in trials)
    asha.tell(trials[0], 50.0)
    asha.tell(trials[1], 70.0)
    t = asha.ask()  # 2 results: floor(2/3) = 0 promotable -> a new configuration
    assert t.fidelity == 1.0 and t.trial_id == 5
    asha.tell(trials[2], 60.0)  # 3 of 6 told, 3 still running: the top one is promotable now
    p = asha.ask()
    assert (p.trial_id, p.arch, p.fidelity) == (trials[1].trial_id, trials[1].arch, 10.0)
    assert asha.ask().fidelity == 1.0  # promoted once only; nothing else in the top third
    asha.tell(trials[3], math.nan)  # failures count in the rung but are never promoted
    asha.tell(trials[4], math.nan)
    asha.tell(t, math.nan)
    q = asha.ask()  # 6 results, top 2 = {70 (done), 60}
    assert (q.trial_id, q.fidelity) == (trials[2].trial_id, 10.0)


def _drive(strategy, n: int) -> list[Trial]:
    """Sequential ask/tell with a deterministic signal."""
    out = []
    for _ in range(n):
        t = strategy.ask()
        out.append(t)
        strategy.tell(t, _value(t.arch, t.fidelity))
    return out


def test_hyperband_runs_its_brackets_in_order():
    hb = Hyperband(ToySpace(), rng=np.random.default_rng(2), fidelities=(1.0, 3.0, 9.0))
    trials = _drive(hb, 9 + 3 + 1 + 5 + 1 + 3 + 9)
    first_fid, seen = [], set()
    for t in trials:
        if t.trial_id not in seen:
            seen.add(t.trial_id)
            first_fid.append(t.fidelity)
    # s=2: 9 configs at 1 epoch; s=1: ceil(3/2*3)=5 at 3; s=0: 3 at 9; then s=2 again
    assert first_fid[:9 + 5 + 3] == [1.0] * 9 + [3.0] * 5 + [9.0] * 3
    fids = [t.fidelity for t in trials]
    assert fids[:13] == [1.0] * 9 + [3.0] * 3 + [9.0]  # 9 -> 3 -> 1
    assert fids[13:19] == [3.0] * 5 + [9.0]  # 5 -> 1
    assert hb.n_brackets == 4


def test_hyperband_several_brackets_through_the_loop(tmp_path):
    bench = toy_benchmark(tmp_path)
    hb = make_strategy("hb", bench.space, rng=np.random.default_rng(0), fidelities=(1.0, 10.0))
    traj = run_search(hb, Evaluator(bench, rng=np.random.default_rng(1)), "30q", workers=3)
    assert len(traj) == 30 and hb.n_brackets >= 4
    assert set(traj["fidelity"].tolist()) == {1.0, 10.0}


def test_recommend_uses_the_highest_fidelity_evaluated():
    sh = SuccessiveHalving(ToySpace(), rng=np.random.default_rng(0), fidelities=(1.0, 10.0))
    a, b, c = (sh.ask() for _ in range(3))
    sh.tell(a, 99.0)
    sh.tell(b, 50.0)
    assert sh.recommend() == a.arch
    sh.tell(c, 10.0)
    p = sh.ask()
    assert p.trial_id == a.trial_id and p.fidelity == 10.0
    sh.tell(p, 20.0)  # lower than the 1-epoch signals, but the only 10-epoch result
    assert sh.recommend() == a.arch
    assert sh.rung_results[1] == {a.trial_id: 20.0}


def test_bohb_uses_its_model_after_n_min_plus_two_observations():
    space = nasbench.load("nb201/cifar10").space
    d = len(space.decision_sizes)
    bohb = BOHB(space, rng=np.random.default_rng(3), fidelities=(12.0, 200.0), random_fraction=0.0)
    assert bohb.min_points is None and bohb.n_min == d + 1
    rng = np.random.default_rng(4)

    def observe(n):  # chosen architectures at rung 0, through ask/tell
        propose = bohb._propose
        for arch in rng.integers(space.size, size=n):
            bohb._propose = lambda arch=arch: bohb._start(int(arch), 0)
            t = bohb.ask()
            bohb.tell(t, float((space.to_decisions([t.arch])[0] == 0).sum()))
        bohb._propose = propose

    observe(d + 2)
    assert bohb._model_rung() is None
    bohb.ask()
    assert bohb.n_model_proposals == 0  # too few observations: uniform
    observe(60)
    assert bohb._model_rung() == 0
    zeros = [(space.to_decisions([bohb.model_sample(0)])[0] == 0).sum() for _ in range(100)]
    assert np.mean(zeros) > 1.6  # uniform: 6 / 5 = 1.2 zeros per architecture (sd of this mean ~0.1)
    before = bohb.n_model_proposals
    for _ in range(5):
        bohb.ask()
    assert bohb.n_model_proposals > before


@pytest.mark.parametrize("name", ["sh", "hb", "asha"])
def test_one_fidelity_is_random_search(name):
    bench = nasbench.load("nbgraph/cora")
    assert len(bench.table.fidelities) == 1
    fids = tuple(bench.table.fidelities.tolist())
    mf = make_strategy(name, bench.space, rng=np.random.default_rng(7), fidelities=fids)
    rs = make_strategy("rs", bench.space, rng=np.random.default_rng(7))
    a = run_search(mf, Evaluator(bench, rng=np.random.default_rng(8)), "40q", workers=2)
    b = run_search(rs, Evaluator(bench, rng=np.random.default_rng(8)), "40q", workers=2)
    assert np.array_equal(a["arch"], b["arch"]) and set(a["fidelity"].tolist()) == set(fids)
    assert len(set(a["arch"].tolist())) == 40


def test_bohb_with_one_fidelity_stays_at_it():
    bench = nasbench.load("nbgraph/cora")
    fids = tuple(bench.table.fidelities.tolist())
    bohb = make_strategy("bohb", bench.space, rng=np.random.default_rng(7), fidelities=fids)
    traj = run_search(bohb, Evaluator(bench, rng=np.random.default_rng(8)), "40q")
    assert set(traj["fidelity"].tolist()) == set(fids) and bohb.n_model_proposals > 0


@pytest.mark.parametrize("name", ["sh", "asha", "hb"])
def test_promotions_are_charged_only_the_extra_epochs(name, tmp_path):
    bench = toy_benchmark(tmp_path)  # train_time 1 s at 1 epoch, 10 s at 10 epochs
    strategy = make_strategy(name, bench.space, rng=np.random.default_rng(0), fidelities=(1.0, 10.0))
    ev = Evaluator(bench, rng=np.random.default_rng(1))
    trials: list[Trial] = []
    ask = strategy.ask
    strategy.ask = lambda: trials.append(ask()) or trials[-1]
    traj = run_search(strategy, ev, "30q", workers=2)
    by_id: dict[int, list[Trial]] = {}
    for t in trials[:len(ev.history)]:
        by_id.setdefault(t.trial_id, []).append(t)
    promoted = {tid for tid, ts in by_id.items() if len(ts) > 1}
    assert promoted, "no promotion happened"
    for t, (arch, fid, _, cost, _rep) in zip(trials, ev.history):
        assert arch == t.arch and fid == t.fidelity
        expected = 9.0 if (t.trial_id in promoted and t.fidelity == 10.0) else t.fidelity
        assert cost == expected
    for tid in promoted:
        ts = by_id[tid]
        assert [x.fidelity for x in ts] == [1.0, 10.0] and ts[0].arch == ts[1].arch
    assert np.isclose(traj["cost"].sum(), sum(h[3] for h in ev.history[:len(traj)]))


def test_runner_passes_the_table_fidelities():
    traj = run_one(RunSpec("nb201/cifar10", "asha", seed=0, budget="3000s", workers=2))
    assert traj.protocol["hyperparameters"]["fidelities"] == [12.0, 200.0]
    assert set(traj["fidelity"].tolist()) <= {12.0, 200.0}


def test_bad_hyperparameters_are_clear_errors():
    from strategies.base import StrategyError

    space = ToySpace()
    with pytest.raises(StrategyError, match="eta"):
        make_strategy("sh", space, rng=np.random.default_rng(0), eta=1)
    with pytest.raises(StrategyError, match="has no hyperparameter 'etaa'"):
        make_strategy("hb", space, rng=np.random.default_rng(0), etaa=3)
    with pytest.raises(StrategyError, match="no table fidelity"):
        make_strategy("asha", space, rng=np.random.default_rng(0), fidelities=(1.0, 10.0), min_fidelity=50)


def test_multifidelity_preset_parses_and_runs(tmp_path):
    import dataclasses

    from reproduce.kinds import load_preset
    from reproduce.pipeline import run_preset
    from strategies.registry import get_spec

    preset = load_preset("nb201-multifidelity")
    assert {s.name for s in preset.strategies} == {"sh", "hb", "asha", "bohb", "rs", "re"}
    for s in preset.strategies:
        get_spec(s.name)
    tiny = dataclasses.replace(preset, budgets=("2000s",))
    summary = run_preset(tiny, tmp_path, seeds=2, executor="serial", progress=False)
    assert (tmp_path / "table.md").is_file() and summary
