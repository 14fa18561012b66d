"""The NAS-Bench-Suite-Zero zero-cost proxies of 491 NB201 architectures per dataset, mapped to
this harness's NB201 ids.

Source: ``data/naslib-zc/zc_nasbench201.json.gz`` (NASLib, branch ``benchmarks``; provenance in
data/README.md), read through :func:`nasbench.published.published_file` (checksum verified).
Keys are NASLib op-index tuples. NASLib orders the six edges by (source, target) pair
(1->2, 1->3, 1->4, 2->3, 2->4, 3->4 with nodes numbered from 1) and its operations as
``Identity, Zero, ReLUConvBN3x3, ReLUConvBN1x1, AvgPool1x1``; this harness orders the edges
1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2 and the operations none, skip_connect, nor_conv_1x1,
nor_conv_3x3, avg_pool_3x3. Hence :data:`EDGE_FROM_NASLIB` and :data:`OP_FROM_NASLIB`.

The mapping is checked, not assumed: the file's ``val_accuracy`` must rank like this table's
200-epoch validation accuracy (Spearman >= :data:`MIN_AGREEMENT`; measured 0.990 / 0.987 /
0.993 on CIFAR-10 / CIFAR-100 / ImageNet16-120, against 0.966 for the best of the other
719 x 120 edge and op orders on CIFAR-10). The values are close but not identical (median
absolute difference 0.4-0.6 points): the file's ``val_accuracy`` is a different read-out of the
NB201 training runs (which seeds or epoch it averages is not documented in the file).
"""
from __future__ import annotations

import ast
import gzip
import json
from functools import lru_cache

import numpy as np

from nasbench.errors import NasbenchError
from reproduce.analysis import data

FILE = "naslib-zc/zc_nasbench201.json.gz"
#: our edge k is NASLib's edge EDGE_FROM_NASLIB[k]
EDGE_FROM_NASLIB = (0, 1, 3, 2, 4, 5)
#: NASLib op index i is our op code OP_FROM_NASLIB[i]
OP_FROM_NASLIB = (1, 0, 3, 2, 4)
DATASETS = {"nb201/cifar10": "cifar10", "nb201/cifar100": "cifar100", "nb201/imagenet16-120": "ImageNet16-120"}
#: proxies in the file (``flops`` and ``params`` are size measures, kept as baselines)
PROXIES = ("synflow", "jacov", "snip", "grad_norm", "grasp", "fisher", "epe_nas", "l2_norm", "plain", "flops", "params")
MIN_AGREEMENT = 0.9


@lru_cache(maxsize=1)
def _load() -> dict:
    from nasbench.published import published_file

    with gzip.open(published_file(FILE), "rt") as fh:
        return json.load(fh)["nasbench201"]


def available(bench_name: str) -> bool:
    """Whether the file has proxies for this benchmark."""
    return bench_name in DATASETS


def naslib_to_ids(space, keys) -> np.ndarray:
    """Our NB201 ids of NASLib op-index tuples (strings like ``"(4, 3, 3, 3, 2, 3)"``)."""
    codes = np.array([ast.literal_eval(k) if isinstance(k, str) else tuple(k) for k in keys], dtype=np.int64)
    ours = np.asarray(OP_FROM_NASLIB)[codes[:, list(EDGE_FROM_NASLIB)]]
    return space.from_decisions(ours)


def proxies(bench) -> dict:
    """``{"ids": [n], "val_accuracy": [n], "proxies": {name: [n]}, "agreement": spearman}`` for
    an NB201 benchmark; raises NasbenchError when the mapping does not reproduce the ranking."""
    name = bench.name
    if name not in DATASETS:
        raise NasbenchError(f"NAS-Bench-Suite-Zero has no proxies for '{name}'; it covers {', '.join(DATASETS)}")
    rows = _load()[DATASETS[name]]
    keys = list(rows)
    ids = naslib_to_ids(bench.space, keys)
    val = np.array([rows[k]["val_accuracy"] for k in keys], dtype=np.float64)
    ours = data.final(bench, "valid_acc").values[ids]
    agreement = data.spearman(val, ours)
    if not agreement >= MIN_AGREEMENT:
        raise NasbenchError(
            f"{FILE}: its val_accuracy ranks unlike {name}'s valid_acc (Spearman {agreement:.3f} < {MIN_AGREEMENT}); "
            "the NASLib op/edge mapping does not hold for this file"
        )
    out = {p: np.array([rows[k].get(p, np.nan) for k in keys], dtype=np.float64) for p in PROXIES}
    return {"ids": ids, "val_accuracy": val, "proxies": out, "agreement": agreement,
            "median_abs_diff": float(np.nanmedian(np.abs(val - ours)))}


__all__ = ["DATASETS", "EDGE_FROM_NASLIB", "OP_FROM_NASLIB", "PROXIES", "available", "naslib_to_ids", "proxies"]
