"""NAS-Bench-Suite-Zero proxy scores as ``zc_<proxy>`` metrics of the nb201 and nb101 tables."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

import nasbench
from nasbench.published import published_file
from nasbench.recipes.nb201 import NASLIB_OPS, SUITE_ZERO, SUITE_ZERO_DATASET, naslib_cell
from nasbench.recipes.suite_zero import PROXIES


def _rows(dataset: str) -> dict:
    with gzip.open(published_file(SUITE_ZERO), "rt") as fh:
        return json.load(fh)["nasbench201"][SUITE_ZERO_DATASET[dataset]]


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "imagenet16-120"])
def test_nb201_tables_carry_the_published_scores(dataset):
    bench = nasbench.load(f"nb201/{dataset}")
    rows = _rows(dataset)
    assert {f"zc_{p}" for p in PROXIES} <= set(bench.table.metric_names)
    for p in PROXIES:
        assert bench.table.metric(f"zc_{p}").split == "proxy"
    synflow = bench.table.vector("zc_synflow")
    assert int(np.isfinite(synflow).sum()) == len(rows)  # one labelled cell per key, nothing imputed
    for key in list(rows)[:50]:
        arch = bench.arch_id(naslib_cell(key))
        for p in ("synflow", "snip", "jacov"):
            assert bench.table.vector(f"zc_{p}")[arch] == pytest.approx(rows[key][p], rel=1e-6)


def test_naslib_key_mapping_is_the_one_the_accuracies_confirm():
    """The file's val_accuracy (one seed, 200 epochs) sits next to one of the table's 200-epoch
    validation seeds under NASLib's op and edge order, and far from them under the alternatives."""
    bench = nasbench.load("nb201/cifar10")
    rows = _rows("cifar10")
    reps = bench.table.array("valid_acc")[:, :, bench.table.fidelity_index(200)]

    def median_gap(to_str):
        gaps = [np.nanmin(np.abs(reps[bench.arch_id(to_str(k))] - r["val_accuracy"])) for k, r in rows.items()]
        return float(np.median(gaps))

    def swapped_convs(key):
        swapped = naslib_cell(key).replace("nor_conv_3x3", "TMP").replace("nor_conv_1x1", "nor_conv_3x3")
        return swapped.replace("TMP", "nor_conv_1x1")

    def nb201_edge_order(key):
        import ast
        e12, e13, e23, e14, e24, e34 = (NASLIB_OPS[i] for i in ast.literal_eval(key))
        return f"|{e12}~0|+|{e13}~0|{e23}~1|+|{e14}~0|{e24}~1|{e34}~2|"

    ours = median_gap(naslib_cell)
    assert ours < 0.3
    assert median_gap(swapped_convs) > 2 * ours and median_gap(nb201_edge_order) > 2 * ours


def test_nb301_surrogate_serves_the_scored_cells_and_the_mapping_is_confirmed():
    from scipy.stats import spearmanr

    from nasbench.published.suite_zero import read_scores
    from nasbench.surrogates import nb301

    bench = nasbench.load("nb301/cifar10")
    rows = read_scores("nasbench301", "cifar10")
    keys = list(rows)
    ids = np.array([bench.space.from_str(nb301.naslib_genotype(k)) for k in keys])
    assert len(set(ids.tolist())) == len(keys) == 500
    np.testing.assert_allclose(bench.table.query(ids, "zc_synflow"), [rows[k]["synflow"] for k in keys], rtol=1e-6)
    other = bench.space.sample(np.random.default_rng(0), 5)
    assert np.all(np.isnan(bench.table.query(other, "zc_snip")))  # no score is invented for unscored cells
    # the op order: the file's NB301 validation accuracies rank like this surrogate's predictions
    accuracy = np.array([rows[k]["val_accuracy"] for k in keys])
    ours = spearmanr(bench.table.query(ids, "valid_acc"), accuracy)[0]
    shuffled_ops = list(reversed(nb301.NASLIB_OPS))
    real_ops = nb301.NASLIB_OPS
    try:
        nb301.NASLIB_OPS = tuple(shuffled_ops)
        wrong = [bench.space.from_str(nb301.naslib_genotype(k)) for k in keys]
    finally:
        nb301.NASLIB_OPS = real_ops
    theirs = spearmanr(bench.table.query(np.array(wrong), "valid_acc"), accuracy)[0]
    assert ours > 0.5 and ours > theirs + 0.2
