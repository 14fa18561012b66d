"""`nasbench validate`: a tiny search on nbgraph/cora, its top incumbents trained live on CPU."""
from __future__ import annotations

import csv
import json

import pytest

pytest.importorskip("torch")


def test_validate_tiny_cora_end_to_end(tmp_path, capsys):
    pytest.importorskip("torch_geometric")
    from reproduce.cli import main
    from reproduce.sweep import sweep
    from strategies.runner import RunSpec

    runs = tmp_path / "runs"
    specs = [RunSpec(benchmark="nbgraph/cora", strategy="rs", seed=s, budget="20q") for s in range(3)]
    sweep(specs, runs, executor="serial", progress=False, check=False)
    out = tmp_path / "val"
    rc = main(["validate", str(runs), "--top", "2", "--calibration", "2", "--epochs", "2", "--seeds", "1",
               "--device", "cpu", "--executor", "serial", "--out", str(out), "--quiet"])
    assert rc == 0
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
    # incumbents are the best distinct ones by table validation
    assert float(rows[0]["table_valid"]) >= float(rows[1]["table_valid"])

    # rerun: nothing retrained (run files exist), same output
    rc = main(["validate", str(runs), "--top", "2", "--calibration", "2", "--epochs", "2", "--seeds", "1",
               "--device", "cpu", "--executor", "serial", "--out", str(out), "--quiet"])
    assert rc == 0 and json.loads((out / "summary.json").read_text()) == summary


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
