"""Compare every number of two ``summary.json`` files (a report before and after a change).

    python reproduce/checks/compare_summaries.py BEFORE/summary.json AFTER/summary.json

Walks both documents; for every number of BEFORE (a leaf that is an int or a float) at a path
AFTER also has, says whether it is identical (NaN equals NaN). Prints the count of identical
numbers, every difference and every number AFTER lacks, and the keys AFTER adds (first three
levels). Exits 1 when a number differs or is missing, so a refactor of the report layer can be
checked against reports written before it (issue 22: "every number stays the same").
"""
from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from typing import Any


def leaves(obj: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(path, value)`` of every leaf of a JSON document."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from leaves(value, (*path, str(key)))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from leaves(value, (*path, str(i)))
    else:
        yield path, obj


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def compare(before: dict, after: dict) -> tuple[int, list, list, list]:
    """(identical count, differences, numbers missing in ``after``, paths ``after`` adds)."""
    old, new = dict(leaves(before)), dict(leaves(after))
    same, differ, missing = 0, [], []
    for path, value in old.items():
        if not _number(value):
            continue
        if path not in new:
            missing.append((path, value))
            continue
        other = new[path]
        if _number(other) and (value == other or (math.isnan(value) and math.isnan(other))):
            same += 1
        else:
            differ.append((path, value, other))
    added = sorted({"/".join(p[:3]) for p in new if p not in old})
    return same, differ, missing, added


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as fa, open(argv[1], encoding="utf-8") as fb:
        same, differ, missing, added = compare(json.load(fa), json.load(fb))
    print(f"{argv[0]}: {same} numbers identical, {len(differ)} differ, {len(missing)} missing in {argv[1]}")
    for path, a, b in differ:
        print(f"  DIFF {'/'.join(path)}: {a} -> {b}")
    for path, a in missing:
        print(f"  GONE {'/'.join(path)}: {a}")
    if added:
        print(f"  new keys: {', '.join(added[:20])}{' ...' if len(added) > 20 else ''}")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
