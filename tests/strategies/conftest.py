"""Benchmarks of the strategy conformance suite: the built-in ones and a small user table.

``user:conformance-subset`` is a user table of 40 NAS-Bench-Graph architectures (so its
benchmark has a :class:`~nasbench.spaces.subset.SubsetSpace`): 20 cells with three ``skip``
operations (one change away from the all-``skip`` cell, which names no architecture) and 20
others. Its validation accuracy rewards ``skip`` operations, so mutation, crossover and model
sampling are pushed towards vectors that name no architecture, or one outside the table: the
space's repair is exercised on every run. Latency and parameters are Cora's (for
multi-objective strategies). It is written with nasbench.table_writer into the test session's
NASBENCH_HOME.
"""
from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench.benchmark import user_table_path
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table

SUBSET = "user:conformance-subset"
#: the kinds of space every strategy runs on: a cell (NB201), graph spaces with invalid decision
#: vectors (NB-Graph, proteins), a user subset, a global macro space (NAS-Bench-Macro), a DAG
#: subset table (NB101 from data/) and the 10^18-cell DARTS space of the NB301 surrogate
BENCHES = ("nb201/cifar10", "nbgraph/cora", "nbgraph/proteins", SUBSET, "nbmacro/cifar10", "nb101/cifar10",
           "nb301/cifar10")


def write_subset_table(name: str = SUBSET, n_near_skip: int = 20, n_other: int = 20, seed: int = 0):
    """Write the user table described in the module docstring (idempotent); its path."""
    path = user_table_path(name)
    if path.is_file():
        return path
    cora = nasbench.load("nbgraph/cora")
    space = cora.space
    rng = np.random.default_rng(seed)
    skip = space.ops.index("skip")
    n_skips = (space.to_decisions(np.arange(space.size))[:, 3:] == skip).sum(axis=1)
    near = rng.choice(np.flatnonzero(n_skips == 3), n_near_skip, replace=False)
    other = rng.choice(np.flatnonzero(n_skips < 3), n_other, replace=False)
    ids = np.sort(np.concatenate([near, other]))
    k = len(ids)
    valid = 60.0 + 8.0 * n_skips[ids] + rng.normal(0.0, 0.5, k)
    test = valid - 1.0 + rng.normal(0.0, 0.5, k)
    how = "synthetic: rewards skip operations (conformance tests)"
    spec = TableSpec(
        name=name, space=space.name, dataset="cora", archs=[space.to_str(int(a)) for a in ids],
        fidelities=np.array([400.0]),
        metrics={
            "valid_acc": MetricColumn(valid.reshape(k, 1, 1), "valid", "%", how, "tests"),
            "test_acc": MetricColumn(test.reshape(k, 1, 1), "test", "%", how, "tests"),
            "latency": MetricColumn(cora.table.vector("latency")[ids].reshape(k, 1, 1), "hardware", "s",
                                    "Cora's latency", "nas-bench-graph"),
            "params": MetricColumn(cora.table.vector("params")[ids].reshape(k, 1, 1), "size", "M",
                                   "Cora's parameters", "nas-bench-graph"),
        },
        citation="synthetic test table", recipe="tests", recipe_version=1,
        sources=[SourceRecord("generated", "tests/strategies/conftest.py", "none", "0" * 64)],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_table(spec, path)


@pytest.fixture(scope="session")
def subset_bench():
    write_subset_table()
    return nasbench.load(SUBSET)


@pytest.fixture(scope="session")
def load_bench(subset_bench):
    """``load_bench(name)``: a benchmark of :data:`BENCHES` (the user table written first)."""
    return nasbench.load


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Torch strategies on one thread during these tests (the library leaves torch's settings
    alone; with more threads than free cores every small kernel waits on barriers)."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
