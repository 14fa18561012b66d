"""The predictor contract (scikit-learn style) and shared helpers.

A predictor maps feature rows (from :class:`predictors.encodings.ArchEncoder`) to a
performance value (higher is better, e.g. validation accuracy):

    model = make_predictor("rf", random_state=0).fit(X_train, y_train)   # returns self
    mean = model.predict(X_test)                                          # [n] float64
    std = model.predict_std(X_test)                                       # where the model has one

``__init__`` only stores its parameters (``get_params``/``set_params``/``clone`` work);
everything learned ends in ``_``. ``random_state`` (None, int, ``np.random.SeedSequence`` or
``np.random.Generator``) is read inside ``fit`` only: the same ``random_state`` and data give
the same predictions bit for bit; nothing is seeded globally (torch models use a private
``torch.Generator``).
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError

from nasbench.errors import NasbenchError


class PredictorError(NasbenchError, ValueError):
    """Bad training/prediction data or predictor parameters."""


class PredictorNotFittedError(NotFittedError, NasbenchError):
    """``predict`` before ``fit`` (a scikit-learn NotFittedError as well)."""


@contextmanager
def single_thread():
    """Run the block with one BLAS/OpenMP thread (and one torch thread if torch is loaded).

    The models here are small: on a shared machine, multi-threaded kernels made fits 5-100x
    slower (oversubscription) and made torch reductions thread-count dependent. The previous
    settings are restored on exit; nothing is changed globally.
    """
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    old = torch.get_num_threads() if torch is not None else None
    try:
        with threadpool_limits(limits=1):
            if torch is not None:
                torch.set_num_threads(1)
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(old)


def seed_sequence(random_state) -> np.random.SeedSequence:
    """A SeedSequence from None / int / SeedSequence / Generator (a Generator is advanced)."""
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(2**63)))
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool) and random_state >= 0:
        return np.random.SeedSequence(int(random_state))
    raise PredictorError(
        f"random_state must be None, a non-negative int, a SeedSequence or a numpy Generator, got {random_state!r}"
    )


def int_seed(random_state) -> int:
    """A 31-bit int seed (for scikit-learn estimators) derived from ``random_state``."""
    return int(seed_sequence(random_state).generate_state(1, np.uint32)[0] & 0x7FFFFFFF)


class Predictor(RegressorMixin, BaseEstimator):
    """Base class: input checks, target standardisation and the not-fitted check.

    Subclasses implement ``_fit(X, z)`` on standardised targets ``z`` and ``_predict(X)``
    returning standardised mean (and std when ``_predict_std`` is overridden).
    """

    #: whether the fitted model depends on ``random_state``
    stochastic: bool = False
    #: whether predict_std is meaningful
    has_std: bool = False

    # ----- checks --------------------------------------------------------------------------
    def _check_X(self, X, fitting: bool) -> np.ndarray:
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise PredictorError(f"{type(self).__name__}: X must be a numeric 2-D array ({exc})") from None
        if X.ndim != 2:
            raise PredictorError(f"{type(self).__name__}: X must be 2-D [n_samples, n_features], got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise PredictorError(f"{type(self).__name__}: X contains NaN or infinite values")
        if fitting:
            if X.shape[0] < 2:
                raise PredictorError(f"{type(self).__name__}: fit needs at least 2 samples, got {X.shape[0]}")
        else:
            if not hasattr(self, "n_features_in_"):
                raise PredictorNotFittedError(
                    f"this {type(self).__name__} is not fitted yet; call fit(X, y) before predict"
                )
            if X.shape[1] != self.n_features_in_:
                raise PredictorError(
                    f"{type(self).__name__}: X has {X.shape[1]} features, but the model was fitted with "
                    f"{self.n_features_in_}"
                )
        return X

    def _check_y(self, y, n: int) -> np.ndarray:
        try:
            y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise PredictorError(f"{type(self).__name__}: y must be numeric ({exc})") from None
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or len(y) != n:
            raise PredictorError(f"{type(self).__name__}: y must have shape [{n}] to match X, got {y.shape}")
        if not np.all(np.isfinite(y)):
            raise PredictorError(
                f"{type(self).__name__}: y contains NaN or infinite values (drop failed trials before fit)"
            )
        return y

    # ----- the contract ----------------------------------------------------------------------
    def fit(self, X: ArrayLike, y: ArrayLike) -> Predictor:
        """Fit the model to architectures and their measured values.

        Targets are standardised internally (mean 0, std 1) and predictions are mapped back, so any
        unit works; fitting runs with BLAS limited to one thread (:func:`single_thread`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Encoded architectures (:class:`~predictors.encodings.ArchEncoder`), finite values.
        y : array-like of shape (n_samples,)
            Their measured values (e.g. validation accuracy in %), finite: drop failed trials first.

        Returns
        -------
        Predictor
            ``self``, fitted.

        Raises
        ------
        PredictorError
            ``X`` or ``y`` has the wrong shape, too few samples, or a NaN / infinite value.
        """
        X = self._check_X(X, fitting=True)
        y = self._check_y(y, len(X))
        self.n_features_in_ = X.shape[1]
        self.y_mean_ = float(y.mean())
        sd = float(y.std())
        self.y_scale_ = sd if sd > 0 else 1.0
        with single_thread():
            self._fit(X, (y - self.y_mean_) / self.y_scale_)
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted values of encoded architectures.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Encoded as for :meth:`fit` (the same number of features).

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            Predictions in the unit of the ``y`` given to :meth:`fit`.

        Raises
        ------
        PredictorNotFittedError
            :meth:`fit` has not been called.
        PredictorError
            ``X`` has another number of features than at fit time, or non-finite values.
        """
        X = self._check_X(X, fitting=False)
        with single_thread():
            return self._predict(X) * self.y_scale_ + self.y_mean_

    def predict_std(self, X: ArrayLike) -> np.ndarray:
        """Predictive standard deviation of encoded architectures (models with ``has_std``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Encoded as for :meth:`fit`.

        Returns
        -------
        numpy.ndarray of shape (n_samples,)
            Standard deviations in the unit of the ``y`` given to :meth:`fit`.

        Raises
        ------
        PredictorError
            The model gives no uncertainty (``has_std`` is False), or ``X`` is malformed.
        PredictorNotFittedError
            :meth:`fit` has not been called.
        """
        if not self.has_std:
            raise PredictorError(f"{type(self).__name__} gives no uncertainty (predict_std)")
        X = self._check_X(X, fitting=False)
        with single_thread():
            return self._predict_std(X) * self.y_scale_

    # ----- to implement ----------------------------------------------------------------------
    def _fit(self, X: np.ndarray, z: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _predict_std(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError
