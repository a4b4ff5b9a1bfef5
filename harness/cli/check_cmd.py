"""``ltsc-bench check COMPRESSOR``: the compressor contract on any registered compressor (plugins too).
Exit 0: every check holds; 1: a check failed (the table says which and on what input)."""

from __future__ import annotations

import sys


def add_parser(sub, name):
    from ..contract.checks import DEFAULT_EXAMPLES, LONG_TOKENS

    p = sub.add_parser(name, help="contract suite for a compressor: round trip, length, id range, determinism, speed")
    p.add_argument("compressor", metavar="COMPRESSOR", help="a registered compressor spec, e.g. ltsc-opt@max_len=16")
    p.add_argument(
        "--against",
        default="ltsc",
        metavar="COMPRESSOR",
        help="reference compressor for the statistics table (default ltsc; 'none' for none)",
    )
    p.add_argument(
        "--tasks",
        nargs="+",
        metavar="TASK",
        help="tasks whose test prompts are checked (default: every offline task whose data is present)",
    )
    p.add_argument(
        "--examples",
        type=int,
        default=DEFAULT_EXAMPLES,
        metavar="N",
        help=f"test prompts per task (default {DEFAULT_EXAMPLES})",
    )
    p.add_argument("--tokenizer", default="cl100k_base", help="tokenizer name (default cl100k_base)")
    p.add_argument(
        "--long-tokens",
        type=int,
        default=LONG_TOKENS,
        metavar="N",
        help=f"length of the long input of lossless compressors (default {LONG_TOKENS:,}; 0: none)",
    )
    p.add_argument(
        "--format", choices=["markdown", "json"], default="markdown", help="output format (default markdown)"
    )
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..contract.checks import check_compressor
    from .stats_cmd import names

    against = None if args.against.lower() == "none" else args.against
    report = check_compressor(
        args.compressor,
        args.tokenizer,
        against=against,
        tasks=names(args.tasks),
        examples=args.examples,
        long_tokens=args.long_tokens,
        notify=lambda msg: print(f"ltsc-bench: {msg}", file=sys.stderr),
    )
    print(report.render(args.format))
    return 0 if report.passed else 1
