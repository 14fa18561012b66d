"""A tiny search space and table for tests: 20 architectures, 3 decisions (2 x 2 x 5)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nasbench.benchmark import Benchmark
from nasbench.catalog import BenchmarkInfo
from nasbench.errors import InvalidArchitectureError
from nasbench.spaces.base import CellGraph, SearchSpace
from nasbench.table import Table
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, write_table

SIZES = (2, 2, 5)


class ToySpace(SearchSpace):
    """Ids are the mixed-radix numbers of the decisions; strings like 'a-b-c'."""

    name = "toy"
    encodings = ("categorical",)

    @property
    def size(self) -> int:
        return int(np.prod(SIZES))

    @property
    def decision_sizes(self) -> tuple[int, ...]:
        return SIZES

    def to_decisions(self, ids) -> np.ndarray:
        ids = self.check_ids(ids)
        return np.stack(np.unravel_index(ids, SIZES), axis=-1).astype(np.int64)

    def from_decisions(self, decisions) -> np.ndarray:
        d = np.asarray(decisions, dtype=np.int64)
        if d.ndim != 2 or d.shape[1] != len(SIZES) or (d < 0).any() or (d >= np.array(SIZES)).any():
            raise InvalidArchitectureError(f"toy decisions must be [n, 3] within {SIZES}")
        return np.ravel_multi_index(tuple(d.T), SIZES).astype(np.int64)

    def to_str(self, arch: int) -> str:
        return "-".join(str(v) for v in self.to_decisions([arch])[0])

    def from_str(self, text: str) -> int:
        try:
            return int(self.from_decisions([[int(v) for v in text.split("-")]])[0])
        except ValueError:
            raise InvalidArchitectureError(f"toy strings are 'a-b-c', got '{text}'") from None

    def neighbors(self, arch: int) -> np.ndarray:
        d = self.to_decisions([arch])[0]
        out = []
        for i, n in enumerate(SIZES):
            for v in range(n):
                if v != d[i]:
                    e = d.copy()
                    e[i] = v
                    out.append(e)
        return np.unique(self.from_decisions(np.array(out)))

    def graph(self, arch: int) -> CellGraph:
        return CellGraph(np.zeros((1, 1)), ("input",))

    def _encode_categorical(self, ids: np.ndarray) -> np.ndarray:
        return self.to_decisions(ids).astype(np.float32)


def toy_benchmark(tmp_path: Path, nan_archs: tuple[int, ...] = (), *, ladder: str = "continuable",
                  unmeasured_fidelity: int | None = None) -> Benchmark:
    """A toy benchmark: valid_acc rises with the id (2 replicates, fidelities 1 and 10 epochs).

    ``ladder``: the table's fidelity ladder; ``unmeasured_fidelity``: index of a fidelity whose
    valid_acc is NaN for every architecture (a signal with no measured value)."""
    space = ToySpace()
    n = space.size
    rng = np.random.default_rng(0)
    base = np.linspace(50, 90, n)
    valid = np.stack([base[:, None] - 5 + rng.normal(0, 0.5, (n, 2)), base[:, None] + rng.normal(0, 0.5, (n, 2))], axis=2)
    valid[list(nan_archs)] = np.nan
    if unmeasured_fidelity is not None:
        valid[:, :, unmeasured_fidelity] = np.nan
    test = (base + rng.normal(0, 0.5, n)).reshape(n, 1, 1)
    spec = TableSpec(
        name="toy/toy", space="toy", dataset="toy", archs=[space.to_str(i) for i in range(n)],
        fidelities=np.array([1.0, 10.0]),
        metrics={
            "valid_acc": MetricColumn(valid, "valid", "%", "toy validation", "toy"),
            "test_acc": MetricColumn(test, "test", "%", "toy test", "toy"),
            "train_time": MetricColumn(np.tile([[[1.0, 10.0]]], (n, 1, 1)), "cost", "s", "toy time", "toy"),
            # a free, fidelity-independent second objective for multi-objective strategies
            "latency": MetricColumn((1.0 + 0.1 * np.arange(n) + 0.5 * (np.arange(n) % 3)).reshape(n, 1, 1),
                                    "hardware", "ms", "toy latency", "toy"),
        },
        citation="none", recipe="toy", recipe_version=1, sources=[SourceRecord("toy", "generated", "none", "0" * 64)],
        fidelity_ladder=ladder,
    )
    path = write_table(spec, tmp_path / "toy.h5")
    info = BenchmarkInfo(
        name="toy/toy", space="toy", dataset="toy", recipe="toy", recipe_version=1, source="generated",
        requires="", citation="none", license="none", default_signal=("valid_acc", None), default_noise="per-trial",
    )
    return Benchmark(info=info, space=space, table=Table(path))
