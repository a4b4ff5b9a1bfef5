"""``ltsc-bench stats``: the model-free leaderboard (lengths, attention proxy, losslessness, codec time)."""

from __future__ import annotations

import sys


def add_parser(sub, name):
    from ..engine.stats import DEFAULT_COMPRESSORS, DEFAULT_LIMIT, DEFAULT_TOKENIZER

    p = sub.add_parser(name, help="compression statistics per task x compressor, no model needed")
    p.add_argument(
        "--tasks",
        nargs="+",
        metavar="TASK",
        help="task specs, e.g. tree@stage=large code_edit (default: every offline task whose data is present)",
    )
    p.add_argument(
        "--compressors",
        nargs="+",
        metavar="COMPRESSOR",
        default=list(DEFAULT_COMPRESSORS),
        help=f"compressor specs, e.g. ltsc@max_len=8 (default: {' '.join(DEFAULT_COMPRESSORS)})",
    )
    p.add_argument("--tokenizer", default=DEFAULT_TOKENIZER, help=f"tokenizer name (default: {DEFAULT_TOKENIZER})")
    p.add_argument(
        "--scope",
        choices=["prompt", "context"],
        default="prompt",
        help="compress the whole prompt (the paper's setting, default) or only the context",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"examples per task (default: {DEFAULT_LIMIT}; capped, with a note, at what the task supplies)",
    )
    p.add_argument("--seed", type=int, default=42, help="sampling seed (default: 42)")
    p.add_argument("--split", choices=["train", "test"], default="test", help="split to measure (default: test)")
    p.add_argument("--format", choices=["markdown", "csv", "json"], default="markdown")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on standard error")
    p.add_argument(
        "--plot", metavar="FILE", help="also draw length reduction against context length per compressor (.png or .svg)"
    )
    p.set_defaults(handler=run)


def names(items):
    """Space-separated specs; an item without '@' may also list several names with commas (tree,code_edit)."""
    if items is None:
        return None
    return [part for item in items for part in (item.split(",") if "@" not in item else [item]) if part]


def run(args) -> int:
    from ..engine.stats import compression_stats, render_stats
    from ..results.plots import check_plot_path, stats_plot

    if args.plot:
        check_plot_path(args.plot)
    rows = compression_stats(
        names(args.tasks),
        names(args.compressors),
        args.tokenizer,
        scope=args.scope,
        limit=args.limit,
        seed=args.seed,
        split=args.split,
        progress=not args.no_progress,
        notify=lambda msg: print(f"ltsc-bench: {msg}", file=sys.stderr),
    )
    if args.format == "markdown":
        print(
            f"tokenizer {args.tokenizer}, scope {args.scope}, split {args.split}, seed {args.seed}, "
            f"up to {args.limit} examples per task\n"
        )
    print(render_stats(rows, args.format))
    if args.plot:
        stats_plot(rows, args.plot)
        print(f"ltsc-bench: plot written to {args.plot}", file=sys.stderr)
    return 0
