"""The interface a batched strategy implements, and the error for runs that cannot be batched.

A :class:`BatchedStrategy` runs one strategy configuration for many seeds at once, the seeds a
batch dimension. It reproduces a per-run :class:`~strategies.base.Strategy` (the reference)
seed by seed: given the same generator per seed, it proposes the same architectures in the same
order and draws the same random numbers. The engine (:func:`strategies.batched.run_batched`)
drives it with one simulated worker per seed::

    strategy = BatchedMine(space, generators, **hyperparameters)
    while some seeds are active:
        archs = strategy.propose(rows)          # one architecture per active seed (-1: exhausted)
        values = evaluate(rows, archs)          # NaN = failed
        strategy.observe(rows, archs, values)   # told in the same step

``rows`` are indices into ``generators`` (distinct, ascending). The incumbent is the base
class rule of the per-run strategy (the first completed trial with the strictly best signal),
kept by the engine. A per-run strategy opts in by naming its batched twin in the class
attribute ``batched = "package.module:BatchedClass"`` (see docs/custom-strategy.md).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.base import StrategyError


class NotBatchableError(StrategyError):
    """A run the batched engine does not take (the message says why and what it takes)."""


class BatchedStrategy(ABC):
    """Many seeds of one strategy configuration (see the module docstring).

    Parameters
    ----------
    space
        The benchmark's search space.
    generators
        One :class:`numpy.random.Generator` per seed: the strategy stream that
        :func:`strategies.runner.run_one` would give the per-run strategy. The constructor makes
        the draws the per-run constructor makes, in the same order, on these generators.
    **hyperparameters
        The per-run strategy's constructor arguments, already validated by it.
    """

    #: registry name of the per-run strategy reproduced, e.g. ``"re"``
    name: str = ""

    def __init__(self, space: SearchSpace, generators: Sequence[np.random.Generator], **hyperparameters):
        self.space = space
        self.n_seeds = len(generators)
        #: per seed: decision vectors the space repaired (``Strategy.invalid_draws``)
        self.invalid_draws = np.zeros(self.n_seeds, dtype=np.int64)

    @abstractmethod
    def propose(self, rows: np.ndarray) -> np.ndarray:
        """The next architecture of each seed in ``rows`` (int64 ``[len(rows)]``); -1 for a seed
        whose per-run strategy raises SearchSpaceExhaustedError (it is then stopped)."""

    def observe(self, rows: np.ndarray, archs: np.ndarray, values: np.ndarray) -> None:
        """The results of the architectures just proposed to ``rows`` (NaN: failed). Default: nothing."""
