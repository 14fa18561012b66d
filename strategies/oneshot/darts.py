"""DARTS (Liu, Simonyan & Yang, ICLR 2019): softmax relaxation, bilevel gradient descent.

Per step: one architecture step on a search-valid batch (first order: the gradient of the
validation loss at the current weights; second order: at the weights after one virtual SGD
step, with the finite-difference Hessian-vector product of the paper's eq. 8, epsilon =
0.01 / ||grad_w' L_val||), then one weight step on the search-train batch with the mixture
``softmax(alpha_d)`` per decision. The derived architecture is the argmax per decision.

Defaults (``DARTS.defaults``), from the paper's CIFAR-10 search (sec. 3.1.1, appendix A.1.1)
and its NAS-Bench-201 re-run (Dong & Yang, ICLR 2020, appendix; AutoDL-Projects configs):
weights SGD momentum 0.9, lr 0.025 cosine-annealed to 0.001, weight decay 3e-4, gradient
clipping 5; alpha Adam lr 3e-4, betas (0.5, 0.999), weight decay 1e-3, initialised
1e-3 x N(0, 1); batch-norm without affine parameters (``bn_mode='affine-free'``, batch
statistics); 50 epochs in the paper; float32 (``precision='bf16'`` runs every forward pass of
the gradient methods under bfloat16 autocast, :data:`~strategies.oneshot.base.PRECISIONS`).

NB-Graph (no published defaults; chosen here): the weights follow the benchmark's own training
protocol of the data set (:mod:`nasbench.nbgraph_protocol`: optimiser, learning rate, weight
decay; constant learning rate, no momentum: the benchmark's trainer) so the shared weights are
trained as the table's networks were; the data are one full batch, so an epoch is one weight
step and one architecture step, about 100x fewer architecture steps per epoch than on
CIFAR-10: the architecture learning rate is 3e-3 (10x the paper's) unless set.
``None`` in a setting means "the space default above"; the resolved values are recorded.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from strategies.oneshot.base import (
    PRECISIONS,
    WEIGHT_DEFAULTS,
    OneShotMethod,
    autocast,
    check_finite,
    check_weight_settings,
    fill_defaults,
    weight_optimizer,
    weight_space_defaults,
    weight_step,
)
from strategies.validation import check_choice, check_number

__all__ = ["DARTS", "DARTS2nd", "GradientMethod"]

DARTS_CITATION = ("Liu, Simonyan & Yang, DARTS: Differentiable Architecture Search, ICLR 2019 "
                  "(defaults: sec. 3.1.1 / appendix A.1.1; NB201 re-run: Dong & Yang, ICLR 2020)")


class GradientMethod(OneShotMethod):
    """Shared machinery of the gradient methods: architecture logits ``alpha`` (one tensor per
    decision), the weight / architecture optimisers, the cosine schedule and the training step.
    Subclasses define :meth:`mixture` (training weights from alpha) and may add to the losses
    (:meth:`arch_penalty`)."""

    defaults: dict[str, Any] = {
        **WEIGHT_DEFAULTS, "arch_lr": None, "arch_betas": (0.5, 0.999), "arch_weight_decay": 1e-3,
        "init_std": 1e-3, "bn_mode": "affine-free", "precision": "fp32",
    }

    def validate(self, s: dict[str, Any]) -> dict[str, Any]:
        n = self.name
        check_weight_settings(n, s)
        s["arch_lr"] = check_number(n, "arch_lr", s["arch_lr"], low=0, low_open=True, allow_none=True)
        s["arch_weight_decay"] = check_number(n, "arch_weight_decay", s["arch_weight_decay"], low=0)
        s["init_std"] = check_number(n, "init_std", s["init_std"], low=0)
        s["precision"] = check_choice(n, "precision", s["precision"], PRECISIONS)
        s["arch_betas"] = tuple(check_number(n, "arch_betas", b, low=0, high=1, high_open=True)
                                for b in s["arch_betas"])
        return s

    # ----- setup ------------------------------------------------------------------------------
    def resolve_defaults(self, supernet) -> None:
        """Fill the ``None`` settings with the space defaults (module docstring)."""
        arch_lr = 3e-3 if supernet.space.name.startswith("nbgraph") else 3e-4
        fill_defaults(self.settings, {**weight_space_defaults(supernet), "arch_lr": arch_lr})

    def setup(self, supernet, data) -> None:
        self.resolve_defaults(supernet)
        s = self.settings
        self.alphas = [(s["init_std"] * torch.randn(n)).requires_grad_(True)
                       for n in supernet.decision_sizes]
        self.w_opt = weight_optimizer(supernet, s)
        self.a_opt = torch.optim.Adam(self.alphas, lr=s["arch_lr"], betas=s["arch_betas"],
                                      weight_decay=s["arch_weight_decay"])
        self._valid_iter = data.cycle("search-valid")

    # ----- per-method pieces --------------------------------------------------------------------
    def mixture(self, for_arch_step: bool) -> list[torch.Tensor]:
        """Per-decision weights for the forward pass (DARTS: softmax of alpha)."""
        return [torch.softmax(a, dim=-1) for a in self.alphas]

    def arch_penalty(self, supernet) -> torch.Tensor | float:
        """Added to the validation loss of the architecture step (0 for DARTS)."""
        return 0.0

    def arch_weights(self, supernet) -> Sequence[torch.Tensor]:
        return [a.detach() for a in self.alphas]

    def arch_params(self) -> list[list[float]]:
        return [a.detach().tolist() for a in self.alphas]

    # ----- steps --------------------------------------------------------------------------------
    def arch_step(self, supernet, data, train_batch, valid_batch) -> None:
        """First-order architecture step on ``valid_batch``."""
        self.a_opt.zero_grad(set_to_none=True)
        with self.autocast(supernet):
            loss = data.loss(supernet(valid_batch, self.mixture(True)), valid_batch) + self.arch_penalty(supernet)
        check_finite(loss, "the architecture (validation) loss")
        loss.backward()
        self.a_opt.step()

    def weight_step(self, supernet, data, batch) -> float:
        weights = [w.detach() for w in self.mixture(False)]
        return weight_step(self.w_opt, supernet, data, batch, weights, self.settings["grad_clip"],
                           self.settings["precision"])

    def autocast(self, supernet):
        """The forward-pass context of the ``precision`` setting (:func:`~strategies.oneshot.base.autocast`)."""
        return autocast(supernet, self.settings["precision"])

    def train_epoch(self, supernet, data, epoch: int, epochs: int) -> float:
        self.before_epoch(epoch, epochs)
        supernet.train()
        losses = []
        for batch in self.train_batches(data):
            self.arch_step(supernet, data, batch, next(self._valid_iter))
            losses.append(self.weight_step(supernet, data, batch))
        return sum(losses) / len(losses)


class DARTS(GradientMethod):
    """DARTS, first order (the module docstring gives the defaults and their sources)."""

    name = "darts"
    citation = DARTS_CITATION


class DARTS2nd(GradientMethod):
    """DARTS, second order: the architecture gradient at the virtually stepped weights
    ``w' = w - xi (momentum buffer + grad_w L_train + wd w)`` with ``xi`` = the current weight
    learning rate (the paper's choice), minus ``xi`` x the finite-difference Hessian-vector
    product ``(grad_a L_train(w+) - grad_a L_train(w-)) / 2 eps``, ``w+- = w +- eps grad_w'
    L_val``, ``eps = 0.01 / ||grad_w' L_val||`` (paper eq. 7-8)."""

    name = "darts-2nd"
    citation = DARTS_CITATION
    defaults = {**GradientMethod.defaults, "fd_scale": 0.01}

    def validate(self, s: dict[str, Any]) -> dict[str, Any]:
        s = super().validate(s)
        s["fd_scale"] = check_number(self.name, "fd_scale", s["fd_scale"], low=0, low_open=True)
        return s

    def arch_step(self, supernet, data, train_batch, valid_batch) -> None:
        params = self.w_opt.param_groups[0]["params"]
        group = self.w_opt.param_groups[0]
        lr, wd = group["lr"], group.get("weight_decay", 0.0)
        momentum = group.get("momentum", 0.0)
        backup = [p.detach().clone() for p in params]
        # virtual step w' = w - xi * (momentum * buf + grad + wd * w)
        weights = [w.detach() for w in self.mixture(True)]
        with self.autocast(supernet):
            loss = data.loss(supernet(train_batch, weights), train_batch)
        check_finite(loss, "the training loss of the virtual step")
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        with torch.no_grad():
            for p, g in zip(params, grads):
                step = torch.zeros_like(p) if g is None else g + wd * p
                buf = self.w_opt.state.get(p, {}).get("momentum_buffer")
                if buf is not None and momentum:
                    step = step + momentum * buf
                p.sub_(lr * step)
        # validation loss at w'
        self.a_opt.zero_grad(set_to_none=True)
        mix = self.mixture(True)
        with self.autocast(supernet):
            vloss = data.loss(supernet(valid_batch, mix), valid_batch) + self.arch_penalty(supernet)
        check_finite(vloss, "the architecture (validation) loss at the unrolled weights")
        a_grads = torch.autograd.grad(vloss, self.alphas + params, allow_unused=True)
        d_alpha = [torch.zeros_like(a) if g is None else g for g, a in zip(a_grads[:len(self.alphas)], self.alphas)]
        d_w = [torch.zeros_like(p) if g is None else g for g, p in zip(a_grads[len(self.alphas):], params)]
        norm = torch.sqrt(sum((g * g).sum() for g in d_w))
        eps = self.settings["fd_scale"] / float(norm) if float(norm) > 0 else 0.0
        hvp = [torch.zeros_like(a) for a in self.alphas]
        if eps > 0:
            for sign in (1.0, -1.0):
                with torch.no_grad():
                    for p, b, g in zip(params, backup, d_w):
                        p.copy_(b + sign * eps * g)
                with self.autocast(supernet):
                    tloss = data.loss(supernet(train_batch, self.mixture(True)), train_batch)
                check_finite(tloss, "the training loss of the finite difference")
                g_a = torch.autograd.grad(tloss, self.alphas, allow_unused=True)
                for h, g in zip(hvp, g_a):
                    if g is not None:
                        h.add_(sign * g / (2 * eps))
        with torch.no_grad():
            for p, b in zip(params, backup):
                p.copy_(b)
        for a, da, h in zip(self.alphas, d_alpha, hvp):
            a.grad = da - lr * h
        self.a_opt.step()
