"""Figures of ``nasbench analyze`` (matplotlib, Agg): each written as PNG and PDF, atomically,
through :func:`reproduce.render.figures.save_figure`, in the style of the reproduction plots (8 pt text,
Okabe-Ito colours). Every function returns the file names it wrote; the captions live in
:mod:`reproduce.analysis.report`.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # never open a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from nasbench.atomic import atomic_path  # noqa: E402
from reproduce.render.figures import DOUBLE_COL_IN, OKABE_ITO, RC, SINGLE_COL_IN  # noqa: E402

#: PNG resolution; PDF is vector (TrueType fonts embedded, as reproduce.render.figures does)
PNG_DPI = 150


def save_figure(fig, out_dir: Path, stem: str) -> list[str]:
    """``stem.png`` and ``stem.pdf``, atomically, byte-stable metadata; closes ``fig``.

    Like :func:`reproduce.render.figures.save_figure` but 150 dpi and zlib level 1 in the PDF: the analysis
    writes ~40 figures, and embedding fonts at the default compression was most of its run time.
    """
    names = []
    for fmt in ("png", "pdf"):
        name = f"{stem}.{fmt}"
        metadata = {"Software": None} if fmt == "png" else {"CreationDate": None}
        with plt.rc_context({"pdf.compression": 1}), atomic_path(out_dir / name) as tmp:
            fig.savefig(tmp, format=fmt, dpi=PNG_DPI, bbox_inches="tight", pad_inches=0.02, metadata=metadata)
        names.append(name)
    plt.close(fig)
    return names


def slug(name: str) -> str:
    """``nb201/cifar10`` -> ``nb201-cifar10`` (file-name safe)."""
    return name.replace("/", "-").replace(":", "-")


def _heatmap(ax, m: np.ndarray, rows, cols, fmt: str = "{:.2f}", cmap: str = "viridis", vmin=None, vmax=None,
             fontsize: float = 6.0):
    m = np.asarray(m, dtype=np.float64)
    im = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.grid(False)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if np.isfinite(m[i, j]):
                r, g, b, _ = im.cmap(im.norm(m[i, j]))
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5  # text colour by the cell's luminance
                ax.text(j, i, fmt.format(m[i, j]), ha="center", va="center", fontsize=fontsize,
                        color="white" if dark else "black")
    return im


def importance(res: dict, out: Path, stem: str) -> list[str]:
    """Main-effect variance shares, marginal effects with 95% intervals, top-k enrichment."""
    names = res["decisions"]
    width = max(len(v) for v in res["value_names"])
    with plt.rc_context(RC):
        fig, (a, b, c) = plt.subplots(1, 3, figsize=(DOUBLE_COL_IN, 2.7),
                                      gridspec_kw={"width_ratios": [0.8, 2.0, 0.25 * width + 0.3]})
        a.barh(range(len(names)), [res["main_fraction"][n] for n in names], color=OKABE_ITO[0])
        a.set_yticks(range(len(names)), names)
        a.invert_yaxis()
        a.set_xlabel("main-effect share")
        a.set_title(f"main {res['main_total']:.0%}, pairs {res['pairs_total']:.0%}")
        x = 0
        ticks, labels = [], []
        for g, n in enumerate(names):
            rows = res["effects"][n]
            xs = x + np.arange(len(rows))
            eff = np.array([r["effect"] for r in rows])
            lo = np.array([r["ci95"][0] for r in rows])
            hi = np.array([r["ci95"][1] for r in rows])
            col = OKABE_ITO[g % 2]
            b.vlines(xs, lo, hi, colors=col, lw=0.8)
            b.scatter(xs, eff, s=7, color=col, zorder=3)
            b.text(x + (len(rows) - 1) / 2, 1.0, n.replace("edge_", "e"), transform=b.get_xaxis_transform(),
                   ha="center", va="bottom", fontsize=6, color=col)
            ticks += list(xs)
            labels += [r["name"] for r in rows]
            x += len(rows) + 1
        b.axhline(0, color="k", lw=0.6)
        b.set_xticks(ticks, labels, rotation=90, fontsize=4.5)
        b.set_xlim(-1, x - 1)
        b.set_ylabel(f"effect on {res['metric']} (points)")
        b.grid(axis="x", visible=False)
        m = np.full((len(names), width), np.nan)
        for i, n in enumerate(names):
            e = res["top_k_frequencies"][n]["enrichment"]
            m[i, : len(e)] = e
        vn = res["value_names"]
        widest = vn[int(np.argmax([len(v) for v in vn]))]
        same = all(v == widest for v in vn)
        _heatmap(c, m, names, widest, fmt="{:.1f}", cmap="RdBu_r", vmin=0,
                 vmax=max(2.0, float(np.nanmax(m))), fontsize=4.5)
        c.set_title(f"top {res['top_k']}: freq. / space freq." + ("" if same else "\n(other rows: column = value index)"),
                    fontsize=7)
        fig.tight_layout()
        return save_figure(fig, out, stem)


def landscape(res: dict, out: Path, stem: str) -> list[str]:
    """Basins vs optimum value, autocorrelation along random walks, fitness vs distance."""
    sig = res["signal"]
    s = res["metrics"][sig]
    arr = s["_arrays"]
    with plt.rc_context(RC):
        fig, (a, b, c) = plt.subplots(1, 3, figsize=(DOUBLE_COL_IN, 2.3))
        opt = arr["optima"]
        values = arr["values"]
        a.scatter(values[opt], arr["basin"][opt], s=6, color=OKABE_ITO[0])
        a.set_yscale("log")
        a.set_xlabel(f"local optimum {sig}")
        a.set_ylabel("basin size (archs)")
        a.set_title(f"{s['n_local_optima']} local optima")
        rho = np.array(s["autocorrelation"])
        lags = np.arange(len(rho))
        b.plot(lags, rho, "o-", ms=3, color=OKABE_ITO[1], label="random walks")
        if np.isfinite(s["correlation_length"]) and s["correlation_length"] > 0:
            b.plot(lags, np.exp(-lags / s["correlation_length"]), "--", color="0.4", lw=0.8, label="exp(-s/l)")
        b.set_xlabel("lag s (mutations)")
        b.set_ylabel("autocorrelation rho(s)")
        b.set_title(f"l = {s['correlation_length']:.2f}")
        b.legend(frameon=False)
        d = arr["distance"]
        ok = np.isfinite(d) & np.isfinite(values)
        ds = np.unique(d[ok]).astype(int)
        parts = [values[ok & (d == k)] for k in ds]
        c.boxplot(parts, positions=ds, widths=0.6, showfliers=False, medianprops={"color": OKABE_ITO[2]})
        c.set_xlabel("mutations to the global optimum")
        c.set_ylabel(sig)
        c.set_title(f"FDC = {s['fdc']:.2f}")
        fig.tight_layout()
        return save_figure(fig, out, stem)


def fidelity(res: dict, x: np.ndarray, y: np.ndarray, xlabel: str, ylabel: str, out: Path, stem: str) -> list[str]:
    """Cheap signal vs final accuracy (hexbin) and every proxy's Spearman with the final validation."""
    with plt.rc_context(RC):
        few = len(res["proxies"]) <= 3
        fig, (a, b) = plt.subplots(1, 2, figsize=(5.0 if few else DOUBLE_COL_IN, 2.6),
                                   gridspec_kw={"width_ratios": [1.4, 1] if few else [1, 1.4]})
        ok = np.isfinite(x) & np.isfinite(y)
        a.hexbin(x[ok], y[ok], gridsize=40, mincnt=1, bins="log", cmap="viridis")
        a.set_xlabel(xlabel)
        a.set_ylabel(ylabel)
        proxies = res["proxies"]
        names = [p["proxy"].replace("suite-zero:", "sz:") for p in proxies]
        rho = [p["vs_final_valid"]["spearman"] for p in proxies]
        b.barh(range(len(names)), np.nan_to_num(rho), color=OKABE_ITO[0])
        b.set_yticks(range(len(names)), names, fontsize=6)
        b.invert_yaxis()
        b.set_xlabel(f"Spearman with {res['final_valid']}")
        ceiling = [r["spearman"] for r in res["seeds"] if r["metric"] == res["final_valid"]]
        if ceiling:
            b.axvline(float(np.mean(ceiling)), color=OKABE_ITO[1], ls="--", lw=0.8, label="seed vs seed")
            b.legend(frameon=False, loc="lower right")
        b.set_xlim(min(0.0, float(np.nanmin(rho)) if len(rho) else 0.0), 1.0)
        fig.tight_layout()
        return save_figure(fig, out, stem)


