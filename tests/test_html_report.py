"""report.html: the numbers embedded in the page equal an independent recomputation from the
run files (reproduce.load_final / load_results and the tables), the page is self-contained,
failed runs are listed with their reasons, and the provenance names the exact command."""
from __future__ import annotations

import json
import math
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nasbench
from reproduce.kinds import load_preset
from reproduce.kinds.search import preset_specs
from reproduce.pipeline import run_preset
from reproduce.render import figures as plots
from reproduce.render.html import PAGE, band
from reproduce.store.provenance import COMMAND_FILE, git_state, record_command
from reproduce.store.results import error_path, load_final, load_results, result_path, write_failure

REPO = Path(__file__).resolve().parent.parent
BENCHES = '["nbgraph/cora", "nbgraph/proteins"]'
SEEDS = 3


def tiny_preset(tmp_path: Path) -> Path:
    text = (load_preset("nbgraph-search").path.read_text()
            .replace('budgets = ["40q", "500q"]', 'budgets = ["5q", "12q"]'))
    text = re.sub(r'(\[search\]\n)benchmarks = \[[^\]]*\]', rf"\1benchmarks = {BENCHES}", text)
    path = tmp_path / "tiny-search.toml"
    path.write_text(text)
    return path


def page_json(page: Path, script_id: str) -> dict:
    text = page.read_text(encoding="utf-8")
    m = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', text, re.S)
    assert m, script_id
    return json.loads(m.group(1))


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reproduce.cli", *args], capture_output=True, text=True, cwd=REPO)


@pytest.fixture(scope="module")
def search(tmp_path_factory):
    """A tiny nbgraph-search (2 datasets x 4 strategies x 3 seeds) made by the CLI with --html."""
    tmp = tmp_path_factory.mktemp("html")
    preset = tiny_preset(tmp)
    out = tmp / "out"
    args = ["reproduce", str(preset), "--seeds", str(SEEDS), "--out", str(out), "--executor", "serial", "--quiet", "--html"]
    proc = cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert f"page:    {out / PAGE}" in proc.stdout
    return out, preset, args


def test_final_values_equal_the_run_files(search):
    out, _, _ = search
    data = page_json(out / PAGE, "nasbench-data")
    finals = load_final(out / "runs")  # the last trajectory row of every run = the incumbent at 12q
    assert len(finals) == 2 * 4 * SEEDS and data["n_runs"] == {"expected": 24, "finished": 24, "failed": 0}
    steps = load_results(out / "runs")
    labels = {s.name: s.label for s in load_preset("nbgraph-search").strategies}
    checked = 0
    for g in data["runs"]:
        assert len(g["seeds"]) == len(g["files"]) == SEEDS
        bench = g["key"]
        optimum = float(np.nanmax(nasbench.load(bench).table.vector("test_acc")))
        for i, (seed, file) in enumerate(zip(g["seeds"], g["files"])):
            path = out / file
            assert path.is_file() and path.name == f"seed-{seed:05d}.json"
            doc = json.loads(path.read_text())
            assert (doc["benchmark"], labels[doc["strategy"]], doc["seed"]) == (bench, g["strategy"], seed)
            row = finals[(finals.benchmark == bench) & (finals.strategy == doc["strategy"]) & (finals.seed == seed)]
            assert len(row) == 1
            cell = g["final"]["12q"][f"{bench}:test_acc"]
            assert cell["value"][i] == pytest.approx(float(row.incumbent_test.iloc[0]), abs=1e-4)  # float32 table
            assert cell["regret"][i] == pytest.approx(optimum - cell["value"][i], abs=1e-9)
            # the 5q checkpoint: the incumbent of the last step within 5 queries
            run = steps[(steps.benchmark == bench) & (steps.strategy == doc["strategy"]) & (steps.seed == seed)]
            at5 = run[run.queries <= 5].iloc[-1]
            assert g["final"]["5q"][f"{bench}:test_acc"]["value"][i] == pytest.approx(float(at5.incumbent_test), abs=1e-4)
            checked += 1
    assert checked == 24


