"""The published data shipped in data/: checksums, provenance, typed errors, no reads outside the repo."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.errors import PublishedDataError
from nasbench.published import data_dir, published_file, read_checksums

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_listed_file_matches_its_checksum_and_size_is_bounded():
    sums = read_checksums(DATA)
    assert len(sums) >= 17
    for name, digest in sums.items():
        assert _sha(DATA / name) == digest, name
    total = sum((DATA / n).stat().st_size for n in sums)
    assert total < 25 * 2**20, f"data/ ships {total / 2**20:.1f} MB, over the 25 MB limit"


def test_no_pickle_or_torch_file_ships():
    for path in DATA.rglob("*"):
        if path.is_file() and "tables" not in path.relative_to(DATA).parts:
            assert path.suffix not in (".pkl", ".pt", ".pth", ".pd", ".pickle"), path
            if path.suffix == ".npz":
                with np.load(path, allow_pickle=False) as npz:  # raises on object arrays
                    for key in npz.files:
                        assert npz[key].dtype != object


def test_provenance_is_complete_and_the_readme_states_it():
    sources = json.loads((DATA / "sources.json").read_text())
    readme = (DATA / "README.md").read_text()
    sums = read_checksums(DATA)
    for output, entry in sources.items():
        assert output in sums
        assert entry["sha256"] == sums[output]
        assert re.fullmatch(r"[0-9a-f]{8,40}", entry["commit"]), entry["commit"]
        assert entry["repository"].startswith("https://github.com/")
        assert entry["license"]
        assert entry["originals"]
        assert f"`{output}`" in readme, f"data/README.md does not describe {output}"
        for original, digest in entry["originals"].items():
            assert re.fullmatch(r"[0-9a-f]{64}", digest)
            assert digest in readme, f"data/README.md lacks the sha256 of {original}"
    assert "python -m nasbench.published.convert" in readme


def test_gzip_copies_are_the_originals_byte_for_byte():
    sources = json.loads((DATA / "sources.json").read_text())
    for output in ("nb201/nats_test_acc_200.csv.gz", "nbmacro/nas-bench-macro_cifar10.json.gz",
                   "naslib-zc/zc_nasbench201.json.gz"):
        (digest,) = sources[output]["originals"].values()
        assert hashlib.sha256(gzip.decompress((DATA / output).read_bytes())).hexdigest() == digest


def test_a_corrupt_file_is_a_typed_error_naming_it(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy, ignore=shutil.ignore_patterns("tables"))
    target = copy / "nb201" / "mini_nasbench201_12epoch.csv.gz"
    raw = bytearray(target.read_bytes())
    raw[-10] ^= 0xFF
    target.write_bytes(bytes(raw))
    monkeypatch.setenv("NASBENCH_PUBLISHED_DATA", str(copy))
    monkeypatch.setenv("NASBENCH_HOME", str(tmp_path / "home"))
    assert data_dir() == copy
    with pytest.raises(PublishedDataError, match="mini_nasbench201_12epoch.csv.gz fails its checksum"):
        nasbench.load("nb201/cifar100")
    target.unlink()
    with pytest.raises(PublishedDataError, match="mini_nasbench201_12epoch.csv.gz is missing"):
        published_file("nb201/mini_nasbench201_12epoch.csv.gz")


def test_env_folder_without_checksum_list_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("NASBENCH_PUBLISHED_DATA", str(tmp_path))
    with pytest.raises(PublishedDataError, match="no SHA256SUMS"):
        published_file("nb201/help_latency.csv.gz")


def test_table_rebuilds_when_the_published_data_changes(tmp_path, monkeypatch):
    """A user's own regenerated folder (other numbers) is picked up: the cached table is rebuilt."""
    import pandas as pd

    from nasbench.published.convert import _write_gzip

    monkeypatch.setenv("NASBENCH_HOME", str(tmp_path / "home"))
    before = nasbench.load("nb201/cifar100").table.vector("test_acc", 200)[0]
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy, ignore=shutil.ignore_patterns("tables"))
    name = "nb201/nats_test_acc_200.csv.gz"
    frame = pd.read_csv(copy / name)
    frame.loc[0, "CIFAR100TestAccuracy200Epochs"] = 12.5
    _write_gzip(frame.to_csv(index=False).encode(), copy / name)
    sums = read_checksums(copy)
    sums[name] = _sha(copy / name)
    (copy / "SHA256SUMS").write_text("".join(f"{d}  {n}\n" for n, d in sums.items()))
    monkeypatch.setenv("NASBENCH_PUBLISHED_DATA", str(copy))
    after = nasbench.load("nb201/cifar100").table.vector("test_acc", 200)[0]
    assert before != pytest.approx(12.5) and after == pytest.approx(12.5)


