"""The batched engine: many seeds of one configuration, the seeds a batch dimension.

``run_batched(specs)`` takes the :class:`~strategies.runner.RunSpec` of one configuration
(they differ only in ``seed``) and returns, in the same order, the trajectories that
:func:`strategies.runner.run_one` returns for each: every column equal, the same ``stopped``,
and the same protocol plus ``"engine": "batched"``. Each seed keeps its own streams, spawned as
``run_one`` spawns them (``SeedSequence(seed).spawn(2)``: strategy, noise).

It takes single-objective, single-fidelity searches with one worker, no hardware constraint,
by a strategy with a batched twin (:mod:`strategies.batched.registry`); ``is_batchable`` says
whether a spec qualifies and :func:`why_not_batchable` why not.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

import nasbench
import strategies.loop as loop_module
from nasbench.errors import NasbenchError
from strategies.base import TrialState
from strategies.batched.base import BatchedStrategy, NotBatchableError
from strategies.batched.evaluation import BatchedEvaluation
from strategies.batched.registry import BUILTIN, batched_class, batched_path
from strategies.loop import TRAJECTORY_COLUMNS, Budget, Trajectory
from strategies.registry import get_spec, make_strategy, strategy_class

#: what the engine takes, for messages
SUPPORTED = (f"one worker, no constraint, no objectives, single-fidelity strategies with a batched twin "
             f"(built in: {', '.join(BUILTIN)}; a custom strategy opts in with a `batched` class attribute, "
             f"docs/custom-strategy.md)")


def why_not_batchable(spec) -> list[str]:
    """The reasons the batched engine does not take ``spec`` (empty when it does).

    Parameters
    ----------
    spec
        A :class:`~strategies.runner.RunSpec`.

    Returns
    -------
    list of str
        One sentence per reason.
    """
    reasons = []
    if spec.workers != 1:
        reasons.append(f"workers={spec.workers} (the engine simulates one worker per seed)")
    if spec.constraint:
        reasons.append(f"constraint '{spec.constraint}'")
    if spec.objectives:
        reasons.append(f"objectives {tuple(spec.objectives)}")
    try:
        info = get_spec(spec.strategy)
        cls = strategy_class(spec.strategy)
    except NasbenchError as exc:
        reasons.append(str(exc))
        return reasons
    if info.objectives == "multi":
        reasons.append(f"strategy '{spec.strategy}' is multi-objective")
    elif cls.needs_fidelities:
        reasons.append(f"strategy '{spec.strategy}' is multi-fidelity")
    elif batched_path(spec.strategy, cls) is None:
        reasons.append(f"strategy '{spec.strategy}' ({cls.__module__}.{cls.__qualname__}) has no batched twin")
    return reasons


def is_batchable(spec) -> bool:
    """Whether :func:`run_batched` takes ``spec``.

    Parameters
    ----------
    spec
        A :class:`~strategies.runner.RunSpec`.

    Returns
    -------
    bool
        True for one worker, no constraint, no objectives and a single-fidelity strategy with a
        batched twin; :func:`why_not_batchable` says why not otherwise.
    """
    return not why_not_batchable(spec)


def _check(specs: Sequence) -> None:
    if not specs:
        raise NotBatchableError("run_batched needs at least one RunSpec")
    first = specs[0]
    for spec in specs:
        reasons = why_not_batchable(spec)
        if reasons:
            raise NotBatchableError(
                f"the batched engine cannot run {spec.strategy} on {spec.benchmark} (seed {spec.seed}): "
                f"{'; '.join(reasons)}. It takes {SUPPORTED}; run such specs with strategies.runner.run_one")
        if spec.config_key() != first.config_key() or spec.hyperparameters != first.hyperparameters:
            raise NotBatchableError(
                f"run_batched takes the specs of one configuration (differing only in seed); seed {spec.seed} "
                f"has configuration {spec.config_key()}, seed {first.seed} {first.config_key()}")


#: seeds run together at most (memory: a few per-seed arrays of the space's size, e.g. local
#: search's told values, 8 bytes x 26,206 NB-Graph architectures per seed)
MAX_BATCH = 512


def run_batched(specs: Sequence, max_batch: int = MAX_BATCH) -> list[Trajectory]:
    """Run every spec of one configuration at once; their trajectories, in order.

    Parameters
    ----------
    specs
        :class:`~strategies.runner.RunSpec` objects equal but for ``seed`` (seeds may repeat).
    max_batch
        Seeds run together at most; more run in consecutive batches of this size (seeds are
        independent: the results do not depend on it).

    Returns
    -------
    list of Trajectory
        ``run_one(spec)`` of each spec, column for column, with ``"engine": "batched"`` added
        to the protocol.

    Raises
    ------
    NotBatchableError
        A spec the engine does not take (the message lists what it takes), or specs of more
        than one configuration.
    """
    specs = list(specs)
    _check(specs)
    if len(specs) > max_batch:
        return [t for lo in range(0, len(specs), max_batch) for t in _run(specs[lo : lo + max_batch])]
    return _run(specs)


def _run(specs: list) -> list[Trajectory]:
    """:func:`run_batched` of one batch of checked specs."""
    first = specs[0]
    bench = nasbench.load(first.benchmark)
    budget = Budget.parse(first.budget)
    streams = [np.random.SeedSequence(s.seed).spawn(2) for s in specs]
    strategy_gens = [np.random.default_rng(a) for a, _ in streams]
    noise_gens = [np.random.default_rng(b) for _, b in streams]
    # the per-run strategy, built once: it validates the hyperparameters and says what a result records
    template = make_strategy(first.strategy, bench.space, rng=np.random.default_rng(0), **first.hyperparameters)
    cls = batched_class(batched_path(first.strategy, type(template)))
    strategy: BatchedStrategy = cls(bench.space, strategy_gens, **template.hyperparameters)
    evaluation = BatchedEvaluation(bench, noise_gens, signal=first.signal, noise=first.noise,
                                   allow_test_signal=first.allow_test_signal)
    columns, told, stopped = _simulate(strategy, evaluation, budget, len(specs))
    protocol = {**evaluation.template.describe(), "budget": str(budget), "workers": 1}
    hyper, details = template.hyperparameters, template.details
    report = {"report_valid": evaluation.reporter.valid_metric + "@final",
              "report_test": evaluation.reporter.test_metric + "@final"}
    out = []
    for i, spec in enumerate(specs):
        n_completed = int(np.count_nonzero(~np.isnan(columns[i]["value"])))
        states = {s.value: 0 for s in TrialState}
        states[TrialState.COMPLETED.value] = n_completed
        states[TrialState.FAILED.value] = int(told[i]) - n_completed
        proto = {**protocol, "strategy": template.name, "hyperparameters": dict(hyper),
                 "strategy_details": dict(details), "invalid_draws": int(strategy.invalid_draws[i]),
                 "trial_states": states, **report, "seed": spec.seed, "config_key": spec.config_key(),
                 "engine": "batched"}
        out.append(Trajectory(columns[i], proto, stopped[i]))
    return out


def _simulate(strategy: BatchedStrategy, evaluation: BatchedEvaluation, budget: Budget, n: int):
    """One worker per seed: ask, evaluate, tell (a time budget discards a trial ending after it)."""
    limit = budget.amount
    by_queries = budget.is_queries
    now = np.zeros(n)
    done = np.zeros(n, dtype=np.int64)
    best_value = np.full(n, -math.inf)
    best_arch = np.full(n, -1, dtype=np.int64)
    stopped = ["budget"] * n
    active = np.arange(n)
    steps: list[tuple] = []
    while len(active):
        archs = strategy.propose(active)
        out = archs < 0
        if out.any():
            for s in active[out].tolist():
                stopped[s] = "exhausted"
            active, archs = active[~out], archs[~out]
            if not len(active):
                break
        values, costs = evaluation.evaluate(active, archs)
        finish = now[active] + costs
        if not by_queries:
            late = finish > limit
            if late.any():  # ends after the budget: discarded, never told
                keep = ~late
                active, archs, values, costs, finish = active[keep], archs[keep], values[keep], costs[keep], finish[keep]
        now[active] = finish
        done[active] += 1
        strategy.observe(active, archs, values)
        better = values > best_value[active]  # False for NaN: a failed trial never leads
        if better.any():
            rows = active[better]
            best_value[rows] = values[better]
            best_arch[rows] = archs[better]
        inc = best_arch[active]
        steps.append((active, finish, done[active], archs, values, costs, inc,
                      np.where(inc >= 0, best_value[active], np.nan)))
        if by_queries:
            nxt = done[active] < limit
        else:  # the loop's trial cap of time budgets (strategies.loop.MAX_QUERIES)
            nxt = now[active] < limit
            capped = nxt & (done[active] >= loop_module.MAX_QUERIES)
            for s in active[capped].tolist():
                stopped[s] = "trial cap"
            nxt &= ~capped
        active = active[nxt]
    return _columns(steps, evaluation, n), done, stopped


def _columns(steps: list[tuple], evaluation: BatchedEvaluation, n: int) -> list[dict]:
    """Per seed, the trajectory columns of :data:`strategies.loop.TRAJECTORY_COLUMNS`."""
    if steps:
        cat = [np.concatenate(parts) for parts in zip(*steps)]
    else:
        cat = [np.empty(0, dtype=np.int64)] + [np.empty(0)] * 7
    seed, time, queries, arch, value, cost, inc, inc_signal = cat
    order = np.argsort(seed, kind="stable")  # per seed, in step order
    seed = seed[order]
    inc = inc[order].astype(np.int64)
    inc_valid, inc_test = evaluation.final(inc)
    full = {
        "time": time[order].astype(np.float64), "queries": queries[order].astype(np.int64),
        "arch": arch[order].astype(np.int64), "fidelity": np.full(len(order), evaluation.fidelity),
        "value": value[order].astype(np.float64), "cost": cost[order].astype(np.float64),
        "incumbent": inc, "incumbent_signal": inc_signal[order].astype(np.float64),
        "incumbent_valid": inc_valid, "incumbent_test": inc_test,
        "valid_regret": evaluation.reporter.best_valid - inc_valid,
        "test_regret": evaluation.reporter.best_test - inc_test,
    }
    bounds = np.searchsorted(seed, np.arange(n + 1))
    return [{k: full[k][bounds[i]:bounds[i + 1]].copy() for k in TRAJECTORY_COLUMNS} for i in range(n)]
