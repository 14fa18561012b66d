"""One-shot (weight-sharing) NAS: supernets over the NB-Graph and NB201 spaces, and methods
with their own ``search(supernet, data, *, epochs, generator) -> OneShotResult`` protocol
(no shared base class with the ask/tell strategies).

- :mod:`.base`: :class:`OneShotMethod`, :class:`OneShotResult`, :class:`EpochRecord`;
- :mod:`.data`: :func:`load_oneshot_data` (search-train / search-valid splits, loss, score);
- :mod:`.supernet`: :func:`build_supernet` (``nbgraph/<dataset>``, ``nb201/<dataset>``);
- :mod:`.registry`: ``get_method(name, **settings)``, ``method_names()``;
- methods: darts (1st / 2nd order), gdas, drnas, latency-darts (:mod:`.latency`), ...

Typical use::

    data = load_oneshot_data("nbgraph/cora")
    net = build_supernet("nbgraph/cora", data, seed=0)
    result = get_method("darts").search(net, data, epochs=50,
                                        generator=torch.Generator().manual_seed(0))

Imports torch on use of the submodules only (this file imports nothing heavy).
"""
from __future__ import annotations

__all__ = ["build_supernet", "get_method", "load_oneshot_data", "method_names"]


def __getattr__(name: str):
    if name == "build_supernet":
        from strategies.oneshot.supernet import build_supernet

        return build_supernet
    if name == "load_oneshot_data":
        from strategies.oneshot.data import load_oneshot_data

        return load_oneshot_data
    if name in ("get_method", "method_names"):
        from strategies.oneshot import registry

        return getattr(registry, name)
    raise AttributeError(name)
