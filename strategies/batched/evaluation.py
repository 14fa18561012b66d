"""The Evaluator and Reporter of many seeds at once (one configuration, one benchmark).

:class:`BatchedEvaluation` answers one query per active seed with exactly what each seed's own
:class:`~nasbench.evaluator.Evaluator` would answer (value, charged cost) and consumes each
seed's noise stream as it would: ``per-trial`` noise draws ``integers(1 << 30)`` per trial from
the seed's noise generator and answers the measured replicate ``draw mod n_measured``;
``mean`` and ``fixed:K`` draw nothing. Tabular benchmarks are answered from per-architecture
arrays read once from a template evaluator; a surrogate benchmark (values predicted on demand)
is answered by one real Evaluator per seed. The Evaluator's own per-query path is not touched.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nasbench.benchmark import is_surrogate
from nasbench.evaluator import Evaluator, Reporter
from strategies.batched.streams import SeedStreams


class BatchedEvaluation:
    """Queries and final reads for ``len(noise_generators)`` seeds.

    Parameters
    ----------
    benchmark
        The loaded benchmark.
    noise_generators
        Each seed's noise generator (``SeedSequence(seed).spawn(2)[1]``).
    evaluator_kwargs
        ``signal``, ``noise``, ``allow_test_signal`` as :func:`strategies.runner.run_one` passes them.
    """

    def __init__(self, benchmark, noise_generators: Sequence[np.random.Generator], **evaluator_kwargs):
        self.benchmark = benchmark
        self.template = Evaluator(benchmark, rng=np.random.default_rng(0), **evaluator_kwargs)
        self.reporter = Reporter(benchmark)
        self.fidelity = float(self.template.signal.fidelity)
        self.surrogate = is_surrogate(benchmark)
        if self.surrogate:
            self._evaluators = [Evaluator(benchmark, rng=g, **evaluator_kwargs) for g in noise_generators]
            return
        self._noise_kind, self._fixed, self._values, self._cost = _tabular_arrays(self.template)
        if self._noise_kind == "per-trial":
            self._streams = SeedStreams(noise_generators, chunk=256)
            finite = ~np.isnan(self._values)
            self._count = finite.sum(axis=1)
            order = np.argsort(~finite, axis=1, kind="stable")  # measured replicates first, in order
            self._measured = order
        else:
            self._fixed_values = self._value_table()
        self._valid = self.reporter.valid.astype(np.float64)
        self._test = self.reporter.test.astype(np.float64)

    def _value_table(self) -> np.ndarray:
        """Per architecture, the answer of a ``mean`` / ``fixed:K`` query (float64)."""
        block = self._values
        if self._noise_kind == "fixed":
            return block[:, self._fixed].astype(np.float64)
        finite = ~np.isnan(block)
        full = finite.all(axis=1)
        out = np.full(len(block), np.nan)
        out[full] = block[full].mean(axis=1).astype(np.float64)
        pick = self.template._pick
        for a in np.flatnonzero(~full).tolist():  # a replicate missing: the evaluator's own rule
            out[a] = pick(block[a], None)[0]
        return out

    def evaluate(self, rows: np.ndarray, archs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(signal values, charged costs) of ``archs[i]`` for seed ``rows[i]``."""
        if self.surrogate:
            out = [self._evaluators[s].evaluate(a) for s, a in zip(rows.tolist(), archs.tolist())]
            return (np.fromiter((r.value for r in out), dtype=np.float64, count=len(out)),
                    np.fromiter((r.cost for r in out), dtype=np.float64, count=len(out)))
        cost = self._cost[archs] if isinstance(self._cost, np.ndarray) else np.full(len(archs), self._cost)
        if self._noise_kind != "per-trial":
            return self._fixed_values[archs], cost
        draw = self._streams.integers(rows, 1 << 30)
        count = self._count[archs]
        values = np.full(len(archs), np.nan)
        ok = count > 0
        rep = self._measured[archs[ok], draw[ok] % count[ok]]
        values[ok] = self._values[archs[ok], rep]
        return values, cost

    def final(self, archs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(final validation, final test) of incumbents ``archs`` (-1: none yet, NaN)."""
        if self.surrogate:
            pairs = [self.reporter.final(a) if a >= 0 else (math.nan, math.nan) for a in archs.tolist()]
            arr = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
            return arr[:, 0], arr[:, 1]
        safe = np.maximum(archs, 0)
        none = archs < 0
        return np.where(none, np.nan, self._valid[safe]), np.where(none, np.nan, self._test[safe])


def _tabular_arrays(ev: Evaluator):
    """(noise kind, fixed replicate, signal values ``[archs, replicates]`` float32, cost per
    architecture float64 array or a constant) of a tabular evaluator at its signal fidelity."""
    table = ev.benchmark.table
    f = 0 if ev._fidelity_independent else table.fidelity_index(ev.signal.fidelity)
    values = np.ascontiguousarray(ev._values[:, :, f])
    if ev._cost_per_fidelity is None:
        cost = float(ev.default_cost)
    else:
        cost = ev._cost_per_fidelity[:, table.fidelity_index(ev.signal.fidelity)] + ev.eval_time
    return ev._noise_kind, ev._fixed, values, cost
