"""Surrogate benchmarks: a predictor fitted on a fraction of a table, answering for every architecture.

    sur = surrogate_benchmark(nasbench.load("nb201/cifar10"), "bananas-ensemble", fit_fraction=0.1)
    ev = Evaluator(sur, rng=rng, signal="valid_acc@200", noise="mean")   # the same Evaluator
    traj = run_search(strategy, ev, "150q", reporter=Reporter(true_bench))

This is the validation idea of NAS-Bench-301 (Siems et al., "NAS-Bench-301 and the Case for
Surrogate Benchmarks for Neural Architecture Search", 2020): run the same searches on a table
and on a surrogate of it, and check that the strategies rank alike.

What the surrogate table holds (a proper sealed table file written by
:func:`nasbench.table_writer.write_table`, so :class:`nasbench.table.Table`,
:class:`nasbench.evaluator.Evaluator` and the search loop read it unchanged):

- ``metric`` (the fitted one, e.g. ``valid_acc``) at the fitted fidelity, for EVERY
  architecture: the *training* architectures (a random ``fit_fraction`` of those with the
  metric measured) keep their measured replicates; every other architecture (including the
  ones the source table never measured) answers with the predictor's prediction. Where the
  predictor has ``predict_std``, a predicted row has ``replicates`` (3) replicates
  ``mean + std * z``, with ``z`` drawn once from a seeded normal stream and standardised per
  architecture (zero mean, unit sample std over its replicates): the mean over replicates
  (noise ``mean``) is exactly the point prediction, and per-trial noise answers one of the
  draws. Without ``predict_std`` a predicted row has one replicate (the prediction). Unused
  replicate slots are NaN (not measured), as in every table. Other fidelities of ``metric``
  are NaN: the surrogate answers only the fidelity it was fitted on.
- ``test_acc`` and ``train_time`` copied unchanged (all fidelities): test is for reporting
  after the fact only and stays a test split (never a search signal), and the simulated
  cost stays the source table's.
- provenance: table name ``surrogate:<predictor>/<source>``, ``source`` = "surrogate
  <predictor> fitted on N archs of <source>", the source table file with its sha256, and a
  JSON ``notes`` record with the predictor, parameters, encoding, fraction, seed and the
  training architecture ids (:func:`surrogate_record`).

Randomness: ``np.random.SeedSequence(random_state)`` spawns the training-set draw, the
model's ``random_state`` and the replicate draws; same arguments -> same table bit for bit.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np

from nasbench.benchmark import Benchmark
from nasbench.catalog import BenchmarkInfo
from nasbench.errors import NasbenchError, TestSplitAccessError
from nasbench.spaces import get_space
from nasbench.table import Table
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table
from predictors.base import seed_sequence
from predictors.encodings import ArchEncoder, default_encoding
from predictors.registry import get_spec, make_predictor

RECIPE = "surrogate"
RECIPE_VERSION = 1
#: metrics copied unchanged from the source table
COPIED = ("test_acc", "train_time")


def surrogate_name(predictor: str, source: str) -> str:
    """``surrogate:<predictor>/<source>``."""
    return f"surrogate:{predictor}/{source}"


def surrogate_benchmark(
    bench: Benchmark,
    predictor: str = "bananas-ensemble",
    *,
    fit_fraction: float = 0.1,
    metric: str = "valid_acc",
    fidelity: float | None = None,
    random_state=0,
    encoding: str | None = None,
    replicates: int = 3,
    params: dict | None = None,
    out_dir: str | Path | None = None,
) -> Benchmark:
    """Fit ``predictor`` on a random ``fit_fraction`` of ``bench`` and return the surrogate benchmark.

    ``fidelity`` None = the table's highest. ``out_dir`` None = a new temporary folder
    (the file is named ``surrogate__<predictor>__<source>.h5``). See the module docstring
    for what the table holds.
    """
    table = bench.table
    info = table.metric(metric)  # MissingMetricError names the metrics
    if info.is_test:
        raise TestSplitAccessError(
            f"'{metric}' is a test-split metric; a surrogate of it would make the test split a search "
            f"signal. Fit a validation metric such as 'valid_acc'"
        )
    if not 0 < float(fit_fraction) <= 1:
        raise NasbenchError(f"fit_fraction must be in (0, 1], got {fit_fraction!r}")
    if not isinstance(replicates, (int, np.integer)) or replicates < 1:
        raise NasbenchError(f"replicates must be a positive integer, got {replicates!r}")
    spec = get_spec(predictor)  # UnknownNameError early
    f = 0 if info.fidelity_independent else table.fidelity_index(fidelity)
    fid_value = float(table.fidelities[table.fidelity_index(fidelity)])
    y = np.asarray(table.vector(metric, fid_value), dtype=np.float64)
    measured = np.flatnonzero(np.isfinite(y))
    n_fit = int(round(float(fit_fraction) * len(measured)))
    if n_fit < 2:
        raise NasbenchError(
            f"fit_fraction {fit_fraction} of the {len(measured)} measured architectures is {n_fit}; "
            f"the predictor needs at least 2"
        )
    if encoding is None:
        encoding = default_encoding(bench.space, spec.encodings)
    ArchEncoder(bench.space, encoding).fit()  # UnknownNameError lists the encodings

    data_seq, model_seq, noise_seq = seed_sequence(random_state).spawn(3)
    train = np.sort(np.random.default_rng(data_seq).choice(measured, size=n_fit, replace=False))
    enc = ArchEncoder(bench.space, encoding).fit()
    model = make_predictor(predictor, random_state=model_seq, **(params or {}))
    model.fit(enc.transform(train), y[train])
    all_ids = np.arange(table.n_archs)
    X_all = enc.transform(all_ids)
    mean = model.predict(X_all)
    has_std = bool(spec.has_std and model.has_std)
    if has_std:
        std = np.maximum(model.predict_std(X_all), 0.0)
    if not np.all(np.isfinite(mean)) or (has_std and not np.all(np.isfinite(std))):
        raise NasbenchError(f"predictor '{predictor}' gave non-finite predictions; the surrogate is unusable")

    source = table.array(metric)  # [n, r_src, F or 1]
    r_pred = int(replicates) if has_std else 1
    n_rep = max(r_pred, source.shape[1])
    values = np.full((table.n_archs, n_rep, source.shape[2]), np.nan, dtype=np.float64)
    if has_std:
        z = np.random.default_rng(noise_seq).standard_normal((table.n_archs, r_pred))
        if r_pred > 1:
            z = z - z.mean(axis=1, keepdims=True)
            z = z / np.maximum(z.std(axis=1, ddof=1, keepdims=True), 1e-12)
        else:
            z = np.zeros_like(z)  # one replicate: the point prediction
        values[:, :r_pred, f] = mean[:, None] + std[:, None] * z
    else:
        values[:, 0, f] = mean
    values[train, :, f] = np.nan
    values[train, : source.shape[1], f] = source[train, :, f]

    provenance = f"surrogate {predictor} fitted on {n_fit} archs of {bench.name}"
    name = surrogate_name(predictor, bench.name)
    record = {
        "surrogate": {
            "source_benchmark": bench.name, "predictor": predictor, "params": params or {},
            "encoding": encoding, "metric": metric, "fidelity": fid_value, "fit_fraction": float(fit_fraction),
            "n_fit": n_fit, "random_state": _jsonable_seed(random_state), "replicates": r_pred,
            "noise": ("mean + std * z, z seeded normal standardised per architecture over its replicates"
                      if has_std else "none (the predictor has no predict_std): one replicate = the prediction"),
            "train_ids": train.tolist(),
        }
    }
    metrics = {
        metric: MetricColumn(
            values, info.split, info.unit,
            f"{info.description} -- SURROGATE at {fid_value:g} epochs: measured replicates on the {n_fit} "
            f"training architectures, predictions elsewhere; other fidelities not answered (NaN)",
            provenance, measure=info.measure,
        )
    }
    for name_copied in COPIED:
        if name_copied in table.metric_names and name_copied != metric:
            m = table.metric(name_copied)
            metrics[name_copied] = MetricColumn(table.array(name_copied), m.split, m.unit, m.description,
                                                m.source, measure=m.measure)
    src_path = Path(table.path)
    spec_out = TableSpec(
        name=name, space=table.space_name, dataset=table.dataset, archs=table.archs(),
        fidelities=table.fidelities, metrics=metrics,
        citation=(f"{table.citation} Surrogate: Siems et al., NAS-Bench-301 and the Case for Surrogate "
                  f"Benchmarks for NAS, 2020; predictor: {spec.citation}"),
        recipe=RECIPE, recipe_version=RECIPE_VERSION,
        sources=[SourceRecord(name=f"table {bench.name}", origin=str(src_path), license=_license(bench),
                              sha256=hashlib.sha256(src_path.read_bytes()).hexdigest(), path=src_path.name)],
        notes=json.dumps(record),
    )
    folder = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="nasbench-surrogate-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = write_table(spec_out, folder / f"surrogate__{predictor}__{bench.info.file_stem}.h5")
    return _benchmark(Table(path), bench.space, bench.info, provenance, metric, fid_value, has_std)


def load_surrogate(path: str | Path) -> Benchmark:
    """Reopen a surrogate table written by :func:`surrogate_benchmark` (e.g. in another process)."""
    table = Table(path)
    rec = surrogate_record(table)
    space = get_space(table.space_name)
    from nasbench.catalog import get_info

    try:
        src_info = get_info(rec["source_benchmark"])
    except NasbenchError:
        src_info = None
    provenance = table.metric(rec["metric"]).source
    return _benchmark(table, space, src_info, provenance, rec["metric"], rec["fidelity"], rec["replicates"] > 1)


def surrogate_record(table: Table) -> dict:
    """The provenance record (predictor, encoding, fraction, seed, training ids) of a surrogate table."""
    if table.recipe != RECIPE:
        raise NasbenchError(f"table '{table.name}' is not a surrogate table (recipe '{table.recipe}')")
    return json.loads(table.notes)["surrogate"]


def _benchmark(table: Table, space, src: BenchmarkInfo | None, provenance: str, metric: str,
               fidelity: float, has_std: bool) -> Benchmark:
    info = BenchmarkInfo(
        name=table.name, space=space.name, dataset=table.dataset, recipe=RECIPE, recipe_version=RECIPE_VERSION,
        source=provenance, requires="", citation=table.citation, license=src.license if src else "",
        default_signal=(metric, fidelity), default_noise="per-trial" if has_std else "mean",
        notes=f"{provenance}; answers {metric}@{fidelity:g} only; test_acc/train_time are the source table's",
    )
    return Benchmark(info=info, space=space, table=table)


def _license(bench: Benchmark) -> str:
    return getattr(bench.info, "license", "") or "see source table"


def _jsonable_seed(random_state):
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return None if random_state is None else int(random_state)
    if isinstance(random_state, np.random.SeedSequence):
        return {"entropy": str(random_state.entropy), "spawn_key": list(random_state.spawn_key)}
    return repr(random_state)
