"""The one seeds grammar of every command (``run``, ``reproduce``, ``oneshot``, ``analyze``, ...).

* ``N`` — the first N seeds, 0..N-1 (``--seeds 20`` = seeds 0 to 19);
* ``A:B`` — seeds A..B-1 (half-open, as Python's ``range``);
* a comma-separated list of seeds and ranges — exactly those (``3,7,10:20``; ``7,`` is the
  single seed 7).

Seeds are integers in ``[0, MAX_SEED]`` and one command takes at most :data:`MAX_SEEDS` of them
(one result file each); anything else is a typed error that says so before any work.
"""
from __future__ import annotations

from collections.abc import Iterable

from nasbench.errors import NasbenchError

SEEDS_FORM = ("N (the first N seeds: 0..N-1), A:B (seeds A..B-1) or a comma-separated list of seeds and ranges "
              "(3,7,10:20; '7,' is seed 7 alone)")
#: the largest seed (numpy's SeedSequence takes any non-negative integer; 2**63 - 1 keeps ids printable)
MAX_SEED = 2**63 - 1
#: the most seeds one command runs or reports (each is a result file)
MAX_SEEDS = 1_000_000


class SeedsError(NasbenchError):
    """A ``--seeds`` value outside the grammar or the bounds."""


def _int(text: str, original: str) -> int:
    text = text.strip()
    if not text.isdigit():
        raise SeedsError(f"bad --seeds '{original}': '{text}' is not a non-negative integer; use {SEEDS_FORM}")
    value = int(text)
    if value > MAX_SEED:
        raise SeedsError(f"bad --seeds '{original}': {value} is larger than the largest seed {MAX_SEED}")
    return value


def parse_seeds(text: str | int) -> list[int]:
    """The sorted distinct seeds that ``text`` names (see the module docstring).

    Parameters
    ----------
    text : str or int
        A ``--seeds`` value: ``N``, ``A:B`` or a comma-separated list of seeds and ranges.

    Returns
    -------
    list of int
        The seeds it names, sorted ascending, without duplicates.

    Raises
    ------
    SeedsError
        ``text`` is empty or outside the grammar, a range is empty (``A >= B``), a seed is larger
        than :data:`MAX_SEED`, ``N`` is 0, or it names more than :data:`MAX_SEEDS` seeds.
    """
    original = str(text)
    body = original.strip()
    if not body:
        raise SeedsError(f"empty --seeds; use {SEEDS_FORM}")
    if "," not in body and ":" not in body:
        n = _int(body, original)
        if n < 1:
            raise SeedsError(f"--seeds {original}: a number of seeds must be >= 1; use {SEEDS_FORM}")
        if n > MAX_SEEDS:
            raise SeedsError(f"--seeds {original}: at most {MAX_SEEDS:,} seeds per command")
        return list(range(n))
    seeds: set[int] = set()
    for item in body.split(","):
        if not item.strip():
            continue
        if ":" in item:
            lo_text, colon, hi_text = item.partition(":")
            if ":" in hi_text:
                raise SeedsError(f"bad --seeds '{original}': '{item}' has two colons; use {SEEDS_FORM}")
            lo, hi = _int(lo_text, original), _int(hi_text, original)
            if hi <= lo:
                raise SeedsError(f"bad --seeds '{original}': range {item.strip()} is empty (A:B needs A < B)")
            if hi - lo + len(seeds) > MAX_SEEDS:
                raise SeedsError(f"--seeds {original}: at most {MAX_SEEDS:,} seeds per command")
            seeds.update(range(lo, hi))
        else:
            seeds.add(_int(item, original))
        if len(seeds) > MAX_SEEDS:
            raise SeedsError(f"--seeds {original}: at most {MAX_SEEDS:,} seeds per command")
    if not seeds:
        raise SeedsError(f"empty --seeds '{original}'; use {SEEDS_FORM}")
    return sorted(seeds)


def _runs(seeds: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted distinct seeds as maximal runs of consecutive values ``(first, last)``."""
    out: list[tuple[int, int]] = []
    for s in sorted(set(int(v) for v in seeds)):
        if out and s == out[-1][1] + 1:
            out[-1] = (out[-1][0], s)
        else:
            out.append((s, s))
    return out


def seeds_text(seeds: Iterable[int]) -> str:
    """Seeds as compact ranges, as they really are: ``0-2, 4-19`` (``none`` when empty).

    Parameters
    ----------
    seeds : iterable of int
        Seeds in any order (duplicates are ignored).

    Returns
    -------
    str
        Runs of consecutive seeds as ``a-b``, two consecutive seeds as ``a, b`` and a single seed as
        ``a``, joined by ``", "``; ``"none"`` when there are no seeds. For display, not for ``--seeds``
        (see :func:`seeds_arg`).
    """
    runs = _runs(seeds)
    if not runs:
        return "none"
    return ", ".join(f"{a}" if a == b else f"{a}, {b}" if b == a + 1 else f"{a}-{b}" for a, b in runs)


def seeds_arg(seeds: Iterable[int]) -> str:
    """The shortest ``--seeds`` text that names exactly ``seeds``.

    Parameters
    ----------
    seeds : iterable of int
        Seeds in any order (duplicates are ignored).

    Returns
    -------
    str
        ``N`` when the seeds are 0..N-1, else ranges ``A:B`` and single seeds joined by commas
        (a lone single seed ends with a comma, ``7,``); :func:`parse_seeds` reads it back to the
        same seeds.
    """
    values = sorted(set(int(v) for v in seeds))
    if values and values == list(range(len(values))):
        return str(len(values))
    text = ",".join(f"{a}:{b + 1}" if b > a else f"{a}" for a, b in _runs(values))
    return text if ("," in text or ":" in text) else text + ","


__all__ = ["MAX_SEED", "MAX_SEEDS", "SEEDS_FORM", "SeedsError", "parse_seeds", "seeds_arg", "seeds_text"]
