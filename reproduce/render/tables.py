"""The report of a reproduction: tables (Markdown, LaTeX), figures and ``summary.json``.

:func:`write_report` is the entry point. It writes into ``out_dir``:

* ``table.md`` / ``table.tex``: one block per budget; a row per strategy (``meta["strategies"]``
  order), a column per ``meta["columns"]`` entry, cells ``mean ± std`` over seeds (sample std,
  ddof 1; accuracy in %), two decimals; the best mean per column in bold (compared after
  rounding, so ties are all bold). Where published numbers exist, the strategy's row is
  followed by a ``<strategy> (paper)`` row (``mean ± std``) and a ``<strategy> (ours − paper)``
  row (signed difference of the means). A footnote gives the protocol, the number of seeds,
  the source of the published numbers and each ``meta["notes"]`` line. ``table.tex`` is a
  ``table`` float that needs only ``booktabs``.
* ``anytime_time``, ``anytime_queries``, ``final_regret`` and (with more than one benchmark)
  ``average_rank``, each as ``.png`` and ``.pdf`` (see :mod:`reproduce.render.figures`).
* ``summary.json``: ``{"meta", "results": {budget: {strategy: {"benchmark:metric": {mean,
  std, n, published_mean, published_std, diff}}}}, "best", "average_rank", "figures"}``;
  every number in the tables, unrounded (``table.md`` shows them rounded to 2 decimals).

Published numbers apply to every budget block unless ``meta["published"]["budget"]`` names one.
All files are written atomically (:mod:`nasbench.atomic`).
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nasbench.atomic import write_text_atomic
from reproduce.render import figures as plots
from reproduce.stats import ALPHA, decide_best, difference_se, standard_error
from reproduce.store.jsonio import plain

DASH = "–"
LOWER_IS_BETTER = re.compile(r"regret|loss|err|time|latency|cost", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# numbers


def higher_is_better(metric: str) -> bool:
    """Accuracies (and anything not named like a loss, error, regret or cost) are maximised."""
    return not LOWER_IS_BETTER.search(metric)


def cell_key(benchmark: str, metric: str) -> str:
    """The summary key of a table column, ``"benchmark:metric"``."""
    return f"{benchmark}:{metric}"


def published_value(meta: dict, strategy: str, benchmark: str, metric: str) -> tuple[float | None, float | None]:
    """The published ``(mean, std)`` of a cell, ``(None, None)`` when absent; a std may be None."""
    entry = (meta.get("published") or {}).get("values", {}).get(strategy, {}).get(benchmark, {}).get(metric)
    if entry is None:
        return None, None
    if isinstance(entry, (int, float)):
        return float(entry), None
    entry = list(entry)
    mean = None if entry[0] is None else float(entry[0])
    std = float(entry[1]) if len(entry) > 1 and entry[1] is not None else None
    return mean, std


def published_applies(meta: dict, budget: str) -> bool:
    """Whether the published numbers are compared in the block of ``budget``."""
    only = (meta.get("published") or {}).get("budget")
    return only is None or str(only) == budget


def cell_stats(values: np.ndarray) -> dict[str, Any]:
    """``mean``, ``std`` (sample, ddof 1; None for one seed), ``se`` (std / sqrt n) and ``n`` of
    finite ``values``."""
    v = values[np.isfinite(values)]
    n = int(v.size)
    std = float(v.std(ddof=1)) if n > 1 else None
    return {
        "mean": float(v.mean()) if n else None,
        "std": std,
        "se": standard_error(std, n),
        "n": n,
    }


def summarise(meta: dict, finals: pd.DataFrame) -> dict[str, dict[str, dict[str, dict]]]:
    """``budget -> strategy -> "benchmark:metric" -> {mean, std, n, published_mean, published_std, diff}``.

    Accuracies in %; ``diff`` = ours - paper (None without a published mean).
    """
    groups = {k: g["value"].to_numpy(float) for k, g in finals.groupby(["budget", "strategy", "benchmark", "metric"])}
    results: dict = {}
    for budget in meta["budgets"]:
        per_strategy: dict = {}
        for strategy in meta["strategies"]:
            cells = {}
            for col in meta["columns"]:
                b, m = col["benchmark"], col["metric"]
                stats = cell_stats(groups.get((budget, strategy, b, m), np.empty(0)))
                p_mean, p_std = published_value(meta, strategy, b, m) if published_applies(meta, budget) else (None, None)
                diff = None if p_mean is None or stats["mean"] is None else stats["mean"] - p_mean
                diff_se, se_basis = difference_se(stats["se"], p_std, (meta.get("published") or {}).get("runs"))
                stats.update(
                    published_mean=p_mean,
                    published_std=p_std,
                    diff=diff,
                    diff_se=diff_se if diff is not None else None,
                    diff_se_includes=se_basis if diff is not None else None,
                    within_2se=None if diff is None or diff_se is None else bool(abs(diff) <= 2 * diff_se),
                )
                cells[cell_key(b, m)] = stats
            per_strategy[strategy] = cells
        results[budget] = per_strategy
    return results


def best_strategies(meta: dict, results: dict) -> dict[str, dict[str, list[str]]]:
    """``budget -> "benchmark:metric" -> [strategies]`` with the best mean (after rounding to 2
    decimals, as shown), highest for accuracies. Whether the best is *separated* from the others
    is :func:`significance`'s answer (that decides bold)."""
    best: dict = {}
    for budget, per_strategy in results.items():
        best[budget] = {}
        for col in meta["columns"]:
            key = cell_key(col["benchmark"], col["metric"])
            shown = {s: round(c[key]["mean"], 2) for s, c in per_strategy.items() if c[key]["mean"] is not None}
            if not shown:
                best[budget][key] = []
                continue
            target = (max if higher_is_better(col["metric"]) else min)(shown.values())
            best[budget][key] = [s for s, v in shown.items() if v == target]
    return best


