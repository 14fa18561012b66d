"""Strategy registry: names -> lazy factories. A spec's defaults are read from its class's
constructor signature (``StrategySpec.defaults``); its citation says where they come from."""
from __future__ import annotations

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


def unregister(name: str) -> StrategySpec:
    """Remove a registered strategy (for tests and plugins that register temporarily)."""
    try:
        return _REGISTRY.pop(name)
    except KeyError:
        raise UnknownNameError(f"unknown strategy '{name}'; known: {one_of(strategy_names())}") from None


def strategy_class(name: str) -> type[Strategy]:
    """The class behind a registered name (imports its module; its optional extra must be installed)."""
    spec = get_spec(name)
    if not extra_available(spec):
        raise StrategyError(
            f"strategy '{name}' needs the optional package '{spec.requires}': "
            f"pip install 'nasbench-harness[{spec.requires}]'"
        )
    return spec.factory_class()


def make_strategy(name: str, space: SearchSpace, *, rng: np.random.Generator, **hyperparameters) -> Strategy:
    """Build strategy ``name``; ``hyperparameters`` override the defaults of its constructor
    (``get_spec(name).defaults`` lists them)."""
    spec = get_spec(name)
    defaults = spec.defaults
    unknown = sorted(set(hyperparameters) - set(defaults))
    if unknown:
        allowed = one_of(sorted(defaults)) if defaults else "none"
        raise StrategyError(f"strategy '{name}' has no hyperparameter {one_of(unknown)}; it takes {allowed}")
    return strategy_class(name)(space, rng=rng, **hyperparameters)
