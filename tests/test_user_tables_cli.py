"""User tables (`user:NAME`) everywhere on the command line: list, run, reproduce with reporting."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import nasbench
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table
from reproduce.kinds import load_preset
from reproduce.pipeline import run_preset

N = 60


@pytest.fixture
def user_home(tmp_path, monkeypatch):
    """A NASBENCH_HOME with user table `user:mini`: 60 NB-Graph architectures with Cora's values."""
    home = tmp_path / "home"
    monkeypatch.setenv("NASBENCH_HOME", str(home))
    cora = nasbench.load("nbgraph/cora")
    ids = np.sort(np.random.default_rng(3).choice(cora.space.size, N, replace=False))
    metrics = {m: MetricColumn(cora.table.array(m)[ids], cora.table.metric(m).split, cora.table.metric(m).unit,
                               f"cora {m}", "nbgraph/cora") for m in ("valid_acc", "test_acc")}
    spec = TableSpec(name="user:mini", space="nbgraph", dataset="cora", archs=[cora.space.to_str(i) for i in ids],
                     fidelities=cora.table.fidelities, metrics=metrics, citation="test", recipe="test", recipe_version=1,
                     sources=[SourceRecord("test", "copied from nbgraph/cora", "Apache-2.0", "0" * 64)])
    (home / "user").mkdir(parents=True)
    write_table(spec, home / "user" / "mini.h5")
    return home, cora, ids


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "reproduce.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_list_and_run_on_a_user_table(user_home, tmp_path):
    home, cora, ids = user_home
    env = {"NASBENCH_HOME": str(home)}
    listed = _cli("list", "--json", env=env)
    assert listed.returncode == 0
    rows = {r["name"]: r for r in json.loads(listed.stdout)["benchmarks"]}
    assert rows["user:mini"]["space"] == "nbgraph" and f"{N} archs" in rows["user:mini"]["source"]
    out = tmp_path / "runs"
    proc = _cli("run", "--benchmark", "user:mini", "--strategy", "rs,re", "--seeds", "0:3", "--budget", "20q",
                "--out", str(out), "--quiet", env=env)
    assert proc.returncode == 0, proc.stderr
    from reproduce.store.results import load_final

    finals = load_final(out)
    assert len(finals) == 6 and (finals["stopped"] == "budget").all()
    valid = cora.table.vector("valid_acc")[ids]
    # the incumbent is a row of the user table; its value is the copied Cora value
    np.testing.assert_allclose(finals["incumbent_valid"], valid[finals["incumbent"].to_numpy(dtype=int)], rtol=1e-6)
    missing = _cli("run", "--benchmark", "user:nothere", "--strategy", "rs", "--seeds", "0", "--budget", "5q",
                   "--out", str(tmp_path / "x"), env=env)
    assert missing.returncode == 2 and "user table 'user:nothere' not found" in missing.stderr


def test_reproduce_reports_across_user_and_builtin_tables(user_home, tmp_path):
    """A search on the full table reported on a user table (and the reverse) maps architectures
    by their string: values are the other table's, NaN where it lacks the architecture."""
    home, cora, ids = user_home
    import dataclasses

    preset = load_preset("nbgraph-search")
    preset = dataclasses.replace(preset, strategies=tuple(s for s in preset.strategies if s.name in ("rs", "re")))

    on_full = dataclasses.replace(preset, budgets=("30q",), search_benchmarks=("nbgraph/cora",),
                                  report_benchmarks=("same", "user:mini"))
    summary = run_preset(on_full, tmp_path / "a", seeds=2, executor="serial", progress=False)
    assert summary["results"]
    on_user = dataclasses.replace(preset, budgets=("30q",), search_benchmarks=("user:mini",),
                                  report_benchmarks=("same", "nbgraph/cora"))
    summary = run_preset(on_user, tmp_path / "b", seeds=2, executor="serial", progress=False)
    from reproduce.store.results import load_final

    finals = load_final(tmp_path / "b" / "runs")
    test_full = cora.table.vector("test_acc").astype(float)
    for label, cells in summary["results"]["30q"].items():
        strategy = next(s.name for s in preset.strategies if s.label == label)
        incumbents = finals[finals["strategy"] == strategy]["incumbent"].to_numpy(dtype=int)
        expected = test_full[ids[incumbents]].mean()  # user row -> Cora id -> Cora's test value
        assert cells["nbgraph/cora:test_acc"]["mean"] == pytest.approx(expected, abs=1e-4)
