"""Length-aware batching: padding waste and cell time, plain vs bucketed, measured in one run.

    .venv/bin/python benchmarks/batching.py                       # sql_extract, tiny model, 400 steps
    .venv/bin/python benchmarks/batching.py --steps 40 --quick    # a short check

For one task (default ``sql_extract``, whose TPC-DS queries range from ~100 to ~1,700 tokens)
the train split goes through the pipeline (raw prompts); the same tiny model is then
trained twice with the same budget and seed, with ``bucket_window=1`` (random batches,
the behaviour before length-aware batching) and with the default window, and the test
split is evaluated with index-order and length-sorted batches. Prints Markdown: padding
waste (share of the padded tensors that is padding), seconds, and the ratio of the two.
"""

from __future__ import annotations

import argparse
import time

from harness.models.batching import bucketed_batches, padding_waste, sorted_batches


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", default="sql_extract")
    p.add_argument("--model", default="tiny@d_model=64,layers=2,heads=4,conv=4")
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--train-examples", type=int, default=2000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="fewer test examples (a smoke run)")
    return p.parse_args(argv)


def prepare(args):
    from harness.compressors import build_compressor
    from harness.data.tokenizers import get_tokenizer
    from harness.engine.pipeline import Pipeline
    from harness.tasks import build_task

    tok = get_tokenizer("cl100k_base")
    pipe, task = Pipeline(tok, build_compressor("raw", tok)), build_task(args.task)
    return (
        tok,
        task,
        pipe.split(task, "train", args.train_examples, 0),
        pipe.split(task, "test", 16 if args.quick else 64, 0),
    )


def train_seconds(args, tok, train, window: int):
    import torch

    from harness.engine.training import TrainConfig
    from harness.engine.training import train as train_model
    from harness.models import build_model

    model = build_model(args.model)
    torch.manual_seed(0)
    model.setup(tok, 0, [p.ids for p in train] + [p.answer for p in train], "cpu")
    prompts = [model.model_ids(p.ids) for p in train]
    answers = [model.model_ids(p.answer) + [model.eos] for p in train]
    cfg = TrainConfig(steps=args.steps, batch_size=args.batch, lr=1e-2, bucket_window=window)
    start = time.perf_counter()
    train_model(model, prompts, answers, cfg, progress=False)
    return time.perf_counter() - start, model


def eval_seconds(model, test, batches) -> float:
    from harness.models.inference import greedy_decode

    start = time.perf_counter()
    for idx in batches:
        greedy_decode(model, [model.model_ids(test[i].ids) for i in idx], 8)
    return time.perf_counter() - start


def main(argv=None) -> int:
    import torch
    from tabulate import tabulate

    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    tok, task, train, test = prepare(args)
    lengths = [len(p.ids) + len(p.answer) + 1 for p in train]
    test_len = [len(p.ids) for p in test]
    rows = []
    for name, window in (("plain (bucket_window=1)", 1), ("length-aware (bucket_window=50)", 50)):
        epoch = bucketed_batches(lengths, args.batch, torch.Generator().manual_seed(0), window)
        seconds, model = train_seconds(args, tok, train, window)
        batches = (
            sorted_batches(test_len, args.batch)
            if window > 1
            else [list(range(i, min(i + args.batch, len(test)))) for i in range(0, len(test), args.batch)]
        )
        rows.append(
            {
                "batching": name,
                "train padding": f"{100 * padding_waste(epoch, lengths):.1f}%",
                f"train s ({args.steps} steps)": seconds,
                "eval padding": f"{100 * padding_waste(batches, test_len):.1f}%",
                f"eval s ({len(test)} examples)": eval_seconds(model, test, batches),
            }
        )
    for key in (f"train s ({args.steps} steps)", f"eval s ({len(test)} examples)"):
        ratio = rows[0][key] / rows[1][key]
        for r in rows:
            r[key] = f"{r[key]:.1f}"
        rows[1][key] += f" ({ratio:.2f}x faster)"
    print(
        f"{task.name}: {len(train)} train prompts, {min(lengths)}..{max(lengths)} tokens; model {args.model}, "
        f"batch {args.batch}, {args.threads} thread(s)\n"
    )
    print(tabulate(rows, headers="keys", tablefmt="github", disable_numparse=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
