"""NAS-Bench-201 network (``TinyNetwork`` with ``InferCell``) built from an architecture.

Follows the published NAS-Bench-201 / NATS-Bench model code (Dong & Yang, ICLR 2020;
github.com/D-X-Y/AutoDL-Projects, ``xautodl/models/cell_infers/tiny_network.py``,
``cells.py`` (``InferCell``) and ``cell_operations.py`` (``OPS``, ``ReLUConvBN``,
``ResNetBasicblock``, ``POOLING``, ``Zero``)):

- stem: conv3x3(3 -> C, bias=False) + BN;
- three stages of N cells with C, 2C, 4C channels; between stages a ``ResNetBasicblock``
  with stride 2: ReLU-conv3x3(stride 2)-BN, ReLU-conv3x3-BN, shortcut AvgPool2d(2) +
  conv1x1 (bias=False), output = shortcut + branch;
- head: BN-ReLU, global average pooling, linear classifier.
- cell: node j = sum over i < j of op_ij(node i), output = node 3. Ops: ``none`` (x * 0),
  ``skip_connect`` (identity), ``nor_conv_1x1`` / ``nor_conv_3x3`` (ReLU-conv(bias=False)-BN),
  ``avg_pool_3x3`` (AvgPool2d(3, stride 1, padding 1, count_include_pad=False)).

With C=16, N=5 the parameter count equals the table's ``params`` metric (tested).
This module depends on torch and the standard library only (the GPU throughput script loads
it without the rest of the package).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: (target, source) of the 6 cell edges, in the order of ``NB201Space.edge_ops``
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))


class ReLUConvBN(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int) -> None:
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out, affine=True, track_running_stats=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class Zero(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(name: str, channels: int) -> nn.Module:
    """One cell operation (stride 1, equal channels: the only case TinyNetwork uses)."""
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1, 0)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    from nasbench.errors import UnknownNameError, unknown_name_message  # at raise time: this file loads by path

    raise UnknownNameError(unknown_name_message("NB201 op", name, OPS))


class InferCell(nn.Module):
    """A fixed NB201 cell: 4 nodes, 6 edges in :data:`EDGES` order."""

    def __init__(self, edge_ops: Sequence[str], channels: int) -> None:
        super().__init__()
        self.edge_ops = tuple(edge_ops)
        self.layers = nn.ModuleList(make_op(op, channels) for op in self.edge_ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in (1, 2, 3):
            nodes.append(
                sum(
                    self.layers[k](nodes[src])
                    for k, (tgt, src) in enumerate(EDGES)
                    if tgt == target
                )
            )
        return nodes[-1]


class ResNetBasicblock(nn.Module):
    """Reduction block between stages (stride 2), as NB201's ``ResNetBasicblock``."""

    def __init__(self, inplanes: int, planes: int, stride: int = 2) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(inplanes, planes, 3, stride, 1)
        self.conv_b = ReLUConvBN(planes, planes, 3, 1, 1)
        if stride == 2:
            self.downsample: nn.Module | None = nn.Sequential(
                nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
                nn.Conv2d(inplanes, planes, kernel_size=1, stride=1, padding=0, bias=False),
            )
        elif inplanes != planes:
            self.downsample = ReLUConvBN(inplanes, planes, 1, 1, 0)
        else:
            self.downsample = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch = self.conv_b(self.conv_a(x))
        residual = self.downsample(x) if self.downsample is not None else x
        return residual + branch


