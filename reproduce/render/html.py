"""The shell of ``report.html``: one self-contained, offline page per report folder (``--html``).
Each kind builds its page from these parts (``reproduce/kinds/*_page.py``); this module knows no kind.

The page holds everything it shows: plotly.js (from the ``plotly`` package) and the data are
inlined, so it opens from disk with no network and can be attached to a review or a wiki.
It shows, for a search preset (:func:`write_search_html`):

* the comparison table per budget (mean ± std over seeds, published numbers and
  ``ours − paper`` where the preset has them), sortable by a click on a column header, with
  the protocol notes of ``table.md``;
* anytime test regret against simulated time and against queries: the mean over seeds with a
  95 % bootstrap band (:func:`reproduce.render.figures.bootstrap_mean_ci`, as in the PNGs) on a
  :data:`GRID_POINTS`-point grid per panel, hover values, zoom, a strategy toggled on and off
  from the legend, a linear / log switch for the y axis;
* per-seed final results (box with every seed drawn, hover names the run file) for each
  budget, a filterable per-run table with a link to each run's JSON file, and the failed
  runs with the reason from their ``seed-NNNNN.error.json``;
* provenance: project version and git commit, Python and library versions, every table's
  file checksum and sources (with the shipped ``data/SHA256SUMS`` entries), the exact
  commands (``command.json``), the preset file as recorded when the runs were made;
* links to the PNG/PDF/LaTeX/Markdown/JSON outputs beside it.

Multi-objective presets (:func:`write_mo_html`) and predictor presets
(:func:`write_predictor_html`) get the same page with their own tables and figures.

Size: plotly.js is about 4.8 MB; only curves are aggregated onto a grid, final values are
every run's, unrounded. The embedded data (``<script id="nasbench-data"
type="application/json">``) holds every number the page shows (the run table is built from it
in the browser) and is what the tests check against the run files.
"""
from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasbench.atomic import write_text_atomic
from reproduce.store.provenance import COMMAND_FILE, project_version

PAGE = "report.html"
DATA_FORMAT = "nasbench-report-html/1"
#: points of the grid each panel's mean curve and band are drawn on (the PNGs use 100)
GRID_POINTS = 200
#: significant digits of the aggregated curves (final values are never rounded)
CURVE_DIGITS = 5
#: outputs linked from the page when present beside it, in this order
LINKED_SUFFIXES = (".md", ".tex", ".json", ".csv", ".png", ".pdf")
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "showTips": False,
               "toImageButtonOptions": {"format": "png", "scale": 2}}


# =============================================================================================
# data


def num(x: Any) -> float | None:
    """A float for JSON (None for NaN/inf/None)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def round_curve(values: np.ndarray, digits: int = CURVE_DIGITS) -> list:
    """Curve values to ``digits`` significant digits (None for NaN): aggregated curves only."""
    return [None if not math.isfinite(v) else float(f"{v:.{digits}g}") for v in np.asarray(values, float).tolist()]


def relpath(path: Path, out_dir: Path) -> str:
    """``path`` relative to the report folder, with forward slashes (an href)."""
    try:
        return Path(os.path.relpath(Path(path), Path(out_dir))).as_posix()
    except ValueError:  # another drive
        return Path(path).as_posix()


def read_failure(path: Path) -> dict:
    """The error message and traceback of a ``seed-NNNNN.error.json`` (the reason it is unreadable)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        return {"error": str(doc.get("error", "")), "traceback": str(doc.get("traceback", ""))}
    except (OSError, ValueError) as exc:
        return {"error": f"error file unreadable: {exc}", "traceback": ""}


def index_runs(specs: Sequence, runs_dir: Path, out_dir: Path, group: Callable[[Any], tuple],
               missing: Sequence = ()) -> tuple[dict, list[dict]]:
    """Run files by group and the failures.

    ``group(spec)`` gives ``(key, strategy label)`` with key the search benchmark (or device).
    Returns ``{(key, label): {"dir", "seeds", "files"}}`` for the finished runs and one record
    per spec in ``missing`` (benchmark, strategy, seed, the error file and its reason).
    """
    from reproduce.store.results import error_path, result_path

    missing_ids = {id(s) for s in missing}
    runs: dict = {}
    failures = []
    for spec in specs:
        key, label = group(spec)
        if id(spec) in missing_ids:
            err = error_path(runs_dir, spec)
            record = {"key": key, "strategy": label, "seed": int(spec.seed),
                      "expected_file": relpath(result_path(runs_dir, spec), out_dir)}
            if err.is_file():
                record.update(file=relpath(err, out_dir), **read_failure(err))
            else:
                record.update(file=None, error="no result file and no error file: the run never finished "
                                               "(interrupted, or its file was removed)", traceback="")
            failures.append(record)
            continue
        path = result_path(runs_dir, spec)
        entry = runs.setdefault((key, label), {"dir": relpath(path.parent, out_dir), "seeds": [], "files": []})
        entry["seeds"].append(int(spec.seed))
        entry["files"].append(relpath(path, out_dir))
    return runs, failures


