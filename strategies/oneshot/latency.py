"""Latency-aware gradient search (ProxylessNAS / FBNet manner) with an additive latency model.

- :func:`fit_latency_model`: ``latency(a) ~ c0 + sum_d L[d, choice_d(a)]``, least squares on
  the one-hot decision encoding of every architecture of the table with a measured value of
  the chosen latency metric (``latency`` on NB-Graph; ``latency_<device>`` for NB201's 27
  device columns, e.g. ``latency_pixel3``). Fit quality (R^2, Spearman rank correlation over
  the table) is reported in :class:`LatencyModel` and recorded in every result.
- :class:`LatencyDARTS`: first-order DARTS whose architecture loss adds ``latency_weight x
  E[latency] / median table latency`` (unitless, so one ``latency_weight`` means the same on
  every device), ``E[latency] = c0 + sum_d sum_k softmax(alpha_d)_k L[d, k]`` (the expected
  latency of the relaxed architecture: Cai et al., ProxylessNAS, ICLR 2019, sec. 3.3 eq. 5;
  Wu et al., FBNet, CVPR 2019, eq. 2 uses the same sum of per-op look-up latencies).
- :func:`latency_tradeoff`: for a few ``latency_weight`` values, the (accuracy, latency) of the
  derived architectures against the table's true Pareto front (:mod:`strategies.pareto`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from nasbench.errors import MissingMetricError, one_of
from strategies.oneshot.darts import GradientMethod
from strategies.validation import check_number

__all__ = ["LatencyDARTS", "LatencyModel", "fit_latency_model", "latency_tradeoff"]


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra = np.argsort(np.argsort(a, kind="stable"), kind="stable").astype(np.float64)
    rb = np.argsort(np.argsort(b, kind="stable"), kind="stable").astype(np.float64)
    return float(np.corrcoef(ra, rb)[0, 1])


@dataclass
class LatencyModel:
    """Additive latency model: ``intercept + sum_d table[d][choice_d]`` in the metric's unit.

    ``r2`` and ``spearman`` are measured over the ``n_fit`` table architectures it was fitted on;
    ``median`` is the median table latency (the penalty's scale)."""

    benchmark: str
    metric: str
    intercept: float
    table: list[list[float]]
    r2: float
    spearman: float
    n_fit: int
    median: float

    def predict(self, decisions: np.ndarray) -> np.ndarray:
        """Predicted latency of decision vectors ``[n, n_decisions]``."""
        dec = np.atleast_2d(np.asarray(decisions, dtype=np.int64))
        return self.intercept + sum(np.asarray(row)[dec[:, d]] for d, row in enumerate(self.table))

    def expected(self, weights: Sequence[torch.Tensor]) -> torch.Tensor:
        """Expected latency of a relaxed architecture (per-decision weights summing to 1)."""
        return self.intercept + sum((w * torch.as_tensor(row, dtype=w.dtype)).sum()
                                    for w, row in zip(weights, self.table))

    def summary(self) -> dict[str, Any]:
        return {"metric": self.metric, "r2": self.r2, "spearman": self.spearman,
                "n_fit": self.n_fit, "median": self.median}


def fit_latency_model(benchmark_name: str, metric: str | None = None) -> LatencyModel:
    """Least-squares additive latency model of ``benchmark_name``'s ``metric`` (default: the
    table's ``latency``). MissingMetricError lists the latency metrics the table has."""
    import nasbench

    bench = nasbench.load(benchmark_name)
    names = list(bench.table.metric_names)
    lat_names = [m for m in names if m.startswith("latency")]
    metric = metric or "latency"
    if metric not in names:
        raise MissingMetricError(
            f"{benchmark_name} has no latency metric '{metric}'; choose {one_of(lat_names) or 'none'}"
        )
    y = np.asarray(bench.table.vector(metric), dtype=np.float64)
    ids = np.flatnonzero(np.isfinite(y))
    dec = bench.space.to_decisions(ids)
    sizes = list(bench.space.decision_sizes)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    X = np.zeros((len(ids), int(offsets[-1]) + 1))
    X[:, -1] = 1.0
    for d in range(len(sizes)):
        X[np.arange(len(ids)), offsets[d] + dec[:, d]] = 1.0
    coef, *_ = np.linalg.lstsq(X, y[ids], rcond=None)  # minimum-norm (the one-hots are collinear)
    pred = X @ coef
    resid = y[ids] - pred
    r2 = 1.0 - float(resid @ resid) / float(((y[ids] - y[ids].mean()) ** 2).sum())
    table = [coef[offsets[d]:offsets[d + 1]].tolist() for d in range(len(sizes))]
    return LatencyModel(benchmark_name, metric, float(coef[-1]), table, r2,
                        _spearman(pred, y[ids]), int(len(ids)), float(np.median(y[ids])))


class LatencyDARTS(GradientMethod):
    """First-order DARTS with an expected-latency penalty (module docstring). Settings beyond
    DARTS: ``latency_metric`` (None: ``latency``), ``latency_weight`` (lambda, unitless: the
    penalty is lambda x E[latency] / median table latency; 0 = plain DARTS)."""

    name = "latency-darts"
    citation = ("Cai, Zhu & Han, ProxylessNAS, ICLR 2019 (expected latency, sec. 3.3); "
                "Wu et al., FBNet, CVPR 2019 (additive latency look-up table); DARTS defaults")
    defaults: dict[str, Any] = {**GradientMethod.defaults, "latency_metric": None,
                                "latency_weight": 0.1}

    def validate(self, s: dict[str, Any]) -> dict[str, Any]:
        s = super().validate(s)
        s["latency_weight"] = check_number(self.name, "latency_weight", s["latency_weight"], low=0)
        return s

    def setup(self, supernet, data) -> None:
        super().setup(supernet, data)
        self.model = fit_latency_model(data.benchmark, self.settings["latency_metric"])
        self.settings["latency_metric"] = self.model.metric
        self.settings["latency_model"] = self.model.summary()

    def arch_penalty(self, supernet) -> torch.Tensor:
        mix = [torch.softmax(a, dim=-1) for a in self.alphas]
        return self.settings["latency_weight"] * self.model.expected(mix) / self.model.median

    def epoch_extra(self) -> dict[str, Any]:
        with torch.no_grad():
            mix = [torch.softmax(a, dim=-1) for a in self.alphas]
            return {"expected_latency": float(self.model.expected(mix))}


def latency_tradeoff(benchmark_name: str, data, lambdas: Sequence[float] = (0.0, 0.1, 0.3, 1.0),
                     *, epochs: int = 20, seed: int = 0, latency_metric: str | None = None,
                     acc_metric: str = "test_acc", supernet_options: dict | None = None,
                     **settings) -> dict[str, Any]:
    """Derived architectures of :class:`LatencyDARTS` for each ``lambda`` in ``lambdas`` and the
    table's true (accuracy, latency) Pareto front.

    Accuracies are the table's ``acc_metric`` (read after the search, as a Reporter does),
    latencies the table's ``latency_metric``. Returns ``{"points": [{lambda, arch, accuracy,
    latency, state}], "front": [[accuracy, latency], ...] (sorted by latency), "model": fit
    summary, "on_front": count of derived archs on the front, "gap": per point the accuracy
    gap to the best front point no slower than it}``.
    """
    import nasbench
    from strategies.oneshot.supernet import build_supernet
    from strategies.pareto import pareto_mask

    bench = nasbench.load(benchmark_name)
    model = fit_latency_model(benchmark_name, latency_metric)
    acc = np.asarray(bench.table.vector(acc_metric), dtype=np.float64)
    lat = np.asarray(bench.table.vector(model.metric), dtype=np.float64)
    ok = np.isfinite(acc) & np.isfinite(lat)
    F = np.stack([-acc, lat], axis=1)
    F[~ok] = np.nan
    mask = pareto_mask(F)
    front = sorted(zip(acc[mask].tolist(), lat[mask].tolist()), key=lambda p: p[1])
    points = []
    for lam in lambdas:
        net = build_supernet(benchmark_name, data, seed=seed, **(supernet_options or {}))
        method = LatencyDARTS(latency_metric=model.metric, latency_weight=float(lam), **settings)
        res = method.search(net, data, epochs=epochs, generator=torch.Generator().manual_seed(seed))
        a = res.derived_arch
        pa = float(acc[a]) if a is not None else float("nan")
        pl = float(lat[a]) if a is not None else float("nan")
        best = max((fa for fa, fl in front if fl <= pl), default=float("nan"))
        points.append({"lambda": float(lam), "arch": a, "accuracy": pa, "latency": pl,
                       "state": res.state, "on_front": bool(a is not None and mask[a]),
                       "gap": best - pa})
    return {"benchmark": benchmark_name, "acc_metric": acc_metric, "latency_metric": model.metric,
            "model": model.summary(), "points": points, "front": [list(p) for p in front],
            "on_front": sum(p["on_front"] for p in points)}
