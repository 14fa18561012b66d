"""``nasbench predictors``: the performance-predictor evaluation of White et al., NeurIPS 2021.

    nasbench predictors --benchmark nb201/cifar10 --predictors rf,gp,bananas-ensemble \
        --trials 20 --out results/predictors

Writes ``results.csv`` (one row per trial, predictor and train size), ``summary.csv`` and
``spearman.png``/``spearman.pdf`` (Spearman vs train size, 95% bands) into ``--out``, with
``predictors.json`` (the root seed) and ``command.json`` so that ``nasbench report DIR`` redraws it.
"""
from __future__ import annotations

import json

from nasbench.atomic import atomic_path, write_text_atomic
from nasbench.errors import NasbenchError
from reproduce.commands.run import split_names as _names
from reproduce.progress import stage_progress


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise NasbenchError(f"bad --train-sizes '{text}'; use comma-separated integers, e.g. 5,8,14,24") from None
    if not sizes or min(sizes) < 2:
        raise NasbenchError(f"bad --train-sizes '{text}'; every size must be >= 2")
    return sizes


#: the settings results.csv does not hold (read back by ``nasbench report``)
def cmd_predictors(args) -> int:
    """Evaluate the predictors, store ``results.csv`` and write the report of the folder."""
    import pandas as pd

    from predictors.evaluation import COLUMNS, TRAIN_SIZES, evaluate_predictors, format_ci
    from predictors.registry import get_spec
    from reproduce.kinds.base import ReportOptions
    from reproduce.kinds.predictors import PREDICTOR_RESULTS, SETTINGS
    from reproduce.pipeline import report_folder
    from reproduce.store.outputs import check_output_folder
    from reproduce.store.provenance import record_command

    names = _names(args.predictors)
    for n in names:
        get_spec(n)
    sizes = _sizes(args.train_sizes) if args.train_sizes else list(TRAIN_SIZES)
    if args.trials < 1:
        raise NasbenchError(f"--trials must be >= 1, got {args.trials}")
    metric, fidelity = "valid_acc", None
    if args.metric:
        metric, _, fid = args.metric.partition("@")
        try:
            fidelity = float(fid) if fid else None
        except ValueError:
            raise NasbenchError(f"bad --metric '{args.metric}'; use METRIC or METRIC@EPOCHS") from None
    out = check_output_folder(args.out)
    out.mkdir(parents=True, exist_ok=True)

    with stage_progress(args.trials, "predictors", args.quiet, unit="trials", defer=True) as progress:
        rows = evaluate_predictors(args.benchmark, names, train_sizes=sizes, n_test=args.n_test, trials=args.trials,
                                   encoding=args.encoding, metric=metric, fidelity=fidelity, seed=args.seed,
                                   progress=progress.callback, jobs=args.jobs)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    with atomic_path(out / PREDICTOR_RESULTS) as tmp:
        frame.to_csv(tmp, index=False)
    write_text_atomic(out / SETTINGS, json.dumps({"seed": args.seed, "jobs": args.jobs}, indent=2))
    record_command(out, getattr(args, "argv", None))
    report_folder(out, ReportOptions())
    summary = pd.read_csv(out / "summary.csv")
    last = summary[summary["train_size"] == max(sizes)].sort_values("spearman", ascending=False)
    for _, r in last.iterrows():
        print(f"{r['predictor']:18s} {r['encoding']:9s} n={r['train_size']}: Spearman {r['spearman']:.3f} "
              f"{format_ci(r['spearman_lo'], r['spearman_hi'])}  kendall {r['kendall']:.3f}  fit {r['fit_time']:.2f}s")
    written = [name for name in (PREDICTOR_RESULTS, "summary.csv", "summary.json", "table.md", "spearman.png",
                                 "spearman.pdf") if (out / name).is_file()]
    print(f"wrote in {out}: {', '.join(written)}")
    return 0


def add_parsers(sub) -> None:
    """Register ``predictors`` on an argparse subparsers object."""
    p = sub.add_parser("predictors", help="evaluate performance predictors (White et al., NeurIPS 2021 protocol)")
    p.add_argument("--benchmark", required=True, help="benchmark name, e.g. nb201/cifar10")
    p.add_argument("--predictors", action="append", required=True, metavar="P[,P...]", help="predictor names")
    p.add_argument("--trials", type=int, default=100, help="random trials (default 100)")
    p.add_argument("--train-sizes", help="comma-separated train sizes (default 5,8,14,24,42,71,121,205)")
    p.add_argument("--n-test", type=int, default=200, help="held-out test architectures (default 200)")
    p.add_argument("--encoding", help="force an encoding for every predictor that can take it (default: each one's own)")
    p.add_argument("--metric", help="target METRIC[@EPOCHS] (default valid_acc at the highest fidelity)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--jobs", type=int, default=1, help="processes to spread the trials over (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=cmd_predictors)
