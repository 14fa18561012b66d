"""The batched engine against the per-run loop, seed by seed (strategies/batched/).

The reference is always the independent per-run implementation (strategies.runner.run_one and
the per-run strategy classes); nothing here compares the engine with itself.

- numpy's streams: SeedStreams reproduces Generator.random / integers / permutation value for
  value, stream consumption included (interleaved calls, refills, a real call in between);
- the equality suite (strategies.conformance.check_batched_matches): rs, grid, re, ls, reinforce
  and rl-controller on nb201/cifar10, nbgraph/cora, nbgraph/proteins, nbmacro/cifar10, the
  nb301 surrogate, a user subset table and the nb101 subset table, with a query budget and a time budget, seeds
  0, 7, 123456: every trajectory column, ``stopped`` and the protocol (plus its engine field);
- noise models and signals other than the defaults;
- rl-controller's training step (batched matrix products and Adam, where the per-run code runs
  torch.nn.LSTM and the fused Adam): identical proposals, weights within 2e-5;
- what the engine refuses, and a custom strategy opting in.
"""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from strategies import conformance
from strategies.batched import NotBatchableError, is_batchable, run_batched, why_not_batchable
from strategies.batched.streams import SeedStreams
from strategies.random_search import RandomSearch
from strategies.runner import RunSpec, run_one

from .conftest import SUBSET

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_ORT = importlib.util.find_spec("onnxruntime") is not None

STRATEGIES = ("rs", "grid", "re", "ls", "reinforce", "rl-controller")
#: a time budget of about 40 trials on each benchmark (nb201 ~120 s per trial at 12 epochs,
#: nb101 ~110 s, NB301 ~4,800 s, tables without train_time 1 s per query)
BENCHES = {
    "nb201/cifar10": "5000s",
    "nbgraph/cora": "45s",
    "nbgraph/proteins": "45s",
    "nbmacro/cifar10": "45s",
    "nb301/cifar10": "200000s",
    SUBSET: "45s",
    "nb101/cifar10": "4500s",  # (beyond the list: the conformance suite's NB101 subset table)
}
SEEDS = (0, 7, 123456)


# ----- numpy's streams ----------------------------------------------------------------------------
def test_streams_reproduce_numpy_draws():
    n = 12
    streams = SeedStreams([np.random.default_rng(s) for s in range(n)], chunk=7)  # tiny chunk: many refills
    ref = [np.random.default_rng(s) for s in range(n)]
    rows = np.arange(n)
    plan = np.random.default_rng(99)
    for _ in range(300):
        op = int(plan.integers(6))
        if op == 0:
            got, want = streams.random(rows), [r.random() for r in ref]
        elif op == 1:
            k = plan.integers(1, 40_000, size=n)
            got, want = streams.integers(rows, k), [r.integers(int(x)) for r, x in zip(ref, k)]
        elif op == 2:
            k = plan.integers(0, 30, size=n)
            got = np.concatenate(streams.permutation(rows, k))
            want = np.concatenate([r.permutation(int(x)) for r, x in zip(ref, k)])
        elif op == 3:
            got, want = streams.random_block(rows, 7), [r.random(7) for r in ref]
        elif op == 4:
            got, want = streams.integers(rows, 10**18), [r.integers(10**18) for r in ref]
        else:
            s = int(plan.integers(n))
            got, want = streams.call(s, lambda g: g.standard_normal(3)), ref[s].standard_normal(3)
        np.testing.assert_array_equal(got, np.asarray(want))


def test_neighbour_table_is_the_space_neighbours(load_bench):
    from strategies.batched.spaceops import Neighbourhoods

    for name in ("nbgraph/cora", "nbgraph/proteins"):
        space = load_bench(name).space
        moves = Neighbourhoods(space)
        for arch in np.random.default_rng(0).integers(space.size, size=300).tolist():
            np.testing.assert_array_equal(moves.neighbors_of(arch), space.neighbors(arch))


def test_mean_noise_answers_are_the_evaluators(load_bench):
    from strategies.batched.evaluation import BatchedEvaluation

    bench = load_bench("nb201/cifar10")  # replicates, some missing
    ev = BatchedEvaluation(bench, [np.random.default_rng(0)], noise="mean")
    pick = ev.template._pick
    ref = np.array([pick(r, None)[0] for r in ev._values])
    np.testing.assert_array_equal(ev._fixed_values, ref)


# ----- the equality suite -------------------------------------------------------------------------
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("bench_name", list(BENCHES))
def test_batched_equals_loop(load_bench, bench_name, strategy):
    if strategy == "rl-controller" and not HAS_TORCH:
        pytest.skip("rl-controller needs torch")
    if bench_name.startswith("nb301") and not HAS_ORT:
        pytest.skip("the nb301 surrogate needs onnxruntime (the nb301 extra)")
    bench = load_bench(bench_name)
    for budget in ("50q", BENCHES[bench_name]):
        conformance.check_batched_matches(strategy, bench, budget, SEEDS)


@pytest.mark.parametrize("noise,signal", [("mean", None), ("fixed:0", None), ("per-trial", "valid_acc@200"),
                                          ("fixed:2", "valid_acc@200")])
def test_noise_models_and_signals(noise, signal):
    """nb201's 200-epoch signal has 2 or 3 measured replicates (per-trial picks among them);
    its replicate 2 is missing for about half the cells: ``fixed:2`` fails those trials."""
    for strategy in ("rs", "re", "ls", "reinforce", *(("rl-controller",) if HAS_TORCH else ())):
        specs = [RunSpec("nb201/cifar10", strategy, s, "60q", noise=noise, signal=signal) for s in SEEDS]
        for ref, got in zip((run_one(s) for s in specs), run_batched(specs)):
            assert ref.equals(got) and ref.stopped == got.stopped
            assert ref.protocol == {k: v for k, v in got.protocol.items() if k != "engine"}


