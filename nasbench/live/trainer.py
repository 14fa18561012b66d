"""Live training: one entry point, :func:`train`, for image (mini-batch) and graph
(full-batch node classification) data.

- device: ``'auto'`` (CUDA when available), ``'cpu'``, ``'cuda'`` / ``'cuda:N'``;
- AMP (``torch.autocast``; bfloat16 where supported, else float16 with ``GradScaler``) and
  ``channels_last`` apply on CUDA only and are ignored on CPU;
- deterministic mode: ``torch.use_deterministic_algorithms(True, warn_only=True)`` and cuDNN
  deterministic / no benchmark, restored afterwards;
- threads: ``threads=n`` runs the call with ``n`` torch intra-op threads (restored afterwards).
  On CPU the thread count is part of what a run computes: kernels such as BatchNorm1d's batch
  statistics split their reductions by thread, so 1 and 2 threads give different last bits,
  which compound over epochs into different accuracies. A run that must be a function of
  (architecture, seed, epochs) alone fixes it (:func:`nasbench.live.build.train_job` uses
  :data:`~nasbench.live.build.JOB_THREADS`);
- randomness: one integer ``seed`` -> ``np.random.SeedSequence`` -> a private
  ``torch.Generator`` for data order and augmentation, and a seed for the global torch RNG
  used (by dropout) only inside a context that restores the global RNG state afterwards;
- failures are results, not exceptions: a non-finite loss or CUDA out-of-memory returns a
  :class:`TrainResult` with ``ok=False`` and the reason.
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nasbench.errors import NasbenchError, one_of
from nasbench.live.amp import grad_scaler, train_step
from nasbench.live.data import GraphData, ImageData
from nasbench.live.reported import Reported, reported
from nasbench.live.seeding import child_seeds, seeded


@dataclass(frozen=True)
class Recipe:
    """Training hyperparameters (immutable; ``recipe.with_(epochs=1)`` makes a changed copy).

    Parameters
    ----------
    epochs : int
        Training epochs.
    lr : float
        Initial learning rate.
    batch_size : int
        Images per optimiser step (graphs: full batch).
    optimizer : str
        ``"sgd"`` or ``"adam"``.
    momentum : float
        SGD momentum.
    nesterov : bool
        Nesterov momentum (SGD).
    weight_decay : float
        L2 weight decay.
    schedule : str
        ``"cosine"`` (to 0 over all steps) or ``"constant"``.
    label_smoothing : float
        Cross-entropy label smoothing.
    eval_batch_size : int
        Images per evaluation batch.
    max_steps_per_epoch : int, optional
        Cap on optimiser steps per epoch (throughput checks, tests); None = full epochs.
    report : str
        Which epoch the benchmark reports (:mod:`nasbench.live.reported`): ``"final"``, ...
    name : str
        A label recorded with results.
    """

    epochs: int
    lr: float
    batch_size: int = 256
    optimizer: str = "sgd"  # 'sgd' | 'adam'
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    schedule: str = "cosine"  # 'cosine' (to 0 over all steps) | 'constant'
    label_smoothing: float = 0.0
    eval_batch_size: int = 512
    #: cap on optimiser steps per epoch (throughput checks and tests); None = full epoch
    max_steps_per_epoch: int | None = None
    #: how the benchmark reads its valid/test numbers off the curve (:mod:`nasbench.live.reported`)
    report: str = "final"
    #: graph data: dropout passed to the model builder is separate; this recipe is the optimiser's
    name: str = ""

    def with_(self, **changes) -> Recipe:
        return replace(self, **changes)


#: NAS-Bench-201's training recipe (Dong & Yang, ICLR 2020, Sec. 2.3 / Table 2, and the
#: ``configs/nas-benchmark/hyper-opts/200E.config`` file): SGD, momentum 0.9, Nesterov,
#: initial lr 0.1 annealed to 0 with cosine, weight decay 5e-4, batch 256, 200 epochs,
#: plain cross-entropy (no label smoothing), random crop (pad 4) + horizontal flip.
NB201_RECIPE = Recipe(epochs=200, lr=0.1, batch_size=256, optimizer="sgd", momentum=0.9,
                      nesterov=True, weight_decay=5e-4, schedule="cosine", label_smoothing=0.0,
                      report="final", name="nb201")


def nbgraph_recipe(dataset: str) -> Recipe:
    """NAS-Bench-Graph's per-dataset optimiser settings (:mod:`nasbench.nbgraph_protocol`).

    Full-batch training, one step per epoch, constant learning rate, plain SGD (no momentum) or
    Adam, as the benchmark's trainer; reported numbers: best validation accuracy, test accuracy at
    the minimum validation loss (:mod:`nasbench.live.reported`).

    Parameters
    ----------
    dataset : str
        A NAS-Bench-Graph dataset (``"cora"``, ``"citeseer"``, ``"pubmed"``, ...).

    Returns
    -------
    Recipe

    Raises
    ------
    UnknownNameError
        Not a NAS-Bench-Graph dataset.
    """
    from nasbench.nbgraph_protocol import NBGRAPH_PROTOCOL

    if dataset.lower() not in NBGRAPH_PROTOCOL:
        from nasbench.errors import UnknownNameError, unknown_name_message

        raise UnknownNameError(unknown_name_message("NAS-Bench-Graph dataset", dataset, sorted(NBGRAPH_PROTOCOL)))
    p = NBGRAPH_PROTOCOL[dataset.lower()]
    return Recipe(epochs=p.epochs, lr=p.lr, optimizer=p.optimizer.lower(), momentum=0.0,
                  nesterov=False, weight_decay=p.weight_decay, schedule="constant",
                  report="nbgraph", name=f"nbgraph/{dataset.lower()}")


@dataclass
class EpochMetrics:
    """Metrics of one training epoch (accuracies in %, losses in nats).

    Parameters
    ----------
    epoch : int
        1-based epoch.
    train_loss : float
        Mean training loss over the epoch.
    train_acc : float
        Training accuracy over the epoch (%).
    valid_acc : float or None
        Validation accuracy after the epoch (%); None without a validation split.
    test_acc : float or None
        Test accuracy after the epoch (%); None without a test split.
    seconds : float
        Wall-clock seconds of the epoch's training.
    lr : float
        Learning rate of the epoch's last step.
    valid_loss, test_loss : float, optional
        Graph data: mean NLL on the validation / test nodes after the epoch's step.
    """
    epoch: int
    train_loss: float
    train_acc: float
    valid_acc: float | None
    test_acc: float | None
    seconds: float
    lr: float
    #: graph data: mean NLL on the validation / test nodes after the epoch's step
    valid_loss: float | None = None
    test_loss: float | None = None


@dataclass
class TrainResult:
    """Outcome of one training run; accuracies in percent.

    Parameters
    ----------
    ok : bool
        False for a failed run (non-finite loss, out of memory).
    reason : str or None
        Why it failed.
    epochs : list of EpochMetrics
        Per-epoch metrics (those before a failure included).
    device : str
        Device name the run used.
    amp : str, optional
        Autocast dtype used (``"bfloat16"``, ``"float16"``) or None.
    channels_last : bool
        Whether NHWC was used.
    deterministic : bool
        Whether deterministic kernels were on.
    seed : int, optional
        The run's seed.
    threads : int, optional
        torch intra-op threads the run used.
    reported : Reported, optional
        The benchmark's numbers for this run, by ``recipe.report`` (also for failed runs).
    total_seconds : float
        Wall-clock seconds of the whole run.
    """

    ok: bool
    reason: str | None
    epochs: list[EpochMetrics] = field(default_factory=list)
    device: str = "cpu"
    amp: str | None = None
    channels_last: bool = False
    deterministic: bool = False
    seed: int | None = None
    #: torch intra-op threads the run used
    threads: int | None = None
    #: the benchmark's numbers for this run, by ``recipe.report`` (set also for failed runs:
    #: NB-Graph reads the epochs before a divergence)
    reported: Reported | None = None
    total_seconds: float = 0.0

    @property
    def final(self) -> EpochMetrics | None:
        return self.epochs[-1] if self.epochs else None

    @property
    def valid_acc(self) -> float | None:
        return self.final.valid_acc if self.final else None

    @property
    def test_acc(self) -> float | None:
        return self.final.test_acc if self.final else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return d


class _Failure(Exception):
    """Internal: stop training and return a failed result."""


# ----- settings ------------------------------------------------------------------------------
def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """The torch device a device string names.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Returns
    -------
    torch.device

    Raises
    ------
    NasbenchError
        CUDA asked for on a machine without it, or an unknown name.
    """
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if str(device).startswith("cuda"):
        if not torch.cuda.is_available():
            raise NasbenchError(
                f"device '{device}' asked for but torch sees no CUDA device "
                f"(torch {torch.__version__}); use device='cpu' or 'auto'"
            )
        return torch.device(device)
    raise NasbenchError(f"unknown device '{device}'; choose {one_of(['auto', 'cpu', 'cuda'])}")


def device_name(device: torch.device) -> str:
    """What a device is, in words, for reports: the GPU's name, else the CPU's (processor or machine)."""
    import platform

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine()


def resolve_amp(amp: bool | str | None, device: torch.device) -> torch.dtype | None:
    """AMP dtype on CUDA (``True``/``'auto'``: bf16 where supported, else fp16); None on CPU."""
    if device.type != "cuda" or amp in (None, False, "off", "none"):
        return None
    if amp in (True, "auto", "on"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if amp in ("bf16", "bfloat16"):
        return torch.bfloat16
    if amp in ("fp16", "float16"):
        return torch.float16
    raise NasbenchError(f"unknown amp setting {amp!r}; choose False, True, 'auto', 'bf16' or 'fp16'")


@contextmanager
def _deterministic(on: bool) -> Iterator[None]:
    if not on:
        yield
        return
    prev = (torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled(),
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    # cuBLAS needs this for deterministic GEMMs; effective if set before cuBLAS initialises
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(prev[0], warn_only=prev[1])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = prev[2], prev[3]


@contextmanager
def intra_op_threads(n: int | None) -> Iterator[None]:
    """``torch.set_num_threads(n)`` for the duration of the block (``None``: leave it as it is)."""
    if n is None:
        yield
        return
    if int(n) < 1:
        raise NasbenchError(f"threads must be >= 1, got {n}")
    prev = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(prev)


def _optimizer(model: nn.Module, recipe: Recipe) -> torch.optim.Optimizer:
    if recipe.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=recipe.lr, momentum=recipe.momentum,
                               nesterov=recipe.nesterov and recipe.momentum > 0,
                               weight_decay=recipe.weight_decay)
    if recipe.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    raise NasbenchError(f"unknown optimizer '{recipe.optimizer}'; choose 'sgd' or 'adam'")


def _lr_at(recipe: Recipe, step: int, total: int) -> float:
    if recipe.schedule == "constant":
        return recipe.lr
    if recipe.schedule == "cosine":
        return 0.5 * recipe.lr * (1.0 + math.cos(math.pi * min(step, total) / max(total, 1)))
    raise NasbenchError(f"unknown schedule '{recipe.schedule}'; choose 'cosine' or 'constant'")


def _check_finite(loss: torch.Tensor, epoch: int, step: int) -> None:
    if not torch.isfinite(loss).all():
        raise _Failure(f"non-finite training loss ({float(loss.detach()):.4g}) at epoch {epoch}, step {step}")


def _is_oom(exc: BaseException) -> bool:
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


# ----- entry point ---------------------------------------------------------------------------
def train(model: nn.Module, data: ImageData | GraphData, recipe: Recipe, *,
          device: str | torch.device = "auto", amp: bool | str | None = False,
          channels_last: bool = False, deterministic: bool = False, seed: int = 0,
          threads: int | None = None,
          on_epoch: Callable[[EpochMetrics], None] | None = None) -> TrainResult:
    """Train ``model`` on ``data`` with ``recipe``; never raises for NaN loss or CUDA OOM.

    Parameters
    ----------
    model : torch.nn.Module
        The network (:func:`build_model`); moved to ``device``.
    data : ImageData or GraphData
        Training data with validation / test splits.
    recipe : Recipe
        Optimiser, schedule, epochs, batch size, and which epoch the benchmark reports.
    device : str or torch.device
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    amp : bool or str, optional
        Mixed precision on CUDA: False, True / ``"auto"`` (bf16 where supported, else fp16 with
        loss scaling), ``"bf16"``, ``"fp16"``; ignored on CPU.
    channels_last : bool
        NHWC memory format for images on CUDA.
    deterministic : bool
        Deterministic kernels (slower) for bit-reproducible GPU runs.
    seed : int
        Seed of the data order, augmentation and dropout (scoped, never global).
    threads : int, optional
        torch intra-op threads for this call (restored afterwards); None keeps the process's
        setting, and then the CPU result depends on it (module docstring).
    on_epoch : callable, optional
        Called with each epoch's :class:`EpochMetrics`.

    Returns
    -------
    TrainResult
        ``ok`` False with a ``reason`` for a non-finite loss or out-of-memory; per-epoch metrics
        (accuracies in %, seconds of wall-clock time) and the benchmark's reported numbers.

    Raises
    ------
    NasbenchError
        A bad device, AMP setting, optimiser or schedule name.
    """
    dev = resolve_device(device)
    amp_dtype = resolve_amp(amp, dev)
    use_cl = bool(channels_last) and dev.type == "cuda" and isinstance(data, ImageData)
    data_seed, torch_seed = child_seeds(seed, 2)
    result = TrainResult(ok=True, reason=None, device=str(dev),
                         amp=str(amp_dtype).replace("torch.", "") if amp_dtype else None,
                         channels_last=use_cl, deterministic=deterministic, seed=seed)
    gen = torch.Generator(device="cpu").manual_seed(data_seed)
    t_start = time.perf_counter()
    try:
        with intra_op_threads(threads), _deterministic(deterministic), seeded(torch_seed):
            result.threads = torch.get_num_threads()
            model.to(dev)
            if use_cl:
                # Module.to(memory_format=...) exists at run time; torch's overloads omit it
                model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
            if isinstance(data, ImageData):
                _train_images(model, data, recipe, dev, amp_dtype, use_cl, gen, result, on_epoch)
            elif isinstance(data, GraphData):
                _train_graph(model, data, recipe, dev, amp_dtype, result, on_epoch)
            else:
                raise NasbenchError(f"train() takes ImageData or GraphData, got {type(data).__name__}")
    except _Failure as exc:
        result.ok, result.reason = False, str(exc)
    except (RuntimeError, torch.cuda.OutOfMemoryError) as exc:
        if not _is_oom(exc):
            raise
        result.ok, result.reason = False, f"CUDA out of memory: {str(exc).splitlines()[0]}"
        if dev.type == "cuda":
            torch.cuda.empty_cache()
    result.total_seconds = time.perf_counter() - t_start
    result.reported = reported(result.epochs, recipe.report, up_to=recipe.epochs)
    return result


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


# ----- images ----------------------------------------------------------------------------------
def _prepare(x: torch.Tensor, data: ImageData, dev: torch.device, use_cl: bool,
             gen: torch.Generator | None) -> torch.Tensor:
    """uint8 batch -> normalised float on ``dev``; NB201 augmentation when ``gen`` is given."""
    x = x.to(dev, non_blocking=True)
    if gen is not None:
        b, _, h, w = x.shape
        flip = torch.rand(b, generator=gen) < 0.5
        offs = torch.randint(0, 9, (b, 2), generator=gen)  # crop offset in the 4-padded image
        x = torch.where(flip.to(dev)[:, None, None, None], x.flip(3), x)
        xp = F.pad(x, (4, 4, 4, 4))
        rows = (offs[:, 0, None] + torch.arange(h)).to(dev)  # [b, h]
        cols = (offs[:, 1, None] + torch.arange(w)).to(dev)  # [b, w]
        bi = torch.arange(b, device=dev)[:, None, None]
        x = xp.permute(0, 2, 3, 1)[bi, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
    mean = torch.tensor(data.mean, device=dev).view(1, -1, 1, 1) * 255.0
    std = torch.tensor(data.std, device=dev).view(1, -1, 1, 1) * 255.0
    x = (x.float() - mean) / std
    if use_cl:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


@torch.no_grad()
def _evaluate(model: nn.Module, x: torch.Tensor | None, y: torch.Tensor | None, data: ImageData,
              recipe: Recipe, dev: torch.device, amp_dtype, use_cl: bool) -> float | None:
    if x is None or y is None or len(x) == 0:
        return None
    model.eval()
    correct = 0
    for i in range(0, len(x), recipe.eval_batch_size):
        xb = _prepare(x[i:i + recipe.eval_batch_size], data, dev, use_cl, None)
        with torch.autocast(dev.type, dtype=amp_dtype) if amp_dtype else nullcontext():
            logits = model(xb)
        correct += int((logits.argmax(1).cpu() == y[i:i + recipe.eval_batch_size]).sum())
    return 100.0 * correct / len(x)


def _train_images(model, data: ImageData, recipe: Recipe, dev, amp_dtype, use_cl, gen,
                  result: TrainResult, on_epoch) -> None:
    opt = _optimizer(model, recipe)
    scaler = grad_scaler(amp_dtype)
    n = len(data.x_train)
    steps_per_epoch = math.ceil(n / recipe.batch_size)
    if recipe.max_steps_per_epoch is not None:
        steps_per_epoch = min(steps_per_epoch, recipe.max_steps_per_epoch)
    total = steps_per_epoch * recipe.epochs
    step = 0
    for epoch in range(recipe.epochs):
        _sync(dev)
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=gen)
        loss_sum = torch.zeros((), device=dev)
        correct = torch.zeros((), device=dev, dtype=torch.long)
        seen = 0
        lr = recipe.lr
        for s in range(steps_per_epoch):
            idx = perm[s * recipe.batch_size:(s + 1) * recipe.batch_size]
            xb = _prepare(data.x_train[idx], data, dev, use_cl, gen if data.augment else None)
            yb = data.y_train[idx].to(dev, non_blocking=True)
            lr = _lr_at(recipe, step, total)
            for g in opt.param_groups:
                g["lr"] = lr
            logits, loss = train_step(model, xb, yb, opt, amp_dtype=amp_dtype, scaler=scaler,
                                      label_smoothing=recipe.label_smoothing,
                                      check_loss=partial(_check_finite, epoch=epoch, step=s))
            loss_sum += loss.detach() * len(idx)
            correct += (logits.detach().argmax(1) == yb).sum()
            seen += len(idx)
            step += 1
        _sync(dev)
        seconds = time.perf_counter() - t0
        train_loss = float(loss_sum) / max(seen, 1)
        if not math.isfinite(train_loss):
            raise _Failure(f"non-finite training loss at epoch {epoch}")
        m = EpochMetrics(
            epoch=epoch + 1, train_loss=train_loss, train_acc=100.0 * int(correct) / max(seen, 1),
            valid_acc=_evaluate(model, data.x_valid, data.y_valid, data, recipe, dev, amp_dtype, use_cl),
            test_acc=_evaluate(model, data.x_test, data.y_test, data, recipe, dev, amp_dtype, use_cl),
            seconds=seconds, lr=lr,
        )
        result.epochs.append(m)
        if on_epoch is not None:
            on_epoch(m)


# ----- graphs ----------------------------------------------------------------------------------
def _train_graph(model, data: GraphData, recipe: Recipe, dev, amp_dtype, result: TrainResult,
                 on_epoch) -> None:
    """NAS-Bench-Graph's loop (``Worker.run``): one full-batch step per epoch (log-softmax +
    NLL on the train mask), then evaluation of every split in eval mode: accuracy and NLL."""
    g = data.data.to(dev)
    opt = _optimizer(model, recipe)
    y = g.y
    masks = (g.train_mask, g.val_mask, g.test_mask)
    for epoch in range(recipe.epochs):
        _sync(dev)
        t0 = time.perf_counter()
        for grp in opt.param_groups:
            grp["lr"] = _lr_at(recipe, epoch, recipe.epochs)
        model.train()
        opt.zero_grad(set_to_none=True)
        with torch.autocast(dev.type, dtype=amp_dtype) if amp_dtype else nullcontext():
            out = model(g)
        logp = F.log_softmax(out.float(), 1)
        loss = F.nll_loss(logp[masks[0]], y[masks[0]])
        _check_finite(loss, epoch, 0)
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad(), torch.autocast(dev.type, dtype=amp_dtype) if amp_dtype else nullcontext():
            logp = F.log_softmax(model(g).float(), 1)
        pred = logp.argmax(1)
        # one device-to-host copy per epoch: train loss, 3 accuracies, valid/test NLL
        train_loss, *accs, valid_loss, test_loss = torch.stack(
            [loss.detach()] + [100.0 * (pred[m] == y[m]).float().mean() for m in masks]
            + [F.nll_loss(logp[m], y[m]) for m in masks[1:]]).tolist()
        _sync(dev)
        m = EpochMetrics(epoch=epoch + 1, train_loss=train_loss, train_acc=accs[0],
                         valid_acc=accs[1], test_acc=accs[2],
                         seconds=time.perf_counter() - t0, lr=opt.param_groups[0]["lr"],
                         valid_loss=valid_loss, test_loss=test_loss)
        result.epochs.append(m)
        if on_epoch is not None:
            on_epoch(m)
