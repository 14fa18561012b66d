"""Live-training backend (PyTorch): model builders per space, local datasets, a trainer.

Importing this package imports torch; nothing else in :mod:`nasbench` imports it.

    >>> from nasbench.live import build_model, synthetic_images, train, NB201_RECIPE
    >>> data = synthetic_images(512, 10, seed=0)
    >>> model = build_model("nb201", 1234, seed=0, **data.info)
    >>> result = train(model, data, NB201_RECIPE.with_(epochs=1), device="auto", seed=0)
"""
from __future__ import annotations

from nasbench.live.data import GraphData, ImageData, load_cifar10, load_planetoid, synthetic_images
from nasbench.live.models import build_model, builder_names
from nasbench.live.seeding import child_seeds, seeded
from nasbench.live.trainer import (
    NB201_RECIPE,
    EpochMetrics,
    Recipe,
    TrainResult,
    nbgraph_recipe,
    resolve_device,
    train,
)

__all__ = [
    "NB201_RECIPE", "EpochMetrics", "GraphData", "ImageData", "Recipe", "TrainResult",
    "build_model", "builder_names", "child_seeds", "load_cifar10", "load_planetoid", "nbgraph_recipe",
    "resolve_device", "seeded", "synthetic_images", "train",
]
