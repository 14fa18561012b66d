"""RSPS (Li & Talwalkar, UAI 2019): random search with weight sharing, and the single-path
machinery it shares with SPOS and ENAS (:class:`SinglePathMethod`).

Search: every weight step trains the supernet on ONE path drawn uniformly (each decision of the
space's decision view uniform; a vector that names no architecture, NB-Graph's all-``skip``
cell, is repaired by ``space.repair``, as the black-box strategies do). After training, ``N``
architectures drawn the same way are scored with the shared weights (single path, eval mode,
on the ``search-valid`` split) and the best is the result.

Defaults (``RSPS.defaults``):

- ``n_candidates = 100``: NB201's RSPS re-run (Dong & Yang, ICLR 2020, sec. 5 and the
  AutoDL-Projects ``RANDOM-NAS.py`` script: ``select_num 100`` random architectures scored on
  the shared weights). The original paper (sec. 4.2) scores 1000 on its own space;
- weights: NB201 as DARTS' CIFAR-10 search (SGD momentum 0.9, lr 0.025 cosine to 0.001,
  weight decay 3e-4, gradient clipping 5; RSPS and the NB201 re-run reuse DARTS' weight
  settings); NB-Graph (no published supernet): the benchmark's own per-dataset trainer
  (:mod:`nasbench.nbgraph_protocol`: optimiser, lr, weight decay, constant lr, no momentum), so
  the shared weights are trained as the table's networks were; one full batch = one step per
  epoch;
- ``bn_mode = 'train'``: affine batch norm with batch statistics in train and eval mode (the
  NB201 one-shot runs use ``track_running_stats = 0``: running statistics shared by every path
  describe none of them).

Switches of every single-path method (:class:`SinglePathMethod`): ``log_every`` (derive and
log an architecture every this many epochs; the last epoch always derives the final result),
``log_samples`` (the per-epoch log is the best of this many architectures from the method's
sampler, 10 as AutoDL's ENAS per-epoch ``get_best_arch``), ``score_split`` (``search-valid``
or, on NB-Graph, the official ``valid`` mask), ``max_steps_per_epoch`` (a cap for CPU runs).

Clock: ``EpochRecord.extra['search_s']`` is the search's own wall-clock when that epoch's
architecture was available: the seconds spent training up to the epoch plus that epoch's
derivation. Per-epoch log derivations of earlier epochs and ranking probes
(:mod:`strategies.oneshot.ranking`) are excluded; ``OneShotResult.wall_s`` = training + the
final derivation.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from strategies.oneshot.base import (
    WEIGHT_DEFAULTS,
    EpochRecord,
    NonFiniteError,
    OneShotMethod,
    OneShotResult,
    check_finite,
    check_weight_settings,
    evaluate_path,
    fill_defaults,
    seed_from,
    weight_optimizer,
    weight_space_defaults,
    weight_step,
)
from strategies.validation import check_choice, check_int

__all__ = ["RSPS", "SinglePathMethod"]

RSPS_CITATION = ("Li & Talwalkar, Random Search and Reproducibility for Neural Architecture "
                 "Search, UAI 2019 (NB201 re-run: Dong & Yang, ICLR 2020, AutoDL-Projects RANDOM-NAS.py)")

SCORE_SPLITS = ("search-valid", "valid")


class SinglePathMethod(OneShotMethod):
    """Uniform (or sampler-driven) single-path training of the shared weights and the search
    loop of the single-path methods (module docstring). Subclasses override
    :meth:`training_path`, :meth:`after_weights` (e.g. ENAS's controller phase),
    :meth:`log_candidates` / :meth:`final_derive`. Its loop calls ``probe`` as
    :meth:`OneShotMethod.run_epochs` does.
    """

    defaults: dict[str, Any] = {
        **WEIGHT_DEFAULTS, "bn_mode": "train", "log_every": 1, "log_samples": 10, "score_split": "search-valid",
    }

    def validate(self, s: dict[str, Any]) -> dict[str, Any]:
        n = self.name
        check_weight_settings(n, s)
        s["log_every"] = check_int(n, "log_every", s["log_every"], 1)
        s["log_samples"] = check_int(n, "log_samples", s["log_samples"], 1)
        s["score_split"] = check_choice(n, "score_split", s["score_split"], SCORE_SPLITS)
        return s

    # ----- setup ------------------------------------------------------------------------------
    def resolve_defaults(self, supernet) -> None:
        """Fill the ``None`` weight settings with the space defaults (module docstring)."""
        fill_defaults(self.settings, weight_space_defaults(supernet))

    def setup(self, supernet, data) -> None:
        self.resolve_defaults(supernet)
        s = self.settings
        self.w_opt = weight_optimizer(supernet, s)
        # numpy streams drawn from the scoped torch seed: training paths, and derivations (so
        # logging more or less often does not change the paths the weights are trained on)
        self.rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,)).item()))
        self.derive_rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,)).item()))  # logs
        self._final_rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,)).item()))
        self._scores: dict[int, float] = {}
        if s["score_split"] not in data.splits:
            from strategies.base import StrategyError

            raise StrategyError(f"{self.name}: score_split '{s['score_split']}' is not a split of "
                                f"{data.benchmark} (it has {', '.join(data.splits)})")

    # ----- sampling and scoring --------------------------------------------------------------
    def uniform_decisions(self, supernet, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """``n`` decision vectors, each decision uniform, repaired to valid ones ``[n, D]``
        (``rng``: default the training-path stream)."""
        rng = self.rng if rng is None else rng
        sizes = np.asarray(supernet.decision_sizes, dtype=np.int64)
        dec = (rng.random((n, len(sizes))) * sizes).astype(np.int64)
        return supernet.space.repair(dec, rng)

    def uniform_archs(self, supernet, n: int) -> np.ndarray:
        """``n`` architecture ids drawn through :meth:`uniform_decisions` (derivation stream)."""
        return supernet.space.from_decisions(self.uniform_decisions(supernet, n, self.derive_rng))

    def training_path(self, supernet) -> np.ndarray:
        """The decision vector of the next weight step (uniform single path)."""
        return self.uniform_decisions(supernet, 1)[0]

    def score(self, supernet, data, arch: int) -> float:
        """Supernet score of ``arch`` (its canonical single path, eval mode, ``score_split``);
        cached until the weights change (the cache is cleared after every epoch)."""
        arch = int(arch)
        if arch not in self._scores:
            self._scores[arch] = evaluate_path(supernet, data, supernet.arch_path(arch),
                                               split=self.settings["score_split"])
        return self._scores[arch]

    def best_of(self, supernet, data, archs: Sequence[int]) -> tuple[int, float]:
        """The highest-scoring of ``archs`` (first on ties) and its score."""
        best, best_score = -1, -math.inf
        for a in archs:
            sc = self.score(supernet, data, int(a))
            if sc > best_score:
                best, best_score = int(a), sc
        return best, best_score

    # ----- training ---------------------------------------------------------------------------
    def weight_step(self, supernet, data, batch) -> float:
        weights = supernet.single_path(self.training_path(supernet))
        return weight_step(self.w_opt, supernet, data, batch, weights, self.settings["grad_clip"])

    def train_epoch(self, supernet, data, epoch: int, epochs: int) -> float:
        self.before_epoch(epoch, epochs)
        supernet.train()
        losses = []
        for batch in self.train_batches(data):
            losses.append(self.weight_step(supernet, data, batch))
        self._scores.clear()
        self.after_weights(supernet, data, epoch, epochs)
        return sum(losses) / len(losses)

    def after_weights(self, supernet, data, epoch: int, epochs: int) -> None:
        """Called after each epoch's weight steps (ENAS trains its controller here)."""

    # ----- deriving ----------------------------------------------------------------------------
    def log_candidates(self, supernet, n: int) -> np.ndarray:
        """Candidates of a per-epoch log (uniform by default)."""
        return self.uniform_archs(supernet, n)

    def log_derive(self, supernet, data) -> tuple[int, float, int]:
        """(arch, score, candidates scored) of a per-epoch log: best of ``log_samples``."""
        cands = self.log_candidates(supernet, self.settings["log_samples"])
        arch, sc = self.best_of(supernet, data, cands)
        return arch, sc, len(cands)

    def final_derive(self, supernet, data) -> tuple[int, float, int]:
        """(arch, score, candidates scored) of the search's result."""
        raise NotImplementedError

    def begin_final(self) -> None:
        """Switch the derivation streams to the final derivation's own (so the result does not
        depend on how many per-epoch logs drew before it)."""
        self.derive_rng = self._final_rng

    # ----- the loop ----------------------------------------------------------------------------
    def search(self, supernet, data, *, epochs: int, generator: torch.Generator) -> OneShotResult:
        """Train and derive (module docstring); NaN / inf -> ``state='failed'``, never raises."""
        from nasbench.live.seeding import seeded
        from strategies.base import StrategyError

        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise StrategyError(f"{self.name}: epochs must be an integer >= 1, got {epochs!r}")
        seed = seed_from(generator)
        with seeded(seed):
            return self._loop(supernet, data, epochs, seed)

    def _loop(self, supernet, data, epochs: int, seed: int) -> OneShotResult:
        start = time.perf_counter()
        records: list[EpochRecord] = []
        derived: int | None = None
        state, reason = "completed", ""
        train_s = final_s = 0.0
        every = self.settings["log_every"]
        try:
            t = time.perf_counter()
            supernet.set_bn_mode(self.settings["bn_mode"])
            self.setup(supernet, data)
            train_s += time.perf_counter() - t
            for epoch in range(epochs):
                t = time.perf_counter()
                loss = check_finite(self.train_epoch(supernet, data, epoch, epochs),
                                    f"the mean training loss of epoch {epoch}")
                train_s += time.perf_counter() - t
                last = epoch == epochs - 1
                if last or (epoch + 1) % every == 0:
                    t = time.perf_counter()
                    if last:
                        self.begin_final()
                    arch, sc, n = (self.final_derive if last else self.log_derive)(supernet, data)
                    derive_s = time.perf_counter() - t
                    if last:
                        final_s = derive_s
                    derived = int(arch)
                    params = self.arch_params()
                    extra = {"train_s": train_s, "derive_s": derive_s, "search_s": train_s + derive_s,
                             "final": last, "candidates": n, **self.epoch_extra()}
                    records.append(EpochRecord(epoch, time.perf_counter() - start, derived, params,
                                               loss, float(sc), extra))
                if self.probe is not None:
                    self.probe(supernet, data, epoch, epochs)
        except NonFiniteError as exc:
            state, reason = "failed", f"{self.name} diverged: {exc}"
        settings = {**self.settings, "epochs": epochs, "search_split": data.search_split,
                    "bn_mode": getattr(supernet, "bn_mode", None), "torch_seed": seed}
        return OneShotResult(self.name, data.benchmark, seed, settings, records, derived, state,
                             reason, train_s + final_s)


class RSPS(SinglePathMethod):
    """Random search with weight sharing (module docstring: defaults and their sources)."""

    name = "rsps"
    citation = RSPS_CITATION
    defaults = {**SinglePathMethod.defaults, "n_candidates": 100}

    def validate(self, s: dict[str, Any]) -> dict[str, Any]:
        s = super().validate(s)
        s["n_candidates"] = check_int(self.name, "n_candidates", s["n_candidates"], 1)
        return s

    def final_derive(self, supernet, data) -> tuple[int, float, int]:
        cands = self.uniform_archs(supernet, self.settings["n_candidates"])
        arch, sc = self.best_of(supernet, data, cands)
        return arch, sc, len(cands)
