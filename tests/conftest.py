"""Test set-up: a private NASBENCH_HOME per session; shared published data located beside the repo."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Tables built during the tests go to a fresh folder, so a stale cache never hides a recipe bug.
os.environ.setdefault("NASBENCH_HOME", tempfile.mkdtemp(prefix="nasbench-test-home-"))

REPO = Path(__file__).resolve().parent.parent


def shared_data_path() -> Path | None:
    """``NASBENCH_SHARED_DATA`` or ``../shared/data`` beside the repo, if present."""
    env = os.environ.get("NASBENCH_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The published-data folder; skips the test (with the reason) when it is absent."""
    path = shared_data_path()
    if path is None:
        pytest.skip("needs ../shared/data (published benchmark files); absent in a user's fresh clone")
    return path
