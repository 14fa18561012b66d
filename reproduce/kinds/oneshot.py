"""One-shot reports: the ``kind = "oneshot"`` preset (one-shot methods against RS / RE at equal
wall-clock time) and the side-by-side table of a results folder holding one-shot runs.

Preset schema (``reproduce/presets/nbgraph-oneshot.toml``; every key is checked)::

    kind = "oneshot"
    name = "nbgraph-oneshot"
    title = "..."
    seeds = 5
    [search]
    benchmarks = ["nbgraph/cora", "nbgraph/citeseer"]
    epochs = 10                 # search epochs of every one-shot method
    device = "cpu"
    rank_archs = 30             # ranking probe: K architectures (0 = off)
    rank_every = 0              # probe every n epochs (0 = last epoch only)
    [[methods]]                 # one-shot methods (strategies.oneshot.registry)
    name = "enas"
    label = "ENAS"
    hyperparameters = { log_every = 5 }
    [baselines]                 # black-box strategies at the same wall-clock
    strategies = [{ name = "rs", label = "RS" }, { name = "re", label = "RE" }]
    signal = "valid_acc"
    noise = "mean"
    cost_archs = 3              # architectures trained live to measure the per-query cost
    cost_epochs = 40            # epochs of each measurement (seconds/epoch x the protocol's epochs)
    [published]
    source = "..."
    notes = ["..."]

``run_oneshot_preset``: (1) measures the live training cost of an architecture on this machine
and the preset's device (:func:`measure_live_cost`, stored in ``DIR/live_cost.json`` and reused
by reruns); (2) sweeps the one-shot runs (``DIR/runs``, resumable; ``--jobs`` at once); (3) runs each baseline
with a simulated-time budget equal to the slowest one-shot method's mean search wall-clock on that benchmark, every query
charged the measured seconds (``DIR/runs`` too); (4) writes ``table.md`` and ``summary.json``.
"""
from __future__ import annotations

import json
import math
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nasbench.atomic import write_text_atomic
from nasbench.errors import NasbenchError
from reproduce.kinds.base import Collected, PresetKind, ReportOptions, RunOptions
from reproduce.kinds.oneshot_runs import OneShotRunSpec, make_spec, param_free_share
from reproduce.presets import PresetError, check_keys, check_type, parse_notes, require, require_int
from reproduce.presets import StrategyEntry as Entry  # one row: name, label, hyperparameters
from reproduce.store import results
from reproduce.store.jsonio import dumps
from reproduce.store.outputs import display_path
from strategies.runner import RunSpec

LIVE_COST = "live_cost.json"
DASH = "–"


# ----- preset ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OneShotPreset:
    """A parsed ``kind = "oneshot"`` preset (module docstring)."""

    name: str
    title: str
    seeds: int
    benchmarks: tuple[str, ...]
    epochs: int
    device: str
    rank_archs: int
    rank_every: int
    methods: tuple[Entry, ...]
    baselines: tuple[Entry, ...]
    signal: str | None
    noise: str | None
    cost_archs: int
    cost_epochs: int
    source: str
    notes: tuple[str, ...]
    path: Path
    kind: ClassVar[str] = "oneshot"


