"""reproduce.progress: a tqdm bar on a terminal, whole plain lines elsewhere, nothing when quiet;
and every long command goes through it (sweep, `nasbench run --quiet`, predictors)."""
from __future__ import annotations

import argparse
import io
import re

import pytest

from reproduce.progress import Progress, resolve_mode, stage_progress
from reproduce.store.results import result_path
from reproduce.store.sweep import sweep
from strategies.runner import RunSpec

BENCH = "nbgraph/cora"
START = re.compile(r"^(?P<label>[\w/.-]+): (?P<total>\d+) (?P<unit>\w+)(?: \((?P<before>\d+) already done\))?$")
STEP = re.compile(r"^(?P<label>[\w/.-]+): (?P<count>\d+)/(?P<total>\d+) \((?P<pct>\d+)%\), [\d.]+ s")
FINAL = re.compile(r"^(?P<label>[\w/.-]+): (?P<count>\d+)/(?P<total>\d+) done in [\d.]+ s, (?P<failed>\d+) failed$")


class TTY(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def parse_stage(text: str, label: str) -> tuple[re.Match, list[re.Match], re.Match]:
    """The start line, the step lines and the final line of one stage in lines mode."""
    assert "\r" not in text and text.endswith("\n")
    lines = text.splitlines()
    assert all(line.startswith(f"{label}: ") for line in lines), lines  # nothing ran together
    start, *steps, final = lines
    m_start, m_final = START.match(start), FINAL.match(final)
    assert m_start and m_final, lines
    m_steps = [STEP.match(s) for s in steps]
    assert all(m_steps), steps
    return m_start, m_steps, m_final


def test_lines_mode_one_line_per_tenth_with_correct_counts():
    out = io.StringIO()
    with stage_progress(50, "demo", done=10, stream=out) as p:
        assert p.mode == "lines"
        for i in range(40):
            p.update(failed=i in (3, 7, 30))
    start, steps, final = parse_stage(out.getvalue(), "demo")
    assert (start["total"], start["unit"], start["before"]) == ("50", "runs", "10")
    counts = [int(m["count"]) for m in steps]
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    assert all(10 < c < 50 for c in counts) and 6 <= len(counts) <= 8  # 30%, 40%, ... 90% (10/50 was 20%)
    for m in steps:
        assert int(m["total"]) == 50 and int(m["pct"]) == round(100 * int(m["count"]) / 50)
    tenths = [c * 10 // 50 for c in counts]
    assert tenths == sorted(set(tenths)) and tenths[0] > 2  # each line in a new tenth, after the 20% start
    assert (final["count"], final["total"], final["failed"]) == ("50", "50", "3")


def test_lines_mode_heartbeat_every_interval_and_unknown_total():
    out = io.StringIO()
    with stage_progress(None, "live", stream=out, unit="trainings", interval=0.0) as p:
        for _ in range(3):
            p.update()
    lines = out.getvalue().splitlines()
    assert lines[0] == "live: started (counting trainings as they finish)"
    assert [line.split(",")[0] for line in lines[1:4]] == [f"live: {n} trainings" for n in (1, 2, 3)]
    assert re.match(r"^live: 3 trainings done in [\d.]+ s, 0 failed$", lines[-1])


def test_callback_adapters_and_failed_records():
    out = io.StringIO()
    with stage_progress(None, "zc", stream=out, unit="archs", defer=True) as p:
        for i in range(4):
            p.callback(i + 1, 4, 0.5)  # like score_benchmark's progress(done, total, seconds)
    start, steps, final = parse_stage(out.getvalue(), "zc")
    assert start["total"] == "4" and [m["count"] for m in steps] == ["1", "2", "3"] and final["count"] == "4"

    out = io.StringIO()
    with stage_progress(None, "build", stream=out, unit="trainings", defer=True) as p:
        report = p.record_callback()
        report({"ok": True, "arch": 1, "seed": 0})
        report({"ok": False, "arch": 2, "seed": 1, "reason": "NaN loss"})
    text = out.getvalue()
    assert "build: arch 2 seed 1 FAILED (NaN loss)\n" in text
    assert re.search(r"^build: 2 trainings done in [\d.]+ s, 1 failed$", text, re.M)


def test_an_error_ends_the_stage_on_its_own_line_and_a_deferred_stage_says_nothing():
    out = io.StringIO()
    with pytest.raises(RuntimeError):
        with stage_progress(10, "demo", stream=out) as p:
            p.update(3)
            raise RuntimeError("boom")
    assert out.getvalue().splitlines()[-1].startswith("demo: stopped at 3/10 after ")
    out = io.StringIO()
    with pytest.raises(RuntimeError):
        with stage_progress(10, "demo", stream=out, defer=True):
            raise RuntimeError("a user mistake found before any work")
    assert out.getvalue() == ""


def test_quiet_prints_nothing_even_on_a_terminal():
    for stream in (io.StringIO(), TTY()):
        with stage_progress(5, "demo", quiet=True, stream=stream) as p:
            p.update(5, failed=1)
            p.message("not shown")
        assert stream.getvalue() == "" and p.mode == "quiet"


def test_terminal_path_draws_a_tqdm_bar_then_one_final_line():
    from tqdm import tqdm

    stream = TTY()
    with stage_progress(20, "demo", stream=stream, done=5) as p:
        assert p.mode == "bar" and isinstance(p._bar, tqdm)
        for _ in range(15):
            p.update(note="nb201/cifar10")
        p.message("a whole line")
    text = stream.getvalue()
    assert "\r" in text and "%|" in text and "20/20" in text  # tqdm's redraws
    assert "\ra whole line\n" in text  # tqdm.write: cleared the bar first
    assert re.search(r"\rdemo: 20/20 done in [\d.]+ s, 0 failed\n$", text)  # the bar is cleared, not left
    assert resolve_mode(True, TTY()) == "bar" and resolve_mode(True, io.StringIO()) == "lines"
    assert resolve_mode("always", io.StringIO()) == "bar" and resolve_mode(False, TTY()) == "quiet"
    with pytest.raises(ValueError, match="progress mode"):
        resolve_mode("loud", TTY())


def test_two_stages_and_messages_never_share_a_line():
    out = io.StringIO()
    for label in ("one", "two"):
        with stage_progress(2, label, stream=out) as p:
            p.update()
            p.message(f"{label}: a note")
            p.update()
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["one"] * 4 + ["two"] * 4, lines


def specs(n: int) -> list[RunSpec]:
    return [RunSpec(BENCH, "rs", seed, "5q") for seed in range(n)]


def test_a_sweep_reports_one_line_per_stage_with_its_counts(tmp_path):
    runs = specs(10)
    sweep(runs[:4], tmp_path, executor="serial", progress=False)
    out = io.StringIO()
    summary = sweep(runs, tmp_path, executor="serial", progress=True, stream=out, label="run")
    assert (summary.done, summary.skipped) == (6, 4)
    start, steps, final = parse_stage(out.getvalue(), "run")
    assert (start["total"], start["before"]) == ("10", "4")
    counts = [int(m["count"]) for m in steps]
    assert counts == sorted(counts) and all(4 < c < 10 for c in counts) and all(m["total"] == "10" for m in steps)
    assert (final["count"], final["total"], final["failed"]) == ("10", "10", "0")
    out = io.StringIO()
    sweep(runs, tmp_path, executor="serial", progress=True, stream=out, label="run")
    assert out.getvalue() == "run: 10/10 runs already done, nothing to run\n"
    out = io.StringIO()
    result_path(tmp_path, runs[0]).unlink()
    sweep(runs, tmp_path, executor="serial", progress=False, stream=out)
    assert out.getvalue() == ""


def test_a_sweep_counts_its_failures_in_the_final_line(tmp_path):
    from strategies.runner import run_one

    def odd_seeds_fail(spec):
        if spec.seed % 2 and spec.budget != "1q":
            raise RuntimeError("odd seed")
        return run_one(spec)

    out = io.StringIO()
    summary = sweep(specs(6), tmp_path, executor="serial", progress="lines", stream=out, label="run",
                    run_fn=odd_seeds_fail)
    assert (summary.done, summary.failed) == (3, 3)
    _, _, final = parse_stage(out.getvalue(), "run")
    assert (final["count"], final["failed"]) == ("6", "3")


def test_run_quiet_prints_nothing_on_stderr(tmp_path, capsys):
    from reproduce.cli import main

    argv = ["run", "--benchmark", BENCH, "--strategy", "rs", "--seeds", "0:2", "--budget", "5q",
            "--executor", "serial", "--out", str(tmp_path / "q")]
    assert main([*argv, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "2 new, 0 already done" in captured.out
    argv[-1] = str(tmp_path / "loud")
    assert main(argv) == 0
    start, _, final = parse_stage(capsys.readouterr().err, "run")  # capsys is not a terminal: lines
    assert start["total"] == "2" and (final["count"], final["failed"]) == ("2", "0")


@pytest.mark.parametrize("quiet", [False, True])
def test_predictors_command_progress_lines(tmp_path, capsys, quiet):
    """The old ``\\rtrial 1/2`` callback ran together in a log (``trial 1/2trial 2/2``)."""
    from reproduce.commands import predictors

    ap = argparse.ArgumentParser()
    predictors.add_parsers(ap.add_subparsers())
    argv = ["predictors", "--benchmark", BENCH, "--predictors", "ridge", "--trials", "2", "--train-sizes", "5",
            "--n-test", "20", "--out", str(tmp_path)]
    args = ap.parse_args(argv + (["--quiet"] if quiet else []))
    assert args.func(args) == 0
    err = capsys.readouterr().err
    if quiet:
        assert err == ""
        return
    start, steps, final = parse_stage(err, "predictors")
    assert (start["total"], start["unit"]) == ("2", "trials")
    assert [m["count"] for m in steps] == ["1"] and (final["count"], final["total"]) == ("2", "2")


def test_every_long_command_has_quiet():
    from reproduce.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command in ("run", "reproduce", "predictors", "build", "validate", "zc"):
        flags = {s for a in sub.choices[command]._actions for s in a.option_strings}
        assert "--quiet" in flags, command


def test_progress_object_without_the_context_manager():
    out = io.StringIO()
    p = Progress(3, "demo", stream=out, mode="lines")
    p.goto(3, failed=1)
    p.close()
    p.close()  # idempotent
    assert out.getvalue().splitlines() == ["demo: 3 runs", out.getvalue().splitlines()[1]]
    assert FINAL.match(out.getvalue().splitlines()[1])["failed"] == "1"
