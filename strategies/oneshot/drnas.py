"""DrNAS (Chen, Wang, Cheng, Tang & Hsieh, ICLR 2021): Dirichlet architecture distribution.

Per decision a Dirichlet with concentration ``beta = ELU(alpha) + 1`` (positive); every
forward pass uses a pathwise (reparameterised) sample ``Dirichlet(beta).rsample()`` as the
mixture weights, so the gradient reaches ``beta`` (``torch.distributions.Dirichlet``).
Regularisation of the architecture step (paper sec. 3.2, code ``reg_type``): ``l2``
(default, ``reg_scale`` x sum of beta^2) or ``kl`` (``reg_scale`` x KL(Dir(beta) || Dir(1)),
an anchor to the uniform Dirichlet). The derived architecture is the argmax of the mean
``beta / sum(beta)`` (= argmax of beta).

Defaults (the paper's NAS-Bench-201 search, github.com/xiangning-chen/DrNAS ``201-space``):
weights SGD momentum 0.9, lr 0.025 cosine to 0.001, weight decay 3e-4; alpha Adam lr 6e-4,
betas (0.5, 0.999), weight decay 1e-3; ``reg_type='l2'``, ``reg_scale`` 1e-3;
``bn_mode='affine-free'``; 100 epochs. Not implemented: the progressive partial-channel
scheme (a memory saving for large spaces; NB201 and NB-Graph fit without it).
NB-Graph: as :mod:`strategies.oneshot.darts` (protocol optimiser, alpha lr 3e-3).
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch.distributions import Dirichlet, kl_divergence

from strategies.oneshot.darts import GradientMethod
from strategies.validation import check_choice, check_number

__all__ = ["DrNAS"]


class DrNAS(GradientMethod):
    """DrNAS (module docstring for the defaults and their sources)."""

    name = "drnas"
    citation = ("Chen et al., DrNAS: Dirichlet Neural Architecture Search, ICLR 2021 "
                "(NB201 settings of the authors' 201-space code)")
    defaults: dict[str, Any] = {**GradientMethod.defaults, "reg_type": "l2", "reg_scale": 1e-3}

    def validate(self, s: dict[str, Any]) -> dict[str, Any]:
        s = super().validate(s)
        s["reg_type"] = check_choice(self.name, "reg_type", s["reg_type"], ("l2", "kl"))
        s["reg_scale"] = check_number(self.name, "reg_scale", s["reg_scale"], low=0)
        return s

    def resolve_defaults(self, supernet) -> None:
        if self.settings["arch_lr"] is None and not supernet.space.name.startswith("nbgraph"):
            self.settings["arch_lr"] = 6e-4
        super().resolve_defaults(supernet)

    def concentrations(self) -> list[torch.Tensor]:
        return [F.elu(a) + 1.0 for a in self.alphas]

    def mixture(self, for_arch_step: bool) -> list[torch.Tensor]:
        return [Dirichlet(b).rsample() for b in self.concentrations()]

    def arch_penalty(self, supernet) -> torch.Tensor:
        betas = self.concentrations()
        if self.settings["reg_type"] == "kl":
            reg = sum(kl_divergence(Dirichlet(b), Dirichlet(torch.ones_like(b))) for b in betas)
        else:
            reg = sum((b * b).sum() for b in betas)
        return self.settings["reg_scale"] * reg

    def arch_weights(self, supernet):
        return [b.detach() for b in self.concentrations()]

    def arch_params(self) -> list[list[float]]:
        return [b.detach().tolist() for b in self.concentrations()]