def load_oneshot_preset(doc: dict, path: Path, where: str) -> OneShotPreset:
    """Parse a ``kind = "oneshot"`` TOML document (called by :func:`reproduce.presets.load_preset`)."""
    from strategies.oneshot.registry import method_class
    from strategies.registry import get_spec

    check_keys(doc, {"kind", "name", "title", "seeds", "search", "methods", "baselines", "published"}, where)
    search = require(doc, "search", dict, where)
    w = f"{where} [search]"
    check_keys(search, {"benchmarks", "epochs", "device", "rank_archs", "rank_every"}, w)
    benchmarks = require(search, "benchmarks", list, w)
    if not benchmarks or not all(isinstance(b, str) for b in benchmarks):
        raise PresetError(f"{w}: 'benchmarks' must be a non-empty list of names, got {benchmarks!r}")
    epochs = require_int(search, "epochs", w, minimum=1, maximum=100_000)
    seeds = require_int(doc, "seeds", where, minimum=1)

    def entries(items, what):
        out = []
        for i, e in enumerate(items):
            ww = f"{where} {what} #{i + 1}"
            if not isinstance(e, dict):
                raise PresetError(f"{ww}: expected a table with name, label, hyperparameters; got {e!r}")
            check_keys(e, {"name", "label", "hyperparameters"}, ww)
            name = require(e, "name", str, ww)
            hps = check_type(e.get("hyperparameters", {}), dict, f"{ww}: 'hyperparameters'")
            out.append(Entry(name, check_type(e.get("label", name), str, f"{ww}: 'label'"), dict(hps)))
        return tuple(out)

    methods = entries(require(doc, "methods", list, where), "[[methods]]")
    for m in methods:
        method_class(m.name)(**m.hyperparameters)  # unknown method / setting: typed error now
    base = dict(check_type(doc.get("baselines", {}), dict, f"{where}: [baselines]"))
    check_keys(base, {"strategies", "signal", "noise", "cost_archs", "cost_epochs"}, f"{where} [baselines]")
    baselines = entries(base.get("strategies", []), "[baselines] strategies")
    for b in baselines:
        get_spec(b.name)
    published = dict(check_type(doc.get("published", {}), dict, f"{where}: [published]"))
    check_keys(published, {"source", "notes"}, f"{where} [published]")
    return OneShotPreset(
        name=require(doc, "name", str, where), title=str(doc.get("title", doc["name"])), seeds=int(seeds),
        benchmarks=tuple(benchmarks), epochs=int(epochs), device=str(search.get("device", "cpu")),
        rank_archs=require_int(search, "rank_archs", w, minimum=0, default=0),
        rank_every=require_int(search, "rank_every", w, minimum=0, default=0),
        methods=methods, baselines=baselines, signal=base.get("signal"), noise=base.get("noise"),
        cost_archs=require_int(base, "cost_archs", f"{where} [baselines]", minimum=1, default=3),
        cost_epochs=require_int(base, "cost_epochs", f"{where} [baselines]", minimum=1, default=40),
        source=str(published.get("source", "")), notes=parse_notes(published, where), path=path,
    )


def _seed_range(preset, seeds: int | list[int] | None) -> list[int]:
    n = preset.seeds if seeds is None else seeds
    return list(range(n)) if isinstance(n, int) else list(n)


def oneshot_specs(preset: OneShotPreset, seeds: int | list[int] | None = None) -> list[OneShotRunSpec]:
    """Every one-shot run of the preset (``seeds``: a count 0..N-1 or a list)."""
    n = _seed_range(preset, seeds)
    return [make_spec(b, m.name, s, preset.epochs, hyperparameters=m.hyperparameters, device=preset.device,
                      rank_k=preset.rank_archs, rank_every=preset.rank_every)
            for b in preset.benchmarks for m in preset.methods for s in n]


# ----- the black-box baselines at equal wall-clock ------------------------------------------------
@dataclass(frozen=True)
class ChargedRunSpec(RunSpec):
    """A black-box run whose every query costs ``query_cost`` seconds (tables without
    ``train_time``: the measured live training time of one architecture)."""

    query_cost: float = 1.0


def run_charged(spec: ChargedRunSpec):
    """:func:`strategies.runner.run_one` with the evaluator's constant cost set to ``query_cost``."""
    import nasbench
    from nasbench.evaluator import Evaluator, Reporter
    from strategies.loop import run_search
    from strategies.registry import make_strategy

    bench = nasbench.load(spec.benchmark)
    strategy_seq, noise_seq = np.random.SeedSequence(spec.seed).spawn(2)
    strategy = make_strategy(spec.strategy, bench.space, rng=np.random.default_rng(strategy_seq), **spec.hyperparameters)
    evaluator = Evaluator(bench, rng=np.random.default_rng(noise_seq), signal=spec.signal, noise=spec.noise,
                          default_cost=spec.query_cost)
    traj = run_search(strategy, evaluator, spec.budget, reporter=Reporter(bench))
    traj.protocol.update({"seed": spec.seed, "config_key": spec.config_key(), "query_cost": spec.query_cost,
                          "time": "simulated seconds: queries x the measured live training time"})
    return traj


