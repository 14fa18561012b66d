"""The search loop: budgets, simulated clock with parallel workers, trajectory contents."""
from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench.errors import NasbenchError
from nasbench.evaluator import Evaluator, Reporter
from strategies import Budget, make_strategy, run_search
from tests.toy import toy_benchmark


def _run(bench, budget, workers=1, strategy="rs", seed=0, noise="mean"):
    strat = make_strategy(strategy, bench.space, rng=np.random.default_rng(seed))
    ev = Evaluator(bench, rng=np.random.default_rng(seed + 1), noise=noise)
    return run_search(strat, ev, budget, workers=workers), ev


def test_budget_parsing():
    assert Budget.parse("150q") == Budget(150, "q") and Budget.parse("12000s") == Budget(12000, "s")
    for bad in ("150", "12000 m", "-3q", "1.5q", "0s"):
        with pytest.raises(NasbenchError, match="150q"):
            Budget.parse(bad)


@pytest.mark.parametrize("workers", [1, 4])
def test_query_budget_is_exact(workers):
    bench = nasbench.load("nbgraph/cora")
    traj, ev = _run(bench, "37q", workers)
    assert len(traj) == 37 and ev.n_queries == 37
    assert list(traj["queries"]) == list(range(1, 38))


def test_seconds_budget_single_worker_is_a_sum_of_costs():
    bench = nasbench.load("nbgraph/cora")
    traj, ev = _run(bench, "50s")  # 1 s per query on this table
    assert len(traj) == 50
    np.testing.assert_allclose(traj["time"], np.cumsum(traj["cost"]))
    assert traj["time"][-1] <= 50


def test_parallel_workers_overlap_in_simulated_time(tmp_path):
    bench = toy_benchmark(tmp_path)
    one, _ = _run(bench, "40s", workers=1)
    four, ev4 = _run(bench, "45s", workers=4)
    assert four["time"][-1] <= 45 and np.all(np.diff(four["time"]) >= 0)
    assert (len(one), len(four)) == (4, 16)
    # trials still running at the budget were evaluated but never told
    assert ev4.n_queries >= len(four)


def test_seconds_budget_discards_trials_finishing_late(tmp_path):
    bench = toy_benchmark(tmp_path)
    traj, ev = _run(bench, "25s")  # 10 s per trial at the default (highest) fidelity
    assert len(traj) == 2 and traj["time"][-1] == 20 and ev.n_queries == 3


def test_trajectory_incumbent_and_regret(tmp_path):
    bench = toy_benchmark(tmp_path)
    traj, _ = _run(bench, "15q")
    rep = Reporter(bench)
    best_so_far = np.maximum.accumulate(traj["value"])
    np.testing.assert_allclose(traj["incumbent_signal"], best_so_far)
    for row in range(len(traj)):
        valid, test = rep.final(int(traj["incumbent"][row]))
        assert traj["incumbent_valid"][row] == pytest.approx(valid)
        assert traj["valid_regret"][row] == pytest.approx(rep.best_valid - valid)
        assert traj["test_regret"][row] == pytest.approx(rep.best_test - test)
    assert traj.protocol["signal"] == "valid_acc@10" and traj.protocol["budget"] == "15q"


def test_exhausting_a_finite_space_stops_cleanly(tmp_path):
    bench = toy_benchmark(tmp_path)
    traj, _ = _run(bench, "100q")
    assert len(traj) == bench.space.size and traj.stopped == "exhausted"
    assert sorted(traj["arch"]) == list(range(bench.space.size))


def test_bad_workers():
    bench = nasbench.load("nbgraph/cora")
    with pytest.raises(NasbenchError, match="positive integer"):
        _run(bench, "5q", workers=0)


def test_hardware_constraint_through_run_one():
    from strategies.runner import RunSpec, parse_constraint, run_one

    assert parse_constraint("latency_fpga<=5:mnas-soft") == {"constraint_metric": "latency_fpga", "limit": 5.0,
                                                              "mode": "mnas-soft"}
    with pytest.raises(NasbenchError, match="METRIC<=LIMIT"):
        parse_constraint("latency_fpga < 5")
    bench = nasbench.load("nb201/cifar10")
    lat = bench.table.vector("latency_fpga")
    limit = float(np.quantile(lat, 0.2))
    traj = run_one(RunSpec("nb201/cifar10", "re", 0, "40q", constraint=f"latency_fpga<={limit}"))
    told = ~np.isnan(traj["value"])
    assert np.all(lat[traj["arch"][told]] <= limit) and np.all(lat[traj["arch"][~told]] > limit)
    assert lat[traj["incumbent"][-1]] <= limit
    assert "latency_fpga <= " in traj.protocol["constraint"]
    plain = run_one(RunSpec("nb201/cifar10", "re", 0, "40q"))
    assert RunSpec("nb201/cifar10", "re", 0, "40q", constraint="latency_fpga<=3").config_key() != plain.protocol["config_key"]
