"""report.html of a multi-objective preset."""
from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from reproduce.render.html import (
    DATA_FORMAT,
    anytime_figure,
    base_layout,
    esc,
    explorer_controls,
    failures_html,
    files_html,
    final_figure,
    index_runs,
    notes_html,
    num,
    output_files,
    pm,
    provenance_html,
    render_page,
    sortable_table,
    strategy_colors,
    subplots,
    write_page,
)
from reproduce.store.provenance import provenance


def write_mo_html(out_dir: Path, preset, specs: Sequence, meta: dict, finals: pd.DataFrame, curves: pd.DataFrame,
                  fronts: dict, *, missing: Sequence = ()) -> Path:
    """``report.html`` of a multi-objective preset from :func:`reproduce.kinds.multiobjective.collect_mo`'s output."""
    import plotly.graph_objects as go

    from reproduce.kinds.multiobjective_report import SPLITS, best_mo, protocol_lines, summarise_mo
    from reproduce.render.tables import jsonable

    out_dir = Path(out_dir)
    strategies = list(meta["strategies"])
    devices = list(meta["devices"])
    dl = meta["device_labels"]
    labels = {(s.name, tuple(sorted(s.hyperparameters.items()))): s.label for s in preset.strategies}
    device_of = {preset.objectives(d): d for d in preset.devices}

    def group(spec):
        return device_of[tuple(spec.objectives)], labels[(spec.strategy, tuple(sorted(spec.hyperparameters.items())))]

    runs, failures = index_runs(specs, out_dir / "runs", out_dir, group, missing)
    results = summarise_mo(meta, finals) if not finals.empty else {}
    best = best_mo(meta, results) if results else {}
    sections, figures = [], {}

    tables = []
    for budget in meta["budgets"]:
        for split, name in SPLITS:
            rows = []
            for s in strategies:
                row = [(esc(s), s)]
                for d in devices:
                    c = results.get(budget, {}).get(split, {}).get(s, {}).get(d) or {"mean": None, "std": None}
                    text = pm(c["mean"], c["std"])
                    is_best = s in best.get(budget, {}).get(split, {}).get(d, [])
                    row.append((text, "" if c["mean"] is None else c["mean"], "best" if is_best else ""))
                rows.append(row)
            tables.append(f"<h3>{esc(name)} hypervolume regret (%), budget {esc(budget)}</h3>"
                          + sortable_table(["Strategy", *(dl[d] for d in devices)], rows, cls="comparison",
                                           table_id=f"table-{budget}-{split}"))
    notes = protocol_lines(meta) if meta.get("true_fronts") else list(meta.get("notes", []))
    sections.append(("table", "Comparison table", "".join(tables) + "<h3>Notes</h3>" + notes_html(notes)))

    anytime = ""
    if not curves.empty:
        for split, name in (("test", "test"), ("valid", "validation")):
            fid = f"fig-hv-{split}"
            figures[fid], _ = anytime_figure(curves, strategies, "queries", f"{name.capitalize()} hypervolume regret "
                                             "against queries (mean over seeds, band: 95% bootstrap CI)", panel="device",
                                             y=split, panel_titles=dl, y_label=f"{name} HV regret (% of box)", unit="%")
            anytime += f'<div class="plot" id="{fid}"></div>'
    sections.append(("anytime", "Anytime regret", anytime or "<p>No anytime curves.</p>"))

    if fronts:
        fig, rows_, cols = subplots([dl[d] for d in devices])
        colors = strategy_colors(strategies)
        shown = False
        for i, d in enumerate(devices):
            r, c = i // cols + 1, i % cols + 1
            true = fronts[d].get("true") or []
            fig.add_trace(go.Scatter(x=[p[0] for p in true], y=[p[1] for p in true], mode="lines+markers", name="true front",
                                     legendgroup="true front", showlegend=not shown,
                                     line={"shape": "hv", "color": "black", "width": 1},
                                     marker={"size": 3}, hovertemplate="true front<br>%{x:.4g} ms, %{y:.2f} %<extra></extra>"),
                          row=r, col=c)
            shown = True
            for s, a in fronts[d].get("attained", {}).items():
                pts = a.get("points") or []
                fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers", name=s, legendgroup=s,
                                         showlegend=i == 0, marker={"color": colors.get(s, "#333"), "size": 6},
                                         hovertemplate=(f"{html.escape(s)} (seed {a['seed']})<br>"
                                                        "%{x:.4g} ms, %{y:.2f} %<extra></extra>")),
                              row=r, col=c)
            fig.update_xaxes(title_text=f"latency on {dl[d]} (ms)", type="log", row=r, col=c)
            fig.update_yaxes(title_text="final test accuracy (%)" if c == 1 else None, row=r, col=c)
        base_layout(fig, rows_, f"Attained fronts (median-hypervolume seed per strategy, {meta.get('final_budget', '')}) "
                                 "vs the true test front")
        figures["fig-fronts"] = fig
        sections.append(("fronts", "Pareto fronts", '<div class="plot" id="fig-fronts"></div>'))

    per_seed = ""
    budgets = [str(b) for b in meta["budgets"]]
    final_budget = str(meta.get("final_budget", budgets[-1]))
    if not finals.empty:
        at = finals[(finals["budget"] == final_budget) & (finals["split"] == "test")]
        groups = []
        for d in devices:
            for s in strategies:
                part = at[(at["device"] == d) & (at["strategy"] == s)].sort_values("seed")
                e = runs.get((d, s))
                if part.empty or e is None:
                    continue
                seeds = [int(v) for v in part["seed"]]
                groups.append({"panel": dl[d], "strategy": s, "y": [num(v) for v in part["regret"]], "seeds": seeds,
                               "values": [num(v) for v in part["regret"]], "value_name": "test HV regret",
                               "files": [e["files"][e["seeds"].index(sd)] if sd in e["seeds"] else "" for sd in seeds]})
        figures["fig-final"] = final_figure(groups, strategies, [dl[d] for d in devices],
                                            f"Final test hypervolume regret per seed at budget {final_budget}",
                                            "test HV regret (% of box)", panel_titles={dl[d]: dl[d] for d in devices})
        per_seed = ('<div class="plot" id="fig-final"></div>' + "<h3>Every run</h3>"
                    + explorer_controls(devices, strategies, budgets, "device", final_budget))
    sections.append(("seeds", "Per-seed final results", per_seed or "<p>No finished runs.</p>"))
    sections.append(("failed", "Failed runs", failures_html(failures, "device")))
    prov = provenance(out_dir, [meta["benchmark"]], getattr(preset, "path", None))
    sections.append(("provenance", "Provenance", provenance_html(prov)))
    sections.append(("files", "Files", files_html(output_files(out_dir))))

    run_groups = []
    by = {k: g for k, g in finals.groupby(["device", "strategy"], sort=False)} if not finals.empty else {}
    for (d, s), e in runs.items():
        part = by.get((d, s))
        final = {}
        for budget in budgets:
            final[budget] = {}
            for split, _ in SPLITS:
                vals = {} if part is None else dict(zip(
                    part.loc[(part["budget"] == budget) & (part["split"] == split), "seed"].astype(int),
                    part.loc[(part["budget"] == budget) & (part["split"] == split), "regret"]))
                final[budget][split] = {"value": [num(vals.get(sd)) for sd in e["seeds"]],
                                        "regret": [num(vals.get(sd)) for sd in e["seeds"]]}
        run_groups.append({"key": d, "strategy": s, "dir": e["dir"], "seeds": e["seeds"], "files": e["files"], "final": final})
    data = {"format": DATA_FORMAT, "kind": "multiobjective", "meta": meta, "results": results, "best": best,
            "run_key_name": "device",
            "run_columns": [{"key": sp, "label": f"{nm} HV regret (%)", "regret": None} for sp, nm in SPLITS],
            "runs": run_groups, "failures": failures, "provenance": prov,
            "n_runs": {"expected": len(specs), "finished": len(specs) - len(failures), "failed": len(failures)}}
    subtitle = (f"preset <code>{esc(meta['name'])}</code> · {len(specs) - len(failures)} of {len(specs)} runs finished"
                f"{f' · <span class=err>{len(failures)} failed</span>' if failures else ''} · {len(strategies)} strategies × "
                f"{len(devices)} devices on {esc(meta['benchmark'])}")
    return write_page(out_dir, render_page(meta.get("title") or meta["name"], subtitle, sections, figures, jsonable(data)))


__all__ = ["write_mo_html"]
