"""Built-in benchmarks: import recipes, published values, provenance, rebuild rules."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import nasbench
from nasbench.catalog import NBGRAPH_DATASETS
from nasbench.errors import MissingSourceError, UnknownBenchmarkError

C10_OPT = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
C100_OPT = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_unknown_benchmark_lists_known():
    with pytest.raises(UnknownBenchmarkError,
                       match=r"did you mean 'nb201/cifar10'.*known: 'nbgraph/cora'.*'nb201/cifar10'"):
        nasbench.load("nb201/cifar11")


@pytest.mark.parametrize("dataset", NBGRAPH_DATASETS)
def test_nbgraph_tables_match_the_package(dataset):
    pkg = pytest.importorskip("nas_bench_graph")
    bench = nasbench.load(f"nbgraph/{dataset}")
    raw = pkg.light_read(dataset)
    assert bench.table.n_archs == len(raw) == bench.space.size
    hashes = np.array(list(raw)[:500] + list(raw)[-500:])
    ids = bench.space.from_official_hash(hashes)
    expected_valid = np.array([raw[h]["valid_perf"] for h in hashes]) * 100
    expected_test = np.array([raw[h]["perf"] for h in hashes]) * 100
    np.testing.assert_allclose(bench.query(ids, "valid_acc"), expected_valid, rtol=1e-6)
    np.testing.assert_allclose(bench.query(ids, "test_acc"), expected_test, rtol=1e-6)
    np.testing.assert_allclose(bench.query(ids, "params"), [raw[h]["para"] for h in hashes], rtol=1e-6)
    assert bench.table.metric("valid_acc").split == "valid" and bench.table.metric("test_acc").split == "test"
    if dataset == "proteins":
        assert bench.table.metric("test_acc").measure == "ROC-AUC"


def test_nbgraph_string_query_equals_official_path():
    pkg = pytest.importorskip("nas_bench_graph")
    bench = nasbench.load("nbgraph/cora")
    raw = pkg.light_read("cora")
    links, ops = [0, 0, 1, 2], ["gcn", "gin", "fc", "cheb"]
    expected = raw[pkg.Arch(links, ops).valid_hash()]["valid_perf"] * 100
    assert bench.query("gcn@0,gin@0,fc@1,cheb@2", "valid_acc") == pytest.approx(expected, rel=1e-6)


def test_nb201_published_optima():
    c10 = nasbench.load("nb201/cifar10")
    valid = c10.table.vector("valid_acc", 200)
    best = int(np.nanargmax(valid))
    assert c10.space.to_str(best) == C10_OPT
    assert round(float(valid[best]), 2) == 91.61
    assert round(c10.query(best, "test_acc", 200), 2) == 94.37
    assert round(c10.query(C100_OPT, "test_acc", 200), 2) == 94.36
    c100 = nasbench.load("nb201/cifar100")
    v100 = c100.table.vector("valid_acc", 200)
    b100 = int(np.nanargmax(v100))
    assert (round(float(v100[b100]), 2), round(c100.query(b100, "test_acc", 200), 2)) == (73.49, 73.51)
    in16 = nasbench.load("nb201/imagenet16-120")
    assert round(float(np.nanmax(in16.table.vector("valid_acc", 200))), 2) == 46.73
    assert round(float(np.nanmax(in16.table.vector("test_acc", 200))), 2) == 47.31


def test_nb201_replicates_and_fidelities():
    bench = nasbench.load("nb201/cifar10")
    arr = bench.table.array("valid_acc")
    assert arr.shape == (15625, 3, 2)
    assert int(np.isnan(arr[:, 2, 1]).sum()) == 15625 - 8169  # third seed published for 8,169 archs
    assert not np.isnan(arr[:, :2, 1]).any()
    assert not np.isnan(arr[:, 0, 0]).any() and np.isnan(arr[:, 1:, 0]).all()  # 12 epochs: one value
    assert bench.default_signal() == ("valid_acc", 12.0)


def test_nb201_hw_latencies():
    bench = nasbench.load("nb201/cifar10")
    assert bench.query(0, "latency_fpga") == pytest.approx(2.57296)
    assert bench.query(0, "latency_raspi4") == pytest.approx(10.481976820010459, rel=1e-6)
    assert bench.query(0, "latency_pixel3") == pytest.approx(3.60585, rel=1e-6)
    assert bench.table.metric("latency_fpga").unit == "ms"


def test_missing_source_package_says_what_to_install(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nas_bench_graph" else real(name, *a))
    monkeypatch.setenv("NASBENCH_HOME", str(tmp_path))
    with pytest.raises(MissingSourceError, match="pip install nas-bench-graph==1.4.0"):
        nasbench.load("nbgraph/citeseer")


def test_provenance_recorded():
    table = nasbench.load("nbgraph/cora").table
    assert "NAS-Bench-Graph" in table.citation
    (source,) = table.sources
    assert len(source["sha256"]) == 64 and "nas-bench-graph==1.4.0" in source["origin"]


def test_query_path_never_imports_recipes():
    nasbench.load("nbgraph/cora")  # built in this session's NASBENCH_HOME
    code = (
        "import sys, nasbench; b = nasbench.load('nbgraph/cora'); b.query('gcn@0,gin@1,fc@2,cheb@1', 'valid_acc');"
        "print(sorted(m for m in sys.modules if m.startswith('nasbench.recipes') or m in ('pandas', 'torch')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().replace("'", '"')) == []


def test_one_string_fast_path_equals_the_checked_path():
    """Benchmark.query(string) caches one value per raw NB-Graph input after the first call; the
    answers must equal canonicalise-then-read for any raw string, and bad strings still raise."""
    from nasbench.errors import InvalidArchitectureError
    from nasbench.spaces.nbgraph import OPS

    bench = nasbench.load("nbgraph/cora")
    valid = bench.table.vector("valid_acc")
    rng = np.random.default_rng(7)
    texts = []
    while len(texts) < 500:
        ops = [OPS[k] for k in rng.integers(len(OPS), size=4)]
        if set(ops) != {"skip"}:
            texts.append(",".join(f"{o}@{int(rng.integers(i + 1))}" for i, o in enumerate(ops)))
    for _ in range(2):  # first round fills the cache, second reads it
        got = [bench.query(t, "valid_acc") for t in texts]
        np.testing.assert_array_equal(got, valid[bench.space.from_strs(texts)].astype(float))
    for _ in range(2):
        with pytest.raises(InvalidArchitectureError, match="skip"):
            bench.query("skip@0,skip@0,skip@0,skip@0", "valid_acc")
        with pytest.raises(InvalidArchitectureError):
            bench.query("gcn@0,gin@9,fc@1,cheb@2", "valid_acc")
    assert bench.query(" gcn@0, gin@0 ,fc@1,cheb@2", "valid_acc") == bench.query("gcn@0,gin@0,fc@1,cheb@2", "valid_acc")


def test_all_skip_cell_values_quoted_in_docs_oneshot():
    """docs/oneshot.md quotes the collapsed (all skip_connect) NB201 cell; the tables must agree."""
    import re

    from tests.conftest import REPO

    row = next(l for l in (REPO / "docs" / "oneshot.md").read_text().splitlines() if l.startswith("| all `skip_connect` |"))
    quoted = [float(v) for v in re.findall(r"\d+\.\d+", row)]
    cell = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
    found = []
    for dataset in ("cifar10", "cifar100", "imagenet16-120"):
        bench = nasbench.load(f"nb201/{dataset}")
        found += [round(bench.query(cell, "valid_acc", fidelity=200), 2), round(bench.query(cell, "test_acc", fidelity=200), 2)]
    assert quoted == found
