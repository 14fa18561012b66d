"""Targets of the perf scripts: each figure is checked against its target and a miss is flagged.

``check(...)`` prints ``ok`` or ``OVER TARGET`` after the figure and remembers misses;
``exit_status()`` at the end of a script returns 1 when any figure missed (``make perf`` then
lists the misses and fails), so a regression is not a number that someone has to compare by eye.
"""
from __future__ import annotations

import sys

_MISSES: list[str] = []


def check(label: str, value: float, target: float, unit: str = "", *, higher_is_better: bool = False) -> str:
    """``"ok (target < 5 s)"`` or ``"OVER TARGET (target < 5 s)"``; misses are remembered."""
    ok = value >= target if higher_is_better else value <= target
    rule = f"target {'>=' if higher_is_better else '<='} {target:g}{unit}"
    if not ok:
        _MISSES.append(f"{label}: {value:.3g}{unit} ({rule})")
    return f"ok ({rule})" if ok else f"OVER TARGET ({rule})"


def misses() -> list[str]:
    """The figures that missed their target so far."""
    return list(_MISSES)


def _report() -> None:
    if _MISSES:
        print(f"\n{len(_MISSES)} figure(s) over target:", *(f"  - {m}" for m in _MISSES), sep="\n", file=sys.stderr)


def finish() -> None:
    """Print the misses (if any) and exit 1 when a figure missed its target."""
    _report()
    if _MISSES:
        raise SystemExit(1)




# ----- targets of reproduce/perf/batched_engine.py (issue 24: the batched engine) ------------------
#: 500 REA runs on nb201/cifar10 (12000 s budget), batched, in a fresh process: start-up included
BATCHED_REA_NB201_500_S = 0.8
#: 100 seeds x 500 queries of RE on nbgraph/cora, batched (the issue's numpy sketch: 10 ms)
BATCHED_RE_CORA_100X500_S = 0.5
#: the batched engine's speed-up over the loop on the main job's rs / re / reinforce runs
BATCHED_MIN_RATIO = 5.0
