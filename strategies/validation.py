"""Validation of strategy hyperparameters: one helper per kind of value, shared by every strategy.

Each helper returns the value in its canonical type (``int``, ``float``, ``bool``) or raises
:class:`~strategies.base.StrategyError` with a message that names the strategy and the
hyperparameter, states the rule and echoes the value given::

    check_int("re", "population_size", 0, 1, 15625)
    # StrategyError: re: population_size must be an integer in 1 .. 15625, got 0

Booleans are never accepted as numbers (``True`` is not a population size), and numbers are
never accepted as booleans.
"""
from __future__ import annotations

import math

import numpy as np

from nasbench.errors import one_of
from strategies.base import StrategyError

__all__ = ["check_bool", "check_choice", "check_int", "check_number"]


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def check_int(strategy: str, name: str, value, low: int, high: int | None = None, rule: str = "",
              *, allow_none: bool = False) -> int | None:
    """An integer hyperparameter in ``[low, high]``.

    Parameters
    ----------
    strategy : str
        Strategy name, for the message.
    name : str
        Hyperparameter name.
    value : object
        The value given (a bool is refused; an integral float is not an int).
    low : int
        Smallest allowed value.
    high : int, optional
        Largest allowed value; None = no upper bound.
    rule : str
        Appended to the stated range, e.g. ``" (at most the 15625 architectures of 'nb201')"``.
    allow_none : bool
        Let None pass through.

    Returns
    -------
    int or None

    Raises
    ------
    StrategyError
        Not an int, or out of range (the message states the range).
    """
    if value is None and allow_none:
        return None
    if _is_int(value) and value >= low and (high is None or value <= high):
        return int(value)
    bound = f"an integer >= {low}" if high is None else f"an integer in {low} .. {high}"
    raise StrategyError(f"{strategy}: {name} must be {bound}{rule}{' or None' if allow_none else ''}, got {value!r}")


def check_number(strategy: str, name: str, value, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, allow_none: bool = False) -> float | None:
    """A finite real hyperparameter within bounds.

    Parameters
    ----------
    strategy : str
        Strategy name, for the message.
    name : str
        Hyperparameter name.
    value : object
        The value given.
    low, high : float, optional
        Bounds (None = unbounded on that side).
    low_open, high_open : bool
        Exclude the bound itself.
    allow_none : bool
        Let None pass through.

    Returns
    -------
    float or None

    Raises
    ------
    StrategyError
        Not a finite number, or out of bounds (``a finite number > 0``, ``a number in [0, 1)``...).
    """
    if value is None and allow_none:
        return None
    ok = _is_number(value) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if ok:
        return float(value)
    if low is not None and high is not None:
        rule = f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    elif low is not None:
        rule = f"a finite number {'>' if low_open else '>='} {low:g}"
    elif high is not None:
        rule = f"a finite number {'<' if high_open else '<='} {high:g}"
    else:
        rule = "a finite number"
    raise StrategyError(f"{strategy}: {name} must be {rule}{' or None' if allow_none else ''}, got {value!r}")


def check_bool(strategy: str, name: str, value) -> bool:
    """A boolean hyperparameter (only ``True`` / ``False``, numpy's included).

    Parameters
    ----------
    strategy : str
        Strategy name, for the message.
    name : str
        Hyperparameter name.
    value : object
        The value given.

    Returns
    -------
    bool

    Raises
    ------
    StrategyError
        Not a boolean.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise StrategyError(f"{strategy}: {name} must be true or false, got {value!r}")


def check_choice(strategy: str, name: str, value, choices) -> str:
    """A hyperparameter that must be one of a few strings.

    Parameters
    ----------
    strategy : str
        Strategy name, for the message.
    name : str
        Hyperparameter name.
    value : object
        The value given.
    choices : sequence of str
        The allowed values.

    Returns
    -------
    str
        ``value``.

    Raises
    ------
    StrategyError
        ``value`` is not one of ``choices`` (the message lists them).
    """
    if isinstance(value, str) and value in choices:
        return value
    raise StrategyError(f"{strategy}: {name} must be {one_of(choices)}, got {value!r}")
