"""A pretrained model fine-tuned on raw, ``ltsc`` and every lossy baseline at ``ltsc``'s length: one table.

    # GPU (one command, ~10 min on one H200): a real-data task, every baseline, published to results/
    .venv/bin/python benchmarks/pretrained_table.py --preset gpu --dest results/gpu-table_lookup-smollm2
    # CPU (SmolLM2-135M, 2 cores, under 45 min): the synthetic recall task, raw / ltsc / truncate / llmlingua
    .venv/bin/python benchmarks/pretrained_table.py --preset cpu --dest results/smollm2-cpu
    # smoke test of either on CPU (~2 min): the same compressors and code path, tiny budget
    .venv/bin/python benchmarks/pretrained_table.py --preset gpu --smoke --dest /tmp/pretrained-smoke

The script is a thin, printed ``ltsc-bench run`` (resumable: rerun the same command after an
interruption) followed by ``ltsc-bench publish`` into ``--dest`` (README with command, commit,
versions, machine; leaderboard in Markdown, LaTeX, CSV; records; plot). Every option of
``run`` stays available through ``--run-args``.

Presets (every value can be overridden by the options below):

- ``gpu``: ``table_lookup`` (TPC-H CSV blocks, ~1,400-token prompts, exact cell values), the
  offline SmolLM2-135M (``--model hf:/path/to/any/causal-lm`` for a larger local model; the
  GPU machine has no network), LoRA, every lossy baseline that runs offline at ``rate=match:ltsc``.
  The LLM-scored baselines (selective-context, LLMLingua, LongLLMLingua) run their scorer on the
  same GPU and are evaluated with the raw-trained model (``--no-finetune``): compressing the
  train split with them would cost more than the training. ``llmlingua2`` needs a
  ``microsoft/llmlingua-2-*`` directory that no package installs: pass ``--llmlingua2-model DIR``
  to include it; without one it is left out and the README says so.
- ``cpu``: ``recall`` with SmolLM2-135M on CPU, raw, ``ltsc``, truncate and llmlingua at matched
  length (llmlingua evaluated with the raw-trained model, as in the default suite).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LLM_SCORED = ("selective-context", "llmlingua", "longllmlingua")
PRESETS = {
    "gpu": dict(
        task="table_lookup",
        model="smollm2-135m",
        device="cuda",
        steps=300,
        batch=8,
        train_examples=1624,
        limit=200,
        lossy=("truncate", "random-drop", *LLM_SCORED),
        threads=None,
        output="runs/gpu-table_lookup-smollm2",
        extra=(),
    ),
    #: sized for 2 CPU cores (about 6 s a step, 2 s a test example): ~25 minutes in all
    "cpu": dict(
        task="recall",
        model="smollm2-135m",
        device="cpu",
        steps=40,
        batch=4,
        train_examples=160,
        limit=60,
        lossy=("truncate", "llmlingua"),
        threads=2,
        output="runs/smollm2-cpu",
        extra=("--lr", "0.001", "--bucket-window", "1"),
    ),
}
SMOKE = dict(task="recall", device="cpu", steps=2, batch=2, train_examples=8, limit=3, threads=2)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", choices=sorted(PRESETS), required=True)
    p.add_argument("--dest", required=True, help="results folder to publish into (e.g. results/smollm2-cpu)")
    for name in ("task", "model", "device", "output"):
        p.add_argument(f"--{name}", help=f"override the preset's {name}")
    for name in ("steps", "batch", "train_examples", "limit", "threads"):
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, help=f"override the preset's {name}")
    p.add_argument("--lossy", nargs="+", help="lossy baselines, each run at rate=match:ltsc (default: the preset's)")
    p.add_argument("--llmlingua2-model", help="a local microsoft/llmlingua-2-* directory: adds llmlingua2")
    p.add_argument("--smoke", action="store_true", help="tiny budget on CPU: checks the whole path in minutes")
    p.add_argument("--run-args", default="", help="extra `ltsc-bench run` options, as one shell-quoted string")
    args = p.parse_args(argv)
    preset = {**PRESETS[args.preset], **(SMOKE if args.smoke else {})}
    if args.smoke:
        preset["output"] = f"runs/{args.preset}-smoke"
    for key, value in preset.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args


def compressors(args) -> tuple[list[str], list[str]]:
    """(every compressor spec, the ones evaluated with the raw-trained model)."""
    device = "" if args.device in ("cpu", "auto") else f",device={args.device}"
    lossy = []
    for name in args.lossy:
        lossy.append(f"{name}@rate=match:ltsc" + (device if name in LLM_SCORED else ""))
    if args.llmlingua2_model:
        lossy.append(f"llmlingua2@rate=match:ltsc,model={args.llmlingua2_model}{device}")
    no_finetune = [c for c in lossy if c.split("@")[0] in (*LLM_SCORED, "llmlingua2")]
    return ["raw", "ltsc", *lossy], no_finetune


def run_command(args) -> list[str]:
    specs, no_finetune = compressors(args)
    cmd = [
        sys.executable,
        "-m",
        "harness",
        "run",
        "--tasks",
        args.task,
        "--compressors",
        *specs,
        "--model",
        args.model,
        "--device",
        args.device,
        "--train-steps",
        str(args.steps),
        "--batch-size",
        str(args.batch),
        "--train-examples",
        str(args.train_examples),
        "--limit",
        str(args.limit),
        "--output",
        args.output,
    ]
    if no_finetune:
        cmd += ["--no-finetune", *no_finetune]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    return cmd + list(args.extra) + shlex.split(args.run_args)


def note(args) -> str:
    _, no_finetune = compressors(args)
    parts = [
        f"`benchmarks/pretrained_table.py --preset {args.preset}`"
        + (" (smoke budget, not a result)" if args.smoke else "")
        + f": {args.model} fine-tuned (LoRA) for {args.steps} steps x batch {args.batch} on {args.task}, "
        "each compressor's model trained on its own output"
    ]
    if no_finetune:
        parts.append("except " + ", ".join(f"`{c}`" for c in no_finetune) + ", evaluated with the raw-trained model")
    if not args.llmlingua2_model and args.preset == "gpu":
        parts.append(
            "`llmlingua2` is not included: it needs a microsoft/llmlingua-2-* model directory, which no "
            "package installs (rerun with --llmlingua2-model DIR)"
        )
    return "; ".join(parts) + "."


def main(argv=None) -> int:
    args = parse_args(argv)
    cmd = run_command(args)
    print("pretrained_table:", shlex.join(["ltsc-bench", *cmd[3:]]), file=sys.stderr, flush=True)
    if subprocess.run(cmd, cwd=ROOT).returncode:
        print("pretrained_table: the run failed (see above); rerun the same command to resume", file=sys.stderr)
        return 1
    publish = [sys.executable, "-m", "harness", "publish", args.output, args.dest, "--note", note(args)]
    return subprocess.run(publish, cwd=ROOT).returncode


if __name__ == "__main__":
    raise SystemExit(main())
