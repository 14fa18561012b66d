"""The predictor-evaluation preset (kind = "predictors") end to end at a tiny size."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

from predictors.evaluation import COLUMNS
from reproduce.kinds import load_preset
from reproduce.kinds.predictors import PredictorPreset
from reproduce.pipeline import run_preset
from reproduce.presets import PresetError, preset_names

SHIPPED = load_preset("predictors-nb201").path.read_text()


def _tiny(tmp_path, name="tiny.toml"):
    text = (SHIPPED
            .replace('predictors = ["ridge", "rf", "gbt", "gp", "mlp-ensemble", "bananas-ensemble", "gcn"]',
                     'predictors = ["ridge", "rf"]')
            .replace("train_sizes = [5, 8, 14, 24, 42, 71, 121, 205]", "train_sizes = [14, 5]")
            .replace("trials = 100", "trials = 3")
            .replace("test_size = 200", "test_size = 40"))
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shipped_preset_parses():
    assert "predictors-nb201" in preset_names()
    p = load_preset("predictors-nb201")
    assert isinstance(p, PredictorPreset) and p.benchmark == "nb201/cifar10" and p.trials == p.seeds == 100
    assert p.train_sizes == (5, 8, 14, 24, 42, 71, 121, 205) and p.test_size == 200 and p.encoding is None
    assert (p.metric, p.fidelity) == ("valid_acc", 200.0) and "bananas-ensemble" in p.predictors


def test_bad_predictor_preset(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(SHIPPED.replace("trials = 100", "trials = 100\nseeds = 3"))
    with pytest.raises(PresetError, match="unknown key\\(s\\) 'seeds'"):
        load_preset(str(bad))
    bad.write_text(SHIPPED.replace('kind = "predictors"', 'kind = "other"'))
    with pytest.raises(PresetError, match="kind"):
        load_preset(str(bad))
    bad.write_text(SHIPPED.replace("train_sizes = [5, 8, 14, 24, 42, 71, 121, 205]", "train_sizes = [1]"))
    with pytest.raises(PresetError, match="train_sizes"):
        load_preset(str(bad))


def _table_rows(text: str, heading: str) -> dict[str, list[str]]:
    """Rows {predictor: cells} of the Markdown table after ``heading``."""
    block = text.split(heading, 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in block.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[2:]
    return rows


def test_tiny_run_files_and_table_equals_summary(tmp_path):
    preset = load_preset(str(_tiny(tmp_path)))
    out = tmp_path / "out"
    summary = run_preset(preset, out, executor="serial", progress=False)
    for f in ("results.csv", "summary.csv", "summary.json", "table.md", "spearman.png", "spearman.pdf"):
        assert (out / f).is_file() and (out / f).stat().st_size > 0, f
    frame = pd.read_csv(out / "results.csv")
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 2 * 2 * 3
    doc = json.loads((out / "summary.json").read_text())
    assert doc == json.loads(json.dumps(summary))
    assert doc["meta"]["train_sizes"] == [5, 14] and doc["meta"]["trials"] == 3 and doc["meta"]["n_test"] == 40
    text = (out / "table.md").read_text()
    spearman, kendall = _table_rows(text, "**Spearman**"), _table_rows(text, "**Kendall tau**")
    assert set(spearman) == set(kendall) == {"ridge", "rf"}
    for name, res in doc["results"].items():
        for i, size in enumerate(("5", "14")):
            c = res["sizes"][size]
            assert spearman[name][i] == f"{c['spearman']:.3f} [{c['spearman_lo']:.3f}, {c['spearman_hi']:.3f}]"
            assert kendall[name][i] == f"{c['kendall']:.3f}"
            rows = frame[(frame.predictor == name) & (frame.train_size == int(size))]
            assert c["spearman"] == pytest.approx(rows.spearman.mean()) and c["trials"] == 3


def test_cli_reproduce_then_report(tmp_path):
    path = _tiny(tmp_path)
    out = tmp_path / "cli"
    run = [sys.executable, "-m", "reproduce.cli"]
    proc = subprocess.run(run + ["reproduce", str(path), "--seeds", "2", "--out", str(out), "--executor", "serial", "--quiet"],
                          capture_output=True, text=True, env=os.environ.copy())
    assert proc.returncode == 0, proc.stderr
    assert "results.csv" in proc.stdout and re.search(r"\| ridge \| onehot \|", proc.stdout)
    assert json.loads((out / "summary.json").read_text())["meta"]["trials"] == 2  # --seeds = trials
    before = (out / "summary.json").read_text()
    (out / "table.md").unlink()
    proc = subprocess.run(run + ["report", str(out)], capture_output=True, text=True, env=os.environ.copy())
    assert proc.returncode == 0, proc.stderr
    assert (out / "table.md").is_file() and (out / "summary.json").read_text() == before