def measure_live_cost(benchmark: str, *, archs: int = 3, epochs: int = 40, seed: int = 0,
                      device: str = "cpu") -> dict:
    """Train ``archs`` uniformly drawn architectures of ``benchmark`` with the live backend
    (its recipe, ``epochs`` epochs, on ``device``: the one the one-shot searches use; 1 thread
    on CPU) and return the mean wall-clock seconds per epoch, scaled to the benchmark protocol's
    epochs = the seconds one query costs."""
    import nasbench
    from nasbench.live import build_model, train
    from nasbench.live.build import live_recipe, load_live_data
    from nasbench.live.trainer import device_name, resolve_device

    bench = nasbench.load(benchmark)
    space, dataset = benchmark.split("/", 1)
    data = load_live_data(space, dataset)
    full = live_recipe(space, dataset)
    recipe = full.with_(epochs=int(epochs))
    ids = np.random.default_rng(seed).choice(bench.space.size, size=archs, replace=False)
    dev = resolve_device(device)
    threads = 1 if dev.type == "cpu" else None
    per_epoch = []
    for a in ids:
        model = build_model(benchmark, int(a), seed=0, **data.info)
        t = time.perf_counter()
        train(model, data, recipe, device=dev, seed=0, threads=threads)
        per_epoch.append((time.perf_counter() - t) / epochs)
    s = float(np.mean(per_epoch))
    return {"benchmark": benchmark, "archs": [bench.space.to_str(int(a)) for a in ids], "epochs_measured": int(epochs),
            "protocol_epochs": int(full.epochs), "seconds_per_epoch": per_epoch, "mean_seconds_per_epoch": s,
            "seconds_per_arch": s * full.epochs, "device": str(dev), "threads": threads,
            "device_name": device_name(dev), "machine": platform.platform(),
            "processor": platform.processor() or platform.machine()}


def _cost_device(cost: dict) -> str:
    """Where a live cost was measured, in words (files written before the device was recorded: CPU)."""
    device = str(cost.get("device", "cpu"))
    if device.startswith("cuda"):
        return f"{cost.get('device_name') or 'GPU'}, {device}"
    return f"CPU, {cost.get('threads', 1)} thread(s)"


def _live_costs(preset: OneShotPreset, out: Path, say) -> dict:
    path = out / LIVE_COST
    costs = json.loads(path.read_text()) if path.is_file() else {}
    for b in preset.benchmarks:
        if b not in costs:
            say(f"measuring the live training time of {preset.cost_archs} architectures of {b} "
                f"({preset.cost_epochs} epochs each)")
            costs[b] = measure_live_cost(b, archs=preset.cost_archs, epochs=preset.cost_epochs, device=preset.device)
            write_text_atomic(path, json.dumps(costs, indent=1) + "\n")
    return costs


def baseline_specs(preset: OneShotPreset, seeds: int | list[int], times: dict[str, float], costs: dict) -> list[ChargedRunSpec]:
    """RS / RE runs with a budget of ``times[benchmark]`` seconds (rounded up)."""
    return [ChargedRunSpec(benchmark=b, strategy=e.name, seed=s, budget=f"{max(1, math.ceil(times[b]))}s",
                           hyperparameters=dict(e.hyperparameters), signal=preset.signal, noise=preset.noise,
                           query_cost=round(float(costs[b]["seconds_per_arch"]), 3))
            for b in preset.benchmarks for e in preset.baselines for s in _seed_range(preset, seeds)]


# ----- reading runs ------------------------------------------------------------------------------
def _doc(out: Path, spec) -> dict | None:
    try:
        return results.read_result(results.result_path(out, spec))
    except results.ResultFileError:
        return None


def _last(doc: dict, col: str) -> float:
    v = doc["columns"].get(col) or []
    return math.nan if not v or v[-1] is None else float(v[-1])


