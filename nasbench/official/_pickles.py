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
import os
import pickle
import stat
import threading
import zipfile
from pathlib import Path
from typing import BinaryIO

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


#: a decompressed stream may be at most this many times its compressed size, plus
#: :data:`EXPANSION_FLOOR` (bz2 compresses the official pickles about 2.5x; a decompression
#: bomb expands 10^6x): the bound is checked while streaming, before the bytes exist
MAX_EXPANSION = 16
EXPANSION_FLOOR = 8 << 20
_CHUNK = 1 << 20

#: opcodes that can build a tuple or frozenset (objects that get hashed while unpickling:
#: hashing a tuple nested 10^5 deep overflows the C stack of CPython 3.11 and kills the process)
_NESTING_OPCODES = b")t\x85\x86\x87\x91R\x81\x92"
#: at most this many such opcode bytes: the C unpickler runs as is (measured: 100,000 levels
#: fit the default 8 MiB stack, 200,000 do not: about 40-80 bytes per level)
SAFE_NESTING = 50_000
#: C-stack bytes allowed per possible level when unpickling in a helper thread
_STACK_PER_LEVEL = 128
#: beyond this helper-thread stack, the pure-Python unpickler (depth-checked, slower) runs
MAX_THREAD_STACK = 1 << 30
#: deepest tuple / frozenset the pure-Python unpickler hashes
MAX_KEY_DEPTH = 64


def expansion_limit(compressed_size: int) -> int:
    """Most bytes a compressed member of ``compressed_size`` bytes may decompress to."""
    return MAX_EXPANSION * int(compressed_size) + EXPANSION_FLOOR


