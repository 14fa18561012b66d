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
    assert s.details["encoding"] == "path" and s.hyperparameters["acquisition"] == "its"
    assert "encoding" not in s.hyperparameters  # derived, not a constructor argument
    s = make_strategy("bananas", nasbench.load("nbgraph/cora").space, rng=np.random.default_rng(0))
    assert s.details["encoding"] == "onehot"


@pytest.mark.parametrize("name", ["bananas", "bo-gp", "npenas"])
@pytest.mark.parametrize("space_name", ["nbgraph", "nbgraph-proteins"])
def test_mutation_next_to_the_all_skip_cell_is_repaired(name, space_name):
    """Mutating a cell with three skips hits the all-skip vector (no architecture) often; the
    space repairs it and the candidate is a real cell (the crash of issue 12)."""
    from nasbench.spaces import get_space

    space = get_space(space_name)
    skip = space.ops.index("skip")
    three_skips = [a for a in range(space.size) if (space.to_decisions([a])[0][3:] == skip).sum() == 3]
    s = make_strategy(name, space, rng=np.random.default_rng(0))
    children = [s._mutate(a, 1) for a in three_skips[:50] for _ in range(10)]
    space.check_ids(np.array(children))
    assert s.invalid_draws > 0