def band(part: pd.DataFrame, x: str, y: str, grid: np.ndarray) -> dict:
    """Mean and 95 % bootstrap band of the seeds' incumbent ``y`` on ``grid``: the numbers of
    :func:`reproduce.render.figures.bootstrap_mean_ci` (same resamples), drawn where the PNGs draw them.

    With every seed required at a grid point (``plots.MIN_SEED_FRACTION == 1``) the resampled
    means there have no NaN, so a plain quantile gives the same values as the PNG's nanquantile,
    many times faster; otherwise the PNG's function is used as it is.
    """
    from reproduce.render import figures as plots

    mat = plots.seed_matrix(part, x, y, grid)
    n = mat.shape[0]
    enough = np.isfinite(mat).sum(0) >= plots.MIN_SEED_FRACTION * n
    if plots.MIN_SEED_FRACTION < 1.0:
        mean, lo, hi = plots.bootstrap_mean_ci(mat)
        mean, lo, hi = (np.where(enough, a, np.nan) for a in (mean, lo, hi))
        return {"mean": mean, "lo": lo, "hi": hi, "n": int(n)}
    mean, lo, hi = (np.full(grid.shape, np.nan) for _ in range(3))
    if n and enough.any():
        full = mat[:, enough]
        counts = np.random.default_rng(0).multinomial(n, np.full(n, 1.0 / n), size=plots.N_BOOT).astype(float)
        boot = (counts @ full) / n  # every resample has n seeds, all with a value here
        mean[enough] = full.mean(0)
        lo[enough], hi[enough] = np.quantile(boot, [0.025, 0.975], axis=0)
    return {"mean": mean, "lo": lo, "hi": hi, "n": int(n)}


def output_files(out_dir: Path) -> list[dict]:
    """The outputs beside the page it links to (tables, summaries, figures, records, runs/)."""
    out_dir = Path(out_dir)
    files = [p for p in sorted(out_dir.iterdir()) if p.is_file() and p.suffix in LINKED_SUFFIXES
             and not p.name.startswith(".")]
    files.sort(key=lambda p: (LINKED_SUFFIXES.index(p.suffix), p.name))
    out = [{"name": p.name, "href": p.name, "bytes": p.stat().st_size} for p in files]
    if (out_dir / "runs").is_dir():
        out.append({"name": "runs/", "href": "runs/", "bytes": None})
    return out


# =============================================================================================
# figures (plotly graph objects; serialised with plotly.io.to_json)


def strategy_colors(strategies: Sequence[str]) -> dict[str, str]:
    from reproduce.render import figures as plots

    return {s: plots.style(strategies)[s]["color"] for s in strategies}


def rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def grid_shape(n: int) -> tuple[int, int]:
    cols = min(n, 3)
    return math.ceil(n / cols), cols


def subplots(titles: Sequence[str], **kw):
    from plotly.subplots import make_subplots

    rows, cols = grid_shape(len(titles))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(titles), horizontal_spacing=0.07,
                        vertical_spacing=0.12 if rows > 1 else 0.1, **kw)
    return fig, rows, cols


def base_layout(fig, rows: int, title: str) -> None:
    """Title, then the legend on its own line, then the panels (whose titles sit just above them)."""
    height = max(380, 290 * rows + 140)
    top = 120
    fig.update_layout(
        template="plotly_white", height=height, margin={"l": 60, "r": 20, "t": top, "b": 50},
        title={"text": title, "x": 0.0, "xref": "container", "xanchor": "left", "y": 1.0, "yref": "container",
               "yanchor": "top", "pad": {"t": 12, "l": 12}, "font": {"size": 15}},
        legend={"orientation": "h", "yref": "container", "y": 1.0 - 48 / height, "yanchor": "top", "x": 0.0,
                "xanchor": "left", "title": {"text": "click: hide/show · double-click: only this "}},
        hovermode="closest", font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
    )
    fig.update_annotations(font_size=12)


