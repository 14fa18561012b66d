"""Hostile input to the command line and the preset loader (issue 23): every case ends in a
result or one typed error (CLI: exit 2, one line, no traceback), writes nothing when refused,
stays in bounded memory and does not hang.

Seeded: a failure names its case, and the same seed replays it.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nasbench.errors import NasbenchError
from reproduce.cli import main
from reproduce.kinds import load_preset
from reproduce.presets import preset_names

SEED = 23
N_PRESET_CASES = 120
N_ARG_CASES = 60
REPO = Path(__file__).resolve().parents[2]
#: address-space limit of a CLI case in a subprocess (a normal command stays far below)
MEMORY_LIMIT = 3 << 30

HOSTILE_VALUES = [
    -1, 0, 2.9, -2.5, 10**30, 1e300, float("inf"), True, "", "abc", "\x00\xff", [1, 2], [[1]], {"a": 1},
    "99999999999q", "-5q", "1e400s", [], {}, "nbgraph/cora", "rs", 7,
]


# ----- a tiny TOML writer (no dependency): enough for presets --------------------------------------
def _scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and v != v:
            return "nan"
        if isinstance(v, float) and v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_scalar(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(doc: dict, prefix: str = "") -> str:
    lines, tables, arrays = [], [], []
    for k, v in doc.items():
        if isinstance(v, dict) and v and all(isinstance(x, dict) for x in v.values()) and prefix.count(".") < 3:
            tables.append((k, v))
        elif isinstance(v, dict):
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            arrays.append((k, v))
        else:
            lines.append(f"{json.dumps(k)} = {_scalar(v)}")
    out = "\n".join(lines) + "\n"
    for k, v in tables:
        name = f"{prefix}{json.dumps(k)}"
        out += f"\n[{name}]\n" + to_toml(v, name + ".")
    for k, v in arrays:
        for item in v:
            out += (f"\n[[{prefix}{json.dumps(k)}]]\n"
                    + "\n".join(f"{json.dumps(a)} = {_scalar(b)}" for a, b in item.items()) + "\n")
    return out


def _paths(doc, path=()):
    """Every key path of a preset document (into tables and arrays of tables)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield (*path, k)
            yield from _paths(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            if isinstance(v, dict):
                yield from _paths(v, (*path, i))


def _mutate(doc: dict, rng: np.random.Generator) -> tuple[dict, str]:
    import copy

    doc = copy.deepcopy(doc)
    paths = list(_paths(doc))
    path = paths[int(rng.integers(len(paths)))]
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    action = int(rng.integers(3))
    if action == 0:
        del parent[path[-1]]
        return doc, f"delete {'/'.join(map(str, path))}"
    if action == 1:
        value = HOSTILE_VALUES[int(rng.integers(len(HOSTILE_VALUES)))]
        parent[path[-1]] = value
        return doc, f"{'/'.join(map(str, path))} = {value!r}"
    parent[f"unknown_{int(rng.integers(100))}"] = 1 if isinstance(parent, dict) else None
    return doc, f"extra key under {'/'.join(map(str, path[:-1]))}"


def _shipped_docs() -> list[dict]:
    import tomllib

    return [tomllib.loads(load_preset(n).path.read_text()) for n in preset_names()]


def test_preset_loader_fuzz(tmp_path):
    """Mutated shipped presets: each parses or raises a NasbenchError naming the problem."""
    rng = np.random.default_rng(SEED)
    docs = _shipped_docs()
    outcomes = {"parsed": 0, "refused": 0}
    for k in range(N_PRESET_CASES):
        base = docs[int(rng.integers(len(docs)))]
        doc, what = _mutate(base, rng)
        path = tmp_path / f"case{k}.toml"
        try:
            path.write_text(to_toml(doc))
        except TypeError:
            continue
        try:
            load_preset(str(path))
            outcomes["parsed"] += 1
        except NasbenchError as exc:
            assert str(exc) and "\n" not in str(exc), (what, exc)
            outcomes["refused"] += 1
        except Exception as exc:  # noqa: BLE001 - the point of the test
            pytest.fail(f"case {k} ({what}): {type(exc).__name__}: {exc}")
    assert outcomes["refused"] > N_PRESET_CASES // 4 and outcomes["parsed"] > 0, outcomes


@pytest.mark.parametrize("content, needle", [
    (b"\x00\xff\xfe binary", "not a text file"),
    (b'name = "x"\nseeds = 0\nbudgets = ["5q"]\n[search]\nbenchmarks = ["nbgraph/cora"]\n[report]\nmetrics = ["test_acc"]\n'
     b'[[strategies]]\nname = "rs"\n', "'seeds' must be an integer >= 1"),
    (b'name = "x"\nseeds = -3\nbudgets = ["5q"]\n[search]\nbenchmarks = ["nbgraph/cora"]\n[report]\nmetrics = ["test_acc"]\n'
     b'[[strategies]]\nname = "rs"\n', "'seeds' must be an integer >= 1"),
    (b'name = "x"\nseeds = 2\nworkers = 2.9\nbudgets = ["5q"]\n[search]\nbenchmarks = ["nbgraph/cora"]\n[report]\n'
     b'metrics = ["test_acc"]\n[[strategies]]\nname = "rs"\n', "'workers' must be an integer"),
    (b'name = "x"\nseeds = 2.7\nbudgets = ["5q"]\n[search]\nbenchmarks = ["nbgraph/cora"]\n[report]\nmetrics = ["test_acc"]\n'
     b'[[strategies]]\nname = "rs"\n', "'seeds' must be an integer"),
    (b'name = "x"\nseeds = 2\nbudgets = ["5q"]\n[search]\nbenchmarks = ["nbgraph/cora"]\n[report]\nmetrics = ["test_acc"]\n'
     b'[[strategies]]\nname = "re"\nhyperparameters = { population_size = [1, 2] }\n', "hyperparameter 'population_size'"),
    (b'name = "x"\nseeds = 2\nbudgets = ["5q"]\n[search]\nbenchmarks = ["nbgraph/cora"]\n[report]\nmetrics = ["test_acc"]\n'
     b'[[strategies]]\nname = "rs"\n[published]\nsource = "s"\n[published.values.rs."nbgraph/cora"]\ntest_acc = "93.1"\n',
     "must be a number"),
])
def test_named_preset_cases_are_one_line_exit_2(tmp_path, capsys, content, needle):
    """The issue's preset cases, through the command line: exit 2, one line, nothing written."""
    preset = tmp_path / "p.toml"
    preset.write_bytes(content)
    out = tmp_path / "out"
    assert main(["reproduce", str(preset), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nasbench: error:") and needle in err[0], err
    assert not out.exists()


def test_a_huge_preset_is_refused_before_parsing(tmp_path, capsys):
    preset = tmp_path / "huge.toml"
    preset.write_text("# " + "x" * (2 << 20) + "\n")
    assert main(["reproduce", str(preset), "--quiet", "--out", str(tmp_path / "o")]) == 2
    assert "a preset is a small TOML file" in capsys.readouterr().err


RUN_BASE = {"--benchmark": "nbgraph/cora", "--strategy": "rs", "--seeds": "1", "--budget": "2q"}
ARG_VALUES = ["", "0", "-1", "1.5", "abc", "99999999999", "1:0", "0:99999999999", "5,", "3:5", "1e9", "\xff", "x" * 5000,
              "rs,rs", "nbgraph/nope", "re:population_size=3", "q", "5s", "latency<=", "nan", "inf", "--", "'", "1,,2"]
RUN_OPTIONS = ["--benchmark", "--strategy", "--seeds", "--budget", "--signal", "--noise", "--workers", "--constraint",
               "--jobs", "--hp", "--engine", "--objectives"]


def test_run_argument_fuzz(tmp_path, capsys):
    """One hostile value per `nasbench run` option: a run (tiny) or exit 2 with one line, no traceback."""
    rng = np.random.default_rng(SEED)
    counts = {0: 0, 1: 0, 2: 0}
    for k in range(N_ARG_CASES):
        option = RUN_OPTIONS[int(rng.integers(len(RUN_OPTIONS)))]
        value = ARG_VALUES[int(rng.integers(len(ARG_VALUES)))]
        args = {**RUN_BASE, option: value}
        argv = ["run", "--executor", "serial", "--quiet", "--out", str(tmp_path / f"o{k}")]
        for flag, v in args.items():
            argv += [flag, v]
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse (choices, types): its own one-line exit 2
            code = int(exc.code)
        captured = capsys.readouterr()
        assert code in (0, 1, 2), (option, value, code)
        assert "Traceback" not in captured.err, (option, value, captured.err)
        if code == 2:
            lines = captured.err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("nasbench: error:"), (option, value, lines)
            assert not any((tmp_path / f"o{k}").rglob("seed-*.json")), (option, value)
        counts[code] += 1
    assert counts[2] > N_ARG_CASES // 3 and counts[0] > 0, counts


def test_report_argument_fuzz(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "2", "--budget", "2q",
                 "--executor", "serial", "--quiet", "--out", str(out)]) == 0
    rng = np.random.default_rng(SEED)
    for _ in range(30):
        option = ["--select", "--label", "--title"][int(rng.integers(3))]
        value = ARG_VALUES[int(rng.integers(len(ARG_VALUES)))]
        capsys.readouterr()
        code = main(["report", str(out), option, value])
        err = capsys.readouterr().err
        assert code in (0, 2) and "Traceback" not in err, (option, value, code, err)
        if code == 2:
            assert len(err.strip().splitlines()) == 1, (option, value, err)
    for bad in (str(tmp_path / "nope"), str(out / "nbgraph__cora")):
        assert main(["report", bad]) == 2


def _limited():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("argv, needle", [
    (["run", "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "0:99999999999", "--budget", "5q"],
     "at most 1,000,000 seeds"),
    (["run", "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "2", "--budget", "99999999999999999999q"],
     "maximum"),
    (["reproduce", "nb201-table5", "--seeds", "99999999999"], "at most 1,000,000 seeds"),
    (["run", "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "2", "--budget", "5q", "--out", "/etc/hostname"],
     "is a file, not a folder"),
])
def test_named_cli_cases_bounded_in_memory_and_time(tmp_path, argv, needle):
    """The issue's CLI cases in a real process: exit 2, one line, under an address-space limit of
    3 GiB and a 120 s timeout (today's bugs grew to 23 GB or ran forever)."""
    if "--out" not in argv:
        argv = [*argv, "--out", str(tmp_path / "o")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "reproduce.cli", *argv], capture_output=True, text=True,
                          timeout=120, preexec_fn=_limited, env=env, cwd=tmp_path)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and needle in lines[0], (proc.returncode, proc.stderr[-2000:])
    assert not any(tmp_path.rglob("seed-*.json"))


def test_read_only_and_non_utf8_output_folders(tmp_path, capsys):
    """A read-only folder is refused up front (also when rerunning a finished one); a folder name
    that is not UTF-8 works for run and report."""
    if os.geteuid() == 0:  # root writes anyway: make the check see a read-only folder through a stand-in
        pytest.skip("running as root: permission bits do not stop writes (checked by check_output_folder's test)")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code = main(["run", "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "1", "--budget", "2q",
                     "--out", str(ro / "x"), "--quiet"])
        assert code == 2 and "permission denied" in capsys.readouterr().err
    finally:
        ro.chmod(0o755)


def test_non_utf8_folder_names_work(tmp_path, capsys):
    name = os.fsdecode(b"res\xffults")
    out = tmp_path / name
    assert main(["run", "--benchmark", "nbgraph/cora", "--strategy", "rs", "--seeds", "2", "--budget", "2q",
                 "--executor", "serial", "--quiet", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    assert "\\xff" in capsys.readouterr().out
    assert "\\xff" in (out / "table.md").read_text()


def test_check_output_folder_refuses_what_cannot_be_written(tmp_path, monkeypatch):
    from reproduce.store.outputs import OutputFolderError, check_output_folder

    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputFolderError, match="is a file"):
        check_output_folder(tmp_path / "file")
    with pytest.raises(OutputFolderError, match="is a file"):
        check_output_folder(tmp_path / "file" / "sub")
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # a read-only folder, also for root
    with pytest.raises(OutputFolderError, match="permission denied"):
        check_output_folder(tmp_path / "new")
    with pytest.raises(OutputFolderError, match="permission denied"):
        check_output_folder(tmp_path)