def test_table_means_and_figures_equal_a_recomputation(search):
    out, _, _ = search
    data = page_json(out / PAGE, "nasbench-data")
    figs = page_json(out / PAGE, "nasbench-figures")
    finals = load_final(out / "runs")
    labels = {s.name: s.label for s in load_preset("nbgraph-search").strategies}
    finals["label"] = finals.strategy.map(labels)
    for (bench, label), g in finals.groupby(["benchmark", "label"]):
        cell = data["results"]["12q"][label][f"{bench}:test_acc"]
        assert cell["n"] == SEEDS
        assert cell["mean"] == pytest.approx(g.incumbent_test.mean(), abs=1e-4)
        assert cell["std"] == pytest.approx(g.incumbent_test.std(ddof=1), abs=1e-4)
    # the per-seed box of the final budget: every seed's regret, none dropped
    boxes = [t for t in figs["fig-final-12q"]["data"] if t["type"] == "box"]
    assert len(boxes) == 2 * 4 and sum(len(t["y"]) for t in boxes) == 24
    for t in boxes:
        seeds = [c[0] for c in t["customdata"]]
        axis = t.get("xaxis", "x")
        bench = "nbgraph/cora" if axis == "x" else "nbgraph/proteins"
        g = finals[(finals.label == t["name"]) & (finals.benchmark == bench)].set_index("seed")
        assert sorted(seeds) == list(range(SEEDS))
        assert t["y"] == pytest.approx([float(g.loc[s, "test_regret"]) for s in seeds], abs=1e-4)
        assert t["meta"][0].startswith("runs/nbgraph__")  # hover names the run file
    # anytime: at the last query every seed has its final incumbent, so the mean is the final mean
    for fig_id in ("fig-anytime-queries", "fig-anytime-time"):
        means = [t for t in figs[fig_id]["data"] if "CI" not in t["name"]]
        assert len(means) == 8
        for t in means:
            bench = "nbgraph/cora" if t.get("xaxis", "x") == "x" else "nbgraph/proteins"
            g = finals[(finals.label == t["name"]) & (finals.benchmark == bench)]
            assert t["y"][-1] == pytest.approx(g.test_regret.mean(), rel=1e-4)
            assert t["line"]["shape"] == "hv"
        groups = {t["legendgroup"] for t in figs[fig_id]["data"]}
        assert groups == set(labels.values())  # one legend entry hides a strategy's curve and band


def test_band_equals_the_png_numbers():
    rng = np.random.default_rng(3)
    rows = []
    for seed in range(7):
        q = np.sort(rng.choice(np.arange(1, 60), 6, replace=False))
        rows.append(pd.DataFrame({"seed": seed, "queries": q, "test_regret": np.minimum.accumulate(rng.random(6) * 5)}))
    part = pd.concat(rows)
    grid, _ = plots.step_grid(part["queries"].to_numpy(), integer=True)
    mine = band(part, "queries", "test_regret", grid)
    mat = plots.seed_matrix(part, "queries", "test_regret", grid)
    mean, lo, hi = plots.bootstrap_mean_ci(mat)
    enough = np.isfinite(mat).all(0)
    assert (~enough).any() and enough.any()
    for a, b in ((mine["mean"], mean), (mine["lo"], lo), (mine["hi"], hi)):
        np.testing.assert_allclose(a[enough], b[enough], rtol=1e-12)
        assert np.isnan(a[~enough]).all()


