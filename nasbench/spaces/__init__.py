"""Search spaces, found by name. Each space is built once per process and cached."""
from __future__ import annotations

from functools import lru_cache

from nasbench.errors import UnknownNameError, one_of
from nasbench.spaces.base import CellGraph, SearchSpace

#: name -> (module, class, kwargs); modules import lazily
_SPACES: dict[str, tuple[str, str, dict]] = {
    "nb201": ("nasbench.spaces.nb201", "NB201Space", {}),
    "nbgraph": ("nasbench.spaces.nbgraph", "NBGraphSpace", {}),
    "nbgraph-proteins": ("nasbench.spaces.nbgraph", "NBGraphSpace", {"op_set": "proteins"}),
    # --- nbmacro spaces ---
    "nbmacro": ("nasbench.spaces.nbmacro", "NBMacroSpace", {}),
    # --- nb101 spaces ---
    "nb101": ("nasbench.spaces.nb101", "table_space", {}),  # the space of the current nb101/cifar10 table
    # --- nb301 spaces ---
    "darts": ("nasbench.spaces.darts", "DartsSpace", {}),
    # --- nats spaces ---
    "nats-sss": ("nasbench.spaces.nats_sss", "NATSSizeSpace", {}),
}


def space_names() -> list[str]:
    """Names of the registered spaces."""
    return sorted(_SPACES)


@lru_cache(maxsize=None)
def get_space(name: str) -> SearchSpace:
    """The search space called ``name`` (see :func:`space_names`)."""
    if name not in _SPACES:
        raise UnknownNameError(f"unknown search space '{name}'; known: {one_of(space_names())}")
    module_name, cls_name, kwargs = _SPACES[name]
    import importlib

    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(**kwargs)


__all__ = ["CellGraph", "SearchSpace", "get_space", "space_names"]
