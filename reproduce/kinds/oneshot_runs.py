"""One-shot searches in the results store of the black-box runs (one JSON per run, resumable).

A run is a :class:`OneShotRunSpec` (a :class:`~strategies.runner.RunSpec` whose ``strategy``
is a one-shot method of :mod:`strategies.oneshot.registry`, plus ``epochs``, ``device`` and the
ranking probe's ``rank_k`` / ``rank_every``); it is stored where a black-box run of the same
benchmark is, ``DIR/<benchmark>/<method>-<config_key>/seed-NNNNN.json``, written atomically
by :func:`reproduce.store.results.write_result`, so ``load_results`` / ``load_final`` and
``nasbench report DIR`` read one-shot and black-box runs side by side.

The trajectory has one row per logged epoch (``queries`` = epochs trained, ``epoch`` too):

- ``time``: REAL wall-clock seconds of the search when that epoch's architecture was available
  (training so far + that epoch's derivation; see :mod:`strategies.oneshot.rsps`; the gradient
  methods' records count everything since the start). Black-box runs use simulated seconds;
- ``arch`` = ``incumbent``: the derived architecture; ``value`` = ``incumbent_signal``: its
  supernet score on search-valid (the only signal the search saw);
- ``incumbent_valid`` / ``incumbent_test`` / regrets: the table's final values of the derived
  architecture, read after the search by :class:`nasbench.evaluator.Reporter` (never during);
- ``param_free``: share of the derived cell's operations that have no parameters (NB-Graph:
  ``skip``; ``fc`` is a Linear layer and counts as parametric; NB201: ``none``, ``skip_connect``,
  ``avg_pool_3x3``), the collapse measure.

A search whose loss went NaN is stored as a result with ``stopped = 'failed'`` (its reason in
``protocol['reason']``; the rows up to the failure): the divergence is deterministic, a rerun
would repeat it, and the other runs of the sweep go on. A run that raises anything else leaves
``seed-NNNNN.error.json`` and is retried by the next sweep.

Randomness: ``SeedSequence(seed)`` gives the supernet's initial weights and the search's torch
generator; the search-train / search-valid split is the benchmark's fixed split (split seed 0).
Torch runs on one intra-op thread (as the live backend's jobs), so a seed gives the same
derived architecture on the same machine and torch build.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from nasbench.errors import NasbenchError
from reproduce.store import results
from strategies.loop import TRAJECTORY_COLUMNS, Trajectory
from strategies.runner import RunSpec

#: torch intra-op threads of one search (fixed: the thread count moves CPU results' last bits)
SEARCH_THREADS = 1
#: operations without parameters, per space
PARAM_FREE_OPS = {"nbgraph": frozenset({"skip"}), "nb201": frozenset({"none", "skip_connect", "avg_pool_3x3"})}


@dataclass(frozen=True)
class OneShotRunSpec(RunSpec):
    """A one-shot search run (module docstring). ``hyperparameters`` override the method's
    defaults; ``budget`` is informational (``"<epochs>ep"``)."""

    epochs: int = 1
    device: str = "cpu"
    rank_k: int = 0  # architectures of the ranking probe (0: no probe)
    rank_every: int = 0  # probe every n epochs (0: last epoch only)

    def config_key(self) -> str:
        """Short hash of everything but the seed (the method's defaults filled in)."""
        from strategies.oneshot.registry import method_class

        doc = {k: v for k, v in asdict(self).items()
               if k != "seed" and not (k in ("allow_test_signal", "objectives", "constraint") and not v)}
        doc["hyperparameters"] = _plain({**method_class(self.strategy).defaults, **self.hyperparameters})
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:10]


def _plain(obj):
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def make_spec(benchmark: str, method: str, seed: int, epochs: int, *, hyperparameters: dict | None = None,
              device: str = "cpu", rank_k: int = 0, rank_every: int = 0) -> OneShotRunSpec:
    """A checked spec (unknown method / bad setting: typed error now, not in every run)."""
    from strategies.oneshot.registry import method_class

    cls = method_class(method)
    cls(**(hyperparameters or {}))  # validates the settings
    if not isinstance(epochs, int) or epochs < 1:
        raise NasbenchError(f"--epochs must be an integer >= 1, got {epochs!r}")
    return OneShotRunSpec(benchmark=benchmark, strategy=method, seed=int(seed), budget=f"{epochs}ep",
                          hyperparameters=dict(hyperparameters or {}), signal="supernet:search-valid",
                          noise="none", epochs=int(epochs), device=device, rank_k=int(rank_k),
                          rank_every=int(rank_every))


