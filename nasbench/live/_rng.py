"""Scoped torch seeding: seed inside a context, restore every global RNG state on exit."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """``torch.manual_seed(seed)`` for the duration of the block only (CPU and all CUDA devices)."""
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed))
        yield


def child_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent 63-bit seeds from one integer (``np.random.SeedSequence``)."""
    state = np.random.SeedSequence(int(seed)).generate_state(n, dtype=np.uint64)
    return [int(s) >> 1 for s in state]
