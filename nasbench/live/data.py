"""Datasets for live training, read from local files only (no downloads).

- :func:`synthetic_images`: CIFAR-shaped random images whose class is learnable (tests,
  throughput measurements).
- :func:`load_cifar10`: CIFAR-10 in its standard python-pickle layout
  (``cifar-10-batches-py/data_batch_1..5``, ``test_batch``).
- :func:`load_planetoid`: Cora / CiteSeer from the copy shipped in ``data/planetoid``, or
  Cora / CiteSeer / PubMed from the original Planetoid raw files
  (``<root>/<Name>/raw/ind.<name>.{x,tx,allx,y,ty,ally,graph,test.index}``), public split.

A missing data set raises :class:`~nasbench.errors.MissingSourceError` that says where to put it.
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasbench.errors import MissingSourceError, UnknownNameError, unknown_name_message

#: CIFAR-10 channel statistics used by NAS-Bench-201's data pipeline (xautodl/datasets)
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


@dataclass
class ImageData:
    """Images as uint8 tensors ``[N, C, H, W]`` and int64 labels; normalised per batch.

    Parameters
    ----------
    x_train, y_train : torch.Tensor
        Training images (uint8 ``[N, C, H, W]``) and labels (int64 ``[N]``).
    num_classes : int
        Number of classes.
    x_valid, y_valid, x_test, y_test : torch.Tensor, optional
        Validation and test splits (None: no such split).
    mean, std : tuple of float
        Per-channel normalisation applied to ``x / 255`` (CIFAR-10's by default).
    augment : bool
        NB201's training augmentation (random crop with 4-pixel padding and horizontal flip),
        drawn from the trainer's private generator.
    name : str
        A label recorded with results.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    num_classes: int
    x_valid: torch.Tensor | None = None
    y_valid: torch.Tensor | None = None
    x_test: torch.Tensor | None = None
    y_test: torch.Tensor | None = None
    mean: tuple[float, ...] = CIFAR10_MEAN
    std: tuple[float, ...] = CIFAR10_STD
    augment: bool = False
    name: str = "images"

    @property
    def info(self) -> dict[str, Any]:
        """Keyword arguments for ``build_model``."""
        return {"num_classes": self.num_classes, "in_channels": int(self.x_train.shape[1])}


@dataclass
class GraphData:
    """One node-classification graph.

    Parameters
    ----------
    data : torch_geometric.data.Data
        With ``x``, ``edge_index``, ``y`` and bool ``train_mask`` / ``val_mask`` / ``test_mask``.
    num_classes : int
        Number of classes.
    name : str
        The data set's name (``"cora"``).
    """

    data: Any
    num_classes: int
    name: str

    @property
    def info(self) -> dict[str, Any]:
        return {"in_dim": int(self.data.x.shape[1]), "num_classes": self.num_classes,
                "dataset": self.name}


def synthetic_images(n: int, classes: int = 10, seed: int = 0, *, image_size: int = 32,
                     channels: int = 3, n_valid: int | None = None,
                     n_test: int | None = None) -> ImageData:
    """CIFAR-shaped learnable images: one smooth random prototype per class plus noise.

    Parameters
    ----------
    n : int
        Training images.
    classes : int
        Number of classes.
    seed : int
        Everything is deterministic in it.
    image_size : int
        Height and width in pixels.
    channels : int
        Colour channels.
    n_valid, n_test : int, optional
        Validation / test images from the same distribution (default ``n // 4`` each).

    Returns
    -------
    ImageData
        uint8 images; ``data.info`` holds the ``build_model`` keywords.
    """
    rng = np.random.default_rng(seed)
    n_valid = n // 4 if n_valid is None else n_valid
    n_test = n // 4 if n_test is None else n_test
    coarse = rng.normal(size=(classes, channels, 4, 4))
    protos = np.kron(coarse, np.ones((1, 1, image_size // 4 + 1, image_size // 4 + 1)))
    protos = protos[:, :, :image_size, :image_size]

    def make(m: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = rng.integers(0, classes, size=m)
        x = protos[y] * 0.6 + rng.normal(size=(m, channels, image_size, image_size))
        x = np.clip(127.5 + 40.0 * x, 0, 255).astype(np.uint8)
        return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))

    x_tr, y_tr = make(n)
    x_va, y_va = make(n_valid) if n_valid else (None, None)
    x_te, y_te = make(n_test) if n_test else (None, None)
    return ImageData(x_tr, y_tr, classes, x_va, y_va, x_te, y_te,
                     mean=(0.5,) * channels, std=(0.25,) * channels, name="synthetic")


def _data_root(root: str | os.PathLike | None) -> Path | None:
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("NASBENCH_DATA")
    return Path(env).expanduser() if env else None


def load_cifar10(root: str | os.PathLike | None = None, *, valid_size: int = 0,
                 seed: int = 0, augment: bool = True) -> ImageData:
    """CIFAR-10 from ``root/cifar-10-batches-py`` (or ``root`` itself being that folder).

    NB201's ``cifar10-valid`` setting trains on 25,000 and validates on the other 25,000
    (``valid_size=25000``; NB201's own split file is not shipped, so the subset differs from
    theirs). The test set is ``test_batch``.

    Parameters
    ----------
    root : str or os.PathLike, optional
        The folder; default ``$NASBENCH_DATA``.
    valid_size : int
        Training images held out (a seeded random subset) as validation; 0 = none.
    seed : int
        Seed of that subset.
    augment : bool
        NB201's training augmentation.

    Returns
    -------
    ImageData

    Raises
    ------
    MissingSourceError
        The files are not there (the message says where to put them).
    """
    base = _data_root(root)
    where = "NASBENCH_DATA (unset)" if base is None else str(base)
    folder = None
    if base is not None:
        for cand in (base / "cifar-10-batches-py", base):
            if (cand / "data_batch_1").is_file():
                folder = cand
                break
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    if folder is None or not all((folder / n).is_file() for n in names):
        raise MissingSourceError(
            f"CIFAR-10 not found at {where}: download the python version "
            "(cifar-10-python.tar.gz, https://www.cs.toronto.edu/~kriz/cifar.html), extract it so "
            "that <root>/cifar-10-batches-py/data_batch_1..5 and test_batch exist, and give "
            "--data-root <root> on the command line (Python: root=<root>; or set NASBENCH_DATA=<root>)"
        )

    def read(name: str) -> tuple[np.ndarray, np.ndarray]:
        with open(folder / name, "rb") as fh:
            d = pickle.load(fh, encoding="latin1")  # the official files are plain dicts
        x = np.asarray(d["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        return x, np.asarray(d["labels"], dtype=np.int64)

    parts = [read(n) for n in names[:5]]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    x_te, y_te = read("test_batch")
    x_va = y_va = None
    if valid_size:
        perm = np.random.default_rng(seed).permutation(len(x))
        va, tr = perm[:valid_size], perm[valid_size:]
        x_va, y_va = torch.from_numpy(x[va]), torch.from_numpy(y[va])
        x, y = x[tr], y[tr]
    return ImageData(torch.from_numpy(x), torch.from_numpy(y), 10, x_va, y_va,
                     torch.from_numpy(x_te), torch.from_numpy(y_te), augment=augment,
                     name="cifar10")


PLANETOID = {"cora": "Cora", "citeseer": "CiteSeer", "pubmed": "PubMed"}
_RAW_SUFFIXES = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")


#: Planetoid graphs shipped in data/planetoid (converted from the raw files; see data/README.md)
SHIPPED_PLANETOID = {"cora": "planetoid/cora.npz", "citeseer": "planetoid/citeseer.npz"}


def planetoid_root(root: str | os.PathLike | None = None) -> Path | None:
    """Folder of raw Planetoid files to read: ``root``, else ``$NASBENCH_DATA/planetoid`` when that
    exists, else None (the copy shipped in ``data/planetoid`` is read)."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("NASBENCH_DATA")
    if env and (Path(env).expanduser() / "planetoid").is_dir():
        return Path(env).expanduser() / "planetoid"
    return None


def _shipped_planetoid(key: str):
    """The shipped NPZ of ``key`` as a torch_geometric ``Data`` (features, edges, labels, split)."""
    from torch_geometric.data import Data

    from nasbench.published import published_file

    with np.load(published_file(SHIPPED_PLANETOID[key]), allow_pickle=False) as npz:
        rows, cols = npz["x_shape"]
        x = np.zeros((int(rows), int(cols)), dtype=np.float32)
        indptr = npz["x_indptr"]
        row_of = np.repeat(np.arange(int(rows)), np.diff(indptr))
        x[row_of, npz["x_indices"]] = npz["x_data"]
        return Data(
            x=torch.from_numpy(x), edge_index=torch.from_numpy(npz["edge_index"]), y=torch.from_numpy(npz["y"]),
            train_mask=torch.from_numpy(npz["train_mask"]), val_mask=torch.from_numpy(npz["val_mask"]),
            test_mask=torch.from_numpy(npz["test_mask"]),
        )


def load_planetoid(name: str, root: str | os.PathLike | None = None, *,
                   normalize_features: bool = False) -> GraphData:
    """Cora / CiteSeer / PubMed with the public Planetoid split (140/500/1000 for Cora).

    Without ``root`` (and without ``$NASBENCH_DATA/planetoid``), Cora and CiteSeer come from the
    checksum-verified copy shipped in ``data/planetoid``. With ``root``, reads
    ``<root>/<Name>/raw/ind.<name>.*`` with torch_geometric's own Planetoid parser, writing nothing
    (PubMed needs this: it is not shipped). Features are the raw binary bag-of-words, as
    NAS-Bench-Graph trained on them.

    Parameters
    ----------
    name : str
        ``"cora"``, ``"citeseer"`` or ``"pubmed"``.
    root : str or os.PathLike, optional
        A folder holding ``<Name>/raw/``.
    normalize_features : bool
        Row-normalise the features (the usual PyG example set-up, not the benchmark's).

    Returns
    -------
    GraphData

    Raises
    ------
    UnknownNameError
        Not a Planetoid data set (the message suggests close names).
    MissingSourceError
        The raw files are not there.
    """
    key = name.lower()
    if key not in PLANETOID:
        raise UnknownNameError(unknown_name_message("Planetoid data set", name, sorted(PLANETOID)))
    try:
        import torch_geometric.transforms as T
        from torch_geometric.io import read_planetoid_data
    except ImportError as exc:
        raise MissingSourceError(
            f"reading Planetoid data needs torch_geometric ({exc}); pip install torch_geometric"
        ) from exc
    base = planetoid_root(root)
    if base is None and key in SHIPPED_PLANETOID:
        data = _shipped_planetoid(key)
    else:
        raw = None if base is None else base / PLANETOID[key] / "raw"
        missing = [s for s in _RAW_SUFFIXES if raw is None or not (raw / f"ind.{key}.{s}").is_file()]
        if missing:
            where = f"no --data-root given and {PLANETOID[key]} is not shipped" if raw is None else str(raw)
            raise MissingSourceError(
                f"Planetoid '{PLANETOID[key]}' raw files missing at {where} "
                f"(need ind.{key}.{{{','.join(_RAW_SUFFIXES)}}}): copy the raw files of "
                "github.com/kimiyoung/planetoid (data/) to <root>/" + PLANETOID[key] + "/raw/ and pass "
                "--data-root <root> (Python: root=<root>; or set NASBENCH_DATA so that "
                "$NASBENCH_DATA/planetoid is <root>)"
            )
        data = read_planetoid_data(str(raw), key)
    if normalize_features:
        data = T.NormalizeFeatures()(data)
    return GraphData(data, int(data.y.max()) + 1, key)
