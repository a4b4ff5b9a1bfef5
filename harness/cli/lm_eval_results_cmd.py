"""``ltsc-bench lm-eval-results PATH... [--format ...]``: the leaderboard of lm-eval results (``--output_path``
written with ``--log_samples``), merged with any ``ltsc-bench run`` directories given, with the length, n² and
FLOPs columns. A path given twice is read once, and records read twice (a copied folder) count once, each with a
note on stderr."""

from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub, name):
    from ..results.tables import FORMATS

    p = sub.add_parser(
        name, help="leaderboard of lm-eval results (and run directories), with length, n² and FLOPs columns"
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="lm-eval --output_path directories or results_*.json files; `ltsc-bench run` directories too",
    )
    p.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default markdown)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..interop.lm_eval_results import results_files, unique_inputs
    from ..results.layouts import PUBLISHED_RECORDS, merge_dirs
    from ..results.leaderboard import compute_rows, render
    from ..results.records import RECORDS_FILE

    def notify(msg: str) -> None:
        print(f"ltsc-bench: {msg}", file=sys.stderr)

    def is_run(path: str) -> bool:
        return (Path(path) / RECORDS_FILE).is_file() or (Path(path) / PUBLISHED_RECORDS).is_file()

    # a path given twice (DIR, DIR/, ./DIR; a results file, or one inside a folder given) is read once, with a note;
    # the same records read from two places (a copied folder) are counted once, as `leaderboard` does
    groups = [(p, [Path(p)] if is_run(p) else results_files(p)) for p in args.paths]
    records = merge_dirs(unique_inputs(groups, notify), notify)
    print(render(compute_rows(records), args.format))
    return 0