def yscale_buttons(fig, n_axes: int) -> None:
    """A linear / log switch for every y axis of the figure, at the right of the legend's line."""
    keys = ["yaxis" if i == 0 else f"yaxis{i + 1}" for i in range(n_axes)]
    plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b  # paper coordinates are in plot heights
    fig.update_layout(updatemenus=[{
        "type": "buttons", "direction": "right", "x": 1.0, "xanchor": "right", "y": 1.0 + 62 / plot_px, "yanchor": "bottom",
        "pad": {"t": 0, "b": 0}, "showactive": True, "font": {"size": 11},
        "buttons": [{"label": "y linear", "method": "relayout", "args": [{f"{k}.type": "linear" for k in keys}]},
                    {"label": "y log", "method": "relayout", "args": [{f"{k}.type": "log" for k in keys}]}],
    }])


def band_traces(fig, x: list, b: dict, name: str, color: str, row: int, col: int, *, show_legend: bool,
                unit: str = "%", x_name: str = "x") -> None:
    """Three traces of one strategy in one panel: upper edge, lower edge filled to it, mean line.

    All share ``legendgroup=name`` so one legend click hides or shows a strategy everywhere.
    """
    import plotly.graph_objects as go

    fig.add_trace(go.Scatter(y=round_curve(b["hi"]), mode="lines", line={"width": 0, "shape": "hv"}, hoverinfo="skip",
                             showlegend=False, name=f"{name} (95% CI upper)", legendgroup=name, x=x), row=row, col=col)
    fig.add_trace(go.Scatter(y=round_curve(b["lo"]), mode="lines", line={"width": 0, "shape": "hv"}, fill="tonexty",
                             fillcolor=rgba(color, 0.18), hoverinfo="skip", showlegend=False,
                             name=f"{name} (95% CI lower)", legendgroup=name, x=x), row=row, col=col)
    custom = [[lo, hi] for lo, hi in zip(round_curve(b["lo"]), round_curve(b["hi"]))]
    fig.add_trace(go.Scatter(
        y=round_curve(b["mean"]), mode="lines", name=name, showlegend=show_legend, customdata=custom,
        line={"color": color, "width": 2, "shape": "hv"}, legendgroup=name, x=x,
        hovertemplate=(f"<b>{html.escape(name)}</b><br>{x_name} %{{x}}<br>mean %{{y:.3f}} {unit}"
                       f"<br>95% CI %{{customdata[0]:.3f}} – %{{customdata[1]:.3f}}<br>n = {b['n']} seeds<extra></extra>"),
    ), row=row, col=col)


def anytime_figure(curves: pd.DataFrame, strategies: Sequence[str], x: str, title: str, *,
                   panel: str = "benchmark", y: str = "test_regret", panel_titles: dict | None = None,
                   y_label: str = "test regret (%)", unit: str = "%") -> tuple[Any, dict]:
    """Mean regret with 95 % band against ``x`` per panel; also the per-panel seed counts."""
    from reproduce.render import figures as plots

    panels = list(dict.fromkeys(curves[panel]))
    fig, rows, cols = subplots([(panel_titles or {}).get(p, plots.short_name(str(p))) for p in panels])
    colors = strategy_colors(strategies)
    x_label = "simulated time (s)" if x == "time" else "queries (architectures evaluated)"
    info: dict = {}
    shown: set[str] = set()
    for i, p in enumerate(panels):
        r, c = i // cols + 1, i % cols + 1
        sub = curves[curves[panel] == p]
        grid, log_x = plots.step_grid(sub[x].to_numpy(), n=GRID_POINTS, integer=(x == "queries"))
        gx = [int(v) for v in grid] if x == "queries" else round_curve(grid)
        info[str(p)] = {"log_x": bool(log_x), "seeds": {}}
        for s in strategies:
            part = sub[sub["strategy"] == s]
            if part.empty:
                continue
            b = band(part, x, y, grid)
            band_traces(fig, gx, b, s, colors[s], r, c, show_legend=s not in shown, unit=unit,
                        x_name="time (s)" if x == "time" else "queries")
            shown.add(s)
            info[str(p)]["seeds"][s] = b["n"]
        fig.update_xaxes(type="log" if log_x else "linear", title_text=x_label if r == rows else None, row=r, col=c)
        fig.update_yaxes(title_text=y_label if c == 1 else None, rangemode="tozero", row=r, col=c)
    base_layout(fig, rows, title)
    yscale_buttons(fig, len(panels))
    return fig, info


