"""``ltsc-bench compare BASE NEW``: the regression gate. Exit 0: no regression; 1: regression (the diff table
says where); 2: bad input (unreadable folders, unmatched cells: listed)."""

from __future__ import annotations

import sys


def add_parser(sub, name):
    p = sub.add_parser(name, help="regression gate: compare two runs (or published results folders) cell by cell; "
                                  "exit 0 ok, 1 regression, 2 bad input")
    p.add_argument("base", metavar="BASE", help="run directory or published results folder: the reference")
    p.add_argument("new", metavar="NEW", help="run directory or published results folder: the candidate")
    p.add_argument("--max-accuracy-drop", type=float, default=0.0, metavar="PTS",
                   help="an accuracy drop is a regression beyond this many percentage points, when significant (default 0)")
    p.add_argument("--min-reduction-ratio", type=float, default=1.0, metavar="R",
                   help="NEW's length reduction must be at least R x BASE's (default 1: it must not fall)")
    p.add_argument("--alpha", type=float, default=0.05, metavar="A",
                   help="significance level of the paired exact McNemar test; the interval is at 1 - A (default 0.05)")
    p.add_argument("--pair", nargs=2, action="append", metavar=("BASE_COMPRESSOR", "NEW_COMPRESSOR"), default=[],
                   help="compare BASE's cells of one compressor with NEW's cells of another (e.g. --pair ltsc my-codec; "
                        "repeatable): only those cells are compared, and BASE and NEW may be the same run")
    p.add_argument("--format", choices=["markdown", "json"], default="markdown", help="output format (default markdown)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..gate import Thresholds, compare_records, parse_pairs, render_comparison
    from ..leaderboard import merge_dirs

    th = Thresholds(args.max_accuracy_drop, args.min_reduction_ratio, args.alpha)
    pairs = parse_pairs(args.pair)
    notify = lambda msg: print(f"ltsc-bench: {msg}", file=sys.stderr)  # noqa: E731
    base, new = merge_dirs([args.base], notify), merge_dirs([args.new], notify)
    rows = compare_records(base, new, th, pairs)
    print(render_comparison(rows, args.format, th))
    return 1 if any(r["regression"] for r in rows) else 0
