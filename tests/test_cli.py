"""The `nasbench` command line: answers, JSON output, and one-line errors with exit status 2."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

import nasbench

OPT = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reproduce.cli", *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_info_json_nbgraph_cora():
    proc = run_cli("info", "nbgraph/cora", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["n_archs"] == 26206 and info["space"] == "nbgraph"
    assert set(info["metrics"]) == {"valid_acc", "test_acc", "latency", "params"}
    assert info["metrics"]["test_acc"]["split"] == "test"
    best = info["best_validation"]
    bench = nasbench.load("nbgraph/cora")
    assert best["valid_acc"] == pytest.approx(float(bench.table.vector("valid_acc").max()), abs=1e-4)
    assert best["test_acc"] == pytest.approx(bench.query(best["arch"], "test_acc"), abs=1e-4)


def test_query_json_nb201_optimum():
    proc = run_cli("query", "nb201/cifar10", OPT, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["arch"] == OPT
    assert round(out["metrics"]["test_acc"]["values"]["200"]["mean"], 2) == 94.36
    assert len(out["metrics"]["valid_acc"]["values"]["200"]["replicates"]) == 3


def test_query_by_id_and_text_output():
    proc = run_cli("query", "nbgraph/cora", "--id", "0")
    assert proc.returncode == 0 and "valid_acc" in proc.stdout


def test_list_shows_every_benchmark():
    proc = run_cli("list", "--json")
    names = [b["name"] for b in json.loads(proc.stdout)["benchmarks"]]
    builtin = [n for n in names if not n.startswith("user:")]
    assert builtin == nasbench.benchmark_names()
    assert [n for n in names if n.startswith("user:")] == nasbench.user_table_names()  # the session's user tables


@pytest.mark.parametrize(
    "args, needles",
    [
        (("info", "nb999/cifar10"), ["unknown benchmark 'nb999/cifar10'", "nbgraph/cora"]),
        (("query", "nb201/cifar10", "|conv~0|+|x~0|"), ["need 3", "none", "nor_conv_3x3"]),
        (("query", "nbgraph/cora", "gcn@0,gin@5,fc@2,cheb@1"), ["gin@5"]),
        (("query", "nbgraph/cora", "gcn@0,max@1,fc@2,cheb@1"), ["max", "gat"]),
        (("query", "nbgraph/cora", "--id", "99999999"), ["outside"]),
        (("query", "nbgraph/cora", "0"), ["--id 0", "id:0"]),  # a string is never read as an id
        (("import", "nope/x"), ["unknown benchmark"]),
        (("frobnicate",), ["invalid choice"]),
    ],
)
def test_error_paths_exit_2_with_one_line(args, needles):
    assert_one_line_error(run_cli(*args), *needles)


def test_corrupt_table_is_one_line_error(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    src = nasbench.table_path("nbgraph/cora")
    nasbench.load("nbgraph/cora")
    shutil.copy(src, home / src.name)
    data = bytearray((home / src.name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (home / src.name).write_bytes(bytes(data))
    assert_one_line_error(run_cli("info", "nbgraph/cora", env={"NASBENCH_HOME": str(home)}),
                          "sha256", "nasbench import nbgraph/cora")


def test_missing_package_is_one_line_error(tmp_path):
    """Hide nas_bench_graph from a subprocess: the error says what to install."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\nclass _Block:\n    def find_spec(self, name, path=None, target=None):\n"
        "        return None if name != 'nas_bench_graph' else (_ for _ in ()).throw(ModuleNotFoundError(name))\n"
        "sys.meta_path.insert(0, _Block())\n"
    )
    env = {"NASBENCH_HOME": str(tmp_path / "home"), "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = run_cli("info", "nbgraph/cora", env=env)
    assert_one_line_error(proc, "pip install nas-bench-graph==1.4.0")
