"""Table speed and memory, measured side by side with the raw numpy baseline.

Prints:
1. batched query of one metric for 10^6 random ids: ``Table.query`` vs a raw numpy gather
   (``np.take`` and fancy indexing) on the same 1-D float32 array; ratio;
2. time to open each built table (``Table(path)``: checksum + header) and to ``nasbench.load``
   it (space included), in a fresh process per table, median of repeats;
3. resident memory of one process with every shipped table loaded (9 NB-Graph, 3 NB201,
   NAS-Bench-Macro, the NB101 subset) and their validation and test vectors in memory.

Usage: ``python reproduce/perf/table_query.py [--n 1000000] [--repeats 20]``
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

import nasbench
from nasbench.catalog import shipped_table_names
from reproduce.perf._targets import check, finish


def best_of(fn, repeats: int) -> float:
    """Best wall time (s) of ``repeats`` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def batched_query(n: int, repeats: int) -> None:
    bench = nasbench.load("nb201/cifar10")
    table = bench.table
    ids = np.random.default_rng(0).integers(0, table.n_archs, size=n)
    raw = np.ascontiguousarray(table.vector("valid_acc", 200))  # the same array the table gathers from
    assert np.array_equal(table.query(ids, "valid_acc", 200), raw[ids], equal_nan=True)
    t_table = best_of(lambda: table.query(ids, "valid_acc", 200), repeats)
    t_take = best_of(lambda: np.take(raw, ids), repeats)
    t_fancy = best_of(lambda: raw[ids], repeats)
    print(f"1. batched query, {n:,} random ids of nb201/cifar10 valid_acc@200 (best of {repeats}):")
    print(f"   Table.query         {t_table * 1e3:8.3f} ms")
    print(f"   numpy np.take       {t_take * 1e3:8.3f} ms   ratio Table/np.take = {t_table / t_take:.2f}x "
          f"{check('batched query vs np.take', t_table / t_take, 2.0, 'x')}")
    print(f"   numpy raw[ids]      {t_fancy * 1e3:8.3f} ms   ratio Table/raw[ids] = {t_table / t_fancy:.2f}x")


OPEN_SNIPPET = """
import json, sys, time
t0 = time.perf_counter()
from nasbench.table import Table
import nasbench
t1 = time.perf_counter()
path = nasbench.table_path(sys.argv[1])
s = time.perf_counter(); t = Table(path); open_s = time.perf_counter() - s; t.close()
s = time.perf_counter(); b = nasbench.load(sys.argv[1]); load_s = time.perf_counter() - s
print(json.dumps({"open_ms": open_s * 1e3, "load_ms": load_s * 1e3}))
"""


def open_times(repeats: int) -> None:
    print(f"2. opening built tables, fresh process each, median of {repeats}:")
    print(f"   {'benchmark':<22} {'Table(path) ms':>15} {'nasbench.load ms':>17}  file MB")
    worst = 0.0
    for name in shipped_table_names():  # the tables a clone builds (not the nb301 model, not import-only ones)
        nasbench.load(name)  # make sure it is built
        runs = [
            json.loads(subprocess.run([sys.executable, "-c", OPEN_SNIPPET, name],
                                      capture_output=True, text=True, check=True).stdout)
            for _ in range(repeats)
        ]
        open_ms = statistics.median(r["open_ms"] for r in runs)
        load_ms = statistics.median(r["load_ms"] for r in runs)
        worst = max(worst, open_ms)
        size = nasbench.table_path(name).stat().st_size / 2**20
        print(f"   {name:<22} {open_ms:15.2f} {load_ms:17.2f}  {size:6.2f}")
    print(f"   slowest Table open: {worst:.2f} ms {check('slowest table open', worst, 50.0, ' ms')}")


MEMORY_SNIPPET = """
import json
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) / 1024
base = rss()
import nasbench
imported = rss()
from nasbench.catalog import shipped_table_names
benches = [nasbench.load(n) for n in shipped_table_names()]
for b in benches:
    b.table.vector('valid_acc'); b.table.vector('test_acc') if 'test_acc' in b.table.metric_names else None
print(json.dumps({"python_mb": base, "after_import_mb": imported, "all_open_mb": rss()}))
"""


def memory() -> None:
    out = json.loads(subprocess.run([sys.executable, "-c", MEMORY_SNIPPET], capture_output=True, text=True, check=True).stdout)
    print("3. resident memory (VmRSS) of one process:")
    print(f"   bare python {out['python_mb']:.0f} MB, after `import nasbench` {out['after_import_mb']:.0f} MB, "
          f"all tables loaded + valid/test vectors {out['all_open_mb']:.0f} MB "
          f"{check('resident memory, all tables', out['all_open_mb'], 300.0, ' MB')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    batched_query(args.n, args.repeats)
    open_times(max(3, args.repeats // 4))
    memory()
    finish()


if __name__ == "__main__":
    main()
