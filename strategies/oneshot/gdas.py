"""GDAS (Dong & Yang, CVPR 2019): Gumbel-softmax sampling of one path per decision.

Every forward pass samples, per decision, ``h = softmax((log_softmax(alpha) + g) / tau)`` with
Gumbel noise ``g``, and uses the straight-through hard one-hot ``onehot(argmax h) - h.detach()
+ h``: only the sampled path is computed, its weight carries the gradient to ``alpha``. The
temperature decays linearly from ``tau_max`` = 10 to ``tau_min`` = 0.1 over the search (paper
sec. 4.1 / NAS-Bench-201 re-run). Weight and architecture steps alternate as in first-order
DARTS (weights on search-train, alpha on search-valid), each with its own sample.

Defaults: weights SGD momentum 0.9, lr 0.025 cosine to 0.001, weight decay 3e-4 (GDAS
follows DARTS' settings; NB201 config of AutoDL-Projects), alpha Adam lr 3e-4, betas (0.5,
0.999), weight decay 1e-3, ``bn_mode='affine-free'``; the paper searches 240 epochs (NB201:
250). NB-Graph: as :mod:`strategies.oneshot.darts` (protocol optimiser for the weights,
alpha lr 3e-3). Derived architecture: argmax of alpha.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from strategies.oneshot.darts import GradientMethod
from strategies.validation import check_number

__all__ = ["GDAS", "gumbel_hard"]


def gumbel_hard(alpha: torch.Tensor, tau: float) -> torch.Tensor:
    """A straight-through hard Gumbel-softmax sample of ``alpha`` (global torch RNG: the
    search's scoped seed). The non-chosen entries are exactly 0 (so only the chosen path is
    computed), the chosen one is 1 up to rounding and carries the gradient."""
    while True:
        gumbels = -torch.empty_like(alpha).exponential_().log()
        logits = (F.log_softmax(alpha, dim=-1) + gumbels) / tau
        probs = F.softmax(logits, dim=-1)
        if torch.isfinite(probs).all():
            break
    index = probs.detach().argmax()
    one_hot = torch.zeros_like(probs)
    one_hot[index] = 1.0
    return one_hot - probs.detach() + probs


class GDAS(GradientMethod):
    """GDAS (module docstring for the defaults and their sources)."""

    name = "gdas"
    citation = ("Dong & Yang, Searching for a Robust Neural Architecture in Four GPU Hours, "
                "CVPR 2019 (tau 10 -> 0.1; NB201 settings: Dong & Yang, ICLR 2020)")
    defaults: dict[str, Any] = {**GradientMethod.defaults, "tau_max": 10.0, "tau_min": 0.1}

    def validate(self, s: dict[str, Any]) -> dict[str, Any]:
        s = super().validate(s)
        s["tau_max"] = check_number(self.name, "tau_max", s["tau_max"], low=0, low_open=True)
        s["tau_min"] = check_number(self.name, "tau_min", s["tau_min"], low=0, low_open=True,
                                    high=s["tau_max"])
        return s

    def before_epoch(self, epoch: int, epochs: int) -> None:
        super().before_epoch(epoch, epochs)
        s = self.settings
        self.tau = s["tau_max"] - (s["tau_max"] - s["tau_min"]) * epoch / max(epochs - 1, 1)

    def mixture(self, for_arch_step: bool) -> list[torch.Tensor]:
        return [gumbel_hard(a, self.tau) for a in self.alphas]

    def epoch_extra(self) -> dict[str, Any]:
        return {"tau": self.tau}
