"""The NB101 importer on small TFRecord files written here in the official format."""
from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import nasbench
from nasbench.errors import TableIntegrityError
from nasbench.official._tfrecord import (
    CorruptRecordError,
    crc32c,
    crc32c_batch,
    decode_model_metrics,
    encode_model_metrics,
    frame,
    mask,
    read_records,
    write_records,
)
from nasbench.published import published_file
from nasbench.spaces.nb101 import prune, spec_hash

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private NASBENCH_HOME: an imported table must not leak into other tests."""
    from nasbench.spaces import get_space

    monkeypatch.setenv("NASBENCH_HOME", str(tmp_path / "home"))
    get_space.cache_clear()
    yield tmp_path / "home"
    get_space.cache_clear()


def _records():
    with gzip.open(published_file("nb101/nb101_records.json.gz"), "rt") as fh:
        return json.load(fh)


def _record(module_hash, epochs, matrix, ops, run, params):
    evals = [{"current_epoch": 0.0, "training_time": 0.0, "train_accuracy": 0.1, "validation_accuracy": 0.1,
              "test_accuracy": 0.1}]
    for stage, epoch in (("halfway", epochs / 2), ("final", float(epochs))):
        evals.append({"current_epoch": epoch, "training_time": run[f"{stage}_training_time"],
                      "train_accuracy": run[f"{stage}_train_accuracy"],
                      "validation_accuracy": run[f"{stage}_validation_accuracy"],
                      "test_accuracy": run[f"{stage}_test_accuracy"], "checkpoint_path": f"/ckpt/{module_hash}"})
    metrics = base64.b64encode(encode_model_metrics(evals, params, 1234.5)).decode()
    adjacency = "".join(str(int(v)) for v in np.asarray(matrix).ravel())
    return json.dumps([module_hash, epochs, adjacency, ",".join(ops), metrics]).encode()


def _official_like_file(path, epochs=(108,)):
    """The 30 published records as an official file: 3 records per graph and budget."""
    recs = _records()
    out = []
    for e in epochs:
        for k in range(3):
            for h, rec in recs.items():
                run = dict(rec["epochs"]["108"][k])
                if e != 108:  # other budgets: scaled copies, to tell the fidelities apart
                    run = {key: v * e / 108 for key, v in run.items()}
                out.append(_record(h, e, rec["module_adjacency"], rec["module_operations"], run,
                                   rec["trainable_parameters"]))
    return write_records(path, out), recs


def test_crc32c_and_masking_match_the_reference_values():
    assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value (RFC 3720)
    assert crc32c(b"") == 0
    chunks = [os.urandom(n) for n in (0, 1, 7, 100, 513)]
    assert crc32c_batch(chunks).tolist() == [crc32c(c) for c in chunks]
    rec = frame(b"abc")
    assert int.from_bytes(rec[8:12], "little") == mask(crc32c(rec[:8]))


def test_protobuf_round_trip_and_field_numbers():
    evals = [{"current_epoch": 1.5, "training_time": 2.0, "train_accuracy": 0.3, "validation_accuracy": 0.4,
              "test_accuracy": 0.5, "checkpoint_path": "x"}]
    raw = encode_model_metrics(evals, 2694282, 99.0)
    # field 1 length-delimited, then EvaluationData field 1 (double, wire type 1)
    assert raw[0] == (1 << 3 | 2) and raw[2] == (1 << 3 | 1)
    back = decode_model_metrics(raw)
    assert back["trainable_parameters"] == 2694282 and back["total_time"] == 99.0
    assert back["evaluation_data"][0] == evals[0]


def test_import_gives_the_records_and_becomes_the_benchmark(home, tmp_path):
    path, recs = _official_like_file(tmp_path / "tiny_only108.tfrecord")
    from nasbench.official import import_official

    out = import_official("nb101/cifar10", path)
    bench = nasbench.load("nb101/cifar10")
    assert out == nasbench.table_path("nb101/cifar10")
    assert bench.table.n_archs == bench.space.size == 30
    assert (home / "imported" / "nb101__cifar10.h5").exists()
    assert any("tfrecord" in s["name"] for s in bench.table.sources)
    for h, rec in recs.items():
        i = bench.space.from_str(h)
        expect = [r["final_validation_accuracy"] * 100 for r in rec["epochs"]["108"]]
        np.testing.assert_allclose(bench.table.array("valid_acc")[i, :, 0], expect, rtol=1e-6)
        half = [r["halfway_test_accuracy"] * 100 for r in rec["epochs"]["108"]]
        np.testing.assert_allclose(bench.table.array("test_acc_half")[i, :, 0], half, rtol=1e-6)
    # the one Suite-Zero graph in the file gets its proxies; the others are listed as absent
    assert np.isfinite(bench.table.vector("zc_synflow")).sum() == 1
    assert bench.table.missing_optional
    # a rebuild of the benchmark prefers the imported table over the data/ subset
    from nasbench.benchmark import build_table

    build_table("nb101/cifar10")
    with nasbench.Table(nasbench.table_path("nb101/cifar10")) as t:
        assert t.n_archs == 30


def test_full_file_has_four_budgets(home, tmp_path):
    path, recs = _official_like_file(tmp_path / "tiny_full.tfrecord", epochs=(4, 12, 36, 108))
    from nasbench.official.nb101 import import_nb101

    import_nb101("nb101/cifar10", path)
    bench = nasbench.load("nb101/cifar10")
    assert list(bench.table.fidelities) == [4.0, 12.0, 36.0, 108.0]
    h = next(iter(recs))
    i = bench.space.from_str(h)
    t108 = bench.table.array("train_time")[i, :, 3]
    np.testing.assert_allclose(bench.table.array("train_time")[i, :, 0], t108 * 4 / 108, rtol=1e-5)


def test_corrupt_truncated_and_mislabelled_files_fail(home, tmp_path):
    path, _ = _official_like_file(tmp_path / "a.tfrecord")
    data = bytearray(path.read_bytes())
    first_len = int.from_bytes(data[:8], "little")
    second = 12 + first_len + 4
    data[second + 12 + 5] ^= 0xFF  # a data byte of the second record
    bad = tmp_path / "bad.tfrecord"
    bad.write_bytes(bytes(data))
    with pytest.raises(CorruptRecordError, match=f"byte {second} fails its data CRC"):
        list(read_records(bad))
    cut = tmp_path / "cut.tfrecord"
    cut.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(CorruptRecordError, match="truncated"):
        list(read_records(cut))
    rec = _records()
    h, r = next(iter(rec.items()))
    wrong = write_records(tmp_path / "wrong.tfrecord", [_record("0" * 32, 108, r["module_adjacency"],
                                                                r["module_operations"], r["epochs"]["108"][0], 1)])
    from nasbench.official.nb101 import import_nb101

    with pytest.raises(TableIntegrityError, match="hashes to " + h):
        import_nb101("nb101/cifar10", wrong)


def test_cli_import_prints_one_line_and_exits_2_on_a_corrupt_file(home, tmp_path):
    path, _ = _official_like_file(tmp_path / "ok.tfrecord")
    env = {**os.environ, "NASBENCH_HOME": str(home)}
    exe = [sys.executable, "-m", "reproduce.cli"]
    ok = subprocess.run([*exe, "import", "nb101/cifar10", "--from", str(path), "--quiet"],
                        capture_output=True, text=True, env=env, cwd=REPO)
    assert ok.returncode == 0, ok.stderr
    assert "nb101/cifar10: 30 archs" in ok.stdout
    bad = tmp_path / "bad.tfrecord"
    bad.write_bytes(path.read_bytes()[:100])
    res = subprocess.run([*exe, "import", "nb101/cifar10", "--from", str(bad), "--quiet"],
                         capture_output=True, text=True, env=env, cwd=REPO)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1 and "truncated" in res.stderr


def _synthetic_records(n_records: int, seed: int = 0) -> list[bytes]:
    rng = np.random.default_rng(seed)
    names = ["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"]
    graphs = {}
    while len(graphs) * 3 < n_records:
        m = np.triu(rng.integers(0, 2, (7, 7)), 1)
        p = prune(m, ["input", *rng.choice(names, 5), "output"])
        if p is None or p[0].sum() > 9:
            continue
        graphs.setdefault(spec_hash(*p), p)
    run = {f"{s}_{f}": 0.5 for s in ("halfway", "final") for f in
           ("training_time", "train_accuracy", "validation_accuracy", "test_accuracy")}
    return [_record(h, 108, m, ops, run, 1000) for k in range(3) for h, (m, ops) in graphs.items()][:n_records]


@pytest.mark.slow
def test_import_speed_on_20000_records(home, tmp_path):
    path = write_records(tmp_path / "synthetic.tfrecord", _synthetic_records(20_000))
    from nasbench.official.nb101 import read_official

    t0 = time.perf_counter()
    data = read_official(path)
    seconds = time.perf_counter() - t0
    assert data["records"] == 20_000
    print(f"\nread {data['records']} records ({len(data['specs'])} graphs) in {seconds:.2f} s: "
          f"{data['records'] / seconds:,.0f} records/s")


def test_import_without_from_returns_to_the_subset_as_for_nb201(home, tmp_path, capsys):
    """One rule for every family: `nasbench import NAME` (no --from) restores the built-in table,
    `nasbench list` marks an official import; NB-101 keeps its import apart, so it is removed."""
    from nasbench.official import import_official, official_import_path
    from reproduce.cli import main

    path, _ = _official_like_file(tmp_path / "tiny_only108.tfrecord")
    import_official("nb101/cifar10", path)
    assert official_import_path("nb101/cifar10") == home / "imported" / "nb101__cifar10.h5"
    assert main(["list"]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("nb101/cifar10")][0]
    assert "OFFICIAL FILE" in line
    assert main(["import", "nb101/cifar10"]) == 0
    out = capsys.readouterr().out
    assert "removed the table imported from an official file" in out and "--from FILE" in out
    assert official_import_path("nb101/cifar10") is None
    assert not list((home / "imported").glob("nb101__cifar10*"))
    from nasbench.spaces import get_space

    get_space.cache_clear()
    assert nasbench.load("nb101/cifar10").table.n_archs == 321
