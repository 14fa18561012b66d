"""``nasbench report DIR`` for folders that no preset wrote: a ``nasbench run --out DIR`` sweep
and a ``nasbench predictors --out DIR`` evaluation.

A run folder is described by its result files alone: every run file holds its full RunSpec
(benchmark, strategy, hyperparameters, seed, budget, signal, noise), so the report is the one a
preset with exactly those runs would write (tables, plots, summary.json, report.html), with a
note saying where it came from. A predictors folder is described by its ``results.csv`` (one row
per trial x predictor x training-set size, which names the benchmark, metric, fidelity, test-set
size and encoding).
"""
from __future__ import annotations

from pathlib import Path

from nasbench.errors import NasbenchError
from reproduce.presets import PredictorPreset, Preset, StrategyEntry
from strategies.loop import Budget
from strategies.runner import RunSpec

PREDICTOR_RESULTS = "results.csv"


def stored_specs(out_dir: Path) -> list[RunSpec]:
    """The RunSpec of every readable result file under a ``nasbench run`` output folder."""
    from reproduce.results import ResultFileError, read_run, result_files

    specs = []
    for path in result_files(out_dir):
        try:
            specs.append(read_run(path)[0])
        except ResultFileError:
            continue
    return specs


def _one(values: list, what: str, out_dir: Path):
    distinct = list(dict.fromkeys(values))
    if len(distinct) > 1:
        raise NasbenchError(
            f"{out_dir} mixes runs with different {what} ({', '.join(map(str, distinct))}); report them "
            f"separately: give each `nasbench run` its own --out"
        )
    return distinct[0]


def _label(spec: RunSpec, several_configs: bool) -> str:
    if not several_configs or not spec.hyperparameters:
        return spec.strategy
    return f"{spec.strategy} ({', '.join(f'{k}={v}' for k, v in sorted(spec.hyperparameters.items()))})"


def preset_of_runs(specs: list[RunSpec], out_dir: Path) -> Preset:
    """The search preset that would have produced exactly these runs."""
    import nasbench

    if any(s.objectives for s in specs):
        raise NasbenchError(
            f"{out_dir} holds multi-objective runs; their hypervolume report comes from a multiobjective preset "
            "(`nasbench reproduce nb201-hw` or your own preset file, docs/multiobjective.md)"
        )
    budgets = sorted({s.budget for s in specs}, key=lambda b: Budget.parse(b).amount)
    _one([Budget.parse(b).unit for b in budgets], "budget units", out_dir)
    configs: dict[tuple, RunSpec] = {}
    for spec in specs:
        configs.setdefault((spec.strategy, tuple(sorted(spec.hyperparameters.items()))), spec)
    per_strategy = [s.strategy for s in configs.values()]
    strategies = tuple(
        StrategyEntry(s.strategy, _label(s, per_strategy.count(s.strategy) > 1), dict(s.hyperparameters))
        for s in configs.values()
    )
    benchmarks = tuple(dict.fromkeys(s.benchmark for s in specs))
    bench = nasbench.load(benchmarks[0])
    test_metrics = [m for m in bench.table.metric_names if bench.table.metric(m).is_test]
    metric = "test_acc" if "test_acc" in test_metrics else (test_metrics[0] if test_metrics else "valid_acc")
    seeds = sorted({s.seed for s in specs})
    return Preset(
        name=out_dir.name,
        title=f"`nasbench run` results in {out_dir}",
        seeds=len(seeds),
        budgets=tuple(budgets),
        workers=_one([s.workers for s in specs], "simulated workers (--workers)", out_dir),
        search_benchmarks=benchmarks,
        signal=_one([s.signal for s in specs], "signals (--signal)", out_dir),
        noise=_one([s.noise for s in specs], "noise models (--noise)", out_dir),
        allow_test_signal=any(s.allow_test_signal for s in specs),
        report_benchmarks=("same",),
        metrics=((metric, metric.replace("_acc", "").replace("_", " ")),),
        strategies=strategies,
        published={},
        notes=(
            f"Report of the `nasbench run` results stored in {out_dir} ({len(specs)} runs, seeds "
            f"{seeds[0]}..{seeds[-1]}); the command that made them is in command.json.",
        ),
        path=out_dir / "command.json",
    )


def report_run_folder(out_dir: Path, *, html: bool = False) -> dict:
    """Tables, plots and summary.json (and report.html) of a ``nasbench run`` output folder."""
    from reproduce.reproduction import collect
    from reproduce.report import write_report

    specs = stored_specs(out_dir)
    if not specs:
        raise NasbenchError(
            f"{out_dir} holds no run results (no seed-*.json under {out_dir}/<benchmark>/<strategy>-<config>/); "
            f"`nasbench report` reads the folder given to `nasbench run --out` or `nasbench reproduce --out`"
        )
    preset = preset_of_runs(specs, out_dir)
    meta, finals, curves = collect(preset, specs, out_dir)
    summary = write_report(meta, finals, curves, out_dir)
    if html:
        from reproduce.html_report import write_search_html

        write_search_html(out_dir, preset, specs, meta, finals, curves, summary=summary)
    return summary


def is_predictors_folder(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a ``nasbench predictors`` evaluation (its results.csv)."""
    path = out_dir / PREDICTOR_RESULTS
    if not path.is_file():
        return False
    with path.open() as fh:
        header = fh.readline().strip().split(",")
    return {"predictor", "train_size", "spearman"} <= set(header)


def report_predictors_folder(out_dir: Path, *, html: bool = False) -> dict:
    """summary.csv, summary.json, table.md and spearman plots of a ``nasbench predictors`` folder."""
    import pandas as pd

    from reproduce.reproduction import write_predictor_report

    import json

    from reproduce.commands.predictors import SETTINGS

    frame = pd.read_csv(out_dir / PREDICTOR_RESULTS)
    settings = out_dir / SETTINGS
    if not settings.is_file():
        raise NasbenchError(f"{out_dir} has {PREDICTOR_RESULTS} but no {SETTINGS} (its root seed); rerun "
                            f"`nasbench predictors ... --out {out_dir}`")
    seed = int(json.loads(settings.read_text())["seed"])
    encodings = frame["encoding"].unique()
    preset = PredictorPreset(
        name=out_dir.name,
        title=f"`nasbench predictors` results in {out_dir}",
        benchmark=str(frame["benchmark"].iloc[0]),
        predictors=tuple(dict.fromkeys(frame["predictor"])),
        train_sizes=tuple(sorted(int(s) for s in frame["train_size"].unique())),
        trials=int(frame["trial"].nunique()),
        test_size=int(frame["n_test"].iloc[0]),
        encoding=str(encodings[0]) if len(encodings) == 1 else None,
        metric=str(frame["metric"].iloc[0]),
        fidelity=float(frame["fidelity"].iloc[0]),
        seed=seed,
        source="",
        notes=(f"Report of the `nasbench predictors` results stored in {out_dir / PREDICTOR_RESULTS}.",),
        path=out_dir / "command.json",
    )
    doc = write_predictor_report(preset, frame, out_dir)
    if html:
        from reproduce.html_report import write_predictor_html

        write_predictor_html(out_dir, preset, frame, doc)
    return doc
