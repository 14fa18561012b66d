"""``nasbench run``: many seeds of strategies on benchmarks, resumably, into a results folder.

    nasbench run --benchmark nb201/cifar10 --strategy rs,re --seeds 0:500 --budget 12000s --out results/

Rerunning the same command runs only what is missing (see :mod:`reproduce.store.sweep`).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nasbench.benchmark import check_name
from nasbench.errors import NasbenchError, SweepFailedError, one_of
from nasbench.evaluator import Signal, parse_noise
from nasbench.executors import EXECUTORS, check_executor, use_ray_address
from reproduce.seeds import SEEDS_FORM, parse_seeds, seeds_text
from reproduce.store.sweep import ENGINES
from strategies.base import StrategyError
from strategies.loop import Budget
from strategies.registry import canonical_name, get_spec, strategy_help
from strategies.runner import RunSpec

ENGINE_HELP = ("auto (default): seeds of rs, grid, re, ls, reinforce and rl-controller as a batch dimension "
               "(trajectories identical to the per-run loop), the loop for everything else; batched: refuse what it "
               "cannot batch; loop: one run at a time. Recorded in each run's protocol")
HP_FORM = "key=value, or NAME:key=value for one strategy (or method) only (value in JSON: 10, 0.5, true, \"text\")"


def split_names(values: Sequence[str] | None) -> list[str]:
    """Comma-separated and/or repeated option values -> names in order, without duplicates."""
    out: list[str] = []
    for value in values or ():
        for name in value.split(","):
            name = name.strip()
            if name and name not in out:
                out.append(name)
    return out


def _coerce(what: str, name: str, key: str, raw: str, default: object) -> object:
    """The value of ``--hp key=raw`` in the type of ``what`` ``name``'s default (JSON otherwise;
    a JSON list becomes a tuple)."""
    if isinstance(default, str):
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if isinstance(default, bool):
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if not isinstance(value, bool):
            raise StrategyError(f"--hp {key}={raw}: {what} '{name}' expects true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise StrategyError(f"--hp {key}={raw}: {what} '{name}' expects an integer (default {default})")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise StrategyError(f"--hp {key}={raw}: {what} '{name}' expects a number (default {default})")
        return float(value)
    return tuple(value) if isinstance(value, list) else value


def parse_scoped_settings(items: Sequence[str], names: Sequence[str], defaults_of: Callable[[str], dict], *,
                          what: str = "strategy", setting: str = "hyperparameter",
                          option: str = "--strategy") -> dict[str, dict]:
    """``--hp`` items (``key=value`` for every name, ``name:key=value`` for one) -> {name: {key:
    value}}; every key must be one of ``defaults_of(name)``, the value is read in its type."""
    out: dict[str, dict] = {n: {} for n in names}
    for item in items:
        target, eq, raw = item.partition("=")
        if not eq or not target:
            raise NasbenchError(f"bad --hp '{item}'; use {HP_FORM}")
        scope, colon, key = target.rpartition(":")
        if colon and scope not in out:
            raise NasbenchError(f"--hp '{item}' names {what} '{scope}', which is not in {option} ({one_of(names)})")
        for name in [scope] if colon else names:
            defaults = defaults_of(name)
            if key not in defaults:
                takes = one_of(sorted(defaults)) if defaults else "none"
                hint = f" (scope it to one {what}: NAME:{key}=VALUE)" if len(names) > 1 and not colon else ""
                raise StrategyError(f"{what} '{name}' has no {setting} '{key}'; it takes {takes}{hint}")
            out[name][key] = _coerce(what, name, key, raw, defaults[key])
    return out


def parse_hyperparameters(items: Sequence[str], strategies: Sequence[str]) -> dict[str, dict]:
    """``--hp`` items -> {strategy: {key: value}}; every key must be one the strategy takes."""
    return parse_scoped_settings(items, strategies, lambda name: get_spec(name).defaults)


def build_specs(args: argparse.Namespace) -> list[RunSpec]:
    """Validate the command's options and expand them into run specs (benchmark x strategy x seed)."""
    benchmarks = split_names(args.benchmark)
    strategies = list(dict.fromkeys(canonical_name(s) for s in split_names(args.strategy)))  # REA -> re
    if not benchmarks or not strategies:
        raise NasbenchError("give at least one --benchmark and one --strategy (comma-separated for several)")
    for name in benchmarks:
        check_name(name)
    for name in strategies:
        get_spec(name)
    seeds = parse_seeds(args.seeds)
    budget = str(Budget.parse(args.budget))
    signal = str(Signal.parse(args.signal)) if args.signal else None
    if args.noise is not None:
        parse_noise(args.noise)
    if args.workers < 1:
        raise NasbenchError(f"--workers (simulated parallel trainers) must be >= 1, got {args.workers}")
    if args.jobs is not None and args.jobs < 1:
        raise NasbenchError(f"--jobs (processes) must be >= 1, got {args.jobs}")
    check_executor(args.executor)
    use_ray_address(getattr(args, "ray_address", None), args.executor)
    hps = parse_hyperparameters([kv for group in args.hp or () for kv in group], strategies)
    return [
        RunSpec(benchmark=b, strategy=s, seed=seed, budget=budget, hyperparameters=hps[s],
                signal=signal, noise=args.noise, workers=args.workers, constraint=args.constraint,
                objectives=tuple(args.objectives.split(",")) if args.objectives else None)
        for b in benchmarks for s in strategies for seed in seeds
    ]