def open_regular(path: str | Path) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file (following symlinks); a FIFO, socket,
    device or folder is an :class:`OfficialFormatError` (opening a FIFO would block forever)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise OfficialFormatError(f"{path}: cannot be opened ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a folder" if stat.S_ISDIR(mode) else
                "a socket" if stat.S_ISSOCK(mode) else "a device or special file")
        raise OfficialFormatError(f"{path}: is {kind}, not a regular file; only regular files are read")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def is_regular(path: Path) -> bool:
    """Whether ``path`` is a regular file (no open, so a FIFO does not block)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _too_big(source: object, limit: int, what: str) -> OfficialFormatError:
    return OfficialFormatError(
        f"{source}: {what} decompresses to more than {limit:,} bytes ({MAX_EXPANSION}x its compressed size "
        f"+ {EXPANSION_FLOOR >> 20} MiB); refused as a decompression bomb (official files expand about 2.5x)"
    )


def read_bz2(path: str | Path) -> bytes:
    """The decompressed bytes of a bz2 file (several concatenated streams allowed), streamed
    in 1 MiB reads and refused as soon as they pass :func:`expansion_limit` of the file size."""
    with open_regular(path) as fh:
        limit = expansion_limit(os.fstat(fh.fileno()).st_size)
        chunks: list[bytes] = []
        total = 0
        dec = bz2.BZ2Decompressor()
        data = b""
        try:
            while True:
                if dec.eof:
                    data = dec.unused_data or fh.read(_CHUNK)
                    if not data:
                        break
                    dec = bz2.BZ2Decompressor()
                elif dec.needs_input and not data:
                    data = fh.read(_CHUNK)
                    if not data:
                        raise OfficialFormatError(f"{path}: truncated bz2 stream; not a complete .pbz2 file")
                out = dec.decompress(data, max_length=limit + 1 - total)
                data = b""
                total += len(out)
                chunks.append(out)
                if total > limit:
                    raise _too_big(path, limit, "the bz2 stream")
        except OfficialFormatError:
            raise
        except (OSError, ValueError, EOFError) as exc:
            raise OfficialFormatError(f"{path}: not a bz2-compressed pickle ({exc})") from None
    if not total:
        raise OfficialFormatError(f"{path}: empty; not a bz2-compressed pickle")
    return b"".join(chunks)


def loads(data: bytes, source: str = "file"):
    """Unpickle ``data`` with :class:`RestrictedUnpickler`, safely for nesting: when ``data``
    could build tuples nested deeper than the C stack allows, the unpickler runs in a thread
    with a stack sized for it, or (beyond :data:`MAX_THREAD_STACK`) as the depth-checked
    pure-Python unpickler."""
    n = sum(data.count(op) for op in (bytes([b]) for b in _NESTING_OPCODES))
    if n <= SAFE_NESTING:
        return _load(RestrictedUnpickler, data, source)
    stack = (32 << 20) + n * _STACK_PER_LEVEL
    if stack > MAX_THREAD_STACK:
        return _load(_DepthCheckedUnpickler, data, source)
    result: dict = {}

    def run() -> None:
        try:
            result["value"] = _load(RestrictedUnpickler, data, source)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    with _STACK_LOCK:
        old = threading.stack_size(stack)
        try:
            worker = threading.Thread(target=run, name="nasbench-unpickle", daemon=True)
            worker.start()
        finally:
            threading.stack_size(old)
    worker.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


_STACK_LOCK = threading.Lock()


def _load(cls, data: bytes, source: str):
    try:
        return cls(io.BytesIO(data), source).load()
    except OfficialFormatError:
        raise
    except Exception as exc:  # truncated or garbage bytes, MemoryError of a huge announced length
        raise OfficialFormatError(f"{source}: not a readable pickle ({type(exc).__name__}: {str(exc)[:200]})") from None


def _shallow(key, source: str):
    """``key`` if it nests at most :data:`MAX_KEY_DEPTH` tuples / frozensets (checked without
    recursion, before Python hashes it), else an OfficialFormatError."""
    if type(key) in (int, str, float, bytes, bool) or key is None:
        return key
    level = [key]
    for _ in range(MAX_KEY_DEPTH):
        level = [x for obj in level if isinstance(obj, (tuple, frozenset)) for x in obj]
        if not level:
            return key
    raise OfficialFormatError(f"{source}: a dict key or set member nested more than {MAX_KEY_DEPTH} deep; "
                              "the official files use flat keys such as ('cifar10', 777)")


class _DepthCheckedUnpickler(pickle._Unpickler):  # type: ignore[name-defined]  # the pure-Python unpickler (its dispatch table is what we bound); typeshed omits it
    """The pure-Python unpickler, restricted as :class:`RestrictedUnpickler` and checking the
    depth of every dict key / set member before hashing it (for streams too large to prove
    shallow by counting opcodes)."""

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]  # see the class line: not in typeshed

    def __init__(self, file, source: str = "file"):
        super().__init__(file)
        self._source = source

    find_class = RestrictedUnpickler.find_class
    persistent_load = RestrictedUnpickler.persistent_load

    def _setitems(self):
        items = self.pop_mark()
        target = self.stack[-1]
        for i in range(0, len(items), 2):
            target[_shallow(items[i], self._source)] = items[i + 1]

    def _setitem(self):
        value = self.stack.pop()
        key = self.stack.pop()
        self.stack[-1][_shallow(key, self._source)] = value

    def _additems(self):
        items = self.pop_mark()
        target = self.stack[-1]
        for item in items:
            target.add(_shallow(item, self._source))

    def _frozenset(self):
        items = self.pop_mark()
        self.append(frozenset(_shallow(x, self._source) for x in items))

    def _reduce(self):
        args = self.stack.pop()
        func = self.stack[-1]
        if func in (set, frozenset):  # set(iterable): check every member before it is hashed
            args = tuple([_shallow(x, self._source) for x in a] if isinstance(a, (list, tuple)) else a
                         for a in args)
        self.stack[-1] = func(*args)

    def _refused(self):
        raise OfficialFormatError(f"{self._source}: NEWOBJ opcode refused (the official files hold plain data)")

    dispatch[pickle.SETITEMS[0]] = _setitems
    dispatch[pickle.SETITEM[0]] = _setitem
    dispatch[pickle.ADDITEMS[0]] = _additems
    dispatch[pickle.FROZENSET[0]] = _frozenset
    dispatch[pickle.REDUCE[0]] = _reduce
    dispatch[pickle.NEWOBJ[0]] = _refused
    dispatch[pickle.NEWOBJ_EX[0]] = _refused


def load_bz2_pickle(path: str | Path):
    """A NATS-Bench ``*.pickle.pbz2`` file (bz2-compressed pickle), read restrictedly."""
    path = Path(path)
    return loads(read_bz2(path), str(path))


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _zip_member(archive: zipfile.ZipFile, path: Path) -> bytes:
    """The bytes of the single ``*/data.pkl`` member, bounded before and while inflating."""
    infos = [i for i in archive.infolist() if i.filename.endswith("/data.pkl") or i.filename == "data.pkl"]
    if len(infos) != 1:
        raise OfficialFormatError(f"{path}: a zip file without exactly one data.pkl; not a torch.save file")
    info = infos[0]
    limit = info.compress_size if info.compress_type == zipfile.ZIP_STORED else expansion_limit(info.compress_size)
    if info.file_size > limit:
        raise _too_big(path, limit, f"member {info.filename}")
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise _too_big(path, limit, f"member {info.filename}")
    return data


def load_torch_file(path: str | Path):
    """The object a ``torch.save`` file holds, for files without tensors, without torch.

    Zip format: the single ``*/data.pkl`` member (inflated within :func:`expansion_limit`).
    Legacy format: magic number, protocol version and system info, then the object (each a
    pickle). Only a regular file is opened.
    """
    path = Path(path)
    with open_regular(path) as fh:
        if zipfile.is_zipfile(fh):
            fh.seek(0)
            try:
                with zipfile.ZipFile(fh) as archive:
                    data = _zip_member(archive, path)
            except OfficialFormatError:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                raise OfficialFormatError(f"{path}: corrupt zip file ({type(exc).__name__}: {exc})") from None
            return loads(data, str(path))
        fh.seek(0)
        data = fh.read()
    stream = io.BytesIO(data)
    try:
        magic = RestrictedUnpickler(stream, str(path)).load()
    except Exception:
        magic = None
    if magic != _LEGACY_MAGIC:
        raise OfficialFormatError(
            f"{path}: not a torch.save file (neither zip format nor the legacy magic number)"
        )
    try:
        RestrictedUnpickler(stream, str(path)).load()  # protocol version
        RestrictedUnpickler(stream, str(path)).load()  # system info (a dict)
    except OfficialFormatError:
        raise
    except Exception as exc:
        raise OfficialFormatError(f"{path}: truncated or corrupt torch file ({type(exc).__name__}: {exc})") from None
    return loads(data[stream.tell():], str(path))
