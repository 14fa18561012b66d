"""nb101/cifar10 from data/: the subset table, its values against the published files, search
and the predictors protocol on it."""
from __future__ import annotations

import ast
import gzip
import json

import numpy as np
import pytest

import nasbench
from nasbench.published import published_file

NASLIB_OPS = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")


@pytest.fixture(scope="module")
def bench():
    return nasbench.load("nb101/cifar10")


@pytest.fixture(scope="module")
def records():
    with gzip.open(published_file("nb101/nb101_records.json.gz"), "rt") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def suite_zero():
    with gzip.open(published_file("naslib-zc/zc_nasbench101.json.gz"), "rt") as fh:
        return json.load(fh)["nasbench101"]["cifar10"]


def _naslib_string(key: str) -> str:
    """The whole-matrix ``BITS:OPS`` string of a NASLib key (built here, not by the recipe)."""
    v = ast.literal_eval(key)
    return "".join(str(b) for b in v[:49]) + ":" + ",".join(NASLIB_OPS[c] for c in v[50:55])


def test_subset_table_is_said_to_be_a_subset(bench, records, suite_zero):
    ids_sz = {bench.space.from_str(_naslib_string(k)) for k in suite_zero}
    ids_rec = {bench.space.from_str(h) for h in records}
    assert bench.table.n_archs == bench.space.size == len(ids_sz | ids_rec) == 321
    assert bench.space.is_subset and "subset" in bench.space.label
    assert "SUBSET" in bench.table.notes
    assert any("nasbench_only108" in m["source"] for m in bench.table.missing_optional)
    assert list(bench.table.fidelities) == [108.0] and bench.table.fidelity_ladder == "independent"


def test_record_values_are_the_published_ones(bench, records):
    for h, rec in records.items():
        i = bench.space.from_str(h)
        runs = rec["epochs"]["108"]
        for metric, field in (("valid_acc", "final_validation_accuracy"), ("test_acc", "final_test_accuracy"),
                              ("train_acc", "final_train_accuracy"), ("valid_acc_half", "halfway_validation_accuracy")):
            expect = np.array([r[field] * 100 for r in runs], dtype=np.float32)
            np.testing.assert_allclose(bench.table.array(metric)[i, :, 0], expect, rtol=1e-6)
        np.testing.assert_allclose(bench.table.array("train_time")[i, :, 0],
                                   [r["final_training_time"] for r in runs], rtol=1e-6)
        assert bench.query(i, "params") == pytest.approx(rec["trainable_parameters"] / 1e6, rel=1e-6)


def test_suite_zero_mapping_agrees_with_the_official_records(bench, records, suite_zero):
    """The NASLib op codes are read right: where a record has the graph, Suite-Zero's params
    are the official parameter count and its val_accuracy is one of the three seeds."""
    overlap = 0
    for key, entry in suite_zero.items():
        h = bench.space.module_hash(bench.space.from_str(_naslib_string(key)))
        if h in records:
            overlap += 1
            assert entry["params"] * 1e6 == pytest.approx(records[h]["trainable_parameters"], abs=0.5)
            seeds = [r["final_validation_accuracy"] * 100 for r in records[h]["epochs"]["108"]]
            assert min(abs(entry["val_accuracy"] - s) for s in seeds) < 1e-4
    assert overlap >= 1


def test_proxies_are_means_over_suite_zero_evaluations(bench, suite_zero):
    by_id: dict[int, list[dict]] = {}
    for key, entry in suite_zero.items():
        by_id.setdefault(bench.space.from_str(_naslib_string(key)), []).append(entry)
    zc = bench.table.vector("zc_synflow")
    valid = bench.table.array("valid_acc")[:, :, 0]
    for i, entries in by_id.items():
        assert zc[i] == pytest.approx(np.mean([e["synflow"] for e in entries]), rel=1e-5)
        seen = sorted({e["val_accuracy"] for e in entries})
        if np.isnan(bench.table.array("test_acc")[i]).all():  # no official record: Suite-Zero's draws
            np.testing.assert_allclose(np.sort(valid[i][~np.isnan(valid[i])]), np.array(seen, np.float32), rtol=1e-6)
    assert np.isnan(zc).sum() == bench.table.n_archs - len(by_id)
    m = bench.table.metric("zc_synflow")
    assert (m.split, m.unit, m.measure) == ("proxy", "score", "synflow")


def test_search_and_predictors_run_on_it(bench):
    from nasbench.evaluator import Evaluator
    from predictors.evaluation import evaluate_predictors
    from strategies.loop import run_search
    from strategies.registry import make_strategy

    rng = np.random.default_rng(0)
    strategy = make_strategy("re", bench.space, rng=np.random.default_rng(1))
    evaluator = Evaluator(bench, rng=rng)
    run_search(strategy, evaluator, "30q")
    values = [h[2] for h in evaluator.history]
    assert len(values) == 30 and np.isfinite(values).all()  # every proposal is a graph with valid_acc
    rows = evaluate_predictors(bench, ["ridge"], train_sizes=(10, 40), n_test=50, trials=2,
                               metric="zc_synflow", seed=0)
    assert len(rows) == 4 and all(np.isfinite(r["spearman"]) for r in rows)
