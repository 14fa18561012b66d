"""Quality check: RS, REA and REINFORCE on nb201/cifar10 against the NAS-Bench-201 paper.

Protocol (Dong & Yang, ICLR 2020, Sec. 5 / Table 5): search signal = 12-epoch validation
accuracy, charged the simulated time of 12 epochs, 12000 s budget, 500 runs; report the
200-epoch validation (mean over seeds) and test accuracy of the final incumbent.

Usage: ``python reproduce/checks/nb201_search_quality.py [--seeds 500] [--budget 12000s]``
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import nasbench
from strategies.runner import RunSpec, run_one

PUBLISHED = {  # C10 valid, C10 test (mean, std), NAS-Bench-201 paper Table 5
    "rs": ((90.93, 0.36), (93.70, 0.36)),
    "re": ((91.19, 0.31), (93.92, 0.30)),
    "reinforce": ((91.09, 0.37), (93.85, 0.37)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--budget", default="12000s")
    args = parser.parse_args()
    bench = nasbench.load("nb201/cifar10")
    print(f"nb201/cifar10, signal {bench.default_signal()}, budget {args.budget}, {args.seeds} seeds, noise per-trial")
    print(f"{'strategy':<10} {'queries':>8} {'valid@200 ours':>16} {'paper':>13} {'diff':>6}"
          f" {'test@200 ours':>15} {'paper':>13} {'diff':>6}  wall")
    for name, ((pv, psv), (pt, pst)) in PUBLISHED.items():
        start = time.perf_counter()
        finals = [run_one(RunSpec("nb201/cifar10", name, seed, args.budget)).final() for seed in range(args.seeds)]
        wall = time.perf_counter() - start
        valid = np.array([f["incumbent_valid"] for f in finals])
        test = np.array([f["incumbent_test"] for f in finals])
        queries = np.mean([f["queries"] for f in finals])
        print(
            f"{name:<10} {queries:8.1f} {valid.mean():8.2f} +/- {valid.std():4.2f}"
            f" {pv:6.2f} +/- {psv:4.2f} {valid.mean() - pv:+6.2f}"
            f" {test.mean():7.2f} +/- {test.std():4.2f} {pt:6.2f} +/- {pst:4.2f} {test.mean() - pt:+6.2f}  {wall:.1f}s"
        )


if __name__ == "__main__":
    main()