def _mean_std(values: list[float]) -> str:
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    if not arr.size:
        return "n/a"
    std = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
    return f"{arr.mean():.3f} +/- {std:.3f}"


def _reported_name(doc: dict) -> str:
    """What ``incumbent_test`` holds for a run: the benchmark's test metric, or for a surrogate
    (no test split) its validation prediction, said as such."""
    from reproduce.kinds.search import is_surrogate

    what = str((doc.get("protocol") or {}).get("report_test", "test"))
    if is_surrogate(doc["benchmark"]):
        return f"surrogate-predicted {what.split('@')[0]} (no test split)"
    if str(doc["benchmark"]).endswith("proteins"):
        return f"{what.split('@')[0]} (ROC-AUC x 100)"
    return what.split("@")[0]


def summarise(specs: Sequence[RunSpec], out_dir: Path) -> tuple[list[str], int, int]:
    """One line per configuration: runs stored, runs without an incumbent (failed: every trial
    failed or was infeasible), and the mean +/- std of the final values that matter for it (a
    scalar search: the incumbent's reported value and its regret; a multi-objective one: the
    test hypervolume of the returned Pareto set and its hypervolume regret, normalised).

    Returns ``(lines, runs with a result, runs without an incumbent)``.
    """
    from reproduce.store import results

    groups: dict[tuple[str, str, str], dict] = {}
    stored = no_incumbent = 0
    for spec in specs:
        key = (spec.benchmark, spec.strategy, spec.config_key())
        columns = ("hv_test", "hv_test_regret") if spec.objectives else ("incumbent_test", "test_regret")
        group = groups.setdefault(key, {"hps": spec.hyperparameters, "columns": columns, "values": ([], []), "n": 0,
                                        "no_incumbent": [], "name": None})
        try:
            doc = results.read_result(results.result_path(out_dir, spec))
        except results.ResultFileError:
            continue
        stored += 1
        group["n"] += 1
        group["name"] = group["name"] or (_reported_name(doc) if not spec.objectives else None)
        if not spec.objectives and not results.has_incumbent(doc):
            group["no_incumbent"].append(spec.seed)
            no_incumbent += 1
            continue
        cols = doc["columns"]
        for name, values in zip(columns, group["values"]):
            col = cols.get(name) or []
            values.append(math.nan if not col or col[-1] is None else col[-1])
    lines = []
    for (bench, strategy, config_key), g in groups.items():
        hps = f" {json.dumps(g['hps'], sort_keys=True)}" if g["hps"] else ""
        (first, second), (a, b) = g["columns"], g["values"]
        if g["name"]:
            first, second = g["name"], "regret"
        missing = ""
        if g["no_incumbent"]:
            missing = (f", {len(g['no_incumbent'])} without an incumbent (failed: no feasible or finished trial; seeds "
                       f"{seeds_text(g['no_incumbent'])})")
        n_ok = g["n"] - len(g["no_incumbent"])
        lines.append(f"  {bench}  {strategy}{hps} [{config_key}]: {g['n']} runs{missing}; over the {n_ok} with an incumbent: "
                     f"final {first} {_mean_std(a)}, {second} {_mean_std(b)}")
    return lines, stored, no_incumbent


