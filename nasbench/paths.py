"""Where tables are cached and where optional published data lives.

- ``NASBENCH_HOME``: cache of built HDF5 tables; default ``data/tables/`` in the repository
  (git-ignored) when running from a checkout, else ``~/.cache/nasbench``.
- ``NASBENCH_PUBLISHED_DATA``: folder of published benchmark data in the layout of the
  shipped ``data/`` (default: the shipped copy; see :mod:`nasbench.published`).
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def nasbench_home() -> Path:
    """Folder where built tables are cached (created on demand)."""
    env = os.environ.get("NASBENCH_HOME")
    if env:
        path = Path(env).expanduser()
    elif (REPO_ROOT / "pyproject.toml").exists():
        path = REPO_ROOT / "data" / "tables"
    else:
        path = Path.home() / ".cache" / "nasbench"
    path.mkdir(parents=True, exist_ok=True)
    return path
