"""``nasbench oneshot`` on a tiny real Cora run: result files in the shared store, read by
``load_final`` and ``nasbench report`` next to black-box runs; resume; typed one-line errors;
the ``oneshot`` preset kind."""
from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("torch_geometric")

from reproduce.cli import main
from reproduce.store import results

TINY = ["oneshot", "--benchmark", "nbgraph/cora", "--method", "rsps", "--seeds", "1", "--epochs", "2",
        "--device", "cpu", "--rank-archs", "4", "--hp", "n_candidates=3", "log_samples=1", "--quiet"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("oneshot")
    assert main([*TINY, "--out", str(out)]) == 0
    return out


def test_tiny_run_writes_a_result_file(tiny_run, capsys):
    files = results.result_files(tiny_run)
    assert len(files) == 1 and files[0].parent.parent.name == "nbgraph__cora"
    doc = results.read_result(files[0])
    assert doc["strategy"] == "rsps" and doc["protocol"]["kind"] == "oneshot" and doc["stopped"] == "budget"
    assert doc["n_steps"] == 2 and doc["columns"]["epoch"] == [1, 2]
    times = doc["columns"]["time"]
    assert 0 < times[0] and math.isfinite(times[1])
    # valid/test of the derived architecture come from the table, read after the fact
    import nasbench

    bench = nasbench.load("nbgraph/cora")
    arch = doc["columns"]["incumbent"][-1]
    assert doc["protocol"]["derived_arch"] == arch
    assert doc["columns"]["incumbent_test"][-1] == pytest.approx(float(bench.table.vector("test_acc")[arch]))
    assert len(doc["protocol"]["ranking"]["records"]) == 1 and doc["protocol"]["ranking"]["k"] == 4
    final = results.load_final(tiny_run)
    assert list(final["strategy"]) == ["rsps"] and final["incumbent_test"].notna().all()


def test_resume_skips_finished_runs(tiny_run, capsys):
    path = results.result_files(tiny_run)[0]
    before = path.stat().st_mtime_ns
    assert main([*TINY, "--out", str(tiny_run)]) == 0
    assert "0 new, 1 already done" in capsys.readouterr().out
    assert path.stat().st_mtime_ns == before


def test_report_shows_oneshot_and_black_box_side_by_side(tiny_run, capsys):
    assert main(["run", "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "0:2", "--budget", "5q",
                 "--executor", "serial", "--quiet", "--out", str(tiny_run)]) == 0
    assert main(["report", str(tiny_run)]) == 0
    table = (tiny_run / "table.md").read_text()
    assert "| nbgraph/cora | rsps [" in table and "one-shot (real s)" in table
    assert "| nbgraph/cora | rs [" in table and "black-box (simulated s)" in table
    summary = json.loads((tiny_run / "summary.json").read_text())
    assert len(summary) == 2


@pytest.mark.parametrize("args, message", [
    (["--method", "nope"], "unknown one-shot method 'nope'"),
    (["--benchmark", "nbgraph/nope"], "unknown benchmark 'nbgraph/nope'"),
    (["--benchmark", "nb101/cifar10"], "one-shot search supports nbgraph/<dataset> and nb201/cifar10"),
    (["--hp", "n_candidate=3"], "has no setting 'n_candidate'"),
    (["--epochs", "0"], "--epochs must be >= 1"),
    (["--benchmark", "user:utcora"], "one-shot search needs a table of its whole space"),
    (["--jobs", "0"], "--jobs must be a positive number of processes, got 0"),
])
def test_user_mistakes_are_one_line_errors(tmp_path, capsys, args, message):
    base = {"--benchmark": "nbgraph/cora", "--method": "rsps", "--seeds": "1", "--epochs": "1"}
    argv = ["oneshot"]
    given = dict(zip(args[::2], args[1::2]))
    for k, v in {**base, **given}.items():
        argv += [k, v]
    rc = main([*argv, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1


def test_oneshot_preset_parses_and_rejects_bad_keys(tmp_path):
    from reproduce.kinds import load_preset
    from reproduce.presets import PresetError

    p = load_preset("nbgraph-oneshot")
    assert p.kind == "oneshot" and p.benchmarks == ("nbgraph/cora", "nbgraph/citeseer")
    assert {m.name for m in p.methods} >= {"enas", "rsps", "spos"} and [b.name for b in p.baselines] == ["rs", "re"]
    bad = tmp_path / "bad.toml"
    bad.write_text(p.path.read_text().replace("rank_every = 0", "rank_evry = 0"))
    with pytest.raises(PresetError, match="unknown key"):
        load_preset(str(bad))


@pytest.mark.slow
def test_tiny_preset_end_to_end(tmp_path):
    from reproduce.kinds import load_preset

    text = load_preset("nbgraph-oneshot").path.read_text()
    for old, new in (('benchmarks = ["nbgraph/cora", "nbgraph/citeseer"]', 'benchmarks = ["nbgraph/cora"]'),
                     ("epochs = 10 ", "epochs = 1 "), ("rank_archs = 30", "rank_archs = 4"),
                     ("cost_archs = 3", "cost_archs = 1"), ("cost_epochs = 40", "cost_epochs = 2")):
        assert old in text, f"the shipped preset changed: '{old}' is gone, so this test would run it full size"
        text = text.replace(old, new)
    head, *blocks = text.split("[[methods]]")
    rsps = [b for b in blocks if 'name = "rsps"' in b][0].replace("log_every = 5", "n_candidates = 3")
    tail = blocks[-1][blocks[-1].index("[baselines]"):]
    preset = tmp_path / "tiny.toml"
    preset.write_text(head + "[[methods]]" + rsps + "\n" + tail)
    out = tmp_path / "out"
    assert main(["reproduce", str(preset), "--seeds", "1", "--out", str(out), "--quiet"]) == 0
    table = (out / "table.md").read_text()
    assert "| RSPS |" in table and "| RS (equal time" in table and "Search split:" in table
    assert "1 seed(s)" in table and "1 search epochs" in table and "**Sources.**" in table
    cost = json.loads((out / "live_cost.json").read_text())["nbgraph/cora"]
    assert cost["seconds_per_arch"] > 0 and cost["protocol_epochs"] == 400 and cost["device"] == "cpu"
    assert "(CPU, 1 thread(s))" in table and "1 search(es) at once" in table
    summary = json.loads((out / "summary.json").read_text())
    assert sorted(summary["plots"]) == ["oneshot_accuracy.pdf", "oneshot_accuracy.png", "oneshot_ranking.pdf",
                                        "oneshot_ranking.png"]
    assert all((out / name).stat().st_size > 1000 for name in summary["plots"]) and "Figures: " in table
    (out / "table.md").unlink()
    assert main(["report", str(out), "--html"]) == 0 and (out / "table.md").is_file()
    page = (out / "report.html").read_text()
    assert "RSPS" in page and "RS (equal" not in page and "oneshot_accuracy.png" in page and "Provenance" in page
    data = json.loads(page.split('<script id="nasbench-data" type="application/json">')[1].split("</script>")[0])
    assert data["kind"] == "oneshot" and data["summary"]["benchmarks"]["nbgraph/cora"]["methods"]["RSPS"]["test"] \
        == summary["benchmarks"]["nbgraph/cora"]["methods"]["RSPS"]["test"]


def test_a_diverged_search_is_a_failed_run_not_a_failed_sweep(tmp_path):
    from reproduce.kinds.oneshot import summarise_oneshot
    from reproduce.kinds.oneshot_runs import make_spec, sweep_oneshot

    bad = make_spec("nbgraph/cora", "rsps", 0, 4, hyperparameters={"w_lr": 1e30, "grad_clip": None,
                                                                    "n_candidates": 2, "log_samples": 1})
    good = make_spec("nbgraph/cora", "rsps", 1, 2, hyperparameters={"n_candidates": 2, "log_samples": 1})
    summary = sweep_oneshot([bad, good], tmp_path, synthetic=True)
    assert summary["done"] == 2 and summary["failed"] == 0
    doc = results.read_result(results.result_path(tmp_path, bad))
    assert doc["stopped"] == "failed" and "diverged" in doc["protocol"]["reason"]
    assert results.read_result(results.result_path(tmp_path, good))["stopped"] == "budget"
    lines = summarise_oneshot([bad], tmp_path)
    assert "1 runs (1 failed)" in lines[0] and "failed: rsps diverged" in lines[1]


def test_parallel_sweep_equals_the_serial_one(tmp_path):
    """--jobs 2: the same derived architectures and scores as one after the other, every run
    once; the protocol records how many searches shared the machine; gradient methods get the
    per-epoch ranking probe too."""
    from reproduce.kinds.oneshot_runs import make_spec, sweep_oneshot

    hp = {"rsps": {"n_candidates": 2, "log_samples": 1}, "darts": {}}
    specs = [make_spec("nbgraph/cora", m, s, 2, hyperparameters=hp[m], rank_k=4, rank_every=1)
             for m in ("rsps", "darts") for s in (0, 1)]
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    assert sweep_oneshot(specs, serial, synthetic=True)["done"] == 4
    summary = sweep_oneshot(specs, parallel, synthetic=True, jobs=2)
    assert summary["done"] == 4 and summary["failed"] == 0
    for spec in specs:
        a = results.read_result(results.result_path(serial, spec))
        b = results.read_result(results.result_path(parallel, spec))
        assert a["columns"]["arch"] == b["columns"]["arch"] and a["columns"]["value"] == b["columns"]["value"]
        assert a["protocol"]["strategy_details"]["concurrent_searches"] == 1
        assert b["protocol"]["strategy_details"]["concurrent_searches"] == 2
        assert [r["epoch"] for r in b["protocol"]["ranking"]["records"]] == [0, 1]
    assert sweep_oneshot(specs, parallel, synthetic=True, jobs=2)["skipped"] == 4


def test_gpu_preset_parses():
    from reproduce.kinds import load_preset

    p = load_preset("nbgraph-oneshot-gpu")
    assert p.device == "cuda" and p.epochs == 200 and p.rank_every == 50 and p.seeds == 5
    assert [m.name for m in p.methods] == [m.name for m in load_preset("nbgraph-oneshot").methods]
