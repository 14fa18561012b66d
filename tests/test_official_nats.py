"""NATS-Bench size-space importer on a small archive folder in the official format, written here."""
from __future__ import annotations

import bz2
import pickle

import numpy as np
import pytest

import nasbench
from nasbench.errors import MissingSourceError
from nasbench.official import import_official
from nasbench.official._pickles import OfficialFormatError
from nasbench.spaces import get_space
from tests.test_official_nb201 import EVAL_SETS, arch_results, write_nats_folder

INDEXES = [0, 11, 284, 32767]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("NASBENCH_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def sss_archive(tmp_path, epochs=9):
    """Folder NATS-sss-...-simple: hp '01', '12' (3 seeds) and '90' (here `epochs` long, seed 777)."""
    space = get_space("nats-sss")
    rng = np.random.default_rng(0)
    arch2infos, truth = {}, {}
    for index in INDEXES:
        s = space.to_str(index)
        long, truth[index] = arch_results(rng, index, s, epochs, {d: [777] for d in EVAL_SETS})
        short, _ = arch_results(rng, index, s, 12, {d: [777, 888, 999] for d in EVAL_SETS})
        one, _ = arch_results(rng, index, s, 1, {d: [777] for d in EVAL_SETS})
        arch2infos[index] = {"01": one, "12": short, "90": long}
    folder = write_nats_folder(tmp_path / "NATS-sss-v1_0-50262-simple", [space.to_str(i) for i in range(space.size)],
                               arch2infos, {})
    return folder, truth


def test_missing_table_names_file_and_command(home):
    with pytest.raises(MissingSourceError, match=r"NATS-sss-v1_0-50262-simple.*nasbench import nats-sss/cifar100 --from"):
        nasbench.load("nats-sss/cifar100")


@pytest.mark.parametrize("dataset, search, test_run, test_key",
                         [("cifar10", "cifar10-valid", "cifar10", "ori-test"),
                          ("imagenet16-120", "ImageNet16-120", "ImageNet16-120", "x-test")])
def test_import_sss_values(home, tmp_path, dataset, search, test_run, test_key):
    folder, truth = sss_archive(tmp_path)
    import_official(f"nats-sss/{dataset}", folder)
    bench = nasbench.load(f"nats-sss/{dataset}")
    table = bench.table
    assert table.n_archs == 32768 and table.fidelity_ladder == "continuable"
    assert table.fidelities.tolist() == list(range(1, 10))
    assert bench.space.to_str(11) == "8:8:8:16:32"
    for index in INDEXES:
        t = truth[index]
        np.testing.assert_allclose(table.array("valid_acc")[index, 0], t[(search, 777)]["x-valid"], rtol=1e-6)
        np.testing.assert_allclose(table.array("test_acc")[index, 0], t[(test_run, 777)][test_key], rtol=1e-6)
        np.testing.assert_allclose(table.array("train_time")[index, 0], np.cumsum(t[(search, 777)]["train_time"]), rtol=1e-5)
    other = np.setdiff1d(np.arange(32768), INDEXES)
    assert np.isnan(table.array("valid_acc")[other]).all()
    assert "hp='90'" in table.notes


def test_sss_meta_order_checked(home, tmp_path):
    space = get_space("nats-sss")
    folder = tmp_path / "bad"
    folder.mkdir()
    with bz2.BZ2File(folder / "meta.pickle.pbz2", "wb") as fh:
        pickle.dump({"meta_archs": [space.to_str(i) for i in reversed(range(space.size))]}, fh)
    with pytest.raises(OfficialFormatError, match="first difference at index 0"):
        import_official("nats-sss/cifar10", folder)


def test_tss_archive_is_refused_for_sss(home, tmp_path):
    nb201 = get_space("nb201")
    folder = write_nats_folder(tmp_path / "tss", [nb201.to_str(i) for i in range(nb201.size)], {}, {})
    with pytest.raises(OfficialFormatError, match="differ from the 32768 architectures"):
        import_official("nats-sss/cifar10", folder)


def test_cli_list_and_import_all_skip(home, capsys):
    from reproduce.cli import main

    assert main(["list"]) == 0
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("nats-sss/cifar10 "))
    assert "needs the official file" in line and "nasbench import nats-sss/cifar10 --from" in line
    from nasbench.catalog import shipped_table_names

    skipped = [n for n in nasbench.benchmark_names() if nasbench.get_info(n).needs_official_file]
    assert set(skipped) == {"nats-sss/cifar10", "nats-sss/cifar100", "nats-sss/imagenet16-120"}
    assert not set(skipped) & set(shipped_table_names())
    assert main(["info", "nats-sss/cifar10"]) == 2
    assert "nasbench import nats-sss/cifar10 --from" in capsys.readouterr().err
