"""The multi-objective kind: hardware-aware search of accuracy against each device's latency
(``kind = "multiobjective"``), reported as hypervolume regret (:mod:`reproduce.kinds.multiobjective_report`).

Preset schema::

    kind = "multiobjective"
    name = "nb201-hw"
    title = "..."
    seeds = 100
    budgets = ["150q"]               # checkpoints; runs use the largest, the report reads each
    workers = 1
    [search]
    benchmarks = ["nb201/cifar10"]   # exactly one
    signal = "valid_acc@12"          # optional
    noise = "per-trial"              # optional
    devices = ["fpga", "raspi4", "pixel3"]   # the benchmark's latency_<device> metrics (ms)
    [[strategies]]                   # multi-objective strategies only (mo-rs, nsga2, mo-re, parego)
    name = "nsga2"
    label = "NSGA-II"
    [published]                      # optional: source and notes only

Every device is a separate objective set (``RunSpec.objectives = ("latency_<device>:min",)``), so
its own runs and a table column.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from nasbench.errors import one_of
from reproduce.kinds.base import Collected, PresetKind, ReportOptions, RunOptions, sweep_runs
from reproduce.kinds.multiobjective_report import collect_mo, write_mo_report
from reproduce.presets import (
    PresetError,
    StrategyEntry,
    check_keys,
    check_type,
    parse_notes,
    parse_strategies,
    require,
    require_int,
)
from strategies.loop import Budget
from strategies.runner import RunSpec


@dataclass(frozen=True)
class MOPreset:
    """A parsed ``kind = "multiobjective"`` preset (see module docstring)."""

    kind: ClassVar[str] = "multiobjective"

    name: str
    title: str
    seeds: int
    budgets: tuple[str, ...]
    workers: int
    benchmark: str
    signal: str | None
    noise: str | None
    devices: tuple[str, ...]
    strategies: tuple[StrategyEntry, ...]
    source: str
    notes: tuple[str, ...]
    path: Path

    @property
    def max_budget(self) -> str:
        """The budget the runs use (the largest checkpoint)."""
        parsed = [Budget.parse(b) for b in self.budgets]
        if len({b.unit for b in parsed}) != 1:
            raise PresetError(f"preset '{self.name}': budgets must share one unit (q or s), got {list(self.budgets)}")
        return str(max(parsed, key=lambda b: b.amount))

    @staticmethod
    def objectives(device: str) -> tuple[str, ...]:
        """``RunSpec.objectives`` of one device (after the signal)."""
        return (f"latency_{device}:min",)



def _load_mo_preset(doc: dict, path: Path, where: str) -> MOPreset:
    from strategies.registry import get_spec, strategy_names

    check_keys(doc, {"kind", "name", "title", "seeds", "budgets", "workers", "search", "strategies", "published"}, where)
    search = require(doc, "search", dict, where)
    w = f"{where} [search]"
    check_keys(search, {"benchmarks", "signal", "noise", "devices"}, w)
    benchmarks = require(search, "benchmarks", list, w)
    if len(benchmarks) != 1 or not isinstance(benchmarks[0], str):
        raise PresetError(f"{w}: a multiobjective preset searches exactly one benchmark, got {benchmarks!r}")
    devices = require(search, "devices", list, w)
    if not devices or not all(isinstance(d, str) and d for d in devices) or len(set(devices)) != len(devices):
        raise PresetError(f"{w}: 'devices' must be a non-empty list of distinct device names (latency_<device>), got {devices!r}")
    strategies = parse_strategies(doc, where)
    multi = [n for n in strategy_names() if get_spec(n).objectives == "multi"]
    for s in strategies:
        if s.name not in multi:
            raise PresetError(f"{where}: strategy '{s.name}' is not multi-objective; use one of {one_of(multi)}")
    budgets = require(doc, "budgets", list, where)
    seeds = require_int(doc, "seeds", where, minimum=1)
    if not budgets:
        raise PresetError(f"{where}: 'budgets' must be non-empty")
    for b in budgets:
        check_type(b, str, f"{where}: a budget")
    published = dict(check_type(doc.get("published", {}), dict, f"{where}: [published]"))
    check_keys(published, {"source", "notes"}, f"{where} [published]")
    preset = MOPreset(
        name=require(doc, "name", str, where),
        title=doc.get("title", doc["name"]),
        seeds=int(seeds),
        budgets=tuple(str(b) for b in budgets),
        workers=require_int(doc, "workers", where, minimum=1, default=1),
        benchmark=benchmarks[0],
        signal=search.get("signal"),
        noise=search.get("noise"),
        devices=tuple(devices),
        strategies=tuple(strategies),
        source=str(published.get("source", "")),
        notes=parse_notes(published, where),
        path=path,
    )
    preset.max_budget  # noqa: B018 - fail early on mixed units
    return preset




def mo_specs(preset: MOPreset, seeds: int | Sequence[int] | None = None) -> list[RunSpec]:
    """Every run of the preset at its largest budget: device x strategy x seed."""
    n = preset.seeds if seeds is None else seeds
    n = range(n) if isinstance(n, int) else n
    return [
        RunSpec(benchmark=preset.benchmark, strategy=s.name, seed=seed, budget=preset.max_budget,
                hyperparameters=dict(s.hyperparameters), signal=preset.signal, noise=preset.noise,
                workers=preset.workers, objectives=preset.objectives(device))
        for device in preset.devices
        for s in preset.strategies
        for seed in n
    ]


class MultiObjectiveKind(PresetKind):
    """Hardware-aware multi-objective presets (hypervolume regret per device)."""

    name = "multiobjective"
    summary = "accuracy against each device's latency: hypervolume regret and attained fronts"

    def parse(self, doc: dict, path: Path, where: str) -> MOPreset:
        return _load_mo_preset(doc, path, where)

    def execute(self, preset: MOPreset, out_dir: Path, seeds: list[int], options: RunOptions) -> int:
        return sweep_runs(mo_specs(preset, seeds), out_dir / "runs", options, preset.name)

    def collect(self, preset: MOPreset, out_dir: Path, seeds: list[int], options: ReportOptions) -> Collected:
        specs = mo_specs(preset, seeds)
        missing: list[RunSpec] = []
        data = collect_mo(preset, specs, out_dir / "runs", missing=missing)
        return Collected((specs, data), expected=len(specs), missing=missing)

    def write(self, preset: MOPreset, collected: Collected, out_dir: Path) -> dict:
        _, data = collected.data
        return write_mo_report(*data, out_dir)

    def page(self, preset: MOPreset, collected: Collected, out_dir: Path, summary: dict | None) -> Path:
        from reproduce.kinds.multiobjective_page import write_mo_html

        specs, data = collected.data
        return write_mo_html(out_dir, preset, specs, *data, missing=collected.missing)

    def benchmarks(self, preset: MOPreset) -> list[str]:
        return [preset.benchmark]


__all__ = ["MOPreset", "MultiObjectiveKind", "mo_specs"]