def _at_time(doc: dict, t: float, col: str) -> float:
    """Value of ``col`` in the last row finished by time ``t`` (NaN when none)."""
    times = [math.inf if x is None else float(x) for x in doc["columns"]["time"]]
    idx = int(np.searchsorted(np.asarray(times), t, side="right")) - 1
    if idx < 0:
        return math.nan
    v = doc["columns"][col][idx]
    return math.nan if v is None else float(v)


def _ms(values, digits: int = 2) -> str:
    a = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=np.float64)
    if not a.size:
        return DASH
    std = float(a.std(ddof=1)) if a.size > 1 else 0.0
    return f"{a.mean():.{digits}f} ± {std:.{digits}f}"


def _mean(values) -> float:
    a = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=np.float64)
    return float(a.mean()) if a.size else math.nan


def _kendall(doc: dict) -> float:
    rank = (doc.get("protocol") or {}).get("ranking") or {}
    recs = rank.get("records") or []
    return math.nan if not recs or recs[-1].get("kendall") is None else float(recs[-1]["kendall"])


def _oneshot_stats(docs: list[dict]) -> dict:
    ok = [d for d in docs if d["stopped"] != "failed"]
    per_epoch: dict[int, list[float]] = {}
    for d in ok:
        for r in ((d["protocol"].get("ranking") or {}).get("records") or []):
            if r.get("kendall") is not None:
                per_epoch.setdefault(int(r["epoch"]) + 1, []).append(float(r["kendall"]))
    return {
        "runs": len(docs), "failed": len(docs) - len(ok),
        "test": [_last(d, "incumbent_test") for d in ok], "valid": [_last(d, "incumbent_valid") for d in ok],
        "time": [_last(d, "time") for d in ok], "param_free": [_last(d, "param_free") for d in ok],
        "kendall": [_kendall(d) for d in ok],
        "spearman": [((d["protocol"].get("ranking") or {}).get("records") or [{}])[-1].get("spearman") for d in ok],
        "top_hit": [((d["protocol"].get("ranking") or {}).get("records") or [{}])[-1].get("top_hit") for d in ok],
        "kendall_by_epoch": {e: _mean(v) for e, v in sorted(per_epoch.items())},
        "archs": [d["protocol"].get("derived_arch_str") for d in ok],
        "reasons": [d["protocol"].get("reason") for d in docs if d["stopped"] == "failed"],
    }


# ----- the preset ----------------------------------------------------------------------------------
def run_oneshot_preset(preset: OneShotPreset, out_dir: Path, *, seeds: int | list[int] | None = None,
                       progress: bool = True, jobs: int = 1) -> int:
    """Make the preset's runs resumably (module docstring, steps 1-3); ``jobs`` one-shot searches at
    once (:func:`reproduce.kinds.oneshot_runs.sweep_oneshot`). Returns the number of one-shot runs
    that failed; the report is :func:`write_oneshot_report`'s."""
    import sys

    from reproduce.kinds.oneshot_runs import sweep_oneshot

    out = Path(out_dir)
    runs = out / "runs"
    n = _seed_range(preset, seeds)

    def say(line: str) -> None:
        if progress:
            print(f"{preset.name}: {line}", file=sys.stderr, flush=True)

    specs = oneshot_specs(preset, n)
    costs = _live_costs(preset, out, say)  # first: on an idle machine, and kept if the sweep is interrupted
    summary = sweep_oneshot(specs, runs, say=say, jobs=jobs)
    say(f"one-shot runs: {summary['done']} new, {summary['skipped']} already done, {summary['failed']} failed "
        f"({summary['seconds']:.0f} s)")
    times = _equal_times(preset, specs, runs, costs)
    base = results.pending(baseline_specs(preset, n, times, costs), runs)
    if base:
        say(f"{len(base)} baseline run(s) at {', '.join(f'{b}: {t:.0f} s' for b, t in times.items())} (simulated)")
    for spec in base:  # simulated, fast: one process, each result written atomically
        results.write_result(runs, spec, run_charged(spec))
    return int(summary["failed"])


