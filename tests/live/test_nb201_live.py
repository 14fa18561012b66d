"""Live backend, NB201 part: network skeleton vs the table, trainer behaviour."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from nasbench.errors import MissingSourceError, NasbenchError, UnknownNameError
from nasbench.live import (
    NB201_RECIPE,
    build_model,
    load_cifar10,
    synthetic_images,
    train,
)
from nasbench.live.models.nb201 import build_from_ops, count_params, parse_arch_str
from nasbench.live.seeding import seeded

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@pytest.mark.parametrize("bench,classes", [("nb201/cifar10", 10), ("nb201/cifar100", 100)])
def test_param_count_equals_table(bench, classes):
    import nasbench

    b = nasbench.load(bench)
    ids = [0, 1, 1234, 5000, 9930, 15624, b.space.from_str(BEST)]
    for i in ids:
        model = build_model("nb201", i, num_classes=classes)
        table = float(b.query([i], "params")[0])
        assert count_params(model) / 1e6 == pytest.approx(table, abs=1e-6), (i, b.space.to_str(i))


def test_parse_arch_str_and_forward_shape():
    ops = parse_arch_str(BEST)
    assert ops == ("nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect",
                   "nor_conv_3x3", "nor_conv_3x3")
    net = build_from_ops(ops, num_classes=7, C=4, N=1)
    assert net(torch.zeros(2, 3, 16, 16)).shape == (2, 7)
    with pytest.raises(ValueError):
        parse_arch_str("|nor_conv_3x3~0|+|nor_conv_3x3~0|")


def test_unknown_space_lists_known():
    with pytest.raises(UnknownNameError, match="nb201"):
        build_model("nb999", 0)


def _tiny_run(seed: int, **kw):
    data = synthetic_images(64, 4, seed=0, image_size=8, n_valid=16, n_test=16)
    with seeded(seed):  # what build_model(..., seed=) does, without needing the NB201 index
        model = build_from_ops(parse_arch_str(BEST), C=4, N=1, **data.info)
    recipe = NB201_RECIPE.with_(epochs=1, batch_size=32, lr=0.05)
    return train(model, data, recipe, device="cpu", seed=seed, **kw)


def test_build_model_seed_fixes_weights_without_global_seeding():
    before = torch.random.get_rng_state()
    a = build_model("nb201/cifar10", 9930, seed=1, C=4, N=1)
    b = build_model("nb201", 9930, seed=1, C=4, N=1)
    c = build_model("nb201", 9930, seed=2, C=4, N=1)
    assert torch.equal(before, torch.random.get_rng_state())
    pa, pb, pc = (torch.cat([p.flatten() for p in m.parameters()]) for m in (a, b, c))
    assert torch.equal(pa, pb) and not torch.equal(pa, pc)


def test_one_epoch_trains_and_is_deterministic():
    before = torch.random.get_rng_state()
    r1 = _tiny_run(3, deterministic=True)
    r2 = _tiny_run(3, deterministic=True)
    assert torch.equal(before, torch.random.get_rng_state()), "global RNG state must be restored"
    assert r1.ok and r2.ok, (r1.reason, r2.reason)
    assert len(r1.epochs) == 1
    e1, e2 = r1.epochs[0], r2.epochs[0]
    assert e1.train_loss == e2.train_loss
    assert (e1.train_acc, e1.valid_acc, e1.test_acc) == (e2.train_acc, e2.valid_acc, e2.test_acc)
    assert e1.seconds > 0 and e1.valid_acc is not None and e1.test_acc is not None
    assert not torch.are_deterministic_algorithms_enabled()
    r3 = _tiny_run(4, deterministic=True)
    assert r3.epochs[0].train_loss != e1.train_loss  # the seed matters


def test_nan_loss_is_a_failed_result():
    data = synthetic_images(64, 4, seed=0, image_size=8, n_valid=0, n_test=0)
    model = build_from_ops(parse_arch_str(BEST), num_classes=4, C=4, N=1)
    model.classifier.register_forward_hook(lambda m, i, o: o * float("nan"))
    r = train(model, data, NB201_RECIPE.with_(epochs=2, batch_size=32), device="cpu", seed=0)
    assert not r.ok and "non-finite" in r.reason


def test_huge_lr_diverges_to_failed_result():
    data = synthetic_images(128, 4, seed=0, image_size=8, n_valid=0, n_test=0)
    model = build_from_ops(parse_arch_str(BEST), num_classes=4, C=4, N=1)
    r = train(model, data, NB201_RECIPE.with_(epochs=3, batch_size=16, lr=1e20), device="cpu", seed=0)
    assert not r.ok and "non-finite" in r.reason


def test_cuda_without_gpu_is_a_typed_error():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    data = synthetic_images(8, 2, seed=0, image_size=8)
    with pytest.raises(NasbenchError, match="no CUDA"):
        train(build_from_ops(parse_arch_str(BEST), num_classes=2, C=4, N=1), data,
              NB201_RECIPE.with_(epochs=1), device="cuda")


def test_missing_cifar10_is_typed_error(tmp_path):
    with pytest.raises(MissingSourceError, match="cifar-10-batches-py"):
        load_cifar10(tmp_path)


def test_cifar10_pickle_layout(tmp_path):
    import pickle

    import numpy as np

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        d = {"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), "labels": list(range(4))}
        (folder / name).write_bytes(pickle.dumps(d))
    data = load_cifar10(tmp_path, valid_size=5)
    assert data.x_train.shape == (15, 3, 32, 32) and data.x_valid.shape == (5, 3, 32, 32)
    assert data.x_test.shape == (4, 3, 32, 32) and data.num_classes == 10
