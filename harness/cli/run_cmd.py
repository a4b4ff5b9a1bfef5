"""``ltsc-bench run``: train and evaluate a model on raw vs compressed inputs; no arguments = the default suite."""

from __future__ import annotations

import sys
from dataclasses import replace

from ..core.errors import HarnessError


def _names(values: list[str] | None) -> list[str] | None:
    """``--tasks a b`` and ``--tasks a,b`` both work; commas inside ``@params`` stay with their spec."""
    if not values:
        return None
    out: list[str] = []
    for value in values:
        for piece in value.split(","):
            if "=" in piece and "@" not in piece and out:
                out[-1] += "," + piece  # a parameter of the previous spec
            elif piece.strip():
                out.append(piece.strip())
    return out


def add_parser(sub, name):
    from ..backends import all_backends, backend_names
    from ..backends.base import add_backend_arguments

    p = sub.add_parser(
        name, help="fine-tune and evaluate a model on raw vs compressed inputs (no arguments: the default suite)"
    )
    p.add_argument(
        "--tasks",
        nargs="+",
        metavar="TASK",
        help="task specs, e.g. recall tree@stage=large (default: the suite's task)",
    )
    p.add_argument(
        "--compressors", nargs="+", metavar="COMPRESSOR", help="compressor specs (default: the suite's list, raw first)"
    )
    p.add_argument(
        "--model", help="model spec: tiny[@d_model=..,layers=..], smollm2-135m, hf:<name-or-path> (default: tiny)"
    )
    p.add_argument(
        "--output",
        metavar="DIR",
        help="output directory (default: runs/default-suite for the suite, else runs/<config hash>)",
    )
    p.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="test examples per cell (default: 200; capped, with a note, at what the task supplies)",
    )
    p.add_argument(
        "--train-examples",
        type=int,
        metavar="N",
        help="train examples per cell (default: 12000; capped, with a note, at what the task supplies)",
    )
    p.add_argument(
        "--train-steps",
        type=int,
        metavar="N",
        help="optimizer steps per cell, the same for every input format (default 600; the suite uses 1500)",
    )
    p.add_argument("--batch-size", type=int, metavar="N", help="training batch size (default 32)")
    p.add_argument(
        "--bucket-window",
        type=int,
        metavar="N",
        help="length-aware batching: training batches are formed within windows of N batches sorted by "
        "length (default 50; 1 = plain random batches, as the default suite uses)",
    )
    p.add_argument(
        "--lr", type=float, help="peak learning rate (default: the model's; tiny 3e-3, LoRA 5e-4, full 3e-5)"
    )
    p.add_argument(
        "--prompt-loss",
        type=float,
        metavar="W",
        help="add W x next-token loss on the prompt (default 0 = answer-only); from-scratch models may need it",
    )
    p.add_argument("--seed", type=int, help="seed for data, initialisation and batching (default 0)")
    p.add_argument("--tokenizer", help="tokenizer name (default: the model's own, else cl100k_base)")
    p.add_argument(
        "--scope", choices=["prompt", "context"], help="compress the whole prompt (default) or the context only"
    )
    p.add_argument(
        "--no-finetune",
        nargs="+",
        metavar="COMPRESSOR",
        help="evaluate these compressors (also named in --compressors) with the model trained on raw prompts "
        "instead of fine-tuning on their output (default suite: the llmlingua row)",
    )
    p.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    p.add_argument(
        "--threads", type=int, metavar="N", help="CPU threads for torch (default: torch's; the default suite uses 1)"
    )
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="cells run in N parallel processes (default 1; the default suite uses 2); "
        "--backend ray without --ray-address: a local Ray instance for N cells at a time",
    )
    p.add_argument(
        "--backend",
        choices=backend_names(),
        default="local",
        help="where cells run: local (default: this machine, --jobs at a time) or ray (one Ray task per cell; "
        "install with pip install 'ltsc-bench[ray]'), or a plugin's",
    )
    p.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        help="where trained checkpoints go (default: OUTPUT/checkpoints); with --backend ray only this "
        "machine writes there, so it need not be shared with the workers",
    )
    p.add_argument("--eval-batch", type=int, metavar="N", help="evaluation batch size (default 32)")
    p.add_argument(
        "--wait",
        action="store_true",
        help="if another run is writing the same output directory, wait for it instead of refusing",
    )
    p.add_argument(
        "--retrain",
        action="store_true",
        help="train this run's cells anew, replacing their checkpoints (e.g. after a checkpoint error)",
    )
    p.add_argument(
        "--no-stats", action="store_true", help="default suite: skip the model-free statistics of every task"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_backend_arguments(p, all_backends())  # each backend's own flags (ray: --ray-address, --cpus-per-cell, ...)
    p.set_defaults(handler=run)


def build_config(args):
    """The RunConfig for these arguments, and whether this is the default suite."""
    from ..backends import all_backends
    from ..backends.base import backend_options_from_args
    from ..engine import suite as default_suite
    from ..engine.config import RunConfig
    from ..engine.training import TrainConfig

    tasks, compressors, no_finetune = _names(args.tasks), _names(args.compressors), _names(args.no_finetune)
    for flag, given in (
        ("--tasks", args.tasks),
        ("--compressors", args.compressors),
        ("--no-finetune", args.no_finetune),
    ):
        if given is not None and not _names(given):
            raise HarnessError(f"{flag} names nothing; give at least one name or leave the option out")
    suite = not (tasks or compressors or args.model)
    # outside the suite, an option left out takes the suite's value for tasks and compressors
    cfg = (
        default_suite.suite_config()
        if suite
        else RunConfig(tasks=list(default_suite.TASKS), compressors=list(default_suite.COMPRESSORS))
    )
    train = cfg.train if suite else TrainConfig()
    train = replace(
        train,
        **{
            k: v
            for k, v in dict(
                steps=args.train_steps,
                batch_size=args.batch_size,
                lr=args.lr,
                prompt_loss=args.prompt_loss,
                seed=args.seed,
                bucket_window=args.bucket_window,
            ).items()
            if v is not None
        },
    )
    cfg = replace(
        cfg,
        train=train,
        device=args.device,
        progress=not args.quiet,
        **{
            k: v
            for k, v in dict(
                tasks=tasks,
                compressors=compressors,
                model=args.model,
                tokenizer=args.tokenizer,
                scope=args.scope,
                seed=args.seed,
                test_examples=args.limit,
                train_examples=args.train_examples,
                eval_batch=args.eval_batch,
                threads=args.threads,
                jobs=args.jobs,
                no_finetune=no_finetune,
                backend=args.backend,
                checkpoint_dir=args.checkpoint_dir,
                backend_options=backend_options_from_args(args, args.backend, all_backends()) or None,
            ).items()
            if v is not None
        },
    )
    return cfg, suite


def run(args) -> int:
    from ..api import evaluate

    cfg, suite = build_config(args)

    def show_stats(table: str) -> None:
        print("## Model-free compression statistics (every offline task)\n")
        print(table + "\n", flush=True)

    results = evaluate(
        config=cfg,
        suite=suite,
        output=args.output,
        wait=args.wait,
        retrain=args.retrain,
        stats=not args.no_stats,
        on_stats=show_stats,
        notify=_note,
    )
    output = results.output_dir
    print("## Accuracy leaderboard\n")
    print(results.table)
    print(
        f"\nrecords: {output / 'records.jsonl'}; leaderboard: {output / 'leaderboard.md'}, {output / 'leaderboard.json'}; "
        f"wall time {results.wall_seconds:.0f} s"
    )
    return 0


def _note(message: str) -> None:
    print(f"ltsc-bench run: {message}", file=sys.stderr, flush=True)
