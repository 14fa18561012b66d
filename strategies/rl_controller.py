"""An LSTM controller trained with policy gradients, ``rl-controller`` (Zoph & Le 2017; ENAS).

Needs the optional ``torch`` extra; torch is imported when the strategy is built. Small
networks like this one run fastest on one thread: set ``OMP_NUM_THREADS=1`` (or call
``torch.set_num_threads(1)``) in processes that run many searches; the library leaves torch's
global settings alone. With more torch threads than free cores (two processes with torch's
default thread count on two cores) every small kernel waits on OpenMP barriers, and a query
costs tens of times more.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.base import Strategy, Trial
from strategies.validation import check_int, check_number


class _Batch:
    """Architectures sampled together in one pass (one policy version) and their told results."""

    __slots__ = ("inputs", "choices", "entropy", "untold", "rows", "advantages")

    def __init__(self, inputs, choices, entropy: list[float]):
        self.inputs = inputs  # the LSTM's input rows, LongTensor [n_decisions, n]
        self.choices = choices  # the decisions, LongTensor [n_decisions, n]
        self.entropy = entropy  # entropy of each row's policy when it was sampled
        self.untold = len(entropy)  # members not told yet (asked or still queued)
        self.rows: list[int] = []  # successful members, in tell order
        self.advantages: list[float] = []


class RLController(Strategy):
    """Autoregressive LSTM policy over the space's decisions, trained with REINFORCE on batches.

    As the NAS controllers of Zoph & Le (ICLR 2017) and ENAS (Pham et al., ICML 2018): a
    one-layer LSTM emits the decisions of ``space.decision_sizes`` one per step; step 0 reads
    a learned start embedding, step t > 0 reads the embedding of the choice made at step
    t - 1; each decision has its own linear head, whose logits are squashed to
    ``tanh_constant * tanh(logits)`` (ENAS's sampling-logit bound; ``None`` disables it).
    Every parameter starts ``uniform(-0.1, 0.1)`` (ENAS's initializer). The decision vector is
    mapped with ``archs_of_decisions`` (a vector naming no architecture is repaired by the space
    to a nearest valid one, and the repaired vector is the one rewarded and trained on).

    Batches: whenever no sampled architecture is waiting to be asked, the controller samples
    ``batch_size`` of them in one batched pass of the LSTM (without gradients) and hands them
    out one per ask. Once every member of a batch has been told,
    it makes one Adam step on the batch's mean REINFORCE loss
    ``-mean_i log pi(decisions_i) * (reward_i - b_i)``, as Zoph & Le train their controller on
    batches of m sampled architectures and NASNet and ENAS average the policy gradient over a
    batch. Failed members (NaN) are left out of the mean (a batch with no successful member
    makes no step). ``batch_size=1`` is the one-step-per-result update. ``n_updates`` counts
    the steps made.

    Rewards and baseline: reward = search signal + ``entropy_weight`` * entropy of the
    sampled sequence (ENAS adds the entropy to the reward; it is the entropy of the policy
    that sampled the sequence, computed in the sampling pass). The baseline moves with every
    successful result, in tell order, as ``b <- b - (1 - baseline_decay) * (b - reward)``
    before that result's advantage ``reward - b`` is taken (ENAS); the first reward
    initialises it (NAS-Bench-201's ENAS does so; the original starts at 0, which with
    percentage rewards would make every early advantage large and positive). Failed trials
    leave the baseline alone. Each trial's decisions are stored; the log-probabilities of a
    batch are recomputed in one batched forward (rows in sampling order, whatever the tell
    order) with the weights current at the update, so asynchronous workers are supported
    (with several workers a new batch may be sampled before the previous one is complete;
    both come from the weights of the moment).

    Randomness: a ``torch.Generator`` seeded from the strategy's numpy generator draws the
    initial weights and every sample (each choice exactly from its softmax, by the Gumbel-max
    trick with the batch's noise drawn in one call); torch's global seed is never touched.
    Same seed, same proposals, given the same torch build and thread count (float reductions
    may differ across them).

    Defaults from ENAS's CIFAR-10 micro search (Pham et al. 2018, code ``melodyguan/enas``:
    ``src/cifar10/main.py`` and ``scripts/cifar10_micro_search.sh``): ``hidden_size=64``
    (``lstm_size=64``, one layer), ``learning_rate=0.0035`` (``--controller_lr=0.0035``, Adam),
    ``baseline_decay=0.99`` (``controller_bl_dec``), ``entropy_weight=1e-4``
    (``--controller_entropy_weight=0.0001``), ``tanh_constant=1.1``
    (``--controller_tanh_constant=1.10``; ENAS further divides it by ``op_tanh_reduce=2.5`` for
    operation decisions, which is not applied here: all decisions share one constant). Note
    that ENAS's rewards are accuracies in [0, 1]; with percentage signals the entropy bonus
    weighs 100x less. ``batch_size=10``: ``--controller_num_aggregate=10`` with
    ``--controller_sync_replicas`` in the same script (the gradients of 10 sampled
    architectures are averaged into one Adam step, the baseline moving with each sample), the
    batches of m sampled architectures per controller update of Zoph & Le (ICLR 2017).
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
        batch_size: int = 10,
    ):
        super().__init__(space, rng=rng)
        n = "rl-controller"
        self.hidden_size = check_int(n, "hidden_size", hidden_size, 1, 4096)
        self.learning_rate = check_number(n, "learning_rate", learning_rate, low=0, low_open=True)
        self.baseline_decay = check_number(n, "baseline_decay", baseline_decay, low=0, high=1, high_open=True)
        self.entropy_weight = check_number(n, "entropy_weight", entropy_weight, low=0)
        self.tanh_constant = check_number(n, "tanh_constant", tanh_constant, low=0, low_open=True, allow_none=True)
        self.batch_size = check_int(n, "batch_size", batch_size, 1, 10_000)

        import torch  # optional extra: imported only when the strategy is built

        self._torch = torch
        self._gen = torch.Generator().manual_seed(int(rng.integers(2**63)))
        sizes = [int(s) for s in space.decision_sizes]
        self._sizes = sizes
        self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64).tolist()
        h, steps, width, total = self.hidden_size, len(sizes), max(sizes), sum(sizes)
        # built on the meta device, then allocated uninitialised: default inits would draw from
        # torch's global RNG
        self._lstm = torch.nn.LSTM(h, h, device="meta").to_empty(device="cpu")  # time-major
        # one embedding row per (decision, choice), then the start embedding (row ``total``)
        self._emb = torch.nn.Parameter(torch.empty(total + 1, h))
        # the heads, stacked and padded to the widest decision: decision t's head is
        # ``_head_w[t, :sizes[t]]`` and ``_head_b[t, :sizes[t]]`` (the padding is never used)
        self._head_w = torch.nn.Parameter(torch.empty(steps, width, h))
        self._head_b = torch.nn.Parameter(torch.empty(steps, width))
        self._params = [*self._lstm.parameters(), self._emb, self._head_w, self._head_b]
        with torch.no_grad():
            for p in self._params:
                p.uniform_(-0.1, 0.1, generator=self._gen)
        self._start_row = total
        # views for the sampling pass (they follow the optimizer's in-place updates)
        self._cell_weights = [p.detach() for p in self._lstm.parameters()]  # w_ih, w_hh, b_ih, b_hh
        w, b, e = self._head_w.detach(), self._head_b.detach(), self._emb.detach()
        self._step_views = [
            (w[t, :s].t(), b[t, :s], e[o : o + s]) for t, (o, s) in enumerate(zip(self._offsets, sizes))
        ]
        pad_mask = np.ones((steps, 1, width), dtype=bool)
        for t, s in enumerate(sizes):
            pad_mask[t, :, :s] = False
        self._pad_mask = torch.from_numpy(pad_mask)  # [steps, 1, width]: True where no choice
        try:  # the fused CPU kernel (torch >= 2.4) is several times faster for many small tensors
            self._opt = torch.optim.Adam(self._params, lr=self.learning_rate, fused=True)
        except (RuntimeError, TypeError, ValueError):
            self._opt = torch.optim.Adam(self._params, lr=self.learning_rate)
        self._baseline: float | None = None
        self._queue: deque[tuple[int, _Batch, int]] = deque()  # sampled, not asked: (arch, batch, row)
        self._pending: dict[int, tuple[_Batch, int]] = {}  # asked, not told: trial id -> (batch, row)
        self.n_updates = 0

    # ----- the policy -------------------------------------------------------------------------
    def _sample(self, n: int):
        """``n`` decision vectors ``[n, n_decisions]`` (numpy) from one batched pass, and their entropies.

        Each choice is drawn exactly from its softmax by the Gumbel-max trick, with noise drawn
        up front from the private generator.
        """
        torch = self._torch
        tanh_constant = self.tanh_constant
        steps, width = self._head_b.shape
        with torch.no_grad():
            neg_gumbel = torch.empty(steps, n, width).exponential_(generator=self._gen).log_()
            logits = torch.full((steps, n, width), -math.inf)
            choices = []
            x = self._emb.detach()[self._start_row].expand(n, -1)
            state = (torch.zeros(n, self.hidden_size), torch.zeros(n, self.hidden_size))
            for step, (w_t, b, emb) in enumerate(self._step_views):
                state = torch.lstm_cell(x, state, *self._cell_weights)
                z = logits[step, :, : b.shape[0]]
                if tanh_constant is None:
                    torch.addmm(b, state[0], w_t, out=z)
                else:
                    torch.tanh(torch.addmm(b, state[0], w_t), out=z).mul_(tanh_constant)
                c = (logits[step] - neg_gumbel[step]).argmax(1)
                choices.append(c)
                x = emb.index_select(0, c)
            logp = torch.log_softmax(logits, dim=-1)
            entropy = -(logp.exp() * logp.masked_fill(self._pad_mask, 0.0)).sum((0, 2))
        return torch.stack(choices, 1).numpy(), entropy

    def _inputs(self, choices: np.ndarray):
        """Embedding rows the LSTM reads, time-major ``[n_decisions, n]``: start, then previous choices."""
        rows = np.empty((choices.shape[1], choices.shape[0]), dtype=np.int64)
        rows[0] = self._start_row
        rows[1:] = (choices[:, :-1] + self._offsets[:-1]).T
        return self._torch.from_numpy(rows)

    def _log_probs(self, inputs):
        """Log-softmax of every decision ``[n_decisions, n, max(sizes)]`` given the inputs (``_inputs``).

        One batched forward (with gradients unless under ``no_grad``): teacher forcing, as all
        the LSTM's inputs are known once the decisions are. Padding entries are -inf.
        """
        torch = self._torch
        out, _ = self._lstm(torch.nn.functional.embedding(inputs, self._emb))  # [steps, n, h]
        z = torch.baddbmm(self._head_b.unsqueeze(1), out, self._head_w.transpose(1, 2))
        if self.tanh_constant is not None:
            z = torch.tanh(z) * self.tanh_constant
        return torch.log_softmax(z.masked_fill(self._pad_mask, -math.inf), dim=-1)

    def probability(self, decisions) -> float:
        """Probability that the controller emits exactly ``decisions`` (for diagnostics)."""
        choices = np.asarray(decisions, dtype=np.int64).reshape(1, -1)
        chosen = self._torch.from_numpy(choices.T.copy()).unsqueeze(2)
        with self._torch.no_grad():
            logp = self._log_probs(self._inputs(choices))
        return float(logp.gather(2, chosen).sum().exp())

    # ----- ask / tell -------------------------------------------------------------------------
    def _refill(self) -> None:
        """Sample the next batch in one pass; vectors naming no architecture are repaired."""
        choices, entropy = self._sample(self.batch_size)
        archs, choices = self.archs_of_decisions(choices)
        batch = _Batch(self._inputs(choices), self._torch.from_numpy(choices.T.copy()), entropy.tolist())
        self._queue.extend((int(arch), batch, row) for row, arch in enumerate(archs.tolist()))

    def _propose(self) -> Trial:
        if not self._queue:
            self._refill()
        arch, batch, row = self._queue.popleft()
        trial = self.new_trial(arch)
        self._pending[trial.trial_id] = (batch, row)
        return trial

    def _observe(self, trial: Trial, value: float) -> None:
        entry = self._pending.pop(trial.trial_id, None)
        if entry is None:
            return
        batch, row = entry
        batch.untold -= 1
        if not math.isnan(value):
            reward = value + self.entropy_weight * batch.entropy[row]
            if self._baseline is None:
                self._baseline = reward
            else:
                self._baseline -= (1 - self.baseline_decay) * (self._baseline - reward)
            batch.rows.append(row)
            batch.advantages.append(reward - self._baseline)
        if batch.untold == 0 and batch.rows:
            self._update(batch)

    def _update(self, batch: _Batch) -> None:
        """One Adam step on the mean REINFORCE loss of a batch's successful members."""
        torch = self._torch
        order = sorted(range(len(batch.rows)), key=batch.rows.__getitem__)  # row order, not tell order
        n = len(order)
        weights = torch.tensor([-batch.advantages[i] / n for i in order])  # loss: mean of -log pi * A
        inputs, choices = batch.inputs, batch.choices
        if n < choices.shape[1]:  # failed members are left out
            rows = torch.tensor([batch.rows[i] for i in order])
            inputs, choices = inputs[:, rows], choices[:, rows]
        logp = self._log_probs(inputs)
        log_pi = logp.gather(2, choices.unsqueeze(2)).squeeze(2)  # [n_decisions, n]
        loss = (log_pi * weights).sum()
        self._opt.zero_grad(set_to_none=True)
        loss.backward()
        self._opt.step()
        self.n_updates += 1

    @property
    def baseline(self) -> float:
        """The current moving-average baseline (NaN before the first successful result)."""
        return math.nan if self._baseline is None else self._baseline
