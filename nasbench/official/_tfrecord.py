"""TFRecord files and the NAS-Bench-101 ``ModelMetrics`` protobuf without TensorFlow or protobuf.

TFRecord framing (TensorFlow's ``core/lib/io/record_writer``), repeated to the end of file::

    uint64 length            little endian
    uint32 masked_crc32c(length bytes)
    byte   data[length]
    uint32 masked_crc32c(data)

``masked_crc32c(x) = ((c >> 15) | (c << 17)) + 0xa282ead8 (mod 2^32)`` with ``c`` the CRC-32C
(Castagnoli, reflected polynomial 0x82F63B78) of ``x``. :func:`read_records` streams a file in
bounded memory (1 MiB reads, batches of records) and checks both CRCs of every record; the data
CRCs of a batch are computed together with numpy (one table lookup per byte position across the
batch). A bad CRC or a truncated record is a :class:`CorruptRecordError` naming its byte offset.

``ModelMetrics`` (``nasbench/lib/model_metrics.proto``, proto2)::

    ModelMetrics   1: repeated EvaluationData evaluation_data   2: int32 trainable_parameters
                   3: double total_time
    EvaluationData 1: double current_epoch   2: double training_time   3: double train_accuracy
                   4: double validation_accuracy   5: double test_accuracy   6: string checkpoint_path

:func:`decode_model_metrics` reads that wire format (unknown fields skipped);
:func:`encode_model_metrics` writes it (for tests and synthetic files).
"""
from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from nasbench.errors import TableIntegrityError

#: longest record :func:`read_records` accepts by default (a length above it is refused
#: before anything is read or allocated for it)
MAX_RECORD = 64 << 20
#: a batch of records is CRC-checked together in a ``[records, longest]`` byte matrix; it is
#: flushed before that matrix would pass this many bytes (one longer record goes alone)
BATCH_BYTES = 8 << 20

_POLY = 0x82F63B78
_MASK_DELTA = 0xA282EAD8


class CorruptRecordError(TableIntegrityError):
    """A TFRecord whose CRC fails or that is cut short; names the file and the byte offset."""


def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        table[i] = c
    return table


_TABLE = _crc_table()
_TABLE_LIST = _TABLE.tolist()


def crc32c(data: bytes) -> int:
    """CRC-32C of ``data`` (pure Python; ``crc32c(b"123456789") == 0xE3069283``)."""
    crc = 0xFFFFFFFF
    table = _TABLE_LIST
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask(crc: int) -> int:
    """TFRecord's masked CRC."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def crc32c_batch(chunks: Sequence[bytes]) -> np.ndarray:
    """CRC-32C of each byte string (uint32 array), computed column by column over the batch."""
    n = len(chunks)
    lengths = np.fromiter((len(c) for c in chunks), dtype=np.int64, count=n)
    width = int(lengths.max()) if n else 0
    buf = np.zeros((n, width), dtype=np.uint8)
    flat = np.frombuffer(b"".join(chunks), dtype=np.uint8)
    rows = np.repeat(np.arange(n), lengths)
    starts = np.cumsum(lengths) - lengths
    cols = np.arange(len(flat)) - np.repeat(starts, lengths)
    buf[rows, cols] = flat
    crc = np.full(n, 0xFFFFFFFF, dtype=np.uint32)
    # process the common prefix for all rows, then only rows still running
    order = np.argsort(lengths)
    buf, lengths_sorted = buf[order], lengths[order]
    start_row = 0
    for p in range(width):
        while start_row < n and lengths_sorted[start_row] <= p:
            start_row += 1
        live = crc[start_row:]
        live[:] = _TABLE[(live ^ buf[start_row:, p]) & 0xFF] ^ (live >> 8)
    out = np.empty(n, dtype=np.uint32)
    out[order] = crc ^ np.uint32(0xFFFFFFFF)
    return out


def mask_array(crc: np.ndarray) -> np.ndarray:
    """:func:`mask` of a uint32 array."""
    crc = crc.astype(np.uint64)
    return (((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF).astype(np.uint32)


# ----- files ---------------------------------------------------------------------------------
def frame(data: bytes) -> bytes:
    """One TFRecord (header, data, footer)."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", mask(crc32c(header))) + data + struct.pack("<I", mask(crc32c(data)))


