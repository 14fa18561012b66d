"""``nasbench oneshot``: weight-sharing searches on real data, resumably, into a results folder.

    nasbench oneshot --benchmark nbgraph/cora --method enas,rsps,spos --seeds 0:5 --epochs 100 --out results/cora
    nasbench run --benchmark nbgraph/cora --strategy rs,re --seeds 0:5 --budget 500q --out results/cora
    nasbench report results/cora          # one-shot and black-box methods side by side

Rerunning the same command runs only what is missing (:mod:`reproduce.kinds.oneshot_runs`).
"""
from __future__ import annotations

import argparse
import sys

from nasbench.errors import NasbenchError
from reproduce.commands.run import HP_FORM
from reproduce.seeds import SEEDS_FORM


def parse_method_settings(items, methods: list[str]) -> dict[str, dict]:
    """``--hp`` items -> {method: {key: value}}; every key must be a setting of the method."""
    from reproduce.commands.run import parse_scoped_settings
    from strategies.oneshot.registry import method_class

    return parse_scoped_settings(items, methods, lambda m: method_class(m).defaults, what="one-shot method",
                                 setting="setting", option="--method")


def build_oneshot_specs(args: argparse.Namespace) -> list:
    """Validate the options and expand them into run specs (benchmark x method x seed)."""
    from nasbench.benchmark import check_name
    from reproduce.commands.run import split_names
    from reproduce.kinds.oneshot_runs import make_spec
    from reproduce.seeds import parse_seeds
    from strategies.oneshot.registry import method_class

    benchmarks, methods = split_names(args.benchmark), split_names(args.method)
    if not benchmarks or not methods:
        raise NasbenchError("give at least one --benchmark and one --method (comma-separated for several)")
    for name in benchmarks:
        if name.startswith("user:"):
            raise NasbenchError(
                f"one-shot search needs a table of its whole space (the derived architecture can be any of it) and "
                f"user tables hold the architectures someone trained; use nbgraph/<dataset> or nb201/cifar10, got "
                f"--benchmark '{name}' (`nasbench validate DIR` trains a one-shot result live instead)")
        check_name(name)
        space = name.split("/", 1)[0]
        if space not in ("nbgraph", "nb201"):
            raise NasbenchError(f"one-shot search supports nbgraph/<dataset> and nb201/cifar10, got --benchmark '{name}'")
    for m in methods:
        method_class(m)
    if args.epochs < 1:
        raise NasbenchError(f"--epochs must be >= 1, got {args.epochs}")
    if args.rank_archs and args.rank_archs < 3:
        raise NasbenchError(f"--rank-archs must be 0 (no ranking) or >= 3, got {args.rank_archs}")
    if args.rank_every < 0:
        raise NasbenchError(f"--rank-every must be >= 0 (0 = last epoch only), got {args.rank_every}")
    from nasbench.live.trainer import resolve_device

    device = resolve_device(args.device).type
    seeds = parse_seeds(args.seeds)
    hps = parse_method_settings([kv for group in args.hp or () for kv in group], methods)
    return [make_spec(b, m, s, args.epochs, hyperparameters=hps[m], device=device, rank_k=args.rank_archs,
                      rank_every=args.rank_every)
            for b in benchmarks for m in methods for s in seeds]


def cmd_oneshot(args: argparse.Namespace) -> int:
    """Run every (benchmark, method, seed) that has no result yet; print a summary."""
    from reproduce.kinds.oneshot import summarise_oneshot
    from reproduce.kinds.oneshot_runs import sweep_oneshot
    from reproduce.store.outputs import check_output_folder

    specs = build_oneshot_specs(args)
    out = check_output_folder(args.out)
    quiet = getattr(args, "quiet", False)
    summary = sweep_oneshot(specs, out, data_root=args.data_root, jobs=args.jobs,
                            say=None if quiet else (lambda line: print(f"oneshot: {line}", file=sys.stderr)))
    from reproduce.store.provenance import record_command

    record_command(out, getattr(args, "argv", None))  # command.json: what `nasbench report DIR` shows
    print(f"results in {out}/ ({len(specs)} runs: {summary['done']} new, {summary['skipped']} already done, "
          f"{summary['failed']} failed; {summary['seconds']:.1f} s)")
    for line in summarise_oneshot(specs, out):
        print(line)
    if summary["failed"]:
        spec, message = summary["errors"][0]
        print(f"nasbench: warning: {summary['failed']} of {len(specs)} runs failed, e.g. seed {spec.seed} of "
              f"{spec.strategy} on {spec.benchmark}: {' '.join(message.split())}; rerun the same command: finished "
              f"runs are kept, failed ones are retried", file=sys.stderr)
        return 2 if summary["failed"] == len(specs) - summary["skipped"] and not summary["done"] else 1
    return 0


def add_parsers(sub) -> None:
    """Register ``oneshot`` on an argparse subparsers object."""
    p = sub.add_parser("oneshot", help="weight-sharing (one-shot) searches on real data, resumable, one result "
                                       "file per run (docs/oneshot.md)")
    p.add_argument("--benchmark", action="append", required=True, metavar="B[,B...]",
                   help="nbgraph/<cora|citeseer|pubmed> or nb201/cifar10 (needs --data-root)")
    p.add_argument("--method", action="append", required=True, metavar="M[,M...]",
                   help="one-shot method(s), comma-separated (enas, rsps, spos, darts, gdas, drnas, ...)")
    p.add_argument("--seeds", required=True, help=f"seeds: {SEEDS_FORM}")
    p.add_argument("--epochs", type=int, required=True, help="search epochs (NB-Graph: one full-batch step each)")
    p.add_argument("--device", default="auto", help="auto (CUDA if present), cpu or cuda (default auto)")
    p.add_argument("--data-root", help="data folder: CIFAR-10 python pickles (cifar-10-batches-py) or Planetoid "
                                       "raw files; Cora and CiteSeer are shipped")
    p.add_argument("--rank-archs", type=int, default=0,
                   help="ranking probe: architectures sampled to compare supernet and table rankings (0 = off)")
    p.add_argument("--rank-every", type=int, default=0,
                   help="probe the ranking every N epochs (0 = after the last epoch only)")
    p.add_argument("--hp", nargs="+", action="append", metavar="KEY=VALUE", help=f"method setting: {HP_FORM}")
    p.add_argument("--out", required=True, help="results folder (shared with `nasbench run`; rerun to resume)")
    p.add_argument("--jobs", type=int, default=1,
                   help="searches at once, each in its own process (default 1; on a GPU they share it). Each "
                        "search's wall-clock is measured while the others run: compare times at equal --jobs")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_oneshot)
