"""NAS-Bench-Macro network built from an architecture (Su et al., CVPR 2021).

Follows upstream's model definition (github.com/xiusu/NAS-Bench-Macro, ``train/model.py``,
``Network`` with ``stages=[2, 3, 3]``, ``init_channels=32``):

- stem: conv3x3(3 -> 32, padding 1, bias=False) + BN + ReLU (32 x 32 resolution kept);
- 8 searchable layers in 3 stages of 2, 3, 3 layers; the first layer of each stage (layers
  0, 2, 5) has stride 2 and doubles the channels (32 -> 64 -> 128 -> 256), the others keep
  both. Blocks by code:

  0 ``identity``: the input unchanged; where stride or channels change, a projection
    conv1x1(stride 2, bias=False) + BN;
  1 ``mb3_k3`` / 2 ``mb6_k5``: MobileNetV2 inverted residual with expansion t and kernel k:
    conv1x1(c_in -> t c_in) + BN + ReLU, depthwise conv k x k (stride, padding k // 2) + BN +
    ReLU, conv1x1(t c_in -> c_out) + BN; plus the input when stride is 1 and c_in == c_out;
- head: conv1x1(256 -> 1280, bias=False) + BN + ReLU, global average pooling, linear(1280 ->
  classes).

The parameter count equals the table's ``params`` for every architecture, and
:func:`count_flops` equals its ``flops`` (both tested). Depends on torch only.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

OPS: tuple[str, ...] = ("identity", "mb3_k3", "mb6_k5")
#: (kernel, expansion) of each MobileNetV2 block by name
MB_BLOCKS: dict[str, tuple[int, int]] = {"mb3_k3": (3, 3), "mb6_k5": (5, 6)}
STAGES: tuple[int, ...] = (2, 3, 3)
INIT_CHANNELS = 32
HEAD_CHANNELS = 1280


class Projection(nn.Module):
    """The ``identity`` block: the input itself, or conv1x1 + BN where the shape changes."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.proj = None
        if stride != 1 or c_in != c_out:
            self.proj = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                nn.BatchNorm2d(c_out),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.proj is None else self.proj(x)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: expand (1x1), depthwise (k x k, stride), project (1x1, linear)."""

    def __init__(self, c_in: int, c_out: int, stride: int, kernel: int, expansion: int) -> None:
        super().__init__()
        hidden = round(c_in * expansion)
        self.body = nn.Sequential(
            nn.Conv2d(c_in, hidden, 1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, hidden, kernel, stride=stride, padding=kernel // 2, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        return out + x if self.residual else out


def make_block(name: str, c_in: int, c_out: int, stride: int) -> nn.Module:
    """One searchable layer (``name`` one of :data:`OPS`)."""
    if name == "identity":
        return Projection(c_in, c_out, stride)
    if name in MB_BLOCKS:
        kernel, expansion = MB_BLOCKS[name]
        return InvertedResidual(c_in, c_out, stride, kernel, expansion)
    from nasbench.errors import UnknownNameError, unknown_name_message

    raise UnknownNameError(unknown_name_message("NB-Macro block", name, OPS))


class MacroNetwork(nn.Module):
    """Stem, 8 searchable layers (``layer_ops``, layer 0 first), head; see the module docstring."""

    def __init__(self, layer_ops: Sequence[str], num_classes: int = 10, in_channels: int = 3,
                 init_channels: int = INIT_CHANNELS) -> None:
        super().__init__()
        if len(layer_ops) != sum(STAGES):
            raise ValueError(f"NB-Macro needs {sum(STAGES)} layer ops, got {len(layer_ops)}")
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, init_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(init_channels),
            nn.ReLU(inplace=True),
        )
        layers: list[nn.Module] = []
        channels, ops = init_channels, iter(layer_ops)
        for length in STAGES:
            for position in range(length):
                if position == 0:
                    layers.append(make_block(next(ops), channels, channels * 2, 2))
                    channels *= 2
                else:
                    layers.append(make_block(next(ops), channels, channels, 1))
        self.layers = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Conv2d(channels, HEAD_CHANNELS, 1, bias=False),
            nn.BatchNorm2d(HEAD_CHANNELS),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(HEAD_CHANNELS, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.head(self.layers(self.stem(x)))
        return self.classifier(torch.flatten(x, 1))


def build_from_ops(layer_ops: Sequence[str], num_classes: int = 10, in_channels: int = 3) -> MacroNetwork:
    return MacroNetwork(layer_ops, num_classes=num_classes, in_channels=in_channels)


def build(arch_id: int, *, num_classes: int = 10, in_channels: int = 3, **_unused) -> MacroNetwork:
    """Registry entry: the network of NB-Macro architecture ``arch_id`` (row of the table)."""
    from nasbench.spaces import get_space
    from nasbench.spaces.nbmacro import NBMacroSpace

    space = get_space("nbmacro")
    assert isinstance(space, NBMacroSpace)  # the registry's "nbmacro" entry (not user input)
    return build_from_ops(space.layer_ops(int(arch_id)), num_classes=num_classes,
                          in_channels=in_channels)


def count_params(model: nn.Module) -> int:
    """Every parameter of ``model`` (BN scales and shifts included), as upstream counts them."""
    return sum(p.numel() for p in model.parameters())


def count_flops(model: nn.Module, resolution: int = 32, in_channels: int = 3) -> int:
    """Multiply-accumulates of one forward pass, counted as NAS-Bench-Macro does: per conv
    ``c_in * c_out * H_out * W_out * k_h * k_w / groups``, per linear layer ``in * out``; BN,
    activations, pooling and additions are not counted. Measured with forward hooks on one
    zero image, with one torch thread (restored after: a tiny pass is slower multi-threaded)."""
    total = 0

    def conv_hook(module: nn.Conv2d, _inp, out: torch.Tensor) -> None:
        nonlocal total
        kh, kw = module.kernel_size
        total += (module.in_channels * module.out_channels * out.shape[2] * out.shape[3]
                  // module.groups * kh * kw)

    def linear_hook(module: nn.Linear, _inp, _out) -> None:
        nonlocal total
        total += module.in_features * module.out_features

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    was_training, threads = model.training, torch.get_num_threads()
    try:
        model.eval()
        torch.set_num_threads(1)
        with torch.no_grad():
            model(torch.zeros(1, in_channels, resolution, resolution))
    finally:
        torch.set_num_threads(threads)
        model.train(was_training)
        for h in handles:
            h.remove()
    return total