def cmd_run(args: argparse.Namespace) -> int:
    """Run every (benchmark, strategy, seed) that has no result yet; print a summary.

    Progress on stderr (a bar on a terminal, plain lines otherwise; none with ``--quiet``).
    A run that raised, or that ended without an incumbent (every trial failed or was infeasible),
    is a failed run: some failed -> a warning on stderr and exit 1; all failed -> exit 2.
    """
    from reproduce.store.outputs import check_output_folder, display_path
    from reproduce.store.provenance import record_command
    from reproduce.store.sweep import sweep

    specs = build_specs(args)
    out_dir = check_output_folder(args.out)
    summary = sweep(specs, out_dir, executor=args.executor, workers=args.jobs,
                    progress=not getattr(args, "quiet", False), label="run", engine=getattr(args, "engine", "auto"))
    record_command(out_dir, getattr(args, "argv", None))  # command.json: what `nasbench report DIR` shows
    lines, stored, no_incumbent = summarise(specs, out_dir)
    failed = summary.failed + no_incumbent
    print(f"results in {display_path(out_dir)}/ ({summary.total} runs: {summary.done} new, {summary.skipped} already "
          f"done, {failed} failed{f' ({no_incumbent} without an incumbent)' if no_incumbent else ''}; "
          f"{summary.seconds:.1f} s)")
    for line in lines:
        print(line)
    if no_incumbent and failed >= summary.total:
        raise SweepFailedError(
            f"all {summary.total} run(s) failed or ended without an incumbent: no trial was feasible or finished (a constraint "
            f"no architecture meets, or a signal the table lacks); nothing to report. Relax --constraint or check "
            "the signal, then rerun into a new --out")
    if failed:
        if summary.failed:
            from reproduce.store.results import error_path

            spec, message = summary.failures[0]
            example = (f"e.g. seed {spec.seed} of {spec.strategy} on {spec.benchmark}: {' '.join(message.split())} "
                       f"(details: {error_path(out_dir, spec)})")
        else:
            example = "they found no feasible or finished trial (see the lines above)"
        advice = ("fix the cause if the error names one, then rerun the same command: finished runs are kept, failed "
                  "ones are retried" if summary.failed else
                  "a rerun gives the same (runs are deterministic): relax --constraint or raise --budget into a new --out")
        print(f"nasbench: warning: {failed} of {summary.total} runs failed, {example}; {advice}", file=sys.stderr)
        return 1
    return 0


def add_parsers(sub) -> None:
    """Register ``run`` on an argparse subparsers object."""
    p = sub.add_parser("run", help="many seeds of strategies on benchmarks, resumable, one result file per run")
    p.add_argument("--benchmark", action="append", required=True, metavar="B[,B...]",
                   help="benchmark name(s), comma-separated (see `nasbench list`)")
    p.add_argument("--strategy", action="append", required=True, metavar="S[,S...]",
                   help=f"strategy name(s), comma-separated: {strategy_help()}")
    p.add_argument("--seeds", required=True, help=f"seeds: {SEEDS_FORM}")
    p.add_argument("--budget", required=True, help="queries ('150q') or simulated seconds ('12000s')")
    p.add_argument("--signal", help="search signal METRIC@EPOCHS (default: the benchmark's)")
    p.add_argument("--noise", help="noise model: per-trial, mean or fixed:K (default: the benchmark's)")
    p.add_argument("--workers", type=int, default=1, help="simulated parallel trainers per run (default 1)")
    p.add_argument("--constraint", help="hardware budget for single-objective strategies: METRIC<=LIMIT[:MODE], "
                   "MODE reject (default), mnas-soft or mnas-hard, e.g. 'latency_fpga<=5'")
    p.add_argument("--objectives", help="extra objectives for multi-objective strategies, e.g. 'latency_fpga:min'")
    p.add_argument("--executor", default="local", choices=EXECUTORS,
                   help="local (process pool, default), serial (in-process) or ray")
    p.add_argument("--ray-address", help="with --executor ray: a running cluster (auto, host:port, ray://host:port); "
                   "default: $RAY_ADDRESS, else a private Ray instance on this machine")
    p.add_argument("--jobs", type=int, help="processes (or Ray CPUs) to use (default: the available cores)")
    p.add_argument("--hp", nargs="+", action="append", metavar="KEY=VALUE", help=f"hyperparameter: {HP_FORM}")
    p.add_argument("--out", required=True, help="results folder (created; rerun to resume)")
    p.add_argument("--engine", default="auto", choices=ENGINES, help=ENGINE_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_run)
