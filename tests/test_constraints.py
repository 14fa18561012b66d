"""Hardware constraints are applied or refused; regret is against the feasible optimum."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import nasbench
from nasbench.errors import NasbenchError
from strategies.base import StrategyError
from strategies.runner import RunSpec, run_one


def test_scalar_strategy_regret_is_against_the_best_architecture_that_meets_the_limit():
    bench = nasbench.load("nb201/cifar10")
    latency = bench.table.vector("latency_fpga")
    test = bench.table.vector("test_acc").astype(float)
    feasible = latency <= 3.0
    best_feasible = float(np.nanmax(test[feasible]))
    assert best_feasible < float(np.nanmax(test)) - 0.5  # the limit matters on this table
    traj = run_one(RunSpec("nb201/cifar10", "re", 0, "100q", constraint="latency_fpga<=3"))
    inc = traj["incumbent"]
    assert (latency[inc[inc >= 0]] <= 3.0).all()  # reject mode: the incumbent always meets the limit
    last = len(inc) - 1
    assert traj["test_regret"][last] == pytest.approx(best_feasible - test[inc[last]], abs=1e-4)
    assert traj["test_regret"][last] >= 0
    assert "architectures that meet the limit" in traj.protocol["regret_reference"]


def test_multi_objective_strategies_refuse_a_constraint():
    with pytest.raises(StrategyError, match="nsga2.*does not apply --constraint.*--objectives latency_fpga:min"):
        run_one(RunSpec("nb201/cifar10", "nsga2", 0, "20q", constraint="latency_fpga<=3",
                        objectives=("latency_fpga:min",)))


def test_a_limit_nothing_meets_is_an_error_before_the_first_trial(tmp_path):
    with pytest.raises(NasbenchError,
                       match=r"no architecture of 'nb201/cifar10' meets it.*lowest latency_fpga is 1\.13.*at least 1\.13"):
        run_one(RunSpec("nb201/cifar10", "rs", 0, "20q", constraint="latency_fpga<=0.5"))
    out = tmp_path / "runs"
    proc = subprocess.run([sys.executable, "-m", "reproduce.cli", "run", "--benchmark", "nb201/cifar10", "--strategy",
                           "nsga2", "--objectives", "latency_fpga:min", "--constraint", "latency_fpga<=3", "--seeds", "0:2",
                           "--budget", "20q", "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2 and "does not apply --constraint" in proc.stderr.strip().splitlines()[-1]
    assert not list(out.rglob("seed-*.json"))
