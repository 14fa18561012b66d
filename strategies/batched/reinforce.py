"""Batched twin of ``reinforce`` (:class:`strategies.reinforce.Reinforce`): the logit tables of all
seeds stacked ``[seeds, n_decisions, max_choices]``, every expression of the per-run update
applied elementwise in the same order (the results are the same floats, seed by seed)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.batched.base import BatchedStrategy
from strategies.batched.spaceops import repair
from strategies.batched.streams import SeedStreams


class BatchedReinforce(BatchedStrategy):
    """``reinforce`` for many seeds (one worker each, so every trial is told before the next ask)."""

    name = "reinforce"

    def __init__(self, space: SearchSpace, generators: Sequence[np.random.Generator], learning_rate: float = 0.5,
                 ema_momentum: float = 0.9):
        super().__init__(space, generators)
        self.learning_rate, self.ema_momentum = float(learning_rate), float(ema_momentum)
        sizes = np.asarray(space.decision_sizes, dtype=np.int64)
        self._sizes = sizes
        n, k = len(sizes), int(sizes.max())
        self._mask = np.arange(k)[None, :] < sizes[:, None]
        # the per-run constructor's draw, on each seed's generator
        self.logits = np.stack([np.where(self._mask, 1e-3 * g.standard_normal((n, k)), 0.0) for g in generators])
        self.streams = SeedStreams(generators)
        s = self.n_seeds
        self._m = np.zeros((s, n, k))
        self._v = np.zeros((s, n, k))
        self._steps = np.zeros(s, dtype=np.int64)
        self._beta1, self._beta2, self._eps = 0.9, 0.999, 1e-8
        self._ema_num = np.zeros(s)
        self._ema_den = np.zeros(s)
        self._pending = np.zeros((s, n), dtype=np.int64)
        self._pow: dict[float, list[float]] = {self._beta1: [1.0], self._beta2: [1.0]}

    def _power(self, base: float, steps: np.ndarray) -> np.ndarray:
        """``base ** step`` as Python computes it (float ** int), per seed."""
        table = self._pow[base]
        top = int(steps.max()) if len(steps) else 0
        while len(table) <= top:
            table.append(base ** len(table))
        return np.asarray(table)[steps]

    def _probabilities(self, logits: np.ndarray) -> np.ndarray:
        z = np.where(self._mask, logits, -np.inf)
        z = np.exp(z - z.max(axis=2, keepdims=True))
        return z / z.sum(axis=2, keepdims=True)

    def _index(self, rows: np.ndarray):
        """``rows`` as an index: a slice when they are every seed in order (no gather, no copy)."""
        if len(rows) == self.n_seeds and rows[0] == 0 and rows[-1] == self.n_seeds - 1:
            return slice(None)
        return rows

    def propose(self, rows: np.ndarray) -> np.ndarray:
        probs = self._probabilities(self.logits[self._index(rows)])
        cdf = np.cumsum(probs, axis=2)
        u = self.streams.random_block(rows, cdf.shape[1])[:, :, None] * cdf[:, :, -1:]
        choice = np.minimum((cdf <= u).sum(axis=2), self._sizes - 1)
        ids, fixed, repaired = repair(self.space, self.streams, rows, choice)
        self.invalid_draws[rows] += repaired
        self._pending[rows] = fixed
        return ids.astype(np.int64)

    def observe(self, rows: np.ndarray, archs: np.ndarray, values: np.ndarray) -> None:
        ok = ~np.isnan(values)
        if not ok.any():
            return
        r, value = rows[ok], values[ok]
        r = self._index(r)
        mom = self.ema_momentum
        self._ema_num[r] = mom * self._ema_num[r] + (1 - mom) * value
        self._ema_den[r] = mom * self._ema_den[r] + (1 - mom)
        advantage = value - self._ema_num[r] / self._ema_den[r]
        grad = self._probabilities(self.logits[r])
        n_dec = grad.shape[1]
        grad[np.arange(len(grad))[:, None], np.arange(n_dec)[None, :], self._pending[r]] -= 1.0
        grad *= advantage[:, None, None]
        grad[:, ~self._mask] = 0.0
        b1, b2 = self._beta1, self._beta2
        steps = self._steps[r] + 1  # (a copy, also for a slice)
        self._steps[r] = steps
        m = b1 * self._m[r] + (1 - b1) * grad
        v = b2 * self._v[r] + (1 - b2) * grad * grad
        self._m[r], self._v[r] = m, v
        m_hat = m / (1 - self._power(b1, steps))[:, None, None]
        v_hat = v / (1 - self._power(b2, steps))[:, None, None]
        self.logits[r] -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self._eps)
