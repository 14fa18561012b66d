"""ENAS (Pham, Guan, Zoph, Le & Dean, Efficient Neural Architecture Search via Parameter
Sharing, ICML 2018), over a space's decision view.

Each epoch alternates the paper's two phases (sec. 2.2):

1. shared weights: one pass over ``search-train``, every weight step on ONE path sampled from
   the controller (no gradient to the controller);
2. controller: ``ctl_train_steps`` Adam steps, each averaging the REINFORCE gradient of
   ``ctl_num_aggregate`` sampled architectures. Reward = supernet score (single path, eval
   mode, ``search-valid``; accuracy / 100) + ``entropy_weight`` x the sample's entropy;
   moving-average baseline ``b <- b - (1 - baseline_decay)(b - reward)``; loss
   ``-log p(arch) (reward - b)``; controller gradient clipped at 5.

A sampled vector that names no architecture (NB-Graph's all-``skip`` cell) is repaired by
``space.repair``; the weights, the reward and the log-probability use the repaired vector
(as the black-box policy strategies do).

Controller: an LSTM (``lstm_size`` units, ``lstm_layers`` layers) that emits the decisions in
order; decision ``d``'s logits are ``tanh_constant * tanh(W_d h / temperature)``; the input of
the next step is the embedding of the choice just made.

Derived architecture: the best of ``derive_samples`` controller samples by supernet score
(NB201 re-run: ``get_best_arch``, 100 samples at the end, 10 per epoch for the log:
``log_samples``).

Defaults and their sources: ``lstm_size = 32``, ``lstm_layers = 2``, ``tanh_constant = 2.5``,
``temperature = 5.0`` (AutoDL-Projects' NB201 ENAS controller, after the paper's CIFAR-10
settings of tanh constant 2.5 and temperature 5.0, sec. 3.2); ``entropy_weight = 1e-4``
(paper / official code ``controller_entropy_weight``), ``baseline_decay = 0.99``,
``ctl_lr = 1e-3``, Adam betas (0, 0.999), eps 1e-3 (NB201 re-run config);
``ctl_train_steps = 50``, ``ctl_num_aggregate = 20`` on NB201 (NB201 re-run scripts).
NB-Graph (no published setting; chosen here): one epoch is ONE weight step on the full batch,
so 50 x 20 controller samples per weight step would make the controller phase ~1000x the
weight phase; ``ctl_train_steps = 1``, ``ctl_num_aggregate = 10`` per epoch instead.
``None`` in a setting means that space default; the resolved value is recorded. Weights: as
:mod:`strategies.oneshot.rsps`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from strategies.oneshot.base import check_finite
from strategies.oneshot.rsps import SinglePathMethod
from strategies.validation import check_int, check_number

__all__ = ["ENAS", "Controller"]

ENAS_CITATION = ("Pham, Guan, Zoph, Le & Dean, Efficient Neural Architecture Search via Parameter "
                 "Sharing, ICML 2018 (NB201 re-run: Dong & Yang, ICLR 2020, AutoDL-Projects ENAS.py)")


class Controller(nn.Module):
    """LSTM controller over decisions of sizes ``sizes`` (module docstring)."""

    def __init__(self, sizes: Sequence[int], lstm_size: int = 32, lstm_layers: int = 2,
                 tanh_constant: float = 2.5, temperature: float = 5.0) -> None:
        super().__init__()
        self.sizes = [int(s) for s in sizes]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)])[:-1].tolist()
        self.embed = nn.Embedding(sum(self.sizes) + 1, lstm_size)  # last row: the start token
        self.lstm = nn.LSTM(lstm_size, lstm_size, lstm_layers)
        self.heads = nn.ModuleList(nn.Linear(lstm_size, s) for s in self.sizes)
        self.tanh_constant, self.temperature = float(tanh_constant), float(temperature)
        for p in self.parameters():
            nn.init.uniform_(p, -0.1, 0.1)

    def _logits(self):
        """Generator of (decision index, logits) given the previous choice sent back in."""
        inp = self.embed.weight[-1].view(1, 1, -1)
        state = None
        for d in range(len(self.sizes)):
            out, state = self.lstm(inp, state)
            logits = self.tanh_constant * torch.tanh(self.heads[d](out.view(-1)) / self.temperature)
            choice = yield d, logits
            inp = self.embed.weight[self.offsets[d] + int(choice)].view(1, 1, -1)

    def sample(self, generator: torch.Generator | None = None) -> np.ndarray:
        """One decision vector drawn from the policy (``generator``: the stream to draw from)."""
        with torch.no_grad():
            gen = self._logits()
            choices: list[int] = []
            item = next(gen)
            while True:
                _, logits = item
                c = int(torch.multinomial(torch.softmax(logits, -1), 1, generator=generator))
                choices.append(c)
                try:
                    item = gen.send(c)
                except StopIteration:
                    break
        return np.asarray(choices, dtype=np.int64)

    def evaluate(self, decisions: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """(log-probability, entropy) of ``decisions`` under the policy, with gradients."""
        gen = self._logits()
        logp, ent = torch.zeros(()), torch.zeros(())
        item = next(gen)
        for c in decisions:
            _, logits = item
            lsm = torch.log_softmax(logits, -1)
            logp = logp + lsm[int(c)]
            ent = ent - (lsm.exp() * lsm).sum()
            try:
                item = gen.send(int(c))
            except StopIteration:
                break
        return logp, ent

    def greedy_probs(self) -> tuple[np.ndarray, list[list[float]]]:
        """The argmax path and the policy's probabilities of each decision along it."""
        with torch.no_grad():
            gen = self._logits()
            choices, probs = [], []
            item = next(gen)
            while True:
                _, logits = item
                p = torch.softmax(logits, -1)
                c = int(p.argmax())
                choices.append(c)
                probs.append(p.tolist())
                try:
                    item = gen.send(c)
                except StopIteration:
                    break
        return np.asarray(choices, dtype=np.int64), probs


