"""An LSTM controller trained with policy gradients, ``rl-controller`` (Zoph & Le 2017; ENAS).

Needs the optional ``torch`` extra; torch is imported when the strategy is built. Small
networks like this one run fastest on one thread: set ``OMP_NUM_THREADS=1`` (or call
``torch.set_num_threads(1)``) in processes that run many searches; the library leaves torch's
global settings alone.
"""
from __future__ import annotations

import math

import numpy as np

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import SearchSpace
from strategies.base import Strategy, StrategyError, Trial
from strategies.reinforce import MAX_REDRAWS, check_positive_float, check_unit_float


def _check_hidden(value) -> int:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if ok and 1 <= value <= 4096:
        return int(value)
    raise StrategyError(f"rl-controller: hidden_size must be an integer in 1 .. 4096, got {value!r}")


def _check_entropy(value) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok and math.isfinite(value) and value >= 0:
        return float(value)
    raise StrategyError(f"rl-controller: entropy_weight must be a finite number >= 0, got {value!r}")


def _check_tanh(value) -> float | None:
    if value is None:
        return None
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok and math.isfinite(value) and value > 0:
        return float(value)
    raise StrategyError(f"rl-controller: tanh_constant must be a finite number > 0 or None, got {value!r}")


class RLController(Strategy):
    """Autoregressive LSTM policy over the space's decisions, trained with REINFORCE.

    As the NAS controllers of Zoph & Le (ICLR 2017) and ENAS (Pham et al., ICML 2018): a
    one-layer LSTM emits the decisions of ``space.decision_sizes`` one per step; step 0 reads
    a learned start embedding, step t > 0 reads the embedding of the choice made at step
    t - 1; each decision has its own linear head, whose logits are squashed to
    ``tanh_constant * tanh(logits)`` (ENAS's sampling-logit bound; ``None`` disables it).
    Every parameter starts ``uniform(-0.1, 0.1)`` (ENAS's initializer). The decision vector is
    mapped with ``space.from_decisions`` (vectors naming no architecture are redrawn).

    Each successful tell makes one Adam step on ``-log pi(decisions) * (reward - baseline)``
    where reward = search signal + ``entropy_weight`` * entropy of the sampled sequence (ENAS
    adds the entropy to the reward) and the baseline moves as
    ``b <- b - (1 - baseline_decay) * (b - reward)`` before the step (ENAS); the first reward
    initialises it (NAS-Bench-201's ENAS does so; the original starts at 0, which with
    percentage rewards would make every early advantage large and positive). Failed trials
    (NaN) make no update and leave the baseline alone. The log-probability is recomputed at
    tell time with the current weights from the remembered decisions, so asynchronous
    workers are supported (for one worker this is the textbook update).

    Randomness: a ``torch.Generator`` seeded from the strategy's numpy generator draws the
    initial weights and every sample; torch's global seed is never touched. Same seed, same
    proposals, given the same torch build and thread count (float reductions may differ
    across them).

    Defaults from ENAS's CIFAR-10 micro search (Pham et al. 2018, code ``melodyguan/enas``:
    ``src/cifar10/main.py`` and ``scripts/cifar10_micro_search.sh``): ``hidden_size=64``
    (``lstm_size=64``, one layer), ``learning_rate=0.0035`` (``--controller_lr=0.0035``, Adam),
    ``baseline_decay=0.99`` (``controller_bl_dec``), ``entropy_weight=1e-4``
    (``--controller_entropy_weight=0.0001``), ``tanh_constant=1.1``
    (``--controller_tanh_constant=1.10``; ENAS further divides it by ``op_tanh_reduce=2.5`` for
    operation decisions, which is not applied here: all decisions share one constant). Note
    that ENAS's rewards are accuracies in [0, 1]; with percentage signals the entropy bonus
    weighs 100x less.
    """

    name = "rl-controller"

    def __init__(
        self,
        space: SearchSpace,
        *,
        rng: np.random.Generator,
        hidden_size: int = 64,
        learning_rate: float = 0.0035,
        baseline_decay: float = 0.99,
        entropy_weight: float = 1e-4,
        tanh_constant: float | None = 1.1,
    ):
        super().__init__(space, rng=rng)
        self.hidden_size = _check_hidden(hidden_size)
        self.learning_rate = check_positive_float("rl-controller", "learning_rate", learning_rate)
        self.baseline_decay = check_unit_float("rl-controller", "baseline_decay", baseline_decay)
        self.entropy_weight = _check_entropy(entropy_weight)
        self.tanh_constant = _check_tanh(tanh_constant)

        import torch  # optional extra: imported only when the strategy is built

        self._torch = torch
        self._gen = torch.Generator().manual_seed(int(rng.integers(2**63)))
        sizes = [int(s) for s in space.decision_sizes]
        self._sizes = sizes
        self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64).tolist()
        h = self.hidden_size
        skip_init = torch.nn.utils.skip_init  # no default init: it would draw from torch's global RNG
        self._cell = skip_init(torch.nn.LSTMCell, h, h)
        self._start_emb = torch.nn.Parameter(torch.empty(1, h))
        self._emb = skip_init(torch.nn.Embedding, sum(sizes), h)  # one row per (decision, choice)
        self._heads = torch.nn.ModuleList(skip_init(torch.nn.Linear, h, s) for s in sizes)
        self._params = [self._start_emb, *self._cell.parameters(), *self._emb.parameters(), *self._heads.parameters()]
        with torch.no_grad():
            for p in self._params:
                p.uniform_(-0.1, 0.1, generator=self._gen)
        try:  # the fused CPU kernel (torch >= 2.4) is several times faster for many small tensors
            self._opt = torch.optim.Adam(self._params, lr=self.learning_rate, fused=True)
        except (RuntimeError, TypeError, ValueError):
            self._opt = torch.optim.Adam(self._params, lr=self.learning_rate)
        self._baseline: float | None = None
        self._pending: dict[int, list[int]] = {}
        self.invalid_draws = 0

    # ----- the policy -------------------------------------------------------------------------
    def _logits(self, h_out, step: int):
        z = self._heads[step](h_out)
        if self.tanh_constant is not None:
            z = self.tanh_constant * self._torch.tanh(z)
        return z

    def _sample(self) -> list[int]:
        torch = self._torch
        choices: list[int] = []
        with torch.no_grad():
            x, state = self._start_emb, None
            for step in range(len(self._sizes)):
                state = self._cell(x, state)
                probs = torch.softmax(self._logits(state[0], step), dim=-1)
                c = int(torch.multinomial(probs, 1, generator=self._gen).item())
                choices.append(c)
                x = self._emb.weight[self._offsets[step] + c].unsqueeze(0)
        return choices

    def _log_prob_entropy(self, choices: list[int]):
        """Sum of log-probabilities and of entropies of a decision sequence (with gradients)."""
        torch = self._torch
        x, state = self._start_emb, None
        log_prob = entropy = 0.0
        for step, c in enumerate(choices):
            state = self._cell(x, state)
            logp = torch.log_softmax(self._logits(state[0], step), dim=-1)[0]
            log_prob = log_prob + logp[c]
            entropy = entropy - (logp.exp() * logp).sum()
            x = self._emb.weight[self._offsets[step] + c].unsqueeze(0)
        return log_prob, entropy

    def probability(self, decisions) -> float:
        """Probability that the controller emits exactly ``decisions`` (for diagnostics)."""
        with self._torch.no_grad():
            log_prob, _ = self._log_prob_entropy([int(d) for d in decisions])
        return float(log_prob.exp())

    # ----- ask / tell -------------------------------------------------------------------------
    def _propose(self) -> Trial:
        for _ in range(MAX_REDRAWS):
            choices = self._sample()
            try:
                arch = int(self.space.from_decisions(np.asarray([choices], dtype=np.int64))[0])
            except InvalidArchitectureError:
                self.invalid_draws += 1
                continue
            trial = Trial(arch, None, self._next_trial_id)
            self._next_trial_id += 1
            self._pending[trial.trial_id] = choices
            return trial
        raise StrategyError(
            f"rl-controller: {MAX_REDRAWS} decision vectors in a row named no architecture of "
            f"'{self.space.name}'; the controller has collapsed onto invalid cells"
        )

    def _observe(self, trial: Trial, value: float) -> None:
        choices = self._pending.pop(trial.trial_id, None)
        if choices is None or math.isnan(value):
            return
        log_prob, entropy = self._log_prob_entropy(choices)
        reward = value + self.entropy_weight * float(entropy.detach())
        if self._baseline is None:
            self._baseline = reward
        else:
            self._baseline -= (1 - self.baseline_decay) * (self._baseline - reward)
        loss = -log_prob * (reward - self._baseline)
        self._opt.zero_grad(set_to_none=True)
        loss.backward()
        self._opt.step()

    @property
    def baseline(self) -> float:
        """The current moving-average baseline (NaN before the first successful result)."""
        return math.nan if self._baseline is None else self._baseline

    @property
    def hyperparameters(self) -> dict:
        return {
            "hidden_size": self.hidden_size,
            "learning_rate": self.learning_rate,
            "baseline_decay": self.baseline_decay,
            "entropy_weight": self.entropy_weight,
            "tanh_constant": self.tanh_constant,
        }
