"""The space operations the batched strategies use, for many seeds at once.

Each reproduces, seed by seed, the per-run call it stands for (value and random draws):

- :class:`Neighbourhoods`: ``space.neighbors(arch)`` as rows of a padded table, and
  ``space.mutate(arch, rng)`` (a uniform neighbour: one ``rng.integers(degree)``; a subset
  space's fallback to a uniform other member when an architecture has no neighbour in it).
  Spaces whose ``mutate`` is not one of the known ones run the real call on the seed's
  synchronised generator (:meth:`~strategies.batched.streams.SeedStreams.call`).
- :func:`repair`: ``Strategy.archs_of_decisions`` (``space.repair`` then ``from_decisions``);
  a subset space's nearest-member rule vectorised, any other space's repair on the seed's
  synchronised generator (it draws only for vectors that name no architecture).
- :class:`SeenSets`: per-seed sets of architecture ids (a boolean matrix when it fits).
"""
from __future__ import annotations

import numpy as np

from nasbench.spaces import SearchSpace
from nasbench.spaces.base import SearchSpace as _Base
from nasbench.spaces.subset import SubsetSpace
from strategies.batched.streams import SeedStreams

#: cells of a dense per-seed membership matrix above which python sets are used instead
DENSE_LIMIT = 200_000_000


def _known_mutates() -> dict:
    """``mutate`` functions whose rule is "uniform neighbour" (value) or the subset rule."""
    out = {_Base.mutate: "neighbour", SubsetSpace.mutate: "subset"}
    try:
        from nasbench.spaces.nb201 import NB201Space
        from nasbench.spaces.nbmacro import NBMacroSpace

        out[NB201Space.mutate] = "neighbour"
        out[NBMacroSpace.mutate] = "neighbour"
    except ImportError:  # pragma: no cover
        pass
    return out


_TABLES: dict[int, tuple] = {}  # id(space) -> (space, padded table, degrees)


