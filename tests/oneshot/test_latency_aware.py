"""Latency-aware search: additive latency model fit, expected-latency penalty, trade-off."""
from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("torch_geometric")

import nasbench
from nasbench.errors import MissingMetricError
from strategies.oneshot.data import load_oneshot_data
from strategies.oneshot.latency import fit_latency_model, latency_tradeoff
from strategies.oneshot.registry import get_method
from strategies.oneshot.supernet import build_supernet


@pytest.fixture(scope="module")
def graph_data():
    torch.set_num_threads(1)
    return load_oneshot_data("nbgraph/cora", synthetic=True, synthetic_size=100)


def test_fit_quality_and_prediction():
    model = fit_latency_model("nbgraph/cora")
    assert model.metric == "latency" and model.n_fit == 26206
    assert model.r2 > 0.8 and model.spearman > 0.9, model.summary()
    bench = nasbench.load("nbgraph/cora")
    ids = np.arange(0, bench.space.size, 997)
    dec = bench.space.to_decisions(ids)
    pred = model.predict(dec)
    true = bench.table.vector("latency")[ids]
    assert np.corrcoef(pred, true)[0, 1] > 0.9
    # a one-hot relaxation's expected latency is the additive prediction
    onehots = [torch.nn.functional.one_hot(torch.tensor(int(c)), s).float()
               for c, s in zip(dec[0], bench.space.decision_sizes)]
    assert float(model.expected(onehots)) == pytest.approx(pred[0], rel=1e-5)


def test_nb201_device_columns():
    model = fit_latency_model("nb201/cifar10", "latency_pixel3")
    assert model.r2 > 0.8
    with pytest.raises(MissingMetricError, match="latency_pixel3"):
        fit_latency_model("nb201/cifar10", "latency_toaster")


def _search(data, lam, epochs=6):
    net = build_supernet("nbgraph/cora", data, seed=0, hidden=32)
    return get_method("latency-darts", latency_weight=lam, arch_lr=0.05).search(
        net, data, epochs=epochs, generator=torch.Generator().manual_seed(0))


@pytest.mark.slow
def test_penalty_lowers_expected_latency(graph_data):
    free, costly = _search(graph_data, 0.0), _search(graph_data, 5.0)
    assert free.state == costly.state == "completed"
    assert costly.epochs[-1].extra["expected_latency"] < free.epochs[-1].extra["expected_latency"]
    assert costly.settings["latency_model"]["r2"] > 0.8
    lat = nasbench.load("nbgraph/cora").table.vector("latency")
    assert lat[costly.derived_arch] <= lat[free.derived_arch]


@pytest.mark.slow
def test_tradeoff_points_and_front(graph_data):
    out = latency_tradeoff("nbgraph/cora", graph_data, lambdas=(0.0, 5.0), epochs=3,
                           supernet_options={"hidden": 32}, arch_lr=0.05)
    assert [p["lambda"] for p in out["points"]] == [0.0, 5.0]
    assert all(np.isfinite(p["accuracy"]) and np.isfinite(p["latency"]) for p in out["points"])
    front = np.array(out["front"])
    assert len(front) >= 2 and np.all(np.diff(front[:, 1]) >= 0) and np.all(np.diff(front[:, 0]) >= 0)
    assert all(p["gap"] >= 0 for p in out["points"])
