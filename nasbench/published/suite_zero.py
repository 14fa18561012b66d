"""NAS-Bench-Suite-Zero's zero-cost proxy scores (Krishnakumar, White, Zela, Tu, Safari, Hutter,
NeurIPS 2022 Datasets and Benchmarks), shipped in ``data/naslib-zc/`` (provenance in
data/README.md): the proxies, what each measures, and a checksum-verified reader.
"""
from __future__ import annotations

import gzip
import json

from nasbench.published import published_file

PROXIES = ("snip", "jacov", "grad_norm", "plain", "epe_nas", "fisher", "grasp", "l2_norm", "synflow")
PROXY_DESCRIPTIONS = {
    "snip": "SNIP (Lee et al. 2019): sum |W * dL/dW| on one batch",
    "jacov": "Jacobian covariance (Mellor et al. 2020 v1) on one batch",
    "grad_norm": "sum of L2 norms of dL/dW, one batch",
    "plain": "sum of W * dL/dW (Abdelfattah et al. 2021 'plain'), one batch",
    "epe_nas": "EPE-NAS (Lopes et al. 2021): per-class Jacobian correlation score",
    "fisher": "Fisher (Turner et al. 2020): 0.5 mean_batch (sum a * dL/da)^2",
    "grasp": "GraSP (Wang et al. 2020): sum -W * (H dL/dW), one batch",
    "l2_norm": "L2 norm of the initial weights",
    "synflow": "SynFlow (Tanaka et al. 2020): sum |W * dR/dW|, all-ones input",
}
#: space -> the shipped file of that space
FILES = {"nasbench101": "naslib-zc/zc_nasbench101.json.gz", "nasbench201": "naslib-zc/zc_nasbench201.json.gz",
         "nasbench301": "naslib-zc/zc_nasbench301.json.gz"}


def read_scores(space: str, dataset: str) -> dict[str, dict]:
    """``{NASLib key: {proxy: score, 'val_accuracy', 'flops', 'params'}}`` of one space and dataset
    (``space`` one of FILES' keys; ``dataset`` as Suite-Zero names it, e.g. ``ImageNet16-120``)."""
    with gzip.open(published_file(FILES[space]), "rt") as fh:
        return json.load(fh)[space][dataset]
