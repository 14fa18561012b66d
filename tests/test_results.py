"""The result store and the sweep: layout, exact round trip, resuming, failures, tidy tables."""
from __future__ import annotations

import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from reproduce.store import results
from reproduce.store.results import (
    ResultFileError,
    clean_temp_files,
    load_final,
    load_results,
    pending,
    read_result,
    read_run,
    result_path,
    run_dir,
    write_result,
)
from reproduce.store.sweep import SweepLockedError, sweep
from strategies import strategy_names
from strategies.loop import TRAJECTORY_COLUMNS, Trajectory
from strategies.runner import RunSpec, run_one

STRATEGY = "re" if "re" in strategy_names() else "rs"
BENCH = "nb201/cifar10"


def make_specs(n: int, budget: str = "40q", strategy: str = "rs", **kw) -> list[RunSpec]:
    return [RunSpec(BENCH, strategy, seed, budget, **kw) for seed in range(n)]


def test_layout_and_exact_round_trip(tmp_path):
    spec = RunSpec(BENCH, STRATEGY, 7, "3000s", workers=2)
    traj = run_one(spec)
    path = write_result(tmp_path, spec, traj)
    assert path == tmp_path / "nb201__cifar10" / f"{STRATEGY}-{spec.config_key()}" / "seed-00007.json"
    doc = read_result(path)
    assert {"benchmark", "strategy", "seed", "budget", "hyperparameters", "signal", "noise", "workers"} <= doc.keys()
    assert doc["protocol"]["config_key"] == doc["config_key"] == spec.config_key()
    assert doc["stopped"] == traj.stopped and doc["n_steps"] == len(traj)
    spec2, traj2 = read_run(path)
    assert spec2 == spec
    assert traj2.equals(traj)
    assert all(traj2[k].dtype == traj[k].dtype for k in TRAJECTORY_COLUMNS)
    assert not list(path.parent.glob(".*.tmp"))


def test_nan_and_infinity_survive_as_json(tmp_path):
    cols = {k: np.array([1.5, math.nan, math.inf, -0.0]) for k in ("time", "value", "test_regret")}
    cols["arch"] = np.array([3, 1, 4, 1], dtype=np.int64)
    traj = Trajectory(cols, {"note": np.float32(0.5), "bad": math.nan}, "exhausted")
    spec = RunSpec(BENCH, "rs", 0, "10q")
    path = write_result(tmp_path, spec, traj)
    text = path.read_text()
    assert "NaN" not in text and "null" in text and '"inf"' in text
    json.loads(text)  # strict JSON
    back = read_run(path)[1]
    assert back.equals(traj) and np.signbit(back["value"][3]) and back.stopped == "exhausted"
    assert back.protocol == {"note": 0.5, "bad": None}


def test_pending_counts_missing_truncated_and_foreign_files(tmp_path):
    runs = make_specs(5)
    assert pending(runs, tmp_path) == runs
    for s in runs:
        write_result(tmp_path, s, run_one(s))
    assert pending(runs + runs[:2], tmp_path) == []
    p1 = result_path(tmp_path, runs[1])
    p1.write_text(p1.read_text()[:200])  # truncated
    result_path(tmp_path, runs[2]).write_text("")  # empty
    p3 = result_path(tmp_path, runs[3])
    doc = json.loads(p3.read_text())
    doc["seed"] = 99  # a file that is whole but not this run
    p3.write_text(json.dumps(doc))
    assert pending(runs, tmp_path) == runs[1:4]
    with pytest.raises(ResultFileError, match="does not parse"):
        read_result(p1)


def test_temp_files_are_ignored_and_cleaned(tmp_path):
    spec = make_specs(1)[0]
    write_result(tmp_path, spec, run_one(spec))
    d = run_dir(tmp_path, spec)
    (d / ".seed-00001.json.abc123.tmp").write_text('{"partial')
    (d / "notes.txt").write_text("mine")
    assert len(load_results(tmp_path)["seed"].unique()) == 1
    assert clean_temp_files([d]) == 1
    assert (d / "notes.txt").exists()