def write_records(path: str | Path, records: Sequence[bytes]) -> Path:
    """Write ``records`` as a TFRecord file (what ``tf.io.TFRecordWriter`` writes)."""
    path = Path(path)
    with open(path, "wb") as fh:
        for data in records:
            fh.write(frame(data))
    return path


def read_records(path: str | Path, *, batch: int = 4096, on_bytes=None,
                 max_record: int = MAX_RECORD) -> Iterator[tuple[int, bytes]]:
    """``(offset, data)`` of every record of a TFRecord file, CRCs checked, in file order.

    Reads 1 MiB at a time and holds at most ``batch`` records whose CRC matrix (records x
    longest record) stays under :data:`BATCH_BYTES`, so memory is bounded by a few MiB plus
    one record; a record announcing more than ``max_record`` bytes is a CorruptRecordError
    before it is read. Only a regular file is opened. ``on_bytes(chunk)`` sees every byte read
    (e.g. to compute the file's sha256 on the way).
    """
    from nasbench.official._pickles import OfficialFormatError, open_regular

    path = Path(path)
    pending: list[tuple[int, bytes, int]] = []  # offset, data, stored masked crc
    widest = 0
    try:
        fh = open_regular(path)
    except OfficialFormatError as exc:
        raise CorruptRecordError(str(exc)) from None
    with fh:
        buf = bytearray()
        base = 0  # file offset of buf[0]
        eof = False

        def fill(need: int) -> bool:
            nonlocal eof
            while len(buf) < need and not eof:
                chunk = fh.read(1 << 20)
                if not chunk:
                    eof = True
                    break
                if on_bytes is not None:
                    on_bytes(chunk)
                buf.extend(chunk)
            return len(buf) >= need

        pos = 0
        while True:
            if pos > (1 << 20):
                del buf[:pos]
                base += pos
                pos = 0
            if not fill(pos + 12):
                if len(buf) > pos:
                    raise CorruptRecordError(
                        f"{path}: truncated record header at byte {base + pos} ({len(buf) - pos} of 12 bytes); "
                        "the file is cut short: download it again"
                    )
                break
            header = bytes(buf[pos : pos + 8])
            (length,) = struct.unpack("<Q", header)
            (stored,) = struct.unpack("<I", buf[pos + 8 : pos + 12])
            if mask(crc32c(header)) != stored:
                raise CorruptRecordError(
                    f"{path}: record at byte {base + pos} has a bad length CRC (not a TFRecord file, or corrupt); "
                    "download it again"
                )
            if length > max_record:
                raise CorruptRecordError(
                    f"{path}: record at byte {base + pos} announces {length:,} data bytes; at most "
                    f"{max_record:,} are accepted (not a file of this benchmark, or corrupt)"
                )
            end = pos + 12 + length + 4
            if not fill(end):
                raise CorruptRecordError(
                    f"{path}: record at byte {base + pos} is truncated ({length} data bytes announced); "
                    "the file is cut short: download it again"
                )
            data = bytes(buf[pos + 12 : pos + 12 + length])
            (data_crc,) = struct.unpack("<I", buf[end - 4 : end])
            if pending and (len(pending) + 1) * max(widest, length) > BATCH_BYTES:
                yield from _checked(path, pending)  # the CRC matrix would grow past BATCH_BYTES
                pending, widest = [], 0
            pending.append((base + pos, data, data_crc))
            widest = max(widest, length)
            pos = end
            if len(pending) >= batch:
                yield from _checked(path, pending)
                pending, widest = [], 0
    if pending:
        yield from _checked(path, pending)


def _checked(path: Path, pending: list[tuple[int, bytes, int]]) -> Iterator[tuple[int, bytes]]:
    computed = mask_array(crc32c_batch([d for _, d, _ in pending]))
    stored = np.fromiter((c for _, _, c in pending), dtype=np.uint32, count=len(pending))
    bad = np.flatnonzero(computed != stored)
    if len(bad):
        offset = pending[int(bad[0])][0]
        raise CorruptRecordError(
            f"{path}: record at byte {offset} fails its data CRC-32C check (corrupt file); download it again"
        )
    for offset, data, _ in pending:
        yield offset, data