def final_figure(groups: list[dict], strategies: Sequence[str], panels: Sequence[str], title: str,
                 y_label: str, panel_titles: dict | None = None) -> Any:
    """Box (quartiles, 1.5 IQR whiskers, mean) with every seed drawn, one panel per benchmark.

    ``groups``: ``{"panel", "strategy", "y": [...], "seeds": [...], "values": [...], "dir"}``;
    hovering a point names the seed, its value, regret and run file.
    """
    import plotly.graph_objects as go

    from reproduce.render import figures as plots

    fig, rows, cols = subplots([(panel_titles or {}).get(p, plots.short_name(p)) for p in panels])
    colors = strategy_colors(strategies)
    shown: set[str] = set()
    order = {p: i for i, p in enumerate(panels)}
    for g in groups:
        i = order[g["panel"]]
        r, c = i // cols + 1, i % cols + 1
        s = g["strategy"]
        # the run file: one folder per configuration, so name it once (meta) when the group allows
        folders = {str(Path(f).parent) for f in g["files"]}
        pattern = len(folders) == 1 and all(Path(f).name == f"seed-{sd:05d}.json" for sd, f in zip(g["seeds"], g["files"]))
        if pattern:
            custom = [[sd, v] for sd, v in zip(g["seeds"], g["values"])]
            where, meta = "%{meta[0]}/seed-%{customdata[0]:05d}.json", [folders.pop()]
        else:
            custom = [[sd, v, f] for sd, v, f in zip(g["seeds"], g["values"], g["files"])]
            where, meta = "%{customdata[2]}", None
        fig.add_trace(go.Box(
            y=g["y"], name=s, legendgroup=s, showlegend=s not in shown, customdata=custom, meta=meta,
            marker={"color": colors[s], "size": 4, "opacity": 0.55}, line={"color": colors[s], "width": 1.2},
            fillcolor=rgba(colors[s], 0.15), boxpoints="all", jitter=0.45, pointpos=0, boxmean=True,
            hovertemplate=(f"<b>{html.escape(s)}</b> seed %{{customdata[0]}}<br>{html.escape(g.get('value_name', 'value'))} "
                           f"%{{customdata[1]:.4f}}<br>{html.escape(y_label)} %{{y:.4f}}<br>{where}<extra></extra>"),
        ), row=r, col=c)
        shown.add(s)
    for i in range(len(panels)):
        r, c = i // cols + 1, i % cols + 1
        fig.update_yaxes(title_text=y_label if c == 1 else None, row=r, col=c)
    base_layout(fig, rows, title)
    fig.update_layout(boxmode="overlay")
    return fig


def rank_figure(average_rank: dict, strategies: Sequence[str]) -> Any | None:
    """Average rank (1 = best) per strategy and budget; the bar spans the benchmarks' min to max."""
    import plotly.graph_objects as go

    budgets = (average_rank or {}).get("budgets")
    if not budgets:
        return None
    fig = go.Figure()
    from reproduce.render import figures as plots

    sty = plots.style(list(budgets))
    for budget, d in budgets.items():
        present = [s for s in strategies if s in d["average"]]
        per = d["per_benchmark"]
        lo = [min(per[s].values()) for s in present]
        hi = [max(per[s].values()) for s in present]
        mean = [d["average"][s] for s in present]
        fig.add_trace(go.Scatter(
            x=mean, y=present, mode="markers", name=f"budget {budget}", legendgroup=f"budget {budget}",
            marker={"size": 11, "color": sty[budget]["color"], "symbol": ["circle", "square", "diamond", "triangle-up"][
                list(budgets).index(budget) % 4]},
            error_x={"type": "data", "symmetric": False, "array": [h - m for h, m in zip(hi, mean)],
                     "arrayminus": [m - lo_ for m, lo_ in zip(mean, lo)], "thickness": 1, "width": 0},
            customdata=[[a, b] for a, b in zip(lo, hi)],
            hovertemplate="%{y}: mean rank %{x:.2f} (range %{customdata[0]:g}–%{customdata[1]:g})<extra>%{fullData.name}</extra>",
        ))
    fig.update_yaxes(autorange="reversed", title_text=None)
    fig.update_xaxes(title_text="average rank over benchmarks (1 = lowest final test regret)", range=[0.5, len(strategies) + 0.5],
                     dtick=1)
    fig.update_layout(template="plotly_white", height=140 + 45 * len(strategies), margin={"l": 130, "r": 20, "t": 60, "b": 50},
                      title={"text": "Average rank", "x": 0.0, "font": {"size": 15}},
                      legend={"orientation": "h", "y": 1.08, "x": 0.0})
    return fig


