"""Benchmark commands: ``list``, ``info``, ``query``, ``import``."""
from __future__ import annotations

import argparse
import importlib.util
import json
import math

import numpy as np

import nasbench
from nasbench.benchmark import Benchmark, is_surrogate
from reproduce.progress import stage_progress


def _num(x: float) -> float | None:
    """JSON-safe float (NaN -> null) with the shortest repr of its float32 value (no float noise)."""
    if math.isnan(float(x)):
        return None
    return float(str(np.float32(x)))


def _fidelity_label(f: float) -> str:
    return str(int(f)) if float(f).is_integer() else str(f)


def _emit(payload: dict, as_json: bool, text: str) -> None:
    print(json.dumps(payload, indent=None if as_json else 2, sort_keys=True) if as_json else text)


def cmd_list(args: argparse.Namespace) -> int:
    """Known benchmarks, whether their table is built, and where the data comes from."""
    rows = []
    for name in nasbench.benchmark_names():
        info = nasbench.get_info(name)
        built = nasbench.table_path(name).exists() or (info.recipe.startswith("surrogate:")
                                                        and importlib.util.find_spec("onnxruntime") is not None)
        source = info.source if built or not info.needs_official_file else f"needs the official file: {info.requires}"
        if built and _official_import(name):
            source = "OFFICIAL FILE imported with `nasbench import --from` (see `nasbench info`)"
        rows.append({"name": name, "built": built, "space": info.space, "source": source})
    for name in nasbench.user_table_names():
        try:
            with nasbench.Table(nasbench.table_path(name)) as table:
                space, source = table.space_name, f"user table, {table.n_archs} archs ({nasbench.table_path(name)})"
        except nasbench.NasbenchError as exc:
            space, source = "?", f"unreadable user table: {exc}"
        rows.append({"name": name, "built": True, "space": space, "source": source})
    if args.json:
        _emit({"benchmarks": rows}, True, "")
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        mark = "built " if r["built"] else "-     "
        print(f"{r['name']:<{width}}  {mark} {r['space']:<17} {r['source']}")
    print("\n(tables build automatically on first use, or with `nasbench import NAME`)")
    return 0


def _official_import(name: str) -> bool:
    """True when ``name`` has a table imported from an official file (:mod:`nasbench.official`)."""
    from nasbench.official import official_import_path

    return official_import_path(name) is not None


def _surrogate_best(bench: Benchmark) -> dict:
    """A surrogate has no known best architecture: its declared regret reference instead."""
    table = bench.table
    return {"arch": None, "id": None, "valid_acc": _num(table.reference_valid), "test_acc": None,
            "fidelity": _fidelity_label(table.fidelities[-1]), "reference": table.reference_note}


def best_validation(bench: Benchmark) -> dict:
    """Best architecture by mean validation accuracy at the highest fidelity, and its test value."""
    if is_surrogate(bench):
        return _surrogate_best(bench)
    table = bench.table
    valid = table.vector("valid_acc")
    best = int(np.nanargmax(valid))
    out = {
        "arch": bench.space.to_str(best),
        "id": best,
        "valid_acc": _num(valid[best]),
        "fidelity": _fidelity_label(table.fidelities[-1]),
    }
    if "test_acc" in table.metric_names:
        test = table.vector("test_acc")
        out["test_acc"] = _num(test[best])
        out["best_test_acc_in_table"] = _num(np.nanmax(test))
    else:
        out["test_acc"] = None
    return out


def info_payload(bench: Benchmark) -> dict:
    """Everything ``nasbench info`` reports, as a JSON-ready dict."""
    table = bench.table
    metrics = {}
    for name in table.metric_names:
        m = table.metric(name)
        metrics[name] = {
            "split": m.split,
            "unit": m.unit,
            "measure": m.measure,
            "replicates": m.n_replicates,
            "fidelity_independent": m.fidelity_independent,
            "description": m.description,
        }
    signal_metric, signal_fidelity = bench.default_signal()
    return {
        "name": bench.name,
        "space": bench.space.name,
        "dataset": table.dataset,
        "n_archs": table.n_archs,
        "fidelities": [_fidelity_label(f) for f in table.fidelities],
        "metrics": metrics,
        "best_validation": best_validation(bench),
        "default_signal": {"metric": signal_metric,
                           "fidelity": None if signal_fidelity is None else _fidelity_label(signal_fidelity)},
        "default_noise": bench.info.default_noise,
        "citation": table.citation,
        "sources": table.sources,
        "missing_optional": table.missing_optional,
        "notes": table.notes,
        "table_file": str(table.path),
        **({"surrogate": True} if is_surrogate(bench) else {}),
    }


