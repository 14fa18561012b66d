"""Build a benchmark table by training architectures with the live backend (``nasbench build``).

    from nasbench.live.build import build_user_table
    path = build_user_table("nbgraph", "cora", archs=20, seeds=2, epochs=3, out="cora-live")
    bench = nasbench.load("user:cora-live")        # a Benchmark over the 20 built archs

- One training run = one ``(architecture, seed)`` job (:func:`train_job`), sent through
  :func:`nasbench.executors.execute` (``local`` processes, ``serial`` or ``ray``; one GPU per
  job when the device is CUDA). Each job writes its result as one JSON file, atomically, in
  the work dir (``NASBENCH_HOME/user/<out>.work/<arch id>-s<seed>.json``): a rerun of the same
  command skips every run whose file exists (resumable after a kill), and a run that failed
  (NaN loss, CUDA OOM) is a result too (NaN in the table), not retried.
- The table has the schema of the built-in ones: ``valid_acc`` and ``test_acc`` ``[archs,
  seeds, fidelities]`` (replicate = seed), ``train_time`` (split ``cost``, cumulative training
  seconds), ``params`` (millions, fidelity-independent). Fidelities = the epochs at which
  metrics are recorded: ``E`` and ``E // 2``. The valid/test values at epoch e follow the
  benchmark's reporting rule over epochs 1..e (:mod:`nasbench.live.reported`): for graph data
  NAS-Bench-Graph's (best validation accuracy; test accuracy at the minimum validation loss),
  for images the accuracies after epoch e.
- Rows: the built architectures, in the order of their original ids. A table of every
  architecture of the space loads with the space itself; a table of a subset loads with a
  :class:`~nasbench.spaces.subset.SubsetSpace` (ids 0..k-1 = rows; ``original_ids`` maps back),
  so searches only propose built architectures (no NaN rows to stumble on).

The same helpers (:func:`load_live_data`, :func:`live_recipe`, :func:`train_job`) serve
``nasbench validate`` and ``nasbench zc``; :func:`write_augmented` writes a copy of a table with
extra metrics (used by ``zc``).
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nasbench.atomic import write_text_atomic
from nasbench.benchmark import USER_PREFIX, Benchmark, user_table_path
from nasbench.catalog import CATALOG
from nasbench.errors import MissingSourceError, NasbenchError
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table

GRAPH_DATASETS = ("cora", "citeseer", "pubmed")
IMAGE_DATASETS = ("cifar10",)
BUILD_RECIPE = "live-build"
LIVE_CITATION = "Trained with nasbench.live (this harness); architectures and protocol of the space's benchmark."


# ----- data, recipes, ids ------------------------------------------------------------------------
def check_live_dataset(space: str, dataset: str) -> None:
    """Refuse (typed) a (space, dataset) the live backend has no local data loader for."""
    space = space.split("[", 1)[0]
    if space == "nbgraph" and dataset in GRAPH_DATASETS:
        return
    if space == "nb201" and dataset in IMAGE_DATASETS:
        return
    raise MissingSourceError(
        f"no live data loader for space '{space}' on '{dataset}'; supported: nbgraph on "
        f"{', '.join(GRAPH_DATASETS)} (Planetoid files), nb201 on cifar10 (python CIFAR-10 at --data-root)"
    )


@lru_cache(maxsize=4)
def load_live_data(space: str, dataset: str, root: str | None = None, graph_features: str = "raw"):
    """The live data set of a (space, dataset): Planetoid graphs (``graph_features`` 'raw', as
    NAS-Bench-Graph trained, or 'normalized') or CIFAR-10 (25k/25k train/valid as NB201's
    ``cifar10-valid``). Cached per process (workers load once)."""
    check_live_dataset(space, dataset)
    from nasbench.live.data import load_cifar10, load_planetoid

    if space == "nbgraph":
        if graph_features not in ("raw", "normalized"):
            raise NasbenchError(f"graph_features must be 'raw' or 'normalized', got {graph_features!r}")
        return load_planetoid(dataset, root, normalize_features=graph_features == "normalized")
    return load_cifar10(root, valid_size=25000)


def live_recipe(space: str, dataset: str, epochs: int | None = None, max_steps_per_epoch: int | None = None):
    """The benchmark's training recipe, with ``epochs`` (and a step cap) overridden when given."""
    from nasbench.live.trainer import NB201_RECIPE, nbgraph_recipe

    recipe = nbgraph_recipe(dataset) if space == "nbgraph" else NB201_RECIPE
    changes: dict[str, Any] = {}
    if epochs:
        changes["epochs"] = int(epochs)
    if max_steps_per_epoch:
        changes["max_steps_per_epoch"] = int(max_steps_per_epoch)
    return recipe.with_(**changes) if changes else recipe


