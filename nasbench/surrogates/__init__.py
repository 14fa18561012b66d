"""Surrogate benchmarks: a model answers for architectures no table could hold.

A surrogate benchmark (``nb301/cifar10``) has a catalog entry whose ``recipe`` is
``surrogate:<name>``; :func:`nasbench.load` then builds a :class:`SurrogateBenchmark`
whose ``table`` is a :class:`~nasbench.surrogates.nb301.SurrogateTable`: the read interface
of :class:`nasbench.table.Table` (metric descriptions, fidelities, vectorised ``query``)
without the per-architecture arrays (``array``/``vector`` raise
:class:`UnenumerableSpaceError`: 10^18 rows cannot be materialised). The Evaluator and the
Reporter query it architecture by architecture; its answers are predictions, never
measurements, and the catalog entry and every result file say so.

Optional dependency: the NB301 surrogate runs an ONNX model with ``onnxruntime`` (the extra
``nb301``); without it loading raises :class:`SurrogateUnavailableError` naming the extra.
"""
from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

from nasbench.errors import NasbenchError, SurrogateUnavailableError, UnenumerableSpaceError
from nasbench.name_table import import_target

if TYPE_CHECKING:  # nasbench.catalog imports nothing from here, but keep the import graph lazy
    from nasbench.catalog import BenchmarkInfo

#: catalog recipe prefix of surrogate benchmarks
SURROGATE_PREFIX = "surrogate:"
#: surrogate name -> ("module:factory" imported on use, optional package it needs, pip extra)
SURROGATES: dict[str, tuple[str, str, str]] = {
    "nb301": ("nasbench.surrogates.nb301:load_table", "onnxruntime", "nb301"),
}


__all__ = ["SURROGATES", "SurrogateUnavailableError", "UnenumerableSpaceError", "check_available",
           "is_surrogate_recipe", "load_surrogate_table"]


def is_surrogate_recipe(recipe: str) -> bool:
    """Whether a catalog recipe names a surrogate (``"surrogate:<name>"``).

    Parameters
    ----------
    recipe : str
        A ``BenchmarkInfo.recipe``.

    Returns
    -------
    bool
    """
    return isinstance(recipe, str) and recipe.startswith(SURROGATE_PREFIX)


def check_available(benchmark: str, surrogate: str) -> None:
    """Refuse, in one line naming the pip extra, a surrogate whose package is not installed.

    Parameters
    ----------
    benchmark : str
        The benchmark name (for the message).
    surrogate : str
        A key of :data:`SURROGATES`.

    Raises
    ------
    SurrogateUnavailableError
        The optional package (e.g. onnxruntime) is absent.
    NasbenchError
        No such surrogate.
    """
    if surrogate not in SURROGATES:
        raise NasbenchError(f"unknown surrogate '{surrogate}' for '{benchmark}'; known: {', '.join(SURROGATES)}")
    _, package, extra = SURROGATES[surrogate]
    if importlib.util.find_spec(package) is None:
        raise SurrogateUnavailableError(
            f"benchmark '{benchmark}' is a surrogate that needs the optional package '{package}': "
            f"pip install 'nasbench-harness[{extra}]'"
        )


def load_surrogate_table(info: BenchmarkInfo) -> Any:
    """The surrogate table of a catalog entry whose recipe is ``surrogate:<name>``.

    Parameters
    ----------
    info : BenchmarkInfo
        The catalog entry.

    Returns
    -------
    SurrogateTable
        The read interface of a :class:`~nasbench.table.Table`, answered by the model.

    Raises
    ------
    SurrogateUnavailableError
        Its optional package is not installed.
    """
    name = info.recipe[len(SURROGATE_PREFIX):]
    check_available(info.name, name)
    return import_target(SURROGATES[name][0])(info)


def enumeration_refused(space, what: str) -> UnenumerableSpaceError:
    """The error an exhaustive operation raises on a non-enumerable space.

    Parameters
    ----------
    space : SearchSpace
        The space (its name and size go into the message).
    what : str
        The operation refused (``"grid search"``).

    Returns
    -------
    UnenumerableSpaceError
        To raise; the message says what works instead.
    """
    return UnenumerableSpaceError(
        f"{what} needs every architecture of space '{space.name}', which has {space.size:.3e} "
        f"architectures and cannot be enumerated; use a sampling strategy (rs, re, ls, bananas, "
        f"npenas, bo-gp, reinforce, optuna-tpe, ...) or a table-backed benchmark"
    )


__all__ = ["SURROGATES", "SurrogateUnavailableError", "UnenumerableSpaceError", "check_available",
           "enumeration_refused", "is_surrogate_recipe", "load_surrogate_table"]
