"""``npenas``: neural-predictor-guided evolution (Wei et al., NPENAS, IEEE TNNLS 2022).

NPENAS-NP, the variant without uncertainty: a graph neural predictor is fit on every
successful result; each iteration mutates the best architectures into candidates, ranks the
candidates by *predicted mean* (no acquisition function) and evaluates the best ``k``.
Candidate generation and the initial random population reuse the machinery of
:class:`strategies.bananas.PredictorGuided` (mutations of the best architectures, nothing
proposed twice).

Defaults: ``num_init=10`` initial random architectures and ``k=10`` evaluations per
iteration as in NPENAS's NAS-Bench-201 experiments; 100 mutation candidates of the best
``num_arches_to_mutate=10`` population members (NPENAS mutates the population's top
architectures rather than only the best; the candidate count follows BANANAS). The
predictor is the harness's ``gcn`` (a bidirectional GCN on the cell graph, the NPENAS
paper's "NP" is a GIN); that substitution is declared in the strategy's citation.
"""
from __future__ import annotations

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.bananas import PredictorGuided


class NPENAS(PredictorGuided):
    """Predictor-guided evolution: candidates by mutation, ranked by predicted mean."""

    name = "npenas"
    predictor_name = "gcn"
    encodings = ("graph",)

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, num_init: int = 10, k: int = 10,
                 num_candidates: int = 100, num_arches_to_mutate: int = 10):
        super().__init__(space, rng=rng, num_init=num_init, k=k, num_candidates=num_candidates,
                         num_arches_to_mutate=num_arches_to_mutate)

    def _acquisition(self, model, X, y):
        return model.predict(X)
