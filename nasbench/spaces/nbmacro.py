"""The NAS-Bench-Macro search space (Su et al., CVPR 2021), pure numpy.

A network is a stem, 8 searchable layers and a head (``nasbench.live.models.nbmacro``). The
layers form 3 stages of 2, 3 and 3 layers; the first layer of each stage (layers 0, 2 and 5)
halves the resolution and doubles the channels (32 -> 64 -> 128 -> 256). Each layer is one of
3 blocks, coded as in the benchmark's keys:

    0  ``identity``: identity; at layers 0, 2 and 5 a 1x1 convolution with stride 2 + BN
       (the upstream ``Identity`` module projects when stride or channels change)
    1  ``mb3_k3``: MobileNetV2 inverted-residual block, kernel 3, expansion ratio 3
    2  ``mb6_k5``: MobileNetV2 inverted-residual block, kernel 5, expansion ratio 6

An architecture string is the 8 codes, layer 0 first, e.g. ``01201120``. Every one of the
3^8 = 6,561 strings is in the benchmark (identity is allowed at every layer). Ids are the
string read as a base-3 number, layer 0 the most significant digit:
``id = sum(code[i] * 3 ** (7 - i))``, so ``00000000`` is 0, ``00000001`` is 1 and ``22222222``
is 6560 (ids in ascending string order).

Equivalent networks: inside a stage, an identity at a non-first layer (stride 1, same
channels) is a no-op, so moving it to the end of its stage computes the same function with
the same parameters. Upstream trained only the 3,969 forms with those identities at the end of
each stage (``get_real_arch`` in its training scripts) and copied their results to the other
strings; :meth:`NBMacroSpace.canonical` maps an id to that trained form.
"""
from __future__ import annotations

from functools import cached_property

import numpy as np

from nasbench.errors import InvalidArchitectureError, one_of
from nasbench.spaces.base import CellGraph, SearchSpace, one_change_neighbor_table

#: block names by code
OPS: tuple[str, ...] = ("identity", "mb3_k3", "mb6_k5")
#: (kernel size, expansion ratio) of the MobileNetV2 blocks, by code (identity: None)
BLOCKS: tuple[tuple[int, int] | None, ...] = (None, (3, 3), (5, 6))
N_OPS = len(OPS)
N_LAYERS = 8
#: layers per stage; the first layer of each stage downsamples
STAGES: tuple[int, ...] = (2, 3, 3)
#: layers that halve the resolution and double the channels
DOWNSAMPLE_LAYERS: tuple[int, ...] = tuple(int(s) for s in np.cumsum((0,) + STAGES[:-1]))
#: number of architectures (3 ** 8)
N_ARCHS = N_OPS**N_LAYERS
#: base-3 place value of each layer's code (layer 0 most significant)
_PLACE = N_OPS ** np.arange(N_LAYERS - 1, -1, -1, dtype=np.int64)
_GRAMMAR = (
    f"expected {N_LAYERS} digits, one per layer (layer 0 first), each "
    + ", ".join(f"{i} ({op})" for i, op in enumerate(OPS))
    + ", e.g. '01201120'"
)


