"""``bo-gp``: Bayesian optimisation with a Gaussian process and expected improvement."""
from __future__ import annotations

import numpy as np
from scipy.stats import norm

from nasbench.spaces import SearchSpace
from strategies.bananas import PredictorGuided
from strategies.validation import check_number


class BOGP(PredictorGuided):
    """GP-BO over architectures (exact GP with an exponentiated-Hamming kernel, ML-II
    hyperparameters: the ``gp`` predictor) with expected improvement over candidates: 100
    mutations of the best architectures plus 100 uniformly random ones, refit after every
    result (``k=1``) once ``num_init`` (10) random architectures are back.

    EI (Mockus 1978; Jones et al. 1998) of a candidate with posterior mean m and std s over
    the incumbent f*: ``(m - f* - xi) Phi(u) + s phi(u)``, ``u = (m - f* - xi) / s``; ``xi``
    defaults to 0. Candidate generation as in ``bananas`` (NASBOT/BANANAS-style mutation
    acquisition optimiser; White et al., AAAI 2021), with the random candidates added for
    global exploration.
    """

    name = "bo-gp"
    predictor_name = "gp"
    encodings = ("onehot",)

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, num_init: int = 10, k: int = 1,
                 num_candidates: int = 100, num_random_candidates: int = 100, xi: float = 0.0):
        self.xi = check_number("bo-gp", "xi", xi, low=0)
        super().__init__(space, rng=rng, num_init=num_init, k=k, num_candidates=num_candidates,
                         num_random_candidates=num_random_candidates)

    def _acquisition(self, model, X, y):
        mean, std = model.predict(X), np.maximum(model.predict_std(X), 1e-12)
        imp = mean - y.max() - self.xi
        u = imp / std
        return imp * norm.cdf(u) + std * norm.pdf(u)