def param_free_share(space, arch: int) -> float:
    """Share of the cell's operations without parameters (module docstring)."""
    base = getattr(space, "base", space).name
    if base.startswith("nbgraph"):
        ops = space.to_links_ops(int(arch))[1]
        free = PARAM_FREE_OPS["nbgraph"]
    elif base.startswith("nb201"):
        ops = re.findall(r"\|([A-Za-z0-9_]+)~\d+", space.to_str(int(arch)))
        free = PARAM_FREE_OPS["nb201"]
    else:
        return math.nan
    return sum(op in free for op in ops) / len(ops) if ops else math.nan


def to_device(supernet, data, device):
    """The supernet moved to ``device`` and a copy of the one-shot ``data`` whose tensors live there
    (the data keeps CPU tensors; :meth:`OneShotData.to` builds the copy through its constructor)."""
    supernet.to(device)
    return data.to(device)


def run_oneshot(spec: OneShotRunSpec, *, data_root: str | None = None, synthetic: bool = False) -> Trajectory:
    """Run one one-shot search and return its trajectory (module docstring)."""
    import torch

    import nasbench
    from nasbench.evaluator import Reporter, table_source
    from nasbench.live.seeding import child_seeds
    from nasbench.live.trainer import intra_op_threads, resolve_device
    from strategies.oneshot.data import load_oneshot_data
    from strategies.oneshot.ranking import RankingProbe
    from strategies.oneshot.registry import get_method
    from strategies.oneshot.supernet import build_supernet

    bench = nasbench.load(spec.benchmark)
    method = get_method(spec.strategy, **spec.hyperparameters)
    dev = resolve_device(spec.device)
    net_seed, search_seed = child_seeds(spec.seed, 2)
    with intra_op_threads(SEARCH_THREADS if dev.type == "cpu" else None):
        data = load_oneshot_data(spec.benchmark, root=data_root, synthetic=synthetic)
        supernet = build_supernet(spec.benchmark, data, seed=net_seed)
        if dev.type != "cpu":
            data = to_device(supernet, data, dev)
        probe = RankingProbe(bench, k=spec.rank_k, seed=spec.seed, every=spec.rank_every) if spec.rank_k else None
        method.probe = probe
        result = method.search(supernet, data, epochs=spec.epochs,
                               generator=torch.Generator().manual_seed(search_seed))
    reporter = Reporter(bench)
    rows, prev = [], 0.0
    for rec in result.epochs:
        t = float(rec.extra.get("search_s", rec.wall_s))
        valid, test = reporter.final(rec.derived_arch)
        rows.append((t, rec.epoch + 1, rec.derived_arch, math.nan, rec.search_score, max(t - prev, 0.0),
                     rec.derived_arch, rec.search_score, valid, test, reporter.best_valid - valid,
                     reporter.best_test - test, rec.epoch + 1, param_free_share(bench.space, rec.derived_arch),
                     rec.train_loss))
        prev = t
    names = (*TRAJECTORY_COLUMNS, "epoch", "param_free", "train_loss")
    ints = {"queries", "arch", "incumbent", "epoch"}
    cols = list(zip(*rows)) if rows else [[] for _ in names]
    columns = {k: np.asarray(c, dtype=np.int64 if k in ints else np.float64) for k, c in zip(names, cols)}
    doc = result.to_dict()
    protocol = {
        "kind": "oneshot", "method": spec.strategy, "citation": method.citation,
        "signal": f"supernet score of the derived single path on {method.settings.get('score_split', 'search-valid')} "
                  f"(inherited weights, eval mode)",
        "noise": "none", "budget": spec.budget, "workers": 1, "time": "real wall-clock seconds of the search",
        "hyperparameters": doc["settings"], "strategy_details": {"device": str(dev), "threads": SEARCH_THREADS,
                                                                 "torch": torch.__version__},
        "data": "synthetic (tests)" if synthetic else "real", "search_split": doc["settings"].get("search_split"),
        "state": result.state, "reason": result.reason, "wall_s": result.wall_s,
        "derived_arch": result.derived_arch,
        "derived_arch_str": None if result.derived_arch is None else bench.space.to_str(int(result.derived_arch)),
        "epochs_log": doc["epochs"],
        "ranking": {**probe.describe(), "records": probe.records} if probe is not None else None,
        "report_valid": reporter.valid_metric + "@final", "report_test": reporter.test_metric + "@final",
        "table_source": table_source(bench),
        "seed": spec.seed, "config_key": spec.config_key(),
    }
    return Trajectory(columns, protocol, "budget" if result.state == "completed" else "failed")


