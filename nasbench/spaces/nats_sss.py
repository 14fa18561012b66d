"""NATS-Bench size search space (``nats-sss``): 32,768 channel configurations.

Every architecture is the same cell topology (NATS-Bench's fixed genotype) in a network of
five layers whose output channels are searched, each from ``{8, 16, 24, 32, 40, 48, 56, 64}``
(8^5 = 32,768). String: the five channel counts joined by ``:``, e.g. ``'8:16:24:32:64'``.

Ids are the official NATS-Bench index order: ``meta_archs`` of ``NATS-sss-v1_0-50262``
enumerates the configurations as base-8 numbers, the first layer most significant
(``'8:8:8:8:8'`` = 0, ``'8:8:8:8:16'`` = 1, ..., ``'64:64:64:64:64'`` = 32,767; checked on the
official ``meta.pickle.pbz2``, where index 11 is ``'8:8:8:16:32'``). So
``id = sum_k (c_k / 8 - 1) * 8 ** (4 - k)``.

Decisions: the five channel choices (code 0..7 = 8..64 channels); every vector is valid.
Encodings (float32): ``onehot`` ``[n, 40]`` (feature ``8 * layer + code``), ``categorical``
``[n, 5]`` (the codes), ``channels`` ``[n, 5]`` (channel counts / 64). No isomorphism: each
id is its own class.
"""
from __future__ import annotations

import numpy as np

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces.base import CellGraph, SearchSpace

CHANNELS = (8, 16, 24, 32, 40, 48, 56, 64)
N_LAYERS = 5
N_CHOICES = len(CHANNELS)
N_ARCHS = N_CHOICES**N_LAYERS
_PLACE = N_CHOICES ** np.arange(N_LAYERS - 1, -1, -1, dtype=np.int64)  # first layer most significant
_GRAMMAR = (
    "a NATS size-space architecture is five channel counts joined by ':', each one of "
    + ", ".join(map(str, CHANNELS)) + " (e.g. '8:16:24:32:64')"
)


class NATSSizeSpace(SearchSpace):
    """The NATS-Bench size space: ids ``0 .. 32767`` in the official index order."""

    name = "nats-sss"
    encodings = ("onehot", "categorical", "channels")
    all_decisions_valid = True

    @property
    def size(self) -> int:
        return N_ARCHS

    # ----- strings -------------------------------------------------------------------------
    def codes(self, ids) -> np.ndarray:
        """Channel codes ``[n, 5]`` (0..7 = 8..64 channels) of ``ids``."""
        ids = self.check_ids(ids).reshape(-1)
        return (ids[:, None] // _PLACE[None, :]) % N_CHOICES

    def to_str(self, arch: int) -> str:
        """``'c1:c2:c3:c4:c5'`` (channel counts) of id ``arch``."""
        return ":".join(str(CHANNELS[c]) for c in self.codes([arch])[0])

    def from_str(self, text: str) -> int:
        """Id of a channel string; InvalidArchitectureError states the grammar."""
        if not isinstance(text, str):
            raise InvalidArchitectureError(f"got {type(text).__name__}; {_GRAMMAR}")
        parts = text.strip().split(":")
        if len(parts) != N_LAYERS:
            raise InvalidArchitectureError(f"'{text}' has {len(parts)} part(s), expected {N_LAYERS}; {_GRAMMAR}")
        codes = []
        for part in parts:
            try:
                codes.append(CHANNELS.index(int(part.strip())))
            except ValueError:
                raise InvalidArchitectureError(f"'{part.strip()}' in '{text}' is not a channel count; {_GRAMMAR}") from None
        return int(np.asarray(codes, dtype=np.int64) @ _PLACE)

    # ----- decisions -----------------------------------------------------------------------
    @property
    def decision_sizes(self) -> tuple[int, ...]:
        return (N_CHOICES,) * N_LAYERS

    @property
    def decision_names(self) -> tuple[str, ...]:
        return tuple(f"channels_{k}" for k in range(N_LAYERS))

    def to_decisions(self, ids: np.ndarray) -> np.ndarray:
        return self.codes(ids)

    def from_decisions(self, decisions: np.ndarray) -> np.ndarray:
        """Ids of channel-code vectors ``[n, 5]``; every well-formed vector is valid."""
        return self.check_decisions(decisions) @ _PLACE

    # ----- neighbourhood -------------------------------------------------------------------
    def neighbors(self, arch: int) -> np.ndarray:
        """The 35 ids (sorted) that differ from ``arch`` in exactly one layer's channels."""
        arch = self.check_id(arch)
        codes = self.codes([arch])[0]
        out = []
        for k in range(N_LAYERS):
            for c in range(N_CHOICES):
                if c != codes[k]:
                    out.append(arch + (c - int(codes[k])) * int(_PLACE[k]))
        return np.sort(np.asarray(out, dtype=np.int64))

    # ----- views ---------------------------------------------------------------------------
    def graph(self, arch: int) -> CellGraph:
        """A chain input -> 5 layers -> output; each layer's op names its channels (``'c16'``)."""
        codes = self.codes([arch])[0]
        n = N_LAYERS + 2
        adjacency = np.zeros((n, n), dtype=np.int8)
        adjacency[np.arange(n - 1), np.arange(1, n)] = 1
        return CellGraph(adjacency=adjacency, ops=("input", *(f"c{CHANNELS[c]}" for c in codes), "output"))

    def _encode_onehot(self, ids: np.ndarray) -> np.ndarray:
        return self.decisions_onehot(ids)

    def _encode_categorical(self, ids: np.ndarray) -> np.ndarray:
        return self.codes(ids).astype(np.float32)

    def _encode_channels(self, ids: np.ndarray) -> np.ndarray:
        return (np.asarray(CHANNELS, dtype=np.float32)[self.codes(ids)] / 64.0).astype(np.float32)
