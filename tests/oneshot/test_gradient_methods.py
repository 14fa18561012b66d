"""DARTS (1st / 2nd order), GDAS, DrNAS: parameters move, valid table ids, determinism, NaN."""
from __future__ import annotations

import json
import math

import pytest
import torch

pytest.importorskip("torch_geometric")

import nasbench
from nasbench.errors import UnknownNameError
from strategies.base import StrategyError
from strategies.oneshot.data import load_oneshot_data
from strategies.oneshot.registry import get_method, method_names
from strategies.oneshot.supernet import build_supernet

METHODS = ["darts", "darts-2nd", "gdas", "drnas"]


@pytest.fixture(scope="module")
def graph_data():
    torch.set_num_threads(1)
    return load_oneshot_data("nbgraph/cora", synthetic=True, synthetic_size=100)


@pytest.fixture(scope="module")
def image_data():
    return load_oneshot_data("nb201/cifar10", synthetic=True, synthetic_size=16, batch_size=8)


def _run(bench, data, method, seed=0, epochs=2, **settings):
    opts = {"C": 4, "N": 1} if bench.startswith("nb201") else {"hidden": 32}
    net = build_supernet(bench, data, seed=0, **opts)
    return get_method(method, **settings).search(net, data, epochs=epochs,
                                                 generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("method", METHODS)
def test_nbgraph_run(graph_data, method):
    res = _run("nbgraph/cora", graph_data, method)
    assert res.state == "completed", res.reason
    assert len(res.epochs) == 2 and res.method == method
    first, last = res.epochs[0].arch_params, res.epochs[-1].arch_params
    assert [len(r) for r in last] == [2, 3, 4, 9, 9, 9, 9]
    assert first != last  # architecture parameters move
    bench = nasbench.load("nbgraph/cora")
    assert math.isfinite(bench.query(res.derived_arch, "valid_acc"))
    assert res.settings["bn_mode"] == "affine-free" and res.settings["w_lr"] == 0.1
    assert "halved" in res.settings["search_split"]
    json.dumps(res.to_dict())  # JSON-safe
    again = _run("nbgraph/cora", graph_data, method)
    assert again.derived_arch == res.derived_arch
    assert [e.arch_params for e in again.epochs] == [e.arch_params for e in res.epochs]


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_nb201_run(image_data, method):
    res = _run("nb201/cifar10", image_data, method, epochs=2, max_steps_per_epoch=1)
    assert res.state == "completed", res.reason
    assert res.epochs[0].arch_params != res.epochs[-1].arch_params
    assert math.isfinite(nasbench.load("nb201/cifar10").query(res.derived_arch, "valid_acc"))
    again = _run("nb201/cifar10", image_data, method, epochs=2, max_steps_per_epoch=1)
    assert again.derived_arch == res.derived_arch


def test_seed_changes_the_draws(graph_data):
    a = _run("nbgraph/cora", graph_data, "gdas", seed=0)
    b = _run("nbgraph/cora", graph_data, "gdas", seed=1)
    assert a.epochs[-1].arch_params != b.epochs[-1].arch_params


def test_gdas_tau_anneals(graph_data):
    res = _run("nbgraph/cora", graph_data, "gdas", epochs=3)
    assert [round(e.extra["tau"], 3) for e in res.epochs] == [10.0, 5.05, 0.1]


@pytest.mark.parametrize("method", METHODS)
def test_nan_features_fail_the_run(method):
    data = load_oneshot_data("nbgraph/cora", synthetic=True, synthetic_size=60)
    graph = data.graph.clone()
    graph.x[0, 0] = float("nan")
    data = data.replace(graph=graph)
    res = _run("nbgraph/cora", data, method)
    assert res.state == "failed"
    assert "not finite" in res.reason and method in res.reason
    assert res.epochs == []
    json.dumps(res.to_dict())


def test_nan_loss_in_a_later_epoch_keeps_the_log(graph_data, monkeypatch):
    calls = {"n": 0}
    real = type(graph_data).loss

    def loss(self, out, batch):
        calls["n"] += 1
        value = real(self, out, batch)
        return value * float("nan") if calls["n"] > 4 else value

    monkeypatch.setattr(type(graph_data), "loss", loss)
    res = _run("nbgraph/cora", graph_data, "darts", epochs=4)
    assert res.state == "failed" and len(res.epochs) == 2
    assert res.derived_arch == res.epochs[-1].derived_arch


def test_registry_and_settings():
    assert set(METHODS) <= set(method_names())
    with pytest.raises(UnknownNameError, match="darts"):
        get_method("dartz")
    with pytest.raises(StrategyError, match="unknown setting"):
        get_method("darts", learning_rate=0.1)
    with pytest.raises(StrategyError, match="tau_min"):
        get_method("gdas", tau_min=20.0)
    with pytest.raises(StrategyError, match="bn_mode"):
        get_method("drnas", bn_mode="frozen")


@pytest.mark.parametrize("method", ["darts", "darts-2nd", "gdas"])
def test_bf16_mixed_precision(image_data, method):
    """precision='bf16' runs the training convolutions in bfloat16 (seen by a forward hook; the
    evaluation of derived paths stays float32), keeps the weights in float32, records the
    setting, and the architecture parameters still move."""
    net = build_supernet("nb201/cifar10", image_data, seed=0, C=4, N=1)
    seen = set()
    hooks = [m.register_forward_hook(lambda m, a, out: seen.add(out.dtype))
             for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    res = get_method(method, precision="bf16", max_steps_per_epoch=1).search(
        net, image_data, epochs=2, generator=torch.Generator().manual_seed(0))
    for h in hooks:
        h.remove()
    assert res.state == "completed", res.reason
    assert torch.bfloat16 in seen
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert res.settings["precision"] == "bf16"
    assert res.epochs[0].arch_params != res.epochs[1].arch_params
    assert math.isfinite(nasbench.load("nb201/cifar10").query(res.derived_arch, "valid_acc"))
    assert get_method(method).settings["precision"] == "fp32"
    with pytest.raises(StrategyError, match="precision"):
        get_method(method, precision="fp16")