def significance(meta: dict, finals: pd.DataFrame) -> dict[str, dict[str, dict]]:
    """``budget -> "benchmark:metric" -> decide_best(...)``: bold only where a paired Wilcoxon
    signed-rank test over the common seeds separates the best mean from the runner-up; else the
    strategies tied with the best (:func:`reproduce.stats.decide_best`)."""
    per_seed: dict = {}
    for (budget, strategy, bench, metric), g in finals.groupby(["budget", "strategy", "benchmark", "metric"]):
        per_seed[(budget, bench, metric, strategy)] = dict(zip(g["seed"].astype(int), g["value"].astype(float)))
    out: dict = {}
    for budget in meta["budgets"]:
        out[budget] = {}
        for col in meta["columns"]:
            b, m = col["benchmark"], col["metric"]
            values = {s: per_seed[(budget, b, m, s)] for s in meta["strategies"] if (budget, b, m, s) in per_seed}
            out[budget][cell_key(b, m)] = decide_best(values, higher_is_better(m))
    return out


def average_ranks(finals: pd.DataFrame, strategies: Sequence[str]) -> pd.DataFrame:
    """Rank (1 = best, ties averaged) of each strategy's mean final test regret per benchmark.

    Index: strategies; columns: ``(budget, benchmark)``. The metric per benchmark is
    :func:`reproduce.render.figures.final_metric` (``test_acc`` when reported).
    """
    parts = []
    for bench in dict.fromkeys(finals["benchmark"]):
        metric = plots.final_metric(finals, bench)
        sub = finals[(finals["benchmark"] == bench) & (finals["metric"] == metric)]
        parts.append(sub.groupby(["strategy", "budget"])["regret"].mean().rename(bench))
    means = pd.concat(parts, axis=1).unstack("budget")  # rows strategy, columns (bench, budget)
    means = means.swaplevel(0, 1, axis=1).sort_index(axis=1, level=0, sort_remaining=False)
    ranks = means.rank(axis=0, method="average", ascending=True)
    return ranks.reindex([s for s in strategies if s in ranks.index])


