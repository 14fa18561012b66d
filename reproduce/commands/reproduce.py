"""``nasbench reproduce PRESET`` and ``nasbench report DIR``: argparse only; the work is
:mod:`reproduce.pipeline`'s, whatever the kind of the preset or folder."""
from __future__ import annotations

import argparse
from pathlib import Path

from nasbench.errors import NasbenchError
from nasbench.executors import use_ray_address
from reproduce.commands.run import ENGINE_HELP
from reproduce.kinds.base import ReportOptions, RunOptions
from reproduce.presets import preset_names
from reproduce.seeds import SEEDS_FORM
from reproduce.store.sweep import ENGINES

HTML_HELP = ("also write report.html: one self-contained page (no network needed) with the sortable table, "
             "interactive curves, per-seed results and failed runs, provenance (docs/report-html.md)")
#: the outputs a report may write, in the order `nasbench report` names them
OUTPUTS = ("table.md", "table.tex", "summary.json", "summary.csv", "results.csv", "report.html")


def _labels(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or ():
        name, eq, text = item.partition("=")
        if not eq or not name.strip() or not text.strip():
            raise NasbenchError(f"bad --label '{item}'; use STRATEGY=TEXT, e.g. --label re='Regularized evolution'")
        out[name.strip()] = text.strip()
    return out


def report_options(args: argparse.Namespace) -> ReportOptions:
    """The report options of ``reproduce`` / ``report`` from their arguments."""
    from reproduce.store.configs import parse_select

    return ReportOptions(on_bad="skip" if getattr(args, "skip_bad", False) else "error",
                         select=parse_select(getattr(args, "select", None)), title=getattr(args, "title", None),
                         labels=_labels(getattr(args, "label", None)), html=bool(getattr(args, "html", False)))


def print_outcome(out: Path, before: dict[str, float]) -> None:
    """Name the files this command wrote (those new or changed since ``before``) and print table.md."""
    written = [name for name in OUTPUTS if (out / name).is_file() and (out / name).stat().st_mtime_ns != before.get(name)]
    plots = sorted(p.name for p in out.glob("*.png") if p.stat().st_mtime_ns != before.get(p.name))
    print(f"\nwritten in {out}: {', '.join(written) or 'nothing'}")
    if plots:
        print(f"plots:   {', '.join(plots)} (and .pdf)")
    if "report.html" in written:
        print(f"page:    {out / 'report.html'}")
    if (out / "runs").is_dir():
        print(f"runs:    {out / 'runs'}")
    table = out / "table.md"
    if "table.md" in written:
        print()
        print(table.read_text(encoding="utf-8"))


def snapshot(out: Path) -> dict[str, float]:
    """Modification times of the outputs already in ``out`` (to tell what a command wrote)."""
    if not out.is_dir():
        return {}
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Run a preset resumably, then write its tables, plots and summary."""
    from reproduce.kinds import kind_of, load_preset
    from reproduce.pipeline import _seed_list, reproduce_preset
    from reproduce.store.outputs import check_output_folder
    from reproduce.store.provenance import record_command

    preset = load_preset(args.preset)
    use_ray_address(args.ray_address, args.executor)
    if args.jobs is not None and args.jobs < 1:
        raise NasbenchError(f"--jobs must be >= 1, got {args.jobs}")
    seeds = _seed_list(kind_of(preset), preset, args.seeds)
    out = Path(args.out or f"results/{preset.name}")
    check_output_folder(out)
    before = snapshot(out)
    out.mkdir(parents=True, exist_ok=True)
    record_command(out, getattr(args, "argv", None), preset_path=preset.path)
    reproduce_preset(preset, out, seeds=seeds,
                     run=RunOptions(executor=args.executor, jobs=args.jobs, progress=not args.quiet, engine=args.engine),
                     report_options=report_options(args))
    print_outcome(out, before)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Redraw the tables, plots and summary of any results folder from its stored runs."""
    from reproduce.pipeline import report_folder
    from reproduce.store.outputs import check_output_folder
    from reproduce.store.provenance import record_command

    out = Path(args.dir)
    if not out.is_dir():
        raise NasbenchError(f"no folder {out}; give the --out folder of `nasbench reproduce`, `nasbench run`, "
                            "`nasbench oneshot` or `nasbench predictors`")
    check_output_folder(out)
    before = snapshot(out)
    record_command(out, getattr(args, "argv", None))
    report_folder(out, report_options(args))
    print_outcome(out, before)
    return 0


def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--html", action="store_true", help=HTML_HELP)
    p.add_argument("--skip-bad", action="store_true",
                   help="leave out result files that cannot be read or validated (named on stderr, in the notes and "
                        "on the page) instead of stopping with an error that names them")


def add_parsers(sub) -> None:
    """Register ``reproduce`` and ``report``."""
    p = sub.add_parser("reproduce", help=f"run a paper preset and write its tables and plots ({', '.join(preset_names())})")
    p.add_argument("preset", help="a shipped preset name or a .toml path")
    p.add_argument("--seeds", help=f"seeds (default: the preset's count); {SEEDS_FORM}; trials for a predictors preset")
    p.add_argument("--out", help="output folder (default: results/<preset>)")
    p.add_argument("--executor", default="local", choices=["local", "serial", "ray"])
    p.add_argument("--ray-address", help="with --executor ray: a running cluster (auto, host:port, ray://host:port)")
    p.add_argument("--jobs", type=int, help="processes or Ray CPUs (default: available cores); a predictors preset "
                                           "uses processes; a one-shot preset runs this many searches at once (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--engine", default="auto", choices=ENGINES, help=ENGINE_HELP)
    _report_arguments(p)
    p.set_defaults(func=cmd_reproduce)
    p = sub.add_parser("report", help="redraw tables and plots from a results folder (reproduce, run, oneshot or "
                                      "predictors)")
    p.add_argument("dir")
    _report_arguments(p)
    p.add_argument("--select", action="append", metavar="FIELD=VALUE",
                   help="report only the configurations that match (repeatable): budget=100q, strategy=re, "
                        "signal=..., noise=..., benchmark=..., or a hyperparameter such as population_size=20")
    p.add_argument("--title", help="title of a run folder's report (default: the folder)")
    p.add_argument("--label", action="append", metavar="STRATEGY=TEXT",
                   help="display name of a strategy in a run folder's tables and legends (repeatable)")
    p.set_defaults(func=cmd_report)
