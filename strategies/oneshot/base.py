"""The one-shot (weight-sharing) search protocol: results, per-epoch records, the method ABC.

One-shot methods do not share a base class with the ask/tell strategies (docs/ARCHITECTURE.md):
a method trains a :class:`~strategies.oneshot.supernet.Supernet` on the ``search-train`` split
of a :class:`~strategies.oneshot.data.OneShotData`, updates its architecture parameters (if it
has any) on ``search-valid``, and returns one :class:`OneShotResult` with a per-epoch log.

Contract of ``OneShotMethod.search(supernet, data, *, epochs, generator)``:

- every random draw (weight order, Gumbel / Dirichlet samples, dropout, path sampling) comes
  from ``generator``: :meth:`OneShotMethod.search` draws one seed from it and runs the whole
  search inside a scoped torch seed (:func:`nasbench.live.seeding.seeded`, global RNG restored
  afterwards), so the same generator seed gives the same derived architecture, bit-identical
  on CPU;
- a NaN / inf loss (or architecture parameter) ends the run as ``state='failed'`` with the
  reason; it never raises through and never kills a sweep (a bad setting, e.g. an unknown
  keyword, raises StrategyError when the method is built, not during the search);
- the batch-norm mode and every other switch that moves results are in ``result.settings``.

Writing a method: either implement the hooks used by the default :meth:`OneShotMethod.search`
(:meth:`~OneShotMethod.setup`, :meth:`~OneShotMethod.train_epoch`,
:meth:`~OneShotMethod.arch_weights`, optionally :meth:`~OneShotMethod.finish`), or override
``search`` and use :meth:`OneShotMethod.run_epochs` / :func:`check_finite` yourself.
"""
from __future__ import annotations

import contextlib
import math
import time
from abc import ABC
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import torch

from strategies.base import StrategyError

__all__ = [
    "BN_MODES", "EpochRecord", "NonFiniteError", "OneShotMethod", "OneShotResult", "PRECISIONS",
    "autocast", "check_finite", "seed_from",
]

#: batch-norm statistics of the supernet during a search (``Supernet.set_bn_mode``):
#: ``track`` = as the live network (affine, running statistics used in eval mode);
#: ``train`` = affine, no running statistics (batch statistics in train and eval mode);
#: ``affine-free`` = no affine parameters and batch statistics (DARTS search setting)
BN_MODES: tuple[str, ...] = ("track", "train", "affine-free")

#: arithmetic of the supernet's training forward passes (:func:`autocast`; the scoring of derived
#: paths stays float32): ``fp32``; or ``bf16``, mixed
#: precision by ``torch.autocast``: matrix products and convolutions in bfloat16, weights,
#: gradients, optimiser state and the loss's reductions in float32. bfloat16 has float32's
#: exponent range, so no loss scaling is needed (float16 would need it and is not offered).
PRECISIONS: tuple[str, ...] = ("fp32", "bf16")


def autocast(supernet: torch.nn.Module, precision: str):
    """The context of a forward pass of ``supernet`` in ``precision`` (:data:`PRECISIONS`), on
    the device its parameters are on; ``fp32`` is a no-op."""
    if precision == "fp32":
        return contextlib.nullcontext()
    if precision != "bf16":
        raise StrategyError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    device = next(supernet.parameters()).device.type
    return torch.autocast(device_type=device, dtype=torch.bfloat16)


class NonFiniteError(ArithmeticError):
    """A loss or parameter became NaN / inf; caught by the search loop (run -> 'failed')."""


def check_finite(value: torch.Tensor | float, what: str) -> float:
    """``value`` as a float; raises :class:`NonFiniteError` naming ``what`` when it is NaN / inf."""
    v = float(value.detach()) if isinstance(value, torch.Tensor) else float(value)
    if not math.isfinite(v):
        raise NonFiniteError(f"{what} is {v} (not finite)")
    return v


def seed_from(generator: torch.Generator) -> int:
    """One 62-bit seed drawn from ``generator`` (the seed of a search's scoped torch RNG)."""
    return int(torch.randint(0, 2**62, (1,), generator=generator).item())


