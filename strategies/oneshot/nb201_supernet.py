"""NB201 supernet: the TinyNetwork skeleton with a mixed cell (6 edges x 5 operations).

The skeleton (``TinySkeleton``: stem, three stages of ``N`` cells, ``ResNetBasicblock``
reductions, BN-ReLU, pooling, classifier) and every operation come from
:mod:`nasbench.live.models.nb201`; attribute names equal ``TinyNetwork``'s so the live network's
weights map one to one. All cells share the six edge decisions (one cell architecture repeated,
as NAS-Bench-201 and its one-shot baselines: Dong & Yang, ICLR 2020,
github.com/D-X-Y/AutoDL-Projects ``TinyNetworkDarts``/``GDAS``).
Each edge of each cell owns its 5 candidate operations; edge ``k`` of every cell uses
``weights[k]`` (a node is the sum over its incoming edges of sum_o w_o * op_o(input)).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from nasbench.live.models.nb201 import EDGES, OPS, TinyNetwork, TinySkeleton, make_op
from nasbench.spaces import get_space
from strategies.oneshot.supernet_base import Supernet


class MixedCell(nn.Module):
    """One NB201 cell with all 5 operations on each of its 6 edges (:data:`EDGES` order)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(
            nn.ModuleList(make_op(op, channels) for op in OPS) for _ in EDGES
        )

    def forward(self, x: torch.Tensor, active: Sequence[Sequence[tuple[int, torch.Tensor]]]) -> torch.Tensor:
        nodes = [x]
        for target in (1, 2, 3):
            nodes.append(sum(
                w * self.edges[k][o](nodes[src])
                for k, (tgt, src) in enumerate(EDGES) if tgt == target
                for o, w in active[k]
            ))
        return nodes[-1]


class NB201Supernet(Supernet, TinySkeleton):
    """NB201 supernet (module docstring); ``C``, ``N`` as the live ``TinyNetwork``."""

    def __init__(self, benchmark: str, *, num_classes: int = 10, C: int = 16, N: int = 5,
                 in_channels: int = 3) -> None:
        space = get_space("nb201")
        super().__init__(space, benchmark)
        self.C, self.N, self.num_classes = C, N, num_classes
        self.build_skeleton(MixedCell, num_classes=num_classes, C=C, N=N, in_channels=in_channels)

    def forward(self, batch, weights: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits ``[B, classes]`` of ``batch.inputs`` (or a plain image tensor)."""
        x = batch.inputs if hasattr(batch, "inputs") else batch
        active = [self.active(w) for w in self.check_weights(weights)]
        for k, act in enumerate(active):
            if not act:
                raise ValueError(f"edge {k} has no operation with a non-zero weight")
        return self.forward_skeleton(
            x, lambda cell, f: cell(f, active) if isinstance(cell, MixedCell) else cell(f)
        )

    def load_live(self, model: TinyNetwork, arch: int) -> None:
        """Copy a live ``TinyNetwork`` of ``arch`` into the path of ``arch`` (edge k's chosen
        op of every cell gets ``InferCell.layers[k]``; the fixed skeleton is copied as is)."""
        ops = self.space.edge_ops(int(arch))
        own = self.state_dict()
        for key, value in model.state_dict().items():
            parts = key.split(".")
            if parts[0] == "cells" and isinstance(self.cells[int(parts[1])], MixedCell):
                k = int(parts[3])  # cells.<i>.layers.<k>.<rest>
                target = ".".join(["cells", parts[1], "edges", str(k), str(OPS.index(ops[k]))] + parts[4:])
            else:
                target = key
            if target not in own:
                raise KeyError(f"live key {key} has no supernet counterpart {target}")
            own[target] = value.clone()
        self.load_state_dict(own)
