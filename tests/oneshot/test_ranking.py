"""Supernet ranking quality: metrics against an independent scipy computation on a fixed toy,
the probe's schedule, and that probing never changes a search."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

pytest.importorskip("torch_geometric")

import nasbench
from nasbench.errors import NasbenchError
from strategies.oneshot.data import load_oneshot_data
from strategies.oneshot.ranking import (
    RankingProbe,
    ranking_metrics,
    sample_ranking_archs,
    top_hit_rate,
)
from strategies.oneshot.registry import get_method
from strategies.oneshot.supernet import build_supernet

SCORES = [71.4, 65.7, 80.0, 80.0, 52.9, 77.1, 60.0, 74.3]
TRUTH = [79.8, 70.2, 81.5, 78.9, 55.0, 80.4, 66.1, 72.0]


def test_metrics_match_scipy_on_a_fixed_toy():
    m = ranking_metrics(SCORES, TRUTH, top=3)
    assert m["kendall"] == pytest.approx(stats.kendalltau(SCORES, TRUTH).statistic)
    assert m["spearman"] == pytest.approx(stats.spearmanr(SCORES, TRUTH).statistic)
    # by hand: supernet top 3 = indices 2, 3 (tied 80.0, first first), 5; table top 3 = 2, 5, 0
    assert m["top_hit"] == pytest.approx(2 / 3)
    assert m["n"] == 8 and m["top"] == 3


def test_metrics_drop_unmeasured_pairs():
    s = SCORES + [99.0]
    t = TRUTH + [math.nan]
    m = ranking_metrics(s, t, top=3)
    assert m["kendall"] == pytest.approx(stats.kendalltau(SCORES, TRUTH).statistic)
    assert m["n"] == 8 and m["top_hit"] == pytest.approx(2 / 3)  # the NaN row is never a 'best'


def test_perfect_and_reversed_rankings():
    x = np.arange(10.0)
    assert ranking_metrics(x, x * 2, top=4)["kendall"] == pytest.approx(1.0)
    rev = ranking_metrics(x, -x, top=4)
    assert rev["kendall"] == pytest.approx(-1.0) and rev["top_hit"] == 0.0
    assert top_hit_rate(x, x, 20) == 1.0
    with pytest.raises(NasbenchError, match="one supernet score per table value"):
        ranking_metrics([1, 2, 3], [1, 2])


def test_sampled_architectures_are_seeded_and_distinct():
    space = nasbench.load("nbgraph/cora").space
    a, b = sample_ranking_archs(space, 50, 3), sample_ranking_archs(space, 50, 3)
    assert np.array_equal(a, b) and len(set(a.tolist())) == 50
    assert not np.array_equal(a, sample_ranking_archs(space, 50, 4))
    with pytest.raises(NasbenchError, match="k >= 3"):
        sample_ranking_archs(space, 2, 0)


def test_probe_schedule_values_and_no_effect_on_the_search():
    torch.set_num_threads(1)
    bench = nasbench.load("nbgraph/cora")
    data = load_oneshot_data("nbgraph/cora", synthetic=True, synthetic_size=100)
    probe = RankingProbe(bench, k=6, seed=0, every=2, top=2)
    assert [probe.due(e, 5) for e in range(5)] == [False, True, False, True, True]
    # the truth is the table's final validation accuracy (mean over replicates)
    assert np.allclose(probe.table_valid, bench.table.vector("valid_acc")[probe.archs])

    def run(with_probe: bool):
        net = build_supernet("nbgraph/cora", data, seed=0, hidden=32)
        m = get_method("rsps", n_candidates=3, log_samples=2)
        if with_probe:
            m.probe = probe
        return m.search(net, data, epochs=5, generator=torch.Generator().manual_seed(2))

    plain, probed = run(False), run(True)
    assert [r["epoch"] for r in probe.records] == [1, 3, 4]
    assert [e.derived_arch for e in plain.epochs] == [e.derived_arch for e in probed.epochs]
    assert [e.train_loss for e in plain.epochs] == [e.train_loss for e in probed.epochs]
    for r in probe.records:
        # 6 distinct architectures of a trained supernet: the scores vary, so both rank
        # correlations are defined (a NaN here means the probe scored every path alike)
        assert -1.0 <= r["kendall"] <= 1.0 and -1.0 <= r["spearman"] <= 1.0, r
        assert r["n"] == 6 and 0.0 <= r["top_hit"] <= 1.0