def transfer(res: dict, out: Path, stem: str) -> list[str]:
    """Spearman matrix of the final validation accuracies and the transfer-regret matrix."""
    labels = [n.split("/")[-1] for n in res["benchmarks"]]
    k = len(labels)
    with plt.rc_context(RC):
        size = 2.2 + 0.25 * k
        fig, (a, b) = plt.subplots(1, 2, figsize=(min(DOUBLE_COL_IN, 2 * size), size * 0.85))
        fs = 6.0 if k <= 4 else 4.5
        _heatmap(a, np.array(res["spearman_valid"]), labels, labels, fmt="{:.2f}", cmap="viridis", vmin=-0.2, vmax=1,
                 fontsize=fs)
        a.set_title("Spearman, final validation acc.")
        _heatmap(b, np.array(res["transfer_regret"]), labels, labels, fmt="{:.1f}", cmap="magma_r", fontsize=fs)
        b.set_title("test regret: search row, deploy column")
        fig.tight_layout()
        return save_figure(fig, out, stem)


def nb201_paper(res: dict, out: Path, stem: str) -> list[str]:
    """The NB201 paper's six-set Pearson matrix: all architectures, CIFAR-10 test > 92 and > 93."""
    sets = res["sets"]
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, 3, figsize=(DOUBLE_COL_IN, 2.5))
        for ax, key in zip(axes, ("all", "c10_test_gt_92", "c10_test_gt_93")):
            _heatmap(ax, np.array(res[key]["matrix"]), sets, sets, fmt="{:.2f}", vmin=0.3, vmax=1, fontsize=4.5)
            ax.set_title({"all": "all", "c10_test_gt_92": "C10 test > 92%", "c10_test_gt_93": "C10 test > 93%"}[key]
                         + f" (n={res[key]['n_archs']})")
        fig.tight_layout()
        return save_figure(fig, out, stem)


