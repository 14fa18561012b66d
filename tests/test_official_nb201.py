"""NAS-Bench-201 / NATS topology importer on small files in the official formats, written here.

The generator mirrors the official ResultsCount / ArchResults state dicts (NATS-Bench
nats_bench/api_utils.py): eval keys '<set>@<epoch>', per-epoch dicts keyed 0..E-1, seeds as
(dataset, seed) keys. Values are random and known, so every table value is checked against
the generator, including which key is validation and which is test.
"""
from __future__ import annotations

import bz2
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import nasbench
from nasbench.errors import NasbenchError, UnknownNameError
from nasbench.official import import_official
from nasbench.official._pickles import OfficialFormatError, load_torch_file, loads
from nasbench.spaces import get_space

EVAL_SETS = {"cifar10-valid": ("x-valid", "ori-test"), "cifar10": ("ori-test",),
             "cifar100": ("x-valid", "x-test", "ori-test"), "ImageNet16-120": ("x-valid", "x-test", "ori-test")}


def results_count(rng, dataset, seed, epochs, eval_sets=None):
    """A ResultsCount state dict with random curves; returns (state, truth)."""
    sets = eval_sets or EVAL_SETS[dataset]
    truth = {"train_acc": rng.uniform(10, 90, epochs), "train_loss": rng.uniform(0.1, 2, epochs),
             "train_time": rng.uniform(1, 5, epochs)}
    acc, loss, times = {}, {}, {}
    for name in sets:
        truth[name] = rng.uniform(10, 95, epochs)
        for i in range(epochs):
            acc[f"{name}@{i}"] = float(truth[name][i])
            loss[f"{name}@{i}"] = float(rng.uniform(0.1, 2))
            times[f"{name}@{i}"] = 0.5
    state = {
        "name": dataset, "net_state_dict": None, "train_acc5es": None, "arch_config": {"channel": 16},
        "train_acc1es": {i: float(v) for i, v in enumerate(truth["train_acc"])},
        "train_losses": {i: float(v) for i, v in enumerate(truth["train_loss"])},
        "train_times": {i: float(v) for i, v in enumerate(truth["train_time"])},
        "params": 1.5, "flop": 200.0, "seed": seed, "epochs": epochs, "latency": [np.float64(0.02)],
        "eval_names": list(sets), "eval_acc1es": acc, "eval_losses": loss, "eval_times": times,
    }
    return state, truth


def arch_results(rng, index, arch_str, epochs, seeds):
    """ArchResults state dict over the four NB201 datasets; truth[(dataset, seed)]."""
    all_results, truth = {}, {}
    for dataset in EVAL_SETS:
        for seed in seeds[dataset]:
            all_results[(dataset, seed)], truth[(dataset, seed)] = results_count(rng, dataset, seed, epochs)
    state = {"arch_index": index, "arch_str": arch_str, "all_results": all_results,
             "dataset_seed": {d: sorted(s) for d, s in seeds.items()}, "clear_net_done": True}
    return state, truth


def make_archive(rng, space, indexes, epochs, short_epochs=3):
    """{index: {'less': ..., 'full': ...}} and the truth of the 'full' runs."""
    arch2infos, truth = {}, {}
    for k, index in enumerate(indexes):
        seeds = {d: [777, 888, 999] if k % 2 == 0 else [777, 999] for d in EVAL_SETS}
        full, truth[index] = arch_results(rng, index, space.to_str(index), epochs, seeds)
        less, _ = arch_results(rng, index, space.to_str(index), short_epochs, {d: [111] for d in EVAL_SETS})
        arch2infos[index] = {"less": less, "full": full}
    return arch2infos, truth


def write_pth(path, space, arch2infos, legacy=False):
    torch = pytest.importorskip("torch")
    data = {"meta_archs": [space.to_str(i) for i in range(space.size)], "arch2infos": arch2infos,
            "evaluated_indexes": set(arch2infos)}
    torch.save(data, path, _use_new_zipfile_serialization=not legacy)
    return path