def _run_in_worker(spec: OneShotRunSpec, data_root: str | None, synthetic: bool, jobs: int = 1):
    """Pool task: ``('ok', trajectory)`` (its protocol records ``jobs``, the searches that ran at
    once), ``('error', message, traceback)`` for a run that broke, or ``('refused', exception)``
    for a NasbenchError (bad input: the sweep stops on it)."""
    try:
        traj = run_oneshot(spec, data_root=data_root, synthetic=synthetic)
        traj.protocol["strategy_details"]["concurrent_searches"] = jobs
        return ("ok", traj)
    except NasbenchError as exc:
        return ("refused", exc)
    except Exception as exc:  # noqa: BLE001 - recorded by the parent, retried by the next sweep
        return ("error", f"{type(exc).__name__}: {exc}", traceback.format_exc())


def sweep_oneshot(specs: Sequence[OneShotRunSpec], out_dir: str | Path, *, data_root: str | None = None,
                  synthetic: bool = False, say: Callable[[str], None] | None = None, jobs: int = 1) -> dict:
    """Run the specs without a finished result under ``out_dir``; returns ``{'done', 'skipped',
    'failed', 'errors': [(spec, message)], 'seconds'}``. ``jobs`` > 1 runs that many searches at
    once in fresh (spawned) processes, each on ``SEARCH_THREADS`` CPU threads or sharing the one
    GPU; results are the same as one after the other (every run is seeded on its own) and are
    written by this process, atomically, as each finishes. A configuration folder is locked while
    it is written (a second sweep into it stops with an error)."""
    from reproduce.store.sweep import locked_folders

    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise NasbenchError(f"--jobs must be a positive number of processes, got {jobs!r}")
    start = time.perf_counter()
    out = Path(out_dir)
    todo = results.pending(specs, out)
    summary = {"done": 0, "skipped": len({(s.config_key(), s.seed) for s in specs}) - len(todo), "failed": 0,
               "errors": [], "seconds": 0.0}

    def record(spec, outcome) -> None:
        if outcome[0] == "refused":
            raise outcome[1]
        if outcome[0] == "error":
            summary["failed"] += 1
            summary["errors"].append((spec, outcome[1]))
            results.write_failure(out, spec, outcome[1], outcome[2])
        else:
            results.write_result(out, spec, outcome[1])
            summary["done"] += 1

    if todo:
        dirs = sorted({results.run_dir(out, s) for s in todo})
        with locked_folders(dirs):
            results.clean_temp_files(dirs)
            if jobs == 1 or len(todo) == 1:
                for i, spec in enumerate(todo):
                    if say:
                        say(f"{spec.strategy} on {spec.benchmark}, seed {spec.seed}, {spec.epochs} epochs "
                            f"({i + 1}/{len(todo)})")
                    record(spec, _run_in_worker(spec, data_root, synthetic, 1))
            else:
                _sweep_in_pool(todo, min(jobs, len(todo)), data_root, synthetic, record, say)
    summary["seconds"] = time.perf_counter() - start
    return summary


def _worker_job(arg: tuple) -> tuple:
    """One search in a worker of :func:`nasbench.executors.execute` (``arg``: the worker's arguments)."""
    return _run_in_worker(*arg)


def _sweep_in_pool(todo, jobs: int, data_root, synthetic: bool, record, say) -> None:
    """Run ``todo`` in ``jobs`` spawned processes (the one process pool, :mod:`nasbench.executors`:
    workers exit with this process, Ctrl-C stops them); ``record(spec, outcome)`` as each finishes."""
    from nasbench.executors import Job, execute

    todo = sorted(todo, key=lambda sp: sp.seed)  # seed by seed: an interrupted sweep leaves balanced results
    if say:
        say(f"{len(todo)} runs in {jobs} processes")
    finished = 0
    for res in execute([Job(_worker_job, (spec, data_root, synthetic, jobs)) for spec in todo], "local",
                       workers=jobs, chunksize=1):
        spec = todo[res.index]
        record(spec, res.value if res.ok else ("error", str(res.error), res.error.traceback))
        finished += 1
        if say:
            say(f"{spec.strategy} on {spec.benchmark}, seed {spec.seed}: done ({finished}/{len(todo)})")


__all__ = ["OneShotRunSpec", "PARAM_FREE_OPS", "make_spec", "param_free_share", "run_oneshot", "sweep_oneshot", "to_device"]
