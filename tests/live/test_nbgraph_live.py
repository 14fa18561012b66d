"""Live backend, NB-Graph part: GNN builder vs the table, Planetoid loading, a short train."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torch_geometric")

from nasbench.errors import MissingSourceError
from nasbench.live import build_model, load_planetoid, nbgraph_recipe, train
from nasbench.live.models.nbgraph import build_from_links_ops


def test_missing_planetoid_is_typed_error(tmp_path):
    with pytest.raises(MissingSourceError, match="ind.cora"):
        load_planetoid("cora", tmp_path)


def test_param_count_equals_table():
    import numpy as np

    import nasbench

    b = nasbench.load("nbgraph/cora")
    ids = [int(i) for i in np.random.default_rng(0).choice(b.space.size, 8, replace=False)]
    ids.append(int(np.nanargmax(b.query(np.arange(b.space.size), "valid_acc"))))
    for i in ids:
        m = build_model("nbgraph/cora", i, in_dim=1433, num_classes=7)
        n = sum(p.numel() for p in m.parameters()) / 1e6
        assert n == pytest.approx(float(b.query([i], "params")[0]), abs=1e-5), b.space.to_str(i)


def test_gnn_forward_and_short_train_on_cora():
    data = load_planetoid("cora")
    g = data.data
    assert g.x.shape == (2708, 1433) and data.num_classes == 7
    assert int(g.train_mask.sum()) == 140 and int(g.val_mask.sum()) == 500
    # every op once, small hidden size so the test stays fast
    for links, ops in (([0, 0, 1, 2], ["gcn", "gat", "sage", "skip"]),
                       ([0, 1, 1, 3], ["gin", "cheb", "arma", "graph"]),
                       ([0, 0, 0, 0], ["fc", "skip", "gcn", "gcn"])):
        m = build_from_links_ops(links, ops, hidden=16, **data.info)
        m.eval()
        assert m(g).shape == (2708, 7)
    m = build_from_links_ops([0, 0, 1, 2], ["gcn", "gat", "sage", "fc"],
                             hidden=16, **data.info)
    r = train(m, data, nbgraph_recipe("cora").with_(epochs=2), device="cpu", seed=0)
    assert r.ok and len(r.epochs) == 2
    assert all(e.valid_loss is not None and e.test_loss is not None for e in r.epochs)
    assert r.reported is not None and r.reported.test_acc is not None and r.reported.epoch in (1, 2)
    assert r.reported.valid_acc == max(e.valid_acc for e in r.epochs)


def test_planetoid_features_are_raw_by_default():
    raw = load_planetoid("cora").data.x
    assert set(raw.unique().tolist()) == {0.0, 1.0}  # NAS-Bench-Graph trained on raw bag-of-words
    norm = load_planetoid("cora", normalize_features=True).data.x
    rows = norm.sum(1)
    assert torch.allclose(rows[rows > 0], torch.ones_like(rows[rows > 0]))
