"""A wheel built from the repository carries the published data and works outside the checkout."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nasbench.published import read_checksums

REPO = Path(__file__).resolve().parent.parent
NB201_BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(REPO)],
        capture_output=True, text=True, cwd=out,
    )
    if proc.returncode != 0:
        pytest.fail(f"pip wheel failed: {proc.stderr[-2000:]}")
    (path,) = out.glob("*.whl")
    return path


def test_wheel_holds_every_published_file_and_no_table(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in read_checksums(REPO / "data"):
        assert f"nasbench_data/{rel}" in names, rel
    assert not [n for n in names if n.endswith(".h5") or "/tables/" in n]
    assert "reproduce/presets/nb201-table5.toml" in names


def test_installed_wheel_queries_nb201_outside_the_repository(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "NASBENCH_HOME": str(tmp_path / "home")}
    env.pop("NASBENCH_PUBLISHED_DATA", None)
    where = subprocess.run(
        [sys.executable, "-c", "import nasbench, nasbench.published as p; print(nasbench.__file__); print(p.data_dir())"],
        capture_output=True, text=True, cwd=work, env=env, check=True,
    ).stdout.split()
    assert all(Path(w).is_relative_to(target) for w in where), where  # the wheel's copy, not the checkout
    proc = subprocess.run(
        [sys.executable, "-m", "reproduce.cli", "query", "nb201/cifar10", NB201_BEST, "--json"],
        capture_output=True, text=True, cwd=work, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads(proc.stdout)["metrics"]
    assert metrics["test_acc"]["values"]["200"]["mean"] == pytest.approx(94.3633, abs=1e-3)
    latencies = [m for m in metrics if m.startswith("latency_")]
    assert len(latencies) == 27
    assert metrics["latency_fpga"]["values"]["any"]["mean"] == pytest.approx(7.42096, rel=1e-6)
    presets = subprocess.run([sys.executable, "-c", "import reproduce.presets as p; print(p.__file__)"],
                             capture_output=True, text=True, cwd=work, env=env, check=True).stdout
    assert Path(presets.strip()).is_relative_to(target)
