"""report.html of a one-shot preset or of a folder holding one-shot runs.

The page holds, per benchmark, the sortable comparison of the one-shot methods and the RS / RE
baselines at equal wall-clock (mean ± std over seeds of the derived architecture's table values,
search time, parameter-free share, Kendall tau), the report's figures inlined as images, the
runs that have no result with their reasons, the provenance and the files beside it.
"""
from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reproduce.render.html import (
    DATA_FORMAT,
    esc,
    failures_html,
    files_html,
    notes_html,
    output_files,
    provenance_html,
    read_failure,
    relpath,
    render_page,
    sortable_table,
    write_page,
)
from reproduce.store import results
from reproduce.store.provenance import provenance

COLUMNS = (("test", "test acc (%)", 2), ("valid", "valid acc (%)", 2), ("time", "search time (s)", 1),
           ("param_free", "param-free share", 2), ("kendall", "Kendall tau", 3))


def _finite(values: Sequence[Any]) -> np.ndarray:
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return arr[np.isfinite(arr)]


def _cell(values: Sequence[Any], digits: int) -> tuple[str, Any]:
    """``mean ± std`` text and the sort key of a column's per-seed values."""
    arr = _finite(values)
    if not arr.size:
        return "–", ""
    mean = float(arr.mean())
    text = f"{mean:.{digits}f}" if arr.size == 1 else f"{mean:.{digits}f} ± {float(arr.std(ddof=1)):.{digits}f}"
    return f"{text} <span class=\"small\">(n={arr.size})</span>", mean


def _table(rows: dict[str, dict]) -> str:
    header = ["Method", "runs (failed)", *(label for _, label, _ in COLUMNS)]
    body = []
    for name, st in rows.items():
        runs = st.get("runs", len(st.get("queries", st.get("test", []))))  # a baseline run may end without an incumbent
        row: list[tuple[str, Any]] = [(esc(name), name), (f"{runs} ({st.get('failed', 0)})", runs)]
        for key, _, digits in COLUMNS:
            row.append(_cell(st.get(key, []), digits) if key in st else ("–", ""))
        body.append(row)
    return sortable_table(header, body, cls="comparison")


def _images(out_dir: Path) -> str:
    """The report's PNG figures, inlined (the page needs no other file)."""
    parts = []
    for png in sorted(out_dir.glob("oneshot_*.png")):
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        parts.append(f'<figure><img alt="{esc(png.stem)}" style="max-width:100%" src="data:image/png;base64,{data}">'
                     f'<figcaption class="small">{esc(png.name)} (PDF beside it)</figcaption></figure>')
    return "\n".join(parts) or "<p>No figures.</p>"


def _failures(out_dir: Path, missing: Sequence) -> list[dict]:
    runs_dir = out_dir / "runs"
    out = []
    for spec in missing:
        err = results.error_path(runs_dir, spec)
        record = {"key": spec.benchmark, "strategy": spec.strategy, "seed": int(spec.seed),
                  "expected_file": relpath(results.result_path(runs_dir, spec), out_dir)}
        if err.is_file():
            record.update(file=relpath(err, out_dir), **read_failure(err))
        else:
            record.update(file=None, error="no result file and no error file: the run never finished", traceback="")
        out.append(record)
    return out


def write_oneshot_html(out_dir: Path, preset: Any, summary: dict | None, *, missing: Sequence = ()) -> Path:
    """``report.html`` of a one-shot report (``summary``: what :func:`write_oneshot_report` or
    :func:`report_folder` returned; None when runs are missing, which the page then lists)."""
    out_dir = Path(out_dir)
    sections = []
    summary = summary or {}
    if "benchmarks" in summary:  # a preset: per benchmark, methods and baselines at equal time
        blocks = []
        for bench, part in summary["benchmarks"].items():
            budget = part.get("budget_s")
            cost = part.get("query_cost_s")
            head = (f"<h3>{esc(bench)}</h3><p class=\"small\">Equal wall-clock budget {budget:.1f} s; one RS/RE query "
                    f"is charged {cost:.1f} s (measured live training).</p>"
                    if isinstance(budget, (int, float)) and isinstance(cost, (int, float)) and math.isfinite(budget)
                    else f"<h3>{esc(bench)}</h3>")
            blocks.append(head + _table(part.get("methods", {})))
        table_html = "\n".join(blocks)
    elif summary:  # a folder: one row per (benchmark, method, configuration)
        table_html = _table({key.replace(":", " · "): st for key, st in summary.items()})
    else:
        table_html = "<p>No report: some runs have no result (see Failed runs).</p>"
    notes = []
    table_md = out_dir / "table.md"
    if table_md.is_file():
        notes = [line.strip("- ").replace("**", "") for line in table_md.read_text(encoding="utf-8").splitlines()
                 if line.startswith(("**Protocol", "**Sources", "- ", "WARNING"))]
    sections.append(("table", "Comparison", table_html + ("<h3>Notes</h3>" + notes_html(notes) if notes else "")))
    sections.append(("figures", "Figures", _images(out_dir)))
    failures = _failures(out_dir, missing)
    sections.append(("failed", "Failed runs", failures_html(failures)))
    benchmarks = list(getattr(preset, "benchmarks", ()) or
                      dict.fromkeys(k.split(":")[0] for k in summary if ":" in k))
    prov = provenance(out_dir, benchmarks, getattr(preset, "path", None) if hasattr(preset, "methods") else None)
    sections.append(("provenance", "Provenance", provenance_html(prov)))
    sections.append(("files", "Files", files_html(output_files(out_dir))))
    data = {"format": DATA_FORMAT, "kind": "oneshot", "summary": summary, "failures": failures, "provenance": prov}
    from reproduce.store.jsonio import plain

    title = getattr(preset, "title", None) or f"One-shot results in {out_dir}"
    subtitle = f"<code>{esc(getattr(preset, 'name', out_dir.name))}</code> · one-shot methods (real wall-clock)"
    if failures:
        subtitle += f" · <span class=err>{len(failures)} run(s) without a result</span>"
    return write_page(out_dir, render_page(title, subtitle, sections, {}, plain(data, "null")))


__all__ = ["write_oneshot_html"]
