"""Data of a one-shot search: the search-train / search-valid splits, batches, loss and score.

Splits (the test split is never exposed to a search):

- ``nb201/cifar10``: DARTS / NB201's one-shot protocol splits the 50,000 CIFAR-10 training
  images in two halves (Liu et al. 2019, sec. 3.1; Dong & Yang 2020, "cifar10-valid"):
  ``search-train`` (weights) and ``search-valid`` (architecture parameters and scores), a
  seeded random half (``split_seed``; NB201's own split file is not shipped). Mini-batches of
  ``batch_size`` (64, the NB201 one-shot setting), shuffled from the scoped torch RNG of the
  search; pixels scaled to [0, 1] and normalised with the data set's channel statistics; no
  augmentation during the search.
- ``nbgraph/<cora|citeseer|pubmed>``: full-batch node classification on the public Planetoid
  split. The official train mask is split in two seeded halves (``search-train`` /
  ``search-valid``, 70 / 70 nodes on Cora); the official validation mask is kept apart as
  ``valid`` for a final pick among candidates; the test mask is never used. Raw features (as
  NAS-Bench-Graph trained).

``synthetic=True`` gives small learnable data of the right shape (tests, smoke runs): CIFAR
shaped images (:func:`nasbench.live.data.synthetic_images`) or a small homophilous random graph
(:func:`synthetic_graph`) named after the benchmark's data set (so its NB-Graph protocol applies).

Score unit: accuracy in % (both spaces here; ROC-AUC x 100 is the unit for proteins, which has
no loader in this harness).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from nasbench.errors import MissingSourceError, UnknownBenchmarkError, one_of

__all__ = ["Batch", "OneShotData", "SPLITS", "load_oneshot_data", "synthetic_graph"]

#: the splits every OneShotData has (``valid`` only where the benchmark keeps one apart)
SPLITS: tuple[str, ...] = ("search-train", "search-valid")
SPACES: tuple[str, ...] = ("nbgraph", "nb201")


@dataclass
class Batch:
    """One batch: ``inputs`` (an image tensor ``[B, C, H, W]`` float, or a torch_geometric
    ``Data`` with ``x`` and ``edge_index``), ``target`` (int64 labels) and ``mask`` (bool over
    nodes for graphs; None for images)."""

    inputs: Any
    target: torch.Tensor
    mask: torch.Tensor | None = None


class OneShotData:
    """Splits, batches, loss and score of one benchmark for one-shot search (module docstring).

    ``kind`` is ``'graph'`` or ``'image'``; ``info`` are the ``build_model`` keywords
    (``num_classes``, ``in_dim`` / ``in_channels``, ``dataset``); ``search_split`` says in
    words how the splits were made (recorded in every result).
    """

    def __init__(self, benchmark: str, kind: str, info: dict[str, Any], search_split: str,
                 *, graph=None, masks: dict[str, torch.Tensor] | None = None,
                 images: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None,
                 mean: tuple[float, ...] = (), std: tuple[float, ...] = (),
                 batch_size: int = 64, metric: str = "accuracy") -> None:
        self.benchmark = benchmark
        self.kind = kind
        self.info = dict(info)
        self.search_split = search_split
        self.metric = metric
        self.batch_size = int(batch_size)
        self._graph = graph
        self._masks = masks or {}
        self._images = images or {}
        self._mean_std = (tuple(mean), tuple(std))
        self._mean = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1) if mean else None
        self._std = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1) if std else None

    @property
    def graph(self) -> Any:
        """The torch_geometric ``Data`` of a graph benchmark (None for images)."""
        return self._graph

    @property
    def masks(self) -> dict[str, torch.Tensor]:
        """Split name -> bool node mask of a graph benchmark (empty for images); a copy."""
        return dict(self._masks)

    @property
    def images(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """Split name -> ``(uint8 images [N, C, H, W], int64 labels [N])`` (empty for graphs); a copy."""
        return dict(self._images)

    def replace(self, *, graph: Any = None, masks: dict[str, torch.Tensor] | None = None,
                images: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None) -> OneShotData:
        """A new OneShotData with the same settings and the given data (None keeps this one's).

        Parameters
        ----------
        graph : torch_geometric.data.Data, optional
            Replacement graph (graph benchmarks).
        masks : dict of str to Tensor, optional
            Replacement split masks (graph benchmarks).
        images : dict of str to (Tensor, Tensor), optional
            Replacement split images and labels (image benchmarks).

        Returns
        -------
        OneShotData
            A new object; this one is unchanged.
        """
        mean, std = self._mean_std
        return OneShotData(self.benchmark, self.kind, self.info, self.search_split,
                           graph=self._graph if graph is None else graph,
                           masks=self._masks if masks is None else masks,
                           images=self._images if images is None else images,
                           mean=mean, std=std, batch_size=self.batch_size, metric=self.metric)

    def to(self, device: str | torch.device) -> OneShotData:
        """A copy whose tensors (graph, masks, images, normalisation) live on ``device``.

        Parameters
        ----------
        device : str or torch.device
            ``"cpu"``, ``"cuda"``, ``"cuda:1"``...

        Returns
        -------
        OneShotData
            A new object (this one keeps its CPU tensors); normalisation happens on ``device``.
        """
        moved = self.replace(
            graph=self._graph.to(device) if self._graph is not None else None,
            masks={k: v.to(device) for k, v in self._masks.items()},
            images={k: (x.to(device), y.to(device)) for k, (x, y) in self._images.items()},
        )
        if moved._mean is not None and moved._std is not None:
            moved._mean, moved._std = moved._mean.to(device), moved._std.to(device)
        return moved

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(self._masks) if self.kind == "graph" else tuple(self._images)

    def _check_split(self, split: str) -> None:
        if split not in self.splits:
            raise UnknownBenchmarkError(
                f"{self.benchmark} has no split '{split}' for one-shot search; choose {one_of(self.splits)}"
            )

    def size(self, split: str) -> int:
        """Number of examples (nodes / images) in ``split``."""
        self._check_split(split)
        if self.kind == "graph":
            return int(self._masks[split].sum())
        return int(self._images[split][1].shape[0])

    def n_batches(self, split: str) -> int:
        """Batches per pass over ``split`` (1 for graphs: full batch)."""
        if self.kind == "graph":
            self._check_split(split)
            return 1
        return -(-self.size(split) // self.batch_size)

    def batches(self, split: str, *, shuffle: bool = True) -> Iterator[Batch]:
        """One pass over ``split``: the full graph with the split's mask, or image mini-batches
        (shuffled with torch's global RNG, i.e. the search's scoped seed, unless ``shuffle`` is
        False)."""
        self._check_split(split)
        if self.kind == "graph":
            yield Batch(self._graph, self._graph.y, self._masks[split])
            return
        x, y = self._images[split]
        order = torch.randperm(len(y)) if shuffle else torch.arange(len(y))
        for i in range(0, len(y), self.batch_size):
            idx = order[i:i + self.batch_size]
            xb = x[idx].float().div(255.0)
            if self._mean is not None and self._std is not None:
                xb = (xb - self._mean) / self._std
            yield Batch(xb, y[idx])

    def cycle(self, split: str) -> Iterator[Batch]:
        """Endless batches of ``split`` (a new shuffle each pass): DARTS pairs every
        search-train batch with the next search-valid batch."""
        while True:
            yield from self.batches(split)

    def batch_size_of(self, batch: Batch) -> int:
        """Examples a batch scores (masked nodes or images)."""
        return int(batch.mask.sum()) if batch.mask is not None else int(batch.target.shape[0])

    def loss(self, outputs: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Mean cross-entropy over the batch (the masked nodes for graphs)."""
        if batch.mask is not None:
            return F.cross_entropy(outputs[batch.mask], batch.target[batch.mask])
        return F.cross_entropy(outputs, batch.target)

    def score(self, outputs: torch.Tensor, batch: Batch) -> float:
        """Accuracy in % over the batch (masked nodes for graphs)."""
        out, tgt = (outputs[batch.mask], batch.target[batch.mask]) if batch.mask is not None \
            else (outputs, batch.target)
        if len(tgt) == 0:
            return float("nan")
        return float((out.argmax(1) == tgt).float().mean()) * 100.0


def synthetic_graph(n: int = 200, in_dim: int = 32, classes: int = 7, seed: int = 0,
                    *, degree: int = 4, name: str = "cora"):
    """A small homophilous random graph as a :class:`nasbench.live.data.GraphData`: class
    prototypes plus noise as features, ``degree`` edges per node (80 % within the class,
    symmetric), masks 40 % train / 30 % valid / 30 % test. Deterministic in ``seed``."""
    from torch_geometric.data import Data

    from nasbench.live.data import GraphData

    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, size=n)
    protos = rng.normal(size=(classes, in_dim))
    x = (protos[y] + 1.5 * rng.normal(size=(n, in_dim))).astype(np.float32)
    src, dst = [], []
    for i in range(n):
        same = np.flatnonzero(y == y[i])
        for _ in range(degree):
            j = int(rng.choice(same)) if rng.random() < 0.8 else int(rng.integers(n))
            if j != i:
                src += [i, j]
                dst += [j, i]
    edge_index = torch.tensor(np.unique(np.array([src, dst]), axis=1), dtype=torch.int64)
    perm = rng.permutation(n)
    masks = {}
    for key, (a, b) in {"train_mask": (0, 0.4), "val_mask": (0.4, 0.7), "test_mask": (0.7, 1.0)}.items():
        m = np.zeros(n, dtype=bool)
        m[perm[int(a * n):int(b * n)]] = True
        masks[key] = torch.from_numpy(m)
    data = Data(x=torch.from_numpy(x), edge_index=edge_index, y=torch.from_numpy(y.astype(np.int64)),
                **masks)
    return GraphData(data, classes, name)


