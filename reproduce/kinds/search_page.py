"""report.html of a search preset or a `nasbench run` folder."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from reproduce.render.html import (
    DATA_FORMAT,
    GRID_POINTS,
    anytime_figure,
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
    rank_figure,
    render_page,
    sortable_table,
    write_page,
)
from reproduce.store.provenance import provenance


def comparison_tables(meta: dict, results: dict, marks: dict) -> str:
    """One sortable table per budget: ours (mean ± std; bold: separated from the runner-up by a
    paired test, ≈: tied with the best), and paper / ours − paper ± SE where published."""
    from reproduce.render.tables import TIE, cell_key, diff_text, seed_counts

    _, n_max = seed_counts(results) if results else (0, 0)
    out = []
    cols = meta["columns"]
    for budget in meta["budgets"]:
        per = results.get(budget, {})
        has_paper = {cell_key(c["benchmark"], c["metric"]): any(
            per.get(s, {}).get(cell_key(c["benchmark"], c["metric"]), {}).get("published_mean") is not None
            for s in meta["strategies"]) for c in cols}
        header = ["Strategy"]
        for c in cols:
            k = cell_key(c["benchmark"], c["metric"])
            header.append(c["label"])
            if has_paper[k]:
                header += [f"{c['label']} paper", f"{c['label']} Δ"]
        rows = []
        for s in meta["strategies"]:
            row = [(esc(s), s)]
            for c in cols:
                k = cell_key(c["benchmark"], c["metric"])
                cell = per.get(s, {}).get(k) or {"mean": None, "std": None, "n": 0}
                text = pm(cell["mean"], cell["std"])
                if 0 < cell["n"] < n_max:
                    text += f' <span class="small">(n={cell["n"]})</span>'
                decision = marks.get(budget, {}).get(k, {})
                cls = "best" if s in decision.get("bold", ()) else ""
                if s in decision.get("ties", ()):
                    text += f' <span class="small" title="not separated from the best by a paired test">{TIE}</span>'
                row.append((text, "" if cell["mean"] is None else cell["mean"], cls))
                if has_paper[k]:
                    row.append((pm(cell.get("published_mean"), cell.get("published_std")),
                                "" if cell.get("published_mean") is None else cell["published_mean"]))
                    d = cell.get("diff")
                    sign = "" if d is None else ("pos" if d > 0 else "neg" if d < 0 else "")
                    row.append((f'<span class="{sign}">{esc(diff_text(cell, " ± "))}</span>', "" if d is None else d))
            rows.append(row)
        out.append(f"<h3>Budget {esc(budget)}</h3>" + sortable_table(header, rows, cls="comparison",
                                                                     table_id=f"table-{budget}"))
        if any(has_paper.values()):
            out.append('<p class="small">“paper”: the published mean ± std; “Δ”: ours − paper (difference of the means '
                       '± its standard error, and whether it lies within 2 SE).</p>')
    return "\n".join(out)


def _run_groups_search(meta: dict, finals: pd.DataFrame, runs: dict) -> list[dict]:
    """Per (search benchmark, strategy): seeds, files and every final value and regret."""
    from reproduce.render.tables import cell_key

    groups = []
    budgets = [str(b) for b in meta["budgets"]]
    by = {k: g for k, g in finals.groupby(["search_benchmark", "strategy"], sort=False)} if not finals.empty else {}
    for (bench, label), entry in runs.items():
        part = by.get((bench, label))
        final: dict = {}
        for budget in budgets:
            final[budget] = {}
            if part is None:
                continue
            at = part[part["budget"] == budget]
            for (target, metric), g in at.groupby(["benchmark", "metric"], sort=False):
                vals = dict(zip(g["seed"].astype(int), zip(g["value"], g["regret"])))
                final[budget][cell_key(target, metric)] = {
                    "value": [num(vals.get(sd, (None, None))[0]) for sd in entry["seeds"]],
                    "regret": [num(vals.get(sd, (None, None))[1]) for sd in entry["seeds"]],
                }
        groups.append({"key": bench, "strategy": label, "dir": entry["dir"], "seeds": entry["seeds"],
                       "files": entry["files"], "final": final})
    return groups


def write_search_html(out_dir: Path, preset, runs: Sequence, meta: dict, finals: pd.DataFrame, curves: pd.DataFrame,
                      *, runs_dir: Path, missing: Sequence = (), summary: dict | None = None) -> Path:
    """``report.html`` of a search preset or run folder from :func:`reproduce.kinds.search.collect`'s output.

    ``runs``: ``(spec, row label)`` of every run the report names; ``missing``: specs with no
    result file (listed as failed runs; the numbers use the others).
    """
    from reproduce.render import figures as plots
    from reproduce.render.tables import (
        average_ranks,
        best_strategies,
        cell_key,
        footnotes,
        largest_budget,
        significance,
        summarise,
    )

    out_dir = Path(out_dir)
    strategies = list(meta["strategies"])
    label_of = {id(spec): label for spec, label in runs}
    specs = [spec for spec, _ in runs]

    def group(spec):
        return spec.benchmark, label_of[id(spec)]

    runs, failures = index_runs(specs, runs_dir, out_dir, group, missing)
    finals = finals.assign(budget=finals["budget"].astype(str)) if not finals.empty else finals
    results = summarise(meta, finals) if not finals.empty else {}
    best = best_strategies(meta, results) if results else {}
    marks = significance(meta, finals) if results else {}

    figures: dict[str, Any] = {}
    sections = []
    notes = footnotes(meta, results) if results else [f"Protocol: {meta.get('protocol', '')}.", *meta.get("notes", [])]
    table_html = (comparison_tables(meta, results, marks) if results else "<p>No finished runs.</p>")
    if failures:
        table_html = (f'<p class="warn">{len(failures)} of {len(specs)} run(s) have no result: '
                      'see <a href="#failed">Failed runs</a>.</p>' + table_html)
    sections.append(("table", "Comparison table", table_html + "<h3>Notes</h3>" + notes_html(notes)))

    anytime = ""
    if curves is not None and not curves.empty:
        for x, name in (("queries", "queries"), ("time", "simulated time")):
            fid = f"fig-anytime-{x}"
            figures[fid], _ = anytime_figure(curves, strategies, x, f"Anytime test regret against {name} "
                                             f"(mean over seeds, band: 95% bootstrap CI)")
            anytime += f'<div class="plot" id="{fid}"></div>'
        anytime += (f'<p class="small">Mean incumbent test regret (table optimum − incumbent\'s test value, %) over seeds on '
                    f"a {GRID_POINTS}-point grid per panel (a point is drawn once every seed has a result); band: 95 % "
                    "percentile bootstrap over seeds. Legend: click a strategy to hide or show it in every panel; drag to "
                    "zoom, double-click to reset.</p>")
    else:
        anytime = "<p>No anytime curves.</p>"
    sections.append(("anytime", "Anytime regret", anytime))

    per_seed = ""
    budgets = [str(b) for b in meta["budgets"]]
    final_budget = largest_budget(budgets)
    if not finals.empty:
        run_files = {(g_key, label): e for (g_key, label), e in runs.items()}
        order = [final_budget] + [b for b in budgets if b != final_budget]
        for budget in order:
            at = finals[finals["budget"] == budget]
            panels = list(dict.fromkeys(at["benchmark"]))
            groups = []
            for bench in panels:
                metric = plots.final_metric(at, bench)
                sub = at[(at["benchmark"] == bench) & (at["metric"] == metric)]
                for s in strategies:
                    part = sub[sub["strategy"] == s].sort_values(["search_benchmark", "seed"], kind="stable")
                    if part.empty:
                        continue
                    files = []
                    for sb, sd in zip(part["search_benchmark"], part["seed"]):
                        e = run_files.get((sb, s))
                        files.append(e["files"][e["seeds"].index(int(sd))] if e and int(sd) in e["seeds"] else "")
                    groups.append({"panel": bench, "strategy": s, "y": [num(v) for v in part["regret"]],
                                   "seeds": [int(v) for v in part["seed"]], "values": [num(v) for v in part["value"]],
                                   "files": files, "value_name": metric})
            fid = f"fig-final-{budget}"
            metric_name = "test" if all(plots.final_metric(at, b) == "test_acc" for b in panels) else "reported"
            figures[fid] = final_figure(groups, strategies, panels, f"Final {metric_name} regret per seed at budget {budget}",
                                        "final regret (%)")
            per_seed += f'<div class="plot" id="{fid}"></div>'
        per_seed += ('<p class="small">Box: quartiles, whiskers 1.5 IQR, dashed line: mean; every dot is one seed '
                     "(hover: seed, value, regret and run file). Final values are every run's, not downsampled.</p>")
        keys = list(dict.fromkeys(b for b, _ in runs))
        per_seed += "<h3>Every run</h3>" + explorer_controls(keys, strategies, budgets, "search benchmark", final_budget)
    else:
        per_seed = "<p>No finished runs.</p>"
    sections.append(("seeds", "Per-seed final results", per_seed))
    sections.append(("failed", "Failed runs", failures_html(failures)))

    if summary is not None and isinstance(summary.get("average_rank"), dict) and summary["average_rank"].get("budgets"):
        rank = summary["average_rank"]
    elif not finals.empty and finals["benchmark"].nunique() > 1:
        ranks = average_ranks(finals, strategies)
        rank = {"budgets": {b: {"average": ranks[b].mean(axis=1).to_dict(), "per_benchmark": ranks[b].to_dict(orient="index")}
                            for b in dict.fromkeys(ranks.columns.get_level_values(0))}}
    else:
        rank = None
    rank_fig = rank_figure(rank, strategies) if rank else None
    if rank_fig is not None:
        figures["fig-rank"] = rank_fig
        sections.append(("rank", "Average rank", '<div class="plot" id="fig-rank"></div><p class="small">Rank of each '
                         "strategy's mean final test regret per benchmark (1 = lowest, ties averaged); marker: mean over "
                         "benchmarks, bar: range.</p>"))

    benchmarks = list(dict.fromkeys([*preset.search_benchmarks, *(c["benchmark"] for c in meta["columns"])]))
    prov = provenance(out_dir, benchmarks, getattr(preset, "path", None))
    sections.append(("provenance", "Provenance", provenance_html(prov)))
    sections.append(("files", "Files", files_html(output_files(out_dir))))

    run_columns = [{"key": cell_key(c["benchmark"], c["metric"]), "label": c["label"], "regret": f"{c['label']} regret"}
                   for c in meta["columns"]]
    data = {"format": DATA_FORMAT, "kind": "search", "meta": meta, "results": results, "best": best, "significance": marks,
            "run_key_name": "search benchmark", "run_columns": run_columns,
            "runs": _run_groups_search(meta, finals, runs), "failures": failures, "provenance": prov,
            "n_runs": {"expected": len(specs), "finished": len(specs) - len(failures), "failed": len(failures)}}
    from reproduce.render.tables import jsonable

    n_fin = len(specs) - len(failures)
    subtitle = (f"<code>{esc(meta['name'])}</code> · {n_fin} of {len(specs)} runs finished"
                f"{f' · <span class=err>{len(failures)} failed</span>' if failures else ''} · "
                f"{len(strategies)} strategies × {len(preset.search_benchmarks)} benchmark(s) · "
                f"budgets {esc(' / '.join(budgets))}")
    page = render_page(meta.get("title") or meta["name"], subtitle, sections, figures, jsonable(data))
    return write_page(out_dir, page)


__all__ = ["comparison_tables", "write_search_html"]
