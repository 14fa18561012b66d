"""Evaluator: validation-only signal, noise models, simulated cost, promotions; Reporter."""
from __future__ import annotations

import numpy as np
import pytest

import nasbench
from nasbench.errors import NasbenchError, TestSplitAccessError
from nasbench.evaluator import Evaluator, Reporter, Signal
from tests.toy import toy_benchmark


def rng(seed=0):
    return np.random.default_rng(seed)


def test_test_metric_cannot_be_a_signal(tmp_path):
    bench = toy_benchmark(tmp_path)
    with pytest.raises(TestSplitAccessError, match="test-split metric"):
        Evaluator(bench, rng=rng(), signal="test_acc")


def test_signal_parsing_and_errors():
    assert Signal.parse("valid_acc@12") == Signal("valid_acc", 12.0)
    assert str(Signal.parse("valid_acc@200")) == "valid_acc@200"
    with pytest.raises(NasbenchError, match="EPOCHS"):
        Signal.parse("valid_acc@twelve")


def test_per_trial_replicate_is_kept_across_fidelities(tmp_path):
    bench = toy_benchmark(tmp_path)
    ev = Evaluator(bench, rng=rng(), noise="per-trial")
    values = bench.table.array("valid_acc")
    seen = set()
    for trial in range(40):
        low = ev.evaluate(7, fidelity=1, trial_id=trial)
        high = ev.evaluate(7, fidelity=10, trial_id=trial)
        assert low.replicate == high.replicate
        assert low.value == pytest.approx(values[7, low.replicate, 0])
        assert high.value == pytest.approx(values[7, high.replicate, 1])
        seen.add(low.replicate)
    assert seen == {0, 1}  # both seeds get drawn


def test_per_trial_never_answers_nan_when_a_seed_was_measured():
    bench = nasbench.load("nbgraph/cora")  # loads fast; nb201 below when present
    ev = Evaluator(bench, rng=rng(), noise="per-trial")
    assert not np.isnan(ev.evaluate(5, trial_id=0).value)


def test_per_trial_on_nb201_missing_third_seed():
    bench = nasbench.load("nb201/cifar10")
    arr = bench.table.array("valid_acc")
    two_seed_arch = int(np.flatnonzero(np.isnan(arr[:, 2, 1]))[0])
    ev = Evaluator(bench, rng=rng(), signal="valid_acc@200", noise="per-trial")
    reps = {ev.evaluate(two_seed_arch, trial_id=t).replicate for t in range(50)}
    assert reps == {0, 1}


def test_mean_and_fixed_noise(tmp_path):
    bench = toy_benchmark(tmp_path)
    mean = Evaluator(bench, rng=rng(), noise="mean")
    assert mean.evaluate(3).value == pytest.approx(float(bench.table.vector("valid_acc")[3]))
    fixed = Evaluator(bench, rng=rng(), noise="fixed:1")
    assert fixed.evaluate(3).value == pytest.approx(float(bench.table.array("valid_acc")[3, 1, 1]))
    with pytest.raises(NasbenchError, match="replicates 0 .. 1"):
        Evaluator(bench, rng=rng(), noise="fixed:2")
    with pytest.raises(NasbenchError, match="per-trial"):
        Evaluator(bench, rng=rng(), noise="median")


def test_cost_promotion_charges_only_the_extra_epochs(tmp_path):
    bench = toy_benchmark(tmp_path)
    ev = Evaluator(bench, rng=rng(), eval_time=0.5)
    assert ev.evaluate(1, fidelity=1, trial_id=0).cost == pytest.approx(1.5)
    assert ev.evaluate(1, fidelity=10, trial_id=0).cost == pytest.approx(9.5)  # 10 - 1 + eval
    assert ev.evaluate(1, fidelity=10, trial_id=1).cost == pytest.approx(10.5)  # fresh trial
    assert ev.n_queries == 3 and ev.total_cost == pytest.approx(21.5)
    assert [h[0] for h in ev.history] == [1, 1, 1]


def test_nb201_12_epoch_cost_is_scaled_per_epoch():
    bench = nasbench.load("nb201/cifar10")
    ev = Evaluator(bench, rng=rng())
    assert ev.signal == Signal("valid_acc", 12.0)
    t200 = bench.query(9930, "train_time", 200)
    assert ev.cost(9930) == pytest.approx(t200 * 12 / 200, rel=1e-5)
    assert "scaled linearly per epoch" in ev.describe()["cost_model"]


def test_table_without_train_time_charges_a_declared_constant():
    ev = Evaluator(nasbench.load("nbgraph/cora"), rng=rng(), default_cost=2.0)
    assert ev.evaluate(0).cost == 2.0
    assert "constant 2 s per query" in ev.describe()["cost_model"]


