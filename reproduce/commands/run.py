"""``nasbench run``: many seeds of strategies on benchmarks, resumably, into a results folder.

    nasbench run --benchmark nb201/cifar10 --strategy rs,re --seeds 0:500 --budget 12000s --out results/

Rerunning the same command runs only what is missing (see :mod:`reproduce.sweep`).
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
from nasbench.errors import NasbenchError, one_of
from nasbench.evaluator import Signal, parse_noise
from nasbench.executors import EXECUTORS, check_executor, use_ray_address
from strategies.base import StrategyError
from strategies.loop import Budget
from strategies.registry import get_spec
from strategies.runner import RunSpec

SEEDS_FORM = "START:STOP (half-open, e.g. 0:500), one seed (7) or a comma-separated list (1,2,5 or 0:10,20)"
HP_FORM = "key=value, or NAME:key=value for one strategy (or method) only (value in JSON: 10, 0.5, true, \"text\")"


def parse_seeds(text: str) -> list[int]:
    """``"0:500"`` (half-open), ``"7"``, ``"1,2,5"`` or a mix (``"0:10,20"``) -> sorted distinct seeds."""
    seeds: set[int] = set()
    items = [t.strip() for t in str(text).split(",")]
    for item in items:
        try:
            if ":" in item:
                lo_text, hi_text = item.split(":")
                lo, hi = int(lo_text), int(hi_text)
                if lo < 0 or hi <= lo:
                    raise ValueError
                seeds.update(range(lo, hi))
            else:
                seed = int(item)
                if seed < 0:
                    raise ValueError
                seeds.add(seed)
        except ValueError:
            raise NasbenchError(f"bad --seeds '{text}'; use non-negative integers: {SEEDS_FORM}") from None
    return sorted(seeds)


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
    strategies = split_names(args.strategy)
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


def summarise(specs: Sequence[RunSpec], out_dir: Path) -> list[str]:
    """One line per configuration: runs stored and the mean +/- std of the final values that
    matter for it: incumbent_test and test_regret for a scalar search; for a multi-objective one
    the test hypervolume of the returned Pareto set and its hypervolume regret (normalised)."""
    from reproduce import results

    groups: dict[tuple[str, str, str], dict] = {}
    for spec in specs:
        key = (spec.benchmark, spec.strategy, spec.config_key())
        columns = ("hv_test", "hv_test_regret") if spec.objectives else ("incumbent_test", "test_regret")
        group = groups.setdefault(key, {"hps": spec.hyperparameters, "columns": columns, "values": ([], []), "n": 0})
        try:
            doc = results.read_result(results.result_path(out_dir, spec))
        except results.ResultFileError:
            continue
        cols = doc["columns"]
        group["n"] += 1
        for name, values in zip(columns, group["values"]):
            col = cols.get(name) or []
            values.append(math.nan if not col or col[-1] is None else col[-1])
    lines = []
    for (bench, strategy, key), g in groups.items():
        hps = f" {json.dumps(g['hps'], sort_keys=True)}" if g["hps"] else ""
        (first, second), (a, b) = g["columns"], g["values"]
        lines.append(f"  {bench}  {strategy}{hps} [{key}]: {g['n']} runs, final {first} {_mean_std(a)}, "
                     f"{second} {_mean_std(b)}")
    return lines


def cmd_run(args: argparse.Namespace) -> int:
    """Run every (benchmark, strategy, seed) that has no result yet; print a summary.

    Progress on stderr (a bar on a terminal, plain lines otherwise; none with ``--quiet``).
    Some runs failed: a warning on stderr and exit 1; every run failed: SweepFailedError (exit 2).
    """
    from reproduce.sweep import sweep

    specs = build_specs(args)
    out_dir = Path(args.out)
    summary = sweep(specs, out_dir, executor=args.executor, workers=args.jobs,
                    progress=not getattr(args, "quiet", False), label="run")
    from reproduce.html_report import record_command

    record_command(out_dir, getattr(args, "argv", None))  # command.json: what `nasbench report DIR` shows
    print(f"results in {out_dir}/ ({summary.total} runs: {summary.done} new, {summary.skipped} already done, "
          f"{summary.failed} failed; {summary.seconds:.1f} s)")
    for line in summarise(specs, out_dir):
        print(line)
    if summary.failed:
        from reproduce.results import error_path

        spec, message = summary.failures[0]
        print(f"nasbench: warning: {summary.failed} of {summary.total} runs failed, e.g. seed {spec.seed} of "
              f"{spec.strategy} on {spec.benchmark}: "
              f"{' '.join(message.split())} (details: {error_path(out_dir, spec)}); fix the cause if the error names one, then rerun the "
              f"same command: finished runs are kept, failed ones are retried",
              file=sys.stderr)
        return 1
    return 0


def add_parsers(sub) -> None:
    """Register ``run`` on an argparse subparsers object."""
    p = sub.add_parser("run", help="many seeds of strategies on benchmarks, resumable, one result file per run")
    p.add_argument("--benchmark", action="append", required=True, metavar="B[,B...]",
                   help="benchmark name(s), comma-separated (see `nasbench list`)")
    p.add_argument("--strategy", action="append", required=True, metavar="S[,S...]",
                   help="strategy name(s), comma-separated")
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
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_run)
