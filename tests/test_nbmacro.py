"""nbmacro/cifar10: table = published JSON (independent read), the seed-split protocol, the live
builder's parameter and FLOP counts, predictors' encodings and strategy conformance."""
from __future__ import annotations

import gzip
import json
import math

import numpy as np
import pytest

import nasbench
from nasbench.errors import TestSplitAccessError
from nasbench.evaluator import Evaluator, Reporter
from tests.conftest import REPO

NAME = "nbmacro/cifar10"
SOURCE = REPO / "data" / "nbmacro" / "nas-bench-macro_cifar10.json.gz"


@pytest.fixture(scope="module")
def published() -> dict:
    """The published JSON, read here with gzip + json only (not through the recipe)."""
    with gzip.open(SOURCE, "rt") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def bench():
    return nasbench.load(NAME)


@pytest.fixture(scope="module")
def sample(published) -> list[str]:
    keys = sorted(published)
    rng = np.random.default_rng(0)
    return ["00000000", "22222222", "01201120", *rng.choice(keys, 300, replace=False).tolist()]


# ----- the table ---------------------------------------------------------------------------
def test_table_equals_the_published_values(bench, published, sample):
    t = bench.table
    assert t.n_archs == len(published) == 6561
    ids = np.array([bench.arch_id(k) for k in sample])
    valid = t.array("valid_acc")[ids, :, 0]
    test = t.array("test_acc")[ids, :, 0]
    every = t.array("test_acc_all_seeds")[ids, :, 0]
    for row, key in enumerate(sample):
        rec = published[key]
        seeds = np.float32(rec["test_acc"])
        assert valid[row].tolist() == [seeds[0]]
        assert test[row].tolist() == seeds[1:].tolist()
        assert every[row].tolist() == seeds.tolist()
        assert math.isclose(t.vector("test_acc_all_seeds")[ids[row]], rec["mean_acc"], abs_tol=1e-4)
        assert math.isclose(t.vector("test_acc")[ids[row]], (rec["test_acc"][1] + rec["test_acc"][2]) / 2, abs_tol=1e-4)
        assert round(float(t.vector("params")[ids[row]]) * 1e6) == rec["params"]
        # float32 in millions: exact to float32 precision (flops reach 1.06e8)
        assert abs(float(t.vector("flops")[ids[row]]) * 1e6 - rec["flops"]) <= 1e-7 * rec["flops"]
        assert bench.query(key, "valid_acc") == bench.query(int(ids[row]), "valid_acc")


def test_table_optimum_and_best_validation(bench, published):
    keys = list(published)
    seed0 = np.array([published[k]["test_acc"][0] for k in keys])
    rest = np.array([np.mean(published[k]["test_acc"][1:]) for k in keys])
    best_signal = {keys[i] for i in np.flatnonzero(seed0 == seed0.max())}
    t = bench.table
    signal = t.vector("valid_acc")
    assert {bench.space.to_str(int(i)) for i in np.flatnonzero(signal == np.nanmax(signal))} == best_signal
    # two equivalent strings (stage 3: 'mb6_k5, identity, mb6_k5' = 'mb6_k5, mb6_k5, identity')
    assert best_signal == {"22212202", "22212220"}
    assert math.isclose(float(np.nanmax(t.vector("test_acc"))), rest.max(), abs_tol=1e-4)
    assert math.isclose(float(np.nanmax(t.vector("test_acc_all_seeds"))),
                        max(r["mean_acc"] for r in published.values()), abs_tol=1e-4)


def test_equivalent_strings_carry_identical_values(bench):
    space, t = bench.space, bench.table
    canon = space.canonical(np.arange(space.size))
    every = t.array("test_acc_all_seeds")[:, :, 0]
    assert np.array_equal(every, every[canon])
    assert np.array_equal(t.vector("params"), t.vector("params")[canon])


# ----- the protocol --------------------------------------------------------------------------
def test_metric_splits_and_caveat(bench):
    t = bench.table
    assert t.metric("valid_acc").split == "valid" and t.metric("valid_acc").n_replicates == 1
    assert t.metric("test_acc").split == "test" and t.metric("test_acc").n_replicates == 2
    assert t.metric("test_acc_all_seeds").split == "test" and t.metric("test_acc_all_seeds").n_replicates == 3
    assert "seed 0" in t.metric("valid_acc").measure and "no validation split" in t.metric("valid_acc").measure
    assert "TEST" in t.metric("valid_acc").description
    assert "seeds 1-2" in t.metric("test_acc").measure
    info = nasbench.get_info(NAME)
    assert info.default_signal == ("valid_acc", None)
    for text in (info.notes, t.notes):
        assert "seed 0" in text and "seeds 1-2" in text and "no validation split" in text


@pytest.mark.parametrize("metric", ["test_acc", "test_acc_all_seeds"])
def test_evaluator_refuses_test_metrics_as_signal(bench, metric):
    with pytest.raises(TestSplitAccessError, match=metric):
        Evaluator(bench, rng=np.random.default_rng(0), signal=metric)


def test_search_reads_seed_0_and_reports_seeds_1_2(bench, published):
    arch = bench.space.from_str("01201120")
    seeds = published["01201120"]["test_acc"]
    for noise in ("mean", "per-trial", "fixed:0"):
        ev = Evaluator(bench, rng=np.random.default_rng(0), noise=noise)
        assert str(ev.signal) == "valid_acc@50"
        assert ev.evaluate(arch, trial_id=0).value == np.float32(seeds[0])
    valid, test = Reporter(bench).final(arch)
    assert valid == np.float32(seeds[0])
    assert math.isclose(test, (seeds[1] + seeds[2]) / 2, abs_tol=1e-4)


