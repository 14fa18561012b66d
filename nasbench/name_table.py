"""Name tables shared by the name -> entry registries, and the one lazy-import rule.

Every registry of the packages (spaces, surrogates, official importers, live model builders,
strategies, one-shot methods, predictors) writes an entry as a ``"module:attribute"`` string and
resolves it with :func:`import_target` on first use, so that listing names imports nothing heavy
(torch, optuna, onnxruntime) and a missing extra fails only when its entry is used.

A :class:`NameTable` is a plain ``dict`` (one entry a line where it is written) that also knows
how to refuse a name: ``table.lookup(name)`` returns ``table[name]`` or raises a typed error
whose message names ``name`` and lists the registered names (:func:`nasbench.errors.one_of`).
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, TypeVar

from nasbench.errors import UnknownNameError, did_you_mean, one_of

__all__ = ["NameTable", "import_target"]


def import_target(target: str) -> Any:
    """The object a ``"module:attribute"`` string names, importing the module on first use.

    Parameters
    ----------
    target : str
        ``"package.module:Name"`` (the attribute may be dotted: ``"module:Class.method"``).

    Returns
    -------
    object
        The attribute.

    Raises
    ------
    ImportError
        The module (or a package it needs, e.g. an optional extra) cannot be imported.
    AttributeError
        The module has no such attribute.
    """
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj

V = TypeVar("V")


class NameTable(dict[str, V]):
    """``name -> entry`` (a plain dict) that refuses an unknown name with a typed error.

    ``table.lookup(name)`` returns ``table[name]`` or raises
    ``error("<unknown> '<name>' (did you mean ...?); known: ...<hint>")``.

    Parameters
    ----------
    unknown : str
        Start of the message, e.g. ``"unknown one-shot method"``.
    entries : Mapping of str to V
        The entries (one a line where the table is written).
    hint : str
        Appended to the message (what to do).
    error : type of Exception
        The error raised (:class:`~nasbench.errors.UnknownNameError` by default).
    """

    def __init__(self, unknown: str, entries: Mapping[str, V], *, hint: str = "",
                 error: type[Exception] = UnknownNameError) -> None:
        super().__init__(entries)
        self.unknown, self.hint, self.error = unknown, hint, error

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self)

    def lookup(self, name: str) -> V:
        """The entry of ``name``; else the typed error listing :meth:`names`."""
        if name not in self:
            raise self.error(f"{self.unknown} '{name}'{did_you_mean(name, self)}; known: {one_of(self.names())}"
                             f"{self.hint}")
        return self[name]
