"""Checks specific to the predictor-guided strategies (the shared conformance suite covers the rest)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nasbench
from strategies import make_strategy


@pytest.mark.parametrize("name", ["bananas", "bo-gp"])
def test_never_reproposes_pending_or_evaluated(name):
    space = nasbench.load("nb201/cifar10").space
    s = make_strategy(name, space, rng=np.random.default_rng(0), **({"epochs": 20} if name == "bananas" else {}))
    trials = [s.ask() for _ in range(16)]  # 16 pending at once (async workers)
    for i, t in enumerate(trials):
        s.tell(t, math.nan if i % 4 == 0 else float(i))
    trials += [s.ask() for _ in range(15)]
    archs = [t.arch for t in trials]
    assert len(set(archs)) == len(archs)
    assert s.timings and all(n >= 2 for n, _, _ in s.timings)  # fit only on successful results


def test_bananas_uses_path_encoding_on_nb201_and_onehot_elsewhere():
    s = make_strategy("bananas", nasbench.load("nb201/cifar10").space, rng=np.random.default_rng(0))
    assert s.hyperparameters["encoding"] == "path" and s.hyperparameters["acquisition"] == "its"
    s = make_strategy("bananas", nasbench.load("nbgraph/cora").space, rng=np.random.default_rng(0))
    assert s.hyperparameters["encoding"] == "onehot"
