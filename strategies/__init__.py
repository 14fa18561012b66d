"""Search strategies (ask/tell), their registry, and the search loop.

Importing this package registers every built-in strategy (lazily: modules import on use).
"""
from __future__ import annotations

from strategies.base import Strategy, StrategyError, StrategySpec, Trial, TrialContractError, TrialState
from strategies.builtin import register_builtins
from strategies.loop import Budget, Trajectory, run_search
from strategies.registry import get_spec, make_strategy, strategy_class, strategy_names

register_builtins()

__all__ = [
    "Budget",
    "Strategy",
    "StrategyError",
    "StrategySpec",
    "Trajectory",
    "Trial",
    "TrialContractError",
    "TrialState",
    "get_spec",
    "make_strategy",
    "run_search",
    "strategy_class",
    "strategy_names",
]