def _equal_times(preset: OneShotPreset, specs, runs: Path, costs: dict) -> dict[str, float]:
    """Per benchmark: the slowest one-shot method's mean search time (the baselines' budget)."""
    times = {}
    for b in preset.benchmarks:
        means = [_mean([_last(d, "time") for d in (_doc(runs, s) for s in specs if s.benchmark == b and s.strategy == m.name)
                        if d is not None and d["stopped"] != "failed"]) for m in preset.methods]
        finite = [t for t in means if np.isfinite(t)]
        times[b] = max(finite) if finite else float(costs[b]["seconds_per_arch"])
    return times


def write_oneshot_report(preset: OneShotPreset, out: Path, seeds: int | list[int], *, times: dict | None = None,
                         costs: dict | None = None) -> dict:
    """table.md and summary.json from the stored runs (and live_cost.json)."""
    runs = out / "runs"
    if costs is None:
        path = out / LIVE_COST
        try:
            costs = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise NasbenchError(f"{path} is missing or unreadable ({exc}); rerun `nasbench reproduce {preset.name}` "
                                "to measure the live cost again") from None
    seeds = _seed_range(preset, seeds)
    specs = oneshot_specs(preset, seeds)
    docs_of = {}
    for s in specs:
        d = _doc(runs, s)
        if d is not None:
            docs_of.setdefault((s.benchmark, s.strategy), []).append(d)
    if times is None:
        times = _equal_times(preset, specs, runs, costs)
    base = baseline_specs(preset, seeds, times, costs)
    bdocs = {}
    for s in base:
        d = _doc(runs, s)
        if d is not None:
            bdocs.setdefault((s.benchmark, s.strategy), []).append(d)
    summary: dict = {"preset": preset.name, "seeds": len(seeds), "epochs": preset.epochs, "benchmarks": {},
                     "live_cost": costs}
    lines = [f"# {preset.title}", ""]
    for b in preset.benchmarks:
        c = float(costs[b]["seconds_per_arch"])
        T = times[b]
        lines += [f"## {b}", "",
                  f"Equal wall-clock budget: {T:.1f} s (the slowest one-shot method's mean search time); one RS/RE "
                  f"query is charged {c:.1f} s (measured live training time, see below), so a baseline evaluates "
                  f"{int(T // c)} architecture(s) in it.", "",
                  "| Method | test acc (%) | valid acc (%) | search wall-clock (s) | param-free ops share"
                  " | Kendall tau | runs (failed) |",
                  "|---|---|---|---|---|---|---|"]
        bsum = summary["benchmarks"].setdefault(b, {"budget_s": T, "query_cost_s": c, "methods": {}, "equal_time": {}})
        for m in preset.methods:
            st = _oneshot_stats(docs_of.get((b, m.name), []))
            bsum["methods"][m.label] = {k: v for k, v in st.items()}
            lines.append(f"| {m.label} | {_ms(st['test'])} | {_ms(st['valid'])} | {_ms(st['time'], 1)} | "
                         f"{_ms(st['param_free'])} | {_ms(st['kendall'], 3)} | {st['runs']} ({st['failed']}) |")
        for e in preset.baselines:
            ds = bdocs.get((b, e.name), [])
            st = {"test": [_last(d, "incumbent_test") for d in ds], "valid": [_last(d, "incumbent_valid") for d in ds],
                  "queries": [float(d["n_steps"]) for d in ds],  # trials finished within the budget
                  "param_free": [param_free_share(_space(b), int(_last(d, "incumbent")))
                                 if np.isfinite(_last(d, "incumbent")) and _last(d, "incumbent") >= 0 else math.nan
                                 for d in ds]}
            bsum["methods"][e.label] = st
            lines.append(f"| {e.label} (equal time, {_ms(st['queries'], 1)} queries) | {_ms(st['test'])} | {_ms(st['valid'])} | "
                         f"{T:.1f} (charged) | {_ms(st['param_free'])} | {DASH} | {len(ds)} (0) |")
        lines += ["", "At each one-shot method's own mean search time (RS / RE test acc, %; "
                  f"'{DASH}': no live training finishes that fast):", "",
                  "| Method | its time (s) | " + " | ".join(f"{e.label} test acc" for e in preset.baselines) + " |",
                  "|---|---|" + "---|" * len(preset.baselines)]
        for m in preset.methods:
            t = _mean(bsum["methods"][m.label]["time"])
            cells = []
            for e in preset.baselines:
                vals = [_at_time(d, t, "incumbent_test") for d in bdocs.get((b, e.name), [])] if np.isfinite(t) else []
                bsum["equal_time"].setdefault(m.label, {})[e.label] = vals
                cells.append(_ms(vals))
            lines.append(f"| {m.label} | {t:.1f} | " + " | ".join(cells) + " |")
        ke = {m.label: bsum["methods"][m.label]["kendall_by_epoch"] for m in preset.methods}
        if any(len(v) > 1 for v in ke.values()):
            lines += ["", "Kendall tau by epoch (mean over seeds): " + "; ".join(
                f"{k}: " + ", ".join(f"{e}: {v:.3f}" for e, v in d.items()) for k, d in ke.items() if d)]
        lines += ["", f"Live cost measurement ({b}): {len(costs[b]['archs'])} uniformly drawn architectures "
                  f"({', '.join(costs[b]['archs'])}) trained {costs[b]['epochs_measured']} epochs each with the live "
                  f"backend ({_cost_device(costs[b])}): mean {costs[b]['mean_seconds_per_epoch']:.3f} s/epoch x "
                  f"{costs[b]['protocol_epochs']} protocol epochs = {c:.1f} s per architecture "
                  f"({costs[b]['machine']}).", ""]
    lines += _footer(preset, len(seeds), specs, runs)
    summary["rank_archs"] = preset.rank_archs
    summary["plots"] = _write_plots(preset, summary, bdocs, out)
    lines += ["", "Figures: " + ", ".join(n for n in summary["plots"] if n.endswith(".png")) +
              " (and .pdf): oneshot_accuracy = derived architecture's test accuracy against search wall-clock, "
              "per seed and method, with RS / RE over simulated time; oneshot_ranking = Kendall tau per method."]
    text = "\n".join(lines) + "\n"
    write_text_atomic(out / "table.md", text)
    write_text_atomic(out / "summary.json", dumps(summary, "null", indent=1) + "\n")
    return summary