def _fidelity_range(labels: list[str]) -> str:
    """'1, 2, ..., 200' as '1..200 (every epoch)'; short or irregular lists as they are."""
    if len(labels) > 10 and all(x.isdigit() for x in labels) and [int(x) for x in labels] == list(
            range(int(labels[0]), int(labels[-1]) + 1)):
        return f"{labels[0]}..{labels[-1]} (every epoch)"
    return ", ".join(labels)


def _info_text(p: dict) -> str:
    best = p["best_validation"]
    lines = [
        f"{p['name']}: {p['n_archs']} architectures in space '{p['space']}', dataset {p['dataset']}",
        f"fidelities (epochs): {_fidelity_range(p['fidelities'])}",
        *(f"source: {s.get('name')} (sha256 {str(s.get('sha256'))[:16]}...)" for s in p["sources"]),
        "metrics:",
    ]
    for name, m in p["metrics"].items():
        what = f"{m['measure']}, " if m["measure"] else ""
        lines.append(f"  {name:<22} {m['split']:<8} {what}{m['unit']}, {m['replicates']} replicate(s)")
    if p.get("surrogate"):
        lines.append(f"surrogate predictions (deterministic), no test split; regret reference ({best['fidelity']} "
                     f"epochs): valid_acc {best['valid_acc']} ({best['reference']})")
    else:
        lines.append(
            f"best validation ({best['fidelity']} epochs, mean over replicates): {best['valid_acc']} "
            f"-> test {best['test_acc']}  {best['arch']}"
        )
    sig = p["default_signal"]
    lines.append(f"default search signal: {sig['metric']}@{sig['fidelity'] or 'final'}, noise model {p['default_noise']}")
    for missing in p["missing_optional"]:
        lines.append(f"not included: {missing['source']} ({missing['how']})")
    if p.get("notes"):
        lines.append(f"notes: {p['notes']}")
    lines.append(f"citation: {p['citation']}")
    return "\n".join(lines)


def cmd_info(args: argparse.Namespace) -> int:
    """Sizes, metrics, best validation architecture and its test value."""
    payload = info_payload(nasbench.load(args.benchmark))
    _emit(payload, args.json, _info_text(payload))
    return 0


def _arch_id(bench: Benchmark, arch: str) -> int:
    """An architecture string in the space's own form, or an id given explicitly as ``id:N``.
    A string is never read as an id (NAS-Bench-Macro's strings, e.g. ``01201120``, are all
    digits); a failed all-digit string says how to give an id."""
    from nasbench.errors import InvalidArchitectureError

    try:
        return bench.arch_id(arch)
    except InvalidArchitectureError as exc:
        if arch.strip().isdigit():
            raise InvalidArchitectureError(
                f"{exc} ('{arch.strip()[:40]}' is read as an architecture string of space "
                f"'{bench.space.name}'; to give an id, use --id {arch.strip()[:40]} or 'id:{arch.strip()[:40]}')"
            ) from None
        raise


def query_payload(bench: Benchmark, arch: str) -> dict:
    """Every metric of one architecture at every fidelity: mean and per-replicate values."""
    arch_id = _arch_id(bench, arch)
    table = bench.table
    metrics = {}
    if is_surrogate(bench):  # predictions at every epoch
        ids = np.full(1, arch_id, dtype=np.int64)
        for name in table.metric_names:
            m = table.metric(name)
            values = {_fidelity_label(f): {"mean": _num(table.query(ids, name, f)[0]), "replicates": []}
                      for f in table.fidelities}
            metrics[name] = {"split": m.split, "unit": m.unit, "values": values}
    for name in ([] if is_surrogate(bench) else table.metric_names):
        m = table.metric(name)
        block = table.array(name)[arch_id]
        fids = [None] if m.fidelity_independent else list(table.fidelities)
        values = {}
        for k, f in enumerate(fids):
            reps = block[:, k]
            label = "any" if f is None else _fidelity_label(f)
            values[label] = {"mean": _num(table.vector(name, f)[arch_id]), "replicates": [_num(v) for v in reps]}
        metrics[name] = {"split": m.split, "unit": m.unit, "values": values}
    return {
        "benchmark": bench.name,
        "id": arch_id,
        "arch": bench.space.to_str(arch_id),
        "canonical_id": int(bench.space.canonical(np.array([arch_id]))[0]),
        "metrics": metrics,
    }


