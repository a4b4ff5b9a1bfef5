"""The ``ltsc-bench`` command line.

Each subcommand lives in its own module exposing ``add_parser(subparsers)`` and
``run(args) -> int``. User errors (:class:`HarnessError`) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import HarnessError

# subcommand name -> module (imported lazily so `ltsc-bench list` stays fast)
COMMANDS = {
    "list": "harness.cli.list_cmd",
    "compress": "harness.cli.compress_cmd",
    "stats": "harness.cli.stats_cmd",
    "run": "harness.cli.run_cmd",
    "leaderboard": "harness.cli.leaderboard_cmd",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ltsc-bench", description="Benchmark lossless and lossy token-sequence compression in front of LLMs.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in COMMANDS.items():
        importlib.import_module(module).add_parser(sub, name)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except HarnessError as exc:
        print(f"ltsc-bench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ltsc-bench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
