"""NAS benchmarks: search spaces, HDF5 tables, import recipes.

    >>> import nasbench
    >>> bench = nasbench.load("nb201/cifar10")
    >>> best = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    >>> bench.query(best, "valid_acc")

This package imports none of ``strategies``, ``predictors`` or ``reproduce``.
"""
from __future__ import annotations

from nasbench.benchmark import Benchmark, build_table, check_name, load, table_path, user_table_names
from nasbench.catalog import benchmark_names, get_info
from nasbench.errors import NasbenchError
from nasbench.evaluator import Evaluator, Reporter, Signal
from nasbench.spaces import SearchSpace, get_space, space_names
from nasbench.table import Table

__all__ = [
    "Benchmark",
    "Evaluator",
    "NasbenchError",
    "Reporter",
    "Signal",
    "SearchSpace",
    "Table",
    "benchmark_names",
    "build_table",
    "check_name",
    "get_info",
    "get_space",
    "load",
    "space_names",
    "table_path",
    "user_table_names",
]
#: the package version; the one place it is written (pyproject.toml reads it: ``[tool.setuptools.dynamic]``)
__version__ = "0.1.0"
