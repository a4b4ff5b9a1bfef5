"""Meta-token embedding initialisation study: ``ltsc`` accuracy against raw, by ``meta_init`` and pool size.

    .venv/bin/python benchmarks/meta_init.py --dest results/meta-init-tiny   # tiny, the earlier suite's setup
    .venv/bin/python benchmarks/meta_init.py --model smollm2-135m --task recall --inits random mean orthogonal \\
        --pools 1024 --train-steps 40 --batch-size 4 --train-examples 160 --limit 60 --lr 0.001 --jobs 1 \\
        --threads 2 --include runs/smollm2-cpu --dest results/meta-init-smollm2  # SmolLM2-135M, CPU (README)
    .venv/bin/python benchmarks/meta_init.py --smoke --dest /tmp/meta-init-smoke   # ~1 minute

One ``ltsc-bench run`` per initialisation (``MODEL@meta_init=INIT``) with ``ltsc@pool_size=P`` for
every pool size, each trained on its own compressed input with the same budget; raw (which has
no meta-tokens) runs once, in the first initialisation's run. Runs land in ``--workdir`` and are
resumable (rerunning skips finished cells). Their records are merged (``WORKDIR/merged``) and
published to ``--dest`` with ``ltsc-bench publish`` (README with every run's command, commit,
versions and machine, the study table first; leaderboard; records); the table is printed.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

from harness.core.errors import HarnessError

ROOT = Path(__file__).resolve().parents[1]
#: the model of the default suite before it moved to recall@digits=6,records=8
SUITE_MODEL = "tiny@d_model=64,layers=2,heads=4,conv=4"
SMOKE = dict(train_steps=20, train_examples=200, limit=20, inits=["mean", "orthogonal"], pools=[32])


def parse_args(argv=None):
    from harness.models.meta_init import CHOICES

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dest", required=True, help="folder for the merged records, leaderboard and README")
    p.add_argument(
        "--model",
        default=SUITE_MODEL,
        help=f"model spec without meta_init (default: the earlier suite's, {SUITE_MODEL})",
    )
    p.add_argument("--task", default="recall", help="task spec (default: recall)")
    p.add_argument("--inits", nargs="+", default=list(CHOICES), choices=CHOICES, help="initialisations (default: all)")
    p.add_argument("--pools", nargs="+", type=int, default=[32, 1024], help="meta-token pool sizes (default: 32 1024)")
    p.add_argument("--train-steps", type=int, default=800)
    p.add_argument("--train-examples", type=int, default=12000)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-2, help="peak learning rate (default 1e-2, the suite's)")
    p.add_argument(
        "--prompt-loss", type=float, default=0.0, help="weight of the next-token loss on the prompt (default 0)"
    )
    p.add_argument("--limit", type=int, default=200, help="test examples per cell (default 200)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument(
        "--workdir", help="parent of the per-initialisation run directories (default runs/meta-init-<model>)"
    )
    p.add_argument(
        "--include",
        nargs="+",
        default=[],
        metavar="DIR",
        help="other run directories of the same task and model whose raw and ltsc rows join the table "
        "(e.g. benchmarks/pretrained_table.py's run, for raw and the default initialisation); "
        "with --include, raw is not run again",
    )
    p.add_argument("--smoke", action="store_true", help="a tiny configuration that only checks the pipeline")
    args = p.parse_args(argv)
    for d in args.include:  # checked before hours of runs, not after
        if not (Path(d) / "records.jsonl").is_file():
            p.error(f"--include {d}: not a run directory (no records.jsonl); pass the --output of an ltsc-bench run")
    if args.smoke:
        for key, value in SMOKE.items():
            setattr(args, key, value)
    args.workdir = Path(
        args.workdir or ROOT / "runs" / f"meta-init-{args.model.split('@')[0].replace(':', '_').replace('/', '_')}"
    )
    return args


def model_spec(model: str, init: str) -> str:
    return f"{model}{',' if '@' in model else '@'}meta_init={init}"


def run_command(args, init: str, first: bool) -> list[str]:
    compressors = (["raw"] if first and not args.include else []) + [f"ltsc@pool_size={p}" for p in args.pools]
    return [
        sys.executable,
        "-m",
        "harness",
        "run",
        "--tasks",
        args.task,
        "--compressors",
        *compressors,
        "--model",
        model_spec(args.model, init),
        "--train-steps",
        str(args.train_steps),
        "--train-examples",
        str(args.train_examples),
        "--batch-size",
        str(args.batch_size),
        "--lr",
        str(args.lr),
        "--bucket-window",
        "1",
        "--prompt-loss",
        str(args.prompt_loss),
        "--limit",
        str(args.limit),
        "--threads",
        str(args.threads),
        "--jobs",
        str(args.jobs),
        "--output",
        str(args.workdir / init),
        "--quiet",
    ]


def study_table(rows: list[dict]) -> str:
    """One line per (initialisation, pool): ltsc's accuracy with its interval, raw's, and the gap."""
    from tabulate import tabulate

    from harness.compressors import compressors
    from harness.core.spec import Spec
    from harness.models import models
    from harness.results.leaderboard import accuracy_ci

    raw = next((r for r in rows if r["compressor"] == "raw"), None)
    table = []
    for r in rows:
        compressor, model = Spec.parse(r["compressor"]), Spec.parse(r["model"])
        if compressor.name != "ltsc":
            continue
        # a default value stays out of a spec: read it from the registry
        init = model.params.get("meta_init", models.parameters(model.name)["meta_init"])
        pool = compressor.params.get("pool_size", compressors.parameters("ltsc", 1)["pool_size"])
        table.append(
            {
                "meta_init": init,
                "pool_size": pool,
                "n": r["n"],
                "ltsc accuracy (95% CI)": accuracy_ci(r),
                "raw accuracy (95% CI)": "—" if raw is None else accuracy_ci(raw),
                "Δ vs raw (pts)": "—" if raw is None else f"{100 * (r['accuracy'] - raw['accuracy']):+.1f}",
                "mean tokens (ltsc / raw)": f"{r['mean_tokens']:.1f} / {r['mean_raw_tokens']:.1f}",
            }
        )
    table.sort(key=lambda t: (t["meta_init"], t["pool_size"]))
    return tabulate(table, headers="keys", tablefmt="github", disable_numparse=True)


def merged_run(args) -> Path:
    """One run directory holding every run's records and invocations (what ``ltsc-bench publish`` reads)."""
    import json

    from harness.results.leaderboard import merge_dirs
    from harness.results.provenance import RUN_META

    dirs = [args.workdir / init for init in args.inits] + [Path(d) for d in args.include]
    merged = args.workdir / "merged"
    merged.mkdir(parents=True, exist_ok=True)
    records = merge_dirs(dirs)
    (merged / "records.jsonl").write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    invocations = []
    for d in dirs:
        meta = json.loads((d / RUN_META).read_text()) if (d / RUN_META).is_file() else {}
        invocations += meta.get("invocations", [])
    (merged / RUN_META).write_text(json.dumps({"invocations": invocations}, indent=2) + "\n")
    return merged