def _write_plots(preset: OneShotPreset, summary: dict, bdocs: dict, out: Path) -> list[str]:
    """The report's figures (:mod:`reproduce.kinds.oneshot_figures`); returns the file names."""
    import nasbench
    from nasbench.evaluator import Reporter
    from reproduce.kinds.oneshot_figures import plot_oneshot_accuracy, plot_oneshot_ranking

    methods = [m.label for m in preset.methods]
    baselines = {b: [(e.label, [d["columns"]["time"] for d in bdocs.get((b, e.name), [])],
                      [d["columns"]["incumbent_test"] for d in bdocs.get((b, e.name), [])])
                     for e in preset.baselines] for b in preset.benchmarks}
    best = {b: float(Reporter(nasbench.load(b)).best_test) for b in preset.benchmarks}
    return [*plot_oneshot_accuracy(summary, methods, baselines, best, out), *plot_oneshot_ranking(summary, methods, out)]


def _space(benchmark: str):
    import nasbench

    return nasbench.load(benchmark).space


def _footer(preset: OneShotPreset, seeds: int, specs, runs: Path) -> list[str]:
    split, details, at_once = None, {}, set()
    for s in specs:
        d = _doc(runs, s)
        if d is not None:
            split = split or d["protocol"].get("search_split")
            details = details or d["protocol"].get("strategy_details") or {}
            at_once.add(int((d["protocol"].get("strategy_details") or {}).get("concurrent_searches", 1)))
    jobs = "-".join(str(n) for n in sorted(at_once)) if len(at_once) > 1 else str(min(at_once, default=1))
    probe = ("after the last epoch" if not preset.rank_every else
             f"every {preset.rank_every} epochs (the table gives the last)")
    methods = ", ".join(f"{m.label} ({_citation(m.name)})" for m in preset.methods)
    out = [
        "**Protocol.** "
        f"{seeds} seed(s) per method; {preset.epochs} search epochs (NB-Graph: one full-batch weight step per "
        f"epoch); device {details.get('device', preset.device)}, {jobs} search(es) at once. "
        f"Search split: {split or 'see the run files'}. The search sees only "
        "supernet scores on search-valid; the derived architecture's valid/test accuracy (table, final, mean of "
        "replicates; test = the table's test accuracy) is read after the search. Test acc: mean ± sample std "
        "over seeds. Search wall-clock: real seconds on this machine (training + final derivation; per-epoch logs "
        "and ranking probes excluded). RS/RE: simulated seconds, each query charged the measured live training "
        "time. Param-free ops share: share of the derived cell's 4 operations that are `skip` (no parameters; `fc` "
        "is a Linear layer and counts as parametric). Kendall tau: supernet score (inherited weights, single "
        f"path, search-valid) vs the table's validation accuracy on {preset.rank_archs} uniformly drawn "
        f"architectures {probe}.",
        "",
        f"**Sources.** Methods: {methods}. Benchmark: NAS-Bench-Graph (Qin et al., NeurIPS 2022). "
        f"{preset.source}",
    ]
    out += [f"- {n}" for n in preset.notes]
    return out


