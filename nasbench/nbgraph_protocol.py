"""Per-dataset training protocol of NAS-Bench-Graph (Qin et al., NeurIPS 2022).

The hyperparameters every architecture of the benchmark was trained with, as the paper's
hyperparameter table lists them (pre/post-processing layers, hidden dimension, dropout,
optimiser, learning rate, weight decay, epochs), and the same values in the benchmark's own
per-dataset settings (``HP``: num_pre, num_pro, dim, dropout, optimizer, lr, wd, num_epochs).
The table reports, per seed, the best validation accuracy within ``epochs`` and the test
accuracy at the epoch of minimum validation loss (:mod:`nasbench.live.reported`), averaged
over 3 seeds. Training uses the raw Planetoid features (no normalisation).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NBGraphProtocol:
    """How NAS-Bench-Graph trained every architecture on one dataset."""

    pre_layers: int
    post_layers: int
    hidden_dim: int
    dropout: float
    optimizer: str
    lr: float
    weight_decay: float
    epochs: int


NBGRAPH_PROTOCOL: dict[str, NBGraphProtocol] = {
    "cora": NBGraphProtocol(0, 1, 256, 0.7, "SGD", 0.1, 5e-4, 400),
    "citeseer": NBGraphProtocol(0, 1, 256, 0.7, "SGD", 0.2, 5e-4, 400),
    "pubmed": NBGraphProtocol(0, 0, 128, 0.3, "SGD", 0.2, 5e-4, 500),
    "cs": NBGraphProtocol(1, 0, 128, 0.6, "SGD", 0.5, 5e-4, 400),
    "physics": NBGraphProtocol(1, 1, 256, 0.4, "SGD", 0.01, 0.0, 200),
    "photo": NBGraphProtocol(1, 0, 128, 0.7, "Adam", 0.0002, 5e-4, 500),
    "computers": NBGraphProtocol(1, 1, 64, 0.1, "Adam", 0.005, 5e-4, 500),
    "arxiv": NBGraphProtocol(0, 1, 128, 0.2, "Adam", 0.002, 0.0, 500),
    "proteins": NBGraphProtocol(1, 1, 256, 0.0, "Adam", 0.01, 5e-4, 500),
}