def test_hyperparameters_and_repeated_seeds():
    specs = [RunSpec("nbgraph/cora", "re", s, "80q", hyperparameters={"population_size": 5, "sample_size": 5})
             for s in (3, 3, 11)]
    out = run_batched(specs)
    for spec, got in zip(specs, out):
        assert run_one(spec).equals(got)
    assert out[0].equals(out[1])
    assert all(a.equals(b) for a, b in zip(out, run_batched(specs, max_batch=2)))  # batches of 2, 1
    grid = [RunSpec("nbmacro/cifar10", "grid", s, "30q", hyperparameters={"order": "shuffled"}) for s in SEEDS]
    for spec, got in zip(grid, run_batched(grid)):
        assert run_one(spec).equals(got)


@pytest.mark.skipif(not HAS_TORCH, reason="rl-controller needs torch")
def test_rl_controller_training_within_tolerance(load_bench):
    """Same proposals step by step; after 20 Adam steps the weights of every seed agree with the
    per-run controller's within 2e-5 (float32 rounding: oneDNN's LSTM and the fused Adam against
    batched matrix products), and the baselines within 1e-9 relative."""
    from nasbench.evaluator import Evaluator
    from strategies.batched.rl_controller import BatchedRLController
    from strategies.rl_controller import RLController

    bench = load_bench("nbgraph/cora")
    gens = lambda: [np.random.default_rng(np.random.SeedSequence(s).spawn(2)[0]) for s in SEEDS]  # noqa: E731
    per = [RLController(bench.space, rng=g) for g in gens()]
    batched = BatchedRLController(bench.space, gens())
    ev = Evaluator(bench, rng=np.random.default_rng(0))
    rows = np.arange(len(SEEDS))
    for _ in range(200):
        trials = [p.ask() for p in per]
        archs = batched.propose(rows)
        assert archs.tolist() == [t.arch for t in trials]
        values = np.array([ev.evaluate(t.arch).value for t in trials])
        for p, t, v in zip(per, trials, values):
            p.tell(t, v)
        batched.observe(rows, archs, values)
    assert batched.n_updates.tolist() == [p.n_updates for p in per] == [20] * len(SEEDS)
    for i, p in enumerate(per):
        for mine, theirs in zip(batched.params, p._params):
            np.testing.assert_allclose(mine.detach()[i].numpy(), theirs.detach().numpy(), rtol=0, atol=2e-5)
    np.testing.assert_allclose(batched.baseline, [p.baseline for p in per], rtol=1e-9)


# ----- what the engine takes ----------------------------------------------------------------------
class OptInRandomSearch(RandomSearch):
    """A user's strategy that opts into the batched engine (its rules are rs's)."""

    name = "opt-in-rs"
    batched = "strategies.batched.simple:BatchedRandomSearch"


class PlainRandomSearch(RandomSearch):
    """A user's strategy without a batched twin (a subclass does not inherit one)."""

    name = "plain-rs"


def test_what_is_batchable():
    for name in STRATEGIES:
        assert is_batchable(RunSpec("nbgraph/cora", name, 0, "10q"))
    refused = {
        "workers=2": RunSpec("nbgraph/cora", "re", 0, "10q", workers=2),
        "constraint": RunSpec("nbgraph/cora", "re", 0, "10q", constraint="latency<=1"),
        "objectives": RunSpec("nbgraph/cora", "mo-rs", 0, "10q", objectives=("latency:min",)),
        "multi-objective": RunSpec("nbgraph/cora", "nsga2", 0, "10q"),
        "multi-fidelity": RunSpec("nbgraph/cora", "hb", 0, "10q"),
        "no batched twin": RunSpec("nbgraph/cora", "bananas", 0, "10q"),
        "plain-rs": RunSpec("nbgraph/cora", f"{__name__}:PlainRandomSearch", 0, "10q"),
    }
    for what, spec in refused.items():
        assert not is_batchable(spec), what
        with pytest.raises(NotBatchableError, match="It takes one worker") as info:
            run_batched([spec])
        assert why_not_batchable(spec)[0] in str(info.value)
    with pytest.raises(NotBatchableError, match="one configuration"):
        run_batched([RunSpec("nbgraph/cora", "re", 0, "10q"), RunSpec("nbgraph/cora", "re", 1, "20q")])


def test_custom_strategy_opts_in():
    name = f"{__name__}:OptInRandomSearch"
    specs = [RunSpec("nbgraph/proteins", name, s, "30q") for s in SEEDS]
    assert all(is_batchable(s) for s in specs)
    for spec, got in zip(specs, run_batched(specs)):
        ref = run_one(spec)
        assert ref.equals(got) and got.protocol["strategy"] == "opt-in-rs" == ref.protocol["strategy"]


def test_time_budgets_stop_at_the_trial_cap_in_both_engines(monkeypatch):
    """A time budget on a table that charges a constant per query could start 10^8 trials; both
    engines stop at strategies.loop.MAX_QUERIES, identically, and say so (``stopped``)."""
    import strategies.loop as loop

    monkeypatch.setattr(loop, "MAX_QUERIES", 7)
    specs = [RunSpec("nbgraph/cora", "re", seed, "10000s") for seed in (0, 3)]
    for spec, traj in zip(specs, run_batched(specs)):
        ref = run_one(spec)
        assert len(ref) == 7 and ref.stopped == "trial cap"
        assert traj.stopped == ref.stopped and len(traj) == len(ref)
        np.testing.assert_array_equal(traj["incumbent"], ref["incumbent"])