# ---------------------------------------------------------------------------------------------
# formatting


def fmt(x: float | None, signed: bool = False) -> str:
    """Two decimals (``+`` on a positive signed value); a dash for a missing number."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return DASH
    return f"{x:+.2f}" if signed else f"{x:.2f}"


def fmt_pm(mean: float | None, std: float | None, pm: str) -> str:
    """``mean ± std``, or just the mean when there is no std."""
    if mean is None:
        return DASH
    return fmt(mean) if std is None else f"{fmt(mean)}{pm}{fmt(std)}"


TIE = "≈"


def table_rows(meta: dict, results: dict, marks: dict, budget: str, pm: str, bold: str) -> list[list[str]]:
    """The body rows of one budget block: label, then a cell per column.

    ``marks``: :func:`significance`'s decisions (bold: separated from the runner-up; ``≈``:
    tied with the best). ``pm`` joins mean and std; ``bold`` is a format string with one ``{}``.
    """
    rows = []
    _, n_max = seed_counts(results)
    for strategy in meta["strategies"]:
        cells = results[budget][strategy]
        keys = [cell_key(c["benchmark"], c["metric"]) for c in meta["columns"]]
        ours = []
        for k in keys:
            text = fmt_pm(cells[k]["mean"], cells[k]["std"], pm)
            if 0 < cells[k]["n"] < n_max:  # fewer seeds than the rest of the table: say how many
                text += f" (n={cells[k]['n']})"
            decision = marks.get(budget, {}).get(k, {})
            if strategy in decision.get("bold", ()):
                text = bold.format(text)
            elif strategy in decision.get("ties", ()):
                text += f" {TIE}"
            ours.append(text)
        rows.append([strategy, *ours])
        if any(cells[k]["published_mean"] is not None for k in keys):
            rows.append([f"{strategy} (paper)",
                         *(fmt_pm(cells[k]["published_mean"], cells[k]["published_std"], pm) for k in keys)])
            rows.append([f"{strategy} (ours − paper)", *(diff_text(cells[k], pm) for k in keys)])
    return rows


def diff_text(cell: dict, pm: str) -> str:
    """``+0.52 ± 0.31 (within 2 SE)``: the difference of the means with its standard error."""
    if cell.get("diff") is None:
        return DASH
    if cell.get("diff_se") is None:
        return fmt(cell["diff"], signed=True)
    verdict = "within 2 SE" if cell["within_2se"] else "beyond 2 SE"
    return f"{fmt(cell['diff'], signed=True)}{pm}{fmt(cell['diff_se'])} ({verdict})"


def seed_counts(results: dict) -> tuple[int, int]:
    """The smallest and largest number of seeds over all filled cells."""
    ns = [c["n"] for per in results.values() for cells in per.values() for c in cells.values() if c["n"]]
    return (min(ns), max(ns)) if ns else (0, 0)


def footnotes(meta: dict, results: dict) -> list[str]:
    """The footnote lines (plain text, no markup) shared by both table formats."""
    lo, hi = seed_counts(results)
    n = f"{lo}" if lo == hi else f"{lo}–{hi}"
    fewer = "; “(n=k)” marks a cell with fewer seeds" if lo != hi else ""
    lines = [
        f"Mean ± std over n = {n} seeds (sample std, ddof 1{fewer}; summary.json also gives the standard error); "
        f"values in %. Bold: the best mean of a column, separated from the runner-up by a paired Wilcoxon "
        f"signed-rank test over the same seeds (two-sided, p < {ALPHA}); {TIE}: not separated from the best (a tie).",
        f"Protocol: {meta.get('protocol', DASH)}.",
    ]
    lines += [f"Protocol on {line}." for line in meta.get("protocol_per_benchmark", [])]
    published = meta.get("published") or {}
    if published.get("values"):
        where = f" (budget {published['budget']})" if published.get("budget") else ""
        runs = published.get("runs")
        basis = (f"its SE combines ours and the paper's (std / sqrt({runs}) runs)" if runs else
                 "its SE is ours only (the source gives no number of runs)")
        lines.append(f"Published numbers{where}: {published.get('source', 'unknown source')}; rows “(ours − paper)” "
                     f"give the difference of the means ± its standard error ({basis}) and whether it lies within 2 SE.")
    else:
        lines.append("Published numbers: none to compare with.")
    lines += [str(note) for note in meta.get("notes", [])]
    return lines


def markdown_table(meta: dict, results: dict, marks: dict) -> str:
    """``table.md``: a title, a Markdown table per budget and the footnotes."""
    header = ["Strategy", *(c["label"] for c in meta["columns"])]
    out = [f"# {meta.get('title') or meta['name']}", ""]
    for budget in meta["budgets"]:
        out += [f"## Budget {budget}", ""]
        rows = table_rows(meta, results, marks, budget, pm=" ± ", bold="**{}**")
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|")
        out += ["| " + " | ".join(r) + " |" for r in rows]
        out.append("")
    out += ["Notes:", ""] + [f"- {line}" for line in footnotes(meta, results)]
    return "\n".join(out) + "\n"


LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "±": r"$\pm$", "–": "--", "−": "$-$", "“": "``", "”": "''", "≤": r"$\leq$", "≥": r"$\geq$", "≈": r"$\approx$",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters (and map the few Unicode signs used here) in plain text."""
    return "".join(LATEX_SPECIALS.get(ch, ch) for ch in str(text))