def write_nats_folder(folder, meta_archs, arch2infos, hp_names):
    folder.mkdir()
    with bz2.BZ2File(folder / "meta.pickle.pbz2", "wb") as fh:
        pickle.dump({"meta_archs": meta_archs, "total_archs": len(meta_archs), "arch2infos": None,
                     "evaluated_indexes": set()}, fh, protocol=4)
    for index, infos in arch2infos.items():
        with bz2.BZ2File(folder / f"{index:06d}.pickle.pbz2", "wb") as fh:
            pickle.dump({hp_names.get(k, k): v for k, v in infos.items()}, fh, protocol=4)
    return folder


INDEXES = [0, 11, 284, 7000, 15624]


@pytest.fixture(scope="module")
def space():
    return get_space("nb201")


@pytest.fixture(scope="module")
def archive(space):
    return make_archive(np.random.default_rng(0), space, INDEXES, epochs=27)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("NASBENCH_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def check_table(bench, truth, search, test_run, test_key):
    """Every value of the imported table against the generator."""
    table = bench.table
    assert table.fidelity_ladder == "continuable"
    assert table.fidelities.tolist() == list(range(1, 28))
    valid, test, ttime = table.array("valid_acc"), table.array("test_acc"), table.array("train_time")
    measured = np.zeros(table.n_archs, dtype=bool)
    for index, runs in truth.items():
        measured[index] = True
        for r, seed in enumerate([777, 888, 999]):
            if (search, seed) not in runs:  # a missing seed stays NaN
                assert np.isnan(valid[index, r]).all() and np.isnan(ttime[index, r]).all()
                continue
            t = runs[(search, seed)]
            np.testing.assert_allclose(valid[index, r], t["x-valid"], rtol=1e-6)
            np.testing.assert_allclose(table.array("train_acc")[index, r], t["train_acc"], rtol=1e-6)
            np.testing.assert_allclose(ttime[index, r], np.cumsum(t["train_time"]), rtol=1e-5)
            np.testing.assert_allclose(test[index, r], runs[(test_run, seed)][test_key], rtol=1e-6)
            # validation is never the test key
            assert not np.allclose(valid[index, r], runs[(test_run, seed)][test_key])
    assert np.isnan(valid[~measured]).all() and np.isnan(test[~measured]).all()
    assert table.array("params")[INDEXES, 0, 0].tolist() == [1.5] * len(INDEXES)


def test_pth_cifar10_valid_and_test_keys(home, space, archive, tmp_path):
    arch2infos, truth = archive
    pth = write_pth(tmp_path / "NAS-Bench-201-v1_1-test.pth", space, arch2infos)
    path = import_official("nb201/cifar10", pth)
    bench = nasbench.load("nb201/cifar10")
    assert bench.table.path == path and bench.table.recipe == "official-import"
    check_table(bench, truth, "cifar10-valid", "cifar10", "ori-test")
    assert bench.table.sources[0]["path"] == pth.name
    import hashlib
    assert bench.table.sources[0]["sha256"] == hashlib.sha256(pth.read_bytes()).hexdigest()


def test_legacy_pth_and_cifar100_keys(home, space, archive, tmp_path):
    arch2infos, truth = archive
    pth = write_pth(tmp_path / "legacy.pth", space, arch2infos, legacy=True)
    import_official("nb201/cifar100", pth)
    bench = nasbench.load("nb201/cifar100")
    check_table(bench, truth, "cifar100", "cifar100", "x-test")
    # ori-test (valid + test) is kept apart, as a test-split metric
    assert bench.table.metric("valtest_acc").split == "test"
    np.testing.assert_allclose(bench.table.array("valtest_acc")[11, 0], truth[11][("cifar100", 777)]["ori-test"], rtol=1e-6)


def test_nats_topology_folder(home, space, archive, tmp_path):
    arch2infos, truth = archive
    folder = write_nats_folder(tmp_path / "NATS-tss-v1_0-3ffb9-simple", [space.to_str(i) for i in range(space.size)],
                               arch2infos, {"less": "12", "full": "200"})
    import_official("nb201/imagenet16-120", folder)
    check_table(nasbench.load("nb201/imagenet16-120"), truth, "ImageNet16-120", "ImageNet16-120", "x-test")


def test_builtin_restored_and_load_keeps_import(home, space, archive, tmp_path, monkeypatch):
    arch2infos, _ = archive
    pth = write_pth(tmp_path / "x.pth", space, arch2infos)
    import_official("nb201/cifar10", pth)
    nasbench.load("nb201/cifar10")
    bench = nasbench.load("nb201/cifar10")  # not rebuilt from data/ on a second load
    assert bench.table.recipe == "official-import"
    nasbench.build_table("nb201/cifar10")  # `nasbench import nb201/cifar10` without --from
    assert nasbench.load("nb201/cifar10").table.recipe == "nb201"


def test_hb_uses_real_rungs_and_continuation(home, space, archive, tmp_path):
    from nasbench.evaluator import Evaluator
    from strategies.loop import run_search
    from strategies.registry import make_strategy

    arch2infos, truth = archive
    import_official("nb201/cifar10", write_pth(tmp_path / "x.pth", space, arch2infos))
    bench = nasbench.load("nb201/cifar10")
    ev = Evaluator(bench, rng=np.random.default_rng(1), signal="valid_acc@27", noise="per-trial")
    assert "promotions pay only the extra epochs" in ev.describe()["cost_model"]
    # one trial promoted 3 -> 9: charged the cumulative time difference of the same seed
    first = ev.evaluate(11, 3.0, trial_id=5)
    second = ev.evaluate(11, 9.0, trial_id=5)
    seed = [777, 888, 999][first.replicate]
    # the evaluator's cost is the architecture's train_time (mean over seeds; the official files
    # hold the same per-epoch time for every seed), cumulative to the fidelity
    times = np.mean([np.cumsum(t["train_time"]) for (d, _), t in truth[11].items() if d == "cifar10-valid"], axis=0)
    assert second.replicate == first.replicate
    assert first.cost == pytest.approx(times[2], rel=1e-5)
    assert second.cost == pytest.approx(times[8] - times[2], rel=1e-5)
    assert second.value == pytest.approx(truth[11][("cifar10-valid", seed)]["x-valid"][8], rel=1e-6)
    strategy = make_strategy("hb", bench.space, rng=np.random.default_rng(2), fidelities=tuple(bench.table.fidelities))
    assert strategy.ladder == (1.0, 3.0, 9.0, 27.0)
    ev = Evaluator(bench, rng=np.random.default_rng(3), signal="valid_acc@27", noise="per-trial")
    run_search(strategy, ev, budget="300q")
    assert {f for _, f, *_ in ev.history} == {1.0, 3.0, 9.0, 27.0}


def test_restricted_unpickler_refuses_classes(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with pytest.raises(OfficialFormatError, match=r"refused to unpickle '(posix|os|nt)\.system'"):
        loads(pickle.dumps({"a": Evil()}))
    assert loads(pickle.dumps({"x": [np.float64(1.5)], "s": {1, 2}})) == {"x": [1.5], "s": {1, 2}}
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.zeros(2)}, tmp_path / "t.pth")
    with pytest.raises(OfficialFormatError):
        load_torch_file(tmp_path / "t.pth")


