"""Classical predictors: Bayesian ridge, random forest, gradient-boosted trees, exact GP."""
from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import minimize

from predictors.base import Predictor, PredictorError, int_seed


class RidgePredictor(Predictor):
    """Bayesian linear regression (scikit-learn ``BayesianRidge``); std from its posterior."""

    has_std = True

    def __init__(self, random_state=None):
        self.random_state = random_state

    def _fit(self, X, z):
        from sklearn.linear_model import BayesianRidge

        self.model_ = BayesianRidge().fit(X, z)

    def _predict(self, X):
        return self.model_.predict(X)

    def _predict_std(self, X):
        return self.model_.predict(X, return_std=True)[1]


class RandomForestPredictor(Predictor):
    """Random forest (scikit-learn); std across trees.

    Defaults ``n_estimators=116, max_features=0.17, min_samples_leaf=2``: the tuned random
    forest of White et al., NeurIPS 2021 (NASLib ``RandomForestPredictor`` defaults).
    """

    stochastic = True
    has_std = True

    def __init__(self, n_estimators=116, max_features=0.17, min_samples_leaf=2, random_state=None):
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def _fit(self, X, z):
        from sklearn.ensemble import RandomForestRegressor

        self.model_ = RandomForestRegressor(
            n_estimators=self.n_estimators, max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf, random_state=int_seed(self.random_state), n_jobs=1,
        ).fit(X, z)

    def _per_tree(self, X):
        return np.stack([t.predict(X) for t in self.model_.estimators_])

    def _predict(self, X):
        return self.model_.predict(X)

    def _predict_std(self, X):
        return self._per_tree(X).std(axis=0)


class GBTPredictor(Predictor):
    """Gradient-boosted trees: scikit-learn ``HistGradientBoostingRegressor``.

    ``min_samples_leaf`` defaults to ``max(1, min(20, n // 10))`` (the library's 20 would
    leave no split with 5-40 training points). With ``subsample`` < 1 rows are subsampled
    per tree (the only stochastic part; 1.0 by default, so deterministic).
    """

    def __init__(self, learning_rate=0.05, max_iter=300, max_leaf_nodes=15, min_samples_leaf=None,
                 l2_regularization=0.0, random_state=None):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.random_state = random_state

    def _fit(self, X, z):
        from sklearn.ensemble import HistGradientBoostingRegressor

        leaf = self.min_samples_leaf or max(1, min(20, len(X) // 10))
        self.model_ = HistGradientBoostingRegressor(
            learning_rate=self.learning_rate, max_iter=self.max_iter, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=leaf, l2_regularization=self.l2_regularization, early_stopping=False,
            random_state=int_seed(self.random_state),
        ).fit(X, z)

    def _predict(self, X):
        return self.model_.predict(X)


class GPPredictor(Predictor):
    """Exact Gaussian process with a Hamming (categorical) kernel, in numpy/scipy.

    ``k(x, x') = s2 * exp(-h(x, x') / l)`` with ``h`` the squared Euclidean distance of the
    encodings, which on one-hot (or path) encodings is twice the number of differing
    choices (Hamming distance): the exponentiated-Hamming kernel used for categorical
    spaces (e.g. COMBO, Oh et al. NeurIPS 2019; BOHB/SMAC's categorical kernel).
    ``s2``, ``l`` and the noise variance are fit by maximising the log marginal likelihood
    (L-BFGS-B on log parameters, analytic gradients, from ``n_restarts`` fixed starts;
    targets standardised). Deterministic: ``random_state`` is accepted but unused.
    """

    has_std = True

    def __init__(self, n_restarts=3, random_state=None):
        self.n_restarts = n_restarts
        self.random_state = random_state

    @staticmethod
    def _dist(A, B):
        d = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2 * A @ B.T
        return np.maximum(d, 0.0)

    def _nll(self, theta, D, z):
        log_s2, log_l, log_noise = theta
        s2, ell, noise = np.exp(log_s2), np.exp(log_l), np.exp(log_noise)
        E = np.exp(-D / ell)
        K = s2 * E + (noise + 1e-8) * np.eye(len(z))
        try:
            c = cho_factor(K, lower=True)
        except np.linalg.LinAlgError:
            return 1e10, np.zeros(3)
        alpha = cho_solve(c, z)
        nll = 0.5 * z @ alpha + np.log(np.diag(c[0])).sum() + 0.5 * len(z) * np.log(2 * np.pi)
        Kinv = cho_solve(c, np.eye(len(z)))
        W = Kinv - np.outer(alpha, alpha)
        dK = (s2 * E, s2 * E * D / ell, noise * np.eye(len(z)))  # d K / d log-param
        grad = np.array([0.5 * np.sum(W * g) for g in dK])
        return nll, grad

    def _fit(self, X, z):
        D = self._dist(X, X)
        scale = max(float(np.median(D[D > 0])) if np.any(D > 0) else 1.0, 1e-3)
        starts = [np.array([0.0, np.log(scale * f), np.log(n)]) for f, n in
                  ((1.0, 0.1), (4.0, 0.01), (0.25, 0.3), (2.0, 0.05))][: max(1, self.n_restarts)]
        bounds = [(-5, 5), (np.log(scale) - 6, np.log(scale) + 6), (np.log(1e-6), np.log(2.0))]
        best = None
        for x0 in starts:
            res = minimize(self._nll, x0, args=(D, z), jac=True, method="L-BFGS-B", bounds=bounds)
            if best is None or res.fun < best.fun:
                best = res
        if best is None:
            raise PredictorError("GP hyperparameter fit had no starting point")  # starts is never empty
        s2, ell, noise = np.exp(best.x)
        self.kernel_params_ = {"s2": float(s2), "lengthscale": float(ell), "noise": float(noise)}
        K = s2 * np.exp(-D / ell) + (noise + 1e-8) * np.eye(len(z))
        self.chol_ = cho_factor(K, lower=True)
        self.alpha_ = cho_solve(self.chol_, z)
        self.X_train_ = X

    def _kstar(self, X):
        p = self.kernel_params_
        return p["s2"] * np.exp(-self._dist(X, self.X_train_) / p["lengthscale"])

    def _predict(self, X):
        return self._kstar(X) @ self.alpha_

    def _predict_std(self, X):
        Ks = self._kstar(X)
        v = cho_solve(self.chol_, Ks.T)
        var = self.kernel_params_["s2"] - np.sum(Ks * v.T, axis=1)
        return np.sqrt(np.maximum(var, 1e-12))
