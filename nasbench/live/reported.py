"""Which epoch's numbers a benchmark reports: the rule that turns a learning curve into the
table's ``valid_acc`` / ``test_acc``.

A live run keeps every epoch (:class:`~nasbench.live.trainer.EpochMetrics`); each benchmark
reads its table entries off that curve by its own rule, and live-vs-table comparisons must
use the same rule:

- ``"final"`` (NAS-Bench-201): validation and test accuracy after the last epoch (``up_to``).
- ``"nbgraph"`` (NAS-Bench-Graph, Qin et al. 2022): the benchmark's ``valid_perf`` is the
  best validation accuracy over the epochs, and its ``perf`` (our ``test_acc``) is the test
  accuracy at the first epoch of *minimum validation loss*: the official ``Worker.run`` keeps
  ``best_performance = test_acc`` whenever ``val_loss < min_val_loss``, and that value is the
  7th field of every epoch in the benchmark's full files ("best performance"). Checked on
  live Cora runs (docs/live.md): these two rules match the table; validation-loss selection
  for validation, or best-validation-accuracy selection for test, do not.

Epochs after a divergence (non-finite loss) are absent from the curve; the NB-Graph rule then
reads the epochs before it, as the official loop did (a NaN loss never beats ``min_val_loss``).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from nasbench.errors import UnknownNameError, one_of

RULES: tuple[str, ...] = ("final", "nbgraph")


@dataclass(frozen=True)
class Reported:
    """The numbers a benchmark reports for one run, in percent; ``epoch`` is the epoch whose
    test accuracy is reported (1-based)."""

    valid_acc: float | None
    test_acc: float | None
    epoch: int | None


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def reported(epochs: Sequence, rule: str, up_to: int | None = None) -> Reported:
    """The ``rule``'s valid/test accuracy from the per-epoch metrics ``epochs`` (objects with
    ``epoch``, ``valid_acc``, ``test_acc``, ``valid_loss``), using epochs ``<= up_to``."""
    if rule not in RULES:
        raise UnknownNameError(f"unknown reporting rule '{rule}'; choose {one_of(RULES)}")
    seen = [e for e in epochs if up_to is None or e.epoch <= up_to]
    if rule == "final":
        last = seen[-1] if seen else None
        if last is None or (up_to is not None and last.epoch != up_to):
            return Reported(None, None, None)
        return Reported(last.valid_acc, last.test_acc, last.epoch)
    best_valid = None
    at_min_loss, min_loss = None, math.inf
    for e in seen:
        if _finite(e.valid_acc) and (best_valid is None or e.valid_acc > best_valid):
            best_valid = e.valid_acc
        if _finite(e.valid_loss) and e.valid_loss < min_loss:
            min_loss, at_min_loss = e.valid_loss, e
    if at_min_loss is None:
        return Reported(best_valid, None, None)
    return Reported(best_valid, at_min_loss.test_acc, at_min_loss.epoch)
