"""The White et al. (2021) evaluation protocol and the `nasbench predictors` command."""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from nasbench.errors import NasbenchError, UnknownNameError
from predictors.evaluation import COLUMNS, evaluate_predictors, summarise


def test_rows_are_tidy_and_deterministic():
    kw = dict(train_sizes=(5, 24), n_test=50, trials=2, seed=3)
    a = evaluate_predictors("nb201/cifar10", ["ridge", "rf"], **kw)
    b = evaluate_predictors("nb201/cifar10", ["ridge", "rf"], **kw)
    assert len(a) == 2 * 2 * 2 and set(a[0]) == set(COLUMNS)
    def key(rows):
        return [(r["trial"], r["predictor"], r["train_size"], r["spearman"], r["kendall"]) for r in rows]

    assert key(a) == key(b)
    frame = pd.DataFrame(a)
    assert frame.groupby(["predictor", "train_size"]).size().eq(2).all()
    assert np.all(np.abs(frame[["spearman", "kendall"]].to_numpy()) <= 1)
    # a subset of trials reproduces the same rows
    sub = evaluate_predictors("nb201/cifar10", ["ridge", "rf"], only_trials=[1], **kw)
    assert key(sub) == [k for k in key(a) if k[0] == 1]
    s = summarise(frame)
    assert {"spearman", "spearman_lo", "spearman_hi", "trials"} <= set(s.columns)


def test_bad_arguments():
    with pytest.raises(UnknownNameError):
        evaluate_predictors("nb201/cifar10", ["nope"], trials=1)
    with pytest.raises(NasbenchError, match="exceed"):
        evaluate_predictors("nb201/cifar10", ["ridge"], train_sizes=(20000,), trials=1)


def test_command_writes_csv_and_plots(tmp_path, capsys):
    from reproduce.commands import predictors

    ap = argparse.ArgumentParser()
    predictors.add_parsers(ap.add_subparsers())
    args = ap.parse_args(["predictors", "--benchmark", "nb201/cifar10", "--predictors", "ridge,gp",
                          "--trials", "2", "--train-sizes", "5,14", "--n-test", "40", "--quiet", "--out", str(tmp_path)])
    assert args.func(args) == 0
    frame = pd.read_csv(tmp_path / "results.csv")
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 2 * 2 * 2
    for name in ("summary.csv", "spearman.png", "spearman.pdf"):
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "spearman.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "spearman.pdf").read_bytes()[:4] == b"%PDF"
    assert "Spearman" in capsys.readouterr().out
    bad = ap.parse_args(["predictors", "--benchmark", "nb201/cifar10", "--predictors", "ridge",
                         "--train-sizes", "5,x", "--out", str(tmp_path)])
    with pytest.raises(NasbenchError, match="train-sizes"):
        bad.func(bad)


def test_summary_band_is_clipped_to_the_range_of_a_correlation_and_absent_for_one_trial():
    import pandas as pd

    from predictors.evaluation import format_ci, summarise

    base = dict(encoding="onehot", kendall=0.5, fit_time=0.1, predict_time=0.01)
    rows = [dict(predictor="p", train_size=10, trial=t, spearman=s, **base) for t, s in enumerate([0.99, 0.5, 0.98])]
    rows += [dict(predictor="q", train_size=10, trial=0, spearman=0.7, **base)]
    out = summarise(pd.DataFrame(rows)).set_index("predictor")
    assert out.loc["p", "spearman_hi"] == 1.0 and out.loc["p", "spearman_lo"] < 0.82
    assert np.isnan(out.loc["q", "spearman_lo"]) and np.isnan(out.loc["q", "spearman_hi"])
    assert format_ci(out.loc["q", "spearman_lo"], out.loc["q", "spearman_hi"]) == "[no CI: 1 trial]"
    assert format_ci(0.4651, 1.0) == "[0.465, 1.000]"
