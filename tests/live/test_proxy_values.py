"""Zero-cost proxies against values worked out independently (numpy, float64, derivatives by
hand) on tiny networks: a 2-layer MLP, a conv net, a GCN and an ARMA graph network.

Each reference below is the proxy's definition (module docstring of nasbench.live.proxies)
written out with explicit forward and backward formulas; none calls the proxies module's
helpers or torch autograd. The networks run in float32 (the proxies' loss is computed in
float32), hence the relative tolerance of a few float32 ulps.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nasbench.live import proxies as P

RTOL = 2e-5


def softmax(o: np.ndarray) -> np.ndarray:
    e = np.exp(o - o.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def onehot(y: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[y]


def set_linear(layer, w: np.ndarray, b: np.ndarray | None) -> None:
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w.reshape(layer.weight.shape)))
        if b is not None:
            layer.bias.copy_(torch.from_numpy(b))


def naswot_ref(codes: np.ndarray) -> float:
    """log det of K_ij = number of units on which samples i and j agree (Cholesky)."""
    n_units = codes.shape[1]
    hamming = (codes[:, None, :] != codes[None, :, :]).sum(-1)
    k = (n_units - hamming).astype(float)
    return 2.0 * float(np.log(np.diag(np.linalg.cholesky(k))).sum())


# ----- a 2-layer MLP: x -> Linear(6, 8) -> ReLU -> Linear(8, 3), mean cross-entropy -------------------
class MLP:
    D, H, C, B = 6, 8, 3, 5

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        # float32-representable values, so numpy and torch start from the same numbers
        f = lambda *s: rng.normal(size=s).astype(np.float32).astype(np.float64)  # noqa: E731 - a one-line draw helper, read inline
        self.W1, self.b1, self.W2, self.b2 = f(self.H, self.D), 0.1 * f(self.H), f(self.C, self.H), 0.1 * f(self.C)
        self.b1, self.b2 = self.b1.astype(np.float32).astype(float), self.b2.astype(np.float32).astype(float)
        self.x = f(self.B, self.D)
        self.y = rng.integers(0, self.C, self.B)
        h = self.x @ self.W1.T + self.b1
        assert np.abs(h).min() > 1e-3 and 0 < (h > 0).mean() < 1  # ReLU signs unambiguous and mixed

    def net(self):
        net = torch.nn.Sequential(torch.nn.Linear(self.D, self.H), torch.nn.ReLU(), torch.nn.Linear(self.H, self.C))
        set_linear(net[0], self.W1.astype(np.float32), self.b1.astype(np.float32))
        set_linear(net[2], self.W2.astype(np.float32), self.b2.astype(np.float32))
        return net

    def batch(self):
        return torch.from_numpy(self.x.astype(np.float32)), torch.from_numpy(self.y)

    def forward_backward(self, W1=None, W2=None):
        W1 = self.W1 if W1 is None else W1
        W2 = self.W2 if W2 is None else W2
        h = self.x @ W1.T + self.b1
        m = (h > 0).astype(float)
        r = h * m
        o = r @ W2.T + self.b2
        p = softmax(o)
        d_o = (p - onehot(self.y, self.C)) / self.B  # d mean-CE / d logits
        d_h = (d_o @ W2) * m
        return {"h": h, "m": m, "r": r, "o": o, "p": p, "d_o": d_o, "d_h": d_h,
                "dW1": d_h.T @ self.x, "dW2": d_o.T @ r}

    def hessian_gradient_product(self, V1, V2):
        """Forward-mode derivative of (dL/dW1, dL/dW2) along (V1, V2): the Hessian (with respect
        to the two weight matrices) times V, exact (the ReLU pattern is locally constant)."""
        f = self.forward_backward()
        m, r, p, d_o = f["m"], f["r"], f["p"], f["d_o"]
        h_dot = self.x @ V1.T
        r_dot = h_dot * m
        o_dot = r_dot @ self.W2.T + r @ V2.T
        p_dot = p * (o_dot - (p * o_dot).sum(1, keepdims=True))  # softmax Jacobian
        d_o_dot = p_dot / self.B
        dW2_dot = d_o_dot.T @ r + d_o.T @ r_dot
        d_h_dot = (d_o_dot @ self.W2 + d_o @ V2) * m
        dW1_dot = d_h_dot.T @ self.x
        return dW1_dot, dW2_dot


@pytest.fixture(scope="module")
def mlp():
    return MLP()


def test_mlp_grad_norm_and_snip(mlp):
    f = mlp.forward_backward()
    grad_norm = np.linalg.norm(f["dW1"]) + np.linalg.norm(f["dW2"])
    snip = np.abs(f["dW1"] * mlp.W1).sum() + np.abs(f["dW2"] * mlp.W2).sum()
    net, batch = mlp.net(), mlp.batch()
    assert P.compute("grad_norm", net, batch) == pytest.approx(grad_norm, rel=RTOL)
    assert P.compute("snip", net, batch) == pytest.approx(snip, rel=RTOL)
    both = P.compute_all(["grad_norm", "snip"], net, batch)  # the shared one-backward path
    assert both["grad_norm"] == pytest.approx(grad_norm, rel=RTOL)
    assert both["snip"] == pytest.approx(snip, rel=RTOL)


def test_mlp_grasp(mlp):
    f = mlp.forward_backward()
    hg1, hg2 = mlp.hessian_gradient_product(f["dW1"], f["dW2"])
    grasp = -(mlp.W1 * hg1).sum() - (mlp.W2 * hg2).sum()
    # the forward-mode product agrees with central differences of the hand-written gradient
    eps = 1e-6
    plus = mlp.forward_backward(mlp.W1 + eps * f["dW1"], mlp.W2 + eps * f["dW2"])
    minus = mlp.forward_backward(mlp.W1 - eps * f["dW1"], mlp.W2 - eps * f["dW2"])
    np.testing.assert_allclose((plus["dW1"] - minus["dW1"]) / (2 * eps), hg1, rtol=1e-5, atol=1e-9)
    assert abs(grasp) > 1e-3
    assert P.compute("grasp", mlp.net(), mlp.batch()) == pytest.approx(grasp, rel=1e-4)


def test_mlp_fisher(mlp):
    f = mlp.forward_backward()
    # per layer output a with gradient g: 0.5 * mean over the batch of (a * g)^2, summed over units
    fisher = (0.5 * ((f["h"] * f["d_h"]) ** 2).mean(0)).sum() + (0.5 * ((f["o"] * f["d_o"]) ** 2).mean(0)).sum()
    # d L / d h is the gradient at the first layer's output (before the ReLU): d_h masks it
    assert P.compute("fisher", mlp.net(), mlp.batch()) == pytest.approx(fisher, rel=RTOL)


def test_mlp_synflow(mlp):
    A1, A2, c1 = np.abs(mlp.W1), np.abs(mlp.W2), np.abs(mlp.b1)
    h = A1 @ np.ones(mlp.D) + c1  # one all-ones sample; every |.| input is positive, ReLU passes it
    # R = sum_c (A2 relu(h) + c2)_c:  dR/dA2[c, j] = h_j;  dR/dA1[j, i] = sum_c A2[c, j] * 1
    synflow = (A2 * h[None, :]).sum() + (A1 * A2.sum(0)[:, None]).sum()
    assert P.compute("synflow", mlp.net(), mlp.batch()) == pytest.approx(synflow, rel=1e-12)  # float64


def test_mlp_jacob_cov(mlp):
    f = mlp.forward_backward()
    # d sum(out_b) / d x_b = W1^T (m_b * (W2^T 1)), one row per sample
    jac = (f["m"] * (mlp.W2.sum(0))[None, :]) @ mlp.W1
    centred = jac - jac.mean(1, keepdims=True)
    unit = centred / np.linalg.norm(centred, axis=1, keepdims=True)
    corr = unit @ unit.T
    k = 1e-5
    # -sum_v (log(v + k) + 1 / (v + k)) = -(log det(C + kI) + trace((C + kI)^-1)), no eigenvalues needed
    ck = corr + k * np.eye(len(corr))
    jc = -(np.linalg.slogdet(ck)[1] + np.trace(np.linalg.inv(ck)))
    assert P.compute("jacob_cov", mlp.net(), mlp.batch()) == pytest.approx(jc, rel=1e-4)


def test_mlp_naswot_params_flops(mlp):
    f = mlp.forward_backward()
    codes = f["h"] > 0  # the ReLU's input signs, per sample
    net, batch = mlp.net(), mlp.batch()
    assert P.compute("naswot", net, batch) == pytest.approx(naswot_ref(codes), rel=1e-12)
    assert P.compute("params", net, batch) == (mlp.D * mlp.H + mlp.H + mlp.H * mlp.C + mlp.C) / 1e6
    assert P.compute("flops", net, batch) == pytest.approx((mlp.D * mlp.H + mlp.H * mlp.C) / 1e6, rel=1e-12)


# ----- a conv net: [B, 2, 3, 3] -> Conv2d(2, 3, 2) -> ReLU -> flatten -> Linear(12, 2) -----------------
class ConvNet:
    B, CI, CO, K, S, C = 4, 2, 3, 2, 3, 2  # batch, in/out channels, kernel, image size, classes

    def __init__(self, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        f = lambda *s: rng.normal(size=s).astype(np.float32).astype(np.float64)  # noqa: E731 - a one-line draw helper, read inline
        self.Wc, self.bc = f(self.CO, self.CI, self.K, self.K), 0.1 * f(self.CO)
        self.bc = self.bc.astype(np.float32).astype(float)
        self.L = (self.S - self.K + 1) ** 2  # output positions
        self.W2, self.b2 = f(self.C, self.CO * self.L), np.zeros(self.C)
        self.x = f(self.B, self.CI, self.S, self.S)
        self.y = rng.integers(0, self.C, self.B)
        assert np.abs(self.forward_backward()["z"]).min() > 1e-3

    def net(self):
        conv = torch.nn.Conv2d(self.CI, self.CO, self.K)
        lin = torch.nn.Linear(self.CO * self.L, self.C)
        set_linear(conv, self.Wc.astype(np.float32), self.bc.astype(np.float32))
        set_linear(lin, self.W2.astype(np.float32), self.b2.astype(np.float32))
        return torch.nn.Sequential(conv, torch.nn.ReLU(), torch.nn.Flatten(), lin)

    def batch(self):
        return torch.from_numpy(self.x.astype(np.float32)), torch.from_numpy(self.y)

    def patches(self) -> np.ndarray:
        """[B, L, CI*K*K]: the input under the kernel at each output position (row-major)."""
        n = self.S - self.K + 1
        return np.stack([self.x[:, :, i:i + self.K, j:j + self.K].reshape(self.B, -1)
                         for i in range(n) for j in range(n)], 1)

    def forward_backward(self):
        pt = self.patches()
        wf = self.Wc.reshape(self.CO, -1)
        z = np.einsum("blk,ok->bol", pt, wf) + self.bc[None, :, None]  # conv output [B, CO, L]
        m = (z > 0).astype(float)
        flat = (z * m).reshape(self.B, -1)  # channel-major, as torch's Flatten of [B, CO, h, w]
        o = flat @ self.W2.T + self.b2
        d_o = (softmax(o) - onehot(self.y, self.C)) / self.B
        d_z = (d_o @ self.W2).reshape(self.B, self.CO, self.L) * m
        return {"pt": pt, "z": z, "m": m, "flat": flat, "o": o, "d_o": d_o, "d_z": d_z,
                "dWc": np.einsum("bol,blk->ok", d_z, pt).reshape(self.Wc.shape), "dW2": d_o.T @ flat}


@pytest.fixture(scope="module")
def conv():
    return ConvNet()


def test_conv_gradient_proxies(conv):
    f = conv.forward_backward()
    net, batch = conv.net(), conv.batch()
    grad_norm = np.linalg.norm(f["dWc"]) + np.linalg.norm(f["dW2"])
    snip = np.abs(f["dWc"] * conv.Wc).sum() + np.abs(f["dW2"] * conv.W2).sum()
    # fisher sums a * g over the spatial positions of a conv output before squaring
    fisher = (0.5 * ((f["z"] * f["d_z"]).sum(2) ** 2).mean(0)).sum() + (0.5 * ((f["o"] * f["d_o"]) ** 2).mean(0)).sum()
    assert P.compute("grad_norm", net, batch) == pytest.approx(grad_norm, rel=RTOL)
    assert P.compute("snip", net, batch) == pytest.approx(snip, rel=RTOL)
    assert P.compute("fisher", net, batch) == pytest.approx(fisher, rel=RTOL)


def test_conv_synflow_naswot_flops(conv):
    net, batch = conv.net(), conv.batch()
    # synflow: |W|, one all-ones image; every conv output is sum|Wc| over the kernel + |bc|
    Ac, A2 = np.abs(conv.Wc), np.abs(conv.W2)
    z = Ac.reshape(conv.CO, -1).sum(1) + np.abs(conv.bc)  # [CO], the same at every position
    flat = np.repeat(z, conv.L)
    upstream = A2.sum(0).reshape(conv.CO, conv.L)  # dR / d z[o, l]
    # dR / dWc[o, k] = sum_l upstream[o, l] * 1 (the input is all ones)
    synflow = (A2 * flat[None, :]).sum() + (Ac.reshape(conv.CO, -1) * upstream.sum(1)[:, None]).sum()
    assert P.compute("synflow", net, batch) == pytest.approx(synflow, rel=1e-12)
    f = conv.forward_backward()
    assert P.compute("naswot", net, batch) == pytest.approx(naswot_ref(f["z"].reshape(conv.B, -1) > 0), rel=1e-12)
    macs = conv.CO * conv.L * conv.CI * conv.K ** 2 + conv.CO * conv.L * conv.C  # per image
    assert P.compute("flops", net, batch) == pytest.approx(macs / 1e6, rel=1e-12)


def test_grouped_strided_conv_flops():
    conv = torch.nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2)
    # 7x7 -> 4x4 outputs, each a 3x3 kernel over 4/2 input channels
    assert P.flops(conv, (torch.zeros(3, 4, 7, 7), None)) == pytest.approx(8 * 16 * 9 * 2 / 1e6)


# ----- graph networks (torch_geometric layers; the loss is NLL on the train mask) ------------------------
EDGES = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 2)]  # undirected, every node has a neighbour
N_NODES, F_IN, HID, N_CLS = 5, 3, 8, 2


def adjacency() -> np.ndarray:
    a = np.zeros((N_NODES, N_NODES))
    for i, j in EDGES:
        a[i, j] = a[j, i] = 1.0
    return a


def graph_batch(x: np.ndarray, y: np.ndarray):
    from torch_geometric.data import Data

    ei = torch.tensor([[i for i, j in EDGES] + [j for i, j in EDGES], [j for i, j in EDGES] + [i for i, j in EDGES]])
    masks = [torch.zeros(N_NODES, dtype=torch.bool) for _ in range(3)]
    masks[0][:3], masks[1][3], masks[2][4] = True, True, True
    return Data(x=torch.from_numpy(x.astype(np.float32)), edge_index=ei, y=torch.from_numpy(y),
                train_mask=masks[0], val_mask=masks[1], test_mask=masks[2])


def nll_grad(o: np.ndarray, y: np.ndarray, train: np.ndarray) -> np.ndarray:
    """d mean-NLL(log_softmax(o))[train] / d o."""
    d = (softmax(o) - onehot(y, o.shape[1])) / train.sum()
    return d * train[:, None]


class GCNNet(torch.nn.Module):
    def __init__(self):
        from torch_geometric.nn import GCNConv

        super().__init__()
        self.conv = GCNConv(F_IN, HID)
        self.lin = torch.nn.Linear(HID, N_CLS)

    def forward(self, data):
        return self.lin(torch.relu(self.conv(data.x, data.edge_index)))


class ARMANet(GCNNet):
    def __init__(self):
        from torch_geometric.nn import ARMAConv

        super().__init__()
        self.conv = ARMAConv(F_IN, HID)  # one stack, one layer, ReLU inside


@pytest.fixture(scope="module")
def graph():
    pytest.importorskip("torch_geometric")
    return graph_setup()


def graph_setup() -> dict:
    """Features, labels, train mask, weights and the two propagation matrices, in float64."""
    rng = np.random.default_rng(0)
    f = lambda *s: rng.normal(size=s).astype(np.float32).astype(np.float64)  # noqa: E731 - a one-line draw helper, read inline
    g = {"x": f(N_NODES, F_IN), "y": np.array([0, 1, 0, 1, 1]), "train": np.array([1, 1, 1, 0, 0], bool),
         "W1": f(HID, F_IN), "b1": (0.1 * f(HID)).astype(np.float32).astype(float),
         "W2": f(N_CLS, HID), "b2": np.zeros(N_CLS),
         "Wi": f(F_IN, HID), "Wr": f(F_IN, HID)}
    a = adjacency()
    d = 1.0 / np.sqrt((a + np.eye(N_NODES)).sum(1))
    g["A_gcn"] = d[:, None] * (a + np.eye(N_NODES)) * d[None, :]  # D~^-1/2 (A + I) D~^-1/2
    d0 = 1.0 / np.sqrt(a.sum(1))
    g["A_arma"] = d0[:, None] * a * d0[None, :]  # ARMA: no self-loops
    return g


def gcn_net(g):
    net = GCNNet()
    set_linear(net.conv.lin, g["W1"].astype(np.float32), None)
    with torch.no_grad():
        net.conv.bias.copy_(torch.from_numpy(g["b1"].astype(np.float32)))
    set_linear(net.lin, g["W2"].astype(np.float32), g["b2"].astype(np.float32))
    return net


def test_gcn_proxies(graph):
    g = graph
    net, batch = gcn_net(g), graph_batch(g["x"], g["y"])
    xw = g["x"] @ g["W1"].T  # GCNConv's Linear (torch_geometric's own class), then propagation
    h = g["A_gcn"] @ xw + g["b1"]
    assert np.abs(h).min() > 1e-3
    m = (h > 0).astype(float)
    r = h * m
    o = r @ g["W2"].T + g["b2"]
    d_o = nll_grad(o, g["y"], g["train"])
    d_h = (d_o @ g["W2"]) * m
    d_xw = g["A_gcn"].T @ d_h
    dW1, dW2 = d_xw.T @ g["x"], d_o.T @ r
    assert P.compute("grad_norm", net, batch) == pytest.approx(np.linalg.norm(dW1) + np.linalg.norm(dW2), rel=RTOL)
    assert P.compute("snip", net, batch) == pytest.approx(
        np.abs(dW1 * g["W1"]).sum() + np.abs(dW2 * g["W2"]).sum(), rel=RTOL)
    # fisher: the conv's Linear output and the classifier's output, mean over the nodes
    fisher = (0.5 * ((xw * d_xw) ** 2).mean(0)).sum() + (0.5 * ((o * d_o) ** 2).mean(0)).sum()
    assert P.compute("fisher", net, batch) == pytest.approx(fisher, rel=RTOL)
    # flops: both dense products, once per full-graph forward (aggregation not counted)
    assert P.compute("flops", net, batch) == pytest.approx(N_NODES * (F_IN * HID + HID * N_CLS) / 1e6, rel=1e-12)
    assert P.compute("params", net, batch) == (F_IN * HID + HID + HID * N_CLS + N_CLS) / 1e6
    # naswot: signs of the GNN layer's and the top-level Linear's outputs, per (masked) node
    codes = np.concatenate([h > 0, o > 0], 1)
    assert P.compute("naswot", net, batch) == pytest.approx(naswot_ref(codes), rel=1e-12)
    # synflow: |W|, all-ones features; R = sum(|W2| relu(A (1 |W1|^T) + |b1|) + |b2|)
    A1, A2 = np.abs(g["W1"]), np.abs(g["W2"])
    hs = g["A_gcn"] @ (np.ones((N_NODES, F_IN)) @ A1.T) + np.abs(g["b1"])
    up = np.ones((N_NODES, N_CLS)) @ A2  # dR/dh (all positive)
    synflow = (A2 * hs.sum(0)[None, :]).sum() + (A1 * ((g["A_gcn"].T @ up).T @ np.ones((N_NODES, F_IN)))).sum()
    assert P.compute("synflow", net, batch) == pytest.approx(synflow, rel=1e-12)


def test_arma_weights_count(graph):
    """ARMAConv keeps its weights as plain parameters (no Linear inside): they count."""
    g = graph
    net = ARMANet()
    with torch.no_grad():
        net.conv.init_weight.copy_(torch.from_numpy(g["Wi"].astype(np.float32))[None])
        net.conv.root_weight.copy_(torch.from_numpy(g["Wr"].astype(np.float32))[None, None])
        net.conv.bias.zero_()
    set_linear(net.lin, g["W2"].astype(np.float32), g["b2"].astype(np.float32))
    batch = graph_batch(g["x"], g["y"])
    z = g["A_arma"] @ (g["x"] @ g["Wi"]) + g["x"] @ g["Wr"]
    assert np.abs(z).min() > 1e-3
    m = (z > 0).astype(float)
    a = z * m
    o = a @ g["W2"].T + g["b2"]
    d_o = nll_grad(o, g["y"], g["train"])
    d_z = (d_o @ g["W2"]) * m
    dWi, dWr, dW2 = (g["A_arma"] @ g["x"]).T @ d_z, g["x"].T @ d_z, d_o.T @ a
    grad_norm = np.linalg.norm(dWi) + np.linalg.norm(dWr) + np.linalg.norm(dW2)
    assert P.compute("grad_norm", net, batch) == pytest.approx(grad_norm, rel=RTOL)
    snip = sum(np.abs(d * w).sum() for d, w in ((dWi, g["Wi"]), (dWr, g["Wr"]), (dW2, g["W2"])))
    assert P.compute("snip", net, batch) == pytest.approx(snip, rel=RTOL)
    # x @ init_weight and x @ root_weight per node, then the classifier
    assert P.compute("flops", net, batch) == pytest.approx(N_NODES * (2 * F_IN * HID + HID * N_CLS) / 1e6, rel=1e-12)


def test_naswot_singular_kernel_is_minus_infinity():
    """Five distinct codes over three ReLU units: K = [c, 1-c][c, 1-c]^T has rank <= 4 < 5, so it is
    singular although no two samples share a code (slogdet would return rounding noise)."""
    lin = torch.nn.Linear(3, 3)
    set_linear(lin, np.eye(3, dtype=np.float32), np.zeros(3, np.float32))
    net = torch.nn.Sequential(lin, torch.nn.ReLU())
    x = torch.tensor([[1, -1, -1], [-1, 1, -1], [-1, -1, 1], [1, 1, -1], [1, -1, 1]], dtype=torch.float32)
    codes = x.numpy() > 0
    k = (3 - (codes[:, None] != codes[None]).sum(-1)).astype(float)
    assert np.linalg.matrix_rank(k) == 4
    assert P.compute("naswot", net, (x, None)) == -math.inf
    assert P.compute("naswot", net, (x[:4], None)) == pytest.approx(naswot_ref(codes[:4]), rel=1e-12)


def test_graph_naswot_rows_skip_duplicate_features_and_cap(graph):
    """Nodes with the feature row of an earlier mask node are left out (identical inputs make K
    singular whatever the network); at most NASWOT_MAX_SAMPLES nodes, masks first, index order."""
    g = graph
    x = g["x"].copy()
    x[3] = x[1]  # node 3 duplicates node 1
    batch = graph_batch(x, g["y"])
    assert P._naswot_rows(batch).tolist() == [0, 1, 2, 4]
    net = gcn_net(g)
    h = g["A_gcn"] @ (x @ g["W1"].T) + g["b1"]
    o = np.maximum(h, 0) @ g["W2"].T + g["b2"]
    codes = np.concatenate([h > 0, o > 0], 1)[[0, 1, 2, 4]]
    assert P.compute("naswot", net, batch) == pytest.approx(naswot_ref(codes), rel=1e-12)
    assert P.NASWOT_MAX_SAMPLES == 128
