"""What a results folder's searches would have cost had every queried architecture been trained
for real, against what the table lookups cost; energy and CO2 from a device power, a data-centre
overhead and a grid intensity the user can set.

Per run, the simulated GPU time is the sum of the ``cost`` column (the seconds the evaluator
charged: the table's ``train_time`` at the queried fidelity, on the benchmark's GPU), which with
several simulated workers exceeds the run's simulated wall-clock (``time`` at its end).
A table without ``train_time`` (NB-Graph) charges a declared constant per query: the result
file's ``cost_model`` says so and these runs get no GPU-hour estimate.

Energy ``kWh = GPU-hours x power_kW x PUE``; CO2 ``kg = kWh x grid g/kWh / 1000``. Defaults:

- ``power_w = 250``: board power of a 250 W data-centre GPU, e.g. NVIDIA Tesla V100 PCIe
  (NVIDIA product brief PB-08744-001, "Tesla V100 PCIe GPU Accelerator", 2017: 250 W; the
  GeForce GTX 1080 Ti is also rated 250 W). A board rating, so an upper bound for the GPU alone;
- ``pue = 1.58``: average annual power usage effectiveness of the data centres in the Uptime
  Institute Global Data Center Survey 2023;
- ``grid_g_per_kwh = 481``: world average carbon intensity of electricity generation in 2023,
  Ember, Global Electricity Review 2024 (life-cycle gCO2e/kWh; also Our World in Data,
  "Carbon intensity of electricity generation").

The harness's own cost is measured, not assumed: up to ``sample`` runs per configuration are
replayed in this process (:func:`strategies.runner.run_one`, bit-identical to the stored run)
and timed; seconds per run x the number of runs is the lookup time of the whole folder.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

#: see the module docstring for the sources
POWER_W = 250.0
PUE = 1.58
GRID_G_PER_KWH = 481.0
SOURCES = {
    "power_w": "NVIDIA Tesla V100 PCIe product brief PB-08744-001 (2017): 250 W board power",
    "pue": "Uptime Institute Global Data Center Survey 2023: average annual PUE 1.58",
    "grid_g_per_kwh": "Ember, Global Electricity Review 2024: world 2023 average 481 gCO2e/kWh",
}


@dataclass(frozen=True)
class EnergyModel:
    """Device power (W), data-centre PUE and grid carbon intensity (gCO2e/kWh)."""

    power_w: float = POWER_W
    pue: float = PUE
    grid_g_per_kwh: float = GRID_G_PER_KWH

    def kwh(self, gpu_hours: float) -> float:
        return gpu_hours * self.power_w / 1000.0 * self.pue

    def co2_kg(self, gpu_hours: float) -> float:
        return self.kwh(gpu_hours) * self.grid_g_per_kwh / 1000.0

    def describe(self) -> dict:
        defaults = EnergyModel()
        return {"power_w": self.power_w, "pue": self.pue, "grid_g_per_kwh": self.grid_g_per_kwh,
                "sources": {k: (SOURCES[k] if getattr(self, k) == getattr(defaults, k) else "set by the user")
                            for k in SOURCES}}


def _run_costs(path) -> dict:
    """Per-run numbers from one result file."""
    from reproduce.store.results import read_result

    doc = read_result(path)
    cols = doc["columns"]
    cost = np.asarray([c for c in cols.get("cost", []) if c is not None], dtype=np.float64)
    t = cols.get("time") or [math.nan]
    model = str(doc.get("protocol", {}).get("cost_model", ""))
    return {"benchmark": doc["benchmark"], "strategy": doc["strategy"], "config_key": doc["config_key"],
            "seed": int(doc["seed"]), "queries": int(doc["n_steps"]), "device_seconds": float(cost.sum()),
            "simulated_wall_seconds": float(t[-1]) if t[-1] is not None else math.nan,
            "train_time_known": not model.startswith("constant"), "cost_model": model, "path": str(path)}


def analyze(results_dir, *, energy: EnergyModel = EnergyModel(), sample: int = 3, progress=None,
            paths=None) -> dict:
    """Per (benchmark, strategy configuration): runs, simulated GPU-hours (mean per run and total),
    energy, CO2, measured harness seconds per run, and the ratio of the two. ``paths``: the
    (validated) result files to cost; default every valid file under ``results_dir``."""
    from reproduce.store.results import payload_spec, read_folder, read_result
    from strategies.runner import run_one

    files = list(paths) if paths is not None else read_folder(results_dir).paths
    runs = [_run_costs(p) for p in files]
    groups: dict[tuple, list] = {}
    for r in runs:
        groups.setdefault((r["benchmark"], r["strategy"], r["config_key"]), []).append(r)
    rows = []
    for i, ((bench, strategy, key), members) in enumerate(sorted(groups.items())):
        members.sort(key=lambda r: r["seed"])
        timed = []
        for r in members[:sample]:
            spec = payload_spec(read_result(r["path"]))
            t0 = time.perf_counter()
            run_one(spec)
            timed.append(time.perf_counter() - t0)
        per_run = float(np.median(timed)) if timed else math.nan
        known = all(r["train_time_known"] for r in members)
        dev = np.array([r["device_seconds"] for r in members])
        gpu_h = float(dev.sum() / 3600.0) if known else math.nan
        rows.append({
            "benchmark": bench, "strategy": strategy, "config_key": key, "runs": len(members),
            "queries_per_run": float(np.mean([r["queries"] for r in members])),
            "train_time_known": known, "cost_model": members[0]["cost_model"],
            "gpu_hours_per_run": float(dev.mean() / 3600.0) if known else math.nan,
            "gpu_hours_total": gpu_h,
            "simulated_wall_hours_per_run": float(np.nanmean([r["simulated_wall_seconds"] for r in members]) / 3600.0)
            if known else math.nan,
            "kwh_total": energy.kwh(gpu_h) if known else math.nan,
            "co2_kg_total": energy.co2_kg(gpu_h) if known else math.nan,
            "co2_kg_per_run": energy.co2_kg(gpu_h / len(members)) if known else math.nan,
            "harness_seconds_per_run": per_run,
            "harness_seconds_total": per_run * len(members),
            "speedup": (float(dev.mean()) / per_run) if known and per_run > 0 else math.nan,
            "timed_runs": len(timed),
        })
        if progress is not None:
            progress(i + 1, len(groups))
    known_rows = [r for r in rows if r["train_time_known"]]
    total_h = float(sum(r["gpu_hours_total"] for r in known_rows))
    return {
        "energy_model": energy.describe(),
        "configurations": rows,
        "total": {"runs": len(runs), "gpu_hours": total_h, "kwh": energy.kwh(total_h), "co2_kg": energy.co2_kg(total_h),
                  "harness_seconds": float(sum(r["harness_seconds_total"] for r in rows
                                               if math.isfinite(r["harness_seconds_total"]))),
                  "runs_without_train_time": int(sum(r["runs"] for r in rows if not r["train_time_known"]))},
    }


__all__ = ["EnergyModel", "GRID_G_PER_KWH", "POWER_W", "PUE", "SOURCES", "analyze"]
