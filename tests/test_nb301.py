"""The NB301 surrogate benchmark (``nb301/cifar10``): input layout, predictions, evaluator,
reporter, CLI, and the strategies running on it. Skipped without onnxruntime (extra ``nb301``)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

import nasbench
from nasbench.errors import NasbenchError
from nasbench.evaluator import Evaluator, Reporter
from nasbench.published import published_file
from nasbench.published.suite_zero import PROXIES
from tests.spaces.test_darts_space import DARTS_V2

NAME = "nb301/cifar10"


@pytest.fixture(scope="module")
def bench():
    return nasbench.load(NAME)


def _yahpo_x_cat(genotype: dict) -> list[int]:
    """Independent encoding, as NB301's convert_genotype_to_config + YAHPO's _config_to_xs do it:
    a config dict keyed by parameter name, missing (inactive) parameters as '#na#'."""
    prefix = "NetworkSelectorDatasetInfo_COLON_darts_COLON_"
    config = {}
    for cell in ("normal", "reduce"):
        start, n = 0, 2
        for node in range(4):
            ops = genotype[cell][2 * node: 2 * node + 2]
            for op, i in ops:
                config[f"{prefix}edge_{cell}_{start + i}"] = op
            if node:
                config[f"{prefix}inputs_node_{cell}_{node + 2}"] = "_".join(str(i) for i in sorted(i for _, i in ops))
            start += n
            n += 1
    names = [f"{prefix}edge_{c}_{e}" for c in ("normal", "reduce") for e in range(14)]
    names += [f"{prefix}inputs_node_{c}_{k}" for c in ("normal", "reduce") for k in (3, 4, 5)]
    encoding = json.loads(published_file("nb301/encoding_v2.json").read_text())
    return [encoding[name][config.get(name, "#na#")] for name in names]


def test_input_layout_matches_the_reference_conversion(bench):
    arch = bench.arch_id(DARTS_V2)
    from nasbench.spaces.darts import parse_genotype

    expected = _yahpo_x_cat(parse_genotype(DARTS_V2))
    assert bench.table.model.x_cat([arch])[0].tolist() == expected
    rng = np.random.default_rng(0)
    for a in bench.space.sample(rng, 20):
        assert bench.table.model.x_cat([a])[0].tolist() == _yahpo_x_cat(parse_genotype(bench.space.to_str(int(a))))


def test_darts_v2_prediction_and_learning_curve(bench):
    arch = bench.arch_id(DARTS_V2)
    # regression pin of the shipped model (YAHPO v2): 92.91 % at epoch 98, 4560 s of training
    assert bench.query(arch, "valid_acc") == pytest.approx(92.910, abs=0.01)
    assert bench.query(arch, "train_time") == pytest.approx(4560.05, rel=1e-3)
    curve = bench.table.query(np.full(98, arch), "valid_acc")  # same epoch: constant
    assert np.ptp(curve) == 0
    early, late = bench.query(arch, "valid_acc", 10), bench.query(arch, "valid_acc", 98)
    assert 60 < early < late < 100
    assert bench.query(arch, "train_time", 10) < bench.query(arch, "train_time", 98)


def test_batched_equals_single_and_is_plausible(bench):
    ids = bench.space.sample(np.random.default_rng(1), 2000)
    batch = bench.table.query(ids, "valid_acc")
    single = np.array([bench.query(int(a), "valid_acc") for a in ids[:20]])
    np.testing.assert_allclose(batch[:20], single, rtol=1e-5)
    assert 80 < batch.mean() < 95 and batch.std() > 0.1
    assert batch.max() <= bench.table.reference_valid + 0.5


def test_no_per_architecture_arrays(bench):
    from nasbench.surrogates import UnenumerableSpaceError

    with pytest.raises(UnenumerableSpaceError, match="cannot be enumerated"):
        bench.table.vector("valid_acc")
    with pytest.raises(nasbench.MissingMetricError if hasattr(nasbench, "MissingMetricError") else NasbenchError,
                       match="no test split"):
        bench.table.metric("test_acc")


def test_evaluator_noise_cost_and_reporter(bench):
    with pytest.raises(NasbenchError, match="per-trial.*deterministic surrogate.*'mean'"):
        Evaluator(bench, rng=np.random.default_rng(0), noise="per-trial")
    ev = Evaluator(bench, rng=np.random.default_rng(0))
    assert str(ev.signal) == "valid_acc@98" and ev.noise == "mean"
    arch = bench.arch_id(DARTS_V2)
    r = ev.evaluate(arch, 10.0, trial_id=1)
    assert r.value == pytest.approx(bench.query(arch, "valid_acc", 10))
    assert r.cost == pytest.approx(bench.query(arch, "train_time", 10), rel=1e-5)
    r2 = ev.evaluate(arch, 98.0, trial_id=1)  # promotion: only the extra epochs
    assert r2.cost == pytest.approx(bench.query(arch, "train_time") - bench.query(arch, "train_time", 10), rel=1e-4)
    assert ev.describe()["regret_reference"].startswith("94.16")
    rep = Reporter(bench)
    v, t = rep.final(arch)
    assert v == t == pytest.approx(92.910, abs=0.01) and rep.valid_metric == rep.test_metric == "valid_acc"
    assert rep.best_valid == bench.table.reference_valid


def test_missing_onnxruntime_is_one_line(monkeypatch):
    import importlib.util

    from nasbench.benchmark import forget
    from nasbench.surrogates import SurrogateUnavailableError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "onnxruntime" else real(n, *a))
    forget(NAME)  # a surrogate loaded by an earlier test would answer without importing onnxruntime
    with pytest.raises(SurrogateUnavailableError, match=r"pip install 'nasbench-harness\[nb301\]'"):
        nasbench.load(NAME)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "reproduce.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_info_query_and_grid_refusal(tmp_path):
    out = _cli("info", NAME, "--json")
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["surrogate"] and info["space"] == "darts" and info["default_noise"] == "mean"
    assert set(info["metrics"]) == {"valid_acc", "train_time", *(f"zc_{p}" for p in PROXIES)} and len(info["fidelities"]) == 98
    q = _cli("query", NAME, DARTS_V2, "--json")
    assert q.returncode == 0, q.stderr
    assert json.loads(q.stdout)["metrics"]["valid_acc"]["values"]["98"]["mean"] == pytest.approx(92.91, abs=0.01)
    g = _cli("run", "--benchmark", NAME, "--strategy", "grid", "--seeds", "0:1", "--budget", "5q", "--out", str(tmp_path))
    assert g.returncode == 2 and "cannot be enumerated" in g.stderr and len(g.stderr.strip().splitlines()) == 1


#: the model-based ones (a fit every few queries) are marked slow
STRATEGIES = ["rs", "re", "ls", "reinforce", "optuna-tpe",
              *(pytest.param(n, marks=pytest.mark.slow) for n in ("bananas", "npenas", "bo-gp"))]
FAST = {"bananas": {"epochs": 20, "num_ensemble": 2}, "npenas": {"k": 25}, "bo-gp": {"k": 5}}


@pytest.mark.parametrize("name", STRATEGIES)
def test_conformance_on_nb301(bench, name):
    from strategies import conformance
    from strategies.registry import extra_available, get_spec

    if not extra_available(get_spec(name)):
        pytest.skip(f"{name} needs an optional package")
    hp = FAST.get(name, {})
    conformance.check_contract(name, bench)
    traj = conformance.check_valid_proposals(name, bench, "30q", **hp)
    assert np.all(np.isfinite(traj["value"])) and np.all(traj["incumbent_valid"] <= bench.table.reference_valid + 1)
    conformance.check_query_budget(name, bench, 12, **hp)
    conformance.check_deterministic(name, bench, "12q", **hp)


@pytest.mark.slow
def test_re_beats_random_search():
    from strategies.runner import RunSpec, run_one

    final = {s: np.mean([run_one(RunSpec(benchmark=NAME, strategy=s, seed=k, budget="400q"))["incumbent_valid"][-1]
                         for k in range(3)]) for s in ("rs", "re")}
    assert final["re"] > final["rs"]
