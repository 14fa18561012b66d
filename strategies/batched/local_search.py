"""Batched twin of ``ls``, local search with restarts (:class:`strategies.local_search.LocalSearch`).

With one worker per seed every result is back before the next ask, so a phase ends exactly
when its queue is empty: the per-run state machine reduces to queue / advance, run here for all
seeds at once (members and queues as padded rows, one row per seed).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.batched.base import BatchedStrategy
from strategies.batched.spaceops import DENSE_LIMIT, Neighbourhoods, SeenSets
from strategies.batched.streams import SeedStreams

_INIT, _CLIMB = 0, 1


class _Values:
    """Told values per seed (NaN: failed): a dense matrix, or dicts for huge spaces."""

    def __init__(self, n: int, size: int):
        self.dense = n * size <= DENSE_LIMIT
        self.data = np.full((n, size), np.nan) if self.dense else [dict() for _ in range(n)]

    def set(self, rows: np.ndarray, archs: np.ndarray, values: np.ndarray) -> None:
        if self.dense:
            self.data[rows, archs] = values
        else:
            for s, a, v in zip(rows.tolist(), archs.tolist(), values.tolist()):
                self.data[s][a] = v

    def get(self, rows: np.ndarray, archs: np.ndarray) -> np.ndarray:
        """``archs`` ``[n, w]`` (-1 padding gives NaN) of seed ``rows[i]``."""
        if self.dense:
            out = self.data[rows[:, None], np.maximum(archs, 0)]
            return np.where(archs >= 0, out, np.nan)
        out = np.full(archs.shape, np.nan)
        for i, s in enumerate(rows.tolist()):
            d = self.data[s]
            for j, a in enumerate(archs[i].tolist()):
                if a >= 0:
                    out[i, j] = d[a]
        return out


class BatchedLocalSearch(BatchedStrategy):
    """``ls`` for many seeds (one worker each; see the module docstring)."""

    name = "ls"

    def __init__(self, space: SearchSpace, generators: Sequence[np.random.Generator], num_init: int = 10):
        super().__init__(space, generators)
        self.num_init = int(num_init)
        self.size = int(space.size)
        n = self.n_seeds
        self.streams = SeedStreams(generators)
        self.moves = Neighbourhoods(space)
        self.values = _Values(n, self.size)
        self.proposed = SeenSets(n, self.size)
        width = max(self.num_init, int(self.moves.degree.max()) if self.moves.degree is not None else 1, 1)
        self.members = np.full((n, width), -1, dtype=np.int64)
        self.mlen = np.zeros(n, dtype=np.int64)
        self.queue = np.full((n, width), -1, dtype=np.int64)
        self.qpos = np.zeros(n, dtype=np.int64)
        self.qlen = np.zeros(n, dtype=np.int64)
        self.phase = np.full(n, _INIT)
        self.current = np.full(n, -1, dtype=np.int64)
        self.restarts = np.zeros(n, dtype=np.int64)
        self._start(np.arange(n))  # the per-run constructor draws its first sample

    # ----- phases --------------------------------------------------------------------------------
    def _widen(self, width: int) -> None:
        if width > self.members.shape[1]:
            pad = np.full((self.n_seeds, width - self.members.shape[1]), -1, dtype=np.int64)
            self.members = np.concatenate([self.members, pad], axis=1)
            self.queue = np.concatenate([self.queue, pad.copy()], axis=1)

    def _start(self, rows: np.ndarray) -> None:
        """A new random sample of ``num_init`` architectures never proposed (``_start``)."""
        self.phase[rows] = _INIT
        self.current[rows] = -1
        fresh = np.full((len(rows), self.num_init), -1, dtype=np.int64)
        got = np.zeros(len(rows), dtype=np.int64)
        size = self.size
        going = np.ones(len(rows), dtype=bool)
        for j in range(self.num_init):
            free = size - self.proposed.count[rows] - j
            going &= free > 0
            sparse = np.flatnonzero(going & (free > size // 2))
            if len(sparse):
                todo = sparse
                while len(todo):
                    r = rows[todo]
                    arch = self.streams.integers(r, size)
                    taken = self.proposed.contains(r, arch) | (fresh[todo, :j] == arch[:, None]).any(axis=1)
                    fresh[todo[~taken], j] = arch[~taken]
                    todo = todo[taken]
            for i in np.flatnonzero(going & (free <= size // 2)).tolist():
                s = int(rows[i])
                unseen = self.proposed.unseen(s, fresh[i, :j])
                fresh[i, j] = unseen[int(self.streams.integers(np.asarray([s]), len(unseen))[0])]
            got[going] += 1
        self._widen(self.num_init)
        self.members[rows] = -1
        self.members[rows, : self.num_init] = fresh
        self.mlen[rows] = got
        self.queue[rows] = -1
        self.queue[rows, : self.num_init] = fresh
        self.qpos[rows] = 0
        self.qlen[rows] = got

    def _climb_from(self, rows: np.ndarray, archs: np.ndarray) -> None:
        """Scan the neighbours of ``archs`` in a random order per seed (``_climb_from``)."""
        self.phase[rows] = _CLIMB
        self.current[rows] = archs
        nbrs, degree = self.moves.neighbors(archs)
        perms = self.streams.permutation(rows, degree)
        width = nbrs.shape[1] if nbrs.ndim == 2 else 0
        self._widen(width)
        members = np.full((len(rows), self.members.shape[1]), -1, dtype=np.int64)
        for i, p in enumerate(perms):
            members[i, : len(p)] = nbrs[i, p]
        self.members[rows] = members
        self.mlen[rows] = degree
        fresh = (members >= 0) & ~self._proposed_2d(rows, members)
        # the queue: the unproposed members, order kept
        order = np.argsort(~fresh, axis=1, kind="stable")
        queue = np.take_along_axis(members, order, axis=1)
        qlen = fresh.sum(axis=1)
        queue[np.arange(queue.shape[1])[None, :] >= qlen[:, None]] = -1
        self.queue[rows] = queue
        self.qpos[rows] = 0
        self.qlen[rows] = qlen

    def _proposed_2d(self, rows: np.ndarray, archs: np.ndarray) -> np.ndarray:
        if not archs.size:
            return np.zeros(archs.shape, dtype=bool)
        flat = self.proposed.contains(np.repeat(rows, archs.shape[1]), np.maximum(archs, 0).ravel())
        return flat.reshape(archs.shape) & (archs >= 0)

    def _best(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(first best member or -1, its value) of each row's phase; NaN never wins."""
        members = self.members[rows]
        vals = self.values.get(rows, members)
        vals = np.where(np.isnan(vals), -np.inf, vals)
        k = vals.argmax(axis=1) if vals.shape[1] else np.zeros(len(rows), dtype=np.int64)
        best_value = vals[np.arange(len(rows)), k] if vals.shape[1] else np.full(len(rows), -np.inf)
        best = np.where(best_value > -np.inf, members[np.arange(len(rows)), k] if vals.shape[1] else -1, -1)
        return best, best_value

    def _advance(self, rows: np.ndarray) -> np.ndarray:
        """Every result of the phase is back: the next phase. Returns the rows exhausted."""
        best, best_value = self._best(rows)
        init = self.phase[rows] == _INIT
        exhausted = init & (best < 0) & (self.mlen[rows] == 0) & (self.proposed.count[rows] >= self.size)
        climb = best >= 0
        cur = self.current[rows]
        has_cur = ~init & (cur >= 0)
        cur_value = np.full(len(rows), np.nan)
        if has_cur.any():
            cur_value[has_cur] = self.values.get(rows[has_cur], cur[has_cur][:, None])[:, 0]
        climb &= init | (best_value > cur_value)  # False against NaN, as the per-run rule
        restart = ~climb & ~exhausted
        self.restarts[rows[restart & ~init]] += 1
        if climb.any():
            self._climb_from(rows[climb], best[climb])
        if restart.any():
            self._start(rows[restart])
        return exhausted

    # ----- ask / tell ----------------------------------------------------------------------------
    def propose(self, rows: np.ndarray) -> np.ndarray:
        out = np.full(len(rows), -1, dtype=np.int64)
        pending = np.arange(len(rows))
        for _ in range(4 * self.size + 8):
            if not len(pending):
                break
            r = rows[pending]
            has = self.qpos[r] < self.qlen[r]
            if has.any():
                rr = r[has]
                cand = self.queue[rr, self.qpos[rr]]
                self.qpos[rr] += 1
                fresh = ~self.proposed.contains(rr, cand)
                self.proposed.add(rr[fresh], cand[fresh])
                idx = pending[has]
                out[idx[fresh]] = cand[fresh]
                done = np.zeros(len(pending), dtype=bool)
                done[np.flatnonzero(has)[fresh]] = True
            else:
                done = np.zeros(len(pending), dtype=bool)
            empty = ~has
            if empty.any():
                exhausted = self._advance(r[empty])
                done[np.flatnonzero(empty)[exhausted]] = True  # out stays -1
            pending = pending[~done]
        return out

    def observe(self, rows: np.ndarray, archs: np.ndarray, values: np.ndarray) -> None:
        self.values.set(rows, archs, values)
