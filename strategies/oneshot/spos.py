"""SPOS (Guo et al., Single Path One-Shot NAS with Uniform Sampling, ECCV 2020).

Search: the supernet is trained exactly as RSPS (one uniformly drawn path per weight step,
:class:`~strategies.oneshot.rsps.SinglePathMethod`); the architecture is then found by an
evolutionary search whose fitness is the supernet score (single path, eval mode,
``search-valid``) of each candidate.

Evolution (paper sec. 3.3 and Algorithm 1; official code megvii-model/SinglePathOneShot,
``search.py``): a population of ``population = 50`` random architectures; for
``iterations = 20`` generations the ``top_k = 10`` best architectures seen so far are the
parents of ``mutations = 25`` children (each decision redrawn uniformly with probability
``mutation_prob = 0.1``) and ``crossovers = 25`` children (each decision from one of two parents,
uniformly), plus ``population - mutations - crossovers`` random ones (0 by default). Children
that name an architecture already seen are redrawn (at most ``10 x`` the wanted number of
tries). The result is the best architecture seen (first seen on ties).

SPOS's paper re-computes batch-norm statistics per candidate before scoring; the default
``bn_mode='train'`` (batch statistics in eval mode) has the same effect on NB-Graph's full
batch. The weight settings are those of :mod:`strategies.oneshot.rsps` (SPOS's ImageNet
settings do not apply to these spaces).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from strategies.oneshot.rsps import SinglePathMethod
from strategies.validation import check_int, check_number

__all__ = ["SPOS"]

SPOS_CITATION = ("Guo, Zhang, Mu, Heng, Liu, Wei & Sun, Single Path One-Shot Neural Architecture "
                 "Search with Uniform Sampling, ECCV 2020 (evolution: sec. 3.3, official search.py)")


class SPOS(SinglePathMethod):
    """Uniform single-path training + evolutionary search on the supernet (module docstring)."""

    name = "spos"
    citation = SPOS_CITATION
    defaults = {**SinglePathMethod.defaults, "population": 50, "iterations": 20, "top_k": 10,
                "mutations": 25, "crossovers": 25, "mutation_prob": 0.1}

    def validate(self, s: dict[str, Any]) -> dict[str, Any]:
        s = super().validate(s)
        n = self.name
        s["population"] = check_int(n, "population", s["population"], 1)
        s["iterations"] = check_int(n, "iterations", s["iterations"], 0)
        s["top_k"] = check_int(n, "top_k", s["top_k"], 1)
        s["mutations"] = check_int(n, "mutations", s["mutations"], 0, s["population"],
                                   " (at most the population)")
        s["crossovers"] = check_int(n, "crossovers", s["crossovers"], 0, s["population"] - s["mutations"],
                                    " (mutations + crossovers <= population)")
        s["mutation_prob"] = check_number(n, "mutation_prob", s["mutation_prob"], low=0, high=1)
        return s

    # ----- evolution -------------------------------------------------------------------------
    def _new(self, supernet, make, wanted: int, seen: set[int]) -> list[int]:
        """Up to ``wanted`` architectures not in ``seen``, from ``make()`` (a decision vector)."""
        out: list[int] = []
        tries = 0
        while len(out) < wanted and tries < 10 * max(wanted, 1):
            tries += 1
            dec = supernet.space.repair(np.asarray(make(), dtype=np.int64)[None, :], self.derive_rng)
            arch = int(supernet.space.from_decisions(dec)[0])
            if arch not in seen:
                seen.add(arch)
                out.append(arch)
        return out

    def evolve(self, supernet, data) -> tuple[int, float, int]:
        """(best arch, its score, architectures scored) of the evolutionary search."""
        s, rng, space = self.settings, self.derive_rng, supernet.space
        sizes = np.asarray(supernet.decision_sizes, dtype=np.int64)
        seen: set[int] = set()
        scored: list[tuple[float, int, int]] = []  # (score, order, arch)

        def random_vec():
            return (rng.random(len(sizes)) * sizes).astype(np.int64)

        def add(archs):
            for a in archs:
                scored.append((self.score(supernet, data, a), len(scored), a))

        add(self._new(supernet, random_vec, s["population"], seen))
        for _ in range(s["iterations"]):
            # best first; first seen first on ties
            parents = [a for _, _, a in sorted(scored, key=lambda t: (-t[0], t[1]))[: s["top_k"]]]
            pdec = space.to_decisions(np.asarray(parents, dtype=np.int64))

            def mutate(pdec=pdec):  # bound now: B023
                child = pdec[rng.integers(len(pdec))].copy()
                flip = rng.random(len(sizes)) < s["mutation_prob"]
                child[flip] = (rng.random(int(flip.sum())) * sizes[flip]).astype(np.int64)
                return child

            def cross(pdec=pdec):
                a, b = pdec[rng.integers(len(pdec))], pdec[rng.integers(len(pdec))]
                return np.where(rng.random(len(sizes)) < 0.5, a, b)

            children = self._new(supernet, mutate, s["mutations"], seen)
            children += self._new(supernet, cross, s["crossovers"], seen)
            children += self._new(supernet, random_vec, s["population"] - s["mutations"] - s["crossovers"], seen)
            add(children)
        best_score, _, best = max(scored, key=lambda t: (t[0], -t[1]))
        return int(best), float(best_score), len(scored)

    def final_derive(self, supernet, data) -> tuple[int, float, int]:
        return self.evolve(supernet, data)
