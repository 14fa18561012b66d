"""Model builders per search space: ``build_model(space_name, arch_id, **dataset_info)``.

A space's builder is one module in this package with a ``build(arch_id, **dataset_info)``
function, registered in :data:`BUILDERS` as ``space name -> module name``; modules are imported
on first use (torch_geometric is needed only for the graph spaces).
"""
from __future__ import annotations

import importlib
from contextlib import nullcontext

from torch import nn

from nasbench.errors import MissingSourceError
from nasbench.live._rng import seeded
from nasbench.name_table import NameTable

#: space name -> module (in this package) whose ``build(arch_id, **dataset_info)`` makes the net
BUILDERS: NameTable[str] = NameTable("no live model builder for space", {
    "nb201": "nb201",
    "nbgraph": "nbgraph",
    "nbgraph-proteins": "nbgraph",
    # --- nbmacro builder ---
    "nbmacro": "nbmacro",
}, hint=". Add one module with build(arch_id, **dataset_info) to nasbench/live/models/ and "
        "register it in BUILDERS.")


def builder_names() -> list[str]:
    return BUILDERS.names()


def build_model(space_name: str, arch_id: int, *, seed: int | None = None, **dataset_info) -> nn.Module:
    """The trainable network of ``arch_id`` in ``space_name``.

    ``space_name`` may also be a benchmark name (``"nb201/cifar10"``): the part before ``/``
    is used. ``dataset_info`` is passed to the builder (``num_classes``, ``in_dim``,
    ``dataset`` ...). With ``seed`` the weights are initialised from that seed inside a
    context that restores torch's global RNG state afterwards (no lasting global seeding).
    """
    space = space_name.split("/", 1)[0]
    module_name = BUILDERS.lookup(space)
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ImportError as exc:  # torch_geometric for graph spaces
        raise MissingSourceError(
            f"the live builder for '{space}' needs a package that is not installed ({exc}); "
            "install it, e.g. pip install 'nasbench-harness[graph]' (torch_geometric)"
        ) from exc
    if "/" in space_name and "dataset" not in dataset_info:
        dataset_info["dataset"] = space_name.split("/", 1)[1]
    with seeded(seed) if seed is not None else nullcontext():
        return module.build(int(arch_id), **dataset_info)