def test_page_is_self_contained(search):
    out, _, _ = search
    text = (out / PAGE).read_text(encoding="utf-8")
    assert "plotly.js v" in text[:10_000]  # the library is inlined
    assert not re.search(r"<script[^>]+src=", text) and not re.search(r"<link[^>]+href=", text)
    markup = re.sub(r"<script[^>]*>.*?</script>", "", text, flags=re.S)  # the page's own HTML
    hrefs = re.findall(r'href="([^"]*)"', markup)
    assert hrefs and all(not re.match(r"[a-z]+:", h) for h in hrefs), [h for h in hrefs if re.match(r"[a-z]+:", h)]
    assert not re.search(r"""(src|href)\s*=\s*["']https?:""", markup)
    for name in ("table.md", "table.tex", "summary.json", "anytime_queries.png", "anytime_queries.pdf", "command.json",
                 "runs/"):
        assert f'href="{name}"' in text, name
    for sid in ("table", "anytime", "seeds", "failed", "provenance", "files"):
        assert f'<section id="{sid}">' in text
    assert "No failed runs" in text


def test_provenance_command_preset_tables(search):
    out, preset, args = search
    data = page_json(out / PAGE, "nasbench-data")
    prov = data["provenance"]
    assert prov["commands"][0]["argv"] == ["nasbench", *args]
    assert prov["commands"][0]["command"] == shlex.join(["nasbench", *args])
    assert prov["preset"]["text"] == preset.read_text() and prov["preset"]["path"] == str(preset)
    assert prov["version"] and re.fullmatch(r"\d+\.\d+.*", prov["version"])
    if (REPO / ".git").exists():
        assert re.fullmatch(r"[0-9a-f]{40}", prov["git"]["commit"])
    tables = {t["benchmark"]: t for t in prov["tables"]}
    assert set(tables) == {"nbgraph/cora", "nbgraph/proteins"}
    cora = tables["nbgraph/cora"]
    assert re.fullmatch(r"[0-9a-f]{64}", cora["file_sha256"])
    assert cora["sources"] and all(re.fullmatch(r"[0-9a-f]{64}", s["sha256"]) for s in cora["sources"])
    text = (out / PAGE).read_text(encoding="utf-8")
    assert cora["file_sha256"] in text and html_escaped(args[1]) in text


def html_escaped(s: str) -> str:
    import html

    return html.escape(s)


def test_git_state_outside_a_checkout(tmp_path):
    state = git_state(tmp_path)
    assert state["commit"] is None and "not a git checkout" in state["note"]


def test_command_json_is_appended_atomically(tmp_path):
    record_command(tmp_path, ["report", "x"])
    doc = record_command(tmp_path, ["report", "x", "--html"])
    assert [c["argv"] for c in doc["invocations"]] == [["nasbench", "report", "x"], ["nasbench", "report", "x", "--html"]]
    assert json.loads((tmp_path / COMMAND_FILE).read_text()) == doc
    assert not list(tmp_path.glob(".*.tmp"))


def test_report_lists_failed_runs_with_reasons(search, tmp_path):
    import shutil

    src, preset_path, _ = search
    out = tmp_path / "copy"
    shutil.copytree(src, out)
    preset = load_preset(str(preset_path))
    spec = next(s for s in preset_specs(preset, SEEDS)
                if s.strategy == "re" and s.benchmark == "nbgraph/proteins" and s.seed == 1)
    result_path(out / "runs", spec).unlink()
    write_failure(out / "runs", spec, "ValueError: boom in the strategy", "Traceback (most recent call last):\n  ...")
    other = next(s for s in preset_specs(preset, SEEDS) if s.strategy == "rs" and s.benchmark == "nbgraph/cora" and s.seed == 2)
    result_path(out / "runs", other).unlink()  # gone without an error file (a killed run)

    proc = cli("report", str(out), "--html")
    assert proc.returncode == 2 and "report.html lists them" in proc.stderr, proc.stderr
    data = page_json(out / PAGE, "nasbench-data")
    assert data["n_runs"] == {"expected": 24, "finished": 22, "failed": 2}
    fails = {(f["key"], f["strategy"], f["seed"]): f for f in data["failures"]}
    f = fails[("nbgraph/proteins", "RE", 1)]
    assert f["error"] == "ValueError: boom in the strategy" and "Traceback" in f["traceback"]
    assert (out / f["file"]) == error_path(out / "runs", spec)
    assert fails[("nbgraph/cora", "RS", 2)]["file"] is None
    assert data["results"]["12q"]["RE"]["nbgraph/proteins:test_acc"]["n"] == SEEDS - 1
    text = (out / PAGE).read_text(encoding="utf-8")
    assert 'id="failed-runs"' in text and "boom in the strategy" in text
    # without --html the report refuses as before (no partial tables)
    proc = cli("report", str(out))
    assert proc.returncode == 2 and "no result file" in proc.stderr


