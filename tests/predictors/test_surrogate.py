"""Surrogate benchmarks: every architecture answered, measured training rows, Evaluator and search unchanged."""
from __future__ import annotations

import json

import numpy as np
import pytest

import nasbench
from nasbench.errors import NasbenchError, TestSplitAccessError, UnknownNameError
from nasbench.evaluator import Evaluator, Reporter
from predictors.surrogate import load_surrogate, surrogate_benchmark, surrogate_record
from strategies.loop import run_search
from strategies.registry import make_strategy
from tests.toy import toy_benchmark


@pytest.fixture(scope="module")
def nb201():
    return nasbench.load("nb201/cifar10")


@pytest.fixture(scope="module")
def rf_surrogate(nb201, tmp_path_factory):
    return surrogate_benchmark(nb201, "rf", fit_fraction=0.02, random_state=1, out_dir=tmp_path_factory.mktemp("sur"))


def test_every_arch_answered_training_rows_measured(nb201, rf_surrogate):
    sur, true = rf_surrogate.table, nb201.table
    rec = surrogate_record(sur)
    train = np.array(rec["train_ids"])
    assert sur.n_archs == true.n_archs == nb201.space.size and sur.archs() == true.archs()
    assert rec["n_fit"] == len(train) == round(0.02 * true.n_archs) and len(np.unique(train)) == len(train)
    values, measured = sur.array("valid_acc"), true.array("valid_acc")
    f = true.fidelity_index(200)
    assert np.all(np.isfinite(sur.vector("valid_acc", 200)))  # every architecture has an answer
    np.testing.assert_array_equal(values[train, :, f], measured[train, :, f])  # training rows: measured replicates
    assert np.isnan(values[:, :, 1 - f]).all()  # only the fitted fidelity is answered
    # predicted rows: 3 replicates whose mean is the point prediction and which differ (predict_std)
    rest = np.setdiff1d(np.arange(true.n_archs), train)
    reps = values[rest, :, f].astype(np.float64)
    assert np.all(np.isfinite(reps)) and rec["replicates"] == 3
    assert np.all(reps.std(axis=1) > 0)
    assert not np.array_equal(values[rest, :, f], measured[rest, :, f])
    # test and cost copied unchanged, split kept
    for m in ("test_acc", "train_time"):
        np.testing.assert_array_equal(sur.array(m), true.array(m))
        assert sur.metric(m).split == true.metric(m).split
    assert sur.metric("test_acc").is_test and not sur.metric("valid_acc").is_test


def test_provenance(nb201, rf_surrogate):
    table = rf_surrogate.table
    n = surrogate_record(table)["n_fit"]
    assert rf_surrogate.name == table.name == "surrogate:rf/nb201/cifar10"
    assert table.metric("valid_acc").source == f"surrogate rf fitted on {n} archs of nb201/cifar10"
    assert rf_surrogate.info.source == table.metric("valid_acc").source
    assert table.recipe == "surrogate" and len(table.sources[0]["sha256"]) == 64
    assert table.sources[0]["path"] == nb201.table.path.name
    rec = json.loads(table.notes)["surrogate"]
    assert rec["predictor"] == "rf" and rec["encoding"] == "onehot" and rec["fidelity"] == 200.0
    assert rec["random_state"] == 1 and rec["fit_fraction"] == 0.02
    again = load_surrogate(table.path)  # a sealed table file any process can reopen
    assert again.name == rf_surrogate.name and again.default_signal() == ("valid_acc", 200.0)
    np.testing.assert_array_equal(again.table.array("valid_acc"), table.array("valid_acc"))


def test_evaluator_and_search_run_unchanged(nb201, rf_surrogate):
    ev = Evaluator(rf_surrogate, rng=np.random.default_rng(0))  # default signal: the fitted one
    assert str(ev.signal) == "valid_acc@200" and ev.noise == "per-trial"
    true_ev = Evaluator(nb201, rng=np.random.default_rng(0), signal="valid_acc@200")
    for arch in (0, 77, 15624):
        assert ev.cost(arch) == true_ev.cost(arch)  # cost stays the table's
    strategy = make_strategy("re", rf_surrogate.space, rng=np.random.default_rng(1))
    traj = run_search(strategy, ev, "30q", reporter=Reporter(nb201))
    assert len(traj) == 30 and np.all(np.isfinite(traj["value"]))
    inc = int(traj.final()["incumbent"])
    assert traj.final()["incumbent_test"] == pytest.approx(float(nb201.table.vector("test_acc")[inc]))
    mean_ev = Evaluator(rf_surrogate, rng=np.random.default_rng(0), noise="mean")
    assert mean_ev.evaluate(5).value == pytest.approx(float(rf_surrogate.table.vector("valid_acc", 200)[5]))


def test_test_metric_is_never_a_signal(nb201, rf_surrogate):
    with pytest.raises(TestSplitAccessError):
        Evaluator(rf_surrogate, rng=np.random.default_rng(0), signal="test_acc")
    with pytest.raises(TestSplitAccessError):
        surrogate_benchmark(nb201, "rf", metric="test_acc")


def test_toy_no_std_nan_rows_and_determinism(tmp_path):
    bench = toy_benchmark(tmp_path, nan_archs=(3, 7))
    a = surrogate_benchmark(bench, "gbt", fit_fraction=0.5, random_state=4, encoding="decisions", out_dir=tmp_path / "a")
    b = surrogate_benchmark(bench, "gbt", fit_fraction=0.5, random_state=4, encoding="decisions", out_dir=tmp_path / "b")
    np.testing.assert_array_equal(a.table.array("valid_acc"), b.table.array("valid_acc"))
    rec = surrogate_record(a.table)
    train = np.array(rec["train_ids"])
    assert rec["n_fit"] == 9 and not {3, 7} & set(train.tolist())  # 50% of the 18 measured; NaN rows never trained on
    vec = a.table.vector("valid_acc")
    assert np.all(np.isfinite(vec))  # unmeasured architectures get predictions too
    rest = np.setdiff1d(np.arange(20), train)
    values = a.table.array("valid_acc")[rest, :, 1]
    assert rec["replicates"] == 1 and np.isfinite(values[:, 0]).all() and np.isnan(values[:, 1:]).all()
    assert a.info.default_noise == "mean"
    c = surrogate_benchmark(bench, "rf", fit_fraction=0.5, random_state=5, encoding="decisions", out_dir=tmp_path / "c")
    assert not np.array_equal(np.array(surrogate_record(c.table)["train_ids"]), train)  # the seed picks the set


def test_bad_arguments(tmp_path):
    bench = toy_benchmark(tmp_path)
    with pytest.raises(NasbenchError, match="fit_fraction"):
        surrogate_benchmark(bench, "ridge", fit_fraction=0)
    with pytest.raises(NasbenchError, match="at least 2"):
        surrogate_benchmark(bench, "ridge", fit_fraction=0.01)
    with pytest.raises(UnknownNameError):
        surrogate_benchmark(bench, "nope")
    with pytest.raises(UnknownNameError, match="encoding"):
        surrogate_benchmark(bench, "ridge", encoding="path")
    with pytest.raises(NasbenchError, match="not a surrogate"):
        surrogate_record(bench.table)