def search_check(rows: list[dict], out: Path, stem: str) -> list[str]:
    """Measured final regret of ls and re (mean, 95% CI) beside the models' predictions: search signal, test."""
    names = [r["benchmark"] for r in rows]
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, 2, figsize=(DOUBLE_COL_IN, 2.7))
        x = np.arange(len(names))
        for ax, metric, pred, rs, title in (
                (axes[0], "signal_regret", "predicted_ls_signal_regret", "predicted_rs_signal_regret", "search-signal regret"),
                (axes[1], "test_regret", "predicted_ls_regret", "predicted_rs_regret", "test regret")):
            for off, strat, colour in ((-0.15, "ls", OKABE_ITO[0]), (0.15, "re", OKABE_ITO[1])):
                cells = [r["measured"].get(metric, {}).get(strat, {}) for r in rows]
                m = np.array([c.get("mean", np.nan) for c in cells])
                lo = np.array([c.get("ci95", [np.nan, np.nan])[0] for c in cells])
                hi = np.array([c.get("ci95", [np.nan, np.nan])[1] for c in cells])
                ax.errorbar(x + off, m, yerr=[m - lo, hi - m], fmt="o", ms=3, color=colour, capsize=1.5,
                            label=f"{strat} measured")
            ax.scatter(x - 0.15, [r[pred] for r in rows], marker="x", color=OKABE_ITO[0], s=16, label="ls, basin model")
            ax.scatter(x, [r[rs] for r in rows], marker="_", color="0.3", s=50, label="random search, exact")
            ax.set_xticks(x, [n.split("/")[-1] for n in names], fontsize=6, rotation=60, ha="right")
            ax.set_ylabel(f"final {title} (points)")
            ax.set_yscale("symlog", linthresh=0.1)
            positive = [v for r in rows for v in (r[pred], r[rs]) if v > 0]
            if positive:
                ax.set_ylim(bottom=min(0.05, 0.5 * min(positive)))
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, frameon=False, fontsize=6, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 0.98))
        fig.tight_layout()
        return save_figure(fig, out, stem)