@pytest.mark.parametrize("name,nodes,edges,features,classes,train", [
    ("cora", 2708, 10556, 1433, 7, 140),  # Planetoid paper / PyG docs: 2,708 nodes, 10,556 directed edges
    ("citeseer", 3327, 9104, 3703, 6, 120),
])
def test_shipped_planetoid_graphs(name, nodes, edges, features, classes, train):
    pytest.importorskip("torch_geometric")
    from nasbench.live import load_planetoid

    data = load_planetoid(name).data
    assert data.x.shape == (nodes, features)
    assert data.edge_index.shape == (2, edges)
    assert int(data.y.max()) + 1 == classes
    assert (int(data.train_mask.sum()), int(data.val_mask.sum()), int(data.test_mask.sum())) == (train, 500, 1000)
    assert set(np.unique(data.x.numpy())) <= {0.0, 1.0}  # raw binary bag-of-words
    src, dst = data.edge_index.numpy()
    assert set(zip(src, dst)) == set(zip(dst, src))  # undirected


SOURCE_DIRS = ("nasbench", "strategies", "predictors", "reproduce", "tests")


def test_no_code_reads_outside_the_repository():
    """No code path and no test refers to the sibling shared folder or its old variable."""
    forbidden = re.compile(r"shared[/\"' ,]+data|NASBENCH_SHARED|\.\./shared|shared_data")
    offenders = []
    for folder in SOURCE_DIRS:
        for path in (REPO / folder).rglob("*.py"):
            if path.resolve() == Path(__file__).resolve():
                continue
            for i, line in enumerate(path.read_text().splitlines(), 1):
                if forbidden.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{i}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_a_corrupt_file_whose_checksum_entry_was_edited_to_match_is_a_typed_error(tmp_path, monkeypatch):
    """The checksum cannot catch a file changed together with SHA256SUMS; the failed parse must
    still be a PublishedDataError naming the file, not a BadGzipFile / pandas traceback."""
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy, ignore=shutil.ignore_patterns("tables"))
    for rel, bench in (("nbmacro/nas-bench-macro_cifar10.json.gz", "nbmacro/cifar10"),
                       ("nb201/nats_test_acc_200.csv.gz", "nb201/cifar10")):
        target = copy / rel
        raw = bytearray(target.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        target.write_bytes(bytes(raw))
        sums = copy / "SHA256SUMS"
        lines = [f"{_sha(target)}  {rel}" if line.endswith("  " + rel) else line
                 for line in sums.read_text().splitlines()]
        sums.write_text("\n".join(lines) + "\n")
        monkeypatch.setenv("NASBENCH_PUBLISHED_DATA", str(copy))
        home = tmp_path / f"home-{bench.replace('/', '_')}"
        monkeypatch.setenv("NASBENCH_HOME", str(home))
        with pytest.raises(PublishedDataError, match=re.escape(str(target)) + ".*cannot be read.*SHA256SUMS"):
            nasbench.load(bench)
        assert not list(home.glob("*.h5")), "a table was written from a damaged file"
