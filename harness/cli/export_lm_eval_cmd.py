"""``ltsc-bench export-lm-eval DIR [--tasks ...] [--limit N] [--seed S]``: our tasks as offline lm-eval tasks."""

from __future__ import annotations


def add_parser(sub, name):
    p = sub.add_parser(name, help="write lm-eval task YAMLs and local data of our tasks' test splits")
    p.add_argument(
        "directory", metavar="DIR", help="output directory (then: lm_eval --include_path DIR --tasks ltsc_tree ...)"
    )
    p.add_argument(
        "--tasks",
        nargs="+",
        metavar="TASK",
        default=["tree"],
        help="task specs, e.g. tree recall@records=8 (default: tree); lm-eval names them ltsc_<spec>",
    )
    p.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="test examples per task (default: the task's test size, 200; "
        "capped, with a note, at what the task supplies)",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed that draws the examples, as in `ltsc-bench run` (default 0)"
    )
    p.add_argument(
        "--tokenizer",
        default="cl100k_base",
        help="tokenizer that counts the longest answer for max_gen_toks (default cl100k_base)",
    )
    p.add_argument(
        "--max-gen-toks",
        type=int,
        metavar="N",
        help="generation limit of generative tasks (default: longest answer + 2)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars on standard error")
    p.set_defaults(handler=run)


def run(args) -> int:
    import sys

    from ..interop.lm_eval_tasks import export_tasks
    from .run_cmd import _names

    rows = export_tasks(
        args.directory,
        _names(args.tasks) or [],  # never None: --tasks takes one spec or more (default: tree)
        limit=args.limit,
        seed=args.seed,
        tokenizer=args.tokenizer,
        max_gen_toks=args.max_gen_toks,
        progress=not args.no_progress,
        notify=lambda msg: print(f"ltsc-bench: {msg}", file=sys.stderr),
    )
    for r in rows:
        print(f"{r['task']}: {r['examples']} examples, {r['output_type']} ({r['spec']})")
    names = ",".join(r["task"] for r in rows)
    print(
        f"\nrun: lm_eval --include_path {args.directory} --tasks {names} --model hf --model_args pretrained=DIR\n"
        f" or: ltsc-bench lm-eval --include_path {args.directory} --tasks {names} --model ltsc-hf "
        "--model_args pretrained=DIR,compressor=ltsc-text --output_path OUT --log_samples"
    )
    return 0
