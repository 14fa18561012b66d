"""Zero-cost proxies: values, no side effects on the network or the global RNG, graph support."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nasbench.live import build_model, synthetic_images
from nasbench.live import proxies as P


def _image_batch():
    img = synthetic_images(64, 10, seed=0)
    return (img.x_train[:16].float() - 127.5) / 64.0, img.y_train[:16], img


def test_image_proxies_finite_and_side_effect_free():
    x, y, img = _image_batch()
    from nasbench.live.models.nb201 import build_from_ops, parse_arch_str
    from nasbench.live.seeding import seeded

    # a connected cell (no NB201 index needed); C=8, N=1 keeps it fast
    ops = parse_arch_str("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|")
    with seeded(0):
        net = build_from_ops(ops, num_classes=10, C=8, N=1)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    rng_before = torch.random.get_rng_state()
    vals = {n: P.compute(n, net, (x, y)) for n in P.PROXIES}
    assert torch.equal(rng_before, torch.random.get_rng_state())
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.grad is None for p in net.parameters())
    for n, v in vals.items():
        assert math.isfinite(v), n
    assert vals["params"] == pytest.approx(sum(p.numel() for p in net.parameters()) / 1e6)
    assert vals["synflow"] > 0 and vals["snip"] > 0 and vals["grad_norm"] > 0
    # deterministic in (net, batch, seed)
    assert P.compute("snip", net, (x, y), seed=3) == P.compute("snip", net, (x, y), seed=3)


def test_flops_counts_linear_and_conv_macs():
    lin = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    assert P.flops(lin, (torch.zeros(5, 8), None)) == pytest.approx((8 * 4 + 4 * 2) / 1e6)
    conv = torch.nn.Conv2d(3, 6, 3, padding=1)
    assert P.flops(conv, (torch.zeros(2, 3, 5, 5), None)) == pytest.approx(6 * 25 * 27 / 1e6)


def test_naswot_distinguishes_codes():
    # identical codes for every sample -> K singular (-inf); distinct codes -> finite
    lin = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU())
    x = torch.randn(8, 4, generator=torch.Generator().manual_seed(0))
    assert math.isfinite(P.compute("naswot", lin, (x, None)))
    assert P.compute("naswot", lin, (torch.ones(8, 4), None)) == -math.inf


def test_unknown_and_unsupported_proxies_are_typed():
    from nasbench.errors import NasbenchError, UnknownNameError

    with pytest.raises(UnknownNameError, match="synflow"):
        P.check_proxies(["nope"])
    with pytest.raises(NasbenchError, match="graph"):
        P.check_proxies(["jacob_cov"], graph=True)


def test_spearman():
    assert P.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert P.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(P.spearman([1, 2], [1, 2]))
    assert P.spearman([1, 2, 3, np.nan, 5], [1, 2, 3, 4, 5]) == pytest.approx(1.0)


def test_graph_proxies_on_cora():
    pytest.importorskip("torch_geometric")
    from nasbench.live import load_planetoid

    data = load_planetoid("cora",
                          normalize_features=P.PROXY_GRAPH_FEATURES == "normalized")
    net = build_model("nbgraph/cora", 123, seed=0, **data.info)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    rng_before = torch.random.get_rng_state()
    vals = P.compute_all(["params", "flops", "grad_norm", "snip", "synflow", "naswot"], net, data.data)
    assert torch.equal(rng_before, torch.random.get_rng_state())
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert all(math.isfinite(v) for v in vals.values()), vals
    with pytest.raises(P.ProxyError):
        P.compute("jacob_cov", net, data.data)
    # arch 123 (gcn, gcn, gcn, sage): every weight is a 2-D matrix of a linear map (torch_geometric's
    # own Linear inside the convs included) applied once to every node of the graph
    g = data.data
    weights = [p for p in net.parameters() if p.dim() == 2]
    assert vals["params"] == sum(p.numel() for p in net.parameters()) / 1e6
    assert vals["flops"] == pytest.approx(g.num_nodes * sum(p.numel() for p in weights) / 1e6, rel=1e-12)
    # the gradient proxies see all of them: a plain backward pass with the same dropout draws
    work = copy.deepcopy(net)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        work.train()
        out = torch.log_softmax(work(g), 1)
        torch.nn.functional.nll_loss(out[g.train_mask], g.y[g.train_mask]).backward()
    grads = [p.grad for p in work.parameters() if p.dim() == 2]
    assert vals["grad_norm"] == pytest.approx(float(sum(d.norm() for d in grads)), rel=1e-5)
    snip = sum(float((d * w.detach()).abs().sum()) for d, w in zip(grads, weights))
    assert vals["snip"] == pytest.approx(snip, rel=1e-5)


def test_zc_writes_augmented_user_table(tmp_path, monkeypatch):
    pytest.importorskip("torch_geometric")
    import nasbench

    res = P.score_benchmark("nbgraph/cora", ["params", "naswot"], sample=4, seed=0, out="cora-zc-test")
    b = nasbench.load("user:cora-zc-test")
    orig = nasbench.load("nbgraph/cora")
    assert b.space.size == orig.space.size  # full space, NaN where not sampled
    for m in orig.table.metric_names:
        np.testing.assert_array_equal(b.table.array(m), orig.table.array(m))
    z = b.table.vector("zc_params")
    assert np.isfinite(z).sum() == 4 and b.table.metric("zc_params").split == "proxy"
    np.testing.assert_allclose(z[res["ids"]], b.query(res["ids"], "params"), rtol=1e-5)  # live == table params
    assert set(res["spearman"]) == {"params", "naswot"}


def test_zc_nb201_without_cifar_is_typed_error(tmp_path, monkeypatch):
    from nasbench.errors import MissingSourceError
    from reproduce.cli import main

    monkeypatch.delenv("NASBENCH_DATA", raising=False)
    with pytest.raises(MissingSourceError, match="CIFAR-10"):
        P.score_benchmark("nb201/cifar10", ["params"], sample=2, data_root=str(tmp_path))
    assert main(["zc", "nb201/cifar10", "--sample", "2", "--data-root", str(tmp_path)]) == 2