# =============================================================================================
# page


def esc(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def json_for_script(obj: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    text = obj if isinstance(obj, str) else json.dumps(obj, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def sortable_table(header: Sequence[str], rows: Sequence[Sequence[tuple[str, Any]]], *, cls: str = "",
                   caption: str | None = None, table_id: str | None = None) -> str:
    """A table whose columns sort on a header click; a cell is ``(html, sort key[, css class])``."""
    head = "".join(f'<th scope="col" tabindex="0">{esc(h)}</th>' for h in header)
    body = []
    for row in rows:
        cells = []
        for j, cell in enumerate(row):
            content, key = cell[0], cell[1]
            attr = "" if key is None else f' data-sort="{esc(key)}"'
            if len(cell) > 2 and cell[2]:
                attr += f' class="{esc(cell[2])}"'
            tag = "th scope=\"row\"" if j == 0 else "td"
            cells.append(f"<{tag}{attr}>{content}</{tag.split()[0]}>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    tid = f' id="{esc(table_id)}"' if table_id else ""
    return (f'<div class="scroll"><table class="sortable {cls}"{tid}>{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def pm(mean, std) -> str:
    from reproduce.render.tables import fmt_pm

    return esc(fmt_pm(mean, std, " ± "))


def failures_html(failures: list[dict], key_name: str = "benchmark") -> str:
    if not failures:
        return '<p class="ok">No failed runs: every run of the preset has its result file.</p>'
    rows = []
    for f in failures:
        link = f'<a href="{esc(f["file"])}">{esc(f["file"])}</a>' if f.get("file") else "<em>none</em>"
        tb = (f'<details><summary>traceback</summary><pre>{esc(f["traceback"])}</pre></details>'
              if f.get("traceback") else "")
        rows.append([(esc(f["key"]), f["key"]), (esc(f["strategy"]), f["strategy"]), (str(f["seed"]), f["seed"]),
                     (f'<span class="err">{esc(f["error"])}</span>{tb}', f["error"]), (link, f.get("file") or "")])
    return (f'<p class="warn">{len(failures)} run(s) failed or have no result; the numbers on this page use the '
            f'finished runs only. Rerun the same command to retry them.</p>'
            + sortable_table([key_name, "strategy", "seed", "reason", "error file"], rows, cls="failures",
                             table_id="failed-runs"))


def provenance_html(prov: dict) -> str:
    git = prov["git"]
    commit = (f'<code>{esc(git["commit"])}</code> ({esc(git["note"])})' if git.get("commit")
              else esc(git.get("note")))
    env = prov["environment"]
    items = [
        ("nasbench-harness version", f"<code>{esc(prov['version'])}</code>"),
        ("git commit (page written by)", commit),
        ("page generated (UTC)", esc(prov["generated_utc"])),
        ("environment", esc(env["platform"]) + " · " + ", ".join(f"{esc(k)} {esc(v)}" for k, v in env["versions"].items())),
    ]
    pub = prov.get("published_data") or {}
    if pub.get("checksums_file"):
        items.append(("published data", f'<code>{esc(pub["folder"])}</code>; {esc(Path(pub["checksums_file"]).name)} '
                                        f'sha256 <code>{esc(pub["checksums_sha256"])}</code>'))
    out = ['<dl class="kv">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"]

    cmds = prov.get("commands") or []
    out.append("<h3>Commands</h3>")
    if cmds:
        rows = []
        for c in cmds:
            g = c.get("git") or {}
            rows.append([(esc(c.get("time_utc")), c.get("time_utc")), (f"<code>{esc(c.get('command'))}</code>", c.get("command")),
                         (f"<code>{esc(c.get('cwd'))}</code>", c.get("cwd")), (esc(c.get("version")), c.get("version")),
                         (f"<code>{esc((g.get('commit') or '')[:12])}</code>{' (dirty)' if g.get('dirty') else ''}"
                          if g.get("commit") else esc("no git checkout"), g.get("commit") or "")])
        out.append(sortable_table(["time (UTC)", "command", "working folder", "version", "commit"], rows, table_id="commands"))
        out.append(f'<p class="small">Recorded in <a href="{COMMAND_FILE}">{COMMAND_FILE}</a> '
                   'each time a command writes this folder.</p>')
    else:
        out.append(f"<p>No {COMMAND_FILE} in this folder (made before commands were recorded).</p>")

    out.append("<h3>Tables</h3>")
    rows = []
    for t in prov.get("tables", []):
        if "error" in t:
            rows.append([(esc(t["benchmark"]), t["benchmark"]), (f'<span class="err">{esc(t["error"])}</span>', "")]
                        + [("", "")] * 3)
            continue
        srcs = []
        for s in t["sources"]:
            shipped = ""
            if "shipped_sha256" in s:
                shipped = (" · data/SHA256SUMS agrees" if s["shipped_matches"]
                           else f' · <span class="err">data/SHA256SUMS lists {esc(s["shipped_sha256"])}</span>')
            srcs.append(f"<li>{esc(s.get('name'))} — {esc(s.get('origin'))} ({esc(s.get('license'))})<br>"
                        f"<code>{esc(s.get('path'))}</code> sha256 <code>{esc(s.get('sha256'))}</code>{shipped}</li>")
        rows.append([(esc(t["benchmark"]), t["benchmark"]),
                     (f"<code>{esc(Path(t['file']).name)}</code><br>sha256 <code>{esc(t['file_sha256'])}</code>", t["file"]),
                     (esc(t["recipe"]), t["recipe"]), (f"<ul>{''.join(srcs)}</ul>", ""), (esc(t["citation"]), t["citation"])])
    out.append(sortable_table(["benchmark", "table file", "recipe", "sources", "citation"], rows, table_id="tables"))

    preset = prov.get("preset")
    out.append("<h3>Preset</h3>")
    if preset:
        note = f'<p class="warn">{esc(preset["note"])}</p>' if preset.get("note") else ""
        when = f", recorded {esc(preset['recorded_utc'])}" if preset.get("recorded_utc") else ""
        out.append(f"<p><code>{esc(preset['path'])}</code> (sha256 <code>{esc(preset['sha256'])}</code>{when})</p>{note}"
                   f'<pre class="preset">{esc(preset["text"])}</pre>')
    else:
        out.append("<p>No preset file.</p>")
    return "\n".join(out)


def files_html(files: list[dict]) -> str:
    if not files:
        return "<p>No other outputs in this folder.</p>"
    items = []
    for f in files:
        size = "" if f["bytes"] is None else f' <span class="small">({f["bytes"] / 1024:,.0f} KiB)</span>'
        items.append(f'<li><a href="{esc(f["href"])}">{esc(f["name"])}</a>{size}</li>')
    return f'<ul class="files">{"".join(items)}</ul>'


CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg2:#f6f8fa;--accent:#0072B2}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg)}
header{padding:18px 28px 10px;border-bottom:1px solid var(--line);background:var(--bg2)}
header h1{margin:0 0 4px;font-size:21px}
header p{margin:2px 0;color:var(--muted)}
nav{position:sticky;top:0;z-index:10;background:#fff;border-bottom:1px solid var(--line);padding:6px 28px}
nav a{margin-right:16px;color:var(--accent);text-decoration:none;font-weight:500}
main{padding:8px 28px 40px;max-width:1500px}
section{margin-top:22px}
h2{font-size:18px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:right;vertical-align:top}
th[scope=row],td.l,.failures td,#tables td,#commands td{text-align:left}
thead th{background:var(--bg2);cursor:pointer;user-select:none;white-space:nowrap}
thead th:after{content:" \\2195";color:#aaa;font-size:11px}
thead th.asc:after{content:" \\25B2";color:var(--fg)}thead th.desc:after{content:" \\25BC";color:var(--fg)}
td.best{font-weight:700;background:#eaf5ea}
table.comparison td,table.comparison th{white-space:nowrap}
td.paper{color:var(--muted)}
.pos{color:#1a7f37}.neg{color:#cf222e}
.plot{width:100%;min-height:360px;border:1px solid var(--line);border-radius:4px;margin:8px 0 14px}
.notes li{margin:2px 0}
.warn{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px;border-radius:4px}
.ok{color:#1a7f37}.err{color:#cf222e}
.small{color:var(--muted);font-size:12px}
pre{background:var(--bg2);border:1px solid var(--line);padding:10px;overflow:auto;max-height:420px;font-size:12px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px}dl.kv dt{font-weight:600}dl.kv dd{margin:0}
code{font-size:12px;word-break:break-all}
.controls label{margin-right:14px}
ul.files{columns:3;list-style:none;padding:0}
#runs-table td:nth-child(2),#runs-table td:last-child{text-align:left}
"""

JS = r"""
(function(){
  "use strict";
  function readJSON(id){ return JSON.parse(document.getElementById(id).textContent); }
  var DATA = readJSON("nasbench-data"), FIGS = readJSON("nasbench-figures");
  window.nasbenchData = DATA;
  function sortKey(cell){
    var k = cell.getAttribute("data-sort");
    if (k === null) k = cell.textContent;
    var f = parseFloat(k);
    return (k !== "" && isFinite(f) && String(f) === String(Number(k))) ? f : k;
  }
  function makeSortable(table){
    var ths = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(ths, function(th, idx){
      function go(){
        var dir = th.classList.contains("asc") ? -1 : 1;
        Array.prototype.forEach.call(ths, function(o){ o.classList.remove("asc", "desc"); });
        th.classList.add(dir === 1 ? "asc" : "desc");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function(a, b){
          var x = sortKey(a.cells[idx]), y = sortKey(b.cells[idx]);
          var xe = (x === "" ), ye = (y === "");
          if (xe || ye) return xe === ye ? 0 : (xe ? 1 : -1);
          if (typeof x === "number" && typeof y === "number") return dir * (x - y);
          return dir * String(x).localeCompare(String(y), undefined, {numeric: true});
        });
        rows.forEach(function(r){ body.appendChild(r); });
      }
      th.addEventListener("click", go);
      th.addEventListener("keydown", function(e){ if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    });
  }
  function fmt(v, d){ return (v === null || v === undefined) ? "\u2013" : Number(v).toFixed(d); }
  function esc(s){ var e = document.createElement("span"); e.textContent = String(s); return e.innerHTML; }
  // per-run explorer: every finished run with its file
  function runsExplorer(){
    var host = document.getElementById("runs-explorer");
    if (!host || !DATA.runs) return;
    var keySel = document.getElementById("runs-key"), stSel = document.getElementById("runs-strategy"),
        buSel = document.getElementById("runs-budget"), out = document.getElementById("runs-out");
    function render(){
      var key = keySel.value, st = stSel.value, bu = buSel.value, cols = DATA.run_columns, rows = [];
      DATA.runs.forEach(function(g){
        if ((key !== "*" && g.key !== key) || (st !== "*" && g.strategy !== st)) return;
        var fin = g.final[bu] || {};
        g.seeds.forEach(function(seed, i){
          var cells = ["<th scope='row' data-sort='" + esc(g.key) + "'>" + esc(g.key) + "</th>",
                       "<td data-sort='" + esc(g.strategy) + "'>" + esc(g.strategy) + "</td>",
                       "<td data-sort='" + seed + "'>" + seed + "</td>"];
          cols.forEach(function(c){
            var v = fin[c.key] ? fin[c.key].value[i] : null, r = fin[c.key] ? fin[c.key].regret[i] : null;
            cells.push("<td data-sort='" + (v === null || v === undefined ? "" : v) + "'>" + fmt(v, 4) + "</td>");
            if (c.regret) cells.push("<td data-sort='" + (r === null || r === undefined ? "" : r) + "'>" + fmt(r, 4) + "</td>");
          });
          cells.push("<td><a href='" + esc(g.files[i]) + "'>" + esc(g.files[i]) + "</a></td>");
          rows.push("<tr>" + cells.join("") + "</tr>");
        });
      });
      var head = ["<th>" + esc(DATA.run_key_name) + "</th>", "<th>strategy</th>", "<th>seed</th>"];
      DATA.run_columns.forEach(function(c){
        head.push("<th>" + esc(c.label) + "</th>");
        if (c.regret) head.push("<th>" + esc(c.regret) + "</th>");
      });
      head.push("<th>run file</th>");
      out.innerHTML = "<p class='small'>" + rows.length + " run(s)</p><div class='scroll'>" +
        "<table class='sortable' id='runs-table'><thead><tr>" +
        head.join("") + "</tr></thead><tbody>" + rows.join("") + "</tbody></table></div>";
      makeSortable(document.getElementById("runs-table"));
    }
    [keySel, stSel, buSel].forEach(function(s){ s.addEventListener("change", render); });
    render();
  }
  // figures one after another, yielding between them: the tables are readable at once
  function plotAll(){
    var t0 = performance.now(), ids = Object.keys(FIGS), i = 0, timings = {};
    window.nasbenchReport = {ready: false, figures: ids.length};
    if (ids.length && typeof Plotly === "undefined") { throw new Error("plotly.js is missing from the page"); }
    function next(){
      if (i >= ids.length) {
        window.nasbenchReport = {ready: true, figures: ids.length, render_ms: performance.now() - t0,
                                 since_navigation_ms: performance.now(), timings_ms: timings};
        document.body.setAttribute("data-ready", "1");
        return;
      }
      var id = ids[i++], f = FIGS[id], t = performance.now();
      Plotly.newPlot(id, f.data, f.layout, DATA.plot_config).then(function(){
        timings[id] = performance.now() - t; setTimeout(next, 0);
      }, function(err){ console.error("figure " + id + " failed: " + err); setTimeout(next, 0); });
    }
    setTimeout(next, 0);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
  runsExplorer();
  plotAll();
})();
"""


def render_page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]], figures: dict[str, Any],
                data: dict) -> str:
    """The whole page: ``sections`` are ``(id, heading, html)``; ``figures`` maps a div id (used
    in a section's html as ``<div class="plot" id=...>``) to a plotly figure."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    fig_json = "{" + ",".join(f"{json.dumps(k)}:{pio.to_json(f, validate=True, pretty=False)}"
                              for k, f in figures.items()) + "}"
    data = {**data, "plot_config": PLOT_CONFIG}
    nav = "".join(f'<a href="#{esc(sid)}">{esc(h)}</a>' for sid, h, _ in sections)
    body = "\n".join(f'<section id="{esc(sid)}"><h2>{esc(h)}</h2>\n{content}\n</section>' for sid, h, content in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<meta name=\"generator\" content=\"nasbench-harness {esc(project_version())}\">"
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f"<script>{get_plotlyjs()}</script></head>\n<body>"
        f"<header><h1>{esc(title)}</h1><p>{subtitle}</p></header><nav>{nav}</nav><main>\n{body}\n</main>"
        f'<script id="nasbench-data" type="application/json">{json_for_script(data)}</script>'
        f'<script id="nasbench-figures" type="application/json">{json_for_script(fig_json)}</script>'
        f"<script>{JS}</script></body></html>\n"
    )


def explorer_controls(keys: Sequence[str], strategies: Sequence[str], budgets: Sequence[str], key_name: str,
                       default_budget: str) -> str:
    def select(sel_id, label, options, default="*", any_label="all"):
        opts = ([f'<option value="*">{esc(any_label)}</option>'] if any_label else [])
        opts += [f'<option value="{esc(o)}"{" selected" if o == default else ""}>{esc(o)}</option>' for o in options]
        return f'<label>{esc(label)} <select id="{sel_id}">{"".join(opts)}</select></label>'

    return ('<div id="runs-explorer"><div class="controls">'
            + select("runs-key", key_name, keys, default=keys[0] if keys else "*")
            + select("runs-strategy", "strategy", strategies)
            + select("runs-budget", "budget", budgets, default=default_budget, any_label=None)
            + '</div><div id="runs-out"></div></div>')


def notes_html(lines: Sequence[str]) -> str:
    return '<ul class="notes">' + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>"


def write_page(out_dir: Path, page: str) -> Path:
    path = Path(out_dir) / PAGE
    write_text_atomic(path, page)
    return path


__all__ = ["DATA_FORMAT", "GRID_POINTS", "PAGE", "anytime_figure", "band", "band_traces", "base_layout", "esc",
           "explorer_controls", "failures_html", "files_html", "final_figure", "index_runs", "json_for_script",
           "notes_html", "num", "output_files", "pm", "provenance_html", "rank_figure", "read_failure", "relpath",
           "render_page", "rgba", "round_curve", "sortable_table", "strategy_colors", "subplots", "write_page"]