def write_dest(args, dest: Path, command: str) -> str:
    """Publish the merged runs to ``dest`` (README with every run's command, commit, versions and machine; the
    leaderboard in four formats; records; plot), the study table leading the README; returns the table."""
    from harness.results.leaderboard import compute_rows, read_dir
    from harness.results.publish import publish

    merged = merged_run(args)
    table = study_table(compute_rows(read_dir(merged)))
    source = f"`{args.include[0]}`" if args.include else f"the `{args.inits[0]}` run"
    note = "\n".join(
        [
            f"Meta-token embedding initialisation study: {args.model} on `{args.task}`, written by `{command}`.",
            "",
            f"`ltsc` trained on its own input with each `meta_init` and pool size, against raw; {args.train_steps} steps "
            f"x batch {args.batch_size}, lr {args.lr}, prompt loss {args.prompt_loss}, {args.train_examples} train / {args.limit} test examples, seed 0. "
            f"Raw has no meta-tokens, so it runs once (in {source}). The invocations below are the runs the study "
            "made, in order.",
            "",
            table,
        ]
    )
    publish(merged, dest, note=note)
    return table


def main(argv=None) -> int:
    args = parse_args(argv)
    command = shlex.join([".venv/bin/python", "benchmarks/meta_init.py", *(sys.argv[1:] if argv is None else argv)])
    for i, init in enumerate(args.inits):
        cmd = run_command(args, init, first=i == 0)
        print(f"meta_init: {init} ({i + 1}/{len(args.inits)}): {shlex.join(cmd[2:])}", file=sys.stderr, flush=True)
        if subprocess.run(cmd, cwd=ROOT).returncode:
            print(f"meta_init: the run for {init} failed (see above); rerun this command to resume", file=sys.stderr)
            return 1
    try:
        print(write_dest(args, Path(args.dest), command))
    except HarnessError as exc:
        print(f"meta_init: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
