"""Figures for a reproduction report: anytime regret, final regret, average rank.

Every figure is written twice, as PNG (200 dpi) and PDF, atomically, sized for a single
column (3.5 in) or, for small multiples, a double column (at most 7.2 in), with 8 pt text,
the Okabe-Ito colour-blind-safe palette (plus distinct line styles and markers, so a
grey-scale print still separates the strategies) and the legend outside the axes.

Inputs are the tidy frames of :func:`reproduce.render.tables.write_report`:

* ``curves``: ``strategy, benchmark, seed, time, queries, test_regret, ...`` - one row per
  recorded step; ``time`` is simulated seconds, regrets are accuracy points (%).
* ``finals``: ``strategy, budget, seed, benchmark, metric, value, regret, ...``.
"""
from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # never open a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from nasbench.atomic import atomic_path  # noqa: E402

# Okabe & Ito (2008), reordered so the first few are the most distinct from one another.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]

SINGLE_COL_IN = 3.5
DOUBLE_COL_IN = 7.2
MAX_COLS = 3
GRID_POINTS = 100
N_BOOT = 1000
# A grid point is drawn once every seed has a result: a mean over a growing set of seeds
# jumps as late starters join, which reads as a (spurious) rise in regret.
MIN_SEED_FRACTION = 1.0

RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "lines.linewidth": 1.3,
    "savefig.dpi": 200,
    "pdf.fonttype": 42,  # embed TrueType: editable text, accepted by publishers
}


# ---------------------------------------------------------------------------------------------
# styling and saving


def style(strategies: Sequence[str]) -> dict[str, dict]:
    """Colour, line style and marker per strategy label, stable in the given order."""
    return {
        s: {
            "color": OKABE_ITO[i % len(OKABE_ITO)],
            "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)],
        }
        for i, s in enumerate(strategies)
    }


def save_figure(fig: plt.Figure, out_dir: Path, stem: str) -> list[str]:
    """Write ``stem.png`` (200 dpi) and ``stem.pdf`` atomically, close ``fig``, return the names."""
    names = []
    for fmt in ("png", "pdf"):
        name = f"{stem}.{fmt}"
        # Fixed metadata keeps the files byte-stable between runs of the same data.
        metadata = {"Software": None} if fmt == "png" else {"CreationDate": None}
        with atomic_path(out_dir / name) as tmp:
            fig.savefig(tmp, format=fmt, dpi=200, bbox_inches="tight", pad_inches=0.02, metadata=metadata)
        names.append(name)
    plt.close(fig)
    return names


def panel_grid(n: int, panel_h: float = 2.1) -> tuple[plt.Figure, np.ndarray]:
    """A figure with ``n`` panels, at most :data:`MAX_COLS` per row; surplus axes removed.

    One panel fills a single column (3.5 in); more share a double column (7.2 in).
    """
    ncols = min(n, MAX_COLS)
    nrows = math.ceil(n / ncols)
    width = SINGLE_COL_IN if n == 1 else min(DOUBLE_COL_IN, 2.5 * ncols)
    height = (2.6 if n == 1 else panel_h) * nrows
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False)
    for ax in axes.flat[n:]:
        ax.remove()
    return fig, axes.flat[:n]


def legend_above(fig: plt.Figure, axes: Sequence[plt.Axes], strategies: Sequence[str]) -> None:
    """One legend for the figure, centred above the panels, so it never hides a curve."""
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    order = [labels.index(s) for s in strategies if s in labels]
    fig.legend(
        [handles[i] for i in order], [labels[i] for i in order],
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(order), 4),
        frameon=False, handlelength=2.2, columnspacing=1.2,
    )


def short_name(benchmark: str) -> str:
    """``nb201/cifar10`` -> ``nb201 / cifar10`` (breaks more kindly in a panel title)."""
    return benchmark.replace("/", " / ")


# ---------------------------------------------------------------------------------------------
# numerics


def step_grid(xs: np.ndarray, n: int = GRID_POINTS, integer: bool = False) -> tuple[np.ndarray, bool]:
    """A common grid over the recorded x values and whether the axis should be logarithmic.

    Log-spaced when the positive x values span more than two decades. ``integer`` rounds the
    grid (query counts) and drops duplicates.
    """
    xs = np.asarray(xs, dtype=float)
    xs = xs[np.isfinite(xs)]
    pos = xs[xs > 0]
    lo, hi = (pos.min(), pos.max()) if pos.size else (0.0, 1.0)
    use_log = pos.size > 0 and hi / lo > 100.0
    grid = np.geomspace(lo, hi, n) if use_log else np.linspace(xs.min() if xs.size else 0.0, hi, n)
    if integer:
        grid = np.unique(np.round(grid))
    return grid, use_log