def test_load_results_and_final(tmp_path):
    runs = make_specs(3) + make_specs(2, strategy=STRATEGY, budget="3000s")
    trajs = {(s.strategy, s.seed): run_one(s) for s in runs}
    for s in runs:
        write_result(tmp_path, s, trajs[(s.strategy, s.seed)])
    df = load_results(tmp_path)
    assert list(df.columns[:len(results.META_COLUMNS)]) == list(results.META_COLUMNS)
    assert list(df.columns[len(results.META_COLUMNS):]) == list(TRAJECTORY_COLUMNS)
    assert len(df) == sum(len(t) for t in trajs.values())
    one = df[(df.strategy == STRATEGY) & (df.seed == 1)]
    t = trajs[(STRATEGY, 1)]
    for k in TRAJECTORY_COLUMNS:
        assert np.array_equal(one[k].to_numpy(), t[k], equal_nan=True), k
    assert set(df.signal) == {"valid_acc@12"} and set(df.noise) == {"per-trial"}
    assert json.loads(one.hyperparameters.iloc[0]) == t.protocol["hyperparameters"]
    final = load_final(tmp_path)
    assert len(final) == 5
    row = final[(final.strategy == "rs") & (final.seed == 2)].iloc[0]
    assert row.n_steps == 40 and row.queries == 40 and row.stopped == "budget"
    assert row.incumbent_test == trajs[("rs", 2)].final()["incumbent_test"]


def test_load_results_of_a_missing_folder_is_a_typed_error(tmp_path):
    from nasbench.errors import NasbenchError

    with pytest.raises(NasbenchError, match="nasbench run"):
        load_results(tmp_path / "nope")
    assert load_results(tmp_path).empty


def test_reproduce_package_stays_import_light():
    code = "import sys, reproduce; print('pandas' in sys.modules, 'reproduce.store.results' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
    import reproduce

    assert callable(reproduce.load_results)


# ----- sweep -----------------------------------------------------------------------------------
def test_sweep_resumes_and_redoes_partial_files(tmp_path):
    runs = make_specs(12, budget="30q")
    first = sweep(runs, tmp_path, executor="local", workers=2, progress=False)
    assert (first.done, first.skipped, first.failed, first.total) == (12, 0, 0, 12)
    again = sweep(runs, tmp_path, executor="local", workers=2, progress=False)
    assert (again.done, again.skipped) == (0, 12)
    result_path(tmp_path, runs[4]).unlink()
    p7 = result_path(tmp_path, runs[7])
    p7.write_bytes(p7.read_bytes()[:-40])
    third = sweep(runs, tmp_path, executor="serial", progress=False)
    assert (third.done, third.skipped) == (2, 10)
    for s in (runs[4], runs[7]):
        assert read_run(result_path(tmp_path, s))[1].equals(run_one(s))


def test_results_identical_whichever_executor(tmp_path):
    runs = [RunSpec(BENCH, STRATEGY, seed, "3000s", workers=2) for seed in range(4)]
    sweep(runs, tmp_path / "serial", executor="serial", progress=False)
    sweep(runs, tmp_path / "local", executor="local", workers=2, progress=False)
    for s in runs:
        a = read_run(result_path(tmp_path / "serial", s))[1]
        b = read_run(result_path(tmp_path / "local", s))[1]
        assert a.equals(b)
        a_text = result_path(tmp_path / "serial", s).read_text()
        assert a_text == result_path(tmp_path / "local", s).read_text()  # even the bytes


def flaky_run_one(spec: RunSpec) -> Trajectory:
    """run_one that raises for seed 3 (a bug in a strategy, not a user mistake)."""
    if spec.seed == 3 and spec.budget != "1q":
        raise RuntimeError("boom on seed 3")
    return run_one(spec)


def test_a_failing_run_is_recorded_and_retried(tmp_path, monkeypatch):

    runs = make_specs(5)
    summary = sweep(runs, tmp_path, executor="serial", progress=False, run_fn=flaky_run_one)
    assert (summary.done, summary.failed) == (4, 1)
    assert summary.failures[0][0] == runs[3] and "boom on seed 3" in summary.failures[0][1]
    err = results.error_path(tmp_path, runs[3])
    assert "RuntimeError: boom on seed 3" in json.loads(err.read_text())["error"]
    assert len(load_results(tmp_path).seed.unique()) == 4  # error records are not results
    retry = sweep(runs, tmp_path, executor="serial", progress=False)
    assert (retry.done, retry.skipped, retry.failed) == (1, 4, 0)
    assert not err.exists()


def test_a_result_that_cannot_be_written_is_a_failure_not_a_crash(tmp_path, monkeypatch):
    import reproduce.store.sweep as sw

    real = results.write_encoded

    def flaky_write(out, spec, text):
        if spec.seed == 1:
            raise OSError(28, "No space left on device")
        return real(out, spec, text)

    monkeypatch.setattr(sw.results, "write_encoded", flaky_write)
    summary = sweep(make_specs(3), tmp_path, executor="serial", progress=False)
    assert (summary.done, summary.failed) == (2, 1)
    assert "could not write its result" in summary.failures[0][1] and "No space" in summary.failures[0][1]


