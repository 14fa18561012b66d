"""Which per-run strategies have a batched twin.

The built-in ones are listed here; any other per-run strategy class opts in with the class
attribute ``batched = "package.module:BatchedClass"`` (docs/custom-strategy.md).
"""
from __future__ import annotations

import importlib

from strategies.base import Strategy

#: registry name -> "module:Class" of its batched twin
BUILTIN = {
    "rs": "strategies.batched.simple:BatchedRandomSearch",
    "grid": "strategies.batched.simple:BatchedGrid",
    "re": "strategies.batched.evolution:BatchedRegularizedEvolution",
    "ls": "strategies.batched.local_search:BatchedLocalSearch",
    "reinforce": "strategies.batched.reinforce:BatchedReinforce",
    "rl-controller": "strategies.batched.rl_controller:BatchedRLController",
}

#: the built-in per-run classes the entries above reproduce ("module:Class")
_BUILTIN_CLASSES = {
    "rs": "strategies.random_search:RandomSearch",
    "grid": "strategies.grid:GridSearch",
    "re": "strategies.evolution:RegularizedEvolution",
    "ls": "strategies.local_search:LocalSearch",
    "reinforce": "strategies.reinforce:Reinforce",
    "rl-controller": "strategies.rl_controller:RLController",
}


def _load(path: str):
    module, cls = path.split(":")
    return getattr(importlib.import_module(module), cls)


def batched_path(name: str, cls: type[Strategy]) -> str | None:
    """``"module:Class"`` of the batched twin of strategy ``name`` (class ``cls``), or None.

    A built-in entry counts only for the built-in class itself (a user strategy registered
    under a built-in name, or a subclass that changes its rules, keeps the loop unless it
    declares its own ``batched``)."""
    own = cls.__dict__.get("batched")
    if own:
        return str(own)
    builtin = _BUILTIN_CLASSES.get(name)
    if builtin is not None and f"{cls.__module__}:{cls.__qualname__}" == builtin:
        return BUILTIN[name]
    return None


def batched_class(path: str):
    """The class a ``"module:Class"`` path names."""
    return _load(path)
