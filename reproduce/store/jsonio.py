"""The one JSON serialiser of the reproduce layer: plain JSON types from numpy values, tuples and
non-finite floats, with one declared rule for NaN and infinities.

* ``nonfinite="tagged"`` (result files, lossless): NaN -> ``null``, +-inf -> ``"inf"``/``"-inf"``;
  :func:`untag_float` reads them back.
* ``nonfinite="null"`` (summary.json, the page's embedded data: numbers a reader or a browser
  plots): NaN and +-inf -> ``null``.

Everything is written with ``allow_nan=False``, so no ``NaN``/``Infinity`` token (invalid JSON)
ever reaches a file.
"""
from __future__ import annotations

import json
import math
from typing import Any, Literal

import numpy as np

NonFinite = Literal["tagged", "null"]


def _float(x: float, nonfinite: NonFinite) -> float | str | None:
    if math.isfinite(x):
        return x
    if math.isnan(x) or nonfinite == "null":
        return None
    return "inf" if x > 0 else "-inf"


def plain(obj: Any, nonfinite: NonFinite = "null") -> Any:
    """``obj`` as plain JSON types (dict keys as strings; numpy scalars and arrays unwrapped; tuples
    as lists; an object of any other type as its ``str``), non-finite floats by ``nonfinite``.

    Parameters
    ----------
    obj : object
        A value to serialise: dicts, lists, tuples, numpy arrays and scalars are converted
        recursively.
    nonfinite : {"null", "tagged"}
        How NaN and infinities are written (see the module docstring); default ``"null"``.

    Returns
    -------
    object
        The same value built only of dict (str keys), list, str, int, float (finite), bool and None.
    """
    if isinstance(obj, dict):
        return {str(k): plain(v, nonfinite) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v, nonfinite) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist(), nonfinite)
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return _float(obj, nonfinite)
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    return str(obj)


def untag_float(value: Any) -> float:
    """A float written by ``plain(..., "tagged")``: ``None`` -> NaN, ``"inf"``/``"-inf"`` -> +-inf.

    Parameters
    ----------
    value : float, int, str or None
        A number as read from a file written with ``nonfinite="tagged"``.

    Returns
    -------
    float
        The number; NaN for None, +-inf for ``"inf"``/``"-inf"``.

    Raises
    ------
    ValueError
        ``value`` is a string that is not a number.
    TypeError
        ``value`` is of a type ``float()`` does not take (a list, a dict).
    """
    if value is None:
        return math.nan
    if value == "inf":
        return math.inf
    if value == "-inf":
        return -math.inf
    return float(value)


def dumps(obj: Any, nonfinite: NonFinite = "null", *, indent: int | None = None) -> str:
    """Strict JSON text of ``plain(obj, nonfinite)`` (compact separators when ``indent`` is None).

    Parameters
    ----------
    obj : object
        The value to serialise (see :func:`plain`).
    nonfinite : {"null", "tagged"}
        How NaN and infinities are written; default ``"null"``.
    indent : int, optional
        Indentation of nested values, in spaces; None (default) writes one compact line.

    Returns
    -------
    str
        Strict JSON text (no ``NaN`` or ``Infinity`` token).
    """
    separators = (",", ":") if indent is None else None
    return json.dumps(plain(obj, nonfinite), allow_nan=False, indent=indent, separators=separators)


__all__ = ["NonFinite", "dumps", "plain", "untag_float"]
