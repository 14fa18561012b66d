"""A search whose signal cannot be read fails before the first trial: one line, exit 2, nothing written."""
from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("extra,message", [
    (["--signal", "valid_acc@50"], "has no fidelity 50"),
    (["--signal", "valid_acc@12", "--noise", "fixed:1"], "has no measured value"),
])
def test_unreadable_signal_is_one_line_exit_2_and_writes_nothing(tmp_path, extra, message):
    out = tmp_path / "runs"
    proc = subprocess.run(
        [sys.executable, "-m", "reproduce.cli", "run", "--benchmark", "nb201/cifar10", "--strategy", "rs",
         "--seeds", "0:2", "--budget", "10q", "--out", str(out), *extra],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nasbench: error:") and message in lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists()