class ENAS(SinglePathMethod):
    """ENAS with an LSTM controller trained by REINFORCE on the supernet score (module docstring)."""

    name = "enas"
    citation = ENAS_CITATION
    defaults = {**SinglePathMethod.defaults, "lstm_size": 32, "lstm_layers": 2, "tanh_constant": 2.5,
                "temperature": 5.0, "ctl_lr": 1e-3, "ctl_betas": (0.0, 0.999), "ctl_eps": 1e-3,
                "entropy_weight": 1e-4, "baseline_decay": 0.99, "ctl_grad_clip": 5.0,
                "ctl_train_steps": None, "ctl_num_aggregate": None, "derive_samples": 100}

    def validate(self, s: dict[str, Any]) -> dict[str, Any]:
        s = super().validate(s)
        n = self.name
        s["lstm_size"] = check_int(n, "lstm_size", s["lstm_size"], 1)
        s["lstm_layers"] = check_int(n, "lstm_layers", s["lstm_layers"], 1)
        s["tanh_constant"] = check_number(n, "tanh_constant", s["tanh_constant"], low=0, low_open=True)
        s["temperature"] = check_number(n, "temperature", s["temperature"], low=0, low_open=True)
        s["ctl_lr"] = check_number(n, "ctl_lr", s["ctl_lr"], low=0, low_open=True)
        s["ctl_betas"] = tuple(check_number(n, "ctl_betas", b, low=0, high=1, high_open=True)
                               for b in s["ctl_betas"])
        s["ctl_eps"] = check_number(n, "ctl_eps", s["ctl_eps"], low=0, low_open=True)
        s["entropy_weight"] = check_number(n, "entropy_weight", s["entropy_weight"], low=0)
        s["baseline_decay"] = check_number(n, "baseline_decay", s["baseline_decay"], low=0, high=1)
        s["ctl_grad_clip"] = check_number(n, "ctl_grad_clip", s["ctl_grad_clip"], low=0, low_open=True,
                                          allow_none=True)
        s["ctl_train_steps"] = check_int(n, "ctl_train_steps", s["ctl_train_steps"], 0, allow_none=True)
        s["ctl_num_aggregate"] = check_int(n, "ctl_num_aggregate", s["ctl_num_aggregate"], 1, allow_none=True)
        s["derive_samples"] = check_int(n, "derive_samples", s["derive_samples"], 1)
        return s

    def setup(self, supernet, data) -> None:
        super().setup(supernet, data)
        s = self.settings
        graph = supernet.space.name.startswith("nbgraph")
        if s["ctl_train_steps"] is None:
            s["ctl_train_steps"] = 1 if graph else 50
        if s["ctl_num_aggregate"] is None:
            s["ctl_num_aggregate"] = 10 if graph else 20
        self.controller = Controller(supernet.decision_sizes, s["lstm_size"], s["lstm_layers"],
                                     s["tanh_constant"], s["temperature"])
        self.c_opt = torch.optim.Adam(self.controller.parameters(), lr=s["ctl_lr"], betas=s["ctl_betas"],
                                      eps=s["ctl_eps"])
        self.train_gen = torch.Generator().manual_seed(int(self.rng.integers(2**62)))
        self.derive_gen = torch.Generator().manual_seed(int(self.derive_rng.integers(2**62)))
        self._final_gen = torch.Generator().manual_seed(int(self._final_rng.integers(2**62)))
        self.baseline: float | None = None
        self._last = {"reward": float("nan"), "baseline": float("nan"), "entropy": float("nan")}
        self._valid_iter = data.cycle(s["score_split"])

    def _controller_decisions(self, supernet, generator, rng) -> np.ndarray:
        dec = self.controller.sample(generator)
        return supernet.space.repair(dec[None, :], rng)[0]

    def training_path(self, supernet) -> np.ndarray:
        return self._controller_decisions(supernet, self.train_gen, self.rng)

    def after_weights(self, supernet, data, epoch: int, epochs: int) -> None:
        """The controller phase (module docstring)."""
        s = self.settings
        self.controller.train()
        was = supernet.training
        supernet.eval()
        try:
            for _ in range(s["ctl_train_steps"]):
                self.c_opt.zero_grad(set_to_none=True)
                for _ in range(s["ctl_num_aggregate"]):
                    dec = self._controller_decisions(supernet, self.train_gen, self.rng)
                    batch = next(self._valid_iter)
                    with torch.no_grad():
                        out = supernet(batch, supernet.single_path(dec))
                        acc = data.score(out, batch) / 100.0
                    logp, ent = self.controller.evaluate(dec)
                    reward = acc + s["entropy_weight"] * float(ent.detach())
                    check_finite(reward, "the controller reward")
                    if self.baseline is None:
                        self.baseline = reward
                    else:
                        self.baseline -= (1 - s["baseline_decay"]) * (self.baseline - reward)
                    loss = -logp * (reward - self.baseline) / s["ctl_num_aggregate"]
                    check_finite(loss, "the controller loss")
                    loss.backward()
                    self._last = {"reward": reward, "baseline": self.baseline, "entropy": float(ent.detach())}
                if s["ctl_grad_clip"]:
                    torch.nn.utils.clip_grad_norm_(self.controller.parameters(), s["ctl_grad_clip"])
                self.c_opt.step()
        finally:
            supernet.train(was)

    def begin_final(self) -> None:
        super().begin_final()
        self.derive_gen = self._final_gen

    def _samples(self, supernet, n: int) -> np.ndarray:
        decs = np.stack([self._controller_decisions(supernet, self.derive_gen, self.derive_rng)
                         for _ in range(n)])
        return supernet.space.from_decisions(decs)

    def log_candidates(self, supernet, n: int) -> np.ndarray:
        return self._samples(supernet, n)

    def final_derive(self, supernet, data) -> tuple[int, float, int]:
        cands = self._samples(supernet, self.settings["derive_samples"])
        arch, sc = self.best_of(supernet, data, cands)
        return arch, sc, len(cands)

    def arch_params(self) -> list[list[float]]:
        """The controller's probabilities of each decision along its argmax path."""
        return self.controller.greedy_probs()[1]

    def epoch_extra(self) -> dict[str, Any]:
        return dict(self._last)
