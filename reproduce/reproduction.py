"""Run a preset resumably and turn its results into the report's inputs.

``run_preset(preset, out_dir)`` sweeps every (search benchmark, strategy, seed) at the
preset's largest budget into ``out_dir/runs`` (one result file per run; a rerun skips
finished runs), then ``collect`` reads each run's incumbent at every budget checkpoint and
looks up the reported metrics (final fidelity, mean over replicates) on the report
benchmarks, and ``write_report`` writes tables, plots and summary.json.

A ``kind = "predictors"`` preset instead runs the predictor evaluation protocol
(:func:`run_predictor_preset`): ``results.csv``, ``summary.csv``, ``spearman.png/.pdf``,
``table.md`` and ``summary.json`` (Spearman and Kendall tau at each train size).

A ``kind = "multiobjective"`` preset sweeps device x strategy x seed the same way and writes a
hypervolume-regret report (:func:`reproduce.mo_report.run_mo_preset`).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import nasbench
from nasbench.benchmark import ReportValues
from nasbench.errors import MissingMetricError
from reproduce.presets import MOPreset, PredictorPreset, Preset, PresetError
from reproduce.results import ResultFileError, read_run, result_path
from strategies.loop import Budget, Trajectory
from strategies.runner import RunSpec


def preset_specs(preset: Preset, seeds: int | None = None) -> list[RunSpec]:
    """Every run of the preset (at its largest budget)."""
    n = preset.seeds if seeds is None else seeds
    return [
        RunSpec(
            benchmark=bench, strategy=s.name, seed=seed, budget=preset.max_budget, hyperparameters=dict(s.hyperparameters),
            signal=preset.signal, noise=preset.noise, workers=preset.workers, allow_test_signal=preset.allow_test_signal,
        )
        for bench in preset.search_benchmarks
        for s in preset.strategies
        for seed in range(n)
    ]


def _checkpoint_row(traj: Trajectory, budget: Budget) -> int:
    """Index of the last trajectory row within ``budget`` (-1 if none)."""
    axis = traj["queries"] if budget.is_queries else traj["time"]
    return int(np.searchsorted(axis, budget.amount, side="right")) - 1


def _report_vectors(preset: Preset) -> dict[str, dict[str, ReportValues]]:
    vectors: dict[str, dict[str, np.ndarray]] = {}
    for search in preset.search_benchmarks:
        space = nasbench.load(search).space.name
        for target in preset.report_targets(search):
            bench = nasbench.load(target)
            if bench.space.name != space:
                raise PresetError(f"cannot report a search on '{search}' on '{target}': different search spaces")
            try:
                vectors[target] = {m: ReportValues(bench, m) for m, _ in preset.metrics}
            except MissingMetricError as exc:
                raise PresetError(f"preset '{preset.name}' reports a metric that '{target}' lacks: {exc}") from None
    return vectors


def read_runs(specs: list[RunSpec], runs_dir: Path, missing: list[RunSpec] | None = None):
    """``(spec, trajectory)`` of each run; a run without a readable result file raises
    ResultFileError, or is appended to ``missing`` (when given) and skipped."""
    for spec in specs:
        try:
            _, traj = read_run(result_path(runs_dir, spec))
        except ResultFileError:
            if missing is None:
                raise
            missing.append(spec)
            continue
        yield spec, traj


def _id_translator(search: str, target: str):
    """``search id -> target id`` (-1 when the target table lacks the architecture). Identity
    between the full tables of one space; through the architecture string when either side is a
    user table over part of the space (its ids are its own rows)."""
    from nasbench.errors import InvalidArchitectureError
    from nasbench.spaces.subset import SubsetSpace

    source, dest = nasbench.load(search), nasbench.load(target)
    if search == target or (not isinstance(source.space, SubsetSpace) and not isinstance(dest.space, SubsetSpace)
                            and source.space.size == dest.space.size):
        return lambda arch: arch
    cache: dict[int, int] = {}

    def translate(arch: int) -> int:
        if arch not in cache:
            try:
                cache[arch] = dest.arch_id(source.space.to_str(arch))
            except InvalidArchitectureError:
                cache[arch] = -1
        return cache[arch]

    return translate


def _change_points(traj: Trajectory) -> np.ndarray:
    """Rows where the incumbent changes, plus the last row (enough for step-function curves)."""
    inc = traj["incumbent"]
    if not len(inc):
        return np.empty(0, dtype=np.int64)
    keep = np.flatnonzero(np.r_[True, inc[1:] != inc[:-1]])
    return np.union1d(keep, [len(inc) - 1])


def collect(preset: Preset, specs: list[RunSpec], runs_dir: Path, *, missing: list[RunSpec] | None = None):
    """(meta, finals, curves) for :func:`reproduce.report.write_report`.

    A run without a readable result file raises ResultFileError, or, when a ``missing`` list is
    given, is appended to it and left out (``report.html`` lists such runs as failed).
    """
    import pandas as pd

    vectors = _report_vectors(preset)
    labels = {(s.name, tuple(sorted(s.hyperparameters.items()))): s.label for s in preset.strategies}
    budgets = [Budget.parse(b) for b in preset.budgets]
    finals, curves, protocol = [], [], None
    translators = {(b, t): _id_translator(b, t) for b in preset.search_benchmarks for t in preset.report_targets(b)}
    for spec, traj in read_runs(specs, runs_dir, missing):
        protocol = protocol or traj.protocol
        label = labels[(spec.strategy, tuple(sorted(spec.hyperparameters.items())))]
        for budget in budgets:
            row = _checkpoint_row(traj, budget)
            inc = int(traj["incumbent"][row]) if row >= 0 else -1
            for target in preset.report_targets(spec.benchmark):
                arch = translators[(spec.benchmark, target)](inc) if inc >= 0 else -1
                for metric, _ in preset.metrics:
                    vec = vectors[target][metric]
                    value = float(vec[arch]) if arch >= 0 else math.nan
                    finals.append((label, str(budget), spec.seed, target, metric, value, vec.best - value, spec.benchmark))
        keep = _change_points(traj)
        for i in keep:
            curves.append((label, spec.benchmark, spec.seed, float(traj["time"][i]), int(traj["queries"][i]),
                           float(traj["test_regret"][i]), float(traj["valid_regret"][i]), float(traj["incumbent_test"][i])))
    finals_df = pd.DataFrame(finals, columns=["strategy", "budget", "seed", "benchmark", "metric", "value", "regret", "search_benchmark"])
    curves_df = pd.DataFrame(curves, columns=["strategy", "benchmark", "seed", "time", "queries", "test_regret", "valid_regret", "incumbent_test"])
    return _meta(preset, vectors, protocol or {}, len({s.seed for s in specs})), finals_df, curves_df


def _column_label(preset: Preset, target: str, metric_label: str) -> str:
    several = len({t for b in preset.search_benchmarks for t in preset.report_targets(b)}) > 1
    return f"{target.split('/')[-1]} {metric_label}" if several else metric_label


def _signal_text(preset: Preset, protocol: dict) -> str:
    """The search signal as the runs resolved it (per-benchmark fidelities differ: say so)."""
    if len(preset.search_benchmarks) == 1:
        return str(protocol.get("signal", preset.signal))
    return f"{preset.signal or 'the default signal'} at each benchmark's final fidelity"


def _meta(preset: Preset, vectors: dict, protocol: dict, n_seeds: int) -> dict:
    targets = list(dict.fromkeys(t for b in preset.search_benchmarks for t in preset.report_targets(b)))
    columns = [
        {"benchmark": t, "metric": m, "label": _column_label(preset, t, label)} for t in targets for m, label in preset.metrics
    ]
    transfer = any(b != "same" for b in preset.report_benchmarks)
    protocol_text = (
        f"search on {', '.join(preset.search_benchmarks)} with signal {_signal_text(preset, protocol)}, "
        f"noise model {protocol.get('noise', preset.noise)}, cost {protocol.get('cost_model', '?')}; "
        f"budget {' / '.join(preset.budgets)}, {preset.workers} worker(s), {n_seeds} seeds (0..{n_seeds - 1}); "
        f"reported: the incumbent's {', '.join(m for m, _ in preset.metrics)} at the table's final fidelity, mean over "
        f"replicates{' (incumbent transferred to the other datasets)' if transfer else ''}; mean +/- std over seeds"
    )
    notes = list(preset.notes)
    if preset.allow_test_signal:
        notes.insert(0, "WARNING: this protocol's search signal reads the TEST split (as the published baselines did); its numbers leak test data")
    return {
        "name": preset.name,
        "title": preset.title,
        "protocol": protocol_text,
        "strategies": [s.label for s in preset.strategies],
        "columns": columns,
        "budgets": list(preset.budgets),
        "published": preset.published if preset.published.get("values") else {},
        "optimum": {t: {m: v.best for m, v in vs.items()} for t, vs in vectors.items()},
        "notes": notes,
    }


def run_preset(
    preset: Preset | PredictorPreset | MOPreset,
    out_dir: Path,
    *,
    seeds: int | None = None,
    executor: str = "local",
    jobs: int | None = None,
    progress: bool = True,
    html: bool = False,
) -> dict:
    """Sweep the preset's runs (resumably) and write the report into ``out_dir``; returns the summary.

    ``html``: also write ``report.html`` (:mod:`reproduce.html_report`); when some runs failed it
    is written from the finished runs, listing the failed ones, before PresetError is raised.
    """
    if isinstance(preset, PredictorPreset):
        return run_predictor_preset(preset, Path(out_dir), trials=seeds, jobs=1 if executor == "serial" else jobs,
                                    progress=progress, html=html)
    if getattr(preset, "kind", None) == "oneshot":
        from reproduce.oneshot_report import NO_HTML, run_oneshot_preset

        if html:
            raise PresetError(NO_HTML)
        return run_oneshot_preset(preset, Path(out_dir), seeds=seeds, progress=progress,
                                  jobs=1 if executor == "serial" or not jobs else jobs)
    if isinstance(preset, MOPreset):
        from reproduce.mo_report import run_mo_preset

        return run_mo_preset(preset, Path(out_dir), seeds=seeds, executor=executor, jobs=jobs, progress=progress,
                             html=html)
    from reproduce.sweep import sweep

    specs = preset_specs(preset, seeds)
    runs_dir = Path(out_dir) / "runs"
    outcome = sweep(specs, runs_dir, executor=executor, workers=jobs, progress=progress, label=preset.name)
    return report_search(preset, specs, Path(out_dir), html=html, failed=outcome.failed)


def report_search(preset: Preset, specs: list[RunSpec], out_dir: Path, *, html: bool = False, failed: int = 0) -> dict:
    """Tables, plots and summary.json of a search preset's stored runs (and ``report.html``).

    Runs without a result file: PresetError (the other outputs are not written); with ``html``
    the page is written first from the finished runs and lists the failed ones with their reasons.
    """
    from reproduce.report import write_report

    runs_dir = out_dir / "runs"
    missing: list[RunSpec] | None = [] if html else None
    if failed and not html:
        raise PresetError(f"{failed} run(s) of preset '{preset.name}' failed; see the *.error.json files under {runs_dir} and rerun")
    meta, finals, curves = collect(preset, specs, runs_dir, missing=missing)
    if missing:
        from reproduce.html_report import write_search_html

        page = write_search_html(out_dir, preset, specs, meta, finals, curves, missing=missing)
        raise PresetError(f"{len(missing)} run(s) of preset '{preset.name}' failed or have no result; {page} lists them "
                          f"with their reasons (see the *.error.json files under {runs_dir}); rerun to retry them")
    summary = write_report(meta, finals, curves, out_dir)
    if html:
        from reproduce.html_report import write_search_html

        write_search_html(out_dir, preset, specs, meta, finals, curves, summary=summary)
    return summary


# ----- predictor-evaluation presets ---------------------------------------------------------------
PREDICTOR_RESULTS = "results.csv"


def run_predictor_preset(
    preset: PredictorPreset, out_dir: Path, *, trials: int | None = None, jobs: int | None = None, progress: bool = True,
    html: bool = False,
) -> dict:
    """Run the predictor evaluation protocol of ``preset`` and write its report; returns the summary.

    ``jobs`` None = every available core (trials are spread over processes; the rows do not
    depend on it). Not resumable: a rerun recomputes every trial.
    """
    import os

    import pandas as pd

    from nasbench.atomic import atomic_path
    from predictors.evaluation import COLUMNS, evaluate_predictors
    from reproduce.progress import stage_progress

    n = preset.trials if trials is None else trials
    jobs = jobs or os.cpu_count() or 1

    with stage_progress(n, preset.name, quiet=not progress, unit="trials", defer=True) as bar:
        rows = evaluate_predictors(
            preset.benchmark, list(preset.predictors), train_sizes=preset.train_sizes, n_test=preset.test_size,
            trials=n, encoding=preset.encoding, metric=preset.metric, fidelity=preset.fidelity, seed=preset.seed,
            jobs=min(jobs, n), progress=bar.callback,
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    with atomic_path(out_dir / PREDICTOR_RESULTS) as tmp:
        frame.to_csv(tmp, index=False)
    doc = write_predictor_report(preset, frame, out_dir)
    if html:
        from reproduce.html_report import write_predictor_html

        write_predictor_html(out_dir, preset, frame, doc)
    return doc


def write_predictor_report(preset: PredictorPreset, frame, out_dir: Path) -> dict:
    """``summary.csv``, ``summary.json``, ``table.md`` and ``spearman.png/.pdf`` from the tidy rows.

    ``summary.json`` holds every number unrounded; ``table.md`` shows them to 3 decimals.
    """
    import json

    from nasbench.atomic import atomic_path, write_text_atomic
    from predictors.evaluation import format_ci, plot_spearman, summarize

    out_dir = Path(out_dir)
    summary = summarize(frame)
    with atomic_path(out_dir / "summary.csv") as tmp:
        summary.to_csv(tmp, index=False)
    sizes = sorted(int(s) for s in summary["train_size"].unique())
    trials = int(frame["trial"].nunique())
    fidelity = float(frame["fidelity"].iloc[0])
    n_test = int(frame["n_test"].iloc[0])
    results: dict = {}
    for (name, enc), part in summary.groupby(["predictor", "encoding"], sort=False):
        results[name] = {"encoding": enc, "sizes": {
            str(int(r["train_size"])): {k: (int(r[k]) if k == "trials" else float(r[k])) for k in
                                        ("spearman", "spearman_lo", "spearman_hi", "kendall", "fit_time", "predict_time", "trials")}
            for _, r in part.iterrows()}}
    last = str(sizes[-1])
    order = sorted(results, key=lambda p: -results[p]["sizes"][last]["spearman"])
    protocol = (f"{preset.benchmark}, target {preset.metric}@{fidelity:g}; per trial {n_test} held-out test "
                f"architectures and nested training sets of {', '.join(map(str, sizes))}; {trials} trials, root seed "
                f"{preset.seed}; Spearman and Kendall tau between predictions and measured values on the test set "
                f"(White et al., NeurIPS 2021 protocol)")
    figures = []
    title = f"{preset.benchmark}: {preset.metric}@{fidelity:g}, {n_test} test archs, {trials} trials (mean, 95% CI)"
    for ext in ("png", "pdf"):
        with atomic_path(out_dir / f"spearman.{ext}") as tmp:
            plot_spearman(summary, title, [tmp], fmt=ext)
        figures.append(f"spearman.{ext}")
    doc = {
        "meta": {"name": preset.name, "title": preset.title, "kind": "predictors", "benchmark": preset.benchmark,
                 "metric": preset.metric, "fidelity": fidelity, "n_test": n_test, "trials": trials,
                 "train_sizes": sizes, "seed": preset.seed, "protocol": protocol, "source": preset.source,
                 "notes": list(preset.notes)},
        "results": {p: results[p] for p in order},
        "figures": figures,
    }
    write_text_atomic(out_dir / "summary.json", json.dumps(doc, indent=2))
    head = "| predictor | encoding | " + " | ".join(str(s) for s in sizes) + " |"
    rule = "| --- | --- |" + " --- |" * len(sizes)
    lines = [f"# {preset.title}", "", f"**Spearman** (mean [95% CI] over {trials} trials), by training set size", "",
             head, rule]
    for p in order:
        cells = [results[p]["sizes"][str(s)] for s in sizes]
        lines.append(f"| {p} | {results[p]['encoding']} | "
                     + " | ".join(f"{c['spearman']:.3f} {format_ci(c['spearman_lo'], c['spearman_hi'])}" for c in cells) + " |")
    lines += ["", f"**Kendall tau** (mean over {trials} trials)", "", head, rule]
    for p in order:
        cells = [results[p]["sizes"][str(s)] for s in sizes]
        lines.append(f"| {p} | {results[p]['encoding']} | " + " | ".join(f"{c['kendall']:.3f}" for c in cells) + " |")
    lines += ["", "**Fit time** (s, mean, one process)", "", head, rule]
    for p in order:
        cells = [results[p]["sizes"][str(s)] for s in sizes]
        lines.append(f"| {p} | {results[p]['encoding']} | " + " | ".join(f"{c['fit_time']:.3f}" for c in cells) + " |")
    lines += ["", f"Protocol: {protocol}."]
    if preset.source:
        lines.append(f"Reference: {preset.source}.")
    lines += [f"- {n}" for n in preset.notes]
    write_text_atomic(out_dir / "table.md", "\n".join(lines) + "\n")
    return doc
