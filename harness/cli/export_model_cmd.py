"""``ltsc-bench export-model RUN_DIR --cell ID | --compressor SPEC [--task SPEC] OUT_DIR``: a fine-tuned cell as a
standard Hugging Face model directory (lm-eval's ``hf`` model, ``ltsc-hf`` and transformers load it)."""

from __future__ import annotations


def add_parser(sub, name):
    p = sub.add_parser(name, help="save a model fine-tuned by `run` as a standard Hugging Face model directory")
    p.add_argument("run_dir", metavar="RUN_DIR", help="the --output directory of an `ltsc-bench run`")
    p.add_argument(
        "out_dir", metavar="OUT_DIR", help="new directory for config, weights, tokenizer and ltsc_bench.json"
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--cell", metavar="ID", help="the cell id (or a unique prefix) from the run's records or leaderboard JSON"
    )
    which.add_argument("--compressor", metavar="SPEC", help="the cell of this compressor (as named in the run)")
    p.add_argument("--task", metavar="SPEC", help="with --compressor: the task, when the run has several")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..interop.hf_export import export_model

    m = export_model(args.run_dir, args.out_dir, cell=args.cell, compressor=args.compressor, task=args.task)
    print(
        f"exported {m['model']} trained on {m['compressor_label']} ({m['task']}, cell {m['cell']}) to {args.out_dir}: "
        f"{m['embedding_rows']} embedding rows for {m['vocab_size']} tokenizer ids + {m['extra_vocab']} extra ids"
    )
    print(
        f"evaluate: ltsc-bench lm-eval --model ltsc-hf --model_args pretrained={args.out_dir} --tasks ... "
        "(the compressor and scope it was trained with are the defaults)"
    )
    return 0