class Neighbourhoods:
    """``neighbors`` / ``mutate`` of ``space`` for many seeds (see the module docstring)."""

    def __init__(self, space: SearchSpace):
        self.space = space
        self.rule = _known_mutates().get(type(space).mutate, "call")
        self._lazy: dict[int, np.ndarray] = {}
        self.table, self.degree = self._table(space)

    @staticmethod
    def _table(space: SearchSpace):
        """A padded ``[size, max_degree]`` table where it is cheap to build, else (None, None)."""
        cached = _TABLES.get(id(space))
        if cached is not None and cached[0] is space:
            return cached[1], cached[2]
        table = getattr(space, "_neighbor_table", None)
        if isinstance(table, np.ndarray) and table.ndim == 2 and len(table) == space.size:
            degree = np.full(space.size, table.shape[1], dtype=np.int64)
        else:
            from nasbench.spaces.nbgraph import NBGraphSpace

            if type(space) is not NBGraphSpace:
                return None, None
            table, degree = _one_change_table(space)
        _TABLES[id(space)] = (space, table, degree)
        return table, degree

    def neighbors(self, archs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(padded neighbours ``[n, width]`` (-1 padding), degrees ``[n]``) of ``archs``."""
        if self.table is not None:
            return self.table[archs], self.degree[archs]
        rows = [self.neighbors_of(int(a)) for a in archs.tolist()]
        degree = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        out = np.full((len(rows), int(degree.max()) if len(rows) else 0), -1, dtype=np.int64)
        for i, r in enumerate(rows):
            out[i, : len(r)] = r
        return out, degree

    def neighbors_of(self, arch: int) -> np.ndarray:
        """``space.neighbors(arch)`` (cached)."""
        if self.table is not None:
            return self.table[arch, : self.degree[arch]]
        row = self._lazy.get(arch)
        if row is None:
            row = self._lazy[arch] = np.asarray(self.space.neighbors(arch), dtype=np.int64)
        return row

    def mutate(self, streams: SeedStreams, rows: np.ndarray, archs: np.ndarray) -> np.ndarray:
        """``space.mutate(archs[i], rng)`` with seed ``rows[i]``'s generator, for each i.

        Parameters
        ----------
        streams
            The seeds' strategy streams.
        rows
            Seed indices, distinct.
        archs
            One architecture per row.

        Returns
        -------
        numpy.ndarray
            The mutated architectures (int64).
        """
        if self.rule == "call":
            space = self.space
            return np.fromiter(
                (streams.call(s, lambda g, a=a: space.mutate(a, g)) for s, a in zip(rows.tolist(), archs.tolist())),
                dtype=np.int64, count=len(rows))
        nbrs, degree = self.neighbors(archs)
        out = np.empty(len(rows), dtype=np.int64)
        has = degree > 0
        if has.any():
            k = streams.integers(rows[has], degree[has])
            out[has] = nbrs[np.flatnonzero(has), k]
        if not has.all():
            if self.rule != "subset":  # a space without neighbours: what the real call does
                idx = np.flatnonzero(~has)
                out[idx] = [streams.call(s, lambda g, a=a: self.space.mutate(a, g))
                            for s, a in zip(rows[idx].tolist(), archs[idx].tolist())]
                return out
            size = self.space.size
            idx = np.flatnonzero(~has)
            if size > 1:  # a uniform other member: others = all ids but arch, in order
                k = streams.integers(rows[idx], size - 1)
                out[idx] = np.where(k < archs[idx], k, k + 1)
            else:
                out[idx] = archs[idx]
        return out


def _one_change_table(space: SearchSpace) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour table of a space whose ``neighbors(a)`` are the distinct ids, other than a,
    of the valid vectors one decision away from ``to_decisions(a)`` (NB-Graph; checked against
    ``space.neighbors`` in the tests)."""
    n = space.size
    dec = space.to_decisions(np.arange(n))
    sizes = space.decision_sizes
    cols = np.array([c for c, k in enumerate(sizes) for _ in range(k)])
    vals = np.array([v for k in sizes for v in range(k)])
    ids = np.full((n, len(cols)), -1, dtype=np.int64)
    step = 2048  # in chunks: the candidates of all architectures at once do not fit in cache
    for lo in range(0, n, step):
        part = dec[lo : lo + step]
        cand = np.repeat(part[:, None, :], len(cols), axis=1)
        cand[:, np.arange(len(cols)), cols] = vals
        flat = cand.reshape(-1, dec.shape[1])
        ok = space.is_valid_decisions(flat)
        got = np.full(len(flat), -1, dtype=np.int64)
        got[ok] = space.from_decisions(flat[ok])
        ids[lo : lo + step] = got.reshape(len(part), len(cols))
    ids[ids == np.arange(n)[:, None]] = -1
    ids = np.sort(ids, axis=1)
    dup = np.zeros_like(ids, dtype=bool)
    dup[:, 1:] = ids[:, 1:] == ids[:, :-1]
    ids[dup] = -1
    ids = np.sort(np.where(ids < 0, np.iinfo(np.int64).max, ids), axis=1)
    degree = (ids != np.iinfo(np.int64).max).sum(axis=1)
    width = int(degree.max())
    table = np.where(ids[:, :width] == np.iinfo(np.int64).max, -1, ids[:, :width])
    table.setflags(write=False)
    return table, degree


def repair(space: SearchSpace, streams: SeedStreams, rows: np.ndarray, decisions: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Strategy.archs_of_decisions`` for one decision vector per seed.

    Parameters
    ----------
    space
        The search space.
    streams
        The seeds' strategy streams (a repair draws from the seed's own stream).
    rows
        Seed indices, distinct.
    decisions
        ``[len(rows), n_decisions]`` well-formed decision vectors.

    Returns
    -------
    tuple of numpy.ndarray
        (architecture ids, the vectors after repair, whether each vector was repaired).
    """
    dec = space.check_decisions(decisions).copy()
    if space.all_decisions_valid:
        return space.from_decisions(dec), dec, np.zeros(len(dec), dtype=bool)
    ok = space.is_valid_decisions(dec)
    bad = np.flatnonzero(~ok)
    if len(bad):
        if type(space)._nearest_valid is SubsetSpace._nearest_valid:
            members = space.member_decisions
            dist = (members[None, :, :] != dec[bad][:, None, :]).sum(axis=2)  # [b, size]
            nearest = dist == dist.min(axis=1, keepdims=True)
            k = streams.integers(rows[bad], nearest.sum(axis=1))
            pick = (np.cumsum(nearest, axis=1) == (k + 1)[:, None]) & nearest
            dec[bad] = members[pick.argmax(axis=1)]
        else:
            for i in bad.tolist():
                dec[i] = streams.call(int(rows[i]), lambda g, v=dec[i : i + 1]: space.repair(v, g))[0]
    return space.from_decisions(dec), dec, ~ok


class SeenSets:
    """One set of architecture ids per seed, for ``size``-architecture spaces."""

    def __init__(self, n_seeds: int, size: int):
        self.size = int(size)
        self.count = np.zeros(n_seeds, dtype=np.int64)
        self.dense = n_seeds * self.size <= DENSE_LIMIT
        if self.dense:
            self.mask = np.zeros((n_seeds, self.size), dtype=bool)
        else:
            self.sets = [set() for _ in range(n_seeds)]

    def contains(self, rows: np.ndarray, archs: np.ndarray) -> np.ndarray:
        """Whether each ``archs[i]`` is in the set of ``rows[i]``."""
        if self.dense:
            return self.mask[rows, archs]
        return np.fromiter((a in self.sets[s] for s, a in zip(rows.tolist(), archs.tolist())), dtype=bool,
                           count=len(rows))

    def add(self, rows: np.ndarray, archs: np.ndarray) -> None:
        """Add ``archs[i]`` to the set of ``rows[i]`` (rows distinct, archs not yet in)."""
        if self.dense:
            self.mask[rows, archs] = True
        else:
            for s, a in zip(rows.tolist(), archs.tolist()):
                self.sets[s].add(a)
        self.count[rows] += 1

    def members(self, s: int) -> np.ndarray:
        """The ids in seed ``s``'s set, sorted."""
        if self.dense:
            return np.flatnonzero(self.mask[s])
        return np.sort(np.fromiter(self.sets[s], dtype=np.int64, count=len(self.sets[s])))

    def unseen(self, s: int, extra: np.ndarray | None = None) -> np.ndarray:
        """Sorted ids not in seed ``s``'s set (nor in ``extra``): ``np.setdiff1d(arange(size), ...)``."""
        if self.dense:
            free = ~self.mask[s]
            if extra is not None and len(extra):
                free = free.copy()
                free[extra] = False
            return np.flatnonzero(free)
        taken = self.members(s)
        if extra is not None:
            taken = np.concatenate([taken, np.asarray(extra, dtype=np.int64)])
        return np.setdiff1d(np.arange(self.size), taken)
