"""Package list for setuptools (the rest of the metadata is in pyproject.toml).

The published benchmark data lives in the top-level ``data/`` folder of the repository and
installs as the data-only package ``nasbench_data``, so that a wheel carries it
(``nasbench.published`` finds it there when the checkout's ``data/`` is not beside the code).
"""
from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["nasbench*", "strategies*", "predictors*", "reproduce*"]), "nasbench_data"],
    package_dir={"nasbench_data": "data"},
)
