"""Package list for setuptools (the rest of the metadata is in pyproject.toml).

The published benchmark data lives in the top-level ``data/`` folder of the repository and
installs as the data-only package ``nasbench_data``, so that a wheel carries it
(``nasbench.published`` finds it there when the checkout's ``data/`` is not beside the code).
Each data folder is declared as a data-only subpackage (``nasbench_data.nb201`` ...), so
setuptools has nothing to guess or warn about ("Package would be ignored"); ``data/tables``
(built caches, git-ignored) is never one.

An editable install (``pip install -e .``, ``make setup``) leaves ``nasbench_data`` out: the
checkout's ``data/`` is read in place, and without a ``package_dir`` mapping setuptools installs
with a plain ``.pth`` file instead of printing its import-finder notice.
"""
import sys

from setuptools import find_namespace_packages, setup

DATA_FOLDERS = ["LICENSES", "nb101", "nb201", "nb301", "naslib-zc", "nbmacro", "planetoid"]
EDITABLE = "editable_wheel" in sys.argv  # setuptools.build_meta.build_editable runs this command

# every folder of the four code packages, with or without an __init__.py (a new subfolder is never
# silently left out of the wheel); the perf / checks scripts run from the checkout only
CODE = find_namespace_packages(
    include=["nasbench", "nasbench.*", "strategies", "strategies.*", "predictors", "predictors.*",
             "reproduce", "reproduce.*"],
    exclude=["*__pycache__*", "reproduce.perf", "reproduce.perf.*", "reproduce.checks", "reproduce.checks.*"],
)
DATA = ["nasbench_data", *(f"nasbench_data.{folder}" for folder in DATA_FOLDERS)]

setup(
    packages=CODE if EDITABLE else [*CODE, *DATA],
    package_dir={"": "."} if EDITABLE else {"nasbench_data": "data"},
)
