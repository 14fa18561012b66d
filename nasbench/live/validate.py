"""Check a search's incumbents by training them for real (``nasbench validate``).

Reads the final incumbents of the runs in a result folder (the caller passes them in; the CLI
reads them with :func:`reproduce.store.results.load_final`), takes the top-K distinct incumbents by
the table's ``valid_acc`` plus N calibration architectures at evenly spaced quantiles of the
table's validation ranking, trains each for S seeds with the live backend (through
:func:`nasbench.live.build.run_jobs`, resumable: one run file per (arch, seed) under
``OUT/runs``) and compares live with table values: per-arch rows, Spearman and mean absolute
difference, written as ``table.md``, ``results.csv``, ``scatter.png`` (y = x line) and
``summary.json`` in ``OUT``.

The compared metric is ``valid_acc`` (table: mean over replicates, highest fidelity; live: the
benchmark's own definition, see :func:`~nasbench.live.build.train_job`) and ``test_acc``
likewise. With ``--epochs`` below the benchmark's, live values are of a shorter training and
only the ranking (Spearman) is meaningful.
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from nasbench.benchmark import Benchmark
from nasbench.errors import NasbenchError
from nasbench.live.build import (
    base_space_name,
    check_live_dataset,
    live_recipe,
    original_ids,
    read_record,
    run_file,
    run_jobs,
)
from nasbench.live.proxies import spearman


def pick_archs(bench: Benchmark, incumbents, top: int, calibration: int) -> list[tuple[int, str]]:
    """``[(id, role)]``: top-``top`` distinct incumbents by table valid_acc ('incumbent'), then
    ``calibration`` archs at quantiles of the table ranking ('calibration'), no duplicates."""
    valid = np.asarray(bench.table.vector("valid_acc"), dtype=float)
    inc = sorted({int(i) for i in incumbents if i is not None and not (isinstance(i, float) and math.isnan(i))
                  and int(i) >= 0})
    if not inc and calibration <= 0:
        raise NasbenchError("no finished incumbents in the result folder and --calibration 0: nothing to validate")
    inc.sort(key=lambda i: (-np.nan_to_num(valid[i], nan=-np.inf), i))
    picks = [(i, "incumbent") for i in inc[:top]]
    taken = {i for i, _ in picks}
    order = np.argsort(-np.nan_to_num(valid, nan=-np.inf), kind="mergesort")
    order = order[np.isfinite(valid[order])]
    for q in (np.linspace(0.0, 1.0, calibration + 2)[1:-1] if calibration > 0 else []):
        pos = int(round(q * (len(order) - 1)))
        while pos < len(order) and int(order[pos]) in taken:
            pos += 1
        if pos < len(order):
            picks.append((int(order[pos]), "calibration"))
            taken.add(int(order[pos]))
    return picks


def validate(bench: Benchmark, incumbents, out_dir: str | Path, *, top: int = 5, calibration: int = 5,
             seeds: int = 1, epochs: int | None = None, device: str = "auto", data_root: str | None = None,
             executor: str = "local", workers: int | None = None, progress=None) -> dict:
    """Train the picks and write the comparison to ``out_dir``; returns the summary dict."""
    from nasbench.live.trainer import resolve_device

    space = base_space_name(bench)
    dataset = bench.info.dataset
    check_live_dataset(space, dataset)
    dev = str(resolve_device(device))
    recipe = live_recipe(space, dataset, epochs)
    # fail early (typed) when the data are absent, before any worker starts
    from nasbench.live.build import load_live_data

    load_live_data(space, dataset, data_root)
    picks = pick_archs(bench, incumbents, top, calibration)
    out = Path(out_dir)
    work = out / "runs" / f"{space}-{dataset}-e{recipe.epochs}"
    work.mkdir(parents=True, exist_ok=True)
    ids = np.array([i for i, _ in picks], dtype=np.int64)
    orig = original_ids(bench, ids)
    todo = [{"space": space, "dataset": dataset, "arch": int(o), "seed": s, "epochs": recipe.epochs,
             "device": dev, "data_root": data_root, "work_dir": str(work)}
            for o in orig for s in range(seeds) if read_record(run_file(work, o, s)) is None]
    for _ in run_jobs(todo, executor, workers, dev, progress):
        pass
    t_valid = np.asarray(bench.query(ids, "valid_acc"), dtype=float)
    try:
        t_test = np.asarray(bench.query(ids, "test_acc"), dtype=float)
    except NasbenchError:
        t_test = np.full(len(ids), np.nan)
    rows = []
    for k, ((i, role), o) in enumerate(zip(picks, orig)):
        recs = [read_record(run_file(work, o, s)) for s in range(seeds)]
        ok = [r for r in recs if r and r.get("ok")]
        lv = [r["valid_acc"] for r in ok if r.get("valid_acc") is not None]
        lt = [r["test_acc"] for r in ok if r.get("test_acc") is not None]
        rows.append({
            "id": int(i), "arch": bench.space.to_str(int(i)), "role": role,
            "table_valid": float(t_valid[k]), "live_valid": float(np.mean(lv)) if lv else math.nan,
            "live_valid_std": float(np.std(lv)) if lv else math.nan,
            "table_test": float(t_test[k]), "live_test": float(np.mean(lt)) if lt else math.nan,
            "seeds_ok": len(ok), "failures": "; ".join(r.get("reason") or "" for r in recs if r and not r.get("ok")),
        })
    tv = np.array([r["table_valid"] for r in rows])
    lv = np.array([r["live_valid"] for r in rows])
    tt = np.array([r["table_test"] for r in rows])
    lt = np.array([r["live_test"] for r in rows])

    def mad(a, b):
        m = np.isfinite(a) & np.isfinite(b)
        return float(np.mean(np.abs(a[m] - b[m]))) if m.any() else math.nan

    summary = {
        "benchmark": bench.name, "device": dev, "epochs": recipe.epochs,
        "table_epochs": float(bench.table.fidelities[-1]), "seeds": seeds,
        "n_archs": len(rows), "spearman_valid": spearman(tv, lv), "spearman_test": spearman(tt, lt),
        "mad_valid": mad(tv, lv), "mad_test": mad(tt, lt),
        "mad_valid_incumbents": mad(tv[[r["role"] == "incumbent" for r in rows]],
                                    lv[[r["role"] == "incumbent" for r in rows]]),
    }
    _write_outputs(out, rows, summary)
    return {"rows": rows, "summary": summary, "out": out}


def _fmt(x: float) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{x:.2f}"


def _write_outputs(out: Path, rows: list[dict], summary: dict) -> None:
    from nasbench.atomic import write_text_atomic

    cols = list(rows[0]) if rows else []
    with open(out / "results.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    lines = [f"# Live validation of {summary['benchmark']}", "",
             f"{summary['n_archs']} archs x {summary['seeds']} seeds, {summary['epochs']} epochs "
             f"(table: {summary['table_epochs']:g}), device {summary['device']}", "",
             "| role | arch | table valid | live valid | table test | live test | seeds ok |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['role']} | `{r['arch']}` | {_fmt(r['table_valid'])} | {_fmt(r['live_valid'])} "
                     f"| {_fmt(r['table_test'])} | {_fmt(r['live_test'])} | {r['seeds_ok']} |")
    lines += ["", f"Spearman (valid): {_fmt(summary['spearman_valid'])}; Spearman (test): "
              f"{_fmt(summary['spearman_test'])}", f"mean |live - table| valid: {_fmt(summary['mad_valid'])} "
              f"(incumbents: {_fmt(summary['mad_valid_incumbents'])}); test: {_fmt(summary['mad_test'])}", ""]
    write_text_atomic(out / "table.md", "\n".join(lines))
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2, allow_nan=True))
    _scatter(out / "scatter.png", rows, summary)


def _scatter(path: Path, rows: list[dict], summary: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    for role, marker in (("incumbent", "o"), ("calibration", "s")):
        sel = [r for r in rows if r["role"] == role]
        ax.scatter([r["table_valid"] for r in sel], [r["live_valid"] for r in sel], marker=marker, label=role)
    vals = [v for r in rows for v in (r["table_valid"], r["live_valid"]) if math.isfinite(v)]
    if vals:
        lo, hi = min(vals), max(vals)
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="y = x")
    ax.set_xlabel("table valid_acc (%)")
    ax.set_ylabel(f"live valid_acc (%), {summary['epochs']} epochs")
    ax.set_title(f"{summary['benchmark']}: Spearman {_fmt(summary['spearman_valid'])}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
