"""Import recipe: NAS-Bench-Graph tables from the PyPI package ``nas-bench-graph==1.4.0``.

Source: ``nas_bench_graph/light/<dataset>.bench``, a pickle of
``{official hash: {valid_perf, perf, latency, para}}``. ``valid_perf`` is the best validation
metric over the epochs and ``perf`` the test metric (accuracy; ROC-AUC for ogbn-proteins) at the
epoch of minimum validation loss (nasbench/live/reported.py), each the mean over 3 seeds.
Rows follow the space's ids (ascending official hash). Values are converted to percent.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nasbench.catalog import BenchmarkInfo
from nasbench.errors import TableIntegrityError
from nasbench.nbgraph_protocol import NBGRAPH_PROTOCOL
from nasbench.recipes._common import package_data_file, read_pickle
from nasbench.spaces import get_space
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table

PIP_NAME = "nas-bench-graph==1.4.0"


def build(info: BenchmarkInfo, out: Path) -> Path:
    """Build the table of ``info`` (an ``nbgraph/<dataset>`` entry) at ``out``."""
    source = package_data_file("nas_bench_graph", f"light/{info.dataset}.bench", PIP_NAME)
    bench: dict = read_pickle(source)
    space = get_space(info.space)
    hashes = np.fromiter(bench.keys(), dtype=np.int64, count=len(bench))
    ids = space.from_official_hash(hashes)
    if len(ids) != space.size or not np.array_equal(np.sort(ids), np.arange(space.size)):
        raise TableIntegrityError(
            f"{source}: its {len(ids)} architectures do not match the {space.size} of space '{space.name}'"
        )
    records = list(bench.values())

    def column(key: str, scale: float = 1.0) -> np.ndarray:
        values = np.full(space.size, np.nan, dtype=np.float64)
        values[ids] = [float(r[key]) * scale for r in records]
        return values.reshape(-1, 1, 1)

    proteins = info.dataset == "proteins"
    measure = "ROC-AUC" if proteins else "accuracy"
    origin = f"{PIP_NAME}: nas_bench_graph/light/{info.dataset}.bench"
    metrics = {
        "valid_acc": MetricColumn(column("valid_perf", 100.0), "valid", "%",
                                  f"best validation {measure} over the epochs, mean of 3 seeds", origin, measure),
        "test_acc": MetricColumn(column("perf", 100.0), "test", "%",
                                 f"test {measure} at the epoch of minimum validation loss, mean of 3 seeds", origin,
                                 measure),
        "latency": MetricColumn(column("latency"), "hardware", "s",
                                "inference latency of the trained model on the benchmark's GPU (s)", origin),
        "params": MetricColumn(column("para"), "size", "M", "number of parameters (millions)", origin),
    }
    epochs = NBGRAPH_PROTOCOL[info.dataset].epochs
    spec = TableSpec(
        name=info.name,
        space=space.name,
        dataset=info.dataset,
        archs=[space.to_str(i) for i in range(space.size)],
        fidelities=np.array([float(epochs)]),
        metrics=metrics,
        citation=info.citation,
        recipe="nbgraph",
        recipe_version=info.recipe_version,
        sources=[SourceRecord.of_file(source, f"nas-bench-graph light/{info.dataset}.bench", PIP_NAME, "Apache-2.0")],
        notes=(
            f"One fidelity: the full {epochs}-epoch run of the NB-Graph protocol; valid_acc is the best "
            f"validation {measure} over the epochs, test_acc the test {measure} at the epoch of minimum validation "
            f"loss. {measure} x 100. One replicate: the published mean over 3 seeds."
        ),
    )
    return write_table(spec, out)
