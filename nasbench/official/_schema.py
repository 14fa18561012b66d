"""Typed, bounded reading of the fields of an untrusted official file.

An official file is data from outside: every field an importer uses is read through
:class:`Fields`, which checks its type and range *before* anything is allocated from it and
raises :class:`ImportFieldError` naming the file, the field, what is allowed and (shortly)
the value found. Values are never echoed in full: :func:`echo` prints a scalar's repr cut
to 60 characters and a container's type and size only (a hostile container can be huge or
nested too deep for ``repr``).

Bounds (docs/hostile-input.md): epochs 1 .. :data:`MAX_EPOCHS`, seeds 0 .. 2**31 - 1, metric
values finite within float32's range (NaN = not measured), containers of at most
:data:`MAX_ITEMS` entries where the format has per-epoch or per-run lists.
"""
from __future__ import annotations

import math
from typing import Any

from nasbench.official._pickles import OfficialFormatError

#: the most training epochs a schedule of an imported file may have (NB201: 200, NATS-sss: 90)
MAX_EPOCHS = 1000
#: seeds are 32-bit non-negative integers in every official file (777, 888, 999, ...)
MAX_SEED = 2**31 - 1
#: largest magnitude a float32 table value can hold
FLOAT32_MAX = 3.4028234663852886e38
#: most entries of one per-run container (runs of an architecture, latency measurements)
MAX_ITEMS = 100_000


class ImportFieldError(OfficialFormatError):
    """A field of an official file with the wrong type or outside its allowed range; names the
    file, the field and what is allowed, and echoes the value found."""


def echo(value: Any) -> str:
    """A short, safe description of ``value`` for an error message (never a full repr)."""
    if isinstance(value, (bool, int)) and not isinstance(value, bool) and abs(value) > 10**30:
        return f"an int of {value.bit_length()} bits"
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, (str, bytes)):
        text = repr(value[:60])
        return text + (f"... ({len(value)} characters)" if len(value) > 60 else "")
    if isinstance(value, tuple) and len(value) <= 4 and all(
            x is None or isinstance(x, (bool, int, float, str)) for x in value):
        return "(" + ", ".join(echo(x) for x in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


class Fields:
    """Readers of typed, bounded fields of one source file; every failure names ``source``."""

    def __init__(self, source: object) -> None:
        self.source = str(source)

    def fail(self, field: str, allowed: str, value: Any) -> ImportFieldError:
        """The error for ``field`` (to raise): what is allowed and what was found."""
        return ImportFieldError(f"{self.source}: {field} must be {allowed}; got {echo(value)}")

    def integer(self, value: Any, field: str, lo: int, hi: int) -> int:
        """``value`` as an int in ``lo .. hi`` (bools, floats and strings are refused)."""
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise self.fail(field, f"a whole number in {lo} .. {hi}", value)
        return int(value)

    def number(self, value: Any, field: str, *, nan: bool = True, lo: float = -FLOAT32_MAX,
               hi: float = FLOAT32_MAX) -> float:
        """``value`` as a float in ``lo .. hi`` (float32's range by default); NaN passes when
        ``nan`` (it means "not measured"); infinities, strings, None and bools are refused."""
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and isinstance(value, int):
            ok = lo <= value <= hi  # compared as ints: no OverflowError for 10**400
        elif ok:
            ok = (nan and math.isnan(value)) or lo <= value <= hi
        if not ok:
            what = f"a number in {lo:g} .. {hi:g}" + (" (or NaN)" if nan else "")
            raise self.fail(field, what, value)
        return float(value)

    def optional_number(self, value: Any, field: str, **bounds) -> float:
        """:meth:`number`, with None read as NaN (a value the file does not have)."""
        return math.nan if value is None else self.number(value, field, **bounds)

    def text(self, value: Any, field: str, max_len: int = 1000) -> str:
        """``value`` as a str of at most ``max_len`` characters."""
        if not isinstance(value, str) or len(value) > max_len:
            raise self.fail(field, f"a string of at most {max_len} characters", value)
        return value

    def mapping(self, value: Any, field: str, max_items: int = MAX_ITEMS) -> dict:
        """``value`` as a dict of at most ``max_items`` entries."""
        if not isinstance(value, dict) or len(value) > max_items:
            raise self.fail(field, f"a dict of at most {max_items:,} entries", value)
        return value

    def sequence(self, value: Any, field: str, max_items: int = MAX_ITEMS) -> list | tuple:
        """``value`` as a list or tuple of at most ``max_items`` entries."""
        if not isinstance(value, (list, tuple)) or len(value) > max_items:
            raise self.fail(field, f"a list of at most {max_items:,} entries", value)
        return value

    def run_key(self, key: Any, field: str) -> tuple[str, int]:
        """An ``all_results`` key: the tuple ``(dataset, seed)``."""
        if not isinstance(key, tuple) or len(key) != 2:
            raise self.fail(f"{field} key", "a (dataset, seed) tuple such as ('cifar10-valid', 777)", key)
        return (self.text(key[0], f"{field} key {echo(key)}: the dataset", 100),
                self.integer(key[1], f"{field} key {echo(key)}: the seed", 0, MAX_SEED))


__all__ = ["FLOAT32_MAX", "Fields", "ImportFieldError", "MAX_EPOCHS", "MAX_ITEMS", "MAX_SEED", "echo"]
