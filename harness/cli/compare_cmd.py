"""``ltsc-bench compare BASE NEW``: the regression gate. Exit 0: no regression; 1: regression (the diff table
says where); 2: bad input (unreadable folders, unmatched cells: listed; out-of-range thresholds; cells whose
example sets differ, unless ``--allow-count-mismatch``: the table shows them as INCOMPARABLE)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def add_parser(sub, name):
    p = sub.add_parser(
        name,
        help="regression gate: compare two runs (or published results folders) cell by cell; "
        "exit 0 ok, 1 regression, 2 bad input (including cells whose example sets differ, "
        "unless --allow-count-mismatch)",
    )
    p.add_argument("base", metavar="BASE", help="run directory or published results folder: the reference")
    p.add_argument("new", metavar="NEW", help="run directory or published results folder: the candidate")
    p.add_argument(
        "--max-accuracy-drop",
        type=float,
        default=0.0,
        metavar="PTS",
        help="an accuracy drop is a regression beyond this many percentage points, when significant; "
        "0 to 100 (default 0)",
    )
    p.add_argument(
        "--min-reduction-ratio",
        type=float,
        default=1.0,
        metavar="R",
        help="the fraction of BASE's length reduction NEW must keep, 0 to 1: a regression is a reduction "
        "below BASE's - (1 - R) x |BASE's| (default 1: it must not fall; 0.9: it may lose a tenth)",
    )
    p.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        metavar="A",
        help="significance level of the paired exact McNemar test, between 0 and 1 exclusive; the interval "
        "is at 1 - A (default 0.05)",
    )
    p.add_argument(
        "--allow-count-mismatch",
        action="store_true",
        help="judge cells whose example sets differ between BASE and NEW (a run stopped early, a torn "
        "last record) on their common examples only; they stay flagged in every format. Without it "
        "such cells are INCOMPARABLE, not judged, and the exit status is 2",
    )
    p.add_argument(
        "--pair",
        nargs=2,
        action="append",
        metavar=("BASE_COMPRESSOR", "NEW_COMPRESSOR"),
        default=[],
        help="compare BASE's cells of one compressor with NEW's cells of another (e.g. --pair ltsc my-codec; "
        "repeatable): only those cells are compared, and BASE and NEW may be the same run",
    )
    p.add_argument(
        "--format", choices=["markdown", "json"], default="markdown", help="output format (default markdown)"
    )
    p.set_defaults(handler=run)


def torn_tail(directory) -> Path | None:
    """``DIR/records.jsonl`` when its last line is torn (no final newline: a write a kill interrupted, which
    readers ignore), else None."""
    from ..results.records import RECORDS_FILE

    path = Path(directory) / RECORDS_FILE
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            if not size:
                return None
            fh.seek(size - 1)
            return path if fh.read(1) != b"\n" else None
    except OSError:  # no such file (a published folder, lm-eval output): nothing torn
        return None


def run(args) -> int:
    from ..results.gate import (
        Thresholds,
        compare_records,
        exit_code,
        incomparable_error,
        parse_pairs,
        render_comparison,
    )
    from ..results.leaderboard import merge_dirs

    th = Thresholds(args.max_accuracy_drop, args.min_reduction_ratio, args.alpha)  # before reading anything
    pairs = parse_pairs(args.pair)
    notes: list[str] = []  # everything said on stderr, also in the JSON
    mine: list[str] = []  # the notes below, printed once the comparison stands (a bad input stays one line)

    def notify(msg):
        notes.append(msg)
        print(f"ltsc-bench: {msg}", file=sys.stderr)

    same = os.path.realpath(args.base) == os.path.realpath(args.new)
    base = merge_dirs([args.base], notify)
    if same:  # read once: one set of records on both sides, duplicates and notes reported once
        what = (
            "comparing compressors of one run (" + ", ".join(f"--pair {b} {n}" for b, n in pairs.items()) + ")"
            if pairs
            else "comparing a run with itself, so no cell can differ"
        )
        mine.append(f"BASE and NEW are the same directory ({os.path.realpath(args.base)}): {what}")
        new = base
    else:
        new = merge_dirs([args.new], notify)
    for side, directory in (("BASE and NEW", args.base),) if same else (("BASE", args.base), ("NEW", args.new)):
        path = torn_tail(directory)
        if path:
            mine.append(f"{side}: {path} ends in a torn line (an interrupted write), ignored: that record is missing")
    rows = compare_records(base, new, th, pairs, allow_count_mismatch=args.allow_count_mismatch)
    for msg in mine:
        print(f"ltsc-bench: note: {msg}", file=sys.stderr)
    notes += mine
    print(render_comparison(rows, args.format, th, notes, args.allow_count_mismatch))
    code = exit_code(rows)
    if code == 2:
        print(f"ltsc-bench: error: {incomparable_error(rows)}", file=sys.stderr)
    return code
