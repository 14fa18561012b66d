"""Run ``nasbench predictors`` without the CLI wiring (the lead wires reproduce/cli.py).

    python reproduce/perf/predictor_eval.py --benchmark nb201/cifar10 --predictors rf,gp --trials 20 --out DIR
"""
from __future__ import annotations

import argparse
import sys

from reproduce.commands import predictors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="predictor_eval")
    sub = ap.add_subparsers(dest="command", required=True)
    predictors.add_parsers(sub)
    args = ap.parse_args(["predictors", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
