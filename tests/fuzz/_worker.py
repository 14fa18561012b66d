"""Runs N hostile-file cases of one importer target in this process and prints one JSON line
per case, then a summary line with the process's peak memory (:func:`peak_rss_kb`).

``python -m tests.fuzz._worker TARGET SEED N WORKDIR`` (TARGET: see :data:`TARGETS`). Every
case writes its file under WORKDIR, runs the importer against a private ``NASBENCH_HOME`` and
records: ``outcome`` ("typed": an error of ours, "imported": a valid table was written,
"untyped": any other exception: a bug), the error type and first message line, and the files
the case left in ``NASBENCH_HOME`` (an import that failed must leave none).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
import traceback
from pathlib import Path

import numpy as np


def peak_rss_kb() -> int:
    """This process's peak resident memory (KiB): ``VmHWM`` of /proc/self/status where there is
    one (``ru_maxrss`` of ``resource.getrusage`` also counts the memory of the parent the
    process was forked from before its exec: a pytest session of 150 MB), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _listing(home: Path) -> set[str]:
    return {str(p.relative_to(home)) for p in home.rglob("*")}


def _check_table(path: Path) -> str | None:
    """None when the imported table holds only finite-or-NaN float32 values and sane fidelities."""
    from nasbench.official._schema import MAX_EPOCHS
    from nasbench.table import Table

    with Table(path) as table:
        if not (np.all(table.fidelities >= 1) and np.all(table.fidelities <= MAX_EPOCHS)):
            return f"fidelities {table.fidelities[:3]}... outside 1 .. {MAX_EPOCHS}"
        for name in table.metric_names:
            arr = table.array(name)
            if np.isinf(arr).any():
                return f"metric {name} holds inf"
    return None


def main(target: str, seed: int, n: int, workdir: Path) -> None:
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["NASBENCH_HOME"] = str(home)
    from nasbench.errors import NasbenchError
    from nasbench.official import forget_official_import, import_official
    from nasbench.spaces import get_space
    from tests.fuzz import cases

    get_space("nb201")  # the order cache: part of the home before any case
    builder = cases.TARGETS[target]
    rng = np.random.default_rng(seed)
    start_rss = peak_rss_kb()
    for k in range(n):
        case_dir = workdir / f"case{k}"
        case_dir.mkdir()
        bench, path, what = builder(rng, case_dir, k)
        before = _listing(home)
        row = {"case": k, "what": what}
        t0 = time.perf_counter()
        try:
            written = import_official(bench, path)
            row["outcome"] = "imported"
            row["problem"] = _check_table(written)
            forget_official_import(bench)
            get_space.cache_clear()
        except NasbenchError as exc:
            row.update(outcome="typed", type=type(exc).__name__, message=str(exc).splitlines()[0][:300])
        except BaseException as exc:  # noqa: BLE001 - what the suite looks for
            row.update(outcome="untyped", type=type(exc).__name__,
                       message=traceback.format_exception_only(exc)[-1].strip()[:300])
        row["seconds"] = round(time.perf_counter() - t0, 3)
        left = sorted(_listing(home) - before)
        if left:
            row["left"] = left
            for name in left:
                target_path = home / name
                if target_path.is_file():
                    target_path.unlink()
            for name in sorted(left, reverse=True):
                if (home / name).is_dir():
                    shutil.rmtree(home / name, ignore_errors=True)
        shutil.rmtree(case_dir, ignore_errors=True)
        print(json.dumps(row), flush=True)
    peak = peak_rss_kb()
    print(json.dumps({"summary": True, "start_rss_kb": start_rss, "peak_rss_kb": peak}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