def original_ids(bench: Benchmark, ids) -> np.ndarray:
    """Ids of the benchmark's original space (identity unless the space is a subset)."""
    to_orig = getattr(bench.space, "to_original", None)
    ids = bench.space.check_ids(np.asarray(ids, dtype=np.int64))
    return to_orig(ids) if to_orig is not None else ids


def base_space_name(bench: Benchmark) -> str:
    return getattr(bench.space, "base", bench.space).name


def record_fidelities(epochs: int) -> list[int]:
    """Epochs at which build records metrics: ``E // 2`` (when >= 1 and distinct) and ``E``."""
    return sorted({e for e in (epochs // 2, epochs) if e >= 1})


# ----- one training run ----------------------------------------------------------------------------
def run_file(work_dir: str | Path, arch: int, seed: int) -> Path:
    return Path(work_dir) / f"{int(arch)}-s{int(seed)}.json"


#: torch intra-op threads of one training job. Fixed, not derived from the batch: on CPU the
#: thread count changes the last bits of reductions (e.g. BatchNorm1d's batch statistics),
#: and those compound over epochs into different accuracies. When it followed the number of jobs
#: in the batch (cores // workers), the same (arch, seed, epochs) trained alone and among others
#: gave different results (issue 12). Parallelism comes from the executor's processes.
JOB_THREADS = 1


def train_job(arg: dict) -> dict:
    """Train one (architecture, seed) and write its record to ``arg['work_dir']`` atomically.

    ``arg``: space, dataset, arch (original id), seed, epochs, device, data_root, work_dir,
    optional max_steps_per_epoch, threads (torch intra-op threads for this job; default
    :data:`JOB_THREADS`) and data (an :class:`~nasbench.live.data.ImageData` /
    :class:`~nasbench.live.data.GraphData` to train on instead of the (space, dataset) files,
    e.g. synthetic data; ``dataset`` still names the recipe and model protocol).
    Returns the record (also when training failed: ``ok`` false and the reason).

    The record is a function of (space, dataset, arch, seed, epochs, device) only, whatever
    else runs in the same process or batch: weights are initialised from ``seed`` inside a
    scoped RNG, the trainer draws data order / augmentation / dropout from its own
    ``SeedSequence(seed)`` streams, the thread count is fixed and deterministic algorithms
    are on for the job (all restored afterwards).
    """
    from nasbench.live.models import build_model
    from nasbench.live.reported import reported
    from nasbench.live.trainer import intra_op_threads, train

    threads = int(arg.get("threads") or JOB_THREADS)
    data = arg.get("data")
    if data is None:
        data = load_live_data(arg["space"], arg["dataset"], arg.get("data_root"))
    recipe = live_recipe(arg["space"], arg["dataset"], arg.get("epochs"), arg.get("max_steps_per_epoch"))
    seed = int(arg["seed"])
    with intra_op_threads(threads):
        model = build_model(f"{arg['space']}/{arg['dataset']}", int(arg["arch"]), seed=seed,
                            **{k: v for k, v in data.info.items() if k != "dataset"})
        n_params = sum(p.numel() for p in model.parameters()) / 1e6
        t0 = time.perf_counter()
        result = train(model, data, recipe, device=arg.get("device", "cpu"), seed=seed,
                       deterministic=True, threads=threads)
    cum = np.cumsum([m.seconds for m in result.epochs])
    at: dict[str, dict] = {}
    for e in record_fidelities(recipe.epochs):
        if e <= len(result.epochs):
            rep = reported(result.epochs, recipe.report, up_to=e)
            last = result.epochs[e - 1]  # the losses after epoch e: full-precision fingerprints of the run
            at[str(e)] = {"valid_acc": rep.valid_acc, "test_acc": rep.test_acc, "train_time": float(cum[e - 1]),
                          "train_loss": last.train_loss, "valid_loss": last.valid_loss, "test_loss": last.test_loss}
    final = at.get(str(recipe.epochs), {})
    record = {
        "space": arg["space"], "dataset": arg["dataset"], "arch": int(arg["arch"]), "seed": seed,
        "epochs": recipe.epochs, "recipe": recipe.name, "ok": bool(result.ok), "reason": result.reason,
        "device": result.device, "threads": threads, "deterministic": True,
        "params": n_params, "wall_seconds": time.perf_counter() - t0,
        "valid_acc": final.get("valid_acc"), "test_acc": final.get("test_acc"),
        "at": at,
    }
    if arg.get("work_dir"):
        write_text_atomic(run_file(arg["work_dir"], arg["arch"], seed), json.dumps(record, allow_nan=True))
    return record


def read_record(path: Path) -> dict | None:
    """A run file, or None when it does not parse (counts as not done)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run_jobs(args: list[dict], executor: str = "local", workers: int | None = None,
             device: str = "cpu", progress=None) -> Iterator[dict]:
    """Run :func:`train_job` over ``args`` through the executors (one GPU per job on CUDA);
    yields records as they complete. A job that raised yields ``{'ok': False, 'reason': ...}``.
    Each job's result is independent of the batch (its other jobs, their order, ``workers``,
    ``executor``): nothing here is passed to a job but its own arguments."""
    from nasbench.executors import Job, available_cores, execute

    if not args:
        return
    gpu = str(device).startswith("cuda")
    n_workers = workers or (1 if executor == "serial" else min(len(args), available_cores()))
    jobs = [Job(train_job, a, num_gpus=1.0 if gpu else 0.0) for a in args]
    for res in execute(jobs, executor, n_workers, chunksize=1):
        a = args[res.index]
        rec = res.value if res.ok else {**{k: a[k] for k in ("arch", "seed")}, "ok": False,
                                        "reason": str(res.error), "at": {}}
        if progress is not None:
            progress(rec)
        yield rec


# ----- table writing ------------------------------------------------------------------------------
def _resolve_out(out: str) -> tuple[str, Path]:
    name = out if out.startswith(USER_PREFIX) else USER_PREFIX + out
    return name, user_table_path(name)


def work_dir_for(out: str) -> Path:
    _, path = _resolve_out(out)
    return path.with_suffix(".work")


def select_archs(space, archs: str | int, seed: int = 0) -> np.ndarray:
    """``'all'`` -> every id; ``N`` -> N distinct ids drawn uniformly (seeded), sorted."""
    if str(archs) == "all":
        return np.arange(space.size, dtype=np.int64)
    try:
        n = int(archs)
    except ValueError:
        raise NasbenchError(f"--archs must be 'all' or a positive integer, got '{archs}'") from None
    if n < 1:
        raise NasbenchError(f"--archs must be 'all' or a positive integer, got '{archs}'")
    n = min(n, space.size)
    return np.sort(np.random.default_rng(seed).choice(space.size, n, replace=False)).astype(np.int64)


def build_user_table(space: str, dataset: str, *, archs: str | int = "all", seeds: int = 1,
                     epochs: int | None = None, out: str | None = None, device: str = "cpu",
                     data_root: str | None = None, executor: str = "local", workers: int | None = None,
                     arch_seed: int = 0, max_steps_per_epoch: int | None = None,
                     progress=None) -> Path:
    """Train ``archs`` x ``seeds`` of ``space`` on ``dataset`` (resumably) and write the user
    table ``user:<out>``; returns its path."""
    from nasbench.live.trainer import resolve_device
    from nasbench.spaces import get_space

    check_live_dataset(space, dataset)
    load_live_data(space, dataset, data_root)  # typed error for absent data before any worker starts
    device = str(resolve_device(device))
    sp = get_space(space)
    recipe = live_recipe(space, dataset, epochs, max_steps_per_epoch)
    out = out or f"{space}-{dataset}-live"
    name, path = _resolve_out(out)
    work = work_dir_for(out)
    work.mkdir(parents=True, exist_ok=True)
    ids = select_archs(sp, archs, arch_seed)
    seed_list = list(range(int(seeds)))
    manifest = {"space": space, "dataset": dataset, "epochs": recipe.epochs, "recipe": recipe.name,
                "max_steps_per_epoch": max_steps_per_epoch, "report": recipe.report,
                "graph_features": "raw" if space == "nbgraph" else None}
    mpath = work / "manifest.json"
    if mpath.exists():
        old = json.loads(mpath.read_text())
        if old != manifest:
            raise NasbenchError(
                f"work dir {work} holds runs of another configuration ({old}); use another --out or delete it"
            )
    else:
        write_text_atomic(mpath, json.dumps(manifest))
    todo = [{"space": space, "dataset": dataset, "arch": int(a), "seed": s, "epochs": recipe.epochs,
             "device": device, "data_root": data_root, "work_dir": str(work),
             "max_steps_per_epoch": max_steps_per_epoch}
            for a in ids for s in seed_list if read_record(run_file(work, a, s)) is None]
    for _ in run_jobs(todo, executor, workers, device, progress):
        pass
    return write_built_table(name, path, sp, dataset, ids, seed_list, recipe, work)


def write_built_table(name: str, path: Path, space, dataset: str, ids: np.ndarray, seeds: list[int],
                      recipe, work: Path) -> Path:
    fids = record_fidelities(recipe.epochs)
    k, s, f = len(ids), len(seeds), len(fids)
    valid = np.full((k, s, f), np.nan, np.float32)
    test = np.full((k, s, f), np.nan, np.float32)
    ttime = np.full((k, s, f), np.nan, np.float32)
    params = np.full((k, 1, 1), np.nan, np.float32)
    digest = hashlib.sha256()
    failures = 0
    for i, a in enumerate(ids):
        for j, seed in enumerate(seeds):
            rec = read_record(run_file(work, a, seed))
            if rec is None:
                continue
            digest.update(json.dumps(rec, sort_keys=True).encode())
            if rec.get("params") is not None:
                params[i, 0, 0] = rec["params"]
            if not rec.get("ok"):
                failures += 1
                continue
            for fi, e in enumerate(fids):
                m = rec.get("at", {}).get(str(e))
                if m:
                    valid[i, j, fi] = np.nan if m["valid_acc"] is None else m["valid_acc"]
                    test[i, j, fi] = np.nan if m["test_acc"] is None else m["test_acc"]
                    ttime[i, j, fi] = m["train_time"]
    graph = space.name == "nbgraph"
    how = ("best validation accuracy up to the epoch (NAS-Bench-Graph)" if graph
           else "validation accuracy after the epoch")
    how_test = ("test accuracy at the epoch of minimum validation loss up to the epoch (NAS-Bench-Graph)"
                if graph else "test accuracy after the epoch")
    spec = TableSpec(
        name=name, space=space.name, dataset=dataset, archs=[space.to_str(int(a)) for a in ids],
        fidelities=np.asarray(fids, dtype=np.float64),
        metrics={
            "valid_acc": MetricColumn(valid, "valid", "%", how, "nasbench.live", "accuracy"),
            "test_acc": MetricColumn(test, "test", "%", how_test, "nasbench.live", "accuracy"),
            "train_time": MetricColumn(ttime, "cost", "s", "cumulative training seconds (evaluation excluded)",
                                       "nasbench.live", "time"),
            "params": MetricColumn(params, "size", "M", "parameters (millions) of the live network",
                                   "nasbench.live", "count"),
        },
        citation=LIVE_CITATION + (" " + CATALOG[f"{space.name}/{dataset}"].citation
                                  if f"{space.name}/{dataset}" in CATALOG else ""),
        recipe=BUILD_RECIPE, recipe_version=1,
        sources=[SourceRecord(name="live runs", origin=str(work), license="", sha256=digest.hexdigest())],
        notes=json.dumps({"recipe": recipe.name, "epochs": recipe.epochs, "seeds": len(seeds),
                          "failed_runs": failures, "rows": "built architectures in original-id order"}),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_table(spec, path)


def write_augmented(bench: Benchmark, extra: dict[str, MetricColumn], out: str, notes: str = "") -> Path:
    """A copy of ``bench``'s table with ``extra`` metrics added (replacing same-named ones),
    written as user table ``user:<out>`` (the original file is sealed and never changed)."""
    t = bench.table
    name, path = _resolve_out(out)
    metrics: dict[str, MetricColumn] = {}
    for m in t.metric_names:
        info = t.metric(m)
        metrics[m] = MetricColumn(t.array(m), info.split, info.unit, info.description, info.source, info.measure)
    metrics.update(extra)
    spec = TableSpec(
        name=name, space=t.space_name, dataset=t.dataset, archs=t.archs(), fidelities=t.fidelities,
        metrics=metrics, citation=t.citation, recipe=t.recipe, recipe_version=t.recipe_version,
        sources=[SourceRecord(**s) for s in t.sources], missing_optional=t.missing_optional,
        fidelity_ladder=t.fidelity_ladder, notes=(t.notes + (" | " if t.notes and notes else "") + notes),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_table(spec, path)
