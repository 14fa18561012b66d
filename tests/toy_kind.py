"""A toy preset kind in one module: how a new kind plugs into the pipeline (docs/ARCHITECTURE.md).

``kind = "toy"``: per seed, the mean of ``draws`` uniform numbers from the seed's generator; the
report is their mean over seeds. Registered with one line:
``reproduce.kinds.register_kind("tests.toy_kind:ToyKind")``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from nasbench.atomic import write_text_atomic
from reproduce.kinds.base import Collected, PresetKind, ReportOptions, RunOptions
from reproduce.presets import check_keys, require, require_int
from reproduce.render.html import render_page, sortable_table, write_page
from reproduce.render.tables import DASH, fmt_pm
from reproduce.store.jsonio import dumps


@dataclass(frozen=True)
class ToyPreset:
    kind: ClassVar[str] = "toy"
    name: str
    title: str
    seeds: int
    draws: int
    path: Path


def run_file(out: Path, seed: int) -> Path:
    return out / "runs" / f"seed-{seed:05d}.json"


class ToyKind(PresetKind):
    name = "toy"
    summary = "mean of uniform draws per seed (a test of the kind interface)"

    def parse(self, doc: dict, path: Path, where: str) -> ToyPreset:
        check_keys(doc, {"kind", "name", "title", "seeds", "draws"}, where)
        return ToyPreset(require(doc, "name", str, where), str(doc.get("title", doc["name"])),
                         require_int(doc, "seeds", where, minimum=1), require_int(doc, "draws", where, minimum=1), path)

    def execute(self, preset: ToyPreset, out_dir: Path, seeds: list[int], options: RunOptions) -> int:
        for seed in seeds:
            path = run_file(out_dir, seed)
            if not path.is_file():  # resumable
                value = float(np.random.default_rng(seed).uniform(size=preset.draws).mean())
                path.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomic(path, json.dumps({"seed": seed, "value": value}))
        return 0

    def collect(self, preset: ToyPreset, out_dir: Path, seeds: list[int], options: ReportOptions) -> Collected:
        values, missing = {}, []
        for seed in seeds:
            path = run_file(out_dir, seed)
            if path.is_file():
                values[seed] = json.loads(path.read_text())["value"]
            else:
                missing.append(seed)
        return Collected(values, expected=len(seeds), missing=missing)

    def write(self, preset: ToyPreset, collected: Collected, out_dir: Path) -> dict:
        v = np.array(list(collected.data.values()))
        summary = {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else None, "n": int(v.size)}
        write_text_atomic(out_dir / "table.md",
                          f"# {preset.title}\n\n| toy | {fmt_pm(summary['mean'], summary['std'], ' ± ')} |\n")
        write_text_atomic(out_dir / "summary.json", dumps(summary, indent=1))
        return summary

    def page(self, preset: ToyPreset, collected: Collected, out_dir: Path, summary: dict | None) -> Path:
        cell = DASH if summary is None else fmt_pm(summary["mean"], summary["std"], " ± ")
        table = sortable_table(["kind", "mean ± std"], [[("toy", "toy"), (cell, summary["mean"] if summary else "")]])
        return write_page(out_dir, render_page(preset.title, "toy", [("table", "Table", table)], {}, {"kind": "toy"}))

    def infer(self, out_dir: Path, options: ReportOptions) -> ToyPreset | None:
        return None
