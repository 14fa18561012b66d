"""Supernets over a space's decision view, built from nasbench/live's operation modules.

``build_supernet("nb201/cifar10", data)`` or ``build_supernet("nbgraph/cora", data)`` returns a
:class:`Supernet` whose ``forward(batch, weights)`` takes one 1-D tensor per decision of the
space (``space.decision_sizes``): a softmax mixture (DARTS), a straight-through hard one-hot
(GDAS) or a plain one-hot (single path). A choice whose weight is exactly 0 is not computed,
so a one-hot vector runs only the chosen path (the non-chosen entries of a straight-through
vector ``hard - p.detach() + p`` are exactly 0 as well).

Guarantee (tested): with ``single_path(space.to_decisions([a])[0])`` and the weights of the
live network copied in (:meth:`Supernet.load_live`), the supernet computes the output of
``nasbench.live.models.build_model(space, a)``: a derived architecture trained alone is the
table's network. Per-space structure: :mod:`strategies.oneshot.nb201_supernet` and
:mod:`strategies.oneshot.nbgraph_supernet`.
"""
from __future__ import annotations

from contextlib import nullcontext

from nasbench.errors import UnknownBenchmarkError, one_of
from strategies.oneshot.supernet_base import Supernet

__all__ = ["Supernet", "build_supernet"]


def build_supernet(benchmark_name: str, data, *, seed: int | None = None, **options) -> Supernet:
    """The supernet of ``benchmark_name`` (``nbgraph/<dataset>`` or ``nb201/<dataset>``) for
    ``data`` (a :class:`~strategies.oneshot.data.OneShotData` or anything with ``.info``, the
    ``build_model`` keywords). ``seed`` initialises the weights inside a scoped torch seed.
    Options: NB201 ``C`` (16), ``N`` (5) as ``build_model``; NB-Graph ``gat_heads`` (4) and the
    protocol overrides ``pre_layers``, ``post_layers``, ``hidden``, ``dropout``.
    """
    from nasbench.live.seeding import seeded

    space_name, _, dataset = benchmark_name.partition("/")
    info = dict(getattr(data, "info", data) or {})
    info.setdefault("dataset", dataset)
    with seeded(seed) if seed is not None else nullcontext():
        if space_name == "nb201":
            from strategies.oneshot.nb201_supernet import NB201Supernet

            return NB201Supernet(benchmark_name, num_classes=int(info["num_classes"]),
                                 in_channels=int(info.get("in_channels", 3)), **options)
        if space_name in ("nbgraph", "nbgraph-proteins"):
            from strategies.oneshot.nbgraph_supernet import NBGraphSupernet

            return NBGraphSupernet(benchmark_name, dataset=str(info["dataset"]),
                                   in_dim=int(info["in_dim"]), num_classes=int(info["num_classes"]),
                                   **options)
    raise UnknownBenchmarkError(
        f"no supernet for '{benchmark_name}': one-shot search supports the spaces "
        f"{one_of(['nbgraph', 'nb201'])} (e.g. 'nbgraph/cora', 'nb201/cifar10')"
    )