# ----- protobuf ------------------------------------------------------------------------------
EVAL_FIELDS = {1: "current_epoch", 2: "training_time", 3: "train_accuracy", 4: "validation_accuracy",
               5: "test_accuracy"}
_DOUBLE = struct.Struct("<d")
#: EvaluationData as protobuf writes it: fields 1..5, each a key byte and a double
_FIVE = struct.Struct("<BdBdBdBdBd")
_FIVE_KEYS = (0x09, 0x11, 0x19, 0x21, 0x29)


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(buf: bytes) -> Iterator[tuple[int, int, object]]:
    """``(field number, wire type, value)`` of a message: int for varints, bytes otherwise."""
    pos, n = 0, len(buf)
    while pos < n:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos : pos + 8], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire} (field {number})")
        if pos > n:
            raise ValueError(f"field {number} runs past the end of the message")
        yield number, wire, value


def decode_model_metrics(buf: bytes) -> dict:
    """``{"evaluation_data": [{current_epoch, training_time, train_accuracy,
    validation_accuracy, test_accuracy, checkpoint_path}], "trainable_parameters", "total_time"}``
    of a serialized ``ModelMetrics``; ValueError for malformed bytes."""
    out: dict = {"evaluation_data": [], "trainable_parameters": None, "total_time": None}
    for number, wire, value in _fields(buf):
        if number == 1 and wire == 2:
            if len(value) >= 45 and bytes(value[0:45:9]) == bytes(_FIVE_KEYS) and (
                    len(value) == 45 or value[45] == 0x32):  # fast path: the official layout
                v = _FIVE.unpack_from(value)
                ev = dict(zip(EVAL_FIELDS.values(), v[1::2]))
                ev["checkpoint_path"] = ""
                if len(value) > 45:
                    for n2, w2, v2 in _fields(value[45:]):
                        if n2 == 6 and w2 == 2:
                            ev["checkpoint_path"] = bytes(v2).decode("utf-8", errors="replace")
                out["evaluation_data"].append(ev)
                continue
            ev = {name: float("nan") for name in EVAL_FIELDS.values()}
            ev["checkpoint_path"] = ""
            for n2, w2, v2 in _fields(value):
                if n2 in EVAL_FIELDS and w2 == 1:
                    ev[EVAL_FIELDS[n2]] = _DOUBLE.unpack(v2)[0]
                elif n2 == 6 and w2 == 2:
                    ev["checkpoint_path"] = bytes(v2).decode("utf-8", errors="replace")
            out["evaluation_data"].append(ev)
        elif number == 2 and wire == 0:
            value = value - (1 << 64) if value >= 1 << 63 else value  # int32 negatives are 10-byte varints
            out["trainable_parameters"] = int(value)
        elif number == 3 and wire == 1:
            out["total_time"] = _DOUBLE.unpack(value)[0]
    return out


def _encode_varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _encode_varint(number << 3 | wire)


def encode_model_metrics(evaluation_data: Sequence[dict], trainable_parameters: int | None = None,
                         total_time: float | None = None) -> bytes:
    """Serialize a ``ModelMetrics`` (fields in number order, as protobuf writes them)."""
    out = bytearray()
    for ev in evaluation_data:
        inner = bytearray()
        for number, name in EVAL_FIELDS.items():
            if ev.get(name) is not None:
                inner += _key(number, 1) + _DOUBLE.pack(float(ev[name]))
        if ev.get("checkpoint_path"):
            path = ev["checkpoint_path"].encode()
            inner += _key(6, 2) + _encode_varint(len(path)) + path
        out += _key(1, 2) + _encode_varint(len(inner)) + inner
    if trainable_parameters is not None:
        out += _key(2, 0) + _encode_varint(int(trainable_parameters))
    if total_time is not None:
        out += _key(3, 1) + _DOUBLE.pack(float(total_time))
    return bytes(out)
