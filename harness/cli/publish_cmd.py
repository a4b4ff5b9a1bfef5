"""``ltsc-bench publish RUN_DIR results/NAME``: a self-contained, regenerable results folder (see harness/publish.py)."""

from __future__ import annotations

import sys


def add_parser(sub, name):
    p = sub.add_parser(
        name,
        help="write a results folder: README (command, commit, versions, machine), leaderboard "
        "in Markdown/CSV/LaTeX/JSON, plot, compressed records",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="the --output directory of an `ltsc-bench run`")
    p.add_argument(
        "dest", metavar="DEST", help="the folder to write, e.g. results/NAME (new, or a published folder to refresh)"
    )
    p.add_argument("--note", metavar="TEXT", help="a paragraph for the README: what the run is, and what it is not")
    p.add_argument("--force", action="store_true", help="replace DEST even though it was published from another run")
    p.add_argument(
        "--partial",
        action="store_true",
        help="publish a run that is still being written (the records so "
        "far), marked partial in the README, publish.json and the site",
    )
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..results.publish import publish

    dest = publish(
        args.run_dir,
        args.dest,
        note=args.note,
        notify=lambda msg: print(f"ltsc-bench: {msg}", file=sys.stderr),
        force=args.force,
        partial=args.partial,
    )
    print(
        f"published {args.run_dir} to {dest}: README.md, leaderboard.md/.csv/.tex/.json, leaderboard.png, records.jsonl.gz"
    )
    return 0
