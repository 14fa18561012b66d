"""`nasbench validate`: a tiny search on nbgraph/cora, its top incumbents trained live on CPU."""
from __future__ import annotations

import csv
import json

import pytest

pytest.importorskip("torch")


def test_validate_tiny_cora_end_to_end(tmp_path, capsys):
    pytest.importorskip("torch_geometric")
    import numpy as np
    from scipy.stats import spearmanr

    import nasbench
    from nasbench.live import build_model, load_planetoid, nbgraph_recipe, train
    from nasbench.live.build import read_record, run_file
    from reproduce.cli import main
    from reproduce.store.results import load_final
    from reproduce.store.sweep import sweep
    from strategies.runner import RunSpec

    runs = tmp_path / "runs"
    specs = [RunSpec(benchmark="nbgraph/cora", strategy="rs", seed=s, budget="20q") for s in range(3)]
    sweep(specs, runs, executor="serial", progress=False, check=False)
    out = tmp_path / "val"
    args = ["validate", str(runs), "--top", "2", "--calibration", "2", "--epochs", "2", "--seeds", "1",
            "--device", "cpu", "--executor", "serial", "--out", str(out), "--quiet"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Spearman (valid)" in text
    for name in ("table.md", "results.csv", "scatter.png", "summary.json"):
        assert (out / name).is_file(), name
    rows = list(csv.DictReader(open(out / "results.csv")))
    assert [r["role"] for r in rows] == ["incumbent", "incumbent", "calibration", "calibration"]
    assert len({r["id"] for r in rows}) == 4
    assert all(r["seeds_ok"] == "1" for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_archs"] == 4 and summary["epochs"] == 2

    bench = nasbench.load("nbgraph/cora")
    ids = np.array([int(r["id"]) for r in rows])
    # incumbents: the two best distinct final incumbents of the runs by table validation
    final = load_final(runs)
    incumbents = sorted({int(i) for i in final["incumbent"]}, key=lambda i: -float(bench.query([i], "valid_acc")[0]))
    assert [int(r["id"]) for r in rows[:2]] == incumbents[:2]
    # table columns are the table's values; live columns are the run files' values
    table_valid = np.asarray(bench.query(ids, "valid_acc"), dtype=float)
    np.testing.assert_allclose([float(r["table_valid"]) for r in rows], table_valid)
    work = out / "runs" / "nbgraph-cora-e2"
    records = [read_record(run_file(work, int(i), 0)) for i in ids]
    live_valid = np.array([rec["valid_acc"] for rec in records])
    np.testing.assert_allclose([float(r["live_valid"]) for r in rows], live_valid)
    # summary: recomputed from those columns (scipy's Spearman, mean absolute difference)
    assert summary["spearman_valid"] == pytest.approx(spearmanr(table_valid, live_valid)[0])
    assert summary["mad_valid"] == pytest.approx(np.mean(np.abs(live_valid - table_valid)))
    assert summary["mad_valid_incumbents"] == pytest.approx(np.mean(np.abs(live_valid[:2] - table_valid[:2])))
    # one run recomputed directly: same network, seed and recipe, NB-Graph's rule (best valid acc)
    data = load_planetoid("cora")
    model = build_model("nbgraph/cora", int(ids[0]), seed=0, in_dim=data.info["in_dim"], num_classes=data.num_classes)
    direct = train(model, data, nbgraph_recipe("cora").with_(epochs=2), device="cpu", seed=0, deterministic=True,
                   threads=1)
    assert records[0]["valid_acc"] == max(e.valid_acc for e in direct.epochs)
    assert records[0]["at"]["2"]["train_loss"] == direct.epochs[-1].train_loss  # bit for bit

    # rerun: nothing retrained (run files untouched), same output
    stamps = [run_file(work, int(i), 0).stat().st_mtime_ns for i in ids]
    assert main(args) == 0 and json.loads((out / "summary.json").read_text()) == summary
    assert [run_file(work, int(i), 0).stat().st_mtime_ns for i in ids] == stamps


def test_validate_nb201_without_cifar_is_typed(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from nasbench.errors import MissingSourceError
    from nasbench.live.validate import validate

    monkeypatch.delenv("NASBENCH_DATA", raising=False)
    bench = SimpleNamespace(name="nb201/cifar10", info=SimpleNamespace(dataset="cifar10"),
                            space=SimpleNamespace(name="nb201"))
    with pytest.raises(MissingSourceError, match="CIFAR-10"):
        validate(bench, [1, 2], tmp_path / "out", top=2, calibration=0, epochs=1, device="cpu",
                 data_root=str(tmp_path))
    assert not (tmp_path / "out").exists()


def test_validate_missing_dir_is_exit_2(tmp_path, capsys):
    from reproduce.cli import main

    assert main(["validate", str(tmp_path / "nope"), "--top", "1"]) == 2
    assert "does not exist" in capsys.readouterr().err