def _halves(mask: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    idx = torch.nonzero(mask).flatten().numpy()
    perm = np.random.default_rng(seed).permutation(idx)
    first, second = torch.zeros_like(mask), torch.zeros_like(mask)
    first[torch.from_numpy(perm[: len(perm) // 2])] = True
    second[torch.from_numpy(perm[len(perm) // 2:])] = True
    return first, second


def load_oneshot_data(benchmark_name: str, *, root: str | os.PathLike | None = None,
                      synthetic: bool = False, generator: torch.Generator | None = None,
                      split_seed: int = 0, batch_size: int = 64,
                      synthetic_size: int | None = None, subset: int | None = None) -> OneShotData:
    """The one-shot data of ``benchmark_name`` (``nbgraph/<cora|citeseer|pubmed>``,
    ``nb201/cifar10``); see the module docstring for the splits.

    ``root``: a user's data folder (CIFAR-10 python-pickle layout ``<root>/cifar-10-batches-py``;
    Planetoid raw files ``<root>/<Name>/raw``); Cora / CiteSeer need none (shipped).
    ``split_seed``: seed of the halving of the training data (``generator``, when given, draws
    it instead). ``synthetic``: small synthetic data of the same shape (``synthetic_size``
    training images / graph nodes). ``subset``: use only the first ``subset`` CIFAR training
    images (CPU smoke runs; recorded in ``search_split``).
    """
    space, _, dataset = benchmark_name.partition("/")
    dataset = dataset.lower()
    if space not in SPACES or not dataset:
        raise UnknownBenchmarkError(
            f"one-shot search supports benchmarks of the spaces {one_of(SPACES)} "
            f"('nbgraph/cora', 'nb201/cifar10'), got '{benchmark_name}'"
        )
    if generator is not None:
        split_seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator).item())
    if space == "nbgraph":
        if dataset == "proteins":
            raise MissingSourceError(
                "one-shot search on nbgraph/proteins needs ogbn-proteins, which this harness "
                "does not load; choose nbgraph/cora, nbgraph/citeseer or nbgraph/pubmed"
            )
        if synthetic:
            gd = synthetic_graph(synthetic_size or 200, name=dataset, seed=split_seed)
        else:
            from nasbench.live.data import load_planetoid

            gd = load_planetoid(dataset, root)
        g = gd.data
        tr, va = _halves(g.train_mask, split_seed)
        masks = {"search-train": tr, "search-valid": va, "valid": g.val_mask}
        how = (f"official train mask ({int(g.train_mask.sum())} nodes) halved with seed {split_seed}: "
               f"search-train {int(tr.sum())} / search-valid {int(va.sum())}; official validation "
               f"mask ({int(g.val_mask.sum())}) kept as 'valid'; full batch"
               + ("; synthetic graph" if synthetic else ""))
        return OneShotData(benchmark_name, "graph", gd.info, how, graph=g, masks=masks)
    # nb201
    if dataset != "cifar10" and not synthetic:
        raise MissingSourceError(
            f"one-shot search on nb201/{dataset} needs its images, which this harness cannot "
            "load (only CIFAR-10, python-pickle layout); use nb201/cifar10 with root=<folder>"
        )
    from nasbench.live import data as live_data

    if synthetic:
        classes = {"cifar10": 10, "cifar100": 100, "imagenet16-120": 120}.get(dataset, 10)
        imgs = live_data.synthetic_images(synthetic_size or 64, classes=classes, seed=split_seed,
                                          n_valid=0, n_test=0)
    else:
        imgs = live_data.load_cifar10(root, augment=False)
    x, y = imgs.x_train, imgs.y_train
    if subset is not None:
        x, y = x[:subset], y[:subset]
    perm = torch.from_numpy(np.random.default_rng(split_seed).permutation(len(y)))
    half = len(y) // 2
    images = {"search-train": (x[perm[:half]], y[perm[:half]]),
              "search-valid": (x[perm[half:]], y[perm[half:]])}
    how = (f"{len(y)} training images halved with seed {split_seed}: search-train {half} / "
           f"search-valid {len(y) - half}; batch {batch_size}; no augmentation"
           + ("; synthetic images" if synthetic else "") + (f"; first {subset} images" if subset else ""))
    return OneShotData(benchmark_name, "image", imgs.info, how, images=images, mean=imgs.mean,
                       std=imgs.std, batch_size=batch_size)
