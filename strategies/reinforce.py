"""REINFORCE over the space's categorical decisions, ``reinforce`` (Williams, 1992), in numpy."""
from __future__ import annotations

import math

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.base import Strategy, Trial
from strategies.validation import check_number


class Reinforce(Strategy):
    """Policy-gradient search with one independent softmax per decision.

    The policy is a table of logits, one row per decision of ``space.decision_sizes``
    (initialised ``1e-3 * N(0, 1)`` as NAS-Bench-201's ``Policy``). Each ask samples one
    choice per decision, maps the vector to an architecture with ``archs_of_decisions`` (a
    vector that names no architecture, such as NB-Graph's all-skip cell, is repaired by the
    space to a nearest valid one) and remembers the vector evaluated under the trial's id. Each
    successful tell makes one Adam step on
    ``-log pi(decisions) * (reward - baseline)``, where the reward is the search signal and the
    baseline an exponential moving average of the rewards, bias-corrected and updated with
    the current reward before the step, exactly as NAS-Bench-201's ``reinforce.py``
    (``ExponentialMovingAverage``). Failed trials (NaN) make no update and do not touch the
    baseline. With asynchronous workers the score function is taken at the current policy
    (for one worker this is the textbook update). A repaired vector is the one rewarded: its
    score function is taken, so the policy moves towards cells that exist.

    Defaults, all from the NAS-Bench-201 REINFORCE baseline (Dong & Yang, ICLR 2020;
    AutoDL-Projects ``exps/NAS-Bench-201-algos/reinforce.py``, run by the command that
    ``docs/NAS-Bench-201.md`` gives to reproduce it,
    ``scripts-search/NAS-Bench-201-algos/REINFORCE.sh cifar10 0.5 -1``):
    ``learning_rate=0.5`` (Adam with PyTorch's defaults betas 0.9/0.999, eps 1e-8, as that
    code) and ``ema_momentum=0.9`` (the script's ``--EMA_momentum 0.9``). With this rate the
    policy becomes nearly deterministic within about a hundred updates, often on a
    sub-optimal cell, as in the reference; lower rates explore longer.
    """

    name = "reinforce"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, learning_rate: float = 0.5, ema_momentum: float = 0.9):
        super().__init__(space, rng=rng)
        self.learning_rate = check_number("reinforce", "learning_rate", learning_rate, low=0, low_open=True)
        self.ema_momentum = check_number("reinforce", "ema_momentum", ema_momentum, low=0, high=1, high_open=True)
        sizes = np.asarray(space.decision_sizes, dtype=np.int64)
        self._sizes = sizes
        n, k = len(sizes), int(sizes.max())
        self._mask = np.arange(k)[None, :] < sizes[:, None]  # valid choices per decision
        #: logits ``[n_decisions, max_choices]`` (entries past a decision's size are unused)
        self.logits = np.where(self._mask, 1e-3 * rng.standard_normal((n, k)), 0.0)
        self._m = np.zeros((n, k))
        self._v = np.zeros((n, k))
        self._steps = 0
        self._beta1, self._beta2, self._eps = 0.9, 0.999, 1e-8
        self._ema_num = 0.0
        self._ema_den = 0.0
        self._rows = np.arange(n)
        self._pending: dict[int, np.ndarray] = {}

    # ----- policy ---------------------------------------------------------------------------
    def probabilities(self) -> np.ndarray:
        """Choice probabilities ``[n_decisions, max_choices]`` (0 past each decision's size)."""
        z = np.where(self._mask, self.logits, -np.inf)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def _sample(self, probs: np.ndarray) -> np.ndarray:
        cdf = np.cumsum(probs, axis=1)
        u = self.rng.random(len(cdf))[:, None] * cdf[:, -1:]
        choice = (cdf <= u).sum(axis=1)
        return np.minimum(choice, self._sizes - 1)

    def _propose(self) -> Trial:
        ids, decisions = self.archs_of_decisions(self._sample(self.probabilities())[None, :])
        trial = self.new_trial(int(ids[0]))
        self._pending[trial.trial_id] = decisions[0]
        return trial

    def _observe(self, trial: Trial, value: float) -> None:
        decisions = self._pending.pop(trial.trial_id, None)
        if decisions is None or math.isnan(value):
            return
        mom = self.ema_momentum
        self._ema_num = mom * self._ema_num + (1 - mom) * value
        self._ema_den = mom * self._ema_den + (1 - mom)
        advantage = value - self._ema_num / self._ema_den
        # d/dlogits of -log pi(a) * A  =  (pi - onehot(a)) * A
        grad = self.probabilities()
        grad[self._rows, decisions] -= 1.0
        grad *= advantage
        grad[~self._mask] = 0.0
        self._adam(grad)

    def _adam(self, grad: np.ndarray) -> None:
        b1, b2 = self._beta1, self._beta2
        self._steps += 1
        self._m = b1 * self._m + (1 - b1) * grad
        self._v = b2 * self._v + (1 - b2) * grad * grad
        m_hat = self._m / (1 - b1**self._steps)
        v_hat = self._v / (1 - b2**self._steps)
        self.logits -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self._eps)

    @property
    def baseline(self) -> float:
        """The current moving-average baseline (NaN before the first successful result)."""
        return self._ema_num / self._ema_den if self._ema_den else math.nan

