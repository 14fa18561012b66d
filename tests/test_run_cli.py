"""`nasbench run`: option parsing, resuming, one-line errors, and surviving kill -9."""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import pytest

from nasbench.errors import NasbenchError
from reproduce.cli import main
from reproduce.commands.run import build_specs, parse_hyperparameters
from reproduce.seeds import parse_seeds
from reproduce.store.results import read_run, result_files, result_path
from strategies import strategy_names
from strategies.base import StrategyError
from strategies.runner import RunSpec, run_one

STRATEGY = "re" if "re" in strategy_names() else "rs"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reproduce.cli", *args], capture_output=True, text=True)


def args_for(**kw) -> argparse.Namespace:
    base = dict(benchmark=["nb201/cifar10"], strategy=["rs"], seeds="0:3", budget="10q", signal=None, noise=None,
                workers=1, executor="serial", jobs=None, hp=None, out="x", constraint=None, objectives=None)
    return argparse.Namespace(**{**base, **kw})


# ----- parsing ---------------------------------------------------------------------------------
def test_seed_forms():
    """One grammar in every command: N = the first N seeds, A:B a range, a list names exactly those."""
    assert parse_seeds("0:500") == list(range(500))
    assert parse_seeds("7") == list(range(7))  # a count, as in `nasbench reproduce --seeds 7`
    assert parse_seeds("7,") == [7] and parse_seeds("7:8") == [7]
    assert parse_seeds("1,2,5") == [1, 2, 5]
    assert parse_seeds("5, 0:3,2") == [0, 1, 2, 5]
    for bad in ("", "a", "5:3", "3:3", "-1", "0:", "1:2:3", "1.5", "0:10,x", "0", "99999999999", "0:2000000"):
        with pytest.raises(NasbenchError, match=r"--seeds"):
            parse_seeds(bad)


def test_specs_expand_benchmarks_strategies_and_seeds():
    specs = build_specs(args_for(benchmark=["nb201/cifar10,nbgraph/cora"], strategy=["rs", f"rs,{STRATEGY}"],
                                 seeds="0:2", budget="12000 s", signal="valid_acc@12.0"))
    strategies = sorted({"rs", STRATEGY})
    assert len(specs) == 2 * len(strategies) * 2
    assert {s.budget for s in specs} == {"12000s"} and {s.signal for s in specs} == {"valid_acc@12"}
    assert [(s.benchmark, s.strategy, s.seed) for s in specs][:2] == [("nb201/cifar10", "rs", 0), ("nb201/cifar10", "rs", 1)]


@pytest.mark.skipif("re" not in strategy_names(), reason="needs the 're' strategy")
def test_hyperparameters_are_typed_and_scoped():
    from strategies.registry import get_spec

    defaults = get_spec("re").defaults
    key, default = next((k, v) for k, v in defaults.items() if isinstance(v, int) and not isinstance(v, bool))
    hps = parse_hyperparameters([f"re:{key}=7"], ["rs", "re"])
    assert hps == {"rs": {}, "re": {key: 7}}
    with pytest.raises(StrategyError, match="integer"):
        parse_hyperparameters([f"{key}=0.5"], ["re"])
    with pytest.raises(StrategyError, match="strategy 'rs' has no hyperparameter"):
        parse_hyperparameters([f"{key}=7"], ["re", "rs"])
    with pytest.raises(NasbenchError, match="not in --strategy"):
        parse_hyperparameters([f"ls:{key}=7"], ["re"])
    with pytest.raises(NasbenchError, match="key=value"):
        parse_hyperparameters(["novalue"], ["re"])


# ----- errors: one line, exit 2 ----------------------------------------------------------------
BASE = ["run", "--benchmark", "nb201/cifar10", "--strategy", "rs", "--seeds", "0:2", "--budget", "10q"]


@pytest.mark.parametrize(
    "change, needles",
    [
        ({"--seeds": "5:3"}, ["--seeds '5:3'", "A:B needs A < B"]),
        ({"--budget": "12000"}, ["bad budget", "'150q'", "'12000s'"]),
        ({"--strategy": "nope"}, ["unknown strategy 'nope'", "'rs'"]),
        ({"--hp": "mutation=3"}, ["has no hyperparameter 'mutation'"]),
        ({"--benchmark": "nb201/cifar11"}, ["unknown benchmark", "nb201/cifar10"]),
        ({"--noise": "loud"}, ["unknown noise model", "fixed:K"]),
        ({"--signal": "test_acc@12"}, ["test-split"]),
        ({"--jobs": "0"}, ["--jobs"]),
    ],
)
def test_errors_are_one_line_exit_2(tmp_path, capsys, change, needles):
    argv = list(BASE)
    for flag, value in change.items():
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nasbench: error:"), err
    for needle in needles:
        assert needle in err[0]
    assert not any(tmp_path.rglob("*.json"))


def test_error_through_the_real_entry_point(tmp_path):
    proc = run_cli(*BASE[:-2], "--budget", "lots", "--out", str(tmp_path))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    proc = run_cli(*BASE, "--executor", "dask", "--out", str(tmp_path))
    assert proc.returncode == 2 and "'local', 'serial', 'ray'" in proc.stderr


# ----- running and resuming --------------------------------------------------------------------
def test_run_resume_and_summary(tmp_path, capsys):
    argv = ["run", "--benchmark", "nb201/cifar10", "--strategy", STRATEGY, "--seeds", "0:6", "--budget", "3000s",
            "--workers", "2", "--jobs", "2", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"results in {tmp_path}/" in out and "6 new, 0 already done" in out
    assert "6 runs; over the 6 with an incumbent: final test_acc" in out and "+/-" in out and "regret" in out
    assert main(argv) == 0
    assert "0 new, 6 already done" in capsys.readouterr().out
    files = result_files(tmp_path)
    files[2].unlink()
    assert main(argv) == 0
    assert "1 new, 5 already done" in capsys.readouterr().out
    spec = RunSpec("nb201/cifar10", STRATEGY, 2, "3000s", workers=2)
    assert read_run(result_path(tmp_path, spec))[1].equals(run_one(spec))


def test_kill_minus_9_then_rerun_leaves_every_result_once(tmp_path):
    """SIGKILL the whole process group mid-sweep; the rerun completes it; nothing is corrupt."""
    n = 60
    argv = [sys.executable, "-m", "reproduce.cli", "run", "--benchmark", "nb201/cifar10", "--strategy", "rs",
            "--seeds", f"0:{n}", "--budget", "3000q", "--jobs", "2", "--out", str(tmp_path)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    seen = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            seen = len(list(tmp_path.rglob("seed-*.json")))
            if seen >= 4:
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, f"the sweep ended before the kill: {proc.stderr.read()!r}"
    before = len(list(tmp_path.rglob("seed-*.json")))
    assert 4 <= before < n
    rerun = subprocess.run(argv, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{n - before} new, {before} already done" in rerun.stdout
    files = result_files(tmp_path)
    assert sorted(p.name for p in files) == [f"seed-{s:05d}.json" for s in range(n)]
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    specs = {}
    for path in files:
        spec, traj = read_run(path)  # every file parses
        assert len(traj) == 3000
        specs[spec.seed] = (spec, traj)
    for seed in (0, n // 2, n - 1):
        spec, traj = specs[seed]
        assert traj.equals(run_one(spec))


# ----- failed runs -----------------------------------------------------------------------------
def _fail_every_run(spec):
    raise RuntimeError(f"simulated bug on seed {spec.seed}")


def _fail_seed_1(spec):
    if spec.seed == 1 and spec.budget != "1q":
        raise RuntimeError("simulated bug on seed 1")
    return run_one(spec)


FAILING = ["run", "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "0:2", "--budget", "5q",
           "--executor", "serial", "--engine", "loop"]  # the loop engine calls the patched run_one


def test_every_run_failed_is_exit_2_with_one_line(tmp_path, capsys, monkeypatch):
    import reproduce.store.sweep as sw
    from reproduce.store.results import error_path

    monkeypatch.setattr(sw, "run_one", _fail_every_run)
    assert main([*FAILING, "--quiet", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nasbench: error: all 2 run(s) failed"), err
    spec = RunSpec("nbgraph/cora", "rs", 0, "5q")
    assert str(error_path(tmp_path, spec)) in err[0] and "simulated bug on seed 0" in err[0]
    # with progress, the error is still one whole line of its own, the last one
    assert main([*FAILING, "--out", str(tmp_path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("nasbench: error: all 2 run(s) failed")
    assert all(line.startswith("run: ") for line in lines[:-1]) and lines[-2].endswith(", 2 failed")


def test_some_runs_failed_is_a_warning_and_exit_1(tmp_path, capsys, monkeypatch):
    import reproduce.store.sweep as sw

    monkeypatch.setattr(sw, "run_one", _fail_seed_1)
    assert main([*FAILING, "--quiet", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nasbench: warning: 1 of 2 runs failed"), err
    assert "1 new, 0 already done, 1 failed" in captured.out
    monkeypatch.setattr(sw, "run_one", run_one)
    assert main([*FAILING, "--quiet", "--out", str(tmp_path)]) == 0  # the rerun retries it
    assert "1 new, 1 already done, 0 failed" in capsys.readouterr().out