def test_report_help_and_redraw(search, tmp_path):
    assert "--html" in cli("report", "--help").stdout and "--html" in cli("reproduce", "--help").stdout
    out, _, _ = search
    before = page_json(out / PAGE, "nasbench-data")
    proc = cli("report", str(out), "--html")
    assert proc.returncode == 0, proc.stderr
    after = page_json(out / PAGE, "nasbench-data")
    assert after["results"] == before["results"] and after["runs"] == before["runs"]
    assert after["provenance"]["commands"][-1]["argv"] == ["nasbench", "report", str(out), "--html"]


def test_multiobjective_page(tmp_path):
    from tests.test_reproduce_mo import _tiny_toml

    path = _tiny_toml(tmp_path)
    out = tmp_path / "mo"
    summary = run_preset(load_preset(str(path)), out, seeds=2, executor="serial", progress=False, html=True)
    data = page_json(out / PAGE, "nasbench-data")
    figs = page_json(out / PAGE, "nasbench-figures")
    assert data["kind"] == "multiobjective" and data["n_runs"]["failed"] == 0
    assert {"fig-hv-test", "fig-hv-valid", "fig-fronts", "fig-final"} <= set(figs)
    finals = load_final(out / "runs")
    for g in data["runs"]:
        for i, (seed, file) in enumerate(zip(g["seeds"], g["files"])):
            doc = json.loads((out / file).read_text())
            assert doc["seed"] == seed and doc["objectives"] == [f"latency_{g['key']}:min"]
            row = finals[(finals.seed == seed) & (finals.strategy == doc["strategy"])
                         & (finals.config_key == doc["config_key"])]
            assert g["final"]["20q"]["test"]["value"][i] == pytest.approx(100 * float(row.hv_test_regret.iloc[0]))
    assert data["results"] == json.loads(json.dumps(summary["results"]))


def test_predictor_page(tmp_path):
    text = (load_preset("predictors-nb201").path.read_text()
            .replace('predictors = ["ridge", "rf", "gbt", "gp", "mlp-ensemble", "bananas-ensemble", "gcn"]',
                     'predictors = ["ridge", "rf"]')
            .replace("train_sizes = [5, 8, 14, 24, 42, 71, 121, 205]", "train_sizes = [14, 5]")
            .replace("trials = 100", "trials = 3").replace("test_size = 200", "test_size = 40"))
    path = tmp_path / "pred.toml"
    path.write_text(text)
    out = tmp_path / "pred"
    run_preset(load_preset(str(path)), out, executor="serial", progress=False, html=True)
    data = page_json(out / PAGE, "nasbench-data")
    figs = page_json(out / PAGE, "nasbench-figures")
    frame = pd.read_csv(out / "results.csv")
    assert data["kind"] == "predictors" and {"fig-spearman", "fig-final"} <= set(figs)
    for p, r in data["results"].items():
        rows = frame[(frame.predictor == p) & (frame.train_size == 14)]
        assert r["sizes"]["14"]["spearman"] == pytest.approx(rows.spearman.mean())
    strip = {t["name"]: t for t in figs["fig-final"]["data"]}
    for p in ("ridge", "rf"):
        rows = frame[(frame.predictor == p) & (frame.train_size == 14)].sort_values("trial")
        assert strip[p]["y"] == pytest.approx(rows.spearman.tolist()) and not math.isnan(strip[p]["y"][0])
