"""One-shot (weight-sharing) NAS: supernets over the NB-Graph and NB201 spaces, and methods
with their own ``search(supernet, data, *, epochs, generator) -> OneShotResult`` protocol
(no shared base class with the ask/tell strategies).

- :mod:`.base`: :class:`OneShotMethod`, :class:`OneShotResult`, :class:`EpochRecord`;
- :mod:`.data`: :func:`load_oneshot_data` (search-train / search-valid splits, loss, score);
- :mod:`.supernet`: :func:`build_supernet` (``nbgraph/<dataset>``, ``nb201/<dataset>``);
- :mod:`.registry`: ``get_method(name, **settings)``, ``method_names()``;
- methods: darts (1st / 2nd order), gdas, drnas, latency-darts (:mod:`.latency`), ...

Typical use::

    from strategies.oneshot.data import load_oneshot_data
    from strategies.oneshot.registry import get_method
    from strategies.oneshot.supernet import build_supernet

    data = load_oneshot_data("nbgraph/cora")
    net = build_supernet("nbgraph/cora", data, seed=0)
    result = get_method("darts").search(net, data, epochs=50,
                                        generator=torch.Generator().manual_seed(0))

"""
from __future__ import annotations

# No lazy re-exports (the one lazy-import rule is the registries' "module:attribute" strings,
# nasbench.name_table.import_target): import from the submodule that defines a name, e.g.
# ``from strategies.oneshot.supernet import build_supernet``. Importing this package imports
# nothing heavy; the submodules import torch.
__all__: list[str] = []