def _citation(name: str) -> str:
    from strategies.oneshot.registry import method_class

    return method_class(name).citation.split(" (")[0]


# ----- plain results folders ----------------------------------------------------------------------
def summarise_oneshot(specs, out: Path) -> list[str]:
    """One line per configuration: runs, failed, final test accuracy and wall-clock."""
    groups: dict = {}
    for s in specs:
        g = groups.setdefault((s.benchmark, s.strategy, s.config_key()), [])
        d = _doc(Path(out), s)
        if d is not None:
            g.append(d)
    lines = []
    for (b, m, key), docs in groups.items():
        st = _oneshot_stats(docs)
        lines.append(f"  {b}  {m} [{key}]: {st['runs']} runs ({st['failed']} failed), derived arch test acc "
                     f"{_ms(st['test'])}, search {_ms(st['time'], 1)} s, param-free share {_ms(st['param_free'])}"
                     + (f", Kendall tau {_ms(st['kendall'], 3)}" if any(np.isfinite(k) for k in st['kendall']) else ""))
        for r in st["reasons"][:1]:
            lines.append(f"    failed: {r}")
    return lines


def has_oneshot_runs(out: Path, on_bad: str = "error") -> bool:
    """Whether a results folder holds at least one one-shot run."""
    try:
        if not results.result_files(out):
            return False
    except NasbenchError:
        return False
    return any((d.get("protocol") or {}).get("kind") == "oneshot" for d in results.read_folder(out, on_bad).docs)


@dataclass(frozen=True)
class OneShotFolder:
    """A results folder holding one-shot runs (and, maybe, ``nasbench run`` runs) that no preset wrote."""

    name: str
    path: Path
    on_bad: str = "error"
    kind: ClassVar[str] = "oneshot"
    seeds: int = 0


