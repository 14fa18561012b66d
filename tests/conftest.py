"""Test set-up: a private NASBENCH_HOME per session.

Always a fresh folder, whatever the user's environment says: tables built by the tests never
land in a user's own ``NASBENCH_HOME``, and a stale cache never hides a recipe bug. Published
data comes from the project's own ``data/`` (as in a user's fresh clone); nothing here reads
anything outside the repository.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ["NASBENCH_HOME"] = tempfile.mkdtemp(prefix="nasbench-test-home-")
os.environ.pop("NASBENCH_PUBLISHED_DATA", None)  # the shipped data/, as a fresh clone has it

REPO = Path(__file__).resolve().parent.parent