def strategy_ci(cmp: dict, out: Path, stem: str) -> list[str]:
    """Per benchmark: every strategy's mean final value with its 95% bootstrap interval."""
    benches = cmp["benchmarks"]
    strategies = sorted({s for b in benches for s in cmp["per_benchmark"][b]["strategies"]})
    colour = {s: OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(strategies)}
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(max(SINGLE_COL_IN, 0.6 * len(benches) * max(1, len(strategies) / 3) + 1.5), 2.6))
        width = 0.8 / max(len(strategies), 1)
        for j, s in enumerate(strategies):
            xs, m, lo, hi = [], [], [], []
            for i, b in enumerate(benches):
                row = cmp["per_benchmark"][b]["strategies"].get(s)
                if row is None:
                    continue
                xs.append(i - 0.4 + width * (j + 0.5))
                m.append(row["mean"])
                lo.append(row["ci95"][0])
                hi.append(row["ci95"][1])
            m, lo, hi = map(np.array, (m, lo, hi))
            ax.errorbar(xs, m, yerr=[m - lo, hi - m], fmt="o", ms=3, capsize=1.5, color=colour[s], label=s)
        ax.set_xticks(range(len(benches)), [b.replace("/", "/\n") for b in benches], fontsize=6)
        ax.set_ylabel(cmp["metric"].replace("_", " "))
        if cmp["metric"].endswith("regret"):
            ax.set_yscale("symlog", linthresh=0.1)
        ax.legend(frameon=False, fontsize=6, ncol=min(len(strategies), 6), loc="lower center", bbox_to_anchor=(0.5, 1.0))
        return save_figure(fig, out, stem)


def cd_diagram(cd: dict, out: Path, stem: str) -> list[str]:
    """Critical-difference diagram (Demsar 2006): average ranks on an axis, non-significant groups joined."""
    names, ranks = cd["strategies"], np.array(cd["average_ranks"])
    k = len(names)
    order = np.argsort(ranks, kind="stable")
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(SINGLE_COL_IN + 1.0, 1.0 + 0.18 * k))
        ax.set_xlim(1, k)
        ax.set_ylim(0, 1)
        ax.axis("off")
        ax.hlines(0.8, 1, k, color="k", lw=0.8)
        for t in range(1, k + 1):
            ax.vlines(t, 0.8, 0.84, color="k", lw=0.8)
            ax.text(t, 0.87, str(t), ha="center", va="bottom", fontsize=7)
        ax.hlines(0.97, 1, 1 + cd["cd"], color="k", lw=1.2)
        ax.text(1 + cd["cd"] / 2, 0.985, f"CD = {cd['cd']:.2f}", ha="center", va="bottom", fontsize=6)
        half = (k + 1) // 2
        step = 0.6 / max(half, 1)
        for pos, idx in enumerate(order):
            r = ranks[idx]
            left = pos < half
            y = 0.72 - step * (pos if left else k - 1 - pos)
            xe = 1 - 0.05 * (k - 1) if left else k + 0.05 * (k - 1)
            ax.plot([r, r, xe], [0.8, y, y], color="k", lw=0.6, clip_on=False)
            ax.text(xe + (-0.02 if left else 0.02) * (k - 1), y, f"{names[idx]} ({r:.2f})",
                    ha="right" if left else "left", va="center", fontsize=6, clip_on=False)
        for g, group in enumerate(cd["cliques"]):
            rs = [ranks[names.index(s)] for s in group]
            yy = 0.76 - 0.035 * g
            ax.hlines(yy, min(rs) - 0.03, max(rs) + 0.03, color=OKABE_ITO[1], lw=2)
        ax.set_title(f"Friedman p = {cd['p_chi2']:.3g}, {cd['n_benchmarks']} benchmarks, alpha = {cd['alpha']}",
                     fontsize=7, pad=14)
        return save_figure(fig, out, stem)


def cost(rows: list[dict], out: Path, stem: str) -> list[str]:
    """Simulated GPU-hours per run (training for real) against measured harness seconds per run."""
    rows = [r for r in rows if np.isfinite(r.get("gpu_hours_per_run", np.nan))]
    labels = [f"{r['benchmark'].split('/')[-1]} {r['strategy']}" for r in rows]
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(max(SINGLE_COL_IN, 0.5 * len(rows) + 1.2), 2.6))
        x = np.arange(len(rows))
        ax.bar(x - 0.2, [r["gpu_hours_per_run"] * 3600 for r in rows], width=0.4, color=OKABE_ITO[0],
               label="simulated GPU seconds (training)")
        ax.bar(x + 0.2, [r["harness_seconds_per_run"] for r in rows], width=0.4, color=OKABE_ITO[1],
               label="harness seconds (table lookups)")
        ax.set_yscale("log")
        ax.set_xticks(x, labels, fontsize=6, rotation=45, ha="right")
        ax.set_ylabel("seconds per run")
        ax.legend(frameon=False, fontsize=6, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
        return save_figure(fig, out, stem)


__all__ = ["cd_diagram", "cost", "fidelity", "importance", "landscape", "nb201_paper", "save_figure", "search_check",
           "slug", "strategy_ci", "transfer"]
