"""``nasbench report DIR`` on folders no preset wrote: a ``nasbench run`` and a ``nasbench predictors`` output."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import reproduce
from reproduce.cli import main
from reproduce.render.tables import time_is_queries


def test_report_of_a_run_folder(tmp_path, capsys):
    out = tmp_path / "cora"
    assert main(["run", "--benchmark", "nbgraph/cora", "--strategy", "rs,re", "--seeds", "0:4", "--budget", "30q",
                 "--out", str(out), "--quiet", "--executor", "serial"]) == 0
    assert main(["report", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    finals = reproduce.load_final(out)
    for strategy, shown in (("rs", "RS"), ("re", "RE")):  # tables show display names
        cell = summary["results"]["30q"][shown]["nbgraph/cora:test_acc"]
        expected = finals.loc[finals["strategy"] == strategy, "incumbent_test"]
        assert cell["n"] == 4
        assert cell["mean"] == pytest.approx(expected.mean(), rel=1e-6)
        assert cell["std"] == pytest.approx(expected.std(ddof=1), rel=1e-6)
    # NB-Graph has no training times: simulated time is 1 s per query, so no time plot
    assert not (out / "anytime_time.png").exists() and (out / "anytime_queries.png").exists()
    assert "skipped" in summary["figures"]["anytime_time"]
    assert "`nasbench run` results" in (out / "table.md").read_text()
    assert json.loads((out / "command.json").read_text())


def test_report_refuses_mixed_protocols_and_empty_folders(tmp_path, capsys):
    out = tmp_path / "mixed"
    for budget in ("10q", "20s"):
        main(["run", "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "0:2", "--budget", budget,
              "--out", str(out), "--quiet", "--executor", "serial"])
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds runs with query and time budgets" in err and "--select budget=" in err
    assert main(["report", str(out), "--select", "budget=10q"]) == 0  # one budget kind: a table
    capsys.readouterr()
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    assert "holds no results" in capsys.readouterr().err


def test_report_of_a_predictors_folder(tmp_path):
    out = tmp_path / "pred"
    assert main(["predictors", "--benchmark", "nb201/cifar10", "--predictors", "ridge", "--trials", "3",
                 "--train-sizes", "5,10", "--out", str(out), "--quiet"]) == 0
    (out / "summary.csv").unlink()
    assert main(["report", str(out)]) == 0
    rows = pd.read_csv(out / "results.csv")
    doc = json.loads((out / "summary.json").read_text())
    for size in (5, 10):
        cell = doc["results"]["ridge"]["sizes"][str(size)]
        part = rows[rows["train_size"] == size]["spearman"]
        assert cell["spearman"] == pytest.approx(part.mean())
        assert -1.0 <= cell["spearman_lo"] <= cell["spearman"] <= cell["spearman_hi"] <= 1.0
    assert (out / "summary.csv").exists() and (out / "spearman.png").exists()


def test_time_is_queries():
    q = np.array([1, 2, 3, 4])
    assert time_is_queries(pd.DataFrame({"queries": q, "time": 1.0 * q}))
    assert time_is_queries(pd.DataFrame({"queries": q, "time": 2.5 * q}))
    assert not time_is_queries(pd.DataFrame({"queries": q, "time": [10.0, 25.0, 31.0, 60.0]}))
