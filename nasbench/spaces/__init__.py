"""Search spaces, found by name. Each space is built once per process and cached."""
from __future__ import annotations

from functools import cache

from nasbench.errors import UnknownNameError, unknown_name_message
from nasbench.name_table import import_target
from nasbench.spaces.base import CellGraph, SearchSpace

#: name -> ("module:factory" imported on first use, keyword arguments)
_SPACES: dict[str, tuple[str, dict]] = {
    "nb201": ("nasbench.spaces.nb201:NB201Space", {}),
    "nbgraph": ("nasbench.spaces.nbgraph:NBGraphSpace", {}),
    "nbgraph-proteins": ("nasbench.spaces.nbgraph:NBGraphSpace", {"op_set": "proteins"}),
    # --- nbmacro spaces ---
    "nbmacro": ("nasbench.spaces.nbmacro:NBMacroSpace", {}),
    # --- nb101 spaces ---
    "nb101": ("nasbench.spaces.nb101:table_space", {}),  # the space of the current nb101/cifar10 table
    # --- nb301 spaces ---
    "darts": ("nasbench.spaces.darts:DartsSpace", {}),
    # --- nats spaces ---
    "nats-sss": ("nasbench.spaces.nats_sss:NATSSizeSpace", {}),
}


def space_names() -> list[str]:
    """Names of the registered search spaces.

    Returns
    -------
    list of str
        Sorted: ``darts``, ``nats-sss``, ``nb101``, ``nb201``, ``nbgraph``, ``nbgraph-proteins``, ``nbmacro``.
    """
    return sorted(_SPACES)


@cache
def get_space(name: str) -> SearchSpace:
    """The search space called ``name``, built once per process (cached).

    Parameters
    ----------
    name : str
        A space name (:func:`space_names`).

    Returns
    -------
    SearchSpace
        The space (``nb101``: the space of the current nb101/cifar10 table).

    Raises
    ------
    UnknownNameError
        No such space (the message suggests close names).
    """
    if name not in _SPACES:
        raise UnknownNameError(unknown_name_message("search space", name, space_names()))
    target, kwargs = _SPACES[name]
    return import_target(target)(**kwargs)


__all__ = ["CellGraph", "SearchSpace", "get_space", "space_names"]
