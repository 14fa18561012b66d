"""``nasbench reproduce PRESET`` and ``nasbench report DIR``."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from nasbench.atomic import write_text_atomic
from nasbench.errors import NasbenchError
from nasbench.executors import use_ray_address
from reproduce.presets import MOPreset, PredictorPreset, load_preset, preset_names

RECORD = "reproduce.json"
HTML_HELP = ("also write report.html: one self-contained page (no network needed) with the sortable table, "
             "interactive curves, per-seed results and failed runs, provenance (docs/report-html.md)")


def _print_outcome(out: Path, html: bool = False) -> None:
    table = out / "table.md"
    results = out / "runs" if (out / "runs").exists() else out / "results.csv"  # search / predictors preset
    tables = ", ".join(str(out / t) for t in ("table.md", "table.tex", "summary.json") if (out / t).exists())
    page = f"page:    {out / 'report.html'}\n" if html else ""
    print(f"\nresults: {results}\ntables:  {tables}\nplots:   {', '.join(sorted(p.name for p in out.glob('*.png')))}\n{page}")
    if table.exists():
        print(table.read_text())


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Run a preset resumably, then write its tables, plots and summary."""
    from reproduce.reproduction import run_preset

    preset = load_preset(args.preset)
    if args.html and getattr(preset, "kind", None) == "oneshot":
        from reproduce.oneshot_report import NO_HTML

        raise NasbenchError(NO_HTML)  # before anything is written
    use_ray_address(args.ray_address, args.executor)
    if args.seeds is not None and args.seeds < 1:
        raise NasbenchError(f"--seeds must be a positive number of seeds, got {args.seeds}")
    out = Path(args.out or f"results/{preset.name}")
    out.mkdir(parents=True, exist_ok=True)
    seeds = args.seeds or preset.seeds
    write_text_atomic(out / RECORD, json.dumps({"preset": str(preset.path), "seeds": seeds}, indent=2))
    from reproduce.html_report import record_command

    record_command(out, getattr(args, "argv", None), preset_path=preset.path)
    run_preset(preset, out, seeds=seeds, executor=args.executor, jobs=args.jobs, progress=not args.quiet, html=args.html)
    _print_outcome(out, args.html)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Redraw tables and plots of a reproduce output folder from its stored results."""
    from reproduce.report import write_report
    from reproduce.reproduction import collect, preset_specs, report_search

    out = Path(args.dir)
    record = out / RECORD
    if not record.is_file():
        return _report_other_folder(out, args)
    doc = json.loads(record.read_text())
    preset = load_preset(doc["preset"])
    from reproduce.html_report import record_command

    record_command(out, getattr(args, "argv", None))
    if isinstance(preset, PredictorPreset):
        import pandas as pd

        from reproduce.reproduction import PREDICTOR_RESULTS, write_predictor_report

        frame = pd.read_csv(out / PREDICTOR_RESULTS)
        summary = write_predictor_report(preset, frame, out)
        if args.html:
            from reproduce.html_report import write_predictor_html

            write_predictor_html(out, preset, frame, summary)
        _print_outcome(out, args.html)
        return 0
    if getattr(preset, "kind", None) == "oneshot":
        from reproduce.oneshot_report import NO_HTML, write_oneshot_report

        if args.html:
            raise NasbenchError(NO_HTML)
        write_oneshot_report(preset, out, doc["seeds"])
        _print_outcome(out, args.html)
        return 0
    if isinstance(preset, MOPreset):
        from reproduce.mo_report import redraw_mo

        redraw_mo(preset, out, doc["seeds"], html=args.html)
        _print_outcome(out, args.html)
        return 0
    if args.html:
        report_search(preset, preset_specs(preset, doc["seeds"]), out, html=True)
    else:
        meta, finals, curves = collect(preset, preset_specs(preset, doc["seeds"]), out / "runs")
        write_report(meta, finals, curves, out)
    _print_outcome(out, args.html)
    return 0


def _report_other_folder(out: Path, args: argparse.Namespace) -> int:
    """``report`` of a ``nasbench run`` or ``nasbench predictors`` output folder (no preset)."""
    from reproduce import folder_report
    from reproduce.html_report import record_command

    if not out.is_dir():
        raise NasbenchError(f"no folder {out}; give the --out folder of `nasbench reproduce`, `nasbench run` or "
                            "`nasbench predictors`")
    if folder_report.is_predictors_folder(out):
        record_command(out, getattr(args, "argv", None))
        folder_report.report_predictors_folder(out, html=args.html)
    else:
        from reproduce.oneshot_report import NO_HTML, has_oneshot_runs, report_folder

        if has_oneshot_runs(out):  # one-shot (and black-box) runs side by side
            if args.html:
                raise NasbenchError(NO_HTML)
            report_folder(out)
        else:
            folder_report.report_run_folder(out, html=args.html)
        record_command(out, getattr(args, "argv", None))
    _print_outcome(out, args.html)
    return 0


def add_parsers(sub) -> None:
    """Register ``reproduce`` and ``report``."""
    p = sub.add_parser("reproduce", help=f"run a paper preset and write its tables and plots ({', '.join(preset_names())})")
    p.add_argument("preset", help="a shipped preset name or a .toml path")
    p.add_argument("--seeds", type=int, help="number of seeds (default: the preset's); trials for a predictors preset")
    p.add_argument("--out", help="output folder (default: results/<preset>)")
    p.add_argument("--executor", default="local", choices=["local", "serial", "ray"])
    p.add_argument("--ray-address", help="with --executor ray: a running cluster (auto, host:port, ray://host:port)")
    p.add_argument("--jobs", type=int, help="processes or Ray CPUs (default: available cores); a predictors preset "
                                           "uses processes; a one-shot preset runs this many searches at once (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--html", action="store_true", help=HTML_HELP)
    p.set_defaults(func=cmd_reproduce)
    p = sub.add_parser("report", help="redraw tables and plots from a reproduce output folder")
    p.add_argument("dir")
    p.add_argument("--html", action="store_true", help=HTML_HELP)
    p.set_defaults(func=cmd_report)
