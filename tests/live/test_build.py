"""`nasbench build`: live-trained user tables (resumable), loaded as a benchmark a search runs on."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")

import nasbench
from nasbench.errors import InvalidArchitectureError, MissingSourceError, UnknownBenchmarkError


def test_subset_space_maps_ids():
    from nasbench.spaces import get_space
    from nasbench.spaces.subset import SubsetSpace

    base = get_space("nbgraph")
    ids = np.array([5, 17, 400, 9000])
    sub = SubsetSpace(base, ids)
    assert sub.size == 4 and sub.to_str(2) == base.to_str(400)
    assert sub.from_str(base.to_str(9000)) == 3
    np.testing.assert_array_equal(sub.to_original([0, 3]), [5, 9000])
    np.testing.assert_array_equal(sub.from_decisions(base.to_decisions(ids)), np.arange(4))
    with pytest.raises(InvalidArchitectureError, match="not in this table"):
        sub.from_str(base.to_str(6))
    rng = np.random.default_rng(0)
    assert all(0 <= sub.mutate(0, rng) < 4 for _ in range(10))
    assert sub.encode([1]).shape == base.encode([17]).shape


def test_unknown_user_table_is_typed():
    with pytest.raises(UnknownBenchmarkError, match="not found"):
        nasbench.load("user:does-not-exist")
    with pytest.raises(UnknownBenchmarkError, match="bad user table name"):
        nasbench.load("user:bad name!")


def test_build_nb201_without_cifar_is_typed(tmp_path, monkeypatch):
    from nasbench.live.build import build_user_table
    from reproduce.cli import main

    monkeypatch.delenv("NASBENCH_DATA", raising=False)
    with pytest.raises(MissingSourceError, match="CIFAR-10"):
        build_user_table("nb201", "cifar10", archs=2, epochs=1, data_root=str(tmp_path))
    assert main(["build", "nb201", "--dataset", "cifar10", "--archs", "2", "--data-root", str(tmp_path)]) == 2
    assert main(["build", "nbgraph", "--dataset", "arxiv", "--archs", "2"]) == 2


@pytest.mark.slow
def test_build_load_and_search_cora():
    """20 archs x 2 seeds x 2 epochs on CPU: about 60-80 s on 2 idle cores."""
    pytest.importorskip("torch_geometric")
    from nasbench.evaluator import Evaluator
    from nasbench.live.build import build_user_table, read_record, run_file, work_dir_for
    from strategies.loop import run_search
    from strategies.registry import make_strategy

    seen = []
    path = build_user_table("nbgraph", "cora", archs=20, seeds=2, epochs=2, out="cora-t20",
                            executor="serial", device="cpu", progress=seen.append)
    assert len(seen) == 40 and all(r["ok"] for r in seen)
    bench = nasbench.load("user:cora-t20")
    assert bench.table.path == path and bench.space.size == 20
    assert bench.table.fidelities.tolist() == [1.0, 2.0]
    assert bench.table.metric("valid_acc").n_replicates == 2
    orig = bench.space.to_original(np.arange(20))
    cora = nasbench.load("nbgraph/cora")
    assert [bench.space.to_str(i) for i in range(20)] == [cora.space.to_str(int(o)) for o in orig]
    # live params equal the published table's
    np.testing.assert_allclose(bench.query(np.arange(20), "params"), cora.query(orig, "params"), rtol=1e-5)
    # the table holds the run files' numbers: [arch row, seed, fidelity (epochs 1, 2)]
    work = work_dir_for("cora-t20")
    for metric in ("valid_acc", "test_acc", "train_time"):
        expected = np.array([[[read_record(run_file(work, int(o), s))["at"][str(e)][metric] for e in (1, 2)]
                              for s in (0, 1)] for o in orig], dtype=np.float32)
        np.testing.assert_array_equal(bench.table.array(metric), expected, err_msg=metric)
    # NB-Graph's rule: the best validation accuracy up to the epoch never decreases
    valid = bench.table.array("valid_acc")
    assert (valid[:, :, 1] >= valid[:, :, 0]).all()

    # resumable: a missing run file is the only run redone, and redone bit for bit
    before = read_record(run_file(work, orig[3], 1))
    run_file(work, orig[3], 1).unlink()
    seen.clear()
    build_user_table("nbgraph", "cora", archs=20, seeds=2, epochs=2, out="cora-t20",
                     executor="serial", device="cpu", progress=seen.append)
    assert [(r["arch"], r["seed"]) for r in seen] == [(int(orig[3]), 1)]
    def untimed(rec):
        return {e: {k: v for k, v in m.items() if k != "train_time"} for e, m in rec["at"].items()}

    assert untimed(read_record(run_file(work, orig[3], 1))) == untimed(before)
    assert json.loads((work / "manifest.json").read_text())["epochs"] == 2

    # a search runs on it and only proposes built archs
    bench = nasbench.load("user:cora-t20")
    strategy = make_strategy("rs", bench.space, rng=np.random.default_rng(0))
    traj = run_search(strategy, Evaluator(bench, rng=np.random.default_rng(1)), "10q")
    assert len(traj) == 10 and np.isfinite(traj["value"]).all()
    assert (traj["arch"] >= 0).all() and (traj["arch"] < 20).all()
    assert traj.final()["incumbent_valid"] == pytest.approx(np.nanmax(bench.table.vector("valid_acc")[traj["arch"]]))
