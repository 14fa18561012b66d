"""Multi-objective evaluator, hardware-constrained scalar search, MO strategies and the MO loop."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nasbench
from nasbench.errors import NasbenchError, TestSplitAccessError
from nasbench.evaluator import ConstrainedEvaluator, Evaluator, MultiObjectiveEvaluator
from strategies import make_strategy, run_search
from strategies.base import StrategyError, Trial
from strategies.moloop import MOReporter, run_mo_search
from strategies.multiobjective import simplex_lattice
from strategies.pareto import pareto_mask
from strategies.runner import RunSpec, run_one
from tests.toy import toy_benchmark

OBJ = [("valid_acc@12", "max"), ("latency_fpga", "min")]


@pytest.fixture(scope="module")
def nb201():
    return nasbench.load("nb201/cifar10")


def test_mo_evaluator_first_objective_is_the_scalar_signal(nb201):
    mo = MultiObjectiveEvaluator(nb201, rng=np.random.default_rng(3), objectives=OBJ)
    sc = Evaluator(nb201, rng=np.random.default_rng(3), signal="valid_acc@12")
    lat = nb201.table.vector("latency_fpga")
    for arch in (0, 17, 9000):
        a, b = mo.evaluate(arch, trial_id=arch), sc.evaluate(arch, trial_id=arch)
        assert (a.value, a.cost, a.replicate) == (b.value, b.cost, b.replicate)
        assert a.values == (a.value, pytest.approx(float(lat[arch])))
    assert mo.oriented((90.0, 2.0)) == (90.0, -2.0)
    assert mo.describe()["objectives"] == ["valid_acc@12:max", "latency_fpga:min"]


def test_mo_evaluator_rejects_test_and_fidelity_dependent_objectives(nb201):
    rng = np.random.default_rng(0)
    with pytest.raises(TestSplitAccessError):
        MultiObjectiveEvaluator(nb201, rng=rng, objectives=[("test_acc", "max"), ("latency", "min")])
    with pytest.raises(TestSplitAccessError):
        MultiObjectiveEvaluator(nb201, rng=rng, objectives=[("valid_acc", "max"), ("test_acc", "max")])
    with pytest.raises(NasbenchError, match="depends on the fidelity"):
        MultiObjectiveEvaluator(nb201, rng=rng, objectives=[("valid_acc", "max"), ("train_time", "min")])
    with pytest.raises(NasbenchError, match="sense"):
        MultiObjectiveEvaluator(nb201, rng=rng, objectives=[("valid_acc", "max"), ("latency", "low")])


def test_constrained_evaluator_modes(nb201):
    lat = nb201.table.vector("latency_fpga").astype(float)
    T = float(np.median(lat))
    fast, slow = int(np.argmin(lat)), int(np.argmax(lat))
    base = Evaluator(nb201, rng=np.random.default_rng(0), noise="mean")
    v_fast, v_slow = base.evaluate(fast).value, base.evaluate(slow).value
    def mk(mode):
        return ConstrainedEvaluator(nb201, rng=np.random.default_rng(0), noise="mean",
                                    constraint_metric="latency_fpga", limit=T, mode=mode)

    rej = mk("reject")
    assert rej.evaluate(fast).value == v_fast and math.isnan(rej.evaluate(slow).value)
    soft = mk("mnas-soft")
    assert soft.evaluate(slow).value == pytest.approx(v_slow * (lat[slow] / T) ** -0.07)
    assert soft.evaluate(fast).value == pytest.approx(v_fast * (lat[fast] / T) ** -0.07)
    hard = mk("mnas-hard")
    assert hard.evaluate(fast).value == v_fast
    assert hard.evaluate(slow).value == pytest.approx(v_slow * T / lat[slow])
    assert "latency_fpga <= " in rej.describe()["constraint"]
    with pytest.raises(NasbenchError, match="mode"):
        ConstrainedEvaluator(nb201, rng=np.random.default_rng(0), constraint_metric="latency_fpga", limit=T, mode="x")


def test_constrained_reject_works_with_scalar_strategies(nb201):
    lat = nb201.table.vector("latency_fpga")
    T = float(np.quantile(lat, 0.3))
    ev = ConstrainedEvaluator(nb201, rng=np.random.default_rng(1), constraint_metric="latency_fpga", limit=T)
    traj = run_search(make_strategy("re", nb201.space, rng=np.random.default_rng(1)), ev, "60q")
    inc = traj["incumbent"][traj["incumbent"] >= 0]
    assert len(inc) and np.all(lat[inc] <= T)


def test_strategies_recommend_the_pareto_set_of_what_they_were_told(tmp_path):
    bench = toy_benchmark(tmp_path)
    for name in ("mo-rs", "nsga2", "mo-re", "parego"):
        s = make_strategy(name, bench.space, rng=np.random.default_rng(0))
        told = {}
        rng = np.random.default_rng(5)
        for _ in range(17):  # the toy space has 20 architectures (mo-rs never repeats)
            t = s.ask()
            v = (float(rng.random()), float(rng.random()))
            s.tell(t, v)
            told.setdefault(t.arch, []).append(v)
        pts = [(a, v) for a, vs in told.items() for v in vs]
        mask = pareto_mask(-np.array([v for _, v in pts]))
        assert sorted(s.recommend()) == sorted({a for (a, _), m in zip(pts, mask) if m}), name
        s.tell(s.ask(), (math.nan, 1.0))  # a failed trial changes nothing
        assert sorted(s.recommend()) == sorted({a for (a, _), m in zip(pts, mask) if m}), name
        s.tell(s.ask(), state="infeasible")  # nor does an infeasible one
        assert sorted(s.recommend()) == sorted({a for (a, _), m in zip(pts, mask) if m}), name
        with pytest.raises(StrategyError, match="never asked"):
            s.tell(Trial(0, None, 999), (99.0, 99.0))  # an unasked trial is refused: no new front member
        assert sorted(s.recommend()) == sorted({a for (a, _), m in zip(pts, mask) if m}), name


def test_nsga2_selection_keeps_the_first_fronts(tmp_path):
    bench = toy_benchmark(tmp_path)
    s = make_strategy("nsga2", bench.space, rng=np.random.default_rng(0), population_size=4)
    vals = {}
    for i in range(8):
        t = s.ask()
        # the first four are mutually non-dominated; each later one is dominated by its
        # counterpart among them (same first objective, second 10 lower)
        v = (float(i % 4), float(-(i % 4)) + (0 if i < 4 else -10))
        vals[t.trial_id] = v
        s.tell(t, v)
    assert s.generation == 2
    first = sorted(vals[i] for i in range(4))
    assert sorted(tuple(v.tolist()) for _, v in s.parents) == first  # the first front survives whole
    assert sorted(v for _, v in s.front()) == first


def test_simplex_lattice_sizes():
    assert len(simplex_lattice(2, 11)) == 12 and len(simplex_lattice(3, 4)) == 15
    assert np.allclose(simplex_lattice(3, 4).sum(axis=1), 1)


def test_true_front_and_exhaustive_search_has_zero_regret(tmp_path):
    bench = toy_benchmark(tmp_path)
    ev = MultiObjectiveEvaluator(bench, rng=np.random.default_rng(0), noise="mean",
                                 objectives=[("valid_acc@10", "max"), ("latency", "min")])
    rep = MOReporter(bench, ev)
    F = np.stack([-bench.table.vector("valid_acc"), bench.table.vector("latency")], axis=1)
    assert sorted(rep.true_front("valid").tolist()) == np.flatnonzero(pareto_mask(F)).tolist()
    traj = run_mo_search(make_strategy("mo-rs", bench.space, rng=np.random.default_rng(0)), ev, "60q")
    assert traj.stopped == "exhausted" and len(traj) == bench.space.size
    regret = traj["hv_valid_regret"]
    assert np.all(np.diff(regret) <= 1e-12) and regret[-1] == pytest.approx(0.0, abs=1e-12)
    assert np.all(traj["hv_test_regret"] >= -1e-12)
    assert traj.protocol["true_front_size"]["valid"] == len(rep.true_front("valid"))


def test_run_one_dispatches_multi_objective_strategies():
    spec = RunSpec("nb201/cifar10", "nsga2", seed=2, budget="30q", objectives=("latency_pixel3:min",))
    traj = run_one(spec)
    assert len(traj) == 30 and traj.protocol["objectives"] == ["valid_acc@12:max", "latency_pixel3:min"]
    assert traj.equals(run_one(spec))
    assert spec.config_key() != RunSpec("nb201/cifar10", "nsga2", seed=2, budget="30q").config_key()
    assert RunSpec("nb201/cifar10", "re", seed=0, budget="3q").config_key() == RunSpec(
        "nb201/cifar10", "re", seed=0, budget="3q", objectives=None).config_key()
    with pytest.raises(StrategyError, match="single-objective"):
        run_one(RunSpec("nb201/cifar10", "re", seed=0, budget="3q", objectives=("latency:min",)))


def test_mo_loop_needs_a_mo_evaluator(nb201):
    with pytest.raises(TypeError, match="MultiObjectiveEvaluator"):
        run_mo_search(make_strategy("nsga2", nb201.space, rng=np.random.default_rng(0)),
                      Evaluator(nb201, rng=np.random.default_rng(0)), "5q")


def test_scalar_loop_refuses_a_multi_objective_strategy(nb201):
    with pytest.raises(StrategyError, match="run_mo_search"):
        run_search(make_strategy("mo-re", nb201.space, rng=np.random.default_rng(0)),
                   Evaluator(nb201, rng=np.random.default_rng(0)), "5q")
