"""``ltsc-bench leaderboard DIR... [--format ...] [--metrics ...] [--plot FILE]``: the leaderboard of one or more
runs (or published results folders) from their records; duplicate cells are reported and counted once."""

from __future__ import annotations

import sys


def add_parser(sub, name):
    from ..results.tables import FORMATS

    p = sub.add_parser(
        name, help="print the leaderboard of run directories or published results folders from their records"
    )
    p.add_argument(
        "directories",
        nargs="+",
        metavar="DIR",
        help="the --output directory of an `ltsc-bench run` or a folder written by `ltsc-bench publish`; "
        "several are merged (a cell and example present twice is counted once, and reported)",
    )
    p.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default markdown)")
    p.add_argument(
        "--metrics",
        nargs="+",
        metavar="METRIC",
        default=[],
        help="further registered metrics to add as columns (see `ltsc-bench list metrics`)",
    )
    p.add_argument(
        "--plot",
        metavar="FILE",
        help="also draw accuracy against attention-compute reduction per task "
        "(Pareto front, 95%% CI error bars, lossless vs lossy); .png or .svg",
    )
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..results.leaderboard import render, rows_from_dirs
    from ..results.plots import check_plot_path, leaderboard_plot

    if args.plot:
        check_plot_path(args.plot)
    metrics = tuple(args.metrics)
    rows = rows_from_dirs(args.directories, metrics, notify=lambda msg: print(f"ltsc-bench: {msg}", file=sys.stderr))
    print(render(rows, args.format, metrics))
    if args.plot:
        leaderboard_plot(rows, args.plot)
        print(f"ltsc-bench: plot written to {args.plot}", file=sys.stderr)
    return 0
