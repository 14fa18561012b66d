"""Zero-cost proxies: a score of an untrained network from one batch, no training.

Pure functions ``proxy(net, batch, loss_fn=None) -> float`` (bigger = predicted better, as in
the papers). ``batch`` is ``(x, y)`` (image tensors and labels, already normalised) or, for graph
networks, the torch_geometric ``Data`` object of the whole graph (node classification; the
loss is NLL of log-softmax on ``train_mask``, as NAS-Bench-Graph's trainer).

Definitions follow Abdelfattah, Mehrotra, Dudziak, Lane, "Zero-Cost Proxies for Lightweight
NAS", ICLR 2021 (code: github.com/SamsungLabs/zero-cost-nas, ``foresight/pruners/measures``),
and Mellor, Turner, Storkey, Crowley, "Neural Architecture Search without Training", ICML 2021
(``naswot``; jacob_cov is their earlier arXiv v1 score, as used by Abdelfattah et al.):

*Weights* ``W`` below are the weight tensors of the conv and linear layers: ``nn.Conv2d``,
``nn.Linear``, torch_geometric's own ``Linear`` (the weight matrix inside GCN, GAT, SAGE, Cheb
and GraphConv layers, which is not an ``nn.Linear``) and ARMAConv's weight tensors; not biases,
BatchNorm affine parameters or GAT's attention vectors. ``L`` is the loss of one batch (mean
cross-entropy; graphs: mean NLL on the train mask).

- ``grad_norm``: ``sum_W ||dL/dW||_2`` (Frobenius norm per weight tensor);
- ``snip`` (Lee et al. 2019): ``sum_W sum |dL/dW * W|``;
- ``grasp`` (Wang et al. 2020): ``sum_W sum -W * (H g)`` with ``g = dL/dW`` (all weights) and
  ``H`` the Hessian of ``L`` with respect to the weights (a Hessian-gradient product from a
  second backward pass);
- ``fisher`` (Turner et al. 2020, Theis et al. 2018): for every conv/linear layer's output
  activation ``a`` (the modules above except ARMAConv, whose products are not modules) with
  gradient ``g = dL/da``: ``0.5 * mean_batch (sum_spatial a*g)^2``, summed over channels and
  layers;
- ``jacob_cov``: ``-sum(log(v + k) + 1/(v + k))``, ``k = 1e-5``, over the eigenvalues ``v`` of the
  correlation matrix of the per-sample input Jacobians ``d sum(out) / dx`` (images only);
- ``synflow`` (Tanaka et al. 2020): on a copy with every parameter and buffer replaced by its
  absolute value, in float64, eval mode (BN running statistics, no dropout), input all ones
  (images: one sample): ``sum_W sum |W * dR/dW|`` with ``R = sum(output)``;
- ``naswot``: binary codes ``c`` of the ReLU units (images: ``nn.ReLU`` inputs > 0; graphs — the
  NB-Graph GNNs use functional ReLUs — the sign of every GNN-layer and top-level linear output,
  i.e. the code a ReLU after it would produce) per sample, at most 128 samples (graphs: per
  node, the first 128 train/val/test-mask nodes with distinct feature rows);
  ``K = c c^T + (1-c)(1-c)^T``; score ``log det K``, ``-inf`` when ``K`` is singular to working
  precision (eigenvalue test; ``slogdet`` of a singular ``K`` is rounding noise);
- ``params``: parameters in millions (the tables' ``params`` unit);
- ``flops``: multiply-accumulates (millions) of the conv and linear layers above, counted with
  forward hooks: per sample for images, per full-graph forward for graphs (message passing
  itself, e.g. GCN's sparse aggregation, is not counted; the Linear layers inside GNN convs and
  ARMAConv's dense products are).

Until issue 12, graph naswot used the first 1,000 mask nodes, duplicates included: the kernel
was singular for most NB-Graph networks on Cora and the score -inf or rounding noise (e.g.
+3136 for arch 999). And grad_norm, snip, grasp, fisher and flops missed torch_geometric's ``Linear``
(it is not an ``nn.Linear``) and ARMAConv's weights, so on NB-Graph networks they saw only the
``fc``/GIN/pre-/post-processing linears; synflow summed over every parameter of two or more
dimensions, GAT's attention vectors included. Image (NB201) values are unchanged.

Graph networks support every proxy but ``jacob_cov`` (:data:`GRAPH_PROXIES`); a row of the
input Jacobian of a graph is not a per-node quantity, so it is refused with a typed error.

Guarantees: each proxy works on a deep copy of the network (the caller's weights, gradients
and BatchNorm statistics are unchanged) and runs inside a scoped RNG context (torch's global
RNG state is the same afterwards; dropout in train mode draws from the given ``seed``).
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nasbench.errors import NasbenchError, UnknownNameError, one_of
from nasbench.live.seeding import seeded
from nasbench.stats import spearman  # noqa: F401 - re-exported: proxies.spearman

LossFn = Callable[[torch.Tensor, Any], torch.Tensor]


class ProxyError(NasbenchError):
    """A proxy that does not apply to this network or batch."""


# ----- batch helpers ------------------------------------------------------------------------------
def is_graph_batch(batch: Any) -> bool:
    return hasattr(batch, "edge_index") and hasattr(batch, "x")


def _inputs(batch: Any) -> torch.Tensor:
    return batch.x if is_graph_batch(batch) else batch[0]


def _forward(net: nn.Module, batch: Any, x: torch.Tensor | None = None) -> torch.Tensor:
    if is_graph_batch(batch):
        if x is None:
            return net(batch)
        g = copy.copy(batch)
        g.x = x
        return net(g)
    return net(batch[0] if x is None else x)


def default_loss(out: torch.Tensor, batch: Any) -> torch.Tensor:
    """Cross-entropy on the labels (graphs: NLL of log-softmax on ``train_mask``)."""
    if is_graph_batch(batch):
        mask = batch.train_mask
        return F.nll_loss(F.log_softmax(out.float(), 1)[mask], batch.y[mask])
    return F.cross_entropy(out.float(), batch[1])


def _layer_types() -> tuple[type, ...]:
    """``nn.Conv2d``, ``nn.Linear`` and torch_geometric's own ``Linear`` (the weight matrix inside
    GCN, GAT, SAGE, Cheb and GraphConv layers; it is not an ``nn.Linear`` subclass)."""
    try:
        from torch_geometric.nn.dense.linear import Linear as PygLinear
    except ImportError:  # pragma: no cover - image-only installs
        return (nn.Conv2d, nn.Linear)
    return (nn.Conv2d, nn.Linear, PygLinear)


def _arma_types() -> tuple[type, ...]:
    try:
        from torch_geometric.nn import ARMAConv
    except ImportError:  # pragma: no cover
        return ()
    return (ARMAConv,)


def _weighted_layers(net: nn.Module) -> list[nn.Module]:
    """Modules that apply one weight matrix (or kernel) to their input, see :func:`_layer_types`."""
    kinds = _layer_types()
    return [m for m in net.modules() if isinstance(m, kinds) and getattr(m, "weight", None) is not None]


#: ARMAConv keeps its weight tensors as its own parameters (no Linear module inside)
_ARMA_WEIGHTS = ("init_weight", "weight", "root_weight")


def _weights(net: nn.Module) -> list[torch.Tensor]:
    """The weight tensors the parameter-level proxies (grad_norm, snip, grasp, synflow) sum over:
    the weight of every :func:`_weighted_layers` module and ARMAConv's weight tensors. Not
    biases, BatchNorm affine parameters or GAT's attention vectors (the zero-cost-nas rule:
    conv and linear weights)."""
    out = [m.weight for m in _weighted_layers(net)]
    arma = _arma_types()
    for m in net.modules():
        if arma and isinstance(m, arma):
            out += [getattr(m, n) for n in _ARMA_WEIGHTS if isinstance(getattr(m, n, None), nn.Parameter)]
    return out


def _gnn_layers(net: nn.Module) -> list[nn.Module]:
    try:
        from torch_geometric.nn import MessagePassing
    except ImportError:  # pragma: no cover
        return []
    return [m for m in net.modules() if isinstance(m, MessagePassing)]


def _grads(net: nn.Module, batch: Any, loss_fn: LossFn) -> list[torch.Tensor]:
    """One backward pass of the loss; the :func:`_weights` that received a gradient."""
    net.train()
    net.zero_grad(set_to_none=True)
    loss = (loss_fn or default_loss)(_forward(net, batch), batch)
    loss.backward()
    return [w for w in _weights(net) if w.grad is not None]


def _grad_norm(weights: list[torch.Tensor]) -> float:
    return float(sum(w.grad.norm() for w in weights))


def _snip(weights: list[torch.Tensor]) -> float:
    return float(sum((w.grad * w.detach()).abs().sum() for w in weights))


# ----- proxies ------------------------------------------------------------------------------------
def grad_norm(net: nn.Module, batch: Any, loss_fn: LossFn = default_loss) -> float:
    return _grad_norm(_grads(net, batch, loss_fn))


def snip(net: nn.Module, batch: Any, loss_fn: LossFn = default_loss) -> float:
    return _snip(_grads(net, batch, loss_fn))


def grasp(net: nn.Module, batch: Any, loss_fn: LossFn = default_loss) -> float:
    net.train()
    weights = _weights(net)
    loss = loss_fn(_forward(net, batch), batch)
    g = torch.autograd.grad(loss, weights, allow_unused=True)
    pairs = [(w, gi.detach()) for w, gi in zip(weights, g) if gi is not None]
    if not pairs:
        return 0.0
    loss = loss_fn(_forward(net, batch), batch)
    g2 = torch.autograd.grad(loss, [w for w, _ in pairs], create_graph=True)
    z = sum((gi2 * gi).sum() for gi2, (_, gi) in zip(g2, pairs))
    hg = torch.autograd.grad(z, [w for w, _ in pairs], allow_unused=True)
    return float(sum((-w.detach() * h).sum() for (w, _), h in zip(pairs, hg) if h is not None))


def fisher(net: nn.Module, batch: Any, loss_fn: LossFn = default_loss) -> float:
    net.train()
    acts: list[torch.Tensor] = []

    def hook(_m, _inp, out):
        if out.requires_grad:
            out.retain_grad()
            acts.append(out)

    handles = [m.register_forward_hook(hook) for m in _weighted_layers(net)]
    try:
        loss = loss_fn(_forward(net, batch), batch)
        loss.backward()
    finally:
        for h in handles:
            h.remove()
    total = 0.0
    for a in acts:
        if a.grad is None:
            continue
        prod = a.detach() * a.grad
        if prod.dim() == 4:  # [B, C, H, W]: sum over space
            prod = prod.sum(dim=(2, 3))
        prod = prod.reshape(prod.shape[0], -1)
        total += float((0.5 * prod.pow(2).mean(0)).sum())
    return total


def jacob_cov(net: nn.Module, batch: Any, loss_fn: LossFn | None = None) -> float:
    if is_graph_batch(batch):
        raise ProxyError("jacob_cov is defined per input sample (images); it is not supported for graph networks")
    net.train()
    x = batch[0].clone().requires_grad_(True)
    out = net(x)
    out.backward(torch.ones_like(out))
    jac = x.grad.reshape(len(x), -1).double()
    corr = np.corrcoef(jac.numpy())
    corr = np.nan_to_num(corr, nan=0.0)
    v = np.linalg.eigvalsh(corr)
    k = 1e-5
    return float(-np.sum(np.log(np.clip(v, 0, None) + k) + 1.0 / (np.clip(v, 0, None) + k)))


def synflow(net: nn.Module, batch: Any, loss_fn: LossFn | None = None) -> float:
    net.eval()
    net.double()
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
        for b in net.buffers():  # BN running statistics stay as they are (mean 0, var 1 at init)
            if b.is_floating_point():
                b.abs_()
    x = _inputs(batch)
    ones = torch.ones((1, *x.shape[1:]) if not is_graph_batch(batch) else x.shape,
                      dtype=torch.float64, device=x.device)
    net.zero_grad(set_to_none=True)
    if is_graph_batch(batch):
        g = copy.copy(batch)
        g.x = ones
        out = net(g)
    else:
        out = net(ones)
    out.sum().backward()
    return float(sum((w.grad * w.detach()).abs().sum() for w in _weights(net) if w.grad is not None))


#: graph proxies score on row-normalised features: on NAS-Bench-Graph's raw binary features the
#: gradient proxies scale with the row sums. (The -inf naswot scores once put down to the raw
#: features came from its row choice, fixed in issue 12; see :func:`_naswot_rows`.)
PROXY_GRAPH_FEATURES = "normalized"

#: at most this many samples (graph: nodes) enter naswot's kernel (Mellor et al. score batches
#: of 128). Graphs: with 1,000 Cora nodes the binary code matrix of most NB-Graph networks has
#: rank below 1,000 (24 of 30 sampled archs), so the kernel was singular and its log-det either
#: -inf or rounding noise; with 128 distinct nodes all 30 were non-singular.
NASWOT_MAX_SAMPLES = 128


def _naswot_rows(batch: Any) -> torch.Tensor | None:
    """Graph nodes whose codes enter the kernel: train/val/test-mask nodes in index order (all
    nodes without masks), keeping only the first node of each distinct feature row (Cora has
    nodes with identical features; identical inputs make the kernel singular whatever the
    network), at most :data:`NASWOT_MAX_SAMPLES`. ``None`` for image batches (every sample)."""
    if not is_graph_batch(batch):
        return None
    n = batch.x.shape[0]
    masks = [getattr(batch, k, None) for k in ("train_mask", "val_mask", "test_mask")]
    idx = torch.cat([m.nonzero().view(-1) for m in masks if m is not None]) if any(
        m is not None for m in masks) else torch.arange(n)
    idx = torch.unique(idx)  # sorted
    _, first = np.unique(batch.x[idx].detach().cpu().numpy(), axis=0, return_index=True)
    return idx[torch.from_numpy(np.sort(first))][:NASWOT_MAX_SAMPLES]


def _logdet_psd(k: torch.Tensor) -> float:
    """log det of a symmetric positive semi-definite matrix; -inf when it is singular to
    working precision (smallest eigenvalue <= n * eps * largest, numpy's matrix_rank rule).
    ``slogdet`` of a singular matrix returns rounding noise with either sign."""
    ev = torch.linalg.eigvalsh(k)
    tol = float(ev[-1]) * len(k) * torch.finfo(ev.dtype).eps
    return float(torch.log(ev).sum()) if float(ev[0]) > tol else -math.inf


def naswot(net: nn.Module, batch: Any, loss_fn: LossFn | None = None) -> float:
    net.eval()
    relus = [] if is_graph_batch(batch) else [m for m in net.modules() if isinstance(m, nn.ReLU)]
    codes: list[torch.Tensor] = []
    rows = _naswot_rows(batch)

    def pre_hook(_m, inp):
        codes.append((inp[0].detach() > 0).reshape(inp[0].shape[0], -1))

    def post_hook(_m, _inp, out):
        if isinstance(out, torch.Tensor) and out.dim() >= 2:
            codes.append((out.detach() > 0).reshape(out.shape[0], -1))

    if relus:
        handles = [m.register_forward_pre_hook(pre_hook) for m in relus]
    else:
        layers = _gnn_layers(net) + [m for m in net.modules() if isinstance(m, nn.Linear)]
        # a Linear inside a GNN conv is seen through the conv's own output
        inner = {id(m) for g in _gnn_layers(net) for m in g.modules() if m is not g}
        handles = [m.register_forward_hook(post_hook) for m in layers if id(m) not in inner]
    _forward_once_with_hooks(net, batch, handles)
    if not codes:
        raise ProxyError("naswot found no ReLU (or linear/GNN layer) activations to code")
    n_samples = _inputs(batch).shape[0]
    codes = [cd for cd in codes if cd.shape[0] == n_samples]  # per-sample (per-node) outputs only
    if not codes:
        raise ProxyError("naswot found no per-sample activations to code")
    c = torch.cat([cd if rows is None else cd[rows] for cd in codes], 1).double()
    if rows is None and len(c) > NASWOT_MAX_SAMPLES:
        c = c[:NASWOT_MAX_SAMPLES]
    k = c @ c.t() + (1 - c) @ (1 - c).t()
    return _logdet_psd(k)


def _forward_once_with_hooks(net: nn.Module, batch: Any, handles: list) -> None:
    """One gradient-free forward pass that feeds the registered hooks, which are then removed."""
    try:
        with torch.no_grad():
            _forward(net, batch)
    finally:
        for h in handles:
            h.remove()


def params(net: nn.Module, batch: Any = None, loss_fn: LossFn | None = None) -> float:
    return sum(p.numel() for p in net.parameters()) / 1e6


def flops(net: nn.Module, batch: Any, loss_fn: LossFn | None = None) -> float:
    net.eval()
    macs = [0.0]

    def conv_hook(m: nn.Conv2d, _inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        macs[0] += out.numel() * k

    def lin_hook(m: nn.Module, _inp, out):
        macs[0] += out.numel() * m.weight.shape[1]  # in features (nn.Linear and PyG's Linear)

    def arma_hook(m: nn.Module, inp, _out):
        # per stack: x @ init_weight, (T - 1) x out @ weight, T x x @ root_weight, for every node
        n, k, t = inp[0].shape[0], m.num_stacks, m.num_layers
        macs[0] += n * k * (m.in_channels * m.out_channels * (1 + t) + (t - 1) * m.out_channels ** 2)

    handles = [m.register_forward_hook(conv_hook if isinstance(m, nn.Conv2d) else lin_hook)
               for m in _weighted_layers(net)]
    arma = _arma_types()
    handles += [m.register_forward_hook(arma_hook) for m in net.modules() if arma and isinstance(m, arma)]
    _forward_once_with_hooks(net, batch, handles)
    per = 1 if is_graph_batch(batch) else len(batch[0])
    return macs[0] / per / 1e6


PROXIES: dict[str, Callable[..., float]] = {
    "synflow": synflow, "snip": snip, "grad_norm": grad_norm, "grasp": grasp, "fisher": fisher,
    "jacob_cov": jacob_cov, "naswot": naswot, "params": params, "flops": flops,
}
#: proxies that apply to graph (node-classification) networks
GRAPH_PROXIES: tuple[str, ...] = tuple(n for n in PROXIES if n != "jacob_cov")
#: what each proxy measures, for table metadata
DESCRIPTIONS: dict[str, str] = {
    "synflow": "SynFlow (Tanaka et al. 2020): sum |W * dR/dW| on |W|, all-ones input, float64",
    "snip": "SNIP (Lee et al. 2019): sum |W * dL/dW| on one batch",
    "grad_norm": "sum of L2 norms of dL/dW over conv/linear layers, one batch",
    "grasp": "GraSP (Wang et al. 2020): sum -W * (H dL/dW), one batch",
    "fisher": "Fisher (Turner et al. 2020): 0.5 mean_batch (sum a * dL/da)^2 over conv/linear outputs",
    "jacob_cov": "Jacobian covariance (Mellor et al. 2020 v1): -sum(log(v+k)+1/(v+k)) of the input-Jacobian correlation",
    "naswot": "NASWOT (Mellor et al. ICML 2021): slogdet of the binary activation-code kernel",
    "params": "parameters (millions) of the live network",
    "flops": "conv/linear multiply-accumulates (millions) per sample (graphs: per full-graph forward)",
}


def proxy_names(graph: bool = False) -> list[str]:
    return list(GRAPH_PROXIES if graph else PROXIES)


def check_proxies(names, graph: bool = False) -> list[str]:
    """Validate proxy names (for graph networks, only :data:`GRAPH_PROXIES`)."""
    names = list(names)
    for n in names:
        if n not in PROXIES:
            raise UnknownNameError(f"unknown zero-cost proxy '{n}'; choose {one_of(list(PROXIES))}")
        if graph and n not in GRAPH_PROXIES:
            raise ProxyError(f"proxy '{n}' is not supported for graph networks; choose {one_of(list(GRAPH_PROXIES))}")
    return names


def compute(name: str, net: nn.Module, batch: Any, *, loss_fn: LossFn | None = None, seed: int = 0) -> float:
    """Proxy ``name`` of ``net`` on ``batch``; the caller's network and global RNG are untouched."""
    check_proxies([name], graph=is_graph_batch(batch))
    fn = PROXIES[name]
    work = copy.deepcopy(net)
    with seeded(seed):
        value = fn(work, batch, loss_fn or default_loss)
    del work
    return float(value)


def compute_all(names, net: nn.Module, batch: Any, *, loss_fn: LossFn | None = None,
                seed: int = 0) -> dict[str, float]:
    """Several proxies of one network (each on its own copy); a proxy that fails gives NaN."""
    out: dict[str, float] = {}
    names = check_proxies(names, graph=is_graph_batch(batch))
    if "snip" in names and "grad_norm" in names:  # one backward pass serves both
        try:
            work = copy.deepcopy(net)
            with seeded(seed):
                weights = _grads(work, batch, loss_fn or default_loss)
            out["grad_norm"], out["snip"] = _grad_norm(weights), _snip(weights)
            del work
        except (RuntimeError, ValueError):
            out["grad_norm"] = out["snip"] = math.nan
    for n in names:
        if n in out:
            continue
        try:
            out[n] = compute(n, net, batch, loss_fn=loss_fn, seed=seed)
        except (ProxyError, RuntimeError, ValueError, np.linalg.LinAlgError):
            out[n] = math.nan
    return out


# ----- proxies of a benchmark's architectures (``nasbench zc``) -------------------------------------
#: images per batch for image proxies (Abdelfattah et al. use one batch of 64 or 128)
IMAGE_BATCH = 64


def proxy_batch(space: str, data, seed: int = 0):
    """The batch the proxies see: the whole graph, or ``IMAGE_BATCH`` normalised training images
    (a seeded draw, no augmentation)."""
    if space == "nbgraph":
        return data.data
    idx = np.random.default_rng(seed).choice(len(data.x_train), IMAGE_BATCH, replace=False)
    x = data.x_train[torch.from_numpy(np.sort(idx))].float()
    mean = torch.tensor(data.mean).view(1, -1, 1, 1) * 255.0
    std = torch.tensor(data.std).view(1, -1, 1, 1) * 255.0
    return ((x - mean) / std, data.y_train[torch.from_numpy(np.sort(idx))])


def score_benchmark(bench_name: str, names, *, sample: int, seed: int = 0, data_root: str | None = None,
                    out: str | None = None, progress=None) -> dict:
    """Proxies ``names`` of ``sample`` architectures of a benchmark (uniform, seeded), on real data.

    Writes a copy of the benchmark's table with metrics ``zc_<name>`` (split ``proxy``, NaN for
    architectures not sampled; values an earlier ``nasbench zc`` wrote into a ``zc_`` column are
    kept where not recomputed; a published column of the same name, e.g. NAS-Bench-Suite-Zero's
    on nb201, is replaced, never mixed with ours) as user table ``user:<out>`` (default ``<benchmark>-zc``, ``/`` -> ``__``)
    and returns ``{'path', 'name', 'ids', 'scores', 'spearman', 'seconds_per_arch'}``; Spearman
    is against the table's ``valid_acc`` (mean over replicates, highest fidelity).
    """
    import time

    import nasbench
    from nasbench.benchmark import is_user_name
    from nasbench.catalog import get_info
    from nasbench.live.build import base_space_name, check_live_dataset, load_live_data, original_ids, write_augmented
    from nasbench.live.models import build_model
    from nasbench.table_writer import MetricColumn

    if not is_user_name(bench_name):  # absent data: typed error before the table is loaded or built
        info = get_info(bench_name)
        load_live_data(info.space, info.dataset, data_root, PROXY_GRAPH_FEATURES)
    bench = nasbench.load(bench_name)
    space = base_space_name(bench)
    check_live_dataset(space, bench.info.dataset)
    graph = space == "nbgraph"
    names = check_proxies(names, graph=graph)
    data = load_live_data(space, bench.info.dataset, data_root, PROXY_GRAPH_FEATURES)
    batch = proxy_batch(space, data, seed)
    n = min(int(sample), bench.space.size)
    ids = np.sort(np.random.default_rng(seed).choice(bench.space.size, n, replace=False))
    scores = {p: np.full(n, np.nan) for p in names}
    info = {k: v for k, v in data.info.items() if k != "dataset"}
    t0 = time.perf_counter()
    for j, orig in enumerate(original_ids(bench, ids)):
        net = build_model(f"{space}/{bench.info.dataset}", int(orig), seed=seed, **info)
        vals = compute_all(names, net, batch, seed=seed)
        for p in names:
            scores[p][j] = vals[p]
        if progress is not None:
            progress(j + 1, n, time.perf_counter() - t0)
    per_arch = (time.perf_counter() - t0) / max(n, 1)
    valid = np.asarray(bench.query(ids, "valid_acc"), dtype=float)
    rho = {p: spearman(scores[p], valid) for p in names}
    extra = {}
    for p in names:
        col_name = f"zc_{p}"
        values = np.full((bench.table.n_archs, 1, 1), np.nan, np.float32)
        if col_name in bench.table.metric_names and bench.table.metric(col_name).source.startswith("nasbench.live.proxies"):
            values[:] = bench.table.array(col_name)[:, :1, :1]  # our own earlier scores; published ones are not mixed in
        values[ids, 0, 0] = scores[p]
        extra[col_name] = MetricColumn(values, "proxy", "score", DESCRIPTIONS[p],
                                       f"nasbench.live.proxies (seed {seed})", p)
    out = out or (bench_name.split(":", 1)[-1].replace("/", "__").removesuffix(".h5") + "-zc")
    path = write_augmented(bench, extra, out, notes=f"zc proxies {','.join(names)} on {n} sampled archs (seed {seed})")
    return {"path": path, "name": f"user:{out}" if not out.startswith("user:") else out, "ids": ids,
            "scores": scores, "spearman": rho, "seconds_per_arch": per_arch, "valid": valid}
