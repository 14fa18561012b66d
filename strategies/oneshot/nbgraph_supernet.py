"""NB-Graph supernet: each of the 4 computing nodes chooses its input AND its operation.

Decisions as the space's decision view (``in2, in3, in4, op1 .. op4``; node 1 always reads the
cell input). Structure and operations from :mod:`nasbench.live.models.nbgraph` (``make_op``,
``LinearOp``, the ``NBGraphNet`` pre/post layers and dropout) with the per-dataset protocol of
:mod:`nasbench.nbgraph_protocol`. NAS-Bench-Graph has no published supernet; the relaxation
chosen here (documented because the papers give none):

- node i = sum_j a_ij * sum_o b_io * op_ijo(BN_ij-ReLU-dropout(node j)): input weights ``a``
  (decision ``in_i``) times op weights ``b`` (decision ``op_i``), one operation module per
  (node, input, op) and one BatchNorm per (node, input) (the live cell has one BN per node;
  its weights map to the BN of the chosen input);
- raw-width inputs: without pre-processing layers the cell input keeps the raw feature width,
  and so does a chain of ``skip`` ops from it (the live ``Cell.raw`` rule: no BN / ReLU /
  dropout before the op, op input width = feature width). Every node output is therefore
  carried as a hidden-width part ``H_i`` plus a coefficient ``c_i`` of the raw input ``X``
  (``c_i = sum_j a_ij c_j b_i,skip``); an op reading the raw part uses node i's raw-width
  module ``op_io^raw(X)``, shared across inputs (reading ``X`` directly or through a skip
  chain is the same architecture after canonicalisation);
- output: the live cell concatenates the leaf nodes (read by no later node), ReLU, Linear.
  Here node j enters with the relaxed leaf weight ``prod_{i>j} (1 - a_ij)`` (computed as the
  sum of node i's other input weights, exactly 0 for a one-hot choice of j) through its own
  block of the output Linear (hidden-width and raw-width blocks), plus one shared bias: for a
  one-hot path this is the live Linear split by columns.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from nasbench.live.models.nbgraph import LinearOp, NBGraphNet, SkipOp, make_op
from nasbench.spaces import get_space
from strategies.oneshot.supernet_base import Supernet

N_NODES = 4


class NBGraphSupernet(Supernet):
    """NB-Graph supernet for ``dataset``'s protocol (module docstring)."""

    def __init__(self, benchmark: str, *, dataset: str, in_dim: int, num_classes: int,
                 gat_heads: int = 4, **overrides) -> None:
        from nasbench.nbgraph_protocol import NBGRAPH_PROTOCOL

        dataset = dataset.lower()
        space = get_space("nbgraph-proteins" if dataset == "proteins" else "nbgraph")
        super().__init__(space, benchmark)
        p = NBGRAPH_PROTOCOL[dataset]
        kw = {"pre_layers": p.pre_layers, "post_layers": p.post_layers, "hidden": p.hidden_dim,
              "dropout": p.dropout}
        kw.update({k: v for k, v in overrides.items() if k in kw})
        unknown = set(overrides) - set(kw)
        if unknown:
            raise TypeError(f"unknown NB-Graph supernet option(s) {sorted(unknown)}; known: {sorted(kw)}")
        self.ops: tuple[str, ...] = tuple(space.ops)
        self.skip = self.ops.index("skip")
        self.dataset, self.in_dim, self.num_classes = dataset, in_dim, num_classes
        hidden, self.dropout = int(kw["hidden"]), float(kw["dropout"])
        self.hidden = hidden
        pre, post = int(kw["pre_layers"]), int(kw["post_layers"])
        self.has_pre = pre > 0
        self.prep = nn.ModuleList(LinearOp(in_dim if i == 0 else hidden, hidden) for i in range(pre))
        self.prop = nn.ModuleList(
            LinearOp(hidden, num_classes if i == post - 1 else hidden) for i in range(post)
        )
        raw_ok = not self.has_pre
        self.hid_ops = nn.ModuleDict()
        self.bns = nn.ModuleDict()
        for i in range(1, N_NODES + 1):
            for j in range(i):
                if j == 0 and raw_ok:
                    continue  # the cell input is raw-width only
                key = f"{i}_{j}"
                self.hid_ops[key] = nn.ModuleList(
                    make_op(op, hidden, hidden, gat_heads=gat_heads) for op in self.ops)
                self.bns[key] = nn.BatchNorm1d(hidden)
        self.raw_ops = nn.ModuleDict()
        if raw_ok:
            for i in range(1, N_NODES + 1):
                self.raw_ops[str(i)] = nn.ModuleList(
                    make_op(op, in_dim, hidden, gat_heads=gat_heads) if op != "skip" else SkipOp()
                    for op in self.ops)
        out_dim = hidden if post > 0 else num_classes
        self.out_hid = nn.ModuleDict({str(j): nn.Linear(hidden, out_dim, bias=False)
                                      for j in range(1, N_NODES + 1)})
        self.out_raw = nn.ModuleDict({str(j): nn.Linear(in_dim, out_dim, bias=False)
                                      for j in range(1, N_NODES + 1)} if raw_ok else {})
        bound = 1.0 / (hidden ** 0.5)
        self.out_bias = nn.Parameter(torch.empty(out_dim).uniform_(-bound, bound))

    # ----- forward --------------------------------------------------------------------------
    def forward(self, batch, weights: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits ``[nodes, classes]`` of the graph ``batch.inputs`` (x, edge_index)."""
        g = batch.inputs if hasattr(batch, "inputs") else batch
        weights = self.check_weights(weights)
        x, edge_index = g.x, g.edge_index
        x = F.dropout(x, p=self.dropout, training=self.training)
        for i, layer in enumerate(self.prep):  # as NBGraphNet.forward
            x = layer(x, edge_index)
            if i == len(self.prep) - 2:
                x = F.elu(x)
        in_w = {i: weights[i - 2] for i in range(2, N_NODES + 1)}
        in_act = {i: dict(self.active(in_w[i])) for i in in_w}
        in_act[1] = {0: 1.0}
        op_act = {i: self.active(weights[3 + i - 1]) for i in range(1, N_NODES + 1)}
        for i in range(1, N_NODES + 1):
            if not in_act[i] or not op_act[i]:
                raise ValueError(f"node {i} has no input or no operation with a non-zero weight")
        hid: dict[int, torch.Tensor | None] = {0: None if not self.has_pre else x}
        coef: dict[int, torch.Tensor | float] = {0: 1.0 if not self.has_pre else 0.0}
        for i in range(1, N_NODES + 1):
            terms: list[torch.Tensor] = []
            craw: torch.Tensor | float = 0.0
            for j, a in in_act[i].items():
                if hid[j] is not None:
                    key = f"{i}_{j}"
                    inp = F.dropout(F.relu(self.bns[key](hid[j])), p=self.dropout, training=self.training)
                    for o, b in op_act[i]:
                        terms.append((a * b) * self.hid_ops[key][o](inp, edge_index))
                if _nonzero(coef[j]):
                    craw = craw + a * coef[j] if _nonzero(craw) else a * coef[j]
            c_i: torch.Tensor | float = 0.0
            if _nonzero(craw):
                for o, b in op_act[i]:
                    if o == self.skip:
                        c_i = craw * b
                    else:
                        terms.append((craw * b) * self.raw_ops[str(i)][o](x, edge_index))
            hid[i] = _sum(terms)
            coef[i] = c_i
        out = None
        relu_x = F.relu(x) if not self.has_pre else None
        for j in range(1, N_NODES + 1):
            leaf: torch.Tensor | float = 1.0
            for i in range(j + 1, N_NODES + 1):
                leaf = leaf * _sum_other(in_w[i], j)
            if not _nonzero(leaf):
                continue
            parts = []
            if hid[j] is not None:
                parts.append(self.out_hid[str(j)](F.relu(hid[j])))
            if _nonzero(coef[j]):
                parts.append(coef[j] * self.out_raw[str(j)](relu_x))
            if parts:
                term = leaf * _sum(parts)
                out = term if out is None else out + term
        x = out + self.out_bias
        for i, layer in enumerate(self.prop):
            x = layer(x, edge_index)
            if i == len(self.prop) - 2:
                x = F.elu(x)
        return x

    # ----- weights of a live network ---------------------------------------------------------
    def load_live(self, model: NBGraphNet, arch: int) -> None:
        """Copy a live ``NBGraphNet`` of ``arch`` (its canonical links/ops) into this path."""
        links, ops = self.space.to_links_ops(int(arch))
        cell = model.cell
        with torch.no_grad():
            for mine, theirs in ((self.prep, model.prep), (self.prop, model.prop)):
                mine.load_state_dict(theirs.state_dict())
            for idx, (lk, op) in enumerate(zip(links, ops)):
                i = idx + 1
                o = self.ops.index(op)
                if cell.raw[lk]:
                    target = self.raw_ops[str(i)][o]
                else:
                    target = self.hid_ops[f"{i}_{lk}"][o]
                    self.bns[f"{i}_{lk}"].load_state_dict(cell.bns[idx].state_dict())
                target.load_state_dict(cell.ops[idx].state_dict())
            col = 0
            weight = cell.fc.weight
            for j, is_out in enumerate(cell.out):
                if not is_out:
                    continue
                width = self.in_dim if cell.raw[j] else self.hidden
                dest = (self.out_raw if cell.raw[j] else self.out_hid)[str(j)]
                dest.weight.copy_(weight[:, col:col + width])
                col += width
            self.out_bias.copy_(cell.fc.bias)


def _nonzero(v) -> bool:
    return bool(float(v.detach()) != 0.0) if isinstance(v, torch.Tensor) else v != 0.0


def _sum(terms: list[torch.Tensor]) -> torch.Tensor | None:
    if not terms:
        return None
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def _sum_other(w: torch.Tensor, j: int) -> torch.Tensor | float:
    """Sum of ``w`` without entry ``j`` (the relaxed weight of 'node i does not read j');
    exactly 0 when ``w`` is one-hot (or straight-through hard) on ``j``."""
    if j >= w.shape[0]:
        return 1.0
    vals = w.detach().tolist()
    if all(v == 0.0 for k, v in enumerate(vals) if k != j):
        return 0.0
    return torch.cat([w[:j], w[j + 1:]]).sum()