def test_reporter_reads_final_values_after_the_fact(tmp_path):
    bench = toy_benchmark(tmp_path)
    rep = Reporter(bench)
    valid, test = rep.final(19)
    assert valid == pytest.approx(float(bench.table.vector("valid_acc")[19]))
    assert test == pytest.approx(float(bench.table.vector("test_acc")[19]))
    assert rep.best_valid == pytest.approx(float(np.nanmax(bench.table.vector("valid_acc"))))


def test_independent_ladder_charges_a_promotion_in_full_and_draws_a_new_run(tmp_path):
    """Fidelities that are separate runs (NB201's 12 vs 200 epochs) cannot be continued."""
    bench = toy_benchmark(tmp_path, ladder="independent")
    ev = Evaluator(bench, rng=rng(), eval_time=0.5)
    assert ev.evaluate(1, fidelity=1, trial_id=0).cost == pytest.approx(1.5)
    assert ev.evaluate(1, fidelity=10, trial_id=0).cost == pytest.approx(10.5)  # not 9.5: a new run
    assert ev.describe()["fidelity_ladder"] == "independent"
    assert "charged in full" in ev.describe()["cost_model"]
    same = []
    for trial in range(200):
        low = ev.evaluate(3, fidelity=1, trial_id=100 + trial).replicate
        high = ev.evaluate(3, fidelity=10, trial_id=100 + trial).replicate
        same.append(low == high)
    assert 0.3 < np.mean(same) < 0.7  # two replicates drawn independently: equal about half the time


def test_continuable_ladder_keeps_the_trials_replicate(tmp_path):
    ev = Evaluator(toy_benchmark(tmp_path), rng=rng())
    for trial in range(50):
        assert ev.evaluate(3, fidelity=1, trial_id=trial).replicate == ev.evaluate(3, fidelity=10, trial_id=trial).replicate
    assert ev.describe()["fidelity_ladder"] == "continuable"


def test_nb201_declares_independent_runs_and_charges_the_full_200_epochs():
    bench = nasbench.load("nb201/cifar10")
    assert bench.table.fidelity_ladder == "independent"
    ev = Evaluator(bench, rng=rng())
    arch = 9930
    first = ev.evaluate(arch, fidelity=12, trial_id=0).cost
    promoted = ev.evaluate(arch, fidelity=200, trial_id=0).cost
    t200 = bench.query(arch, "train_time", 200)
    assert first == pytest.approx(t200 * 12 / 200, rel=1e-5)
    assert promoted == pytest.approx(t200, rel=1e-5)  # the whole 200-epoch run, not 188 extra epochs


def test_a_signal_with_no_measured_value_fails_before_the_first_trial(tmp_path):
    from nasbench.errors import MissingSignalError

    bench = toy_benchmark(tmp_path, unmeasured_fidelity=0)
    with pytest.raises(MissingSignalError, match=r"'valid_acc@1' has no measured value.*valid_acc@10 \(20 archs\)"):
        Evaluator(bench, rng=rng(), signal="valid_acc@1")
    Evaluator(bench, rng=rng(), signal="valid_acc@10")  # the measured one is fine
    nb201 = nasbench.load("nb201/cifar10")  # 12 epochs: one run per arch, stored as replicate 0
    with pytest.raises(MissingSignalError, match=r"replicate 1, noise fixed:1"):
        Evaluator(nb201, rng=rng(), signal="valid_acc@12", noise="fixed:1")


@pytest.mark.parametrize("bad", [3.5, "abc", None, True, False, np.float64(2.0), [1], -1, 10**30])
def test_evaluate_refuses_anything_but_an_integer_id_with_a_typed_error(bad):
    from nasbench.errors import InvalidArchitectureError

    bench = nasbench.load("nb201/cifar10")
    ev = Evaluator(bench, rng=rng())
    with pytest.raises(InvalidArchitectureError, match="0 .. 15624|outside|integers"):
        ev.evaluate(bad)
    assert ev.n_queries == 0 and ev.history == []  # nothing charged


def test_evaluate_takes_python_and_numpy_integers_alike():
    bench = nasbench.load("nb201/cifar10")
    a, b = Evaluator(bench, rng=rng(), noise="mean"), Evaluator(bench, rng=rng(), noise="mean")
    expected = float(np.nanmean(bench.table.array("valid_acc")[7, :, bench.table.fidelity_index(12)]))
    assert a.evaluate(7).value == b.evaluate(np.int64(7)).value == pytest.approx(expected, rel=1e-6)
