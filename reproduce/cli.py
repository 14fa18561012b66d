"""The ``nasbench`` command line: one entry point that drives everything.

User mistakes (any :class:`nasbench.errors.NasbenchError`) print one line on stderr and exit
with status 2; no traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from nasbench.errors import NasbenchError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        self.exit(2, f"nasbench: error: {message} (see `nasbench --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand."""
    from nasbench import __version__
    from reproduce.commands import analyze, bench, live, oneshot, predictors, reproduce, run

    parser = _Parser(prog="nasbench", description="NAS benchmarks, search strategies and reproductions")
    parser.add_argument("--version", action="version", version=f"nasbench-harness {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    bench.add_parsers(sub)
    run.add_parsers(sub)
    oneshot.add_parsers(sub)
    reproduce.add_parsers(sub)
    predictors.add_parsers(sub)
    live.add_parsers(sub)
    analyze.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    for stream in (sys.stdout, sys.stderr):  # a path with bytes that are not UTF-8 prints as \xNN, never raises
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if os.getcwd() not in sys.path:  # `--strategy mymodule:MyStrategy` from the current folder, as `python -m`
        sys.path.append(os.getcwd())
    args.argv = list(sys.argv[1:] if argv is None else argv)  # the exact command, for command.json
    try:
        return int(args.func(args) or 0)
    except NasbenchError as exc:
        print(f"nasbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nasbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
