"""Presets end to end at a tiny size: files exist and parse, tables agree with summary.json."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from reproduce.kinds import load_preset
from reproduce.pipeline import run_preset
from reproduce.presets import PresetError, preset_names

SHIPPED = ["nb201-table5", "nbgraph-search", "nbgraph-paper-protocol"]


def test_shipped_presets_parse():
    assert set(SHIPPED) <= set(preset_names())
    for name in SHIPPED:
        preset = load_preset(name)
        assert preset.strategies and preset.search_benchmarks and preset.budgets


def test_unknown_preset_and_bad_keys(tmp_path):
    with pytest.raises(PresetError, match="known: .*nb201-table5"):
        load_preset("nb999")
    bad = tmp_path / "bad.toml"
    bad.write_text(load_preset("nbgraph-search").path.read_text().replace("seeds = 100", "seeds = 100\nseed = 3"))
    with pytest.raises(PresetError, match="unknown key\\(s\\) 'seed'"):
        load_preset(str(bad))


def _tiny(name, budgets, benchmarks=None):
    preset = load_preset(name)
    return dataclasses.replace(preset, budgets=budgets, search_benchmarks=benchmarks or preset.search_benchmarks)


def _check_outputs(out, summary):
    for f in ("table.md", "table.tex", "summary.json", "anytime_queries.png", "final_regret.png"):
        assert (out / f).is_file() and (out / f).stat().st_size > 0, f
    time_plot = summary["figures"]["anytime_time"]
    if "skipped" in time_plot:  # a table without training times: time is a constant per query
        assert not (out / "anytime_time.png").exists() and "constant per query" in time_plot["skipped"]
    else:
        assert (out / "anytime_time.png").stat().st_size > 0
    assert json.loads((out / "summary.json").read_text()) == json.loads(json.dumps(summary))


def test_nb201_table5_tiny(tmp_path):
    out = tmp_path / "t5"
    summary = run_preset(_tiny("nb201-table5", ("1500s",)), out, seeds=3, executor="serial", progress=False)
    _check_outputs(out, summary)
    text = (out / "table.md").read_text()
    assert "REA (paper)" in text and "Dong & Yang" in text and "valid_acc@12" in text
    rs = summary["results"]["1500s"]["RS"]["nb201/cifar100:test_acc"]
    assert rs["n"] == 3 and rs["published_mean"] == 71.04


@pytest.mark.parametrize("name", ["nbgraph-search", "nbgraph-paper-protocol"])
def test_nbgraph_presets_tiny(tmp_path, name):
    out = tmp_path / name
    preset = _tiny(name, ("5q", "12q"), ("nbgraph/cora", "nbgraph/proteins"))
    summary = run_preset(preset, out, seeds=2, executor="serial", progress=False)
    _check_outputs(out, summary)
    assert (out / "average_rank.png").is_file()
    text = (out / "table.md").read_text()
    assert ("leak" in text) == (name == "nbgraph-paper-protocol")


def test_cli_reproduce_then_report_redraws(tmp_path):
    preset = tmp_path / "mini.toml"
    text = load_preset("nbgraph-search").path.read_text()
    for before, after in (('budgets = ["40q", "500q"]', 'budgets = ["6q"]'),
                          ('benchmarks = ["nbgraph/cora", "nbgraph/citeseer", "nbgraph/pubmed", "nbgraph/cs", '
                           '"nbgraph/physics", "nbgraph/photo", "nbgraph/computers", "nbgraph/arxiv", "nbgraph/proteins"]',
                           'benchmarks = ["nbgraph/cora"]')):
        assert before in text, f"the shipped preset changed: '{before}' is gone, so this test would run it full size"
        text = text.replace(before, after)
    preset.write_text(text)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "reproduce.cli", "reproduce", str(preset), "--seeds", "2", "--out", str(out),
           "--executor", "serial", "--quiet"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    assert proc.returncode == 0, proc.stderr
    assert "| RS |" in proc.stdout
    (out / "table.md").unlink()
    proc = subprocess.run([sys.executable, "-m", "reproduce.cli", "report", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (out / "table.md").is_file()
    proc = subprocess.run([sys.executable, "-m", "reproduce.cli", "report", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2 and "holds no results" in proc.stderr and "`nasbench run`" in proc.stderr
