"""Table: schema, vectorised queries, typed errors, integrity against corrupt files."""
from __future__ import annotations

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError, MissingMetricError, TableIntegrityError
from nasbench.table import Table
from nasbench.table_writer import MetricColumn, SourceRecord, TableSpec, seal, write_table

N = 50


def _spec() -> TableSpec:
    rng = np.random.default_rng(0)
    valid = rng.uniform(50, 90, size=(N, 3, 2))
    valid[::7, 2, :] = np.nan  # a missing seed
    valid[3, :, 0] = np.nan  # never measured at the low fidelity
    return TableSpec(
        name="toy/data",
        space="toy",
        dataset="data",
        archs=[f"arch{i}" for i in range(N)],
        fidelities=np.array([12.0, 200.0]),
        metrics={
            "valid_acc": MetricColumn(valid, "valid", "%", "validation accuracy", "test", "accuracy"),
            "test_acc": MetricColumn(rng.uniform(50, 90, size=(N, 1, 2)), "test", "%", "test accuracy", "test"),
            "params": MetricColumn(rng.uniform(0, 2, size=(N, 1, 1)), "size", "M", "parameters", "test"),
        },
        citation="nobody",
        recipe="toy",
        recipe_version=1,
        sources=[SourceRecord("toy", "generated", "none", "0" * 64)],
        missing_optional=[{"source": "extra file", "path": "x/y", "metrics": ["latency_fpga"], "how": "put it there"}],
    )


@pytest.fixture()
def table_file(tmp_path):
    spec = _spec()
    return write_table(spec, tmp_path / "toy.h5"), spec


def test_roundtrip_and_metadata(table_file):
    path, spec = table_file
    with Table(path) as t:
        assert t.n_archs == N and t.name == "toy/data"
        assert t.metric_names == ["params", "test_acc", "valid_acc"]
        assert t.metric("test_acc").is_test and not t.metric("valid_acc").is_test
        assert t.metric("params").fidelity_independent
        np.testing.assert_array_equal(t.array("valid_acc"), spec.metrics["valid_acc"].values)
        assert t.archs()[5] == "arch5"
        assert list(t.fidelities) == [12.0, 200.0]


def test_query_modes(table_file):
    path, spec = table_file
    vals = spec.metrics["valid_acc"].values
    with Table(path) as t:
        ids = np.array([0, 7, 3, 3, 49])
        np.testing.assert_allclose(t.query(ids, "valid_acc"), np.nanmean(vals[ids, :, 1], axis=1), rtol=1e-6)
        np.testing.assert_array_equal(t.query(ids, "valid_acc", 12, 1), vals[ids, 1, 0])
        reps = np.array([0, 1, 2, 0, 2])
        np.testing.assert_array_equal(t.query(ids, "valid_acc", 200, reps), vals[ids, reps, 1])
        assert np.isnan(t.query([3], "valid_acc", 12)[0])  # never measured stays NaN, not imputed
        # fidelity-independent metrics ignore the fidelity
        np.testing.assert_array_equal(t.query(ids, "params", 12), t.query(ids, "params", 200))


def test_typed_errors(table_file):
    path, _ = table_file
    with Table(path) as t:
        with pytest.raises(MissingMetricError, match="has no metric 'latency_fpga'.*put it there"):
            t.query([0], "latency_fpga")
        with pytest.raises(MissingMetricError, match="fidelities \\(epochs\\) are 12 or 200"):
            t.query([0], "valid_acc", fidelity=50)
        with pytest.raises(InvalidArchitectureError, match="0 .. 49"):
            t.query([-1], "valid_acc")
        with pytest.raises(InvalidArchitectureError):
            t.query([N], "valid_acc")
        with pytest.raises(MissingMetricError, match="replicates 0 .. 2"):
            t.query([0], "valid_acc", replicate=3)


def test_truncated_file_raises(table_file):
    path, _ = table_file
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 100, 1000):
        path.write_bytes(data[:cut])
        with pytest.raises(TableIntegrityError):
            with Table(path) as t:
                for m in t.metric_names:
                    t.array(m)


def _read_everything(path):
    with Table(path) as t:
        return {m: t.array(m).copy() for m in t.metric_names}, list(t.fidelities), t.archs(), {
            m: (t.metric(m).split, t.metric(m).unit) for m in t.metric_names
        }


def test_bit_flips_never_give_wrong_numbers(table_file):
    """Flip one bit at many places across the file: either a TableIntegrityError, or exactly the original content."""
    path, _ = table_file
    original = path.read_bytes()
    reference = _read_everything(path)
    rng = np.random.default_rng(1)
    positions = np.unique(np.concatenate([rng.integers(0, len(original), 300), np.arange(0, len(original), 97)]))
    detected = 0
    for pos in positions:
        corrupt = bytearray(original)
        corrupt[pos] ^= 1 << int(rng.integers(8))
        path.write_bytes(bytes(corrupt))
        try:
            got = _read_everything(path)
        except TableIntegrityError:
            detected += 1
            continue
        arrays, fids, archs, labels = got
        assert fids == reference[1] and archs == reference[2] and labels == reference[3], f"flip at {pos}"
        for m, arr in reference[0].items():
            np.testing.assert_array_equal(arrays[m], arr, err_msg=f"flip at byte {pos} changed '{m}'")
    assert detected > 0.2 * len(positions)  # flips in the data regions are caught


def test_flip_inside_metric_data_is_detected(table_file):
    path, spec = table_file
    original = path.read_bytes()
    needle = spec.metrics["valid_acc"].values[:4].tobytes()
    at = original.find(needle)
    assert at > 0
    corrupt = bytearray(original)
    corrupt[at + 5] ^= 0x10
    path.write_bytes(bytes(corrupt))
    with pytest.raises(TableIntegrityError, match="sha256"):
        Table(path)  # the whole-file checksum catches it before HDF5 parses anything
    seal(path)  # a file re-sealed after its data changed: the per-metric checksum still catches it
    with Table(path) as t:
        with pytest.raises(TableIntegrityError, match="metric 'valid_acc' fails its sha256"):
            t.query([0], "valid_acc")


def test_not_hdf5_raises(tmp_path):
    p = tmp_path / "junk.h5"
    p.write_bytes(b"not a table" * 100)
    with pytest.raises(TableIntegrityError, match="rebuild"):
        Table(p)
