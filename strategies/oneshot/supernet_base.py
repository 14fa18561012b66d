"""The :class:`Supernet` base class (see :mod:`strategies.oneshot.supernet` for the guarantee).

Kept apart from :func:`~strategies.oneshot.supernet.build_supernet` so that the per-space
subclasses (:mod:`strategies.oneshot.nb201_supernet`, :mod:`strategies.oneshot.nbgraph_supernet`)
import the base and :mod:`strategies.oneshot.supernet` imports them, without an import circle.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from nasbench.errors import InvalidArchitectureError, one_of
from strategies.oneshot.base import BN_MODES

__all__ = ["Supernet"]


class Supernet(nn.Module):
    """Weight-sharing network over ``space``'s decisions (see the module docstring).

    Attributes: ``space`` (the SearchSpace), ``decision_sizes``, ``benchmark``, ``bn_mode``.
    Architecture parameters are not part of the supernet (methods own them);
    :meth:`weight_parameters` are the operation weights.
    """

    def __init__(self, space, benchmark: str) -> None:
        super().__init__()
        self.space = space
        self.benchmark = benchmark
        self.decision_sizes: tuple[int, ...] = tuple(int(s) for s in space.decision_sizes)
        self.bn_mode = "track"

    # ----- weights --------------------------------------------------------------------------
    def device(self) -> torch.device:
        """The device of the supernet's weights and buffers (CPU before any ``.to``)."""
        for t in (*self.parameters(), *self.buffers()):
            return t.device
        return torch.device("cpu")

    def check_weights(self, weights: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """``weights`` as a list on the supernet's device, checked against :attr:`decision_sizes`
        (InvalidArchitectureError). Methods keep their architecture parameters on the CPU (a few
        numbers); the move is differentiable, so their gradients come back to them."""
        dev = self.device()
        weights = [w if w.device == dev else w.to(dev) for w in weights]
        if len(weights) != len(self.decision_sizes) or any(
                w.dim() != 1 or w.shape[0] != s for w, s in zip(weights, self.decision_sizes)):
            got = [tuple(w.shape) for w in weights]
            raise InvalidArchitectureError(
                f"a supernet of '{self.benchmark}' takes one 1-D weight tensor per decision with "
                f"sizes {list(self.decision_sizes)}, got shapes {got}"
            )
        return weights

    def single_path(self, decisions: Sequence[int]) -> list[torch.Tensor]:
        """One-hot float tensors of a decision vector (``space.to_decisions`` row)."""
        dec = [int(d) for d in decisions]
        if len(dec) != len(self.decision_sizes) or any(
                not 0 <= d < s for d, s in zip(dec, self.decision_sizes)):
            raise InvalidArchitectureError(
                f"a decision vector of '{self.benchmark}' has {len(self.decision_sizes)} entries "
                f"with entry k in 0 .. size_k - 1 (sizes {list(self.decision_sizes)}), got {dec}"
            )
        out = []
        for d, s in zip(dec, self.decision_sizes):
            w = torch.zeros(s)
            w[d] = 1.0
            out.append(w)
        return out

    def arch_path(self, arch: int) -> list[torch.Tensor]:
        """One-hot weights of architecture id ``arch`` (its canonical decision vector)."""
        return self.single_path(self.space.to_decisions([int(arch)])[0])

    def weight_parameters(self) -> list[nn.Parameter]:
        """The operation weights (everything trainable in the supernet)."""
        return [p for p in self.parameters() if p.requires_grad]

    def derive_decisions(self, weights_or_logits: Sequence[torch.Tensor]) -> np.ndarray:
        """Argmax per decision, repaired to a valid vector (``space.repair`` with a fixed
        ``default_rng(0)``: NB-Graph's all-skip cell -> a nearest valid cell)."""
        ws = list(weights_or_logits)
        if len(ws) != len(self.decision_sizes):
            raise InvalidArchitectureError(
                f"derive needs {len(self.decision_sizes)} weight vectors, got {len(ws)}"
            )
        dec = np.array([[int(torch.as_tensor(w).detach().argmax()) for w in ws]], dtype=np.int64)
        return self.space.repair(dec, np.random.default_rng(0))[0]

    def derive(self, weights_or_logits: Sequence[torch.Tensor]) -> int:
        """The space id of the argmax architecture (see :meth:`derive_decisions`)."""
        return int(self.space.from_decisions(self.derive_decisions(weights_or_logits)[None, :])[0])

    # ----- batch norm ----------------------------------------------------------------------
    def set_bn_mode(self, mode: str) -> None:
        """Batch-norm statistics for a search (:data:`~strategies.oneshot.base.BN_MODES`),
        applied to every BatchNorm of the supernet: ``track`` (as the live network),
        ``train`` (affine, batch statistics always, no running statistics), ``affine-free``
        (no affine parameters, batch statistics). Switching re-creates what a mode needs
        (affine parameters 1 / 0, running statistics 0 / 1)."""
        if mode not in BN_MODES:
            raise InvalidArchitectureError(f"bn_mode must be {one_of(BN_MODES)}, got {mode!r}")
        dev = self.device()
        for m in self.modules():
            if not isinstance(m, nn.modules.batchnorm._BatchNorm):
                continue
            affine = mode != "affine-free"
            if affine and m.weight is None:
                m.weight = nn.Parameter(torch.ones(m.num_features, device=dev))
                m.bias = nn.Parameter(torch.zeros(m.num_features, device=dev))
            elif not affine:
                m.register_parameter("weight", None)
                m.register_parameter("bias", None)
            m.affine = affine
            track = mode == "track"
            if track and m.running_mean is None:
                m.register_buffer("running_mean", torch.zeros(m.num_features, device=dev))
                m.register_buffer("running_var", torch.ones(m.num_features, device=dev))
                m.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=dev))
            elif not track:
                m.register_buffer("running_mean", None)
                m.register_buffer("running_var", None)
                m.register_buffer("num_batches_tracked", None)
            m.track_running_stats = track
        self.bn_mode = mode

    @staticmethod
    def active(w: torch.Tensor) -> list[tuple[int, torch.Tensor]]:
        """``(index, weight)`` of the choices with a non-zero weight."""
        vals = w.detach().tolist()
        return [(k, w[k]) for k, v in enumerate(vals) if v != 0.0]

    def load_live(self, model: nn.Module, arch: int) -> None:
        """Copy the weights of the live network of ``arch`` into this supernet's path of ``arch``."""
        raise NotImplementedError
