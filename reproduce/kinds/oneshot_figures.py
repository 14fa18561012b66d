"""Figures of a one-shot preset report (:mod:`reproduce.kinds.oneshot`), from its summary.

- ``oneshot_accuracy.{png,pdf}``: per benchmark, the derived architecture's table test accuracy
  against the search's real wall-clock seconds, one point per seed and method (the method's
  mean as a larger marker with a +/- 1 std bar); RS / RE as the mean test accuracy of their
  incumbent over the simulated seconds (queries x the measured live training time), drawn
  only where every seed of a baseline has finished a query (open markers at its queries; one
  query is one point). Dotted line: the table's best test accuracy.
- ``oneshot_ranking.{png,pdf}``: per benchmark, Kendall tau of the supernet ranking per method:
  one point per seed at the last probe, mean as a bar; where the runs were probed at more than
  one epoch, a second row shows the mean over seeds against the epoch.

Every figure states under its panels what the points, bars and lines are.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from reproduce.render.figures import legend_above, panel_grid, panel_title, save_figure, style  # noqa: E402

__all__ = ["plot_oneshot_accuracy", "plot_oneshot_ranking"]


def _finite(values) -> np.ndarray:
    a = np.asarray([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return a[np.isfinite(a)]


def _pairs(xs, ys) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray([np.nan if v is None else float(v) for v in xs], dtype=np.float64)
    y = np.asarray([np.nan if v is None else float(v) for v in ys], dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


def plot_oneshot_accuracy(summary: dict, methods: list[str], baselines: dict[str, list], best_test: dict[str, float],
                          out_dir: Path) -> list[str]:
    """Write ``oneshot_accuracy`` (module docstring). ``baselines[benchmark]`` is a list of
    ``(label, times, tests)`` with one (time, test) curve per seed; ``best_test[benchmark]`` the
    table's best test accuracy."""
    benches = list(summary["benchmarks"])
    labels = methods + sorted({lab for b in benches for lab, _, _ in baselines.get(b, [])})
    st = style(labels)
    fig, axes = panel_grid(len(benches), panel_h=2.6)
    seeds = summary.get("seeds")
    for ax, b in zip(axes, benches):
        rows = summary["benchmarks"][b]["methods"]
        for m in methods:
            x, y = _pairs(rows[m]["time"], rows[m]["test"])
            if not x.size:
                continue
            ax.scatter(x, y, s=10, alpha=0.45, color=st[m]["color"], marker=st[m]["marker"], linewidths=0)
            sd = float(y.std(ddof=1)) if y.size > 1 else 0.0
            ax.errorbar([x.mean()], [y.mean()], yerr=[sd], color=st[m]["color"], marker=st[m]["marker"],
                        markersize=6, capsize=2, linewidth=1, label=m)
        for label, times, tests in baselines.get(b, []):
            curves = [_pairs(t, v) for t, v in zip(times, tests)]
            curves = [c for c in curves if c[0].size]
            if not curves:
                continue
            grid = np.unique(np.concatenate([c[0] for c in curves]))
            mat = np.full((len(curves), grid.size), np.nan)
            for i, (t, v) in enumerate(curves):
                idx = np.searchsorted(t, grid, side="right") - 1
                mat[i, idx >= 0] = v[idx[idx >= 0]]
            full = np.all(np.isfinite(mat), axis=0)  # only where every seed has a query
            if full.any():
                ax.step(grid[full], mat[:, full].mean(axis=0), where="post", color=st[label]["color"],
                        linestyle=st[label]["linestyle"], marker=st[label]["marker"], markersize=4,
                        markerfacecolor="none", linewidth=1.2, label=f"{label} (simulated s)")
        if b in best_test and math.isfinite(best_test[b]):
            ax.axhline(best_test[b], color="0.4", linestyle=":", linewidth=0.8, label="table best test")
        ax.set_title(panel_title(b), fontsize=8)
        ax.set_xlabel("search wall-clock (s)", fontsize=7)
        ax.set_ylabel("derived arch test acc (%)", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.grid(alpha=0.3, linewidth=0.5)
    baseline_labels = [f"{lab} (simulated s)" for lab in labels[len(methods):]]
    legend_above(fig, axes, [*methods, *baseline_labels, "table best test"])
    fig.text(0.5, -0.02, f"Small points: one seed each ({seeds} seeds); large marker: mean, bar: +/- 1 std over "
                         "seeds; test accuracy from the table, read after the search. Baselines: mean incumbent "
                         "test accuracy, time = queries x measured live training time.",
             ha="center", va="top", fontsize=6, wrap=True)
    fig.tight_layout()
    return save_figure(fig, out_dir, "oneshot_accuracy")


def plot_oneshot_ranking(summary: dict, methods: list[str], out_dir: Path) -> list[str]:
    """Write ``oneshot_ranking`` (module docstring)."""
    benches = list(summary["benchmarks"])
    st = style(methods)
    by_epoch = any(len(summary["benchmarks"][b]["methods"][m].get("kendall_by_epoch") or {}) > 1
                   for b in benches for m in methods)
    n = len(benches)
    fig, axes = plt.subplots(2 if by_epoch else 1, n, figsize=(min(7.2, 3.6 * n), 2.6 * (2 if by_epoch else 1)),
                             squeeze=False)
    for j, b in enumerate(benches):
        rows = summary["benchmarks"][b]["methods"]
        ax = axes[0][j]
        for i, m in enumerate(methods):
            k = _finite(rows[m]["kendall"])
            if not k.size:
                continue
            ax.bar(i, k.mean(), color=st[m]["color"], alpha=0.35, width=0.7)
            ax.scatter(np.full(k.size, i) + np.linspace(-0.15, 0.15, k.size), k, s=9, color=st[m]["color"],
                       marker=st[m]["marker"], zorder=3)
        ax.axhline(0.0, color="0.3", linewidth=0.7)
        ax.set_xticks(range(len(methods)), methods, rotation=30, fontsize=6, ha="right")
        ax.set_ylim(-1, 1)
        ax.set_ylabel("Kendall tau (last probe)", fontsize=7)
        ax.set_title(panel_title(b), fontsize=8)
        ax.tick_params(labelsize=6)
        if by_epoch:
            ax2 = axes[1][j]
            for m in methods:
                d = rows[m].get("kendall_by_epoch") or {}
                if d:
                    e = np.array(sorted(int(k) for k in d))
                    ax2.plot(e, [d[k] if k in d else d[str(k)] for k in e], color=st[m]["color"],
                             linestyle=st[m]["linestyle"], marker=st[m]["marker"], markersize=3, linewidth=1, label=m)
            ax2.axhline(0.0, color="0.3", linewidth=0.7)
            ax2.set_xlabel("search epoch", fontsize=7)
            ax2.set_ylabel("Kendall tau (mean over seeds)", fontsize=7)
            ax2.set_ylim(-1, 1)
            ax2.tick_params(labelsize=6)
            if j == 0:
                ax2.legend(fontsize=6, frameon=False, ncol=2)
    k = summary.get("rank_archs")
    fig.text(0.5, -0.02, f"Kendall tau between the supernet's score (inherited weights, single path, search-valid) "
                         f"and the table's validation accuracy of {k} uniformly drawn architectures; points: one seed "
                         "each, bar: mean; 0 = no better than chance.", ha="center", va="top", fontsize=6, wrap=True)
    fig.tight_layout()
    return save_figure(fig, out_dir, "oneshot_ranking")
