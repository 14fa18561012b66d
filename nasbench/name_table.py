"""Name tables shared by the name -> entry registries (one-shot methods, live model builders).

A :class:`NameTable` is a plain ``dict`` (one entry a line where it is written) that also knows
how to refuse a name: ``table.lookup(name)`` returns ``table[name]`` or raises a typed error
whose message names ``name`` and lists the registered names (:func:`nasbench.errors.one_of`).
"""
from __future__ import annotations

from typing import Mapping, TypeVar

from nasbench.errors import UnknownNameError, one_of

V = TypeVar("V")


class NameTable(dict[str, V]):
    """``name -> entry``; an unknown name raises ``error("<unknown> '<name>'; known: ...<hint>")``."""

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
            raise self.error(f"{self.unknown} '{name}'; known: {one_of(self.names())}{self.hint}")
        return self[name]
