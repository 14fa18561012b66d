"""``nasbench analyze``: what makes architectures good, how rugged each space is, how far proxies
and datasets transfer (benchmarks), or which strategy wins where and what it would have cost
(a results folder).

    nasbench analyze nb201/cifar10 nbgraph/cora --out results/analysis
    nasbench analyze all --out results/analysis          # every shipped benchmark
    nasbench analyze results/nb201                        # a folder of runs -> results/nb201/analysis

Writes ``analysis.md``, ``summary.json`` and ``figures/*.png|pdf`` (docs/analysis.md).
"""
from __future__ import annotations

import shlex
from pathlib import Path

from nasbench.errors import NasbenchError
from reproduce.seeds import SEEDS_FORM

DEFAULT_OUT = "results/analysis"


def _is_results_dir(target: str) -> bool:
    return Path(target).is_dir()


def cmd_analyze(args) -> int:
    from reproduce.analysis.cost import EnergyModel
    from reproduce.analysis.pipeline import analyze_benchmarks, analyze_results, resolve_names
    from reproduce.seeds import parse_seeds

    argv = getattr(args, "argv", None) or ["analyze", *args.targets]
    command = "nasbench " + " ".join(shlex.quote(a) for a in argv)
    dirs = [t for t in args.targets if _is_results_dir(t)]
    if dirs:
        if len(args.targets) != 1:
            raise NasbenchError("give either one results folder or benchmark names, not both "
                                f"(folders given: {', '.join(dirs)})")
        for name, value in (("--power-w", args.power_w), ("--pue", args.pue), ("--grid", args.grid)):
            if not value > 0:
                raise NasbenchError(f"{name} must be positive, got {value}")
        from reproduce.store.configs import parse_select

        analyze_results(dirs[0], args.out, metric=args.metric, quiet=args.quiet, sample=args.time_runs,
                        energy=EnergyModel(args.power_w, args.pue, args.grid), command=command,
                        on_bad="skip" if args.skip_bad else "error", select=parse_select(args.select))
        return 0
    from nasbench.catalog import get_info

    names = resolve_names(args.targets)
    for n in names:
        if not n.startswith("user:"):
            get_info(n)  # UnknownBenchmarkError lists the names
    seeds = parse_seeds(args.seeds)
    analyze_benchmarks(names, args.out or DEFAULT_OUT, seed=args.seed, check=not args.no_check,
                       runs_dir=args.runs, run_missing=not args.no_runs, seeds=seeds, budget=args.budget,
                       jobs=args.jobs, quiet=args.quiet, command=command)
    return 0


def add_parsers(sub) -> None:
    """Register ``analyze`` on an argparse subparsers object."""
    from reproduce.analysis.cost import GRID_G_PER_KWH, POWER_W, PUE

    p = sub.add_parser("analyze", help="analyse benchmarks (importance, landscape, fidelity, transfer) or a results "
                                       "folder (strategy comparison, cost)")
    p.add_argument("targets", nargs="+", metavar="BENCH|all|FAMILY|RESULTS_DIR",
                   help="benchmark names, 'all', a family ('nb201', 'nbgraph'), or one results folder")
    p.add_argument("--out", help=f"output folder (default {DEFAULT_OUT}; for a results folder: RESULTS_DIR/analysis)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random walks and bootstraps (default 0)")
    p.add_argument("--seeds", default="100", help=f"seeds of the ls/re check runs (default 100: seeds 0..99); {SEEDS_FORM}")
    p.add_argument("--budget", default="150q", help="query budget of the ls/re check runs (default 150q)")
    p.add_argument("--runs", help="results folder for the ls/re check runs (default OUT/runs; reused, resumable)")
    p.add_argument("--no-runs", action="store_true", help="do not start check runs; use what --runs holds")
    p.add_argument("--no-check", action="store_true", help="skip the ls/re check of the landscape predictions")
    p.add_argument("--jobs", type=int, help="processes for the check runs (default: the available cores)")
    p.add_argument("--metric", default="test_regret",
                   choices=("test_regret", "valid_regret", "incumbent_test", "incumbent_valid"),
                   help="results folder: the final value compared (default test_regret)")
    p.add_argument("--power-w", type=float, default=POWER_W,
                   help=f"results folder: device power in W (default {POWER_W:g}: a 250 W GPU, docs/analysis.md)")
    p.add_argument("--pue", type=float, default=PUE, help=f"results folder: data-centre PUE (default {PUE:g}, Uptime 2023)")
    p.add_argument("--grid", type=float, default=GRID_G_PER_KWH,
                   help=f"results folder: grid gCO2e/kWh (default {GRID_G_PER_KWH:g}, world 2023, Ember)")
    p.add_argument("--time-runs", type=int, default=3, help="results folder: runs replayed per configuration to time "
                                                            "the harness (default 3)")
    p.add_argument("--skip-bad", action="store_true", help="results folder: leave out result files that cannot be "
                   "read or validated (named on stderr and in the report) instead of stopping")
    p.add_argument("--select", action="append", metavar="FIELD=VALUE",
                   help="results folder: only the configurations that match (e.g. budget=100q, strategy=re)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_analyze)
