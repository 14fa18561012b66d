"""Reproductions, result store, reports and the ``nasbench`` command line.

Import-light: ``reproduce.load_results`` imports the result store (and pandas) on first call.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import os

    import pandas as pd


def load_results(out_dir: "str | os.PathLike") -> "pd.DataFrame":
    """Tidy table of every run under ``out_dir``: one row per (run, trajectory step).

    See :func:`reproduce.results.load_results` for the columns.
    """
    from reproduce.results import load_results as _load

    return _load(out_dir)


__all__ = ["load_results"]
