"""Neural predictors in plain torch: MLP ensembles (incl. the BANANAS meta neural net) and a GCN.

Randomness: every weight initialisation and every mini-batch order comes from a private
``torch.Generator`` seeded from ``random_state`` inside ``fit``; nothing global is seeded and
``torch.set_num_threads`` is never called. The ensemble members are trained side by side
as one batched model (weights ``[members, in, out]``, ``torch.bmm``): each member has its
own initialisation and its own mini-batch order and, since the losses add and Adam is
element-wise, is trained exactly as if it were alone -- only faster.
"""
from __future__ import annotations

import math

import numpy as np
import torch  # at import time, so that Predictor.fit's single_thread() sees torch loaded

from predictors.base import Predictor, PredictorError, seed_sequence
from predictors.encodings import unflatten_graph


def _generator(random_state):
    g = torch.Generator()
    g.manual_seed(int(seed_sequence(random_state).generate_state(1, np.uint64)[0] & 0x7FFF_FFFF_FFFF_FFFF))
    return g


def _uniform(shape, bound, g):
    return (torch.rand(shape, generator=g, dtype=torch.float32) * 2 - 1) * bound


class _EnsembleMLP:
    """``members`` MLPs with ``layers`` hidden layers of ``width`` ReLU units, batched."""

    def __init__(self, members, n_in, layers, width, init, g):
        dims = [n_in] + [width] * layers + [1]
        self.params = []
        for a, b in zip(dims[:-1], dims[1:]):
            if init == "glorot":  # Keras default (the BANANAS reference code is Keras)
                bound = math.sqrt(6.0 / (a + b))
                bias = torch.zeros(members, 1, b)
            else:  # torch.nn.Linear default
                bound = 1.0 / math.sqrt(a)
                bias = _uniform((members, 1, b), bound, g)
            self.params += [_uniform((members, a, b), bound, g).requires_grad_(), bias.requires_grad_()]

    def __call__(self, x):  # x [members, batch, n_in] -> [members, batch]
        n = len(self.params) // 2
        for i in range(n):
            x = torch.baddbmm(self.params[2 * i + 1], x, self.params[2 * i])
            if i < n - 1:
                x = torch.relu(x)
        return x[..., 0]


class MLPEnsemblePredictor(Predictor):
    """Ensemble of small MLPs trained with Adam on standardised targets; std across members."""

    stochastic = True
    has_std = True

    def __init__(self, n_members=5, layers=3, width=64, epochs=200, batch_size=32, lr=1e-3,
                 weight_decay=0.0, loss="mse", init="torch", random_state=None):
        self.n_members = n_members
        self.layers = layers
        self.width = width
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.loss = loss
        self.init = init
        self.random_state = random_state

    def _fit(self, X, z):
        if self.loss not in ("mse", "mae"):
            raise PredictorError(f"loss must be 'mse' or 'mae', got {self.loss!r}")
        g = _generator(self.random_state)
        m = int(self.n_members)
        net = _EnsembleMLP(m, X.shape[1], int(self.layers), int(self.width), self.init, g)
        opt = torch.optim.Adam(net.params, lr=self.lr, weight_decay=self.weight_decay)
        Xt = torch.as_tensor(X, dtype=torch.float32)
        zt = torch.as_tensor(z, dtype=torch.float32)
        n = len(Xt)
        bs = min(int(self.batch_size), n)
        n_batches = math.ceil(n / bs)
        for _ in range(int(self.epochs)):
            order = torch.argsort(torch.rand(m, n, generator=g), dim=1)
            for b in range(n_batches):
                idx = order[:, b * bs : (b + 1) * bs]
                pred = net(Xt[idx])
                diff = pred - zt[idx]
                loss = (diff.abs() if self.loss == "mae" else diff * diff).mean() * m
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        self.net_ = net
        for p in net.params:
            p.requires_grad_(False)

    def _members(self, X):
        with torch.no_grad():
            Xt = torch.as_tensor(X, dtype=torch.float32)
            return self.net_(Xt.unsqueeze(0).expand(int(self.n_members), -1, -1)).double().numpy()

    def _predict(self, X):
        return self._members(X).mean(axis=0)

    def _predict_std(self, X):
        return self._members(X).std(axis=0)

    def predict_members(self, X) -> np.ndarray:
        """Each member's prediction ``[members, n]`` (original target units)."""
        X = self._check_X(X, fitting=False)
        return self._members(X) * self.y_scale_ + self.y_mean_


