"""Supernets: a single one-hot path with the live network's weights copied in computes the
live backend's network (the derived architecture trained alone is the table's network)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("torch_geometric")

from nasbench.errors import InvalidArchitectureError, UnknownBenchmarkError
from nasbench.live.models import build_model
from strategies.oneshot.data import load_oneshot_data
from strategies.oneshot.supernet import build_supernet


@pytest.fixture(scope="module")
def graph():
    torch.set_num_threads(1)
    data = load_oneshot_data("nbgraph/cora", synthetic=True, synthetic_size=120)
    return data, build_supernet("nbgraph/cora", data, seed=0)


@pytest.fixture(scope="module")
def images():
    data = load_oneshot_data("nb201/cifar10", synthetic=True, synthetic_size=16, batch_size=8)
    return data, build_supernet("nb201/cifar10", data, seed=0, C=4, N=1)


def _nbgraph_archs(space):
    rng = np.random.default_rng(1)
    fixed = ["skip@0,skip@1,skip@2,gcn@3", "skip@0,gat@1,skip@0,fc@3", "gcn@0,gin@0,sage@0,arma@0",
             "gat@0,cheb@1,graph@2,fc@3", "skip@0,sage@1,gat@2,gin@2"]
    return [space.from_str(s) for s in fixed] + [int(a) for a in rng.integers(0, space.size, 12)]


def test_nbgraph_single_path_is_the_live_network(graph):
    data, net = graph
    batch = next(data.batches("search-train"))
    for arch in _nbgraph_archs(net.space):
        live = build_model("nbgraph/cora", arch, seed=arch, **data.info)
        net.load_live(live, arch)
        live.eval()
        net.eval()
        with torch.no_grad():
            want = live(batch.inputs)
            got = net(batch, net.arch_path(arch))
        assert got.shape == want.shape
        # the live cell's output Linear is one matmul over the concatenated leaves; the supernet
        # sums the same column blocks: equal up to float rounding
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5, msg=net.space.to_str(arch))


def test_nbgraph_other_path_differs(graph):
    """The check above can fail: another architecture's path gives another output."""
    data, net = graph
    batch = next(data.batches("search-train"))
    a, b = net.space.from_str("gcn@0,gin@1,fc@2,cheb@1"), net.space.from_str("gat@0,sage@1,fc@2,cheb@1")
    net.load_live(build_model("nbgraph/cora", a, seed=0, **data.info), a)
    net.eval()
    with torch.no_grad():
        assert not torch.allclose(net(batch, net.arch_path(a)), net(batch, net.arch_path(b)))


def test_nb201_single_path_is_the_live_network_bitwise(images):
    data, net = images
    batch = next(data.batches("search-train", shuffle=False))
    for arch in (0, 1, 100, 7777, 15624):
        live = build_model("nb201/cifar10", arch, seed=arch, C=4, N=1, **data.info)
        net.load_live(live, arch)
        for mode in ("train", "eval"):
            live.train(mode == "train")
            net.train(mode == "train")
            with torch.no_grad():
                assert torch.equal(net(batch, net.arch_path(arch)), live(batch.inputs)), (arch, mode)


def test_one_hot_computes_only_the_chosen_path(images):
    data, net = images
    batch = next(data.batches("search-train", shuffle=False))
    calls = []
    hooks = [m.register_forward_hook(lambda *a: calls.append(1))
             for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    try:
        net(batch, net.arch_path(0))  # all 'none': only stem and reduction convs run
        n_none = len(calls)
        calls.clear()
        net(batch, [torch.full((5,), 0.2) for _ in range(6)])
        assert len(calls) > n_none
    finally:
        for h in hooks:
            h.remove()


def test_mixture_forward_and_gradients(graph):
    data, net = graph
    batch = next(data.batches("search-train"))
    alphas = [torch.zeros(s, requires_grad=True) for s in net.decision_sizes]
    net.train()
    loss = data.loss(net(batch, [torch.softmax(a, 0) for a in alphas]), batch)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(a.grad is not None and a.grad.abs().sum() > 0 for a in alphas)


def test_derive_repairs_the_all_skip_cell(graph):
    _, net = graph
    skip = net.ops.index("skip")
    logits = [torch.zeros(s) for s in net.decision_sizes]
    for d in range(3, 7):
        logits[d][skip] = 5.0
    arch = net.derive(logits)
    assert 0 <= arch < net.space.size
    assert net.space.to_str(arch).count("skip") == 3


def test_bn_modes(images):
    data, _ = images
    net = build_supernet("nb201/cifar10", data, seed=0, C=4, N=1)
    n_params = len(net.weight_parameters())
    net.set_bn_mode("affine-free")
    bn = next(m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert bn.weight is None and bn.running_mean is None
    assert len(net.weight_parameters()) < n_params
    net.set_bn_mode("track")
    assert bn.weight is not None and bn.running_mean is not None
    assert len(net.weight_parameters()) == n_params
    with pytest.raises(InvalidArchitectureError, match="bn_mode"):
        net.set_bn_mode("frozen")


def test_bad_inputs_raise_typed_errors(images):
    data, net = images
    with pytest.raises(InvalidArchitectureError, match=r"sizes \[5, 5, 5, 5, 5, 5\]"):
        net(next(data.batches("search-train")), [torch.ones(5)] * 5)
    with pytest.raises(InvalidArchitectureError, match="got \\[0, 9"):
        net.single_path([0, 9, 0, 0, 0, 0])
    with pytest.raises(UnknownBenchmarkError, match="nbgraph"):
        build_supernet("nbmacro/cifar10", data)
    with pytest.raises(UnknownBenchmarkError):
        load_oneshot_data("nb301/cifar10", synthetic=True)


def test_graph_splits_are_halves_of_the_train_mask():
    data = load_oneshot_data("nbgraph/cora")
    g = data.graph
    tr, va = data.masks["search-train"], data.masks["search-valid"]
    assert int(tr.sum()) == 70 and int(va.sum()) == 70
    assert not (tr & va).any() and torch.equal(tr | va, g.train_mask)
    assert not ((tr | va) & g.test_mask).any()
    assert "valid" in data.splits and "test" not in " ".join(data.splits)


def test_data_to_and_replace_build_new_objects(graph, images):
    for data, _ in (graph, images):
        moved = data.to("cpu")
        assert moved is not data and moved.splits == data.splits and moved.info == data.info
        for split in data.splits:
            a = next(iter(data.batches(split, shuffle=False)))
            b = next(iter(moved.batches(split, shuffle=False)))
            assert torch.equal(a.target, b.target)
    g = load_oneshot_data("nbgraph/cora", synthetic=True, synthetic_size=60)
    changed = g.graph.clone()
    changed.y = torch.zeros_like(changed.y)
    other = g.replace(graph=changed)
    assert other.graph is changed and g.graph is not changed  # the original keeps its data
    assert torch.equal(next(iter(other.batches("search-train"))).target, torch.zeros_like(g.graph.y))
