"""report.html of a predictor-evaluation preset or folder."""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from reproduce.render.html import (
    DATA_FORMAT,
    base_layout,
    esc,
    files_html,
    final_figure,
    notes_html,
    num,
    output_files,
    provenance_html,
    render_page,
    rgba,
    sortable_table,
    strategy_colors,
    write_page,
)
from reproduce.store.provenance import provenance


def write_predictor_html(out_dir: Path, preset, frame: pd.DataFrame, doc: dict) -> Path:
    """``report.html`` of a predictors preset from its tidy rows (``results.csv``) and summary."""
    import plotly.graph_objects as go

    from predictors.evaluation import format_ci
    from reproduce.render.tables import jsonable

    out_dir = Path(out_dir)
    meta = doc["meta"]
    results = doc["results"]
    sizes = [str(s) for s in meta["train_sizes"]]
    order = list(results)
    sections, figures = [], {}
    rows = []
    for p in order:
        cells = [results[p]["sizes"][s] for s in sizes]
        rows.append([(esc(p), p), (esc(results[p]["encoding"]), results[p]["encoding"])]
                    + [(f"{c['spearman']:.3f} <span class='small'>{format_ci(c['spearman_lo'], c['spearman_hi'])}</span>",
                        c["spearman"]) for c in cells]
                    + [(f"{cells[-1]['kendall']:.3f}", cells[-1]["kendall"]),
                       (f"{cells[-1]['fit_time']:.3f}", cells[-1]["fit_time"])])
    table = sortable_table(["predictor", "encoding", *(f"Spearman n={s}" for s in sizes), f"Kendall n={sizes[-1]}",
                            f"fit s n={sizes[-1]}"], rows, cls="comparison", table_id="table-predictors")
    notes = [f"Protocol: {meta['protocol']}.", *([f"Reference: {meta['source']}."] if meta.get("source") else []),
             *meta.get("notes", [])]
    sections.append(("table", "Comparison table", "<p>Spearman: mean [95% CI] over trials.</p>" + table
                     + "<h3>Notes</h3>" + notes_html(notes)))

    colors = strategy_colors(order)
    fig = go.Figure()
    for p in order:
        xs = [int(s) for s in sizes]
        c = [results[p]["sizes"][s] for s in sizes]
        fig.add_trace(go.Scatter(x=xs, y=[v["spearman_hi"] for v in c], mode="lines", line={"width": 0}, hoverinfo="skip",
                                 showlegend=False, legendgroup=p, name=f"{p} upper"))
        fig.add_trace(go.Scatter(x=xs, y=[v["spearman_lo"] for v in c], mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor=rgba(colors[p], 0.18), hoverinfo="skip", showlegend=False, legendgroup=p,
                                 name=f"{p} lower"))
        fig.add_trace(go.Scatter(x=xs, y=[v["spearman"] for v in c], mode="lines+markers", name=p, legendgroup=p,
                                 line={"color": colors[p], "width": 2},
                                 customdata=[[v["spearman_lo"], v["spearman_hi"], v["trials"]] for v in c],
                                 hovertemplate=(f"<b>{html.escape(p)}</b> n=%{{x}}<br>Spearman %{{y:.3f}} "
                                                "[%{customdata[0]:.3f}, %{customdata[1]:.3f}]<br>%{customdata[2]} trials"
                                                "<extra></extra>")))
    fig.update_xaxes(type="log", title_text="training set size (architectures)")
    fig.update_yaxes(title_text="Spearman rank correlation")
    base_layout(fig, 1, f"{meta['benchmark']}: Spearman against training set size (mean, 95% CI)")
    figures["fig-spearman"] = fig
    sections.append(("anytime", "Spearman vs training size", '<div class="plot" id="fig-spearman"></div>'))

    last = int(sizes[-1])
    at = frame[frame["train_size"] == last]
    groups = [{"panel": f"n = {last}", "strategy": p, "y": [num(v) for v in at.loc[at["predictor"] == p, "spearman"]],
               "seeds": [int(v) for v in at.loc[at["predictor"] == p, "trial"]],
               "values": [num(v) for v in at.loc[at["predictor"] == p, "kendall"]], "value_name": "Kendall tau",
               "files": ["results.csv"] * int((at["predictor"] == p).sum())} for p in order]
    figures["fig-final"] = final_figure(groups, order, [f"n = {last}"], f"Spearman per trial at {last} training architectures",
                                        "Spearman")
    sections.append(("seeds", "Per-trial results", '<div class="plot" id="fig-final"></div><p class="small">Every trial is '
                     'a row of <a href="results.csv">results.csv</a> (hover: trial, Kendall tau).</p>'))
    prov = provenance(out_dir, [meta["benchmark"]], getattr(preset, "path", None))
    sections.append(("provenance", "Provenance", provenance_html(prov)))
    sections.append(("files", "Files", files_html(output_files(out_dir))))
    data = {"format": DATA_FORMAT, "kind": "predictors", "meta": meta, "results": results,
            "trials": frame.to_dict(orient="list"), "failures": [], "provenance": prov}
    subtitle = (f"preset <code>{esc(meta['name'])}</code> · {meta['trials']} trials × {len(order)} predictors on "
                f"{esc(meta['benchmark'])}")
    return write_page(out_dir, render_page(meta.get("title") or meta["name"], subtitle, sections, figures, jsonable(data)))


__all__ = ["write_predictor_html"]