class TinySkeleton(nn.Module):
    """TinyNetwork's macro skeleton, shared by :class:`TinyNetwork` and the one-shot supernet.

    :meth:`build_skeleton` adds ``stem``, ``cells`` (three stages of ``N`` cells from
    ``make_cell(channels)``, a stride-2 :class:`ResNetBasicblock` between stages), ``lastact``,
    ``global_pooling`` and ``classifier``; :meth:`forward_skeleton` runs them. A subclass's
    ``__init__`` calls ``build_skeleton`` (no ``__init__`` here, so it mixes with other
    ``nn.Module`` bases); the attribute names fix the ``state_dict`` keys.
    """

    def build_skeleton(self, make_cell: Callable[[int], nn.Module], *, num_classes: int, C: int,
                       N: int, in_channels: int) -> None:
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, C, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(C)
        )
        channels = [C] * N + [C * 2] + [C * 2] * N + [C * 4] + [C * 4] * N
        reductions = [False] * N + [True] + [False] * N + [True] + [False] * N
        cells: list[nn.Module] = []
        c_prev = C
        for c_cur, reduction in zip(channels, reductions):
            if reduction:
                cells.append(ResNetBasicblock(c_prev, c_cur, 2))
            else:
                cells.append(make_cell(c_cur))
            c_prev = c_cur
        self.cells = nn.ModuleList(cells)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward_skeleton(self, x: torch.Tensor,
                         run_cell: Callable[[nn.Module, torch.Tensor], torch.Tensor] | None = None
                         ) -> torch.Tensor:
        """Logits of ``x``; ``run_cell(cell, feature)`` runs each cell (default ``cell(feature)``)."""
        feature = self.stem(x)
        for cell in self.cells:
            feature = cell(feature) if run_cell is None else run_cell(cell, feature)
        out = self.global_pooling(self.lastact(feature))
        return self.classifier(out.flatten(1))


class TinyNetwork(TinySkeleton):
    """NB201's evaluation network; ``forward`` returns logits only."""

    def __init__(self, edge_ops: Sequence[str], num_classes: int = 10, C: int = 16, N: int = 5,
                 in_channels: int = 3) -> None:
        super().__init__()
        if len(edge_ops) != len(EDGES):
            raise ValueError(f"an NB201 cell has {len(EDGES)} edges, got {len(edge_ops)} ops")
        self.edge_ops = tuple(edge_ops)
        self.build_skeleton(lambda channels: InferCell(self.edge_ops, channels),
                            num_classes=num_classes, C=C, N=N, in_channels=in_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_skeleton(x)


def parse_arch_str(text: str) -> tuple[str, ...]:
    """Edge ops (in :data:`EDGES` order) of a standard string ``|op~0|+|op~0|op~1|+|...|``."""
    nodes = text.strip().split("+")
    if len(nodes) != 3:
        raise ValueError(f"an NB201 string has 3 '+'-separated nodes, got {text!r}")
    found: dict[tuple[int, int], str] = {}
    for target, node in enumerate(nodes, start=1):
        for token in filter(None, node.strip().strip("|").split("|")):
            op, _, src = token.partition("~")
            if op not in OPS or not src.isdigit() or int(src) >= target:
                raise ValueError(f"bad edge {token!r} in NB201 string {text!r}")
            found[(target, int(src))] = op
    if set(found) != set(EDGES):
        raise ValueError(f"NB201 string {text!r} must name every edge exactly once")
    return tuple(found[e] for e in EDGES)


def build_from_ops(edge_ops: Sequence[str], num_classes: int = 10, C: int = 16, N: int = 5,
                   in_channels: int = 3) -> TinyNetwork:
    return TinyNetwork(edge_ops, num_classes=num_classes, C=C, N=N, in_channels=in_channels)


def build(arch_id: int, *, num_classes: int = 10, C: int = 16, N: int = 5, in_channels: int = 3,
          **_unused) -> TinyNetwork:
    """Registry entry: the network of NB201 architecture ``arch_id`` (row of the tables)."""
    from nasbench.spaces import get_space
    from nasbench.spaces.nb201 import NB201Space

    space = get_space("nb201")
    assert isinstance(space, NB201Space)  # the registry's "nb201" entry (not user input)
    edge_ops = space.edge_ops(int(arch_id))
    return build_from_ops(edge_ops, num_classes=num_classes, C=C, N=N, in_channels=in_channels)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
