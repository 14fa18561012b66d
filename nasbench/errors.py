"""Typed errors of the harness.

Every message says what was wrong, what is allowed, and what to do. User mistakes raise a
subclass of :class:`NasbenchError`; the CLI prints its message on one line and exits 2.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "InvalidArchitectureError",
    "MissingMetricError",
    "MissingSignalError",
    "MissingSourceError",
    "NasbenchError",
    "PublishedDataError",
    "SearchSpaceExhaustedError",
    "SurrogateUnavailableError",
    "SweepFailedError",
    "TableIntegrityError",
    "TableSourceChangedError",
    "TestSplitAccessError",
    "UnenumerableSpaceError",
    "UnknownBenchmarkError",
    "UnknownNameError",
    "did_you_mean",
    "one_of",
    "suggest",
    "unknown_name_message",
]


class NasbenchError(Exception):
    """Base class of every error the harness raises on purpose."""


class UnknownBenchmarkError(NasbenchError, KeyError):
    """A benchmark name that the catalog does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownNameError(NasbenchError, KeyError):
    """A name (space, encoding, strategy, metric, ...) outside a registry; lists the known ones."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidArchitectureError(NasbenchError, ValueError):
    """An architecture string or id that is not in the search space."""


class TableIntegrityError(NasbenchError):
    """A table file that is truncated, corrupt or fails its checksums; never wrong numbers."""


class MissingMetricError(NasbenchError, KeyError):
    """A metric (or fidelity) the table does not have; says which exist and how to add it."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MissingSourceError(NasbenchError):
    """A source package or data folder needed to build a table is absent; says what to install."""


class PublishedDataError(TableIntegrityError):
    """A published data file under ``data/`` (or ``NASBENCH_PUBLISHED_DATA``) that is missing
    or whose sha256 differs from the checksum list; names the file and what to do."""


class MissingSignalError(MissingMetricError):
    """A search signal (metric at a fidelity) with no measured value for any architecture:
    every trial would fail. Raised before the first trial; says what the table has."""


class SweepFailedError(NasbenchError):
    """A sweep in which every run failed: nothing to report. Names a run's error file."""


class TableSourceChangedError(NasbenchError):
    """A results folder holds runs computed on another table of a benchmark than the one
    loaded now (rebuilt, imported, swapped): resuming would mix the two. Says which folder,
    both sources and what to do (another results folder, or delete that one to rerun)."""


class TestSplitAccessError(NasbenchError):
    """A search signal asked for a test-split metric; only validation metrics may guide search."""

    __test__ = False  # not a pytest test class


class SearchSpaceExhaustedError(NasbenchError):
    """A finite search space has no architecture left to propose."""


class UnenumerableSpaceError(NasbenchError):
    """An operation needs every architecture of a space that is too large to enumerate
    (a per-architecture array, an exhaustive strategy such as ``grid``)."""


class SurrogateUnavailableError(NasbenchError):
    """The optional package a surrogate benchmark runs on is not installed (names the extra)."""


def one_of(values: Iterable[object]) -> str:
    """Format allowed values for an error message: ``'a', 'b' or 'c'``.

    Parameters
    ----------
    values : iterable
        The allowed values, in the order to list them (strings are quoted, others ``repr``).

    Returns
    -------
    str
        The values joined with commas and a final "or"; ``''`` for none.
    """
    vals = [repr(v) if not isinstance(v, str) else f"'{v}'" for v in values]
    if len(vals) <= 1:
        return "".join(vals)
    return ", ".join(vals[:-1]) + " or " + vals[-1]


def suggest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names closest to a misspelt ``name`` (difflib ratio >= 0.6, or same up to case).

    Parameters
    ----------
    name : str
        What the user typed.
    known : iterable of str
        The valid names.
    n : int
        At most this many suggestions.

    Returns
    -------
    list of str
        Best first; empty when nothing is close.
    """
    known = [str(k) for k in known]
    folded = [k for k in known if k.casefold() == str(name).casefold() and k != name]
    close = difflib.get_close_matches(str(name), known, n=n, cutoff=0.6)
    return list(dict.fromkeys(folded + close))[:n]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest known names, or ``""`` when none is close.

    Parameters
    ----------
    name : str
        What the user typed.
    known : iterable of str
        The valid names.

    Returns
    -------
    str
        A fragment to put right after the quoted unknown name in a message.
    """
    hits = suggest(name, known)
    return f" (did you mean {one_of(hits)}?)" if hits else ""


def unknown_name_message(what: str, name: str, known: Iterable[str], hint: str = "") -> str:
    """The one wording of every "unknown name" error: what, the name, a suggestion, the list.

    Parameters
    ----------
    what : str
        The kind of name, e.g. ``"strategy"`` or ``"benchmark"``.
    name : str
        What the user typed.
    known : iterable of str
        The valid names, in the order to list them.
    hint : str
        Appended as is (e.g. ``"; see `nasbench list`"``).

    Returns
    -------
    str
        ``"unknown strategy 'rae' (did you mean 're'?); known: 'bananas', ... or 'rs'<hint>"``.

    Examples
    --------
    >>> unknown_name_message("strategy", "rea_", ["re", "rea", "rs"])
    "unknown strategy 'rea_' (did you mean 'rea' or 're'?); known: 're', 'rea' or 'rs'"
    """
    known = [str(k) for k in known]
    return f"unknown {what} '{name}'{did_you_mean(name, known)}; known: {one_of(known)}{hint}"