def latex_cell(cell: str) -> str:
    """A table cell already holding LaTeX (bold, ``$\\pm$``): a dash for a gap, a real minus sign."""
    if cell == DASH:
        return "--"
    cell = cell.replace(TIE, r"$\approx$")
    return re.sub(r"(^|\{)-(?=\d)", r"\1$-$", cell)


def latex_table(meta: dict, results: dict, marks: dict) -> str:
    """``table.tex``: a ``table`` float with a booktabs ``tabular``; needs only ``booktabs``."""
    ncols = len(meta["columns"])
    header = " & ".join(["Strategy", *(latex_escape(c["label"]) for c in meta["columns"])])
    lines = [
        "% generated by reproduce/render/tables.py; needs \\usepackage{booktabs}",
        "\\begin{table}[t]",
        "\\centering",
        f"\\caption{{{latex_escape(meta.get('title') or meta['name'])}}}",
        f"\\label{{tab:{re.sub(r'[^A-Za-z0-9:-]', '-', meta['name'])}}}",
        "\\small",
        f"\\begin{{tabular}}{{l{'r' * ncols}}}",
        "\\toprule",
        header + " \\\\",
    ]
    for budget in meta["budgets"]:
        lines.append("\\midrule")
        if len(meta["budgets"]) > 1:
            lines.append(f"\\multicolumn{{{ncols + 1}}}{{l}}{{\\emph{{Budget {latex_escape(budget)}}}}} \\\\")
        for row in table_rows(meta, results, marks, budget, pm=" $\\pm$ ", bold="\\textbf{{{}}}"):
            label, cells = row[0], row[1:]
            cells = [latex_cell(c) for c in cells]
            lines.append(" & ".join([latex_escape(label), *cells]) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}", "", "\\smallskip", "\\footnotesize"]
    lines += [latex_escape(line) + " \\\\" for line in footnotes(meta, results)[:-1]]
    lines += [latex_escape(footnotes(meta, results)[-1]), "\\end{table}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# output


def largest_budget(budgets: Sequence[str]) -> str:
    """The largest budget: by its number when all share a unit (``40q`` < ``500q``), else the last."""
    parsed = [re.fullmatch(r"\s*([0-9.eE+]+)\s*([A-Za-z]*)\s*", b) for b in budgets]
    if all(parsed) and len({p.group(2) for p in parsed}) == 1:
        return max(budgets, key=lambda b: float(re.fullmatch(r"\s*([0-9.eE+]+).*", b).group(1)))
    return budgets[-1]


def jsonable(obj: Any) -> Any:
    """Plain JSON types for summary.json and the page (NaN/inf as None): :func:`reproduce.store.jsonio.plain`."""
    return plain(obj, "null")


def rank_summary(finals: pd.DataFrame, strategies: Sequence[str], out_dir: Path) -> dict:
    """Average ranks per budget (and the plot) or, with one benchmark, why they are skipped."""
    n_bench = finals["benchmark"].nunique()
    if n_bench < 2:
        return {"skipped": f"only {n_bench} benchmark; an average rank needs at least two"}
    ranks = average_ranks(finals, strategies)
    info = plots.plot_average_rank(ranks, strategies, out_dir)
    per_budget = {
        budget: {
            "average": ranks[budget].mean(axis=1).to_dict(),
            "per_benchmark": ranks[budget].to_dict(orient="index"),
        }
        for budget in dict.fromkeys(ranks.columns.get_level_values(0))
    }
    return {"metric": "mean final test regret per benchmark; rank 1 = lowest", "budgets": per_budget, **info}


def time_is_queries(curves: pd.DataFrame) -> bool:
    """Whether simulated time is the same constant times the query count on every curve point
    (a benchmark without training times charges a declared constant per query)."""
    q = curves["queries"].to_numpy(float)
    t = curves["time"].to_numpy(float)
    ok = q > 0
    if not ok.any():
        return False
    rate = t[ok] / q[ok]
    return bool(np.allclose(rate, rate[0], rtol=1e-9, atol=0.0))


def write_report(meta: dict, finals: pd.DataFrame, curves: pd.DataFrame, out_dir: Path) -> dict:
    """Write ``table.md``, ``table.tex``, the figures and ``summary.json`` into ``out_dir``.

    ``finals``: one row per (strategy, budget, seed, column) with ``value`` (%) and ``regret``
    (optimum - value, %). ``curves``: one row per recorded step with ``time`` (simulated s),
    ``queries`` and ``test_regret`` (%). Returns the summary dict (also ``summary.json``).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    finals = finals.assign(budget=finals["budget"].astype(str))
    strategies = list(meta["strategies"])

    results = summarise(meta, finals)
    best = best_strategies(meta, results)
    marks = significance(meta, finals)
    write_text_atomic(out_dir / "table.md", markdown_table(meta, results, marks))
    write_text_atomic(out_dir / "table.tex", latex_table(meta, results, marks))

    figures: dict[str, Any] = {}
    if curves is not None and not curves.empty:
        if time_is_queries(curves):
            figures["anytime_time"] = {"skipped": "simulated time is a constant per query here (the table has no "
                                                  "training times), so it would repeat anytime_queries"}
            for ext in ("png", "pdf"):  # a stale figure from an earlier report must not stay beside the new ones
                (out_dir / f"anytime_time.{ext}").unlink(missing_ok=True)
        else:
            figures["anytime_time"] = plots.plot_anytime(curves, strategies, "time", out_dir, "anytime_time")
        figures["anytime_queries"] = plots.plot_anytime(curves, strategies, "queries", out_dir, "anytime_queries")
    else:
        figures["anytime"] = {"skipped": "no anytime curves"}
    final_budget = largest_budget([str(b) for b in meta["budgets"]])
    figures["final_regret"] = plots.plot_final_regret(finals, strategies, final_budget, out_dir)

    summary = {
        "meta": meta,
        "results": results,
        "best": best,
        "significance": marks,
        "average_rank": rank_summary(finals, strategies, out_dir),
        "figures": figures,
        "files": ["table.md", "table.tex", "summary.json"],
    }
    summary = jsonable(summary)
    write_text_atomic(out_dir / "summary.json", json.dumps(summary, indent=2, allow_nan=False) + "\n")
    return summary