def incumbent_on_grid(x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Step-function interpolation: the value at the last step with ``x <= t`` for each grid ``t``.

    NaN before the first step. ``x`` need not be sorted.
    """
    order = np.argsort(x, kind="stable")
    x, y = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    idx = np.searchsorted(x, grid, side="right") - 1
    out = np.full(grid.shape, np.nan)
    ok = idx >= 0
    out[ok] = y[idx[ok]]
    return out


def seed_matrix(df: pd.DataFrame, x: str, y: str, grid: np.ndarray) -> np.ndarray:
    """``(n_seeds, len(grid))``: each seed's incumbent ``y`` on the grid of ``x``."""
    rows = [incumbent_on_grid(g[x].to_numpy(), g[y].to_numpy(), grid) for _, g in df.groupby("seed", sort=True)]
    return np.vstack(rows) if rows else np.empty((0, grid.size))


def bootstrap_mean_ci(
    values: np.ndarray, n_boot: int = N_BOOT, level: float = 0.95, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over seeds (axis 0) with a percentile bootstrap interval, NaN-aware, vectorised.

    Seeds are resampled with replacement by drawing multinomial counts, so each bootstrap
    mean is one weighted sum: memory ``n_boot x n_seeds``, not ``n_boot x n_seeds x grid``.
    A NaN (a seed with no result yet) is left out of that resample's mean.
    """
    n = values.shape[0]
    valid = np.isfinite(values)
    filled = np.where(valid, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(0) / valid.sum(0)
        if n == 0:
            return mean, mean, mean
        counts = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
        boot = (counts @ filled) / (counts @ valid)
    alpha = (1.0 - level) / 2.0
    with warnings.catch_warnings():  # grid points before any seed's first result are all NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanquantile(boot, [alpha, 1.0 - alpha], axis=0)
    return mean, lo, hi


def is_surrogate_benchmark(benchmark: str) -> bool:
    """Whether ``benchmark`` is answered by a model (no test split, regret against a declared
    reference that a search can beat): its panels say so and never use a log scale."""
    try:
        from nasbench.catalog import get_info

        return get_info(benchmark).recipe.startswith("surrogate:")
    except Exception:  # noqa: BLE001 - user tables and unknown names are tables
        return False


def panel_title(benchmark: str) -> str:
    """Panel title with what the numbers are where it is not accuracy on a test split."""
    if benchmark.endswith("proteins"):
        return short_name(benchmark) + " (ROC-AUC x 100)"
    if is_surrogate_benchmark(benchmark):
        return short_name(benchmark) + " (surrogate valid_acc; regret vs declared reference)"
    return short_name(benchmark)


def wants_log_y(arrays: Sequence[np.ndarray]) -> bool:
    """True when the positive values span more than 1.5 decades (regrets shrinking by orders)."""
    pos = np.concatenate([a[np.isfinite(a) & (a > 0)] for a in arrays]) if arrays else np.empty(0)
    return pos.size > 1 and pos.max() / pos.min() > 10**1.5


# ---------------------------------------------------------------------------------------------
# figures


def plot_anytime(
    curves: pd.DataFrame, strategies: Sequence[str], x: str, out_dir: Path, stem: str, y: str = "test_regret"
) -> dict:
    """Mean incumbent ``y`` (with 95 % bootstrap band over seeds) against ``x`` per search benchmark.

    ``x`` is ``"time"`` (simulated seconds) or ``"queries"``. Returns what was drawn, for the
    summary: files, the axis scales and, per benchmark and strategy, the number of seeds.
    """
    benchmarks = list(dict.fromkeys(curves["benchmark"]))
    sty = style(strategies)
    xlabel = "simulated time (s)" if x == "time" else "queries (architectures evaluated)"
    info: dict = {"x": x, "y": y, "panels": {}}
    with plt.rc_context(RC):
        fig, axes = panel_grid(len(benchmarks))
        for ax, bench in zip(axes, benchmarks):
            sub = curves[curves["benchmark"] == bench]
            grid, log_x = step_grid(sub[x].to_numpy(), integer=(x == "queries"))
            drawn, seeds = [], {}
            for s in strategies:
                part = sub[sub["strategy"] == s]
                if part.empty:
                    continue
                mat = seed_matrix(part, x, y, grid)
                mean, lo, hi = bootstrap_mean_ci(mat)
                enough = np.isfinite(mat).sum(0) >= MIN_SEED_FRACTION * mat.shape[0]
                mean, lo, hi = (np.where(enough, a, np.nan) for a in (mean, lo, hi))
                ax.fill_between(grid, lo, hi, color=sty[s]["color"], alpha=0.2, linewidth=0)
                ax.plot(grid, mean, color=sty[s]["color"], linestyle=sty[s]["linestyle"], label=s)
                drawn += [mean, lo]
                seeds[s] = int(mat.shape[0])
            below_zero = any(np.nanmin(a) < 0 for a in drawn if np.isfinite(a).any())
            log_y, zero_clipped = wants_log_y(drawn) and not below_zero, False
            if log_x:
                ax.set_xscale("log")
            if log_y:
                ax.set_yscale("log", nonpositive="mask")
                zero_clipped = floor_positive_bands(ax)
            ax.set_title(panel_title(bench))
            ax.set_xlabel(xlabel)
            info["panels"][bench] = {"log_x": bool(log_x), "log_y": bool(log_y), "zero_at_bottom_edge": zero_clipped,
                                     "seeds": seeds}
        surrogate = all(is_surrogate_benchmark(b) for b in benchmarks)  # no test split: say what it is
        label = "valid regret vs reference (%)" if surrogate else f"{y.replace('_', ' ')} (%)"
        if all(b.endswith("proteins") for b in benchmarks):  # the unit in the label, not only in the title
            label = f"{y.replace('_', ' ')} (ROC-AUC x 100)"
        for ax in axes[:: min(len(benchmarks), MAX_COLS)]:
            ax.set_ylabel(label)
        fig.tight_layout(w_pad=1.0, h_pad=1.2)
        legend_above(fig, axes, strategies)
        n_seeds = sorted({n for p in info["panels"].values() for n in p["seeds"].values()})
        seeds_text = f"{n_seeds[0]}" if len(n_seeds) == 1 else f"{n_seeds[0]}-{n_seeds[-1]}"
        caption = (f"line: mean over {seeds_text} seeds; band: 95% percentile-bootstrap interval of the mean "
                   f"({N_BOOT:,} resamples of the seeds); drawn where every seed has an incumbent")
        fig.text(0.5, 0.0, textwrap.fill(caption, width=int(fig.get_figwidth() * 17)),  # ~17 chars/inch at 6.5 pt
                 ha="center", va="top", fontsize=6.5, color="0.3")
        info["band"] = f"95% percentile bootstrap of the mean over seeds, {N_BOOT} resamples"
        info["files"] = save_figure(fig, out_dir, stem)
    return info


def floor_positive_bands(ax: plt.Axes) -> bool:
    """On a log axis, draw a zero regret (optimum found) at the panel's bottom edge rather than
    dropping it: clip lines and bands to half the smallest positive value shown, and say so in
    the panel. Returns whether a line was clipped."""
    lines = [ln for ln in ax.get_lines()]
    ys = np.concatenate([np.asarray(ln.get_ydata(), float) for ln in lines]) if lines else np.empty(0)
    pos = ys[np.isfinite(ys) & (ys > 0)]
    if not pos.size:
        return False
    floor = pos.min() / 2.0
    clipped = bool((ys[np.isfinite(ys)] <= 0).any())
    for ln in lines:
        y = np.asarray(ln.get_ydata(), float)
        ln.set_ydata(np.where(np.isfinite(y), np.maximum(y, floor), np.nan))
    for coll in ax.collections:
        for path in coll.get_paths():
            path.vertices[:, 1] = np.maximum(path.vertices[:, 1], floor)
    ax.set_ylim(bottom=floor / 1.5)
    if clipped:
        ax.text(0.02, 0.02, "regret 0 drawn at the bottom edge", transform=ax.transAxes,
                fontsize=6, color="0.35", ha="left", va="bottom")
    return clipped


def final_metric(finals: pd.DataFrame, benchmark: str) -> str:
    """The metric a final-regret panel shows: ``test_acc`` when reported, else the first one."""
    metrics = list(dict.fromkeys(finals.loc[finals["benchmark"] == benchmark, "metric"]))
    return "test_acc" if "test_acc" in metrics else metrics[0]


def plot_final_regret(finals: pd.DataFrame, strategies: Sequence[str], budget: str, out_dir: Path) -> dict:
    """Box plot (median, quartiles, 1.5 IQR whiskers) plus jittered seeds of the final regret
    (accuracy points, %) per strategy, one panel per reported benchmark, at ``budget``."""
    at = finals[finals["budget"] == budget]
    benchmarks = list(dict.fromkeys(at["benchmark"]))
    sty = style(strategies)
    rng = np.random.default_rng(0)
    info: dict = {"budget": budget, "panels": {}}
    with plt.rc_context(RC):
        fig, axes = panel_grid(len(benchmarks), panel_h=2.2)
        for ax, bench in zip(axes, benchmarks):
            metric = final_metric(at, bench)
            sub = at[(at["benchmark"] == bench) & (at["metric"] == metric)]
            present = [s for s in strategies if (sub["strategy"] == s).any()]
            data = [sub.loc[sub["strategy"] == s, "regret"].to_numpy(float) for s in present]
            box = ax.boxplot(data, positions=range(len(present)), widths=0.55, showfliers=False,
                             patch_artist=True, medianprops={"color": "black", "linewidth": 1.2})
            for patch, s in zip(box["boxes"], present):
                patch.set(facecolor=sty[s]["color"], alpha=0.25, edgecolor=sty[s]["color"])
            for i, (s, vals) in enumerate(zip(present, data)):
                size = 6 if len(vals) <= 50 else 2
                alpha = 0.8 if len(vals) <= 50 else 0.35
                ax.scatter(i + rng.uniform(-0.18, 0.18, len(vals)), vals, s=size, color=sty[s]["color"],
                           alpha=alpha, linewidths=0, zorder=3)
                ax.plot(i, np.mean(vals), marker="D", color="white", markeredgecolor="black",
                        markersize=4, zorder=4, linestyle="none")
            ax.set_xticks(range(len(present)), [s.replace(" ", "\n") for s in present])  # no overlap
            ax.set_title(panel_title(bench))
            unit = "ROC-AUC x 100" if bench.endswith("proteins") else "%"
            ax.set_ylabel(f"final {metric.replace('_acc', '')} regret ({unit})")
            ax.grid(axis="x", visible=False)
            info["panels"][bench] = {"metric": metric}
        fig.tight_layout(w_pad=1.0, h_pad=1.2)
        fig.text(0.5, 0.0, f"budget {budget}; box: quartiles, whiskers 1.5 IQR; dots: seeds; \u25c7: mean",
                 ha="center", va="top", fontsize=6.5, color="0.3")
        info["files"] = save_figure(fig, out_dir, "final_regret")
    return info


def plot_average_rank(ranks: pd.DataFrame, strategies: Sequence[str], out_dir: Path) -> dict:
    """Dot plot of the average rank (1 = best) per strategy, one marker per budget; the spread
    over benchmarks (min to max rank) as a thin line. ``ranks``: index strategies, columns
    ``(budget, benchmark)`` MultiIndex of ranks."""
    budgets = list(dict.fromkeys(ranks.columns.get_level_values(0)))
    sty = style(budgets)  # markers/colours distinguish budgets here
    present = [s for s in strategies if s in ranks.index]
    n_bench = ranks.columns.get_level_values(1).nunique()
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(SINGLE_COL_IN, 0.45 * len(present) + 0.9))
        offsets = np.linspace(-0.15, 0.15, len(budgets)) if len(budgets) > 1 else [0.0]
        for off, budget in zip(offsets, budgets):
            r = ranks[budget].loc[present]
            ys = np.arange(len(present)) + off
            ax.hlines(ys, r.min(axis=1), r.max(axis=1), color=sty[budget]["color"], linewidth=0.8, alpha=0.6)
            ax.plot(r.mean(axis=1), ys, linestyle="none", marker=sty[budget]["marker"],
                    color=sty[budget]["color"], markersize=5, label=f"budget {budget}")
        ax.set_yticks(range(len(present)), present)
        ax.set_ylim(len(present) - 0.5, -0.5)  # first strategy on top, markers clear of the frame
        ax.set_xlim(0.5, len(present) + 0.5)
        ax.set_xticks(range(1, len(present) + 1))
        ax.set_xlabel(f"average rank over {n_bench} benchmarks (1 = lowest final test regret)")
        ax.grid(axis="y", visible=False)
        if len(budgets) == 1:
            ax.set_title(f"budget {budgets[0]}")
        fig.tight_layout()
        fig.text(0.5, 0.0, "marker: mean rank; line: range over benchmarks", ha="center", va="top",
                 fontsize=6.5, color="0.3")
        if len(budgets) > 1:
            legend_above(fig, [ax], [f"budget {b}" for b in budgets])
        info = {"files": save_figure(fig, out_dir, "average_rank")}
    return info
