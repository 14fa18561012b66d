"""The one mixed-precision training step (torch only: no other nasbench import, so a perf
script can load this file by path on a machine where the package does not import).

Used by :func:`nasbench.live.trainer.train` and ``reproduce/perf/gpu_throughput.py``: autocast to
``amp_dtype`` (bfloat16, or float16 with a :class:`torch.amp.GradScaler`), cross-entropy computed
in float32, then backward and optimiser step (through the scaler when there is one).
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["grad_scaler", "train_step"]


def grad_scaler(amp_dtype: torch.dtype | None) -> torch.amp.GradScaler | None:
    """The loss scaler a step needs: one for float16 autocast (CUDA), None otherwise.

    Parameters
    ----------
    amp_dtype : torch.dtype or None
        The autocast dtype (None = full precision).

    Returns
    -------
    torch.amp.GradScaler or None
        A CUDA GradScaler for ``torch.float16``; None for bfloat16 or no autocast.
    """
    return torch.amp.GradScaler("cuda") if amp_dtype == torch.float16 else None


def train_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, opt: torch.optim.Optimizer, *,
               amp_dtype: torch.dtype | None = None, scaler: torch.amp.GradScaler | None = None,
               label_smoothing: float = 0.0,
               check_loss: Callable[[torch.Tensor], None] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimiser step on a batch: forward under autocast, float32 cross-entropy, backward, step.

    Parameters
    ----------
    model : nn.Module
        The network, in train mode, on ``x``'s device.
    x : Tensor
        Input batch (already on the device, in the model's memory format).
    y : Tensor of int64
        Labels of ``x``.
    opt : torch.optim.Optimizer
        The optimiser (its learning rate set by the caller).
    amp_dtype : torch.dtype, optional
        Autocast dtype on ``x``'s device type; None runs in full precision.
    scaler : torch.amp.GradScaler, optional
        Loss scaler (:func:`grad_scaler`); None steps the optimiser directly.
    label_smoothing : float
        Cross-entropy label smoothing (0 = none).
    check_loss : callable, optional
        Called with the loss before backward; may raise to abort the step (non-finite loss).

    Returns
    -------
    logits : Tensor
        The forward output (not detached).
    loss : Tensor
        The scalar float32 loss (not detached).
    """
    with torch.autocast(x.device.type, dtype=amp_dtype) if amp_dtype else nullcontext():
        logits = model(x)
        loss = F.cross_entropy(logits.float(), y, label_smoothing=label_smoothing)
    if check_loss is not None:
        check_loss(loss)
    opt.zero_grad(set_to_none=True)
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    else:
        loss.backward()
        opt.step()
    return logits, loss
