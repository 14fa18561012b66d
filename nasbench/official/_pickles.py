"""Restricted readers of the pickles inside the official NAS-Bench-201 / NATS-Bench files.

The official files are Python pickles (``NAS-Bench-201-v1_*.pth`` is a ``torch.save`` of a
dict; NATS-Bench archives are bz2-compressed pickles, ``<index>.pickle.pbz2``). Unpickling an
arbitrary file can run arbitrary code, so these readers never use :func:`pickle.load` as is:
:class:`RestrictedUnpickler` resolves only the globals in :data:`ALLOWED_GLOBALS`
(containers and ``collections.OrderedDict``, plus numpy's *numeric* scalars and dtypes, which
the NATS-Bench files use for latencies: they are rebuilt here from raw bytes by
:func:`_numpy_scalar`, never by numpy's own reducer); any other class or function, and any
persistent id (a tensor in a torch file), raises :class:`OfficialFormatError`.

Torch files are read without torch: the zip format (torch >= 1.6: ``<archive>/data.pkl``)
and the legacy format (torch < 1.6: magic number, protocol, system info, then the object as
consecutive pickles) are both parsed here with the same restricted unpickler.
"""
from __future__ import annotations

import bz2
import collections
import io
import pickle
import zipfile
from pathlib import Path

import numpy as np

from nasbench.errors import NasbenchError


class OfficialFormatError(NasbenchError, ValueError):
    """An official benchmark file that is not in the expected format (or holds objects the
    restricted unpickler refuses); names the file and what was expected."""


#: numeric numpy dtypes the restricted unpickler rebuilds (no object / string / void dtypes)
_NUMERIC_DTYPES = {
    "b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16",
}


def _numpy_dtype(code, align=False, copy=True):
    """``numpy.dtype(code, ...)`` for numeric codes only (pickled numpy scalars carry one)."""
    if not isinstance(code, str) or code not in _NUMERIC_DTYPES:
        raise OfficialFormatError(f"refused numpy dtype {code!r}; allowed: numeric dtypes {sorted(_NUMERIC_DTYPES)}")
    return np.dtype(code)


def _numpy_scalar(dtype, data=None):
    """Rebuild a pickled numpy scalar (``numpy.core.multiarray.scalar``) as a Python number."""
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biufc" or not isinstance(data, (bytes, bytearray)):
        raise OfficialFormatError(f"refused numpy scalar of dtype {dtype!r}; only numeric scalars are allowed")
    if len(data) != dtype.itemsize:
        raise OfficialFormatError(f"numpy scalar of dtype {dtype} has {len(data)} bytes, expected {dtype.itemsize}")
    return np.frombuffer(bytes(data), dtype=dtype)[0].item()


def _latin1_bytes(text, encoding="latin1"):
    """``_codecs.encode(str, 'latin1')``: how protocol-2 pickles store bytes (numpy scalars)."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise OfficialFormatError(f"refused _codecs.encode with encoding {encoding!r}; only latin1 bytes are read")
    return text.encode("latin1")


def _dropped_weights(*args, **kwargs):
    """Placeholder for torch's tensor/storage reducers in NATS ``-full`` archives: the trained
    weights are not needed, so their bytes are dropped unread (never passed to torch)."""
    return None


#: (module, name) -> object the restricted unpickler may resolve
ALLOWED_GLOBALS: dict[tuple[str, str], object] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("__builtin__", "set"): set,  # protocol-2 pickles written by Python 2
    ("__builtin__", "frozenset"): frozenset,
    ("_codecs", "encode"): _latin1_bytes,
    ("numpy", "dtype"): _numpy_dtype,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
    # trained weights (net_state_dict) of NATS "-full" archives, pickled with plain pickle
    ("torch._utils", "_rebuild_tensor_v2"): _dropped_weights,
    ("torch._utils", "_rebuild_parameter"): _dropped_weights,
    ("torch.storage", "_load_from_bytes"): _dropped_weights,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :data:`ALLOWED_GLOBALS` and no persistent ids."""

    def __init__(self, file, source: str = "file"):
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            allowed = ", ".join(f"{m}.{n}" for m, n in ALLOWED_GLOBALS)
            raise OfficialFormatError(
                f"{self._source}: refused to unpickle '{module}.{name}' (only plain containers and "
                f"numbers are read: {allowed}); is this an official benchmark file?"
            ) from None

    def persistent_load(self, pid):
        raise OfficialFormatError(
            f"{self._source}: holds a tensor or storage ({str(pid)[:60]}); the official result files "
            f"hold plain numbers only (is this a weights archive?)"
        )


def loads(data: bytes, source: str = "file"):
    """Unpickle ``data`` with :class:`RestrictedUnpickler`."""
    try:
        return RestrictedUnpickler(io.BytesIO(data), source).load()
    except OfficialFormatError:
        raise
    except Exception as exc:  # truncated or garbage bytes
        raise OfficialFormatError(f"{source}: not a readable pickle ({type(exc).__name__}: {exc})") from None


def load_bz2_pickle(path: str | Path):
    """A NATS-Bench ``*.pickle.pbz2`` file (bz2-compressed pickle), read restrictedly."""
    path = Path(path)
    try:
        data = bz2.decompress(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise OfficialFormatError(f"{path}: not a bz2-compressed pickle ({exc})") from None
    return loads(data, str(path))


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def load_torch_file(path: str | Path):
    """The object a ``torch.save`` file holds, for files without tensors, without torch.

    Zip format: the single ``*/data.pkl`` member. Legacy format: magic number, protocol
    version and system info, then the object (each a pickle).
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.endswith("/data.pkl") or m == "data.pkl"]
            if len(members) != 1:
                raise OfficialFormatError(f"{path}: a zip file without exactly one data.pkl; not a torch.save file")
            return loads(archive.read(members[0]), str(path))
    with open(path, "rb") as fh:
        try:
            magic = RestrictedUnpickler(fh, str(path)).load()
        except Exception:
            magic = None
        if magic != _LEGACY_MAGIC:
            raise OfficialFormatError(
                f"{path}: not a torch.save file (neither zip format nor the legacy magic number)"
            )
        try:
            RestrictedUnpickler(fh, str(path)).load()  # protocol version
            RestrictedUnpickler(fh, str(path)).load()  # system info (a dict)
            return RestrictedUnpickler(fh, str(path)).load()
        except OfficialFormatError:
            raise
        except Exception as exc:
            raise OfficialFormatError(f"{path}: truncated or corrupt torch file ({type(exc).__name__}: {exc})") from None
