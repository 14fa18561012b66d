"""Per-seed random streams drawn in vectorised form, value for value as the scalar calls.

Each seed of a batch keeps its own :class:`numpy.random.Generator` (spawned from the run's seed
exactly as :func:`strategies.runner.run_one` does). :class:`SeedStreams` reads the raw 64-bit
outputs of every seed's bit generator into a buffer ``[seeds, chunk]`` and reproduces, for many
seeds at once, what numpy's scalar calls return and how much of the stream they consume:

- ``rng.random()``: one 64-bit output, ``(x >> 11) * 2**-53``;
- ``rng.integers(n)`` (``n < 2**32``): Lemire's bounded method on 32-bit draws, the bit
  generator's buffered upper half of a 64-bit output included (``has_uint32``); ``n == 1``
  draws nothing;
- ``rng.permutation(n)``: Fisher-Yates from the end with ``random_interval`` (masked
  rejection on 32-bit draws).

Any other call (a space's ``repair``, a ``mutate`` of a space without a neighbour table) runs on
the seed's real generator after :meth:`SeedStreams.sync` has put it at the emulated position
(:meth:`SeedStreams.call`); the buffer then continues from where that call left the stream.
The equality with numpy is tested (tests/strategies/test_batched.py), not assumed.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_SHIFT11 = np.uint64(11)
_TO_DOUBLE = 1.0 / 9007199254740992.0
_LOOKAHEAD = np.arange(8)  # draws a permutation step looks ahead (8 rejections in a row: p <= 2**-8)


class SeedStreams:
    """The random streams of ``len(generators)`` seeds (see the module docstring).

    Parameters
    ----------
    generators
        One PCG64-backed :class:`numpy.random.Generator` per seed, at the position where the
        emulated draws start (draws made on them before construction stay made).
    chunk
        Raw 64-bit outputs buffered per seed (refilled as needed).
    """

    def __init__(self, generators: Sequence[np.random.Generator], chunk: int = 512):
        self.generators = list(generators)
        n = len(self.generators)
        self.chunk = int(chunk)
        self._buf = np.empty((n, self.chunk), dtype=np.uint64)
        self._ptr = np.zeros(n, dtype=np.int64)
        self._has32 = np.zeros(n, dtype=bool)
        self._u32 = np.zeros(n, dtype=np.uint64)
        self._snap: list[dict] = [None] * n  # bit generator state at buffer column 0
        for s in range(n):
            self._start(s)

    def __len__(self) -> int:
        return len(self.generators)

    # ----- buffer management -------------------------------------------------------------------
    def _start(self, s: int) -> None:
        """Buffer seed ``s`` from its generator's current position (after a real call)."""
        bitgen = self.generators[s].bit_generator
        state = bitgen.state
        self._has32[s] = bool(state["has_uint32"])
        self._u32[s] = np.uint64(state["uinteger"])
        self._snap[s] = state
        self._buf[s] = bitgen.random_raw(self.chunk)
        self._ptr[s] = 0

    def _ensure(self, rows: np.ndarray, need: int | np.ndarray = 1) -> None:
        """Make at least ``need`` unread outputs available for each row."""
        short = rows[self._ptr[rows] + need > self.chunk]
        for s in short.tolist():
            p = int(self._ptr[s])
            # rewind to the first unread output and buffer a fresh chunk from there
            self._sync_position(s, p, keep32=False)
            bitgen = self.generators[s].bit_generator
            self._snap[s] = bitgen.state
            self._buf[s] = bitgen.random_raw(self.chunk)
            self._ptr[s] = 0

    def _sync_position(self, s: int, consumed: int, keep32: bool) -> None:
        bitgen = self.generators[s].bit_generator
        snap = self._snap[s]
        bitgen.state = {"bit_generator": snap["bit_generator"], "state": dict(snap["state"]),
                        "has_uint32": 0, "uinteger": 0}
        if consumed:
            bitgen.advance(consumed)  # (advance clears the buffered 32-bit half: set it after)
        if keep32:
            state = bitgen.state
            state["has_uint32"], state["uinteger"] = int(self._has32[s]), int(self._u32[s])
            bitgen.state = state

    def sync(self, s: int) -> np.random.Generator:
        """Seed ``s``'s real generator, put at the emulated position (then :meth:`resume`)."""
        self._sync_position(s, int(self._ptr[s]), keep32=True)
        return self.generators[s]

    def resume(self, s: int) -> None:
        """Continue emulating seed ``s`` from wherever real calls after :meth:`sync` left it."""
        self._start(s)

    def call(self, s: int, fn: Callable[[np.random.Generator], object]):
        """Run a call this class does not emulate on seed ``s``'s real generator.

        Parameters
        ----------
        s
            Seed index.
        fn
            Called with the seed's generator, put at the emulated position; the emulation
            continues from wherever ``fn`` leaves the stream.

        Returns
        -------
        object
            What ``fn`` returns.
        """
        out = fn(self.sync(s))
        self.resume(s)
        return out

    # ----- draws -------------------------------------------------------------------------------
    def raw(self, rows: np.ndarray) -> np.ndarray:
        """The next 64-bit output of each row's stream (rows distinct)."""
        self._ensure(rows)
        p = self._ptr[rows]
        out = self._buf[rows, p]
        self._ptr[rows] = p + 1
        return out

    def random(self, rows: np.ndarray) -> np.ndarray:
        """``rng.random()`` of each row."""
        return (self.raw(rows) >> _SHIFT11).astype(np.float64) * _TO_DOUBLE

    def random_block(self, rows: np.ndarray, k: int) -> np.ndarray:
        """``rng.random(k)`` of each row: ``[len(rows), k]``."""
        self._ensure(rows, k)
        p = self._ptr[rows]
        out = self._buf[rows[:, None], p[:, None] + np.arange(k)]
        self._ptr[rows] = p + k
        return (out >> _SHIFT11).astype(np.float64) * _TO_DOUBLE

    def uint32(self, rows: np.ndarray) -> np.ndarray:
        """The bit generator's ``next_uint32`` of each row (uint64 values < 2**32)."""
        out = np.empty(len(rows), dtype=np.uint64)
        has = self._has32[rows]
        if has.any():
            r = rows[has]
            out[has] = self._u32[r]
            self._has32[r] = False
        if not has.all():
            r = rows[~has]
            x = self.raw(r)
            out[~has] = x & _MASK32
            self._u32[r] = x >> _SHIFT32
            self._has32[r] = True
        return out

    def integers(self, rows: np.ndarray, n) -> np.ndarray:
        """``rng.integers(n)`` of each row.

        Parameters
        ----------
        rows
            Seed indices, distinct.
        n
            ``1 <= n <= 2**32``, a scalar or one per row; or one scalar above ``2**32``.

        Returns
        -------
        numpy.ndarray
            int64 ``[len(rows)]``, what each seed's ``Generator.integers(n)`` returns next.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if np.ndim(n) == 0 and int(n) > 1 << 32:
            return self._integers64(rows, int(n))
        n = np.broadcast_to(np.asarray(n, dtype=np.uint64), rows.shape)
        out = np.zeros(len(rows), dtype=np.int64)
        draw = n > 1  # integers(1) draws nothing
        idx = np.flatnonzero(draw)
        if not len(idx):
            return out
        nn = n[idx]
        threshold = (np.uint64(1 << 32) - nn) % nn
        todo = idx
        while len(todo):
            pos = np.searchsorted(idx, todo)
            m = self.uint32(rows[todo]) * nn[pos]
            bad = (m & _MASK32) < threshold[pos]
            out[todo[~bad]] = (m[~bad] >> _SHIFT32).astype(np.int64)
            todo = todo[bad]
        return out

    def _integers64(self, rows: np.ndarray, n: int) -> np.ndarray:
        """``rng.integers(n)`` for ``n > 2**32``: Lemire's method on 64-bit outputs."""
        threshold = ((1 << 64) - n) % n
        out = np.empty(len(rows), dtype=np.int64)
        for i, s in enumerate(rows.tolist()):
            one = np.asarray([s])
            while True:
                m = int(self.raw(one)[0]) * n
                if m & 0xFFFFFFFFFFFFFFFF >= threshold:
                    break
            out[i] = m >> 64
        return out

    def _peek32(self, rows: np.ndarray, k: int) -> np.ndarray:
        """The next ``k`` (at most) values of each row's ``next_uint32`` sequence, not consumed."""
        m = min((k + 1) // 2 + 1, self.chunk)
        k = min(k, 2 * m - 1)  # (fewer when the buffer is small: the caller sees the width)
        self._ensure(rows, m)
        raw = self._buf[rows[:, None], self._ptr[rows][:, None] + np.arange(m)]
        vals = np.empty((len(rows), 2 * m), dtype=np.uint64)
        vals[:, 0::2] = raw & _MASK32
        vals[:, 1::2] = raw >> _SHIFT32
        has = self._has32[rows]
        if has.any():
            vals[has, 1:] = vals[has, :-1]
            vals[has, 0] = self._u32[rows[has]]
        return vals[:, :k]

    def _consume32(self, rows: np.ndarray, count: np.ndarray) -> None:
        """Advance each row's ``next_uint32`` sequence by ``count`` values (after :meth:`_peek32`)."""
        keep = count > 0
        rows, count = rows[keep], count[keep].astype(np.int64)
        has = self._has32[rows]
        count = count - has  # a buffered half is read first
        self._has32[rows] = False
        raws = (count + 1) // 2
        last = self._ptr[rows] + raws - 1
        odd = count % 2 == 1
        if odd.any():  # the upper half of the last output read waits in the buffer
            r = rows[odd]
            self._u32[r] = self._buf[r, last[odd]] >> _SHIFT32
            self._has32[r] = True
        self._ptr[rows] += raws

    def permutation(self, rows: np.ndarray, n) -> list[np.ndarray]:
        """``rng.permutation(n)`` of each row (``n`` scalar or one per row), as int64 arrays.

        Fisher-Yates from the end with numpy's ``random_interval`` (masked rejection on 32-bit
        draws), on draws read ahead; a row whose rejections outrun them is redone by the real call.
        """
        rows = np.asarray(rows, dtype=np.int64)
        n = np.broadcast_to(np.asarray(n, dtype=np.int64), rows.shape)
        width = int(n.max()) if len(n) else 0
        if width <= 1:
            return [np.arange(k, dtype=np.int64) for k in n.tolist()]
        vals = self._peek32(rows, 2 * width + 16)
        k = vals.shape[1]
        used = np.zeros(len(rows), dtype=np.int64)
        failed = np.zeros(len(rows), dtype=bool)
        perm = np.tile(np.arange(width, dtype=np.int64), (len(rows), 1))
        for i in range(width - 1, 0, -1):
            act = np.flatnonzero((n > i) & ~failed)
            if not len(act):
                continue
            mask = np.uint64((1 << int(i).bit_length()) - 1)
            # the first of the next few draws that random_interval(i) accepts
            cols = np.minimum(used[act][:, None] + _LOOKAHEAD, k - 1)
            cand = vals[act[:, None], cols] & mask
            ok = (cand <= np.uint64(i)) & (used[act][:, None] + _LOOKAHEAD < k)
            first = ok.argmax(axis=1)
            hit = ok[np.arange(len(act)), first]
            j = np.where(hit, cand[np.arange(len(act)), first].astype(np.int64), i)
            used[act] += first + 1
            failed[act[~hit]] = True  # (a no-op swap; the row is redone below)
            vi = perm[act, i].copy()
            perm[act, i] = perm[act, j]
            perm[act, j] = vi
        self._consume32(rows[~failed], used[~failed])
        out = [perm[r, : n[r]] for r in range(len(rows))]
        for r in np.flatnonzero(failed).tolist():
            out[r] = np.asarray(self.call(int(rows[r]), lambda g, m=int(n[r]): g.permutation(m)), dtype=np.int64)
        return out
