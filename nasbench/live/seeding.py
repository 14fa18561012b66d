"""Seeded randomness for the live backend: scoped torch seeding and independent child seeds.

The public seam for every user of torch randomness outside :mod:`nasbench.live` (the one-shot
methods in :mod:`strategies.oneshot`): library code never seeds torch globally for good, it seeds
inside :func:`seeded` and every global RNG state is restored on exit.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

__all__ = ["child_seeds", "seeded"]


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block under ``torch.manual_seed(seed)``, restoring the global torch RNG states after.

    Parameters
    ----------
    seed : int
        The torch seed for the duration of the block (CPU and every CUDA device).

    Yields
    ------
    None
        On exit the CPU and CUDA generator states are what they were on entry.
    """
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed))
        yield


def child_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent seeds derived from one integer (``np.random.SeedSequence``).

    Parameters
    ----------
    seed : int
        The parent seed.
    n : int
        How many child seeds.

    Returns
    -------
    list of int
        ``n`` non-negative 63-bit integers; the same ``seed`` gives the same list.
    """
    state = np.random.SeedSequence(int(seed)).generate_state(n, dtype=np.uint64)
    return [int(s) >> 1 for s in state]
