"""Strategies named without editing the package: ``MODULE:CLASS`` and entry points."""
from __future__ import annotations

import importlib.metadata
import sys
import textwrap

import numpy as np
import pytest

import nasbench
from nasbench.errors import UnknownNameError
from strategies import RunSpec, StrategyError, get_spec, registry, run_one

GREEDY = textwrap.dedent('''
    import numpy as np
    from strategies import Strategy


    class Greedy(Strategy):
        """Mutate the best so far."""

        citation = "test strategy"

        def __init__(self, space, *, rng, num_init: int = 4):
            super().__init__(space, rng=rng)
            self.num_init, self.best, self.value, self.n = num_init, None, -np.inf, 0

        def _propose(self):
            if self.n < self.num_init:
                return int(self.space.sample(self.rng))
            return self.space.mutate(self.best, self.rng)

        def _observe(self, trial, value):
            self.n += 1
            if value > self.value:
                self.best, self.value = trial.arch, value


    NOT_A_STRATEGY = 3
''')


@pytest.fixture()
def user_module(tmp_path, monkeypatch):
    name = f"user_greedy_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(GREEDY)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)
    for key in [k for k in registry._EXTERNAL if k.startswith(name)]:
        del registry._EXTERNAL[key]


def test_module_class_runs_and_is_deterministic(user_module):
    name = f"{user_module}:Greedy"
    spec = get_spec(name)
    assert spec.defaults == {"num_init": 4} and spec.citation == "test strategy"
    a = run_one(RunSpec("nb201/cifar10", name, seed=1, budget="20q"))
    b = run_one(RunSpec("nb201/cifar10", name, seed=1, budget="20q"))
    assert a.equals(b)
    # after num_init results every proposal is a one-decision mutation of the best so far
    space = nasbench.load("nb201/cifar10").space
    archs = a["arch"]
    assert len(archs) == 20
    d = space.to_decisions(np.asarray(archs))
    values = a["value"]
    for i in range(4, len(archs)):
        best = int(np.argmax(values[:i]))  # the best result told before proposal i (one worker)
        assert int((d[i] != d[best]).sum()) == 1, i


def test_module_class_errors_say_what_is_wrong(user_module):
    with pytest.raises(UnknownNameError, match="cannot import module 'no_such_module_xyz'.*PYTHONPATH"):
        get_spec("no_such_module_xyz:Greedy")
    with pytest.raises(StrategyError, match="'Missing' in module .* is not found"):
        get_spec(f"{user_module}:Missing")
    with pytest.raises(StrategyError, match="a int, not a concrete strategies.Strategy subclass"):
        get_spec(f"{user_module}:NOT_A_STRATEGY")
    with pytest.raises(UnknownNameError, match="MODULE:CLASS"):
        get_spec("no-such-strategy")


def test_entry_point_name(user_module, monkeypatch):
    point = importlib.metadata.EntryPoint(name="greedy-ep", value=f"{user_module}:Greedy", group=registry.ENTRY_POINT_GROUP)
    real = importlib.metadata.entry_points

    def fake(**kwargs):
        if kwargs.get("group") == registry.ENTRY_POINT_GROUP:
            return importlib.metadata.EntryPoints([point])
        return real(**kwargs)

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    try:
        spec = get_spec("greedy-ep")
        assert spec.factory == f"{user_module}:Greedy"
        traj = run_one(RunSpec("nbgraph/cora", "greedy-ep", seed=0, budget="10q"))
        assert len(traj["arch"]) == 10
    finally:
        registry._EXTERNAL.pop("greedy-ep", None)
