"""Batched twin of ``rl-controller`` (:class:`strategies.rl_controller.RLController`): the LSTM
controllers of all seeds as stacked tensors ``[seeds, ...]`` in torch.

Sampling is the per-run computation op for op (``lstm_cell`` as matrix products per seed in one
batched call, the same Gumbel noise from each seed's own ``torch.Generator``): the same floats,
so the same architectures. The training step (one REINFORCE step per completed batch) takes its
log-probabilities from the sampling pass's autograd graph (with one worker the weights do not
change between sampling and update; a batch with a repaired vector is recomputed, teacher-forced)
and steps torch's fused Adam kernel on the stacked tensors (a per-seed Adam where seeds are at
different steps), where the per-run code runs ``torch.nn.LSTM`` (oneDNN on CPU) and the fused
Adam per seed: the weights agree to float32 rounding, not bit for bit (within 5e-6 absolute over
500 queries, the largest differences where a gradient is at rounding level and Adam normalises
it). The trajectories, which are the architectures and their values, are identical in every
test (tests/strategies/test_batched.py).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.batched.base import BatchedStrategy
from strategies.batched.spaceops import repair
from strategies.batched.streams import SeedStreams


class BatchedRLController(BatchedStrategy):
    """``rl-controller`` for many seeds (one worker each: a batch is complete when its last member is told)."""

    name = "rl-controller"

    def __init__(self, space: SearchSpace, generators: Sequence[np.random.Generator], hidden_size: int = 64,
                 learning_rate: float = 0.0035, baseline_decay: float = 0.99, entropy_weight: float = 1e-4,
                 tanh_constant: float | None = 1.1, batch_size: int = 10):
        super().__init__(space, generators)
        import torch

        self._torch = torch
        self.hidden_size, self.learning_rate = int(hidden_size), float(learning_rate)
        self.baseline_decay, self.entropy_weight = float(baseline_decay), float(entropy_weight)
        self.tanh_constant = None if tanh_constant is None else float(tanh_constant)
        self.batch_size = int(batch_size)
        sizes = [int(s) for s in space.decision_sizes]
        self._sizes = sizes
        self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        h, steps, width, total = self.hidden_size, len(sizes), max(sizes), sum(sizes)
        self._steps, self._width, self._start_row = steps, width, total
        # the per-run constructor's draws: a torch seed from the numpy stream, then every parameter
        self._gens = [torch.Generator().manual_seed(int(g.integers(2**63))) for g in generators]
        shapes = [(4 * h, h), (4 * h, h), (4 * h,), (4 * h,), (total + 1, h), (steps, width, h), (steps, width)]
        per_seed = []
        for gen in self._gens:
            per_seed.append([torch.empty(shape).uniform_(-0.1, 0.1, generator=gen) for shape in shapes])
        self.params = [torch.stack(p).requires_grad_(True) for p in zip(*per_seed)]
        self._m = [torch.zeros_like(p) for p in self.params]
        self._v = [torch.zeros_like(p) for p in self.params]
        self._adam_steps = np.zeros(self.n_seeds, dtype=np.int64)
        self.n_updates = np.zeros(self.n_seeds, dtype=np.int64)
        pad = np.ones((steps, 1, width), dtype=bool)
        for t, s in enumerate(sizes):
            pad[t, :, :s] = False
        self._pad_mask = torch.from_numpy(pad)
        self.streams = SeedStreams(generators)
        n, b = self.n_seeds, self.batch_size
        self._archs = np.zeros((n, b), dtype=np.int64)
        self._choices = np.zeros((n, b, steps), dtype=np.int64)
        self._entropy = np.zeros((n, b))
        self._pos = np.full(n, b, dtype=np.int64)  # next member to hand out (b: sample a new batch)
        self._ok = np.zeros((n, b), dtype=bool)
        self._adv = np.zeros((n, b))
        self._baseline = np.full(n, np.nan)
        self._repaired = np.zeros(n, dtype=bool)  # a vector of the current batch was repaired
        self._graph = None  # (rows, log-probabilities with their graph) of the last sampling pass

    # ----- the policy ----------------------------------------------------------------------------
    def _cell(self, x, hx, cx, w_ih, w_hh, b_ih, b_hh):
        """``torch.lstm_cell`` for a batch of seeds, in the order of its CPU implementation."""
        torch = self._torch
        gates = torch.baddbmm(b_hh.unsqueeze(1), hx, w_hh.transpose(1, 2))
        gates = gates.add_(torch.baddbmm(b_ih.unsqueeze(1), x, w_ih.transpose(1, 2)))
        i, f, g, o = gates.unsafe_chunk(4, 2)
        i, f, g, o = i.sigmoid_(), f.sigmoid_(), g.tanh_(), o.sigmoid_()
        cy = (f * cx).add_(i * g)
        return o * cy.tanh(), cy

    def _cell_grad(self, x, hx, cx, w_ih, w_hh, b_ih, b_hh):
        """The same cell with autograd (no in-place ops)."""
        torch = self._torch
        gates = torch.baddbmm(b_hh.unsqueeze(1), hx, w_hh.transpose(1, 2)) + torch.baddbmm(
            b_ih.unsqueeze(1), x, w_ih.transpose(1, 2))
        i, f, g, o = gates.chunk(4, 2)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        cy = f * cx + i * g
        return o * cy.tanh(), cy

    def _sample(self, rows: np.ndarray):
        """A batch per row: choices ``[r, b, steps]`` and entropies ``[r, b]`` (the per-run pass).

        The pass keeps its autograd graph: with one worker the weights are unchanged until the
        batch's update, whose teacher-forced forward is this pass (unless a vector was repaired)."""
        torch = self._torch
        n, steps, width, h = self.batch_size, self._steps, self._width, self.hidden_size
        every = self._every(rows)
        idx = torch.from_numpy(rows)
        w_ih, w_hh, b_ih, b_hh, emb, head_w, head_b = (p if every else p[idx] for p in self.params)
        with torch.no_grad():
            neg_gumbel = torch.stack([torch.empty(steps, n, width).exponential_(generator=self._gens[s]).log_()
                                      for s in rows.tolist()])
        r = len(rows)
        logits = torch.full((r, steps, n, width), -math.inf)
        x = emb[:, self._start_row].unsqueeze(1).expand(r, n, h)
        hx, cx = torch.zeros(r, n, h), torch.zeros(r, n, h)
        choices = []
        arange = torch.arange(r).unsqueeze(1)
        for t, (o, s) in enumerate(zip(self._offsets.tolist(), self._sizes)):
            hx, cx = self._cell_grad(x, hx, cx, w_ih, w_hh, b_ih, b_hh)  # the values of _cell
            z = torch.baddbmm(head_b[:, t, :s].unsqueeze(1), hx, head_w[:, t, :s].transpose(1, 2))
            if self.tanh_constant is not None:
                z = torch.tanh(z) * self.tanh_constant
            logits[:, t, :, :s] = z
            with torch.no_grad():
                c = (logits[:, t] - neg_gumbel[:, t]).argmax(2)  # [r, n]
            choices.append(c)
            x = emb[arange, o + c]
        logp = torch.log_softmax(logits, dim=-1)
        self._graph = (rows.copy(), logp)
        with torch.no_grad():
            lp = logp.detach()
            entropy = np.stack([(-(lp[i].exp() * lp[i].masked_fill(self._pad_mask, 0.0)).sum((0, 2))).numpy()
                                for i in range(r)])
        return torch.stack(choices, 2).numpy(), entropy.astype(np.float64)

    def _refill(self, rows: np.ndarray) -> None:
        choices, entropy = self._sample(rows)
        self._repaired[rows] = False
        for j in range(self.batch_size):  # each seed's vectors repaired in order, as one per-run call
            ids, fixed, repaired = repair(self.space, self.streams, rows, choices[:, j])
            self.invalid_draws[rows] += repaired
            self._repaired[rows] |= repaired
            choices[:, j] = fixed
            self._archs[rows, j] = ids
        self._choices[rows] = choices
        self._entropy[rows] = entropy
        self._pos[rows] = 0
        self._ok[rows] = False

    # ----- ask / tell ----------------------------------------------------------------------------
    def propose(self, rows: np.ndarray) -> np.ndarray:
        empty = rows[self._pos[rows] >= self.batch_size]
        if len(empty):
            self._refill(empty)
        pos = self._pos[rows]
        self._pos[rows] = pos + 1
        return self._archs[rows, pos]

    def observe(self, rows: np.ndarray, archs: np.ndarray, values: np.ndarray) -> None:
        j = self._pos[rows] - 1
        ok = ~np.isnan(values)
        if ok.any():
            r, jj = rows[ok], j[ok]
            reward = values[ok] + self.entropy_weight * self._entropy[r, jj]
            b = self._baseline[r]
            first = np.isnan(b)
            b = np.where(first, reward, b - (1 - self.baseline_decay) * (b - reward))
            self._baseline[r] = b
            self._ok[r, jj] = True
            self._adv[r, jj] = reward - b
        complete = rows[(j == self.batch_size - 1) & self._ok[rows].any(axis=1)]
        if len(complete):
            self._update(complete)

    def _update(self, rows: np.ndarray) -> None:
        """One Adam step per seed on the mean REINFORCE loss of its batch's successful members."""
        torch = self._torch
        ok = self._ok[rows]
        count = ok.sum(axis=1, keepdims=True)
        weights = torch.from_numpy(np.where(ok, -self._adv[rows] / count, 0.0)).float()  # [r, b]
        choices = torch.from_numpy(self._choices[rows])  # [r, b, steps]
        every = self._every(rows)
        idx = torch.from_numpy(rows)
        logp = self._sampled_logp(rows)
        self._graph = None  # the weights change below
        if logp is None:
            logp = self._teacher_forced_logp(rows, every, idx)
        log_pi = logp.gather(3, choices.transpose(1, 2).unsqueeze(3)).squeeze(3)  # [r, steps, b]
        loss = (log_pi * weights.unsqueeze(1)).sum()
        grads = torch.autograd.grad(loss, self.params)
        self._adam(rows, idx, grads, every)
        self.n_updates[rows] += 1

    def _sampled_logp(self, rows: np.ndarray):
        """The sampling pass's log-probabilities of ``rows`` (with their graph), or None when a
        vector of theirs was repaired (the trained vector is then not the sampled one)."""
        if self._graph is None or self._repaired[rows].any():
            return None
        sampled, logp = self._graph
        pos = np.searchsorted(sampled, rows)
        if (pos >= len(sampled)).any() or not (sampled[pos] == rows).all():
            return None
        return logp if len(pos) == len(sampled) else logp[self._torch.from_numpy(pos)]

    def _teacher_forced_logp(self, rows: np.ndarray, every: bool, idx):
        """Log-probabilities ``[r, steps, b, width]`` of the batch's (repaired) vectors, recomputed."""
        torch = self._torch
        inputs = np.empty((len(rows), self.batch_size, self._steps), dtype=np.int64)
        inputs[:, :, 0] = self._start_row
        inputs[:, :, 1:] = self._choices[rows][:, :, :-1] + self._offsets[:-1]
        w_ih, w_hh, b_ih, b_hh, emb, head_w, head_b = (p if every else p[idx] for p in self.params)
        r = len(rows)
        x = emb[torch.arange(r)[:, None, None], torch.from_numpy(inputs)]  # [r, b, steps, h]
        hx = cx = torch.zeros(r, self.batch_size, self.hidden_size)
        outs = []
        for t in range(self._steps):
            hx, cx = self._cell_grad(x[:, :, t], hx, cx, w_ih, w_hh, b_ih, b_hh)
            outs.append(hx)
        out = torch.stack(outs, 1)  # [r, steps, b, h]
        z = torch.matmul(out, head_w.transpose(2, 3)) + head_b.unsqueeze(2)  # [r, steps, b, width]
        if self.tanh_constant is not None:
            z = torch.tanh(z) * self.tanh_constant
        return torch.log_softmax(z.masked_fill(self._pad_mask, -math.inf), dim=-1)

    def _every(self, rows: np.ndarray) -> bool:
        """Whether ``rows`` are all the seeds, in order (then no gather is needed)."""
        return len(rows) == self.n_seeds and bool((rows == np.arange(self.n_seeds)).all())

    def _adam(self, rows: np.ndarray, idx, grads, every: bool) -> None:
        """torch's Adam (betas 0.9 / 0.999, eps 1e-8) with a step count per seed."""
        torch = self._torch
        b1, b2, eps, lr = 0.9, 0.999, 1e-8, self.learning_rate
        steps = self._adam_steps[rows] + 1
        self._adam_steps[rows] = steps
        if every and len(set(steps.tolist())) == 1 and self._fused(grads, int(steps[0])):
            return
        bc1 = np.asarray([1 - b1 ** int(k) for k in steps])
        bc2 = np.asarray([1 - b2 ** int(k) for k in steps])
        with torch.no_grad():
            for p, m, v, g in zip(self.params, self._m, self._v, grads):
                shape = (len(rows),) + (1,) * (p.dim() - 1)
                step_size = torch.from_numpy(lr / bc1).float().reshape(shape)
                bc2_sqrt = torch.from_numpy(np.sqrt(bc2)).float().reshape(shape)
                if every:
                    m.lerp_(g, 1 - b1)
                    v.mul_(b2).addcmul_(g, g, value=1 - b2)
                    denom = (v.sqrt() / bc2_sqrt).add_(eps)
                    p.sub_(step_size * m / denom)
                    continue
                gi = g[idx]
                mi = m[idx].lerp_(gi, 1 - b1)
                vi = v[idx].mul_(b2).addcmul_(gi, gi, value=1 - b2)
                m[idx], v[idx] = mi, vi
                denom = (vi.sqrt() / bc2_sqrt).add_(eps)
                p[idx] = p[idx] - step_size * mi / denom

    def _fused(self, grads, step: int) -> bool:
        """All seeds at the same step: torch's fused Adam kernel (the per-run optimizer's), on the
        stacked tensors; False where this torch build has none (then the formula above)."""
        torch = self._torch
        fused = getattr(torch, "_fused_adam_", None)
        if fused is None:
            return False
        try:
            with torch.no_grad():
                fused([p.data for p in self.params], [g.contiguous() for g in grads], self._m, self._v, [],
                      [torch.tensor(float(step)) for _ in self.params], amsgrad=False, lr=self.learning_rate,
                      beta1=0.9, beta2=0.999, weight_decay=0.0, eps=1e-8, maximize=False, grad_scale=None,
                      found_inf=None)
        except (RuntimeError, TypeError):
            return False
        return True

    @property
    def baseline(self) -> np.ndarray:
        """Each seed's moving-average baseline (NaN before its first successful result)."""
        return self._baseline.copy()