class BananasEnsemblePredictor(MLPEnsemblePredictor):
    """The BANANAS meta neural network (White, Neiswanger & Savani, AAAI 2021).

    An ensemble of 5 feed-forward networks of 10 fully connected layers of width 20, trained
    with Adam (lr 0.01), mean-absolute-error loss, batch size 32, 200 epochs, Glorot-uniform
    initialisation -- the defaults of ``MetaNeuralnet.fit`` (``num_layers=10, layer_width=20,
    loss='mae', epochs=200, batch_size=32, lr=.01``) and ``num_ensemble=5`` in the authors'
    code (naszilla/bananas), meant for the (truncated) path encoding.
    """

    def __init__(self, n_members=5, layers=10, width=20, epochs=200, batch_size=32, lr=0.01,
                 weight_decay=0.0, loss="mae", init="glorot", random_state=None):
        super().__init__(n_members=n_members, layers=layers, width=width, epochs=epochs, batch_size=batch_size,
                         lr=lr, weight_decay=weight_decay, loss=loss, init=init, random_state=random_state)


class GCNPredictor(Predictor):
    """A graph convolutional network on the ``graph`` encoding (plain torch).

    Each layer: ``h <- relu(A_f h W_f + A_b h W_b + h W_s)`` with ``A_f``/``A_b`` the
    row-normalised forward/backward adjacency (a directed, bidirectional GCN as in the
    Neural Predictor of Wen et al., ECCV 2020), then mean pooling over nodes and a linear
    read-out. Trained with Adam, MSE on standardised targets. ``n_members`` > 1 trains an
    ensemble (std across members); the default 1 gives no std.
    """

    stochastic = True

    def __init__(self, hidden=64, layers=3, epochs=200, batch_size=32, lr=3e-3, weight_decay=3e-4,
                 random_state=None):
        self.hidden = hidden
        self.layers = layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.random_state = random_state

    @staticmethod
    def _prep(X):
        adj, feats = unflatten_graph(X)
        A = torch.as_tensor(adj, dtype=torch.float32)
        deg_f = A.sum(1, keepdim=True).clamp(min=1)  # in-degree per target node
        deg_b = A.sum(2, keepdim=True).clamp(min=1)
        Af = (A / deg_f).transpose(1, 2)  # node j averages its predecessors
        Ab = A / deg_b  # node i averages its successors
        return Af.contiguous(), Ab.contiguous(), torch.as_tensor(feats, dtype=torch.float32)

    def _forward(self, Af, Ab, H):
        p = self.params_
        for i in range(int(self.layers)):
            Wf, Wb, Ws, b = p[4 * i : 4 * i + 4]
            H = torch.relu(torch.bmm(Af, H @ Wf) + torch.bmm(Ab, H @ Wb) + H @ Ws + b)
        return (H.mean(1) @ p[-2] + p[-1])[:, 0]

    def _fit(self, X, z):
        g = _generator(self.random_state)
        Af, Ab, F = self._prep(X)
        dims = [F.shape[2]] + [int(self.hidden)] * int(self.layers)
        params = []
        for a, b in zip(dims[:-1], dims[1:]):
            bound = math.sqrt(6.0 / (a + b))
            params += [_uniform((a, b), bound, g) for _ in range(3)] + [torch.zeros(b)]
        params += [_uniform((dims[-1], 1), math.sqrt(6.0 / (dims[-1] + 1)), g), torch.zeros(1)]
        for q in params:
            q.requires_grad_()
        self.params_ = params
        opt = torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        zt = torch.as_tensor(z, dtype=torch.float32)
        n = len(zt)
        bs = min(int(self.batch_size), n)
        for _ in range(int(self.epochs)):
            order = torch.randperm(n, generator=g)
            for s in range(0, n, bs):
                idx = order[s : s + bs]
                loss = ((self._forward(Af[idx], Ab[idx], F[idx]) - zt[idx]) ** 2).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        for q in params:
            q.requires_grad_(False)

    def _predict(self, X):
        with torch.no_grad():
            return self._forward(*self._prep(X)).double().numpy()