def _query_text(p: dict) -> str:
    lines = [f"{p['benchmark']} id {p['id']}: {p['arch']}"]
    for name, m in p["metrics"].items():
        parts = []
        for label, v in m["values"].items():
            where = "" if label == "any" else f"@{label}"
            reps = ", ".join("nan" if r is None else f"{r:g}" for r in v["replicates"])
            parts.append(f"{where} {v['mean']} [{reps}]" if len(v["replicates"]) > 1 else f"{where} {v['mean']}")
        lines.append(f"  {name:<22} ({m['split']}, {m['unit']}){';'.join(parts)}")
    return "\n".join(lines)


def cmd_query(args: argparse.Namespace) -> int:
    """Every metric of one architecture (a string of the space, or ``--id N`` / ``id:N``)."""
    from nasbench.benchmark import ID_PREFIX
    from nasbench.errors import InvalidArchitectureError

    if (args.arch is None) == (args.id is None):
        raise InvalidArchitectureError(
            "give one architecture: a string of the space (e.g. NB201 '|nor_conv_3x3~0|+...') or an id "
            f"with --id N (or 'id:N'); got {'both' if args.arch is not None else 'neither'}"
        )
    arch = args.arch if args.arch is not None else ID_PREFIX + args.id
    payload = query_payload(nasbench.load(args.benchmark), arch)
    _emit(payload, args.json, _query_text(payload))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Run the import recipe of one benchmark (or all) now."""
    if args.source is not None:
        return _import_official(args)
    from nasbench.surrogates import is_surrogate_recipe

    names = nasbench.benchmark_names() if args.name == "all" else [args.name]
    for name in names:
        nasbench.get_info(name)
    surrogates = [n for n in names if is_surrogate_recipe(nasbench.get_info(n).recipe)]
    for name in surrogates:
        print(f"{name}: a surrogate benchmark (a model in data/), nothing to import", flush=True)
    names = [n for n in names if n not in surrogates]
    if args.name == "all":  # tables that need an official file, and official imports, are left as they are
        skipped = [n for n in names if nasbench.get_info(n).needs_official_file or _official_import(n)]
        for name in skipped:
            why = ("kept the table imported from an official file; `nasbench import " + name + "` restores the built-in one"
                   if _official_import(name) else "needs an official file: " + nasbench.get_info(name).requires)
            print(f"{name}: skipped ({why})", flush=True)
        names = [n for n in names if n not in skipped]
    if args.name != "all":  # one name: the built-in table, also where an official file was imported
        from nasbench.official import forget_official_import

        removed = forget_official_import(args.name)
        if removed is not None:
            print(f"{args.name}: removed the table imported from an official file ({removed}); "
                  f"`nasbench import {args.name} --from FILE` imports it again", flush=True)
    with stage_progress(len(names), "import", args.quiet, unit="tables") as progress:
        for name in names:
            path = nasbench.build_table(name)
            with nasbench.Table(path) as table:
                print(f"{name}: {table.n_archs} archs, metrics {', '.join(table.metric_names)} -> {path}", flush=True)
            progress.update(note=name)
    return 0


def _import_official(args: argparse.Namespace) -> int:
    """``nasbench import NAME --from PATH``: build NAME's table from an official file."""
    from nasbench.official import import_official

    with stage_progress(1, "import", args.quiet, unit="tables") as progress:
        path = import_official(args.name, args.source, progress)
        with nasbench.Table(path) as table:
            print(f"{args.name}: {table.n_archs} archs, metrics {', '.join(table.metric_names)} -> {path}", flush=True)
        progress.update(note=args.name)
    return 0


def add_parsers(sub) -> None:
    """Register the benchmark commands on an argparse subparsers object."""
    p = sub.add_parser("list", help="known benchmarks, built or not, and their source")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("info", help="sizes, metrics, best validation architecture and its test value")
    p.add_argument("benchmark")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("query", help="every metric of one architecture (a string of the space, or --id N)")
    p.add_argument("benchmark")
    p.add_argument("arch", nargs="?", default=None,
                   help="the architecture in the space's own string form (never read as an id); 'id:N' is id N")
    p.add_argument("--id", default=None, metavar="N", help="the architecture's integer id instead of a string")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_query)
    p = sub.add_parser("import", help="build a benchmark's table now (NAME or 'all')")
    p.add_argument("name")
    p.add_argument("--from", dest="source", metavar="PATH", default=None,
                   help="an official file of the benchmark (e.g. nasbench_only108.tfrecord)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_import)