def report_folder(out: Path, on_bad: str = "error") -> dict:
    """``table.md`` / ``summary.json`` of a results folder holding one-shot runs and, maybe,
    ``nasbench run`` runs: one row per (benchmark, method or strategy, configuration)."""
    folder = results.read_folder(out, on_bad)
    groups: dict = {}
    for d in folder.docs:
        groups.setdefault((d["benchmark"], d["strategy"], d["config_key"]), []).append(d)
    lines = [f"# Results in {display_path(out)}", "",
             "| Benchmark | Method | kind | budget | runs (failed) | test acc (%) | valid acc (%) | time (s)"
             " | param-free share | Kendall tau |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    summary = {}
    for (b, m, key), ds in sorted(groups.items()):
        oneshot = (ds[0].get("protocol") or {}).get("kind") == "oneshot"
        st = _oneshot_stats(ds)
        space = _space(b)
        if not oneshot:
            st["param_free"] = [param_free_share(space, int(_last(d, "incumbent"))) if _last(d, "incumbent") >= 0 else math.nan
                                for d in ds]
        kind = "one-shot (real s)" if oneshot else "black-box (simulated s)"
        lines.append(f"| {b} | {m} [{key}] | {kind} | {ds[0]['budget']} | {st['runs']} ({st['failed']}) | {_ms(st['test'])} | "
                     f"{_ms(st['valid'])} | {_ms(st['time'], 1)} | {_ms(st['param_free'])} | "
                     f"{_ms(st['kendall'], 3) if oneshot else DASH} |")
        summary[f"{b}:{m}:{key}"] = st
    lines += ["", "Test/valid: the table's final values of each run's final architecture (one-shot: the derived "
              "architecture; black-box: the incumbent), mean ± std over seeds. Time: real search seconds for one-shot "
              "runs, simulated seconds for black-box runs. Param-free share: operations without parameters (NB-Graph: "
              "skip; NB201: none, skip_connect, avg_pool_3x3)."]
    note = folder.skipped_note()
    if note:
        lines += ["", f"WARNING: {note}"]
    write_text_atomic(out / "table.md", "\n".join(lines) + "\n")
    write_text_atomic(out / "summary.json", dumps(summary, "null", indent=1) + "\n")
    return summary


# ----- the kind -----------------------------------------------------------------------------------
class OneShotKind(PresetKind):
    """One-shot (supernet) methods against RS / RE at equal wall-clock, and folders of one-shot runs."""

    name = "oneshot"
    summary = "one-shot methods (real wall-clock) against RS / RE charged the measured live training time"

    def parse(self, doc: dict, path: Path, where: str) -> OneShotPreset:
        return load_oneshot_preset(doc, path, where)

    def default_seeds(self, preset: Any) -> int:
        return int(preset.seeds)

    def execute(self, preset: OneShotPreset, out_dir: Path, seeds: list[int], options: RunOptions) -> int:
        jobs = 1 if options.executor == "serial" or not options.jobs else options.jobs
        return run_oneshot_preset(preset, out_dir, seeds=seeds, progress=options.progress, jobs=jobs)

    def collect(self, preset: Any, out_dir: Path, seeds: list[int], options: ReportOptions) -> Collected:
        if isinstance(preset, OneShotFolder):
            return Collected(None, expected=len(results.read_folder(out_dir, options.on_bad).docs))
        specs = oneshot_specs(preset, seeds)
        missing = [s for s in specs if _doc(out_dir / "runs", s) is None]
        return Collected(seeds, expected=len(specs), missing=missing)

    def write(self, preset: Any, collected: Collected, out_dir: Path) -> dict:
        if isinstance(preset, OneShotFolder):
            return report_folder(out_dir, preset.on_bad)
        return write_oneshot_report(preset, out_dir, collected.data)

    def page(self, preset: Any, collected: Collected, out_dir: Path, summary: dict | None) -> Path | None:
        from reproduce.kinds.oneshot_page import write_oneshot_html

        return write_oneshot_html(out_dir, preset, summary, missing=collected.missing)

    def infer(self, out_dir: Path, options: ReportOptions) -> OneShotFolder | None:
        if has_oneshot_runs(out_dir, options.on_bad):
            return OneShotFolder(display_path(out_dir.name), out_dir / "command.json", options.on_bad)
        return None

    def benchmarks(self, preset: Any) -> list[str]:
        return list(getattr(preset, "benchmarks", ()))


__all__ = ["ChargedRunSpec", "OneShotFolder", "OneShotKind", "OneShotPreset", "has_oneshot_runs", "load_oneshot_preset",
           "measure_live_cost", "oneshot_specs", "report_folder", "run_charged", "run_oneshot_preset", "summarise_oneshot",
           "write_oneshot_report"]