def test_info_shows_the_caveat(bench):
    from reproduce.commands.bench import _info_text, info_payload

    payload = info_payload(bench)
    text = _info_text(payload)
    assert "seed 0 (no validation split published)" in text and "seeds 1-2" in text
    assert "seeds 1-2" in payload["notes"]
    assert payload["best_validation"]["arch"] == "22212202"


def test_preset_runs_and_its_report_states_the_protocol(tmp_path):
    import dataclasses

    from reproduce.kinds import load_preset
    from reproduce.pipeline import run_preset

    preset = load_preset("nbmacro-search")
    assert list(preset.search_benchmarks) == [NAME]
    assert [s.name for s in preset.strategies] == ["rs", "re", "bananas"]
    out = tmp_path / "nbm"
    summary = run_preset(dataclasses.replace(preset, budgets=("5q", "12q")), out, seeds=2, executor="serial",
                         progress=False)
    text = (out / "table.md").read_text()
    assert "seed 0's CIFAR-10 TEST-set accuracy" in text and "mean of seeds 1 and 2" in text
    assert "test, mean of seeds 1-2" in text and "signal valid_acc@50" in text
    cell = summary["results"]["12q"]["RS"][f"{NAME}:test_acc"]
    assert cell["n"] == 2 and 40.0 < cell["mean"] < 93.3


# ----- live builder ----------------------------------------------------------------------------
def _check_counts(bench, published, keys) -> None:
    from nasbench.live.models import build_model
    from nasbench.live.models.nbmacro import count_flops, count_params

    for key in keys:
        model = build_model(NAME, bench.arch_id(key))
        assert count_params(model) == published[key]["params"], key
        assert round(float(bench.query(key, "params")) * 1e6) == count_params(model), key
        assert count_flops(model) == published[key]["flops"], key


def test_live_builder_counts_equal_the_table(bench, published):
    rng = np.random.default_rng(1)
    keys = ["00000000", "22222222", "11111111", "20000000", "02222222",
            *rng.choice(sorted(published), 200, replace=False).tolist()]
    _check_counts(bench, published, keys)


def test_live_builder_counts_equal_the_table_for_every_architecture(bench, published):
    """All 6,561 architectures, from 17 builds: a layer's block, channels and resolution depend on
    its position only, so params and FLOPs are the all-``0`` network's plus one term per layer
    (measured by building each one-layer change). The additivity itself is checked here on full
    builds too, and test_live_builder_counts_equal_the_table builds 205 networks whole."""
    from nasbench.live.models import build_model
    from nasbench.live.models.nbmacro import count_flops, count_params

    def counts(key: str) -> np.ndarray:
        model = build_model(NAME, bench.arch_id(key))
        return np.array([count_params(model), count_flops(model)], dtype=np.int64)

    base = counts("0" * 8)
    delta = np.zeros((8, 3, 2), dtype=np.int64)  # [layer, block, (params, flops)]
    for layer in range(8):
        for block in (1, 2):
            key = "0" * layer + str(block) + "0" * (7 - layer)
            delta[layer, block] = counts(key) - base
    keys = sorted(published)
    codes = np.array([[int(c) for c in key] for key in keys])
    predicted = base + delta[np.arange(8), codes].sum(axis=1)  # [archs, 2]
    table = np.array([[published[k]["params"], published[k]["flops"]] for k in keys], dtype=np.int64)
    wrong = [k for k, p, t in zip(keys, predicted, table) if (p != t).any()]
    assert not wrong, f"{len(wrong)} architectures differ from the published counts, e.g. {wrong[:5]}"
    stored = np.round(bench.table.vector("params")[[bench.arch_id(k) for k in keys]] * 1e6).astype(np.int64)
    assert np.array_equal(stored, table[:, 0])
    for key in ("12012012", "22222222", "21021021"):  # additivity holds on whole builds
        assert (counts(key) == base + delta[np.arange(8), [int(c) for c in key]].sum(axis=0)).all(), key


def test_live_builder_forward_pass(bench):
    import torch

    from nasbench.live.models import build_model

    model = build_model(NAME, bench.space.from_str("01201120"), seed=0, num_classes=10)
    again = build_model(NAME, bench.space.from_str("01201120"), seed=0)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    out = model(torch.zeros(2, 3, 32, 32))
    assert out.shape == (2, 10)


# ----- predictors and strategies -----------------------------------------------------------------
def test_every_predictor_encoding_works(bench):
    from predictors.encodings import ArchEncoder, encoding_kinds

    ids = np.arange(0, 6561, 37)
    shapes = {kind: ArchEncoder(bench.space, kind).fit().transform(ids).shape for kind in encoding_kinds(bench.space)}
    assert shapes["onehot"] == (len(ids), 24) and shapes["categorical"] == (len(ids), 8)
    assert shapes["decisions"] == (len(ids), 24)
    assert shapes["graph"] == (len(ids), 1 + 10 * 10 + 10 * 5)  # 10 nodes, vocab input/output + 3 blocks


FAST = {"bananas": {"epochs": 20, "num_ensemble": 2}}


@pytest.mark.parametrize("name", ["rs", "re", "ls", "bananas"])
def test_strategy_conformance(bench, name):
    from strategies import conformance

    hp = FAST.get(name, {})
    traj = conformance.check_valid_proposals(name, bench, "60q", **hp)
    assert len(traj) == 60
    conformance.check_contract(name, bench)
    conformance.check_query_budget(name, bench, **hp)
    conformance.check_deterministic(name, bench, **hp)
    conformance.check_tolerates_failures(name, bench, **hp)