def test_a_configuration_mistake_stops_the_sweep_before_any_run(tmp_path):
    from nasbench.errors import NasbenchError

    runs = make_specs(3, signal="test_acc@12")
    with pytest.raises(NasbenchError, match="test-split"):
        sweep(runs, tmp_path, executor="local", progress=False)
    assert not any(tmp_path.rglob("*.json"))


def test_progress_bar_and_summary_line():
    """Forced bar (tqdm, cleared at the end) and plain lines on a non-terminal; both end with the
    same summary line. More in tests/test_progress.py."""
    runs = make_specs(3, budget="5q")
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        forced = io.StringIO()
        sweep(runs, d, executor="serial", progress="always", stream=forced)
        text = forced.getvalue()
        assert "\r" in text and "3/3" in text
        assert text.splitlines()[-1].startswith("sweep: 3/3 done in ") and text.endswith(", 0 failed\n")
        log = io.StringIO()  # not a terminal: whole lines, no carriage return
        sweep(runs, d, executor="serial", progress=True, stream=log)
        assert log.getvalue() == "sweep: 3/3 runs already done, nothing to run\n"
        silent = io.StringIO()
        sweep(runs, d, executor="serial", progress=False, stream=silent)
        assert silent.getvalue() == ""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX flock")
def test_a_second_sweep_into_the_same_folder_is_refused(tmp_path):
    import fcntl

    runs = make_specs(2)
    d = run_dir(tmp_path, runs[0])
    d.mkdir(parents=True)
    with open(d / ".lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(SweepLockedError, match="another sweep"):
            sweep(runs, tmp_path, executor="serial", progress=False)
    assert sweep(runs, tmp_path, executor="serial", progress=False).done == 2


def test_result_files_without_newer_optional_fields_still_count(tmp_path):
    """A file written before an optional RunSpec field existed (e.g. constraint) is not redone."""
    import json

    from reproduce.store.results import is_finished, read_run, result_path
    from reproduce.store.sweep import sweep
    from strategies.runner import RunSpec

    spec = RunSpec("nbgraph/cora", "rs", 0, "5q")
    sweep([spec], tmp_path, executor="serial", progress=False)
    path = result_path(tmp_path, spec)
    doc = json.loads(path.read_text())
    for optional in ("constraint", "objectives", "allow_test_signal"):
        doc.pop(optional, None)
    path.write_text(json.dumps(doc))
    assert is_finished(tmp_path, spec)
    assert read_run(path)[0] == spec


def always_failing_run_one(spec: RunSpec) -> Trajectory:
    """run_one with a bug that hits every seed (not a user mistake: the one-query check lets it pass)."""
    raise RuntimeError(f"boom on seed {spec.seed}\n  second line of the message")


def test_a_sweep_in_which_every_run_failed_is_an_error(tmp_path, monkeypatch):
    from nasbench.errors import NasbenchError, SweepFailedError

    runs = make_specs(3, budget="5q")
    with pytest.raises(SweepFailedError) as info:
        sweep(runs, tmp_path, executor="serial", progress=False, run_fn=always_failing_run_one)
    err = info.value
    assert isinstance(err, NasbenchError)
    message = str(err)
    assert "\n" not in message and "all 3 run(s) failed" in message
    assert str(results.error_path(tmp_path, runs[0])) in message and "rerun" in message
    assert "RuntimeError: boom on seed 0" in message
    assert err.summary.failed == 3 and err.summary.done == 0
    for spec in runs:
        assert results.error_path(tmp_path, spec).is_file()
    # the rerun (bug fixed) retries every failed run
    again = sweep(runs, tmp_path, executor="serial", progress=False)
    assert (again.done, again.failed) == (3, 0)


def test_a_sweep_whose_failed_runs_had_finished_siblings_is_not_an_error(tmp_path, monkeypatch):
    """Only the failures are new in this call, but runs finished before count: a warning, not an error."""

    runs = make_specs(3, budget="5q")
    sweep(runs[:1], tmp_path, executor="serial", progress=False)
    summary = sweep(runs, tmp_path, executor="serial", progress=False, run_fn=always_failing_run_one)
    assert (summary.done, summary.skipped, summary.failed) == (0, 1, 2)


def test_one_of_two_runs_failing_returns_normally(tmp_path, monkeypatch):

    def second_fails(spec):
        if spec.seed == 1 and spec.budget != "1q":
            raise RuntimeError("boom")
        return run_one(spec)

    summary = sweep(make_specs(2, budget="5q"), tmp_path, executor="serial", progress=False, run_fn=second_fails)
    assert (summary.done, summary.failed) == (1, 1)
