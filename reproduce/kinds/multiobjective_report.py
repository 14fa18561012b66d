"""The report of a hardware-aware multi-objective preset (``kind = "multiobjective"``).

``mo_specs(preset)`` lists every (device, strategy, seed) run; ``collect_mo`` reads the stored
runs (``reproduce.store.results``) and ``write_mo_report`` writes into ``out_dir``:

* ``table.md`` / ``table.tex``: one block per (budget, split), split = validation or test
  hypervolume regret; a row per strategy, a column per device; cells ``mean ± std`` over
  seeds (sample std, ddof 1) of the regret at the budget, **in % of the normalised
  objective box** (``100 x (hv(true front) - hv(attained))``, so 0 = the true front found and
  100 = nothing); the lowest mean per column (after rounding to 2 decimals) in bold. The
  footnote gives the protocol: reference point, normalisation (each device's latency range),
  true front sizes and hypervolumes.
* ``fronts.png/.pdf``: per device, the attained front (final test accuracy vs latency) of the
  median-hypervolume seed of each strategy, with the table's true test front as a black step
  line.
* ``hv_regret_queries.png/.pdf``: per device, mean hypervolume regret (test) over queries with
  95 % bootstrap bands over seeds (:func:`reproduce.render.figures.bootstrap_mean_ci`).
* ``summary.json``: every number of the tables, unrounded (same unit), the protocol, the
  plotted fronts and the figures.

Hypervolume space (see :mod:`strategies.moloop`): objectives turned into minimisation and
normalised to [0, 1] by the table's min/max of each objective; reference point (1, 1).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from nasbench.atomic import write_text_atomic
from reproduce.render import figures as plots
from reproduce.render.tables import fmt_pm, jsonable, latex_cell, latex_escape
from reproduce.store.results import read_specs
from strategies.loop import Budget
from strategies.runner import RunSpec

if TYPE_CHECKING:
    from reproduce.kinds.multiobjective import MOPreset

plt = plots.plt

DEVICE_LABELS = {"fpga": "FPGA", "raspi4": "Raspberry Pi 4", "pixel3": "Pixel 3", "pixel2": "Pixel 2",
                 "edgegpu": "Edge GPU", "edgetpu": "Edge TPU", "eyeriss": "Eyeriss"}
SPLITS = (("valid", "Validation"), ("test", "Test"))
#: the table's and summary's unit: hypervolume regret x 100 (% of the normalised objective box)
SCALE = 100.0
#: the fronts figure shows accuracies within this many points of the best one shown
ZOOM_POINTS = 20.0


def device_label(device: str) -> str:
    """``raspi4`` -> ``Raspberry Pi 4`` (unknown devices as given)."""
    return DEVICE_LABELS.get(device, device)


def _reporter(preset: MOPreset, device: str, signal: str):
    """The :class:`~strategies.moloop.MOReporter` of one device (true fronts, reported objectives)."""
    import nasbench
    from nasbench.evaluator import MultiObjectiveEvaluator
    from strategies.moloop import MOReporter

    bench = nasbench.load(preset.benchmark)
    evaluator = MultiObjectiveEvaluator(bench, rng=np.random.default_rng(0), noise=preset.noise,
                                        objectives=[(signal, "max"), *preset.objectives(device)])
    return MOReporter(bench, evaluator)


def _front_points(raw: np.ndarray) -> list[list[float]]:
    """``[[latency, accuracy], ...]`` of the non-dominated rows of ``raw`` (accuracy max, latency
    min), sorted by latency."""
    from strategies.pareto import pareto_front, to_minimisation

    raw = raw[~np.isnan(raw).any(axis=1)]
    if not len(raw):
        return []
    keep = raw[pareto_front(to_minimisation(raw, ("max", "min")))]
    keep = keep[np.lexsort((-keep[:, 0], keep[:, 1]))]
    return [[float(lat), float(acc)] for acc, lat in keep]


def _change_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if not len(a):
        return np.empty(0, dtype=np.int64)
    changed = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    return np.union1d(np.flatnonzero(changed), [len(a) - 1])


def collect_mo(preset: MOPreset, specs: list[RunSpec], runs_dir: Path, *,
               missing: list[RunSpec] | None = None) -> tuple[dict, pd.DataFrame, pd.DataFrame, dict]:
    """(meta, finals, curves, fronts) for :func:`write_mo_report`.

    ``finals``: strategy, device, budget, seed, split, regret (x100). ``curves``: strategy,
    device, seed, queries, valid, test (regret x100 at each change). ``fronts``: per device the
    true test front and, per strategy, the attained front of its median-hypervolume seed.
    A run without a readable result file raises ResultFileError, or is appended to ``missing``
    (when given) and left out.
    """
    labels = {(s.name, tuple(sorted(s.hyperparameters.items()))): s.label for s in preset.strategies}
    device_of = {preset.objectives(d): d for d in preset.devices}
    budgets = [Budget.parse(b) for b in preset.budgets]
    final_budget = str(max(budgets, key=lambda b: b.amount))
    finals, curves, sets, protocol = [], [], {}, None
    for spec, traj, _ in read_specs(specs, runs_dir, missing):
        protocol = protocol or traj.protocol
        label = labels[(spec.strategy, tuple(sorted(spec.hyperparameters.items())))]
        device = device_of[tuple(spec.objectives)]
        axis = traj["queries"] if budgets[0].is_queries else traj["time"]
        hv = {s: traj[f"hv_{s}_regret"] * SCALE for s, _ in SPLITS}
        for budget in budgets:
            row = int(np.searchsorted(axis, budget.amount, side="right")) - 1
            for split, _ in SPLITS:
                finals.append((label, device, str(budget), spec.seed, split, float(hv[split][row]) if row >= 0 else SCALE))
        for i in _change_rows(hv["valid"], hv["test"]):
            curves.append((label, device, spec.seed, int(traj["queries"][i]), float(traj["time"][i]),
                           float(hv["valid"][i]), float(hv["test"][i])))
        sets[(label, device, spec.seed)] = list(traj.protocol.get("pareto_set", []))
    finals_df = pd.DataFrame(finals, columns=["strategy", "device", "budget", "seed", "split", "regret"])
    curves_df = pd.DataFrame(curves, columns=["strategy", "device", "seed", "queries", "time", "valid", "test"])

    signal = str((protocol or {}).get("signal", preset.signal))
    true, fronts = {}, {}
    for device in preset.devices:
        rep = _reporter(preset, device, signal)
        lat = rep.test[:, 1]
        acc = {s: getattr(rep, s)[:, 0] for s, _ in SPLITS}
        true[device] = {
            "front_size": {s: int(len(rep.true_front(s))) for s, _ in SPLITS},
            "hv": {s: float(rep.true[s][2]) for s, _ in SPLITS},
            "latency_range_ms": [float(np.nanmin(lat)), float(np.nanmax(lat))],
            "accuracy_range": {s: [float(np.nanmin(acc[s])), float(np.nanmax(acc[s]))] for s, _ in SPLITS},
        }
        fronts[device] = {"true": _front_points(rep.test[rep.true_front("test")]), "attained": {}}
        at = finals_df[(finals_df["device"] == device) & (finals_df["budget"] == final_budget) & (finals_df["split"] == "test")]
        for s in preset.strategies:
            part = at[at["strategy"] == s.label].sort_values(["regret", "seed"], kind="stable")
            if part.empty:
                continue
            median = part.iloc[(len(part) - 1) // 2]
            seed = int(median["seed"])
            archs = np.asarray(sets[(s.label, device, seed)], dtype=np.int64)
            fronts[device]["attained"][s.label] = {
                "seed": seed, "hv_test_regret": float(median["regret"]), "archs": archs.tolist(),
                "points": [[float(rep.test[a, 1]), float(rep.test[a, 0])] for a in archs],
                "front": _front_points(rep.test[archs]) if len(archs) else [],
            }
    n_seeds = len({s.seed for s in specs})
    meta = {
        "name": preset.name,
        "title": preset.title,
        "kind": "multiobjective",
        "benchmark": preset.benchmark,
        "signal": signal,
        "noise": str((protocol or {}).get("noise", preset.noise)),
        "cost_model": str((protocol or {}).get("cost_model", "?")),
        "devices": list(preset.devices),
        "device_labels": {d: device_label(d) for d in preset.devices},
        "strategies": [s.label for s in preset.strategies],
        "budgets": list(preset.budgets),
        "final_budget": final_budget,
        "workers": preset.workers,
        "seeds": n_seeds,
        "true_fronts": true,
        "hypervolume": (protocol or {}).get("hypervolume", ""),
        "source": preset.source,
        "notes": list(preset.notes),
    }
    return meta, finals_df, curves_df, fronts


# ---------------------------------------------------------------------------------------------
# numbers and tables


def summarise_mo(meta: dict, finals: pd.DataFrame) -> dict:
    """``budget -> split -> strategy -> device -> {mean, std, n}`` (regret x100)."""
    groups = {k: g["regret"].to_numpy(float) for k, g in finals.groupby(["budget", "split", "strategy", "device"])}
    out: dict = {}
    for budget in meta["budgets"]:
        out[budget] = {}
        for split, _ in SPLITS:
            out[budget][split] = {}
            for s in meta["strategies"]:
                cells = {}
                for d in meta["devices"]:
                    v = groups.get((budget, split, s, d), np.empty(0))
                    v = v[np.isfinite(v)]
                    cells[d] = {"mean": float(v.mean()) if v.size else None,
                                "std": float(v.std(ddof=1)) if v.size > 1 else None, "n": int(v.size)}
                out[budget][split][s] = cells
    return out


def best_mo(meta: dict, results: dict) -> dict:
    """``budget -> split -> device -> [strategies]`` with the lowest mean after rounding to 2 decimals."""
    best: dict = {}
    for budget, per_split in results.items():
        best[budget] = {}
        for split, per_strategy in per_split.items():
            best[budget][split] = {}
            for d in meta["devices"]:
                shown = {s: round(c[d]["mean"], 2) for s, c in per_strategy.items() if c[d]["mean"] is not None}
                low = min(shown.values()) if shown else None
                best[budget][split][d] = [s for s, v in shown.items() if v == low]
    return best


def _rows(meta: dict, results: dict, best: dict, budget: str, split: str, pm: str, bold: str) -> list[list[str]]:
    rows = []
    for s in meta["strategies"]:
        cells = []
        for d in meta["devices"]:
            c = results[budget][split][s][d]
            text = fmt_pm(c["mean"], c["std"], pm)
            cells.append(bold.format(text) if s in best[budget][split][d] else text)
        rows.append([s, *cells])
    return rows


def protocol_lines(meta: dict) -> list[str]:
    """The footnote lines (plain text) shared by both table formats."""
    tf = meta["true_fronts"]
    ranges = "; ".join(f"{meta['device_labels'][d]} {tf[d]['latency_range_ms'][0]:.3g}–{tf[d]['latency_range_ms'][1]:.3g} ms"
                       for d in meta["devices"])
    sizes = "; ".join(f"{meta['device_labels'][d]} {tf[d]['front_size']['valid']} / {tf[d]['front_size']['test']} "
                      f"(HV {tf[d]['hv']['valid']:.4f} / {tf[d]['hv']['test']:.4f})" for d in meta["devices"])
    acc = next(iter(tf.values()))["accuracy_range"]
    n = meta["seeds"]
    return [
        f"Hypervolume regret = 100 x (HV(true front) − HV(attained)), in % of the normalised objective box "
        f"(0 = the true front recovered); mean ± std over n = {n} seeds (sample std, ddof 1). Bold: lowest mean per column.",
        f"Protocol: search on {meta['benchmark']} with signal {meta['signal']} (maximised), noise model {meta['noise']}, "
        f"cost {meta['cost_model']}, vs the device's latency (ms, minimised, free lookup); budget {' / '.join(meta['budgets'])}, "
        f"{meta['workers']} worker(s), seeds 0..{n - 1}. Attained front: the strategy's Pareto set (chosen on the "
        f"search signal) with its accuracy replaced by the final validation (resp. test) accuracy, mean over replicates.",
        f"Hypervolume space: both objectives minimised and normalised to [0, 1] by the table's range (accuracy "
        f"{acc['test'][0]:.2f}–{acc['test'][1]:.2f} % test, {acc['valid'][0]:.2f}–{acc['valid'][1]:.2f} % valid; "
        f"latency {ranges}); reference point (1, 1), i.e. the table's worst value of each objective.",
        f"True fronts (all {meta['benchmark']} architectures, exhaustive), size valid / test: {sizes}.",
        *[str(x) for x in meta.get("notes", [])],
    ]


def markdown_mo(meta: dict, results: dict, best: dict) -> str:
    header = ["Strategy", *(meta["device_labels"][d] for d in meta["devices"])]
    out = [f"# {meta['title']}", ""]
    for budget in meta["budgets"]:
        for split, name in SPLITS:
            out += [f"## {name} hypervolume regret (%), budget {budget}", ""]
            out.append("| " + " | ".join(header) + " |")
            out.append("|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|")
            out += ["| " + " | ".join(r) + " |" for r in _rows(meta, results, best, budget, split, " ± ", "**{}**")]
            out.append("")
    out += ["Notes:", ""] + [f"- {line}" for line in protocol_lines(meta)]
    return "\n".join(out) + "\n"


def latex_mo(meta: dict, results: dict, best: dict) -> str:
    nd = len(meta["devices"])
    lines = [
        "% generated by reproduce/kinds/multiobjective.py; needs \\usepackage{booktabs}",
        "\\begin{table}[t]", "\\centering",
        f"\\caption{{{latex_escape(meta['title'])}}}",
        f"\\label{{tab:{re.sub(r'[^A-Za-z0-9:-]', '-', meta['name'])}}}",
        "\\small", f"\\begin{{tabular}}{{l{'r' * nd}}}", "\\toprule",
        " & ".join(["Strategy", *(latex_escape(meta["device_labels"][d]) for d in meta["devices"])]) + " \\\\",
    ]
    for budget in meta["budgets"]:
        for split, name in SPLITS:
            lines += ["\\midrule",
                      f"\\multicolumn{{{nd + 1}}}{{l}}{{\\emph{{{name} hypervolume regret (\\%), "
                      f"budget {latex_escape(budget)}}}}} \\\\"]
            for row in _rows(meta, results, best, budget, split, " $\\pm$ ", "\\textbf{{{}}}"):
                lines.append(" & ".join([latex_escape(row[0]), *(latex_cell(c) for c in row[1:])]) + " \\\\")
    notes = protocol_lines(meta)
    lines += ["\\bottomrule", "\\end{tabular}", "", "\\smallskip", "\\footnotesize"]
    lines += [latex_escape(x) + " \\\\" for x in notes[:-1]] + [latex_escape(notes[-1]), "\\end{table}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# figures


def _log_x(values: list[float]) -> bool:
    v = np.asarray([x for x in values if x > 0])
    return v.size > 1 and v.max() / v.min() > 100


def plot_fronts(meta: dict, fronts: dict, out_dir: Path) -> dict:
    """Attained fronts (median-HV seed per strategy) vs the true test front, one panel per device."""
    strategies = meta["strategies"]
    sty = plots.style(strategies)
    info: dict = {"panels": {}}
    with plt.rc_context(plots.RC):
        fig, axes = plots.panel_grid(len(meta["devices"]), panel_h=2.5)
        for ax, d in zip(axes, meta["devices"]):
            true = np.asarray(fronts[d]["true"], float).reshape(-1, 2)
            pts = [np.asarray(a["points"], float).reshape(-1, 2) for a in fronts[d]["attained"].values()]
            every = np.vstack([true, *pts]) if pts else true
            if len(true):
                ax.step(true[:, 0], true[:, 1], where="post", color="black", linewidth=1.0, label="true front", zorder=2)
                ax.plot(true[:, 0], true[:, 1], linestyle="none", marker=".", markersize=2.5, color="black", zorder=2)
            for s, a in fronts[d]["attained"].items():
                p = np.asarray(a["points"], float).reshape(-1, 2)
                f = np.asarray(a["front"], float).reshape(-1, 2)
                if len(f):
                    ax.step(f[:, 0], f[:, 1], where="post", color=sty[s]["color"], linestyle=sty[s]["linestyle"],
                            linewidth=1.0, alpha=0.9, zorder=3)
                ax.plot(p[:, 0], p[:, 1], linestyle="none", marker=sty[s]["marker"], markersize=3.2,
                        color=sty[s]["color"], markeredgewidth=0, alpha=0.85, zorder=4, label=s)
            # Zoom on the accurate end: the table also holds degenerate architectures (~10 %,
            # near-zero latency) that are on every front but would flatten the interesting part.
            top = float(np.nanmax(every[:, 1])) if len(every) else 100.0
            inside = every[every[:, 1] >= top - ZOOM_POINTS] if len(every) else every
            bottom = float(np.nanmin(inside[:, 1])) - 1.0 if len(inside) else top - ZOOM_POINTS
            hidden = int((every[:, 1] < bottom).sum()) if len(every) else 0
            lat = inside[:, 0] if len(inside) else np.array([1.0])
            log_x = _log_x(list(lat))
            if log_x:
                ax.set_xscale("log")
                ax.set_xlim(lat.min() / 1.25, lat.max() * 1.25)
            else:
                pad = 0.04 * (lat.max() - lat.min() or 1.0)
                ax.set_xlim(lat.min() - pad, lat.max() + pad)
            ax.set_ylim(bottom, top + 0.6)
            if hidden:
                ax.text(0.98, 0.03, f"{hidden} point(s) below {bottom:.0f} % not shown", transform=ax.transAxes,
                        fontsize=6, color="0.35", ha="right", va="bottom")
            ax.set_title(f"{meta['device_labels'][d]}")
            ax.set_xlabel(f"latency on {meta['device_labels'][d]} (ms{', log scale' if log_x else ''})")
            info["panels"][d] = {"log_x": bool(log_x), "y_min": bottom, "hidden_points": hidden,
                                 "seeds": {s: a["seed"] for s, a in fronts[d]["attained"].items()}}
        for ax in axes[:: min(len(meta["devices"]), plots.MAX_COLS)]:
            ax.set_ylabel("final test accuracy (%)")
        fig.tight_layout(w_pad=1.0, h_pad=1.2)
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color="black", linewidth=1.0, marker=".", markersize=2.5, label="true front")]
        handles += [Line2D([], [], color=sty[s]["color"], linestyle=sty[s]["linestyle"], linewidth=1.0,
                           marker=sty[s]["marker"], markersize=3.2, markeredgewidth=0, label=s) for s in strategies]
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles), frameon=False,
                   handlelength=2.2, columnspacing=1.2)
        fig.text(0.5, 0.0, f"attained front of each strategy's median-hypervolume seed (test) at {meta['final_budget']}; "
                 "true front: all architectures of the table", ha="center", va="top", fontsize=6.5, color="0.3")
        info["files"] = plots.save_figure(fig, out_dir, "fronts")
    return info


def plot_hv_regret(meta: dict, curves: pd.DataFrame, out_dir: Path, split: str = "test") -> dict:
    """Mean hypervolume regret (x100) over queries with 95 % bootstrap bands, one panel per device."""
    strategies = meta["strategies"]
    sty = plots.style(strategies)
    info: dict = {"split": split, "panels": {}}
    with plt.rc_context(plots.RC):
        fig, axes = plots.panel_grid(len(meta["devices"]))
        for ax, d in zip(axes, meta["devices"]):
            sub = curves[curves["device"] == d]
            grid, log_x = plots.step_grid(sub["queries"].to_numpy(), integer=True)
            drawn, seeds = [], {}
            for s in strategies:
                part = sub[sub["strategy"] == s]
                if part.empty:
                    continue
                mat = plots.seed_matrix(part, "queries", split, grid)
                mean, lo, hi = plots.bootstrap_mean_ci(mat)
                enough = np.isfinite(mat).sum(0) >= plots.MIN_SEED_FRACTION * mat.shape[0]
                mean, lo, hi = (np.where(enough, a, np.nan) for a in (mean, lo, hi))
                ax.fill_between(grid, lo, hi, color=sty[s]["color"], alpha=0.2, linewidth=0)
                ax.plot(grid, mean, color=sty[s]["color"], linestyle=sty[s]["linestyle"], label=s)
                drawn += [mean, lo]
                seeds[s] = int(mat.shape[0])
            log_y = plots.wants_log_y(drawn)
            if log_x:
                ax.set_xscale("log")
            if log_y:
                ax.set_yscale("log", nonpositive="mask")
                plots.floor_positive_bands(ax)
            ax.set_title(meta["device_labels"][d])
            ax.set_xlabel("queries (architectures evaluated)")
            info["panels"][d] = {"log_x": bool(log_x), "log_y": bool(log_y), "seeds": seeds}
        for ax in axes[:: min(len(meta["devices"]), plots.MAX_COLS)]:
            ax.set_ylabel(f"{'test' if split == 'test' else 'validation'} HV regret (% of box)")
        fig.tight_layout(w_pad=1.0, h_pad=1.2)
        plots.legend_above(fig, axes, strategies)
        fig.text(0.5, 0.0, "mean over seeds; band: 95 % bootstrap CI", ha="center", va="top", fontsize=6.5, color="0.3")
        info["files"] = plots.save_figure(fig, out_dir, f"hv_regret_queries{'' if split == 'test' else '_valid'}")
    return info


# ---------------------------------------------------------------------------------------------
# output


def write_mo_report(meta: dict, finals: pd.DataFrame, curves: pd.DataFrame, fronts: dict, out_dir: Path) -> dict:
    """Write ``table.md``, ``table.tex``, the figures and ``summary.json``; returns the summary."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = summarise_mo(meta, finals)
    best = best_mo(meta, results)
    write_text_atomic(out_dir / "table.md", markdown_mo(meta, results, best))
    write_text_atomic(out_dir / "table.tex", latex_mo(meta, results, best))
    figures: dict[str, Any] = {"fronts": plot_fronts(meta, fronts, out_dir)}
    if not curves.empty:
        figures["hv_regret_queries"] = plot_hv_regret(meta, curves, out_dir, "test")
        figures["hv_regret_queries_valid"] = plot_hv_regret(meta, curves, out_dir, "valid")
    summary = jsonable({
        "meta": {**meta, "unit": "hypervolume regret x 100 (% of the normalised objective box)",
                 "protocol": protocol_lines(meta)},
        "results": results,
        "best": best,
        "fronts": fronts,
        "figures": figures,
        "files": ["table.md", "table.tex", "summary.json"],
    })
    write_text_atomic(out_dir / "summary.json", json.dumps(summary, indent=2, allow_nan=False) + "\n")
    return summary



__all__ = ["DEVICE_LABELS", "SCALE", "SPLITS", "best_mo", "collect_mo", "device_label", "latex_mo", "markdown_mo",
           "plot_fronts", "plot_hv_regret", "protocol_lines", "summarise_mo", "write_mo_report"]
