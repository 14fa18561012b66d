"""NAS-Bench-Graph GNN built from an architecture id (needs torch_geometric).

Follows the benchmark's published model code (Qin et al., NeurIPS 2022,
github.com/THUMNLab/NAS-Bench-Graph; file header "Source code from: Yijian Qin, Ziwei Zhang,
Xin Wang, Zeyang Zhang, Wenwu Zhu", classes ``Net``, ``Cell``, ``gnn_map``):

- ``Net``: dropout on the input features, ``pre_layers`` Linear layers (ELU between them),
  one cell, ``post_layers`` Linear layers (ELU between them).
- ``Cell``: 4 computing nodes; node i takes ``res[links[i]]`` (0 = the cell input). Unless
  that input still has the raw feature width (no pre-processing and only ``skip`` ops from
  the raw input), it goes through BatchNorm1d -> ReLU -> dropout before the op. Every node
  owns a BatchNorm1d(hidden) whether used or not (as the official code, so parameter counts
  match). Leaf nodes (outputs no other node reads) are concatenated, ReLU, then a Linear to
  ``hidden`` (if post-processing layers follow) or to the number of classes.
- ops (``gnn_map``): gat = ``GATConv(in, out // heads, heads, concat=True)``, gcn =
  ``GCNConv``, gin = ``GINConv(Linear)``, cheb = ``ChebConv(K=2)``, sage = ``SAGEConv``,
  arma = ``ARMAConv``, graph = ``GraphConv`` (k-GNN), fc = Linear, skip = identity.
  The official ``gnn_map`` uses 4 GAT heads; the number of heads is a keyword here and the
  default (4) is the one whose parameter count equals the table's ``params`` (tested).
- hyperparameters per dataset from :mod:`nasbench.nbgraph_protocol`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import (
    ARMAConv,
    ChebConv,
    GATConv,
    GCNConv,
    GINConv,
    GraphConv,
    SAGEConv,
)

OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")


class LinearOp(nn.Module):
    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.linear = nn.Linear(c_in, c_out)

    def forward(self, x, edge_index):
        return self.linear(x)


class SkipOp(nn.Module):
    def forward(self, x, edge_index):
        return x


def make_op(name: str, c_in: int, c_out: int, *, gat_heads: int = 4) -> nn.Module:
    if name == "gat":
        return GATConv(c_in, c_out // gat_heads, gat_heads, concat=True)
    if name == "gcn":
        return GCNConv(c_in, c_out, add_self_loops=True, normalize=True)
    if name == "gin":
        return GINConv(nn.Linear(c_in, c_out))
    if name == "cheb":
        return ChebConv(c_in, c_out, K=2)
    if name == "sage":
        return SAGEConv(c_in, c_out)
    if name == "arma":
        return ARMAConv(c_in, c_out)
    if name == "graph":
        return GraphConv(c_in, c_out)
    if name == "fc":
        return LinearOp(c_in, c_out)
    if name == "skip":
        return SkipOp()
    from nasbench.errors import UnknownNameError, unknown_name_message

    raise UnknownNameError(unknown_name_message("NB-Graph op", name, OPS))


class Cell(nn.Module):
    def __init__(self, links: Sequence[int], ops: Sequence[str], in_dim: int, hidden: int,
                 out_dim: int, has_pre: bool, has_post: bool, dropout: float,
                 gat_heads: int = 4) -> None:
        super().__init__()
        self.links = [int(v) for v in links]
        self.dropout = dropout
        n = len(self.links)
        # which node outputs still have the raw input width (official queue_ori_in_dim)
        raw = [False] * (n + 1)
        if not has_pre:
            raw[0] = True
            for i, (op, lk) in enumerate(zip(ops, self.links)):
                if raw[lk] and op == "skip":
                    raw[i + 1] = True
        self.raw = raw
        self.out = [True] * (n + 1)
        for lk in self.links:
            self.out[lk] = False
        self.ops = nn.ModuleList(
            make_op(op, in_dim if raw[lk] else hidden, hidden, gat_heads=gat_heads)
            for op, lk in zip(ops, self.links)
        )
        self.bns = nn.ModuleList(nn.BatchNorm1d(hidden) for _ in self.links)
        width = sum((in_dim if raw[i] else hidden) for i, o in enumerate(self.out) if o)
        self.fc = nn.Linear(width, hidden if has_post else out_dim)

    def forward(self, x, edge_index):
        res = [x]
        for op, lk, bn in zip(self.ops, self.links, self.bns):
            inp = res[lk]
            if not self.raw[lk]:
                inp = F.dropout(F.relu(bn(inp)), p=self.dropout, training=self.training)
            res.append(op(inp, edge_index))
        fin = torch.cat([r for r, o in zip(res, self.out) if o], 1)
        return self.fc(F.relu(fin))


class NBGraphNet(nn.Module):
    def __init__(self, links: Sequence[int], ops: Sequence[str], in_dim: int, num_classes: int,
                 *, pre_layers: int, post_layers: int, hidden: int, dropout: float,
                 gat_heads: int = 4) -> None:
        super().__init__()
        self.dropout = dropout
        self.links, self.op_names = list(links), list(ops)
        self.prep = nn.ModuleList(
            LinearOp(in_dim if i == 0 else hidden, hidden) for i in range(pre_layers)
        )
        self.prop = nn.ModuleList(
            LinearOp(hidden, num_classes if i == post_layers - 1 else hidden)
            for i in range(post_layers)
        )
        self.cell = Cell(links, ops, in_dim, hidden, num_classes, pre_layers > 0,
                         post_layers > 0, dropout, gat_heads)

    def forward(self, data):
        x, edge_index = data.x, data.edge_index
        x = F.dropout(x, p=self.dropout, training=self.training)
        for i, layer in enumerate(self.prep):
            x = layer(x, edge_index)
            if i == len(self.prep) - 2:
                x = F.elu(x)
        x = self.cell(x, edge_index)
        for i, layer in enumerate(self.prop):
            x = layer(x, edge_index)
            if i == len(self.prop) - 2:
                x = F.elu(x)
        return x


def build_from_links_ops(links: Sequence[int], ops: Sequence[str], *, dataset: str, in_dim: int,
                         num_classes: int, gat_heads: int = 4, **overrides) -> NBGraphNet:
    """The network of ``(links, ops)`` with ``dataset``'s protocol (keywords may override
    ``pre_layers``, ``post_layers``, ``hidden``, ``dropout``)."""
    from nasbench.nbgraph_protocol import NBGRAPH_PROTOCOL

    p = NBGRAPH_PROTOCOL[dataset.lower()]
    kw: dict[str, Any] = {"pre_layers": p.pre_layers, "post_layers": p.post_layers, "hidden": p.hidden_dim,
          "dropout": p.dropout}
    kw.update({k: v for k, v in overrides.items() if k in kw})
    return NBGraphNet(links, ops, in_dim, num_classes, gat_heads=gat_heads, **kw)


def build(arch_id: int, *, dataset: str, in_dim: int, num_classes: int, gat_heads: int = 4,
          **overrides) -> NBGraphNet:
    """Registry entry: NB-Graph architecture ``arch_id`` for ``dataset`` (e.g. 'cora')."""
    from nasbench.spaces import get_space
    from nasbench.spaces.nbgraph import NBGraphSpace

    space = get_space("nbgraph-proteins" if dataset.lower() == "proteins" else "nbgraph")
    assert isinstance(space, NBGraphSpace)  # the registry's entries (not user input)
    links, ops = space.to_links_ops(int(arch_id))
    return build_from_links_ops(links, ops, dataset=dataset, in_dim=in_dim,
                                num_classes=num_classes, gat_heads=gat_heads, **overrides)
