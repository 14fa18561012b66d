"""Running the analyses: every benchmark's importance, landscape and fidelity, the transfer
matrices of each family, the ls-vs-re check of the landscape predictions, and the reports.

    from reproduce.analysis.pipeline import analyze_benchmarks, analyze_results
    analyze_benchmarks(["nb201/cifar10", "nbgraph/cora"], "results/analysis")
    analyze_results("results/nb201", "results/nb201/analysis")
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

import nasbench
from nasbench.errors import NasbenchError
from reproduce.analysis import cost as cost_mod
from reproduce.analysis import data, fidelity, figures, importance, landscape, report, transfer
from reproduce.analysis import results as results_mod
from reproduce.progress import say, stage_progress

#: the strategies whose measured runs check the landscape predictions
CHECK_STRATEGIES = ("ls", "re")
CHECK_BUDGET = "150q"
CHECK_SEEDS = 100


def _predict(stats: dict) -> str:
    """The ranking the landscape suggests (see docs/analysis.md): ``ls>=re``, ``re>=ls`` or ``unclear``."""
    ls = stats["ls_model"]
    if stats["fdc"] <= landscape.FDC_EASY and ls["p_global_in_budget"] >= 0.5:
        return "ls>=re"
    if stats["fdc"] >= landscape.FDC_MISLEADING or ls["p_global_in_budget"] < 0.1:
        return "re>=ls"
    return "unclear"


def _measured(final, bench: str, budget: str, best_signal: float, rng: np.random.Generator) -> dict:
    """Measured final regrets of ls and re: of the search signal (``best_signal`` minus the
    incumbent's signal value, what the landscape describes) and of the test accuracy."""
    sub = final[(final["benchmark"] == bench) & (final["budget"] == budget)]
    out: dict = {"signal_regret": {}, "test_regret": {}}
    per_seed: dict = {"signal_regret": {}, "test_regret": {}}
    for s in CHECK_STRATEGIES:
        g = sub[sub["strategy"] == s]
        if not len(g):
            continue
        seeds = g["seed"].astype(int)
        for metric, values in (("signal_regret", best_signal - g["incumbent_signal"].astype(float)),
                               ("test_regret", g["test_regret"].astype(float))):
            vals = dict(zip(seeds, values))
            arr = np.array(list(vals.values()))
            m, ci = results_mod.bootstrap_mean_ci(arr, rng)
            out[metric][s] = {"runs": len(vals), "mean": m, "ci95": ci, "p_zero_regret": float(np.mean(arr <= 1e-6))}
            per_seed[metric][s] = vals
    diff = {m: results_mod.paired_difference(v["ls"], v["re"], rng) for m, v in per_seed.items() if len(v) == 2}
    return {"measured": out, "ls_minus_re": diff}


def _ranking(diff: dict) -> str:
    if not diff or not np.isfinite(diff.get("ci95", [np.nan])[0]):
        return "n/a"
    if diff.get("n_pairs", 0) < results_mod.MIN_VERDICT_SEEDS:
        return f"n/a (n = {diff.get('n_pairs', 0)} < {results_mod.MIN_VERDICT_SEEDS} seeds)"
    lo, hi = diff["ci95"]
    return "ls better" if hi < 0 else "re better" if lo > 0 else "tie"


def _agrees(prediction: str, ranking: str):
    if prediction == "unclear" or ranking.startswith("n/a"):
        return None
    return ranking != ("re better" if prediction == "ls>=re" else "ls better")


def search_check(benches: dict, land: dict, runs_dir: Path, *, seeds, budget: str, jobs, quiet: bool,
                 run: bool = True) -> dict:
    """Measured ls and re runs (swept into ``runs_dir`` when ``run``) against the landscape predictions."""
    from reproduce.store.results import load_final
    from reproduce.store.sweep import sweep
    from strategies.runner import RunSpec

    names = [n for n in benches if n in land]
    t0 = time.perf_counter()
    if run:
        specs = [RunSpec(benchmark=n, strategy=s, seed=int(seed), budget=budget) for n in names
                 for s in CHECK_STRATEGIES for seed in seeds]
        sweep(specs, runs_dir, executor="local", workers=jobs, progress=not quiet, label="analyze runs")
    t_runs = time.perf_counter() - t0
    final = load_final(runs_dir) if runs_dir.exists() else None
    rng = np.random.default_rng(0)
    rows = []
    for n in names:
        lab = land[n]["signal"]
        stats = land[n]["metrics"][lab]
        row = {"benchmark": n, "signal": lab, "fdc": stats["fdc"], "n_local_optima": stats["n_local_optima"],
               "global_basin_fraction": stats["global_basin_fraction"],
               "p_global_in_budget": stats["ls_model"]["p_global_in_budget"],
               "predicted_ls_signal_regret": stats["global_value"] - stats["ls_model"]["expected_signal"],
               "predicted_rs_signal_regret": stats["global_value"] - stats["rs_model"]["expected_signal"],
               "predicted_ls_regret": stats["best_outcome"] - stats["ls_model"]["expected_outcome"],
               "predicted_rs_regret": stats["best_outcome"] - stats["rs_model"]["expected_outcome"],
               "prediction": _predict(stats), "measured": {}, "ls_minus_re": {}}
        if final is not None and len(final):
            row.update(_measured(final, n, budget, stats["global_value"], rng))
        for metric in ("signal_regret", "test_regret"):
            row[f"ranking_{metric}"] = _ranking(row["ls_minus_re"].get(metric, {}))
            row[f"agrees_{metric}"] = _agrees(row["prediction"], row[f"ranking_{metric}"])
        rows.append(row)
    protocol = (f"Measured: `ls` and `re` with their default hyperparameters, {len(list(seeds))} seeds, budget {budget}, "
                "the benchmark's default search signal and noise. Final regret of the incumbent in the search signal "
                "(the landscape analysed: its global optimum minus the incumbent's signal value) and in test accuracy "
                "(mean, 95% bootstrap CI; ls - re paired by seed, negative = ls better). Prediction from the signal's landscape: "
                f"`ls>=re` when FDC <= {landscape.FDC_EASY} and the basin model gives P(ls finds the global optimum "
                f"within the budget) >= 0.5; `re>=ls` when FDC >= {landscape.FDC_MISLEADING} or that probability < 0.1; "
                "otherwise `unclear`. It agrees unless the other strategy is significantly better.")
    return {"protocol": protocol, "budget": budget, "seeds": len(list(seeds)), "runs_dir": str(runs_dir),
            "rows": rows, "seconds_runs": t_runs}


def resolve_names(targets: list[str]) -> list[str]:
    """``all`` -> every benchmark with a shipped table (:func:`nasbench.catalog.shipped_table_names`:
    not the surrogate nb301, whose 10^18 architectures no exhaustive analysis covers, nor the
    tables that need an official file); ``nb201`` / ``nbgraph`` -> that family; names kept."""
    from nasbench.catalog import shipped_table_names

    catalog = shipped_table_names()
    out: list[str] = []
    for t in targets:
        if t == "all":
            picks = catalog
        elif t in {data.family(n) for n in catalog}:
            picks = [n for n in catalog if data.family(n) == t]
        else:
            picks = [t]
        out += [p for p in picks if p not in out]
    return out


def analyze_benchmarks(names: list[str], out: str | Path, *, seed: int = 0, check: bool = True,
                       runs_dir: str | Path | None = None, run_missing: bool = True, seeds=range(CHECK_SEEDS),
                       budget: str = CHECK_BUDGET, jobs: int | None = None, quiet: bool = False,
                       command: str = "nasbench analyze") -> dict:
    """Analyse benchmarks into ``out`` (analysis.md, summary.json, figures/); returns the summary."""
    from strategies.loop import Budget

    t_start = time.perf_counter()
    out = Path(out)
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    benches = {n: nasbench.load(n) for n in names}
    b = Budget.parse(budget)
    if check and not b.is_queries:
        raise NasbenchError(f"the ls-vs-re check needs a query budget such as '150q', got '{budget}'")
    budget_q = int(b.amount) if b.is_queries else 150
    budget = str(b)
    summary: dict = {"benchmarks": {}, "transfer": {}, "timings_s": {"benchmarks": {}}}
    figs: dict = {}
    land_all: dict = {}
    with stage_progress(len(names) * 3 + 1, "analyze", quiet, unit="analyses") as progress:
        for n, bench in benches.items():
            res: dict = {"errors": {}}
            times: dict = {}
            stem = figures.slug(n)
            for key, fn in (("importance", lambda bench=bench: importance.analyze(bench, seed=seed)),
                            ("landscape", lambda bench=bench: landscape.analyze(bench, seed=seed, budget=budget_q)),
                            ("fidelity", lambda bench=bench: fidelity.analyze(bench, seed=seed))):
                t0 = time.perf_counter()
                try:
                    res[key] = fn()
                except (ValueError, NasbenchError) as exc:  # e.g. a grid too large, a table without test
                    res["errors"][key] = str(exc)
                times[key] = time.perf_counter() - t0
                progress.update(note=f"{n} {key}")
            t0 = time.perf_counter()
            if "importance" in res:
                figs[f"{n}:importance"] = figures.importance(res["importance"], fig_dir, f"{stem}-importance")
            if "landscape" in res:
                figs[f"{n}:landscape"] = figures.landscape(res["landscape"], fig_dir, f"{stem}-landscape")
                land_all[n] = res["landscape"]
            if "fidelity" in res:
                x, y, xl, yl = _fidelity_axes(bench, res["fidelity"])
                figs[f"{n}:fidelity"] = figures.fidelity(res["fidelity"], x, y, xl, yl, fig_dir, f"{stem}-fidelity")
                figs[f"{n}:fidelity:labels"] = {"x": xl, "y": yl}
            times["figures"] = time.perf_counter() - t0
            if not res["errors"]:
                res.pop("errors")
            summary["benchmarks"][n] = res
            summary["timings_s"]["benchmarks"][n] = times
        t0 = time.perf_counter()
        families: dict[str, list] = {}
        for n in names:
            families.setdefault(data.family(n), []).append(benches[n])
        for fam, members in families.items():
            if len(members) >= 2:
                summary["transfer"][fam] = transfer.analyze(members)
                figs[f"transfer:{fam}"] = figures.transfer(summary["transfer"][fam], fig_dir, f"transfer-{figures.slug(fam)}")
        paper = transfer.nb201_paper_matrix(benches)
        if paper:
            summary["nb201_paper_matrix"] = paper
            figs["nb201_paper"] = figures.nb201_paper(paper, fig_dir, "nb201-paper-correlation")
        summary["timings_s"]["transfer"] = time.perf_counter() - t0
        progress.update(note="transfer")
    if check and land_all:
        target = Path(runs_dir) if runs_dir is not None else out / "runs"
        checked = {n: b for n, b in benches.items() if not n.startswith("user:")}
        sc = search_check(checked, land_all, target, seeds=list(seeds), budget=budget, jobs=jobs, quiet=quiet,
                          run=run_missing)
        summary["search_check"] = sc
        summary["timings_s"]["search_runs"] = sc["seconds_runs"]
        if sc["rows"]:
            figs["search_check"] = figures.search_check(sc["rows"], fig_dir, "search-check")
    summary["timings_s"]["total"] = time.perf_counter() - t_start
    summary["command"] = command
    report.write_json(out / "summary.json", summary)
    path = report.write_benchmarks_report(out, summary, figs, command)
    say("analyze", f"wrote {path}, {out / 'summary.json'} and {sum(len(v) for k, v in figs.items() if isinstance(v, list))} "
        f"figure files in {fig_dir} ({summary['timings_s']['total']:.1f} s)", quiet)
    return summary


def _fidelity_axes(bench, fid: dict):
    """The scatter of the fidelity figure: lowest vs highest fidelity, else validation vs test."""
    final_valid = data.final(bench, "valid_acc")
    if fid["fidelities"]:
        low = fid["fidelities"][0]["low"]
        f = float(low.split("@")[1])
        return (bench.table.vector("valid_acc", f, "mean").astype(np.float64), final_valid.values, low, final_valid.label)
    test = data.final(bench, "test_acc")
    return final_valid.values, test.values, final_valid.label, test.label


def analyze_results(results_dir: str | Path, out: str | Path | None = None, *, metric: str = "test_regret",
                    energy: cost_mod.EnergyModel = cost_mod.EnergyModel(), sample: int = 3, quiet: bool = False,
                    command: str = "nasbench analyze", on_bad: str = "error", select: dict | None = None) -> dict:
    """Strategy comparison and cost of a results folder into ``out`` (default ``results_dir/analysis``).

    One configuration, one label (``rs, budget 50q`` / ``rs, budget 100q``): runs of two
    configurations are never pooled. A result file that cannot be read or validated stops the
    analysis naming every such file; ``on_bad="skip"`` leaves them out and says so.
    """
    import sys

    from reproduce.store.results import load_final, read_folder, result_files

    results_dir = Path(results_dir)
    if not result_files(results_dir):
        raise NasbenchError(f"'{results_dir}' holds no result files (seed-NNNNN.json); "
                            f"run `nasbench run ... --out {results_dir}` first")
    out = Path(out) if out is not None else results_dir / "analysis"
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    folder = read_folder(results_dir, on_bad)
    if folder.skipped_note():
        print(f"nasbench: warning: {folder.skipped_note()}", file=sys.stderr)
    final = load_final(results_dir, on_bad, select)
    if metric not in final.columns:
        raise NasbenchError(f"results have no column '{metric}'; "
                            "choose one of test_regret, valid_regret, incumbent_test, incumbent_valid")
    summary: dict = {"results_dir": str(results_dir), "command": command,
                     "skipped_files": [{"path": str(b.path), "reason": b.reason} for b in folder.bad]}
    figs: dict = {}
    with stage_progress(None, "analyze", quiet, unit="configurations") as progress:
        summary["comparison"] = results_mod.compare(final, metric)
        warning = (summary["comparison"].get("critical_difference") or {}).get("warning")
        if warning:
            say("analyze", f"warning: {warning}", quiet)
        figs["strategy_ci"] = figures.strategy_ci(summary["comparison"], fig_dir, "strategy-ci")
        if summary["comparison"]["critical_difference"]:
            figs["cd"] = figures.cd_diagram(summary["comparison"]["critical_difference"], fig_dir, "critical-difference")
        keep = set(final["config_key"].astype(str))
        paths = [p for p, d in zip(folder.paths, folder.docs) if d["config_key"] in keep]
        summary["cost"] = cost_mod.analyze(results_dir, energy=energy, sample=sample, progress=progress.callback,
                                           paths=paths)
        if any(math.isfinite(r["gpu_hours_per_run"]) for r in summary["cost"]["configurations"]):
            figs["cost"] = figures.cost(summary["cost"]["configurations"], fig_dir, "cost")
    summary["seconds"] = time.perf_counter() - t0
    report.write_json(out / "summary.json", summary)
    path = report.write_results_report(out, summary, figs, command)
    say("analyze", f"wrote {path} and {out / 'summary.json'} ({summary['seconds']:.1f} s)", quiet)
    return summary


__all__ = ["CHECK_BUDGET", "CHECK_SEEDS", "CHECK_STRATEGIES", "analyze_benchmarks", "analyze_results", "resolve_names",
           "search_check"]
