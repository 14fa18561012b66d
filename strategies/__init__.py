"""Search strategies (ask/tell), their registry, and the search loop.

Importing this package registers every built-in strategy (lazily: modules import on use).
"""
from __future__ import annotations

from strategies.base import Strategy, StrategyError, StrategySpec, Trial, TrialContractError, TrialState
from strategies.builtin import register_builtins
from strategies.loop import Budget, Trajectory, run_search
from strategies.registry import get_spec, make_strategy, strategy_class, strategy_names
from strategies.runner import RunSpec, run_one

register_builtins()

__all__ = [
    "Budget",
    "RunSpec",
    "Strategy",
    "StrategyError",
    "StrategySpec",
    "Trajectory",
    "Trial",
    "TrialContractError",
    "TrialState",
    "get_spec",
    "make_strategy",
    "run_one",
    "run_search",
    "strategy_class",
    "strategy_names",
]
