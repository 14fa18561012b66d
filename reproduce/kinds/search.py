"""The search kind: many seeds of black-box strategies, reported at budget checkpoints.

A preset (``kind = "search"``, the default)::

    name = "nb201-table5"
    title = "..."
    seeds = 500                      # default number of seeds (runs per strategy and benchmark)
    budgets = ["12000s"]             # checkpoints; runs use the largest, the report reads each
    workers = 1                      # simulated parallel trainers
    [search]
    benchmarks = ["nb201/cifar10"]   # where the search runs
    signal = "valid_acc@12"          # optional (default: the benchmark's)
    noise = "per-trial"              # optional (default: the benchmark's)
    allow_test_signal = false        # true only to reproduce a protocol that leaked test data
    [report]
    benchmarks = ["same"]            # "same" = the search benchmark; else benchmarks of the same
                                     # space on which the incumbent is looked up (transfer)
    metrics = [["valid_acc", "C10 valid"], ...]   # or plain names; final fidelity, mean of replicates
    [[strategies]]
    name = "re"
    label = "REA"
    hyperparameters = { population_size = 10, sample_size = 3 }
    [published]
    source = "Dong & Yang, ICLR 2020, Table 5"
    runs = 500                       # optional: runs behind each published mean (its standard error)
    [published.values.REA."nb201/cifar10"]
    valid_acc = [91.19, 0.31]        # mean, std
    notes = ["..."]

The same kind reports a ``nasbench run`` folder (:meth:`SearchKind.infer`): every result file
holds its whole configuration, so each configuration becomes its own row (labelled by the fields
in which it differs, :mod:`reproduce.store.configs`), reported at its own budget.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

import nasbench
from nasbench.benchmark import ReportValues
from nasbench.errors import MissingMetricError, NasbenchError
from reproduce.kinds.base import Collected, PresetKind, ReportOptions, RunOptions, sweep_runs
from reproduce.presets import (
    PresetError,
    StrategyEntry,
    check_keys,
    check_type,
    parse_notes,
    parse_strategies,
    require,
    require_int,
)
from reproduce.seeds import seeds_text
from reproduce.store import results as store
from reproduce.store.configs import (
    MixedConfigurationsError,
    check_unique_seeds,
    config_fields,
    describe_configs,
    row_identity,
    row_labels,
)
from reproduce.store.outputs import display_path
from strategies.loop import Budget, Trajectory
from strategies.runner import RunSpec

#: most workers (simulated parallel trainers) a preset may ask for
MAX_WORKERS = 1024


@dataclass(frozen=True)
class Preset:
    """A parsed search preset (see the module docstring).

    A folder report (:meth:`SearchKind.infer`) sets ``runs``: the stored ``(spec, row label)``
    pairs, which then replace the strategies x benchmarks x seeds product, and
    ``column_metrics``: the reported metrics per benchmark (each benchmark's own test metric, or
    the surrogate's validation prediction where there is no test split).
    """

    kind: ClassVar[str] = "search"

    name: str
    title: str
    seeds: int
    budgets: tuple[str, ...]
    workers: int
    search_benchmarks: tuple[str, ...]
    signal: str | None
    noise: str | None
    allow_test_signal: bool
    report_benchmarks: tuple[str, ...]
    metrics: tuple[tuple[str, str], ...]
    strategies: tuple[StrategyEntry, ...]
    published: dict
    notes: tuple[str, ...]
    path: Path
    runs: tuple[tuple[RunSpec, str], ...] | None = None
    column_metrics: dict = field(default_factory=dict)
    seed_list: tuple[int, ...] = ()

    @property
    def max_budget(self) -> str:
        """The budget the runs use (the largest checkpoint)."""
        parsed = [Budget.parse(b) for b in self.budgets]
        units = {b.unit for b in parsed}
        if len(units) != 1:
            raise PresetError(f"preset '{self.name}': budgets must share one unit (q or s), got {list(self.budgets)}")
        return str(max(parsed, key=lambda b: b.amount))

    def report_targets(self, search_benchmark: str) -> list[str]:
        """The benchmarks a search on ``search_benchmark`` is reported on."""
        return [search_benchmark if b == "same" else b for b in self.report_benchmarks]

    def metrics_for(self, target: str) -> tuple[tuple[str, str], ...]:
        """``(metric, label)`` reported on ``target``."""
        return tuple(self.column_metrics.get(target, self.metrics))


def parse_search_preset(doc: dict, path: Path, where: str) -> Preset:
    """A search preset from its TOML document (every key and type checked)."""
    check_keys(doc, {"kind", "name", "title", "seeds", "budgets", "workers", "search", "report", "strategies",
                     "published"}, where)
    search = require(doc, "search", dict, where)
    check_keys(search, {"benchmarks", "signal", "noise", "allow_test_signal"}, f"{where} [search]")
    report = require(doc, "report", dict, where)
    check_keys(report, {"benchmarks", "metrics"}, f"{where} [report]")
    strategies = parse_strategies(doc, where)
    metrics = []
    for m in require(report, "metrics", list, f"{where} [report]"):
        if isinstance(m, str):
            metrics.append((m, m))
        elif isinstance(m, list) and len(m) == 2 and all(isinstance(x, str) for x in m):
            metrics.append((m[0], m[1]))
        else:
            raise PresetError(f"{where} [report]: a metric is a name or [name, label], got {m!r}")
    budgets = require(doc, "budgets", list, where)
    if not budgets:
        raise PresetError(f"{where}: 'budgets' must list at least one budget")
    for b in budgets:
        check_type(b, str, f"{where}: a budget")
        Budget.parse(b)
    benchmarks = require(search, "benchmarks", list, f"{where} [search]")
    for b in benchmarks:
        check_type(b, str, f"{where} [search]: a benchmark")
    published = check_type(doc.get("published", {}), dict, f"{where}: [published]")
    check_keys(published, {"source", "notes", "values", "runs", "budget"}, f"{where} [published]")
    values = check_type(published.get("values", {}), dict, f"{where} [published.values]")
    _check_published_values(values, f"{where} [published.values]")
    runs = published.get("runs")
    if runs is not None:
        require_int(published, "runs", f"{where} [published]", minimum=1)
    preset = Preset(
        name=require(doc, "name", str, where),
        title=check_type(doc.get("title", doc["name"]), str, f"{where}: 'title'"),
        seeds=require_int(doc, "seeds", where, minimum=1),
        budgets=tuple(budgets),
        workers=require_int(doc, "workers", where, minimum=1, maximum=MAX_WORKERS, default=1),
        search_benchmarks=tuple(benchmarks),
        signal=check_type(search.get("signal"), (str, type(None)), f"{where} [search]: 'signal'"),
        noise=check_type(search.get("noise"), (str, type(None)), f"{where} [search]: 'noise'"),
        allow_test_signal=check_type(search.get("allow_test_signal", False), bool, f"{where} [search]: 'allow_test_signal'"),
        report_benchmarks=tuple(check_type(report.get("benchmarks", ["same"]), list, f"{where} [report]: 'benchmarks'")),
        metrics=tuple(metrics),
        strategies=tuple(strategies),
        published={"source": str(published.get("source", "")), "values": values,
                   **({"runs": int(runs)} if runs is not None else {}),
                   **({"budget": str(published["budget"])} if "budget" in published else {})},
        notes=parse_notes(published, where),
        path=path,
    )
    preset.max_budget  # noqa: B018 - fail early on mixed units
    return preset


def _check_published_values(values: dict, where: str) -> None:
    """``values.<label>.<benchmark>.<metric> = mean | [mean, std]`` with numbers only."""
    for label, per_bench in values.items():
        check_type(per_bench, dict, f"{where} '{label}'")
        for bench, per_metric in per_bench.items():
            check_type(per_metric, dict, f"{where} '{label}'.'{bench}'")
            for metric, value in per_metric.items():
                what = f"{where} '{label}'.'{bench}'.{metric}"
                if isinstance(value, list):
                    if not 1 <= len(value) <= 2:
                        raise PresetError(f"{what} must be a number or [mean, std], got {value!r}")
                    for v in value:
                        check_type(v, (int, float), what)
                else:
                    check_type(value, (int, float), what)


# ----- runs ----------------------------------------------------------------------------------------
def preset_specs(preset: Preset, seeds: int | Sequence[int] | None = None) -> list[RunSpec]:
    """Every run of the preset (at its largest budget); ``seeds`` a count (0..N-1) or a list."""
    return [spec for spec, _ in preset_runs(preset, seeds)]


def preset_runs(preset: Preset, seeds: int | Sequence[int] | None = None) -> list[tuple[RunSpec, str]]:
    """``(spec, row label)`` of every run of the preset (a folder preset: its stored runs)."""
    if preset.runs is not None:
        return list(preset.runs)
    n = preset.seeds if seeds is None else seeds
    seed_list = list(range(n)) if isinstance(n, int) else list(n)
    return [
        (RunSpec(benchmark=bench, strategy=s.name, seed=seed, budget=preset.max_budget,
                 hyperparameters=dict(s.hyperparameters), signal=preset.signal, noise=preset.noise,
                 workers=preset.workers, allow_test_signal=preset.allow_test_signal), s.label)
        for bench in preset.search_benchmarks
        for s in preset.strategies
        for seed in seed_list
    ]


def _checkpoint_row(traj: Trajectory, budget: Budget) -> int:
    """Index of the last trajectory row within ``budget`` (-1 if none)."""
    axis = traj["queries"] if budget.is_queries else traj["time"]
    return int(np.searchsorted(axis, budget.amount, side="right")) - 1


def _reaches(spec: RunSpec, budget: Budget) -> bool:
    """Whether a run made at ``spec.budget`` is reported at checkpoint ``budget`` (same unit, not
    beyond the run's own budget: a 50q run says nothing about 100 queries)."""
    own = Budget.parse(spec.budget)
    return own.unit == budget.unit and budget.amount <= own.amount


def _report_vectors(preset: Preset, targets: Sequence[str]) -> dict[str, dict[str, ReportValues]]:
    vectors: dict[str, dict[str, ReportValues]] = {}
    spaces = {nasbench.load(b).space.name for b in preset.search_benchmarks}
    for target in targets:
        bench = nasbench.load(target)
        if bench.space.name not in spaces:
            raise PresetError(f"cannot report a search on {', '.join(preset.search_benchmarks)} on '{target}': "
                              "different search spaces")
        try:
            vectors[target] = {m: ReportValues(bench, m) for m, _ in preset.metrics_for(target)}
        except MissingMetricError as exc:
            raise PresetError(f"preset '{preset.name}' reports a metric that '{target}' lacks: {exc}") from None
    return vectors


def read_runs(runs: Sequence[tuple[RunSpec, str]], runs_dir: Path, missing: list | None = None
              ) -> Iterator[tuple[RunSpec, str, Trajectory, Path]]:
    """``(spec, label, trajectory, file)`` of each stored run (see :func:`store.read_specs`)."""
    label_of = {id(spec): label for spec, label in runs}
    for spec, traj, path in store.read_specs([spec for spec, _ in runs], runs_dir, missing):
        yield spec, label_of[id(spec)], traj, path


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


def _targets(preset: Preset) -> list[str]:
    return list(dict.fromkeys(t for b in preset.search_benchmarks for t in preset.report_targets(b)))


def collect(preset: Preset, runs: Sequence[tuple[RunSpec, str]], runs_dir: Path, *, missing: list | None = None):
    """(meta, finals, curves) for :func:`reproduce.render.tables.write_report`.

    ``runs``: ``(spec, row label)`` pairs. Each run is reported at the preset's checkpoints up to
    its own budget. A run without a readable result file raises ResultFileError, or, when a
    ``missing`` list is given, is appended to it and left out. A run without an incumbent (every
    trial failed or was infeasible) is a failed run: it gives no value and is counted in
    ``meta["no_incumbent"]``.
    """
    import pandas as pd

    targets = _targets(preset)
    vectors = _report_vectors(preset, targets)
    budgets = [Budget.parse(b) for b in preset.budgets]
    finals, curves = [], []
    protocols: dict[str, dict[str, set]] = {}
    no_incumbent: list[tuple[str, str, int]] = []
    seen: list[tuple[str, str, int, Path]] = []
    seeds: set[int] = set()
    translators = {(b, t): _id_translator(b, t) for b in preset.search_benchmarks for t in preset.report_targets(b)}
    for spec, label, traj, path in read_runs(runs, runs_dir, missing):
        seen.append((label, spec.benchmark, spec.seed, path))
        seeds.add(int(spec.seed))
        _note_protocol(protocols.setdefault(spec.benchmark, {}), traj.protocol)
        inc_col = traj["incumbent"]
        if not len(inc_col) or int(inc_col[-1]) < 0:
            no_incumbent.append((label, spec.benchmark, int(spec.seed)))
            continue
        for budget in budgets:
            if not _reaches(spec, budget):
                continue
            row = _checkpoint_row(traj, budget)
            inc = int(traj["incumbent"][row]) if row >= 0 else -1
            for target in preset.report_targets(spec.benchmark):
                arch = translators[(spec.benchmark, target)](inc) if inc >= 0 else -1
                for metric, _ in preset.metrics_for(target):
                    vec = vectors[target][metric]
                    value = float(vec[arch]) if arch >= 0 else math.nan
                    finals.append((label, str(budget), spec.seed, target, metric, value, vec.best - value, spec.benchmark))
        for i in _change_points(traj):
            curves.append((label, spec.benchmark, spec.seed, float(traj["time"][i]), int(traj["queries"][i]),
                           float(traj["test_regret"][i]), float(traj["valid_regret"][i]), float(traj["incumbent_test"][i])))
    check_unique_seeds(seen)
    finals_df = pd.DataFrame(finals, columns=["strategy", "budget", "seed", "benchmark", "metric", "value", "regret",
                                              "search_benchmark"])
    curves_df = pd.DataFrame(curves, columns=["strategy", "benchmark", "seed", "time", "queries", "test_regret",
                                              "valid_regret", "incumbent_test"])
    labels = list(dict.fromkeys(label for _, label in runs))
    meta = _meta(preset, labels, vectors, protocols, sorted(seeds), no_incumbent)
    return meta, finals_df, curves_df


def _note_protocol(acc: dict[str, set], protocol: dict) -> None:
    for key in ("signal", "noise", "cost_model", "report_test", "report_valid", "fidelity_ladder", "engine"):
        value = protocol.get(key)
        if value is not None:
            acc.setdefault(key, set()).add(str(value))


def is_surrogate(benchmark: str) -> bool:
    """Whether ``benchmark`` is answered by a surrogate model (no test split)."""
    from nasbench.catalog import get_info

    try:
        return get_info(benchmark).recipe.startswith("surrogate:")
    except NasbenchError:
        return False


def _column_label(target: str, metric: str, metric_label: str, targets: Sequence[str]) -> str:
    """A column's header: the metric's label, prefixed by the benchmark when the table has several
    (its dataset, or its full name when two benchmarks share a dataset: nb201/cifar10, nb301/cifar10)."""
    label = metric_label
    if is_surrogate(target) and metric.startswith("valid") and "surrogate" not in metric_label:
        label = f"{metric_label} (surrogate-predicted, no test split)"
    if len(targets) < 2:
        return label
    short = target.split("/")[-1]
    clash = sum(t.split("/")[-1] == short for t in targets) > 1
    return f"{target if clash else short} {label}"


def protocol_lines(preset: Preset, protocols: dict[str, dict[str, set]]) -> list[str]:
    """Per search benchmark: signal, noise, cost and what was reported, as the run files say."""
    lines = []
    for bench in preset.search_benchmarks:
        p = protocols.get(bench)
        if not p:
            continue

        def one(key: str, p: dict = p) -> str:
            values = sorted(p.get(key, {"?"}))
            return values[0] if len(values) == 1 else " / ".join(values) + " (differs between runs)"

        reported = one("report_test")
        if is_surrogate(bench):
            reported = f"{reported}: surrogate-predicted validation accuracy, no test split"
        engine = f"; engine {one('engine')}" if p.get("engine") else ""
        lines.append(f"{bench}: signal {one('signal')}, noise model {one('noise')}, cost {one('cost_model')}, "
                     f"reported {reported}{engine}")
    return lines


def _meta(preset: Preset, labels: list[str], vectors: dict, protocols: dict, seeds: list[int],
          no_incumbent: list[tuple[str, str, int]]) -> dict:
    targets = _targets(preset)
    columns = [
        {"benchmark": t, "metric": m, "label": _column_label(t, m, label, targets)}
        for t in targets for m, label in preset.metrics_for(t)
    ]
    transfer = any(b != "same" for b in preset.report_benchmarks)
    per_bench = protocol_lines(preset, protocols)
    protocol_text = (
        f"search on {', '.join(preset.search_benchmarks)}; budget {' / '.join(preset.budgets)}, "
        f"{f'{preset.workers} worker(s)' if preset.workers else 'workers as each row says'}, "
        f"{len(seeds)} seeds ({seeds_text(seeds)}); reported: the incumbent's "
        f"{', '.join(dict.fromkeys(m for t in targets for m, _ in preset.metrics_for(t)))} at the table's final "
        f"fidelity, mean over replicates{' (incumbent transferred to the other datasets)' if transfer else ''}; "
        f"mean +/- std over seeds"
    )
    notes = list(preset.notes)
    if preset.allow_test_signal:
        notes.insert(0, "WARNING: this protocol's search signal reads the TEST split (as the published baselines did); "
                        "its numbers leak test data")
    if no_incumbent:
        shown = "; ".join(f"{lab} on {b} seed {s}" for lab, b, s in no_incumbent[:10])
        more = f"; and {len(no_incumbent) - 10} more" if len(no_incumbent) > 10 else ""
        notes.insert(0, f"WARNING: {len(no_incumbent)} run(s) found no incumbent (every trial failed or was "
                        f"infeasible) and count as failed, not in n: {shown}{more}")
    return {
        "name": preset.name,
        "title": preset.title,
        "protocol": protocol_text,
        "protocol_per_benchmark": per_bench,
        "strategies": labels,
        "columns": columns,
        "budgets": list(preset.budgets),
        "seeds": seeds,
        "published": preset.published if preset.published.get("values") else {},
        "optimum": {t: {m: v.best for m, v in vs.items()} for t, vs in vectors.items()},
        "no_incumbent": len(no_incumbent),
        "notes": notes,
    }


# ----- folders no preset wrote ----------------------------------------------------------------------
def _reported_metric(benchmark: str) -> tuple[str, str]:
    """What a folder report shows for ``benchmark``: its test accuracy, or for a benchmark with
    no test split (a surrogate) the validation prediction, said as such."""
    bench = nasbench.load(benchmark)
    test_metrics = [m for m in bench.table.metric_names if bench.table.metric(m).is_test]
    if "test_acc" in test_metrics:  # NB-Graph proteins measures ROC-AUC, scaled to 0-100 like an accuracy
        return "test_acc", "test ROC-AUC x 100" if benchmark.endswith("proteins") else "test"
    if test_metrics:
        return test_metrics[0], test_metrics[0].replace("_", " ")
    return "valid_acc", "valid"


def preset_of_folder(out_dir: Path, options: ReportOptions) -> Preset | None:
    """The search preset that describes exactly the runs stored under ``out_dir`` (None when the
    folder has no result files): one row per configuration, each at its own budget."""
    try:
        files = store.result_files(out_dir)
    except NasbenchError:
        return None
    if not files:
        return None
    folder = store.read_folder(out_dir, options.on_bad)
    docs, paths = folder.docs, folder.paths
    if options.select:
        from reproduce.store.configs import select_docs

        keep = select_docs(docs, options.select, str(out_dir))
        docs, paths = [docs[i] for i in keep], [paths[i] for i in keep]
    if not docs:
        raise NasbenchError(f"{out_dir} holds no readable run result; {folder.skipped_note() or ''}".rstrip("; "))
    if any(d.get("objectives") for d in docs):
        raise NasbenchError(
            f"{out_dir} holds multi-objective runs; their hypervolume report comes from a multiobjective preset "
            "(`nasbench reproduce nb201-hw` or your own preset file, docs/multiobjective.md)")
    specs = [store.payload_spec(d) for d in docs]
    rows: dict[str, dict] = {}
    counts: dict[str, int] = {}
    for d in docs:
        rid = row_identity(d)
        rows.setdefault(rid, config_fields(d))
        counts[rid] = counts.get(rid, 0) + 1
    labels = row_labels(list(rows.values()), display=options.labels)
    label_of = dict(zip(rows, labels))
    units = {Budget.parse(r["budget"]).unit for r in rows.values()}
    if len(units) > 1:
        listing = describe_configs(list(rows.values()), labels, list(counts.values()))
        raise MixedConfigurationsError(
            f"{out_dir} holds runs with query and time budgets, which one table cannot hold: {listing}. Report one "
            "kind of budget: --select budget=VALUE (e.g. --select budget=100q), or give each `nasbench run` its own --out")
    budgets = sorted({r["budget"] for r in rows.values()}, key=lambda b: Budget.parse(b).amount)
    benchmarks = tuple(dict.fromkeys(s.benchmark for s in specs))
    column_metrics = {b: (_reported_metric(b),) for b in benchmarks}
    seeds = sorted({s.seed for s in specs})
    shown = display_path(out_dir)
    notes = [f"Report of the `nasbench run` results stored in {shown} ({len(specs)} runs, seeds "
             f"{seeds_text(seeds)}); the command that made them is in command.json."]
    skipped = folder.skipped_note()
    if skipped:
        notes.insert(0, f"WARNING: {skipped}")
    workers = sorted({s.workers for s in specs})
    return Preset(
        name=display_path(out_dir.name),
        title=options.title or f"`nasbench run` results in {shown}",
        seeds=len(seeds),
        budgets=tuple(budgets),
        workers=workers[0] if len(workers) == 1 else 0,
        search_benchmarks=benchmarks,
        signal=None,
        noise=None,
        allow_test_signal=any(s.allow_test_signal for s in specs),
        report_benchmarks=("same",),
        metrics=(),
        strategies=tuple(StrategyEntry(s.strategy, label_of[row_identity(d)], dict(s.hyperparameters))
                         for s, d in zip(specs, docs)),
        published={},
        notes=tuple(notes),
        path=out_dir / "command.json",
        runs=tuple((s, label_of[row_identity(d)]) for s, d in zip(specs, docs)),
        column_metrics=column_metrics,
        seed_list=tuple(seeds),
    )


# ----- the kind -----------------------------------------------------------------------------------
@dataclass
class SearchData:
    """What :meth:`SearchKind.collect` read: the report inputs and the runs behind them."""

    meta: dict
    finals: Any
    curves: Any
    runs: list[tuple[RunSpec, str]]


class SearchKind(PresetKind):
    """Black-box search presets and ``nasbench run`` folders."""

    name = "search"
    summary = "strategies x benchmarks x seeds, reported at budget checkpoints (mean +/- std, paired tests)"

    def parse(self, doc: dict, path: Path, where: str) -> Preset:
        return parse_search_preset(doc, path, where)

    def execute(self, preset: Preset, out_dir: Path, seeds: list[int], options: RunOptions) -> int:
        return sweep_runs(preset_specs(preset, seeds), out_dir / "runs", options, preset.name)

    def _runs_dir(self, preset: Preset, out_dir: Path) -> Path:
        return out_dir if preset.runs is not None else out_dir / "runs"

    def collect(self, preset: Preset, out_dir: Path, seeds: list[int], options: ReportOptions) -> Collected:
        runs = preset_runs(preset, seeds)
        missing: list[RunSpec] = []
        meta, finals, curves = collect(preset, runs, self._runs_dir(preset, out_dir), missing=missing)
        if missing and options.on_bad == "skip":  # report without them, and say so everywhere
            shown = "; ".join(f"{s.strategy} on {s.benchmark} seed {s.seed}" for s in missing[:10])
            more = f"; and {len(missing) - 10} more" if len(missing) > 10 else ""
            meta["notes"].insert(0, f"WARNING: skipped {len(missing)} run(s) without a readable result file "
                                    f"(--skip-bad): {shown}{more}")
            missing = []
        notes = [n for n in meta["notes"] if n.startswith("WARNING")]
        return Collected(SearchData(meta, finals, curves, runs), expected=len(runs), missing=missing, notes=notes)

    def write(self, preset: Preset, collected: Collected, out_dir: Path) -> dict:
        from reproduce.render.tables import write_report

        data: SearchData = collected.data
        if data.finals.empty:
            raise NasbenchError(f"no run of '{preset.name}' has an incumbent: every run failed (see the notes: "
                                f"{'; '.join(data.meta['notes'][:1])}); nothing to report")
        return write_report(data.meta, data.finals, data.curves, out_dir)

    def page(self, preset: Preset, collected: Collected, out_dir: Path, summary: dict | None) -> Path:
        from reproduce.kinds.search_page import write_search_html

        data: SearchData = collected.data
        return write_search_html(out_dir, preset, data.runs, data.meta, data.finals, data.curves,
                                 runs_dir=self._runs_dir(preset, out_dir), missing=collected.missing, summary=summary)

    def infer(self, out_dir: Path, options: ReportOptions) -> Preset | None:
        return preset_of_folder(out_dir, options)

    def benchmarks(self, preset: Preset) -> list[str]:
        return _targets(preset)


def shrink(preset: Preset, **changes: Any) -> Preset:
    """A copy of ``preset`` with fields replaced (``dataclasses.replace``; for tests and scripts)."""
    return replace(preset, **changes)


__all__ = ["Preset", "SearchData", "SearchKind", "collect", "parse_search_preset", "preset_of_folder",
           "preset_runs", "preset_specs", "protocol_lines", "read_runs"]