def test_errors_are_typed(home, tmp_path, space):
    with pytest.raises(UnknownNameError, match="families with one"):
        import_official("nbgraph/cora", tmp_path)
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a torch file")
    with pytest.raises(OfficialFormatError, match="not a torch.save file"):
        import_official("nb201/cifar10", bad)
    with pytest.raises(NasbenchError, match="does not exist"):
        import_official("nb201/cifar10", tmp_path / "missing.pth")


def test_cli_import_info_query(home, space, archive, tmp_path):
    arch2infos, truth = archive
    pth = write_pth(tmp_path / "NAS-Bench-201-v1_0-e61699.pth", space, arch2infos)
    cli = [sys.executable, "-m", "reproduce.cli"]
    env = {"NASBENCH_HOME": str(home), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([*cli, "import", "nb201/cifar10", "--from", str(pth), "--quiet"], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0, out.stderr
    info = subprocess.run([*cli, "info", "nb201/cifar10"], capture_output=True, text=True, env=env).stdout
    assert "1..27 (every epoch)" in info and "NAS-Bench-201-v1_0-e61699.pth" in info
    listing = subprocess.run([*cli, "list"], capture_output=True, text=True, env=env).stdout
    assert "OFFICIAL FILE" in next(l for l in listing.splitlines() if l.startswith("nb201/cifar10 "))
