"""Time per architecture: raw string -> canonical architecture -> validation accuracy on Cora.

Compares, in one process and over the same random raw strings (any of the 24 link patterns x
9^4 op tuples, all-skip excluded):

(a) official: ``Arch(links, ops).valid_hash()`` then ``bench[hash]['valid_perf']`` on the
    ``light_read('cora')`` dict, with the string parsed to (links, ops) in Python (and without,
    on pre-parsed lists);
(b) ours: ``NBGraphSpace.from_str(s)`` then ``valid[id]`` on a numpy array built from the same
    dict, one string at a time (parse included); plus the batch paths ``from_strs(list)`` (parse
    included) and ``from_decisions(array)`` (pre-parsed), each followed by one vectorised read.

Usage: ``python reproduce/perf/nbgraph_string_lookup.py [--n 20000] [--repeats 3] [--seed 0]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from nasbench.spaces.nbgraph import OPS, NBGraphSpace
from reproduce.perf._targets import check, finish


def random_raw(rng: np.random.Generator, n: int) -> tuple[list[list[int]], list[list[str]]]:
    """``n`` random raw (links, ops): node i reads any earlier node, any op, not all skip."""
    links: list[list[int]] = []
    ops: list[list[str]] = []
    while len(links) < n:
        link = [int(rng.integers(i + 1)) for i in range(4)]
        op = [OPS[int(k)] for k in rng.integers(len(OPS), size=4)]
        if set(op) != {"skip"}:
            links.append(link)
            ops.append(op)
    return links, ops


def parse_official(text: str) -> tuple[list[int], list[str]]:
    """``op@input,...`` -> (links, ops) for the official ``Arch``."""
    items = [item.split("@") for item in text.split(",")]
    return [int(inp) for _, inp in items], [op for op, _ in items]


def best_time(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Best wall time of ``repeats`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from nas_bench_graph.architecture import Arch
    from nas_bench_graph.readbench import light_read

    import nasbench

    product = nasbench.load("nbgraph/cora")  # the product path: Benchmark.query(string, metric)
    product.query("gcn@0,gin@1,fc@2,cheb@1", "valid_acc")
    bench = light_read("cora")
    start = time.perf_counter()
    space = NBGraphSpace()
    build_s = time.perf_counter() - start
    keys = np.fromiter(bench, dtype=np.int64, count=len(bench))
    valid = np.empty(space.size)
    valid[space.from_official_hash(keys)] = [bench[k]["valid_perf"] for k in keys.tolist()]

    links, ops = random_raw(np.random.default_rng(args.seed), args.n)
    texts = [",".join(f"{o}@{l}" for l, o in zip(lk, op)) for lk, op in zip(links, ops)]
    decisions = np.array([lk[1:] + [OPS.index(o) for o in op] for lk, op in zip(links, ops)])

    paths: list[tuple[str, Callable[[], object]]] = [
        (
            "(a) official, parse + Arch.valid_hash + dict",
            lambda: [bench[Arch(*parse_official(t)).valid_hash()]["valid_perf"] for t in texts],
        ),
        (
            "(a) official, pre-parsed: Arch.valid_hash + dict",
            lambda: [bench[Arch(lk, op).valid_hash()]["valid_perf"] for lk, op in zip(links, ops)],
        ),
        (
            "(b) ours, from_str + valid[id]  (per string)",
            lambda: [valid[space.from_str(t)] for t in texts],
        ),
        (
            "(b) ours, Benchmark.query(string, 'valid_acc')  (per string)",
            lambda: [product.query(t, "valid_acc") for t in texts],
        ),
        ("(b) ours, from_strs(list) + valid[ids]  (batch)", lambda: valid[space.from_strs(texts)]),
        (
            "(b) ours, pre-parsed: from_decisions + valid[ids]  (batch)",
            lambda: valid[space.from_decisions(decisions)],
        ),
    ]
    timings = []
    results = []
    for label, fn in paths:
        seconds, values = best_time(fn, args.repeats)
        timings.append((label, 1e6 * seconds / args.n))
        results.append(np.asarray(values, dtype=float))
    assert all(np.allclose(results[0], r / (100 if r.mean() > 1.5 else 1), rtol=1e-6) for r in results[1:]), "paths disagree"

    print(
        f"NAS-Bench-Graph string -> Cora valid_perf, {args.n} random raw strings, "
        f"best of {args.repeats}"
    )
    print(
        f"NBGraphSpace build (raw lookup table, {space.size} ids): {1e3 * build_s:.1f} ms, "
        "once per process"
    )
    print(f"{'path':60s} {'us/arch':>9s} {'vs (a) parse':>13s} {'vs (a) pre-parsed':>18s}")
    ref_parse, ref_pre = timings[0][1], timings[1][1]
    for label, us in timings:
        print(f"{label:60s} {us:9.3f} {ref_parse / us:12.1f}x {ref_pre / us:17.1f}x")
    print("all paths returned identical validation accuracies")
    ours = dict(timings)["(b) ours, Benchmark.query(string, 'valid_acc')  (per string)"]
    print(f"Benchmark.query(string) vs the official path: {ref_parse / ours:.1f}x "
          f"{check('one-string query speed-up over the official path', ref_parse / ours, 10.0, 'x', higher_is_better=True)}")
    finish()


if __name__ == "__main__":
    main()
