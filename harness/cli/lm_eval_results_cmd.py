"""``ltsc-bench lm-eval-results PATH... [--format ...]``: the leaderboard of lm-eval results (``--output_path``
written with ``--log_samples``), merged with any ``ltsc-bench run`` directories given, with the length, n² and
FLOPs columns."""

from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub, name):
    from ..tables import FORMATS

    p = sub.add_parser(name, help="leaderboard of lm-eval results (and run directories), with length, n² and "
                                  "FLOPs columns")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="lm-eval --output_path directories or results_*.json files; `ltsc-bench run` directories too")
    p.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default markdown)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..interop.lm_eval_results import read_lm_eval
    from ..leaderboard import compute_rows, merge_dirs, render
    from ..records import RECORDS_FILE

    runs = [p for p in args.paths if (Path(p) / RECORDS_FILE).is_file() or (Path(p) / "records.jsonl.gz").is_file()]
    records = merge_dirs(runs, notify=lambda msg: print(f"ltsc-bench: {msg}", file=sys.stderr)) if runs else []
    records += read_lm_eval([p for p in args.paths if p not in runs])
    print(render(compute_rows(records), args.format))
    return 0
