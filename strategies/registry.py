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

from nasbench.errors import UnknownNameError, did_you_mean, one_of, unknown_name_message
from nasbench.spaces import SearchSpace
from strategies.base import Strategy, StrategyError, StrategySpec

__all__ = ["ALIASES", "ENTRY_POINT_GROUP", "canonical_name", "extra_available", "get_spec", "is_registered",
           "make_strategy", "register", "strategy_class", "strategy_help", "strategy_names", "unregister"]

_REGISTRY: dict[str, StrategySpec] = {}
#: names papers use where ours differ -> our registered name (accepted everywhere a strategy is
#: named; result files record the registered name). REA: NAS-Bench-201's table (Dong & Yang 2020).
ALIASES: dict[str, str] = {
    "rea": "re",
    "regularized-evolution": "re",
    "random-search": "rs",
    "local-search": "ls",
    "successive-halving": "sh",
    "hyperband": "hb",
    "tpe": "optuna-tpe",
    "nsga-ii": "nsga2",
    "mo-rea": "mo-re",
}
#: strategies named by import path or entry point, resolved on first use
_EXTERNAL: dict[str, StrategySpec] = {}
ENTRY_POINT_GROUP = "nasbench.strategies"
_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*$")


def register(spec: StrategySpec) -> StrategySpec:
    """Add a strategy to the registry.

    Parameters
    ----------
    spec : StrategySpec
        The strategy; ``spec.name`` must be new and must not be a paper alias (:data:`ALIASES`).

    Returns
    -------
    StrategySpec
        ``spec`` itself.

    Raises
    ------
    StrategyError
        The name is already registered or is an alias.
    """
    if spec.name in _REGISTRY or spec.name in ALIASES:
        raise StrategyError(f"strategy '{spec.name}' is already registered (or is a paper alias of one)")
    _REGISTRY[spec.name] = spec
    return spec


def is_registered(name: str) -> bool:
    """Whether ``name`` is a registered strategy name (aliases and ``MODULE:CLASS`` are not).

    Parameters
    ----------
    name : str
        A strategy name.

    Returns
    -------
    bool
    """
    return name in _REGISTRY


def canonical_name(name: str) -> str:
    """The registered name ``name`` stands for: itself, a paper alias resolved, or a case variant.

    ``"REA"`` and ``"rea"`` give ``"re"``; ``"RS"`` gives ``"rs"``. A name that is neither
    (``MODULE:CLASS``, an entry point, a typo) comes back unchanged, for :func:`get_spec` to
    resolve or refuse.

    Parameters
    ----------
    name : str
        What the user typed.

    Returns
    -------
    str
        The name to record in result files.
    """
    if name in _REGISTRY:
        return name
    folded = name.casefold()
    if folded in _REGISTRY:
        return folded
    return ALIASES.get(folded, name)


def strategy_help() -> str:
    """The names and paper aliases for the ``--strategy`` help of ``nasbench run``.

    Returns
    -------
    str
        ``"one of: asha, bananas, ...; paper names accepted: rea = re, ..."``.
    """
    aliases = ", ".join(f"{a} = {n}" for a, n in sorted(ALIASES.items()))
    return (f"one of: {', '.join(strategy_names())}; paper names accepted (any case): {aliases}; "
            "or your own as MODULE:CLASS")


def strategy_names(include_optional: bool = True) -> list[str]:
    """Registered strategy names (paper aliases are not listed here: see :data:`ALIASES`).

    Parameters
    ----------
    include_optional : bool
        Also list strategies whose optional extra (torch, optuna) is not installed.

    Returns
    -------
    list of str
        Sorted names.
    """
    return sorted(n for n, s in _REGISTRY.items() if include_optional or extra_available(s))


def extra_available(spec: StrategySpec) -> bool:
    """Whether the optional package a strategy needs is importable.

    Parameters
    ----------
    spec : StrategySpec
        The strategy's spec.

    Returns
    -------
    bool
        True when it needs nothing or its package (``spec.requires``) is installed.
    """
    if not spec.requires:
        return True
    return importlib.util.find_spec(spec.requires) is not None


def get_spec(name: str) -> StrategySpec:
    """The spec of a strategy.

    Parameters
    ----------
    name : str
        A registered name, a paper alias (:data:`ALIASES`, any case), an entry point of the
        group ``nasbench.strategies``, or ``MODULE:CLASS``.

    Returns
    -------
    StrategySpec
        Its spec (``spec.name`` is the registered name for an alias).

    Raises
    ------
    UnknownNameError
        No such strategy; the message suggests close names and lists the registered ones.
    """
    name = canonical_name(name)
    if name in _REGISTRY:
        return _REGISTRY[name]
    if name not in _EXTERNAL:
        target = name if _IMPORT_PATH.match(name) else _entry_point_target(name)
        if target is None:
            raise UnknownNameError(
                f"unknown strategy '{name}'{did_you_mean(name, [*strategy_names(), *ALIASES])}; "
                f"known: {one_of(strategy_names())}, or your own as MODULE:CLASS (docs/custom-strategy.md)"
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
    """Remove a registered strategy (for tests and plugins that register temporarily).

    Parameters
    ----------
    name : str
        A registered name.

    Returns
    -------
    StrategySpec
        The removed spec.

    Raises
    ------
    UnknownNameError
        ``name`` is not registered.
    """
    try:
        return _REGISTRY.pop(name)
    except KeyError:
        raise UnknownNameError(unknown_name_message("strategy", name, strategy_names())) from None


def strategy_class(name: str) -> type[Strategy]:
    """The class behind a strategy name (imports its module).

    Parameters
    ----------
    name : str
        As for :func:`get_spec`.

    Returns
    -------
    type
        The :class:`~strategies.base.Strategy` subclass.

    Raises
    ------
    UnknownNameError
        No such strategy.
    StrategyError
        Its optional extra is not installed.
    """
    spec = get_spec(name)
    if not extra_available(spec):
        raise StrategyError(
            f"strategy '{name}' needs the optional package '{spec.requires}': "
            f"pip install 'nasbench-harness[{spec.requires}]'"
        )
    return spec.factory_class()


def make_strategy(name: str, space: SearchSpace, *, rng: np.random.Generator, **hyperparameters) -> Strategy:
    """Build a strategy with its defaults overridden by ``hyperparameters``.

    Parameters
    ----------
    name : str
        As for :func:`get_spec` (``"re"``, ``"REA"``, ``"mypkg.mod:MyStrategy"``...).
    space : SearchSpace
        The space it searches.
    rng : numpy.random.Generator
        The strategy's own generator (it owns every random choice).
    **hyperparameters
        Overrides of the constructor defaults (``get_spec(name).defaults`` lists them).

    Returns
    -------
    Strategy
        A fresh strategy, ready for ``ask()``.

    Raises
    ------
    UnknownNameError
        No such strategy.
    StrategyError
        An unknown or invalid hyperparameter (the message suggests close names), or a missing extra.
    """
    spec = get_spec(name)
    defaults = spec.defaults
    unknown = sorted(set(hyperparameters) - set(defaults))
    if unknown:
        allowed = one_of(sorted(defaults)) if defaults else "none"
        raise StrategyError(f"strategy '{name}' has no hyperparameter {one_of(unknown)}"
                            f"{did_you_mean(unknown[0], defaults)}; it takes {allowed}")
    return strategy_class(name)(space, rng=rng, **hyperparameters)
