"""The ask/tell contract of strategies/base.py: trial states, refused tells, promotions, what the
loop tells, one source of hyperparameters, the shared validation helpers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from nasbench.evaluator import ConstrainedEvaluator
from strategies import Trial, TrialContractError, TrialState, make_strategy, run_search
from strategies.base import Strategy, StrategyError
from strategies.multifidelity import SuccessiveHalving
from strategies.registry import get_spec, strategy_names
from strategies.validation import check_bool, check_choice, check_int, check_number
from tests.toy import ToySpace, toy_benchmark


def rs(seed: int = 0):
    return make_strategy("rs", ToySpace(), rng=np.random.default_rng(seed))


# ----- states ---------------------------------------------------------------------------------
def test_states_and_what_the_incumbent_learns():
    s = rs()
    a, b, c, d, e = (s.ask() for _ in range(5))
    s.tell(a, 50.0)
    s.tell(b, math.nan)  # NaN: failed
    s.tell(c, state=TrialState.INFEASIBLE)
    s.tell(d, state="pruned")
    s.tell(e)  # no value: failed
    assert [s.trial_states[t.trial_id] for t in (a, b, c, d, e)] == [
        TrialState.COMPLETED, TrialState.FAILED, TrialState.INFEASIBLE, TrialState.PRUNED, TrialState.FAILED]
    assert s.recommend() == a.arch and s.n_told == 5 and s.pending == []


@pytest.mark.parametrize("value, state, needle", [
    (math.nan, "completed", "needs a finite value"),
    (math.inf, None, "needs a finite value"),
    (70.0, "failed", "a failed trial carries no value"),
    (70.0, "infeasible", "an? infeasible trial carries no value|a infeasible"),
    (None, "crashed", "unknown trial state 'crashed'"),
    ("70", None, "must be a number"),
])
def test_a_value_that_fits_no_state_is_refused_and_changes_nothing(value, state, needle):
    s = rs()
    t = s.ask()
    with pytest.raises(StrategyError, match=needle):
        s.tell(t, value, state=state)
    assert s.pending == [t] and s.n_told == 0  # still outstanding: it can be told properly
    s.tell(t, 1.0)


# ----- refused tells --------------------------------------------------------------------------
def test_refused_tells_state_the_rule_echo_the_trial_and_change_nothing():
    s = rs()
    t = s.ask()
    s.tell(t, 10.0)
    with pytest.raises(TrialContractError, match=r"told Trial\(arch=\d+, fidelity=None, trial_id=0\) twice; "
                                                 r"tell each ask exactly once"):
        s.tell(t, 99.0)
    ghost = Trial(3, None, 41)
    with pytest.raises(TrialContractError, match=r"Trial\(arch=3, fidelity=None, trial_id=41\), which it never "
                                                 r"asked; tell only trials returned by ask\(\)"):
        s.tell(ghost, 99.0)
    u = s.ask()
    with pytest.raises(TrialContractError, match=rf"but it asked Trial\(arch={u.arch}"):
        s.tell(Trial((u.arch + 1) % 20, None, u.trial_id), 99.0)
    with pytest.raises(TrialContractError, match="expects the Trial"):
        s.tell((u.arch, None, u.trial_id), 99.0)
    assert s.recommend() == t.arch and s.n_told == 1
    assert isinstance(TrialContractError("x"), StrategyError)


# ----- promotions -----------------------------------------------------------------------------
def test_a_promotion_is_a_new_ask_of_a_told_trial_at_a_higher_fidelity():
    sh = SuccessiveHalving(ToySpace(), rng=np.random.default_rng(0), fidelities=(1.0, 10.0), num_configs=3)
    first = [sh.ask() for _ in range(3)]
    for i, t in enumerate(first):
        sh.tell(t, float(i))
    p = sh.ask()
    assert p.trial_id == first[2].trial_id and p.fidelity == 10.0 and p.arch == first[2].arch
    with pytest.raises(TrialContractError, match=r"fidelity=1.0, trial_id=2\), but it asked .*fidelity=10.0"):
        sh.tell(first[2], 5.0)  # the 1-epoch result was told; only the promotion's ask is open
    sh.tell(p, 7.0)
    with pytest.raises(TrialContractError, match="twice"):
        sh.tell(p, 7.0)


class _Repeats(Strategy):
    """Asks for trial 0 again: while it is running, or at the same fidelity once told."""

    name = "toy-repeats"

    def _propose(self):
        if self._next_trial_id == 0:
            return 1
        return Trial(1, 12.0 if self.n_told else None, 0)


def test_asking_a_trial_id_again_is_only_a_promotion():
    s = _Repeats(ToySpace(), rng=np.random.default_rng(0))
    t = s.ask()
    with pytest.raises(TrialContractError, match="while its earlier ask .* is not told"):
        s.ask()
    s.tell(t, 1.0)
    with pytest.raises(TrialContractError, match="promotion: same architecture, strictly higher fidelity"):
        s.ask()  # fidelity None -> 12.0 is no promotion: None is not a rung below 12


class _BadProposal(Strategy):
    name = "toy-bad-proposal"

    def __init__(self, space, *, rng, proposal=0.5):
        super().__init__(space, rng=rng)
        self.proposal = proposal

    def _propose(self):
        return self.proposal


@pytest.mark.parametrize("proposal, needle", [(0.5, "is an integer architecture id"), (20, "not an architecture"),
                                              (-1, "not an architecture")])
def test_a_proposal_outside_the_space_is_refused(proposal, needle):
    with pytest.raises(TrialContractError, match=needle):
        _BadProposal(ToySpace(), rng=np.random.default_rng(0), proposal=proposal).ask()


# ----- what the loop tells --------------------------------------------------------------------
def test_the_loop_tells_infeasible_and_failed_apart(tmp_path):
    bench = toy_benchmark(tmp_path, nan_archs=(0, 1))
    lat = bench.table.vector("latency")
    limit = float(np.median(lat))
    s = make_strategy("rs", bench.space, rng=np.random.default_rng(0))
    ev = ConstrainedEvaluator(bench, rng=np.random.default_rng(1), constraint_metric="latency", limit=limit)
    traj = run_search(s, ev, "20q")
    by_arch = {s._told[tid].arch: state for tid, state in s.trial_states.items()}
    for arch, state in by_arch.items():
        if lat[arch] > limit:
            assert state is TrialState.INFEASIBLE
        elif arch in (0, 1):
            assert state is TrialState.FAILED
        else:
            assert state is TrialState.COMPLETED
    counts = traj.protocol["trial_states"]
    assert sum(counts.values()) == 20 and counts["infeasible"] > 0 and counts["failed"] > 0
    assert traj.protocol["invalid_draws"] == 0 and traj.protocol["strategy_details"] == {}


# ----- one source of hyperparameters ------------------------------------------------------------
@pytest.mark.parametrize("name", strategy_names())
def test_registry_defaults_are_the_signature(name):
    cls = get_spec(name).factory_class()
    assert get_spec(name).defaults == cls.hyperparameter_defaults()


def test_make_strategy_overrides_reach_the_record():
    s = make_strategy("re", ToySpace(), rng=np.random.default_rng(0), population_size=5)
    assert s.hyperparameters == {"population_size": 5, "sample_size": 3}


def test_a_strategy_must_store_its_hyperparameters_under_their_names():
    class Forgets(Strategy):
        name = "toy-forgets"

        def __init__(self, space, *, rng, width: int = 3):
            super().__init__(space, rng=rng)
            self._width = width

        def _propose(self):
            return 0

    with pytest.raises(StrategyError, match=r"does not store its hyperparameter 'width' as self.width"):
        _ = Forgets(ToySpace(), rng=np.random.default_rng(0)).hyperparameters


# ----- shared validation helpers ----------------------------------------------------------------
def test_validation_helpers_state_the_rule_and_the_value():
    assert check_int("s", "n", np.int64(3), 1) == 3 and check_int("s", "n", None, 1, allow_none=True) is None
    with pytest.raises(StrategyError, match=r"s: n must be an integer in 1 \.\. 5 \(why\), got True"):
        check_int("s", "n", True, 1, 5, " (why)")
    assert check_number("s", "x", 1, low=0, low_open=True) == 1.0
    with pytest.raises(StrategyError, match=r"s: x must be a number in \[0, 1\), got 1.0"):
        check_number("s", "x", 1.0, low=0, high=1, high_open=True)
    with pytest.raises(StrategyError, match=r"must be a finite number > 0 or None, got nan"):
        check_number("s", "x", float("nan"), low=0, low_open=True, allow_none=True)
    assert check_bool("s", "b", np.bool_(True)) is True
    with pytest.raises(StrategyError, match="must be true or false, got 1"):
        check_bool("s", "b", 1)
    with pytest.raises(StrategyError, match="must be 'a' or 'b', got 'c'"):
        check_choice("s", "o", "c", ("a", "b"))
