"""``ltsc-bench leaderboard DIR [--format ...] [--metrics ...]``: re-render the leaderboard of a run from its records."""

from __future__ import annotations


def add_parser(sub, name):
    from ..tables import FORMATS

    p = sub.add_parser(name, help="print the leaderboard of a run directory from its records")
    p.add_argument("directory", metavar="DIR", help="the --output directory of an `ltsc-bench run`")
    p.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default markdown)")
    p.add_argument("--metrics", nargs="+", metavar="METRIC", default=[],
                   help="further registered metrics to add as columns (see `ltsc-bench list metrics`)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..leaderboard import render, rows_from_dir

    metrics = tuple(args.metrics)
    print(render(rows_from_dir(args.directory, metrics), args.format, metrics))
    return 0