@dataclass
class EpochRecord:
    """One search epoch.

    ``wall_s``: seconds since the search started (cumulative, includes the evaluation);
    ``derived_arch``: space id derived at the end of the epoch; ``arch_params``: the
    architecture parameters per decision (logits / Dirichlet concentrations / controller
    probabilities as the method defines them; None for methods without any);
    ``train_loss``: mean supernet training loss of the epoch (search-train split);
    ``search_score``: supernet score of the derived architecture (its single path, eval mode)
    on the search-valid split, in the benchmark's unit (accuracy %, ROC-AUC x 100).
    """

    epoch: int
    wall_s: float
    derived_arch: int
    arch_params: list[list[float]] | None
    train_loss: float
    search_score: float
    extra: dict[str, Any] = field(default_factory=dict)  #: method-specific numbers (tau, ...)

    def to_dict(self) -> dict[str, Any]:
        return _json_safe(asdict(self))


@dataclass
class OneShotResult:
    """The outcome of one search: ``state`` is ``'completed'`` or ``'failed'`` (``reason`` says
    why, e.g. the epoch and loss that went NaN; ``derived_arch`` is then the last architecture
    derived before the failure, or None). ``settings`` holds every switch that moves results
    (epochs, bn_mode, search split, learning rates, tau, seed of the scoped RNG ...)."""

    method: str
    benchmark: str
    seed: int | None
    settings: dict[str, Any]
    epochs: list[EpochRecord]
    derived_arch: int | None
    state: str
    reason: str
    wall_s: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (non-finite floats become None)."""
        out = {k: getattr(self, k) for k in
               ("method", "benchmark", "seed", "settings", "derived_arch", "state", "reason", "wall_s")}
        out["epochs"] = [e.to_dict() for e in self.epochs]
        return _json_safe(out)


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, torch.Tensor):
        return _json_safe(obj.tolist())
    try:  # numpy scalars
        return _json_safe(obj.item())
    except AttributeError:
        return str(obj)


class OneShotMethod(ABC):  # noqa: B024 - abstract by intent (only subclasses run), every hook has a default
    """A one-shot search method. Subclasses set ``name``, ``citation`` and ``defaults`` (the
    paper's values, cited in the class docstring); ``__init__(**settings)`` overrides them
    (unknown keywords raise StrategyError listing the known ones) and :meth:`validate` checks
    them. ``self.settings`` is the full dict, recorded in every result.

    ``probe``: an optional callable ``probe(supernet, data, epoch, epochs)`` the search loop calls
    after each epoch (a :class:`strategies.oneshot.ranking.RankingProbe`); its time is not
    charged to the search and the search never reads what it computes.
    """

    probe: Callable[[Any, Any, int, int], Any] | None = None

    name: ClassVar[str] = ""
    citation: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, **settings: Any) -> None:
        unknown = sorted(set(settings) - set(self.defaults))
        if unknown:
            from nasbench.errors import did_you_mean, one_of

            raise StrategyError(
                f"{self.name}: unknown setting(s) {', '.join(map(repr, unknown))}"
                f"{did_you_mean(unknown[0], self.defaults)}; "
                f"known: {one_of(sorted(self.defaults))}"
            )
        merged = dict(self.defaults)
        merged.update(settings)
        self.settings: dict[str, Any] = self.validate(merged)

    def validate(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Checked settings (override; use strategies.validation.check_*). Default: as given."""
        return settings

    # ----- the default search loop -------------------------------------------------------------
    def search(self, supernet, data, *, epochs: int, generator: torch.Generator) -> OneShotResult:
        """Search for ``epochs`` epochs; see the module docstring for the contract.

        Default: seed a scoped torch RNG from ``generator``, set the supernet's batch-norm mode
        (``settings['bn_mode']`` if present), call :meth:`setup`, then per epoch
        :meth:`train_epoch`, derive from :meth:`arch_weights` and score the derived path on
        search-valid; finally :meth:`finish` may pick another architecture.
        """
        from nasbench.live.seeding import seeded

        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise StrategyError(f"{self.name}: epochs must be an integer >= 1, got {epochs!r}")
        seed = seed_from(generator)
        with seeded(seed):
            return self.run_epochs(supernet, data, epochs=epochs, seed=seed,
                                   epoch_fn=self.train_epoch)

    def run_epochs(self, supernet, data, *, epochs: int, seed: int,
                   epoch_fn: Callable[[Any, Any, int, int], float]) -> OneShotResult:
        """The epoch loop with timing, logging and failure handling (for methods that override
        :meth:`search`; call it inside a scoped seed). ``epoch_fn(supernet, data, epoch,
        epochs) -> mean train loss``."""
        start = time.perf_counter()
        probe_s = 0.0  # ranking probes: not charged to the search's clock
        records: list[EpochRecord] = []
        derived: int | None = None
        state, reason = "completed", ""
        try:
            if "bn_mode" in self.settings:
                supernet.set_bn_mode(self.settings["bn_mode"])
            self.setup(supernet, data)
            for epoch in range(epochs):
                loss = check_finite(epoch_fn(supernet, data, epoch, epochs),
                                    f"the mean training loss of epoch {epoch}")
                weights = self.arch_weights(supernet)
                params = self.arch_params()
                if params is not None:
                    for d, row in enumerate(params):
                        for v in row:
                            check_finite(v, f"an architecture parameter of decision {d} after epoch {epoch}")
                derived = self.derive(supernet, weights)
                score = evaluate_path(supernet, data, supernet.single_path(
                    supernet.space.to_decisions([derived])[0]))
                records.append(EpochRecord(epoch, time.perf_counter() - start - probe_s, int(derived), params,
                                           loss, score, self.epoch_extra()))
                if self.probe is not None:
                    t = time.perf_counter()
                    self.probe(supernet, data, epoch, epochs)
                    probe_s += time.perf_counter() - t
            final = self.finish(supernet, data)
            if final is not None:
                derived = int(final)
        except NonFiniteError as exc:
            state, reason = "failed", f"{self.name} diverged: {exc}"
        settings = {**self.settings, "epochs": epochs, "search_split": data.search_split,
                    "bn_mode": getattr(supernet, "bn_mode", None), "torch_seed": seed}
        return OneShotResult(self.name, data.benchmark, seed, settings, records, derived, state,
                             reason, time.perf_counter() - start - probe_s)

    # ----- shared-weight training helpers (methods with ``self.w_opt`` and WEIGHT_DEFAULTS) -----
    def before_epoch(self, epoch: int, epochs: int) -> None:
        """Cosine learning rate of the shared weights (``w_lr`` -> ``w_lr_min`` over the search)."""
        s = self.settings
        lr = s["w_lr_min"] + 0.5 * (s["w_lr"] - s["w_lr_min"]) * (1 + math.cos(math.pi * epoch / epochs))
        for g in self.w_opt.param_groups:
            g["lr"] = lr

    def train_batches(self, data):
        """The search-train batches of one epoch, at most ``max_steps_per_epoch`` of them."""
        cap = self.settings.get("max_steps_per_epoch")
        for step, batch in enumerate(data.batches("search-train")):
            if cap is not None and step >= cap:
                return
            yield batch

    # ----- hooks ------------------------------------------------------------------------------
    def setup(self, supernet, data) -> None:
        """Create optimisers / architecture parameters (called once, inside the scoped seed)."""

    def train_epoch(self, supernet, data, epoch: int, epochs: int) -> float:
        """One epoch of training; returns the mean training loss (NaN/inf -> failed run)."""
        raise NotImplementedError(f"{type(self).__name__} must implement train_epoch or override search")

    def arch_weights(self, supernet) -> Sequence[torch.Tensor]:
        """Per decision a 1-D tensor whose argmax is the derived choice (e.g. the logits)."""
        raise NotImplementedError(f"{type(self).__name__} must implement arch_weights or override search")

    def arch_params(self) -> list[list[float]] | None:
        """The architecture parameters to log per epoch (None: the method has none)."""
        return None

    def derive(self, supernet, weights: Sequence[torch.Tensor]) -> int:
        """The space id of the current architecture: ``supernet.derive(weights)`` by default."""
        return supernet.derive(weights)

    def epoch_extra(self) -> dict[str, Any]:
        """Method-specific numbers for the epoch record (e.g. GDAS's tau)."""
        return {}

    def finish(self, supernet, data) -> int | None:
        """A final architecture other than the last derived one (None: keep it)."""
        return None


#: settings of the shared weights, common to every method (``None``: the space default of
#: :func:`weight_space_defaults`, resolved when the search starts and recorded)
WEIGHT_DEFAULTS: dict[str, Any] = {
    "w_lr": None, "w_lr_min": None, "w_momentum": None, "w_weight_decay": None, "w_optimizer": None,
    "grad_clip": 5.0, "max_steps_per_epoch": None,
}


def check_weight_settings(name: str, s: dict[str, Any]) -> dict[str, Any]:
    """Check :data:`WEIGHT_DEFAULTS`' settings and ``bn_mode`` in ``s`` (StrategyError naming
    method ``name``, the setting and what is allowed); returns ``s``."""
    from strategies.validation import check_choice, check_int, check_number

    for key in ("w_lr", "w_lr_min"):
        s[key] = check_number(name, key, s[key], low=0, low_open=True, allow_none=True)
    for key in ("w_momentum", "w_weight_decay"):
        s[key] = check_number(name, key, s[key], low=0, allow_none=True)
    s["grad_clip"] = check_number(name, "grad_clip", s["grad_clip"], low=0, low_open=True, allow_none=True)
    s["bn_mode"] = check_choice(name, "bn_mode", s["bn_mode"], BN_MODES)
    if s["w_optimizer"] is not None:
        s["w_optimizer"] = check_choice(name, "w_optimizer", s["w_optimizer"], ("sgd", "adam"))
    s["max_steps_per_epoch"] = check_int(name, "max_steps_per_epoch", s["max_steps_per_epoch"], 1, allow_none=True)
    return s


def weight_space_defaults(supernet) -> dict[str, Any]:
    """The shared weights' settings per space: NB-Graph trains them with the benchmark's own
    per-dataset protocol (:mod:`nasbench.nbgraph_protocol`: optimiser, learning rate, weight
    decay; constant learning rate, no momentum); NB201 with DARTS' CIFAR-10 search settings (SGD
    momentum 0.9, lr 0.025 cosine to 0.001, weight decay 3e-4)."""
    if supernet.space.name.startswith("nbgraph"):
        from nasbench.nbgraph_protocol import NBGRAPH_PROTOCOL

        p = NBGRAPH_PROTOCOL[supernet.dataset]
        return {"w_optimizer": p.optimizer.lower(), "w_lr": p.lr, "w_lr_min": p.lr, "w_momentum": 0.0,
                "w_weight_decay": p.weight_decay}
    return {"w_optimizer": "sgd", "w_lr": 0.025, "w_lr_min": 0.001, "w_momentum": 0.9, "w_weight_decay": 3e-4}


def fill_defaults(settings: dict[str, Any], defaults: dict[str, Any]) -> None:
    """Set every ``None`` setting that ``defaults`` has (in place)."""
    for k, v in defaults.items():
        if settings.get(k) is None:
            settings[k] = v


def weight_optimizer(supernet, s: dict[str, Any]) -> torch.optim.Optimizer:
    """The optimiser of the shared weights from the resolved settings ``s``."""
    params = supernet.weight_parameters()
    if s["w_optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=s["w_lr"], momentum=s["w_momentum"], weight_decay=s["w_weight_decay"])
    return torch.optim.Adam(params, lr=s["w_lr"], weight_decay=s["w_weight_decay"])


def weight_step(optimizer, supernet, data, batch, weights: Sequence[torch.Tensor], grad_clip: float,
                precision: str = "fp32") -> float:
    """One step of the shared weights on ``batch`` through ``weights`` (a mixture or a single
    path, not differentiated); the training loss (NonFiniteError when it is NaN/inf). ``grad_clip``
    > 0 clips the gradient norm of the optimizer's first parameter group (DARTS' 5); the forward
    pass runs in ``precision`` (:func:`autocast`)."""
    optimizer.zero_grad(set_to_none=True)
    with autocast(supernet, precision):
        loss = data.loss(supernet(batch, weights), batch)
    value = check_finite(loss, "the training loss")
    loss.backward()
    if grad_clip:
        torch.nn.utils.clip_grad_norm_(optimizer.param_groups[0]["params"], grad_clip)
    optimizer.step()
    return value


@torch.no_grad()
def evaluate_path(supernet, data, weights: Sequence[torch.Tensor], split: str = "search-valid") -> float:
    """Score (benchmark unit) of the supernet path/mixture ``weights`` on ``split``, eval mode
    (dropout off), averaged over the split's batches weighted by their size."""
    was_training = supernet.training
    supernet.eval()
    try:
        total, n = 0.0, 0
        for batch in data.batches(split, shuffle=False):
            out = supernet(batch, weights)
            m = data.batch_size_of(batch)
            total += data.score(out, batch) * m
            n += m
        return total / max(n, 1)
    finally:
        supernet.train(was_training)
