"""Local search with restarts, ``ls`` (White, Nolen & Savani, UAI 2021)."""
from __future__ import annotations

import math
from collections import deque

import numpy as np

from nasbench.errors import SearchSpaceExhaustedError
from nasbench.spaces import SearchSpace
from strategies.base import Strategy, Trial
from strategies.validation import check_int


class LocalSearch(Strategy):
    """Best-improvement hill climbing over the space's neighbourhood, restarted at local optima.

    White, Nolen & Savani, "Exploring the Loss Landscape in Neural Architecture Search",
    UAI 2021; as ``local_search`` in the authors' code (naszilla ``nas_algorithms.py``) with
    ``query_full_nbhd=True`` (that code's default, False, moves to the *first* better
    neighbour instead of scanning the whole neighbourhood):

    1. evaluate ``num_init`` distinct random architectures; the best (by search signal) is
       the current architecture;
    2. evaluate every neighbour of the current architecture (``space.neighbors``: one
       decision changed), in a random order;
    3. if the best neighbour is strictly better than the current architecture, move to it and
       go to 2; otherwise the current one is a local optimum: restart at 1 with new random
       architectures.

    No architecture is evaluated twice: values already known (from any earlier climb) are
    reused, so a step whose neighbours were all seen proposes nothing and decides at once.
    Failed trials (NaN) count as evaluated and never win a comparison; a start whose random
    sample all failed is simply redrawn.

    Asynchronous workers: the proposals of the current phase (the random sample, or the
    unevaluated neighbours) wait in a queue. When it is empty but some of the phase's results
    are still out, an idle worker gets a fresh random architecture, which joins the random
    sample of the next restart (so no worker idles and nothing is wasted). The decision to
    move or restart is taken once every result of the phase is back.
    Raises SearchSpaceExhaustedError once every architecture has been proposed.

    Default ``num_init=10``: ``DEFAULT_NUM_INIT = 10`` of the authors' code (naszilla
    ``nas_algorithms.local_search``).
    """

    name = "ls"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, num_init: int = 10):
        super().__init__(space, rng=rng)
        size = int(space.size)
        self.num_init = check_int("ls", "num_init", num_init, 1, size, f" (the size of {space.label})")
        self._size = size
        self._values: dict[int, float] = {}  # told results (NaN = failed)
        self._proposed: set[int] = set()  # every architecture ever proposed (told or pending)
        self._queue: deque[int] = deque()  # proposals of the current phase not yet handed out
        self._members: list[int] = []  # architectures whose results the current phase waits for
        self._spares: list[int] = []  # extra random proposals: the sample of the next restart
        self._phase = "init"  # or "climb"
        self.current: int | None = None  # the architecture whose neighbourhood is being scanned
        self.restarts = 0  # number of local optima reached
        self._start()

    # ----- phases -------------------------------------------------------------------------------
    def _start(self) -> None:
        """Phase 1: a random sample of at least ``num_init`` architectures (spares included)."""
        self._phase = "init"
        self.current = None
        members = self._spares
        self._spares = []
        fresh = []
        for _ in range(max(0, self.num_init - len(members))):
            arch = self._random_unproposed(reserve=fresh)
            if arch is None:
                break
            fresh.append(arch)
        self._members = members + fresh
        self._queue = deque(fresh)

    def _climb_from(self, arch: int) -> None:
        """Phase 2: scan the neighbours of ``arch`` in a random order."""
        self._phase = "climb"
        self.current = arch
        nbrs = self.space.neighbors(arch)
        nbrs = nbrs[self.rng.permutation(len(nbrs))].tolist()
        self._members = nbrs
        self._queue = deque(a for a in nbrs if a not in self._proposed)

    def _phase_done(self) -> bool:
        values = self._values
        return all(a in values for a in self._members)

    def _best(self, archs) -> tuple[int | None, float]:
        best, best_value = None, -math.inf
        values = self._values
        for a in archs:
            v = values[a]
            if v > best_value:  # False for NaN
                best, best_value = a, v
        return best, best_value

    def _advance(self) -> None:
        """Every result of the phase is back: choose the next phase."""
        if self._phase == "init":
            best, _ = self._best(self._members)
            if best is None:  # all failed (or nothing left to sample): draw again
                if not self._members and not self._spares and len(self._proposed) >= self._size:
                    raise SearchSpaceExhaustedError(self._exhausted_message())
                self._start()
            else:
                self._climb_from(best)
            return
        best, best_value = self._best(self._members)
        if best is not None and best_value > self._values[self.current]:
            self._climb_from(best)
        else:
            self.restarts += 1
            self._start()

    # ----- ask / tell -------------------------------------------------------------------------
    def _propose(self) -> int:
        for _ in range(4 * self._size + 8):  # each pass hands out, waits, or moves strictly uphill
            while self._queue:
                arch = self._queue.popleft()
                if arch not in self._proposed:
                    self._proposed.add(arch)
                    return arch
            if not self._phase_done():
                arch = self._random_unproposed()
                if arch is None:
                    raise SearchSpaceExhaustedError(self._exhausted_message())
                self._proposed.add(arch)
                self._spares.append(arch)
                return arch
            self._advance()
        raise RuntimeError("local search made no progress")  # unreachable: climbs strictly improve

    def _random_unproposed(self, reserve=()) -> int | None:
        """A uniformly random architecture never proposed (nor in ``reserve``); None if none is left."""
        proposed = self._proposed
        free = self._size - len(proposed) - len(reserve)
        if free <= 0:
            return None
        if free > self._size // 2:
            integers = self.rng.integers
            while True:
                arch = int(integers(self._size))
                if arch not in proposed and arch not in reserve:
                    return arch
        taken = np.fromiter(proposed, dtype=np.int64, count=len(proposed))
        unseen = np.setdiff1d(np.arange(self._size), np.concatenate([taken, np.asarray(reserve, dtype=np.int64)]))
        return int(unseen[self.rng.integers(len(unseen))])

    def _observe(self, trial: Trial, value: float) -> None:
        self._values[trial.arch] = value

    def _exhausted_message(self) -> str:
        return f"local search has proposed all {self._size} architectures of {self.space.label}"
