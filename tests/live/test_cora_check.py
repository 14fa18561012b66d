"""The Cora live check's analysis path (reproduce/checks/nbgraph_cora_live.py --curves):
saved learning curves are read off by the NB-Graph rule and compared with the table."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

SCRIPT = Path(__file__).resolve().parents[2] / "reproduce" / "checks" / "nbgraph_cora_live.py"


def load_script():
    spec = importlib.util.spec_from_file_location("nbgraph_cora_live", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fake_run(arch, seed, valid, test, ok=True):
    """5 epochs: best validation accuracy at epoch 4 (= ``valid``), minimum validation loss at
    epoch 2, whose test accuracy is ``test``; the other epochs' test accuracies are off by 10."""
    curves = {
        "train_loss": np.full(5, 1.0), "train_acc": np.full(5, 50.0),
        "valid_acc": np.array([valid - 5, valid - 3, valid - 1, valid, valid - 2]),
        "test_acc": np.array([test - 10, test, test + 10, test + 10, test + 10]),
        "valid_loss": np.array([1.0, 0.5, 0.6, 0.7, 0.8]), "test_loss": np.full(5, 1.0),
    }
    return {"arch": arch, "seed": seed, "features": "raw", "ok": ok, "reason": None if ok else "nan",
            "seconds": 1.0, "device": "cpu", "curves": curves}


def test_curves_matching_the_table_pass_and_the_rule_is_nbgraphs(tmp_path, capsys):
    import nasbench

    mod = load_script()
    bench = nasbench.load("nbgraph/cora")
    ids = np.arange(bench.space.size)
    valid, test = bench.query(ids, "valid_acc"), bench.query(ids, "test_acc")
    picks = mod.select(np.asarray(valid, dtype=float), 3)
    noise = np.random.default_rng(0).normal(scale=0.3, size=(len(picks), 2))
    runs = [fake_run(a, s, float(valid[a]), float(test[a]) + noise[k, s])
            for k, a in enumerate(picks) for s in range(2)]
    runs.append(fake_run(picks[0], 2, 0.0, 0.0, ok=False))  # a failed run is left out of the means
    path = tmp_path / "curves.npz"
    mod.save_curves(str(path), runs, "cora")
    out = tmp_path / "summary.json"
    assert mod.main(["--curves", str(path), "--json", str(out)]) == 0
    import json

    summary = json.loads(out.read_text())
    rows = {r["id"]: r for r in summary["rows"]}
    for k, a in enumerate(picks):
        assert rows[a]["live_valid"] == pytest.approx(float(valid[a]))  # best validation accuracy
        assert rows[a]["live_test"] == pytest.approx(float(test[a]) + noise[k].mean())  # at min loss
        assert rows[a]["seeds_ok"] == 2
    assert summary["spearman_check_set"] > 0.95 and summary["mad_top"] < 0.5
    assert len(summary["failed_runs"]) == 1 and "failed runs (left out): 1" in capsys.readouterr().out
