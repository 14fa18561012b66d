"""Strategy registry: names -> lazy factories. A spec's defaults are read from its class's
constructor signature (``StrategySpec.defaults``); its citation says where they come from.

Besides the registered names, a strategy can be named without editing this package
(docs/custom-strategy.md):

- ``"MODULE:CLASS"`` (e.g. ``"mystrategies:GreedyMutation"``): any importable
  :class:`~strategies.base.Strategy` subclass; the name stays in the result files, so a rerun
  finds the same runs;
- an entry point in the group ``nasbench.strategies`` of an installed package
  (``greedy = "mypkg.strategies:GreedyMutation"``), used by its entry-point name.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import inspect
import re

import numpy as np

from nasbench.errors import UnknownNameError, one_of
from nasbench.spaces import SearchSpace
from strategies.base import Strategy, StrategyError, StrategySpec

_REGISTRY: dict[str, StrategySpec] = {}
#: strategies named by import path or entry point, resolved on first use
_EXTERNAL: dict[str, StrategySpec] = {}
ENTRY_POINT_GROUP = "nasbench.strategies"
_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*$")


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
    """The spec of ``name``: a registered name, an entry point of the group
    ``nasbench.strategies``, or ``MODULE:CLASS``; UnknownNameError lists the registered names."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    if name not in _EXTERNAL:
        target = name if _IMPORT_PATH.match(name) else _entry_point_target(name)
        if target is None:
            raise UnknownNameError(
                f"unknown strategy '{name}'; known: {one_of(strategy_names())}, or your own as "
                "MODULE:CLASS (docs/custom-strategy.md)"
            )
        _EXTERNAL[name] = _external_spec(name, target)
    return _EXTERNAL[name]


def _entry_point_target(name: str) -> str | None:
    """``module:attr`` of the installed entry point ``name`` in the group ``nasbench.strategies``."""
    found = [ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    return found[0].value if found else None


def _external_spec(name: str, target: str) -> StrategySpec:
    """A spec for a user's Strategy subclass at ``target`` (``module:Class``); typed errors say
    what is wrong with it."""
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownNameError(
            f"strategy '{name}': cannot import module '{module_name}' ({exc}); a strategy named "
            "MODULE:CLASS must be importable: install its package, add its folder to PYTHONPATH, "
            "or run `nasbench` from the folder that holds it"
        ) from None
    cls = getattr(module, attr, None)
    if not (inspect.isclass(cls) and issubclass(cls, Strategy) and not inspect.isabstract(cls)):
        what = "not found" if cls is None else f"a {type(cls).__name__}, not a concrete strategies.Strategy subclass"
        raise StrategyError(
            f"strategy '{name}': '{attr}' in module '{module_name}' is {what}; name a class that "
            "subclasses strategies.Strategy and implements _propose()"
        )
    doc = (inspect.getdoc(cls) or "").strip().splitlines()
    return StrategySpec(
        name=name,
        factory=f"{cls.__module__}:{cls.__qualname__}",
        description=doc[0] if doc else f"user strategy {cls.__qualname__}",
        citation=str(getattr(cls, "citation", "") or f"user strategy {target}"),
        objectives=str(getattr(cls, "objectives", "single")),
    )


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
