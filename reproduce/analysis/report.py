"""Writing the analysis: ``summary.json`` (every number, unrounded) and a Markdown report whose
tables are rounded views of the same numbers, with one caption per figure. Files are written
atomically (:mod:`nasbench.atomic`).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from nasbench.atomic import write_text_atomic
from reproduce.store.jsonio import plain


def _public(obj):
    if isinstance(obj, dict):
        return {k: _public(v) for k, v in obj.items() if not str(k).startswith("_")}
    if isinstance(obj, (list, tuple)):
        return [_public(v) for v in obj]
    return obj


def json_safe(obj):
    """Plain JSON types (:func:`reproduce.store.jsonio.plain`: NaN/inf -> None), keys starting with '_' dropped."""
    return plain(_public(obj), "null")


def write_json(path: Path, obj) -> None:
    write_text_atomic(path, json.dumps(json_safe(obj), indent=1, sort_keys=False, allow_nan=False) + "\n")


def fmt(x, digits: int = 3) -> str:
    """A number for a table cell ('n/a' for missing)."""
    if x is None:
        return "n/a"
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(f):
        return "n/a" if math.isnan(f) else ("inf" if f > 0 else "-inf")
    if f == int(f) and abs(f) >= 1000:
        return f"{int(f):,}"
    return f"{f:.{digits}f}"


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def figure(files: list[str], caption: str, folder: str = "figures") -> str:
    """Markdown image of the PNG with its one-line caption (and the PDF linked)."""
    png = next((f for f in files if f.endswith(".png")), None)
    pdf = next((f for f in files if f.endswith(".pdf")), None)
    if png is None:
        return ""
    return f"![{caption}]({folder}/{png})\n\n*{caption}* ([PDF]({folder}/{pdf}))\n"


def matrix_table(names: list[str], m, digits: int = 2) -> str:
    short = [n.split("/")[-1] for n in names]
    return table([""] + short, [[short[i]] + [fmt(v, digits) for v in row] for i, row in enumerate(m)])


# ----- benchmark analyses ---------------------------------------------------------------------
def importance_md(imp: dict) -> str:
    rows = [[d, fmt(imp["main_fraction"][d])] for d in sorted(imp["main_fraction"], key=lambda k: -imp["main_fraction"][k])]
    out = [f"Functional ANOVA of {imp['metric']} ({imp['method']}, {imp['grid_vectors']:,} decision vectors, "
           f"coverage {imp['grid_coverage']:.4f}): main effects explain {imp['main_total']:.1%} of the variance, "
           f"pairwise interactions {imp['pairs_total']:.1%}.", "", table(["decision", "main-effect share"], rows), ""]
    top = [[d["decision"], fmt(d["main_fraction"]), f"{d['best']['op']} {d['best']['effect']:+.2f} "
            f"[{d['best']['ci95'][0]:+.2f}, {d['best']['ci95'][1]:+.2f}]",
            f"{d['worst']['op']} {d['worst']['effect']:+.2f} [{d['worst']['ci95'][0]:+.2f}, {d['worst']['ci95'][1]:+.2f}]",
            fmt(d["range"], 2)] for d in imp["top_decisions"]]
    out += ["Three most important decisions (effect = mean over the space with that value minus the overall mean, "
            "points, 95% interval):", "",
            table(["decision", "share", "best value", "worst value", "range"], top), ""]
    pairs = list(imp["pair_fraction"].items())[:3]
    out += ["Largest interactions: " + ", ".join(f"{k} {v:.1%}" for k, v in pairs) + ".", ""]
    enriched = []
    for d, f in imp["top_k_frequencies"].items():
        i = imp["decisions"].index(d)
        for v, (top, space) in enumerate(zip(f["top"], f["space"])):
            if space > 0:
                enriched.append((top / space, d, imp["value_names"][i][v], top, space))
    enriched.sort(key=lambda t: -t[0])
    out += [f"Most over-represented among the top {imp['top_k']}: " + ", ".join(
        f"{d}={name} {top:.0%} vs {space:.0%} of the space" for _, d, name, top, space in enriched[:4]) + ".", ""]
    return "\n".join(out)


def landscape_md(land: dict) -> str:
    nb = land["neighborhood"]
    rows = []
    for label, s in land["metrics"].items():
        ls, rs = s["ls_model"], s["rs_model"]
        rows.append([label, f"{s['n_local_optima']} ({s['n_strict_local_optima']} strict, {s['n_plateaus']} plateaus)",
                     fmt(s["global_basin_fraction"]), fmt(s["basin_size"]["median"], 0), fmt(s["fdc"]),
                     fmt(s["neighbor_correlation"]), fmt(s["autocorrelation"][1]), fmt(s["correlation_length"], 2),
                     fmt(s["evolvability"]["p_improve"]), fmt(ls["p_climb_global"]), fmt(ls["queries_per_climb"], 0),
                     fmt(ls["p_global_in_budget"]), fmt(s["best_outcome"] - ls["expected_outcome"]),
                     fmt(s["best_outcome"] - rs["expected_outcome"])])
    head = ["metric", "local optima", "global basin", "median basin", "FDC", "nbr corr", "rho(1) walk", "corr. length",
            "P(mutation of top 1% improves)", "P(climb -> global)", "queries/climb",
            f"P(global in {land['metrics'][land['signal']]['ls_model']['budget']} q)",
            "ls model test regret", "rs exact test regret"]
    return (f"Neighbourhood: degree {nb['min_degree']}-{nb['max_degree']} (mean {nb['mean_degree']:.1f}), "
            f"symmetric pairs {nb['symmetry']:.1%}, built in {nb['build_seconds']:.2f} s.\n\n" + table(head, rows) + "\n")


def fidelity_md(fid: dict) -> str:
    out = []
    for r in fid["fidelities"]:
        out.append(f"- {r['low']} vs {r['high']}: Spearman {r['spearman']:.3f}, Kendall {r['kendall']:.3f} "
                   f"(top 10%: Spearman {fmt(r['spearman_top10pct'])}); vs the final test: Spearman "
                   f"{r['vs_final_test']['spearman']:.3f}")
    for r in fid["seeds"]:
        out.append(f"- seeds {r['replicates'][0]} vs {r['replicates'][1]} of {r['metric']} (noise ceiling): "
                   f"Spearman {r['spearman']:.3f} over {r['n']:,} archs")
    for r in fid["valid_test"]:
        out.append(f"- {r['valid']} vs {r['test']}: Spearman {r['spearman']:.3f}, Kendall {r['kendall']:.3f}")
    if "suite_zero" in fid:
        sz = fid["suite_zero"]
        out.append(f"- NAS-Bench-Suite-Zero: {sz['archs']} archs mapped (their val_accuracy vs this table: Spearman "
                   f"{sz['agreement_spearman']:.3f}, median |difference| {sz['median_abs_diff']:.2f} points)")
    rows = [[p["proxy"], p["kind"], fmt(p["vs_final_valid"]["spearman"]), fmt(p["vs_final_test"]["spearman"]),
             f"{p['vs_final_valid']['n']:,}", fmt(p["regret"].get("whole_set"), 2), fmt(p["regret"].get("pool_100"), 2),
             fmt(p["regret"].get("pool_100_by_final_valid"), 2)] for p in fid["proxies"]]
    text = "\n".join(out) + "\n"
    if rows:
        text += "\n" + table(["proxy", "kind", "Spearman valid", "Spearman test", "archs", "regret (pick on all)",
                              "regret (pool of 100)", "pool of 100 by final valid"], rows) + "\n"
    return text


CAPTIONS = {
    "importance": "Share of the variance of {metric} explained by each decision alone (functional ANOVA), the "
                  "marginal effect of every value with its 95% interval, and each value's frequency among the top {k} "
                  "architectures over its frequency in the space (>1: over-represented among the best).",
    "landscape": "Local optima of {signal} (basin size vs value), random-walk autocorrelation, and {signal} "
                 "against the number of mutations to the global optimum (FDC).",
    "fidelity": "{x} against {y} over every architecture (log-count hexbin), and every proxy's Spearman with "
                "{final} (dashed: one training seed against another).",
    "transfer": "Spearman correlation of the final validation accuracy between datasets, and the test regret "
                "of deploying on the column the best architecture of the row.",
    "nb201_paper": "Pearson correlation of the accuracies on six NB201 sets, as in the NB201 paper's figure: all "
                   "architectures, and those with CIFAR-10 test accuracy above 92% and 93%.",
    "search_check": "Final regret of ls and re in the search signal (left) and in test accuracy (right): mean and "
                    "95% bootstrap interval over seeds, with the basin model's prediction for ls and random search's "
                    "exact expectation.",
    "strategy_ci": "Final {metric} of every strategy on every benchmark: mean and 95% bootstrap interval over seeds.",
    "cd": "Critical-difference diagram: average rank over benchmarks (1 = best); strategies joined by a bar "
          "are not significantly different (Nemenyi, alpha = 0.05).",
    "cost": "Seconds per run: simulated GPU training time of the queried architectures against the harness's "
            "measured seconds (log scale).",
}


def write_benchmarks_report(out: Path, summary: dict, figs: dict, command: str) -> Path:
    """``analysis.md`` for benchmark analyses (``figs``: key -> file names)."""
    lines = ["# NAS benchmark analysis", "", f"Command: `{command}`", "",
             "Every number below is in `summary.json` (unrounded). Methods and sources: docs/analysis.md.", ""]
    for name, res in summary["benchmarks"].items():
        lines += [f"## {name}", ""]
        if "importance" in res:
            imp = res["importance"]
            lines += ["### Operation importance", "", importance_md(imp)]
            lines.append(figure(figs.get(f"{name}:importance", []),
                                CAPTIONS["importance"].format(metric=imp["metric"], k=imp["top_k"])))
        if "landscape" in res:
            lines += ["### Landscape", "", landscape_md(res["landscape"])]
            lines.append(figure(figs.get(f"{name}:landscape", []),
                                CAPTIONS["landscape"].format(signal=res["landscape"]["signal"])))
        if "fidelity" in res:
            fid = res["fidelity"]
            lines += ["### Proxy-task fidelity", "", fidelity_md(fid)]
            meta = figs.get(f"{name}:fidelity:labels", {})
            lines.append(figure(figs.get(f"{name}:fidelity", []), CAPTIONS["fidelity"].format(
                x=meta.get("x", "?"), y=meta.get("y", "?"), final=fid["final_valid"])))
        if "errors" in res:
            lines += ["Not analysed: " + "; ".join(f"{k}: {v}" for k, v in res["errors"].items()), ""]
    for fam, tr in summary.get("transfer", {}).items():
        lines += [f"## Transfer: {fam}", "",
                  "Spearman of the final validation accuracies (over the architectures both have):", "",
                  matrix_table(tr["benchmarks"], tr["spearman_valid"]), "",
                  "Kendall tau-b:", "", matrix_table(tr["benchmarks"], tr["kendall_valid"]), "",
                  "Test regret (points) of deploying on the column the best-validation architecture of the row:", "",
                  matrix_table(tr["benchmarks"], tr["transfer_regret"]), ""]
        lines.append(figure(figs.get(f"transfer:{fam}", []), CAPTIONS["transfer"]))
    paper = summary.get("nb201_paper_matrix")
    if paper:
        lines += ["## NB201 paper's correlation figure, recomputed", "",
                  f"{paper['method']} over six sets ({', '.join(paper['sets'])}).", ""]
        for key, title in (("all", "all architectures"), ("c10_test_gt_92", "CIFAR-10 test > 92%"),
                           ("c10_test_gt_93", "CIFAR-10 test > 93%")):
            lines += [f"{title} ({paper[key]['n_archs']:,} archs):", "", matrix_table(paper["sets"], paper[key]["matrix"]), ""]
        lines.append(figure(figs.get("nb201_paper", []), CAPTIONS["nb201_paper"]))
    check = summary.get("search_check")
    if check:
        lines += ["## Do the landscapes predict ls vs re?", "", check["protocol"], ""]
        def ci(d):
            return (f"{fmt(d.get('mean', d.get('mean_diff')))} "
                    f"[{fmt(d.get('ci95', [None, None])[0])}, {fmt(d.get('ci95', [None, None])[1])}]")

        rows = []
        for r in check["rows"]:
            rows.append([r["benchmark"], r["signal"], fmt(r["fdc"]), str(r["n_local_optima"]), fmt(r["global_basin_fraction"]),
                         fmt(r["p_global_in_budget"]), r["prediction"]])
        lines += ["Landscape of the search signal and the prediction:", "",
                  table(["benchmark", "signal", "FDC", "local optima", "global basin", "P(ls finds global in budget)",
                         "prediction"], rows), ""]
        yes = {True: "yes", False: "**no**", None: "n/a"}
        for metric, title in (("signal_regret", "search-signal regret (what the landscape describes)"),
                              ("test_regret", "test regret (what a user deploys)")):
            pred = "predicted_ls_signal_regret" if metric == "signal_regret" else "predicted_ls_regret"
            rs = "predicted_rs_signal_regret" if metric == "signal_regret" else "predicted_rs_regret"
            rows = []
            for r in check["rows"]:
                m = r["measured"].get(metric, {})
                rows.append([r["benchmark"], fmt(r[pred]), ci(m.get("ls", {})), ci(m.get("re", {})), fmt(r[rs]),
                             ci(r["ls_minus_re"].get(metric, {})), r[f"ranking_{metric}"], yes[r[f"agrees_{metric}"]]])
            lines += [f"Final {title}:", "",
                      table(["benchmark", "ls basin model", "ls measured", "re measured", "random search (exact)",
                             "ls - re (paired)", "measured", "agrees with prediction"], rows), ""]
        lines.append(figure(figs.get("search_check", []), CAPTIONS["search_check"]))
    t = summary.get("timings_s", {})
    if t:
        rows = [[n] + [fmt(v.get(k), 2) for k in ("importance", "landscape", "fidelity", "figures")]
                for n, v in t.get("benchmarks", {}).items()]
        lines += ["## Timings (seconds, this machine)", "",
                  table(["benchmark", "importance", "landscape", "fidelity", "figures"], rows), "",
                  f"Transfer: {fmt(t.get('transfer'), 2)} s; search check runs: {fmt(t.get('search_runs'), 1)} s; "
                  f"total: {fmt(t.get('total'), 1)} s.", ""]
    path = out / "analysis.md"
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path


def write_results_report(out: Path, summary: dict, figs: dict, command: str) -> Path:
    """``analysis.md`` for a results folder: strategy comparison and cost."""
    cmp = summary["comparison"]
    lines = ["# Strategy comparison", "", f"Command: `{command}`", "",
             f"Metric: final `{cmp['metric']}` ({'lower' if cmp['lower_is_better'] else 'higher'} is better). "
             "Intervals: 95% percentile bootstrap over seeds (differences paired by seed).", ""]
    for b in cmp["benchmarks"]:
        pb = cmp["per_benchmark"][b]
        lines += [f"## {b}", "", table(["strategy", "runs", "mean", "95% CI", "median"],
                                        [[s, r["runs"], fmt(r["mean"]), f"[{fmt(r['ci95'][0])}, {fmt(r['ci95'][1])}]",
                                          fmt(r["median"])]
                                         for s, r in sorted(pb["strategies"].items(),
                                                            key=lambda t: t[1]["mean"] if cmp["lower_is_better"]
                                                            else -t[1]["mean"])]), ""]
        rows = [[f"{p['a']} - {p['b']}", p["n_pairs"], fmt(p["mean_diff"]), f"[{fmt(p['ci95'][0])}, {fmt(p['ci95'][1])}]",
                 p["better"] or "no significant difference"] for p in pb["pairs"]]
        verdict = (" (significantly better than the runner-up)" if pb["winner_significant"] else
                   " (not significantly better than the runner-up)" if pb["winner_significant"] is False else "")
        if pb.get("no_verdict"):
            verdict = f" (no verdict: {pb['no_verdict']})"
        lines += [table(["pair", "seeds", "mean difference", "95% CI", "better"], rows), "",
                  f"Best mean: {pb['winner']}{verdict}", ""]
    lines.append(figure(figs.get("strategy_ci", []), CAPTIONS["strategy_ci"].format(metric=cmp["metric"].replace("_", " "))))
    cd = cmp.get("critical_difference")
    if cd:
        lines += ["## Over benchmarks", "",
                  table(["strategy", "average rank"],
                        [[s, fmt(r, 2)] for s, r in zip(cd["strategies"], cd["average_ranks"])]), "",
                  f"Friedman chi2 = {cd['chi2']:.3f} (p = {cd['p_chi2']:.3g}), Iman-Davenport F = {fmt(cd['iman_davenport_F'])} "
                  f"(p = {fmt(cd['p_F'], 4)}); Nemenyi CD = {cd['cd']:.3f} (q = {cd['q_alpha']:.3f}, k = {cd['k_strategies']}, "
                  f"N = {cd['n_benchmarks']}).", ""]
        if cd.get("warning"):
            lines += [f"**Warning:** {cd['warning']}", ""]
        if cd["dropped"]:
            lines += [f"Left out (not run on every benchmark): {', '.join(cd['dropped'])}.", ""]
        lines.append(figure(figs.get("cd", []), CAPTIONS["cd"]))
    cost = summary.get("cost")
    if cost:
        em = cost["energy_model"]
        lines += ["## What the searches would have cost", "",
                  f"Energy model: {em['power_w']:g} W x PUE {em['pue']:g}, grid {em['grid_g_per_kwh']:g} gCO2e/kWh "
                  f"({'; '.join(em['sources'].values())}).", ""]
        rows = [[r["benchmark"], r["strategy"], r["runs"], fmt(r["queries_per_run"], 0), fmt(r["gpu_hours_per_run"], 2),
                 fmt(r["gpu_hours_total"], 1), fmt(r["kwh_total"], 1), fmt(r["co2_kg_total"], 2),
                 fmt(r["harness_seconds_per_run"], 4), fmt(r["speedup"], 0)] for r in cost["configurations"]]
        lines += [table(["benchmark", "strategy", "runs", "queries/run", "GPU-h/run", "GPU-h total", "kWh", "kg CO2e",
                         "harness s/run", "speed-up"], rows), ""]
        tot = cost["total"]
        lines += [f"Total: {tot['runs']} runs, {fmt(tot['gpu_hours'], 1)} simulated GPU-hours, {fmt(tot['kwh'], 1)} kWh, "
                  f"{fmt(tot['co2_kg'], 2)} kg CO2e, against {fmt(tot['harness_seconds'], 1)} s of table lookups here"
                  + (f"; {tot['runs_without_train_time']} runs on tables without training time are not costed."
                     if tot["runs_without_train_time"] else "."), ""]
        lines.append(figure(figs.get("cost", []), CAPTIONS["cost"]))
    path = out / "analysis.md"
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path


__all__ = ["CAPTIONS", "figure", "fmt", "json_safe", "table", "write_benchmarks_report", "write_json",
           "write_results_report"]
