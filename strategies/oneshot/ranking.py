"""How well a supernet ranks architectures: its inherited-weight scores against the table.

For ``K`` architectures drawn uniformly from the space (seeded, distinct ids), the supernet's
score of each (its canonical single path with the shared weights, eval mode, no retraining,
on the ``search-valid`` split by default: the score the methods search on) is compared with
the table's final validation accuracy (highest fidelity, mean over replicates; the same value
the :class:`~nasbench.evaluator.Reporter` reads, never the test split):

- Kendall's tau-b and Spearman's rho (:mod:`nasbench.stats`, the project's one
  implementation; pairs where either side is not finite are dropped);
- top-k hit rate: the share of the table's ``top`` best of the K that are also among the
  supernet's ``top`` best (ties in the supernet score broken by draw order).

Chosen form: a hook, :class:`RankingProbe`, that a single-path method calls after every epoch
(``every`` n epochs and the last); it is not charged to the search clock, leaves every torch
RNG as it found it (``fork_rng``), and the search never reads what it computes. The same
numbers for any supernet at any time: :func:`supernet_ranking`.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from nasbench.errors import NasbenchError
from nasbench.stats import kendall, spearman

__all__ = ["RankingProbe", "ranking_metrics", "sample_ranking_archs", "supernet_ranking", "supernet_scores"]


def top_hit_rate(scores: Sequence[float], truth: Sequence[float], top: int) -> float:
    """Share of ``truth``'s ``top`` best that are among ``scores``' ``top`` best (NaN truth
    values never count as best; first index first on ties)."""
    s = np.asarray(scores, dtype=np.float64)
    t = np.asarray(truth, dtype=np.float64)
    ok = np.isfinite(t) & np.isfinite(s)
    idx = np.flatnonzero(ok)
    k = min(int(top), len(idx))
    if k < 1:
        return math.nan
    by_s = idx[np.argsort(-s[idx], kind="stable")[:k]]
    by_t = idx[np.argsort(-t[idx], kind="stable")[:k]]
    return len(set(by_s.tolist()) & set(by_t.tolist())) / k


def ranking_metrics(scores: Sequence[float], truth: Sequence[float], top: int = 10) -> dict[str, float]:
    """``{'kendall', 'spearman', 'top_hit', 'n'}`` of supernet ``scores`` against table ``truth``."""
    s, t = np.asarray(scores, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if s.shape != t.shape:
        raise NasbenchError(f"ranking needs one supernet score per table value, got {s.shape} and {t.shape}")
    return {"kendall": kendall(s, t), "spearman": spearman(s, t), "top_hit": top_hit_rate(s, t, top),
            "n": int((np.isfinite(s) & np.isfinite(t)).sum()), "top": int(top)}


def sample_ranking_archs(space, k: int, seed: int) -> np.ndarray:
    """``k`` distinct architecture ids drawn uniformly (``default_rng(seed)``)."""
    if not isinstance(k, int) or k < 3:
        raise NasbenchError(f"a ranking needs k >= 3 architectures (rank correlations), got {k!r}")
    k = min(k, space.size)
    return np.sort(np.random.default_rng(seed).choice(space.size, size=k, replace=False)).astype(np.int64)


@torch.no_grad()
def supernet_scores(supernet, data, archs: Sequence[int], split: str = "search-valid") -> np.ndarray:
    """Supernet score of each architecture (single path, eval mode) on ``split``; the global
    torch RNG is left as it was."""
    from strategies.oneshot.base import evaluate_path

    with torch.random.fork_rng(devices=[]):
        return np.array([evaluate_path(supernet, data, supernet.arch_path(int(a)), split=split)
                         for a in archs], dtype=np.float64)


def supernet_ranking(supernet, data, archs: Sequence[int], table_valid: Sequence[float], *,
                     top: int = 10, split: str = "search-valid") -> dict[str, float]:
    """:func:`ranking_metrics` of the supernet's scores of ``archs`` against ``table_valid``."""
    return ranking_metrics(supernet_scores(supernet, data, archs, split), table_valid, top)


@dataclass
class RankingProbe:
    """Per-epoch ranking hook (module docstring). ``benchmark``: a :class:`nasbench.Benchmark`
    (its table gives the validation values); ``k`` architectures drawn with ``seed``;
    ``every``: probe every this many epochs (0: only after the last epoch); ``records``: one
    dict per probe (epoch, kendall, spearman, top_hit, n, top, seconds)."""

    benchmark: Any
    k: int = 100
    seed: int = 0
    every: int = 0
    top: int = 10
    split: str = "search-valid"
    valid_metric: str = "valid_acc"
    records: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        from nasbench.evaluator import Reporter

        if not isinstance(self.every, int) or self.every < 0:
            raise NasbenchError(f"ranking 'every' is a number of epochs >= 0 (0 = last epoch only), got {self.every!r}")
        self.archs = sample_ranking_archs(self.benchmark.space, self.k, self.seed)
        self.table_valid = Reporter(self.benchmark, valid_metric=self.valid_metric).valid[self.archs].astype(np.float64)

    def due(self, epoch: int, epochs: int) -> bool:
        """Whether the probe runs after ``epoch`` (0-based) of ``epochs``."""
        return epoch == epochs - 1 or (self.every > 0 and (epoch + 1) % self.every == 0)

    def __call__(self, supernet, data, epoch: int, epochs: int) -> dict | None:
        if not self.due(epoch, epochs):
            return None
        import time

        t = time.perf_counter()
        rec = {"epoch": int(epoch), **supernet_ranking(supernet, data, self.archs, self.table_valid,
                                                       top=self.top, split=self.split)}
        rec["seconds"] = time.perf_counter() - t
        self.records.append(rec)
        return rec

    def describe(self) -> dict:
        """What the records mean (stored with them)."""
        return {"k": len(self.archs), "seed": self.seed, "every": self.every, "top": self.top,
                "split": self.split, "truth": f"{self.valid_metric}@final (table, mean over replicates)"}
