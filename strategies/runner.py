"""One search run from plain data: (benchmark, strategy, hyperparameters, seed, budget, protocol).

Randomness: ``np.random.SeedSequence(seed)`` spawns independent streams for the strategy and
for the evaluator's noise; nothing is seeded globally. The same spec gives the same
trajectory, bit for bit, in any process.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

import nasbench
from nasbench.errors import NasbenchError, one_of
from nasbench.evaluator import CONSTRAINT_MODES, ConstrainedEvaluator, Evaluator, Reporter
from strategies.base import StrategyError
from strategies.loop import Budget, Trajectory, run_search
from strategies.registry import canonical_name, get_spec, make_strategy, strategy_class, strategy_names


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines one search run (plain data: result files store it).

    Parameters
    ----------
    benchmark : str
        Benchmark name (:func:`nasbench.load`).
    strategy : str
        Strategy name; a paper alias or case variant is stored as the registered name.
    seed : int
        The run's one seed.
    budget : str
        ``"150q"`` or ``"12000s"``.
    hyperparameters : dict
        Overrides of the strategy's defaults.
    signal : str, optional
        ``"metric@epochs"``; None = the benchmark's default.
    noise : str, optional
        Noise model; None = the benchmark's default.
    workers : int
        Simulated parallel trainers.
    allow_test_signal : bool
        Reproduce a protocol that searched on a test metric (recorded as a leak).
    objectives : tuple of str, optional
        Multi-objective strategies: ``("latency_fpga:min", ...)`` after the signal.
    constraint : str, optional
        Single-objective strategies: ``"METRIC<=LIMIT[:MODE]"``.
    """

    benchmark: str
    strategy: str
    seed: int
    budget: str
    hyperparameters: dict = field(default_factory=dict)
    signal: str | None = None  # "metric@epochs"; None = the benchmark's default
    noise: str | None = None  # None = the benchmark's default
    workers: int = 1
    #: reproduce protocols that searched on a test metric (recorded as a leak); never a default
    allow_test_signal: bool = False
    #: multi-objective strategies only: ("latency_fpga:min", ...) after the signal (first objective,
    #: always maximised); None = ("latency:min",)
    objectives: tuple | None = None
    #: single-objective strategies only: a hardware budget "METRIC<=LIMIT[:MODE]", MODE one of
    #: reject (default), mnas-soft, mnas-hard (see nasbench.evaluator.ConstrainedEvaluator)
    constraint: str | None = None

    def __post_init__(self) -> None:
        # a paper alias ("rea") or case variant ("RS") is recorded as the registered name, so
        # runs of one strategy share one configuration key whatever it was called
        object.__setattr__(self, "strategy", canonical_name(self.strategy))

    def config_key(self) -> str:
        """Short hash of everything but the seed: runs of one configuration share it."""
        optional = ("allow_test_signal", "objectives", "constraint")  # recorded only when set
        doc = {k: v for k, v in asdict(self).items() if k != "seed" and not (k in optional and not v)}
        doc["hyperparameters"] = {**get_spec(self.strategy).defaults, **self.hyperparameters}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:10]


_CONSTRAINT_RE = re.compile(r"^\s*([A-Za-z0-9_]+)\s*<=\s*([0-9.eE+-]+)\s*(?::\s*([a-z-]+))?\s*$")


def parse_constraint(text: str) -> dict:
    """``"latency_fpga<=5:mnas-soft"`` -> ConstrainedEvaluator keywords."""
    m = _CONSTRAINT_RE.match(text)
    if not m:
        raise NasbenchError(
            f"bad constraint '{text}'; expected METRIC<=LIMIT[:MODE], e.g. 'latency_fpga<=5' or "
            f"'latency_pixel3<=30:mnas-soft' (modes: {one_of(CONSTRAINT_MODES)})"
        )
    try:
        limit = float(m.group(2))
    except ValueError:
        raise NasbenchError(f"bad constraint limit '{m.group(2)}' in '{text}'; expected a number") from None
    return {"constraint_metric": m.group(1), "limit": limit, "mode": m.group(3) or "reject"}


def run_one(spec: RunSpec) -> Trajectory:
    """Execute one search run from plain data (deterministic in ``spec``).

    ``np.random.SeedSequence(spec.seed)`` spawns the strategy's and the noise's generators; nothing
    is seeded globally, so the same spec gives the same trajectory in any process.

    Parameters
    ----------
    spec : RunSpec
        Benchmark, strategy, hyperparameters, seed, budget and protocol.

    Returns
    -------
    Trajectory
        The run's rows and protocol.

    Raises
    ------
    NasbenchError
        A bad benchmark, strategy, signal, noise, budget, constraint or objectives (a subclass
        names which).
    """
    bench = nasbench.load(spec.benchmark)
    strategy_seq, noise_seq = np.random.SeedSequence(spec.seed).spawn(2)
    Budget.parse(spec.budget)  # fail early on a bad budget
    extra = {"fidelities": tuple(bench.table.fidelities.tolist())} if strategy_class(spec.strategy).needs_fidelities else {}
    strategy = make_strategy(spec.strategy, bench.space, rng=np.random.default_rng(strategy_seq),
                             **{**extra, **spec.hyperparameters})
    if get_spec(spec.strategy).objectives == "multi":
        from nasbench.evaluator import MultiObjectiveEvaluator

        if spec.constraint:
            raise StrategyError(
                f"strategy '{spec.strategy}' is multi-objective and does not apply --constraint "
                f"'{spec.constraint}'; put the metric among the objectives instead (--objectives "
                f"{parse_constraint(spec.constraint)['constraint_metric']}:min) or use a single-objective strategy"
            )
        from strategies.moloop import run_mo_search

        signal = spec.signal or str(Evaluator(bench, rng=np.random.default_rng(0)).signal)
        mo_evaluator = MultiObjectiveEvaluator(
            bench, rng=np.random.default_rng(noise_seq), noise=spec.noise, allow_test_signal=spec.allow_test_signal,
            objectives=[(signal, "max"), *(spec.objectives or ("latency:min",))],
        )
        trajectory = run_mo_search(strategy, mo_evaluator, spec.budget, workers=spec.workers)
    else:
        if spec.objectives:
            multi = [n for n in strategy_names() if get_spec(n).objectives == "multi"]
            raise StrategyError(f"strategy '{spec.strategy}' is single-objective; objectives= is for "
                                f"multi-objective strategies ({', '.join(multi)})")
        common: dict[str, Any] = dict(rng=np.random.default_rng(noise_seq), signal=spec.signal, noise=spec.noise,
                                      allow_test_signal=spec.allow_test_signal)
        evaluator: Evaluator
        if spec.constraint:
            constrained = ConstrainedEvaluator(bench, **common, **parse_constraint(spec.constraint))
            evaluator, reporter = constrained, Reporter(bench, feasible=constrained.feasible_mask)
        else:
            evaluator = Evaluator(bench, **common)
            reporter = Reporter(bench)
        trajectory = run_search(strategy, evaluator, spec.budget, workers=spec.workers, reporter=reporter)
    trajectory.protocol.update({"seed": spec.seed, "config_key": spec.config_key()})
    return trajectory
