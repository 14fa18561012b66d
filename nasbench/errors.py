"""Typed errors of the harness.

Every message says what was wrong, what is allowed, and what to do. User mistakes raise a
subclass of :class:`NasbenchError`; the CLI prints its message on one line and exits 2.
"""
from __future__ import annotations


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


def one_of(values) -> str:
    """Format allowed values for an error message: 'a', 'b' or 'c'."""
    vals = [repr(v) if not isinstance(v, str) else f"'{v}'" for v in values]
    if len(vals) <= 1:
        return "".join(vals)
    return ", ".join(vals[:-1]) + " or " + vals[-1]
