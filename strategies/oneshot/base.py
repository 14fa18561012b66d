"""The one-shot (weight-sharing) search protocol: results, per-epoch records, the method ABC.

One-shot methods do not share a base class with the ask/tell strategies (docs/ARCHITECTURE.md):
a method trains a :class:`~strategies.oneshot.supernet.Supernet` on the ``search-train`` split
of a :class:`~strategies.oneshot.data.OneShotData`, updates its architecture parameters (if it
has any) on ``search-valid``, and returns one :class:`OneShotResult` with a per-epoch log.

Contract of ``OneShotMethod.search(supernet, data, *, epochs, generator)``:

- every random draw (weight order, Gumbel / Dirichlet samples, dropout, path sampling) comes
  from ``generator``: :meth:`OneShotMethod.search` draws one seed from it and runs the whole
  search inside a scoped torch seed (:func:`nasbench.live._rng.seeded`, global RNG restored
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

import math
import time
from abc import ABC
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, ClassVar, Sequence

import torch

from strategies.base import StrategyError

__all__ = [
    "BN_MODES", "EpochRecord", "NonFiniteError", "OneShotMethod", "OneShotResult",
    "check_finite", "seed_from",
]

#: batch-norm statistics of the supernet during a search (``Supernet.set_bn_mode``):
#: ``track`` = as the live network (affine, running statistics used in eval mode);
#: ``train`` = affine, no running statistics (batch statistics in train and eval mode);
#: ``affine-free`` = no affine parameters and batch statistics (DARTS search setting)
BN_MODES: tuple[str, ...] = ("track", "train", "affine-free")


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


class OneShotMethod(ABC):
    """A one-shot search method. Subclasses set ``name``, ``citation`` and ``defaults`` (the
    paper's values, cited in the class docstring); ``__init__(**settings)`` overrides them
    (unknown keywords raise StrategyError listing the known ones) and :meth:`validate` checks
    them. ``self.settings`` is the full dict, recorded in every result.
    """

    name: ClassVar[str] = ""
    citation: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, **settings: Any) -> None:
        unknown = sorted(set(settings) - set(self.defaults))
        if unknown:
            from nasbench.errors import one_of

            raise StrategyError(
                f"{self.name}: unknown setting(s) {', '.join(map(repr, unknown))}; "
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
        from nasbench.live._rng import seeded

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
                records.append(EpochRecord(epoch, time.perf_counter() - start, int(derived), params,
                                           loss, score, self.epoch_extra()))
            final = self.finish(supernet, data)
            if final is not None:
                derived = int(final)
        except NonFiniteError as exc:
            state, reason = "failed", f"{self.name} diverged: {exc}"
        settings = {**self.settings, "epochs": epochs, "search_split": data.search_split,
                    "bn_mode": getattr(supernet, "bn_mode", None), "torch_seed": seed}
        return OneShotResult(self.name, data.benchmark, seed, settings, records, derived, state,
                             reason, time.perf_counter() - start)

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


def weight_step(optimizer, supernet, data, batch, weights: Sequence[torch.Tensor], grad_clip: float) -> float:
    """One step of the shared weights on ``batch`` through ``weights`` (a mixture or a single
    path, not differentiated); the training loss (NonFiniteError when it is NaN/inf). ``grad_clip``
    > 0 clips the gradient norm of the optimizer's first parameter group (DARTS' 5)."""
    optimizer.zero_grad(set_to_none=True)
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
