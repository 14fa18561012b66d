"""Model builders per search space: ``build_model(space_name, arch_id, **dataset_info)``.

A space's builder is one module in this package with a ``build(arch_id, **dataset_info)``
function, registered in :data:`BUILDERS` as ``space name -> module name``; modules are imported
on first use (torch_geometric is needed only for the graph spaces).
"""
from __future__ import annotations

from contextlib import nullcontext

from torch import nn

from nasbench.errors import MissingSourceError
from nasbench.live.seeding import seeded
from nasbench.name_table import NameTable, import_target

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
    """Spaces that have a live model builder.

    Returns
    -------
    list of str
        Sorted space names accepted by :func:`build_model`.
    """
    return BUILDERS.names()


def build_model(space_name: str, arch_id: int, *, seed: int | None = None, **dataset_info) -> nn.Module:
    """The trainable network of an architecture: the live backend's model of a table row.

    Parameters
    ----------
    space_name : str
        A space with a builder (:func:`builder_names`), or a benchmark name (``"nb201/cifar10"``:
        the part before ``/`` is the space, the part after the default ``dataset``).
    arch_id : int
        Architecture id of the space.
    seed : int, optional
        Initialise the weights from this seed inside a scoped torch seed (the global RNG state is
        restored afterwards); None uses torch's current global state.
    **dataset_info
        Passed to the builder: ``num_classes``, ``in_channels`` (images), ``in_dim`` and
        ``dataset`` (graphs), ...

    Returns
    -------
    torch.nn.Module
        The network, on the CPU, in training mode.

    Raises
    ------
    UnknownNameError
        No builder for the space (the message suggests close names).
    MissingSourceError
        The builder needs a package that is not installed (torch_geometric for graph spaces).
    """
    space = space_name.split("/", 1)[0]
    target = f"{__name__}.{BUILDERS.lookup(space)}:build"
    try:
        build = import_target(target)
    except ImportError as exc:  # torch_geometric for graph spaces
        raise MissingSourceError(
            f"the live builder for '{space}' needs a package that is not installed ({exc}); "
            "install it, e.g. pip install 'nasbench-harness[graph]' (torch_geometric)"
        ) from exc
    if "/" in space_name and "dataset" not in dataset_info:
        dataset_info["dataset"] = space_name.split("/", 1)[1]
    with seeded(seed) if seed is not None else nullcontext():
        return build(int(arch_id), **dataset_info)
