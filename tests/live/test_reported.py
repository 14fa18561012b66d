"""The rule that reads a benchmark's numbers off a learning curve (nasbench.live.reported)."""
from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from nasbench.errors import UnknownNameError
from nasbench.live.reported import RULES, reported


def curve(valid_acc, test_acc, valid_loss):
    return [SimpleNamespace(epoch=i + 1, valid_acc=v, test_acc=t, valid_loss=l)
            for i, (v, t, l) in enumerate(zip(valid_acc, test_acc, valid_loss))]


EPOCHS = curve(valid_acc=[50.0, 70.0, 80.0, 80.0, 75.0],
               test_acc=[48.0, 69.0, 78.0, 79.0, 74.0],
               valid_loss=[1.5, 0.9, 0.9, 1.1, 1.3])


def test_nbgraph_valid_is_best_accuracy_and_test_is_at_first_min_valid_loss():
    r = reported(EPOCHS, "nbgraph")
    assert r.valid_acc == 80.0
    # loss 0.9 first at epoch 2 (strict '<' as the official loop: a tie does not move it)
    assert (r.test_acc, r.epoch) == (69.0, 2)


def test_nbgraph_up_to_reads_only_earlier_epochs():
    r = reported(EPOCHS, "nbgraph", up_to=1)
    assert (r.valid_acc, r.test_acc, r.epoch) == (50.0, 48.0, 1)


def test_nbgraph_skips_non_finite_losses_as_the_official_loop():
    eps = curve([50.0, 10.0], [48.0, 9.0], [1.0, math.nan])
    assert reported(eps, "nbgraph").test_acc == 48.0


def test_final_rule_needs_the_last_epoch():
    r = reported(EPOCHS, "final", up_to=5)
    assert (r.valid_acc, r.test_acc, r.epoch) == (75.0, 74.0, 5)
    assert reported(EPOCHS[:3], "final", up_to=5).test_acc is None  # run stopped early


def test_unknown_rule_is_typed_and_lists_the_rules():
    with pytest.raises(UnknownNameError) as err:
        reported(EPOCHS, "best")
    for rule in RULES:
        assert rule in str(err.value)
