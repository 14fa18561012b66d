"""One experiment = one configuration; nothing silent (issue 22, replayed from the command line).

Every number is checked against an independent computation from the run files themselves.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from reproduce.cli import main
from reproduce.store import results

RUN = ["run", "--executor", "serial", "--quiet"]


def run(out: Path, *args: str) -> int:
    return main([*RUN, *args, "--out", str(out)])


def final_test(folder: Path, budget: str, strategy: str = "rs") -> list[float]:
    """The final incumbent test accuracy of every run of one configuration, read straight from its files."""
    values = []
    for path in sorted(folder.rglob("seed-*.json")):
        doc = json.loads(path.read_text())
        if doc["budget"] == budget and doc["strategy"] == strategy:
            values.append(doc["columns"]["incumbent_test"][-1])
    return values


def parse_table(md: str) -> dict[str, dict[str, str]]:
    """``budget block -> row label -> first cell`` of table.md."""
    out: dict = {}
    block = None
    for line in md.splitlines():
        if line.startswith("## Budget "):
            block = line.removeprefix("## Budget ").strip()
            out[block] = {}
        elif block and line.startswith("| ") and not line.startswith("| Strategy"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            out[block][cells[0]] = cells[1]
    return out


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    """rs at 50q and at 100q, and re with population_size=20 at 50q, in one folder (5 seeds each)."""
    out = tmp_path_factory.mktemp("mix") / "mix"
    assert run(out, "--benchmark", "nb201/cifar10", "--strategy", "rs", "--seeds", "5", "--budget", "50q") == 0
    assert run(out, "--benchmark", "nb201/cifar10", "--strategy", "rs", "--seeds", "5", "--budget", "100q") == 0
    assert run(out, "--benchmark", "nb201/cifar10", "--strategy", "re", "--seeds", "5", "--budget", "50q",
               "--hp", "population_size=20") == 0
    return out


def test_two_budgets_are_two_rows_with_their_own_seeds(mixed, capsys):
    assert main(["report", str(mixed)]) == 0
    capsys.readouterr()
    summary = json.loads((mixed / "summary.json").read_text())
    rows = summary["meta"]["strategies"]
    assert set(rows) == {"RS, budget 50q", "RS, budget 100q", "RE"}
    res = summary["results"]
    for label, budget in (("RS, budget 50q", "50q"), ("RS, budget 100q", "100q")):
        cell = res[budget][label]["nb201/cifar10:test_acc"]
        expected = final_test(mixed, budget)
        assert cell["n"] == 5 == len(expected)
        assert cell["mean"] == pytest.approx(float(np.mean(expected)))
    # a 50q run says nothing about 100 queries: its row is empty there
    assert res["100q"]["RS, budget 50q"]["nb201/cifar10:test_acc"]["n"] == 0
    assert res["100q"]["RE"]["nb201/cifar10:test_acc"]["n"] == 0
    table = parse_table((mixed / "table.md").read_text())
    assert table["100q"]["RS, budget 50q"] == "–"
    md = (mixed / "table.md").read_text()
    assert "n = 5 seeds" in md and "seeds (0-4)" in md


def test_select_and_load_final_keep_configurations_apart(mixed, capsys):
    final = results.load_final(mixed)
    assert final.groupby("config").size().to_dict() == {"RE": 5, "RS, budget 100q": 5, "RS, budget 50q": 5}
    only = results.load_final(mixed, select={"budget": "100q"})
    assert set(only["config"]) == {"RS"} and len(only) == 5
    assert main(["report", str(mixed), "--select", "population_size=20"]) == 0
    assert json.loads((mixed / "summary.json").read_text())["meta"]["strategies"] == ["RE"]
    assert main(["report", str(mixed), "--select", "budget=7q"]) == 2
    assert "matches no run" in capsys.readouterr().err


def test_analyze_keeps_configurations_apart(mixed, tmp_path, capsys):
    assert main(["analyze", str(mixed), "--out", str(tmp_path), "--time-runs", "1", "--quiet"]) == 0
    comparison = json.loads((tmp_path / "summary.json").read_text())["comparison"]["per_benchmark"]["nb201/cifar10"]
    assert set(comparison["strategies"]) == {"RE", "RS, budget 50q", "RS, budget 100q"}
    assert all(v["runs"] == 5 for v in comparison["strategies"].values())
    # 5 seeds are below the minimum for a verdict: none is printed
    assert comparison["no_verdict"] and "5 < 10" in comparison["no_verdict"]
    assert all(not p["significant"] for p in comparison["pairs"])


@pytest.mark.parametrize("damage", ["truncated", "empty", "list", "no-column", "renamed", "copied"])
def test_bad_result_files_stop_the_report_naming_each(tmp_path, capsys, damage):
    out = tmp_path / "runs"
    assert run(out, "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "20", "--budget", "10q") == 0
    folder = next(out.glob("nbgraph__cora/rs-*"))
    victim = folder / "seed-00003.json"
    text = victim.read_text()
    if damage == "truncated":
        victim.write_text(text[: len(text) // 2])
    elif damage == "empty":
        victim.write_text("")
    elif damage == "list":
        victim.write_text("[1, 2, 3]")
    elif damage == "no-column":
        doc = json.loads(text)
        del doc["columns"]["incumbent"]
        doc["dtypes"].pop("incumbent")
        victim.write_text(json.dumps(doc))
    elif damage == "renamed":  # a file named seed 3 whose content says seed 4
        victim.write_text((folder / "seed-00004.json").read_text())
    else:  # copied: seed 5's file copied under a new name
        shutil.copy(folder / "seed-00005.json", folder / "seed-00021.json")
        victim = folder / "seed-00021.json"
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(victim) in err and "--skip-bad" in err and len(err.strip().splitlines()) == 1
    if damage in ("renamed", "copied"):
        twin = folder / ("seed-00004.json" if damage == "renamed" else "seed-00005.json")
        assert str(twin) in err  # both files named
    assert not (out / "table.md").exists()
    # --skip-bad: the report is written from the others, and says so everywhere
    assert main(["report", str(out), "--skip-bad", "--html"]) == 0
    err = capsys.readouterr().err
    assert "skipped 1" in err and str(victim) in err
    summary = json.loads((out / "summary.json").read_text())
    seeds = summary["meta"]["seeds"]
    kept = 19 if damage != "copied" else 20
    assert len(seeds) == kept and (3 not in seeds) == (damage != "copied")
    cell = summary["results"]["10q"]["RS"]["nbgraph/cora:test_acc"]
    assert cell["n"] == kept
    md = (out / "table.md").read_text()
    assert "skipped 1 unreadable or invalid result file" in md
    expected = "0-2, 4-19" if damage != "copied" else "0-19"
    assert f"seeds ({expected})" in md
    assert "skipped 1 unreadable" in (out / "report.html").read_text()


def test_python_api_refuses_bad_files_unless_told(tmp_path):
    out = tmp_path / "runs"
    assert run(out, "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "3", "--budget", "5q") == 0
    next(out.rglob("seed-00001.json")).write_text("{")
    with pytest.raises(results.BadResultFilesError, match="seed-00001.json"):
        results.load_final(out)
    with pytest.warns(UserWarning, match="skipped 1"):
        assert len(results.load_final(out, on_bad="skip")) == 2


def test_runs_without_incumbent_are_failed_runs(tmp_path, capsys):
    out = tmp_path / "none"
    args = ["--benchmark", "nb201/cifar10", "--strategy", "rs", "--seeds", "4", "--budget", "3q"]
    # almost no architecture meets this limit: every run ends without an incumbent
    assert run(out, *args, "--constraint", "latency_fpga<=1.14") == 2
    captured = capsys.readouterr()
    assert "without an incumbent" in captured.err and "nothing to report" in captured.err
    # a limit some seeds meet: those without an incumbent are failed, the report's n agrees
    some = tmp_path / "some"
    args = ["--benchmark", "nb201/cifar10", "--strategy", "rs", "--seeds", "20", "--budget", "3q"]
    code = run(some, *args, "--constraint", "latency_fpga<=2")
    captured = capsys.readouterr()
    docs = [json.loads(p.read_text()) for p in some.rglob("seed-*.json")]
    with_inc = [d for d in docs if d["columns"]["incumbent"] and d["columns"]["incumbent"][-1] >= 0]
    assert 0 < len(with_inc) < 20, "the constraint should leave some seeds without a feasible trial"
    assert code == 1 and f"{20 - len(with_inc)} failed" in captured.out and "warning" in captured.err
    assert f"over the {len(with_inc)} with an incumbent" in captured.out
    assert main(["report", str(some)]) == 0
    captured = capsys.readouterr()
    summary = json.loads((some / "summary.json").read_text())
    assert summary["results"]["3q"]["RS"]["nb201/cifar10:test_acc"]["n"] == len(with_inc)
    assert f"{20 - len(with_inc)} run(s) found no incumbent" in (some / "table.md").read_text()
    assert "no incumbent" in captured.err


def test_protocol_notes_come_from_each_benchmarks_runs(tmp_path, capsys):
    out = tmp_path / "three"
    pytest.importorskip("onnxruntime")
    assert run(out, "--benchmark", "nb201/cifar10,nbgraph/cora,nb301/cifar10", "--strategy", "rs", "--seeds", "3",
               "--budget", "5q") == 0
    printed = capsys.readouterr().out
    assert "surrogate-predicted valid_acc (no test split)" in printed  # `run` never calls it test
    assert main(["report", str(out), "--html"]) == 0
    capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text())
    per = {line.split(":")[0]: line for line in summary["meta"]["protocol_per_benchmark"]}
    for bench in ("nb201/cifar10", "nbgraph/cora", "nb301/cifar10"):
        doc = json.loads(next(out.glob(f"{bench.replace('/', '__')}/rs-*/seed-00000.json")).read_text())
        assert f"signal {doc['protocol']['signal']}" in per[bench]
        assert f"noise model {doc['protocol']['noise']}" in per[bench]
        assert doc["protocol"]["cost_model"] in per[bench]
        for name in ("table.md", "table.tex", "report.html"):
            text = (out / name).read_text()
            assert doc["protocol"]["signal"].replace("_", "\\_" if name == "table.tex" else "_") in text
    assert "surrogate-predicted validation accuracy, no test split" in per["nb301/cifar10"]
    labels = {c["benchmark"]: c["label"] for c in summary["meta"]["columns"]}
    assert labels["nb301/cifar10"] == "nb301/cifar10 valid (surrogate-predicted, no test split)"
    assert labels["nb201/cifar10"] == "nb201/cifar10 test" and labels["nbgraph/cora"] == "cora test"


def test_report_names_only_files_it_wrote(tmp_path, capsys):
    out = tmp_path / "one"
    assert run(out, "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "2", "--budget", "5q") == 0
    capsys.readouterr()
    assert main(["report", str(out), "--title", "My table", "--label", "rs=Random search"]) == 0
    printed = capsys.readouterr().out
    assert "results.csv" not in printed and "report.html" not in printed
    for name in ("table.md", "table.tex", "summary.json"):
        assert name in printed and (out / name).is_file()
    md = (out / "table.md").read_text()
    assert md.startswith("# My table") and "| Random search |" in md


def test_seeds_grammar_is_one_in_every_command(tmp_path, capsys):
    out = tmp_path / "grammar"
    assert run(out, "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "3", "--budget", "2q") == 0
    assert sorted(int(p.stem[5:]) for p in out.rglob("seed-*.json")) == [0, 1, 2]
    assert run(out, "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "7,", "--budget", "2q") == 0
    assert sorted(int(p.stem[5:]) for p in out.rglob("seed-*.json")) == [0, 1, 2, 7]
    capsys.readouterr()
    assert main(["reproduce", "nbgraph-search", "--seeds", "0", "--out", str(tmp_path / "x")]) == 2
    assert "number of seeds must be >= 1" in capsys.readouterr().err