def _codes_of_ids(ids: np.ndarray) -> np.ndarray:
    """Codes ``[n, 8]`` (int64) of base-3 ids."""
    return (ids.reshape(-1, 1) // _PLACE) % N_OPS


def trained_form(codes: np.ndarray) -> np.ndarray:
    """Codes ``[n, 8]`` with the identities of each stage's non-first layers moved to the end of
    the stage (order of the other blocks kept): the form upstream trained (``get_real_arch``)."""
    out = np.array(codes, dtype=np.int64, copy=True).reshape(-1, N_LAYERS)
    start = 0
    for length in STAGES:
        rest = out[:, start + 1 : start + length]
        # stable sort on "is identity": blocks keep their order, identities go last
        order = np.argsort(rest == 0, axis=1, kind="stable")
        out[:, start + 1 : start + length] = np.take_along_axis(rest, order, axis=1)
        start += length
    return out


class NBMacroSpace(SearchSpace):
    """NAS-Bench-Macro: 6,561 chains of 8 layers x 3 blocks; id = the string in base 3.

    Decisions ``layer0 .. layer7``: the block code of each layer (0 identity, 1 mb3_k3,
    2 mb6_k5); every vector is an architecture (nothing to repair). Encodings, float32:

    - ``onehot`` ``[n, 24]``: feature ``3 * layer + code``;
    - ``categorical`` ``[n, 8]``: the codes as floats.

    :meth:`canonical` maps each id to the form upstream trained (3,969 classes; see the module
    docstring); the tables keep a row for every one of the 6,561 strings.
    """

    name = "nbmacro"
    encodings = ("onehot", "categorical")
    all_decisions_valid = True
    decision_hint = "NB-Macro decisions are block codes: " + ", ".join(f"{i}={op}" for i, op in enumerate(OPS))
    #: block names in code order (read by the ``graph`` predictor encoding)
    ops = OPS

    def __init__(self) -> None:
        codes = _codes_of_ids(np.arange(N_ARCHS, dtype=np.int64))
        codes.setflags(write=False)
        #: codes ``[6561, 8]`` (int64), row = id
        self.codes_table: np.ndarray = codes

    @property
    def size(self) -> int:
        return N_ARCHS

    # ----- strings -------------------------------------------------------------------------
    def to_str(self, arch: int) -> str:
        """The 8-digit string of id ``arch`` (layer 0 first), e.g. ``'01201120'``."""
        return "".join(str(int(c)) for c in self.codes_table[self.check_id(arch)])

    def from_str(self, text: str) -> int:
        """Id of an 8-digit string of codes 0/1/2 (surrounding whitespace ignored).

        Raises InvalidArchitectureError echoing the string and stating the grammar.
        """
        if not isinstance(text, str):
            raise InvalidArchitectureError(
                f"an NB-Macro architecture string must be a str, got {type(text).__name__}; {_GRAMMAR}"
            )
        s = text.strip()
        if len(s) != N_LAYERS:
            raise InvalidArchitectureError(f"'{text}' has {len(s)} character(s), not {N_LAYERS}; {_GRAMMAR}")
        bad = next((i for i, c in enumerate(s) if c not in "012"), None)
        if bad is not None:
            raise InvalidArchitectureError(
                f"'{text}': layer {bad} is '{s[bad]}', it must be one of {one_of(['0', '1', '2'])}; {_GRAMMAR}"
            )
        return int(s, N_OPS)

    def layer_ops(self, arch: int) -> tuple[str, ...]:
        """Block names of the 8 layers of ``arch`` (layer 0 first)."""
        return tuple(OPS[c] for c in self.codes_table[self.check_id(arch)])

    # ----- decisions -----------------------------------------------------------------------
    @property
    def decision_sizes(self) -> tuple[int, ...]:
        return (N_OPS,) * N_LAYERS

    @property
    def decision_names(self) -> tuple[str, ...]:
        return tuple(f"layer{i}" for i in range(N_LAYERS))

    def to_decisions(self, ids: np.ndarray) -> np.ndarray:
        """Block codes ``[n, 8]`` (int64) of ``ids``, layer 0 first."""
        return self.codes_table[self.check_ids(ids).reshape(-1)].copy()

    def from_decisions(self, decisions: np.ndarray) -> np.ndarray:
        """Ids ``[n]`` of code vectors ``[n, 8]``; every vector of codes 0..2 is valid.

        Integral floats are accepted; anything else raises InvalidArchitectureError.
        """
        return self.check_decisions(decisions) @ _PLACE

    # ----- equivalence -----------------------------------------------------------------------
    @cached_property
    def _representative(self) -> np.ndarray:
        rep = trained_form(self.codes_table) @ _PLACE
        rep.setflags(write=False)
        return rep

    def canonical(self, ids: np.ndarray) -> np.ndarray:
        """Id of the trained form of each id (same shape as ``ids``): identities of each stage's
        non-first layers moved to the end of the stage (see the module docstring)."""
        ids = self.check_ids(ids)
        return self._representative[ids]

    @property
    def n_isomorphism_classes(self) -> int:
        """Number of distinct trained forms (3,969 = 9 * 21 * 21)."""
        return int(np.unique(self._representative).size)

    # ----- neighbourhood -------------------------------------------------------------------
    @cached_property
    def _neighbor_table(self) -> np.ndarray:
        """``[6561, 16]`` ids differing in exactly one layer's block, sorted per row (id = code)."""
        return one_change_neighbor_table(self.codes_table, N_OPS)

    def neighbors(self, arch: int) -> np.ndarray:
        """The 16 ids (sorted) that differ from ``arch`` in exactly one layer's block."""
        return self._neighbor_table[self.check_id(arch)].copy()

    def mutate(self, arch: int, rng: np.random.Generator) -> int:
        """A uniformly random one-layer neighbour of ``arch``."""
        row = self._neighbor_table[self.check_id(arch)]
        return int(row[rng.integers(len(row))])

    # ----- graph view ----------------------------------------------------------------------
    def graph(self, arch: int) -> CellGraph:
        """The chain ``input (stem) -> layer0 -> .. -> layer7 -> output (head)``: 10 nodes,
        ``adjacency[i, i + 1] == 1`` (int8), ops ``("input", <8 block names>, "output")``.

        Identity layers keep their node (the chain has one node count for every id); at
        layers 0, 2, 5 an ``identity`` is a strided 1x1 projection in the real network."""
        codes = self.codes_table[self.check_id(arch)]
        n = N_LAYERS + 2
        adjacency = np.zeros((n, n), dtype=np.int8)
        adjacency[np.arange(n - 1), np.arange(1, n)] = 1
        return CellGraph(adjacency=adjacency, ops=("input",) + tuple(OPS[c] for c in codes) + ("output",))

    # ----- encodings -----------------------------------------------------------------------
    def _encode_onehot(self, ids: np.ndarray) -> np.ndarray:
        """One-hot of each layer's block: ``[n, 24]``, feature ``3 * layer + code``."""
        codes = self.codes_table[ids.reshape(-1)]
        return np.eye(N_OPS, dtype=np.float32)[codes].reshape(len(codes), N_LAYERS * N_OPS)

    def _encode_categorical(self, ids: np.ndarray) -> np.ndarray:
        """The 8 block codes as float32 ``[n, 8]``."""
        return self.codes_table[ids.reshape(-1)].astype(np.float32)
