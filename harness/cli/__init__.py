"""The ``ltsc-bench`` command line.

Each subcommand lives in its own module exposing ``add_parser(subparsers)`` and
``run(args) -> int``. User errors (:class:`HarnessError`) and operating-system errors
(a read-only or full disk) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..core.errors import HarnessError

# subcommand name -> module (imported lazily so `ltsc-bench list` stays fast)
COMMANDS = {
    "list": "harness.cli.list_cmd",
    "compress": "harness.cli.compress_cmd",
    "stats": "harness.cli.stats_cmd",
    "run": "harness.cli.run_cmd",
    "leaderboard": "harness.cli.leaderboard_cmd",
    "compare": "harness.cli.compare_cmd",
    "check": "harness.cli.check_cmd",
    "publish": "harness.cli.publish_cmd",
    "site": "harness.cli.site_cmd",
    "export-lm-eval": "harness.cli.export_lm_eval_cmd",
    "export-model": "harness.cli.export_model_cmd",
    "lm-eval": "harness.cli.lm_eval_cmd",
    "lm-eval-results": "harness.cli.lm_eval_results_cmd",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ltsc-bench", description="Benchmark lossless and lossy token-sequence compression in front of LLMs."
    )
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
    except OSError as exc:  # a read-only mount, a full disk, a vanished file: one line, not a traceback
        print(f"ltsc-bench: error: {os_error(exc)}", file=sys.stderr)
        return 2


def os_error(exc: OSError) -> str:
    """One line for an operating-system error the user can act on (which file, and why)."""
    import errno

    reasons: dict[int | None, str] = {errno.ENOSPC: "the disk is full", errno.EROFS: "the file system is read-only"}
    why = reasons.get(exc.errno)
    why = why or exc.strerror or str(exc) or exc.__class__.__name__
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{why}"


if __name__ == "__main__":
    sys.exit(main())
