"""Strategy registry: names -> lazy factories with cited defaults."""
from __future__ import annotations

import importlib
import importlib.util

import numpy as np

from nasbench.errors import UnknownNameError, one_of
from nasbench.spaces import SearchSpace
from strategies.base import Strategy, StrategyError, StrategySpec

_REGISTRY: dict[str, StrategySpec] = {}


def register(spec: StrategySpec) -> StrategySpec:
    """Add a strategy to the registry (names are unique)."""
    if spec.name in _REGISTRY:
        raise ValueError(f"strategy '{spec.name}' is already registered")
    _REGISTRY[spec.name] = spec
    return spec


def strategy_names(include_optional: bool = True) -> list[str]:
    """Registered names, sorted (optionally without those whose extra is not installed)."""
    return sorted(n for n, s in _REGISTRY.items() if include_optional or extra_available(s))


def extra_available(spec: StrategySpec) -> bool:
    """Whether the optional package a strategy needs is importable."""
    if not spec.requires:
        return True
    return importlib.util.find_spec(spec.requires) is not None


def get_spec(name: str) -> StrategySpec:
    """The spec of ``name``; UnknownNameError lists the registered names."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError(f"unknown strategy '{name}'; known: {one_of(strategy_names())}") from None


def strategy_class(name: str) -> type[Strategy]:
    """The class behind a registered name (imports its module)."""
    spec = get_spec(name)
    if not extra_available(spec):
        raise StrategyError(
            f"strategy '{name}' needs the optional package '{spec.requires}': "
            f"pip install 'nasbench-harness[{spec.requires}]'"
        )
    module, cls = spec.factory.split(":")
    return getattr(importlib.import_module(module), cls)


def make_strategy(name: str, space: SearchSpace, *, rng: np.random.Generator, **hyperparameters) -> Strategy:
    """Build strategy ``name`` with its cited defaults overridden by ``hyperparameters``."""
    spec = get_spec(name)
    unknown = sorted(set(hyperparameters) - set(spec.defaults))
    if unknown:
        allowed = one_of(sorted(spec.defaults)) if spec.defaults else "none"
        raise StrategyError(f"strategy '{name}' has no hyperparameter {one_of(unknown)}; it takes {allowed}")
    params = {**spec.defaults, **hyperparameters}
    return strategy_class(name)(space, rng=rng, **params)
