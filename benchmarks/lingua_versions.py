"""The LLMLingua family on two transformers stacks: are the kept tokens the same?

LLMLingua 0.2.2 reaches the scoring model's KV cache through legacy lists, which only
transformers < 4.48 accepts natively; on newer releases the harness bridges them
(``harness/baselines/kv_adapter.py``). This runs LLMLingua, LongLLMLingua, LLMLingua-2
and Selective Context on fixed task prompts (cl100k_base, rate 0.5) under an old and a
new interpreter and compares the output ids:

    python benchmarks/lingua_versions.py --old /work/main/.venv/bin/python \\
        --new /tmp/venv5/bin/python --out /tmp/lingua_versions.md

Each interpreter re-runs this file with ``--worker`` (CPU, one thread). Scoring model:
the offline SmolLM2-135M. Two comparisons: *own conversion* (each stack converts the
GGUF itself, as users get it; 4.x and 5.x tokenizers differ, see ``harness/assets.py``)
and *same directory* (the new stack loads the old stack's directory, so only the
library and the adapter differ). LLMLingua-2 uses a tiny random BERT classifier saved
once by the old stack (no offline LLMLingua-2 model exists): it checks the pipeline,
not the method. Agreement: identical output ids, and the multiset Jaccard index of the
two outputs' tokens; library calls and wall seconds are listed too (seconds are only
comparable on an otherwise idle machine).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

COMPRESSORS = ("llmlingua", "longllmlingua", "llmlingua2", "selective-context")
#: (task, test examples): short single-window prompts and long ones that take several
#: 200-token windows, i.e. reuse the KV cache between windows
PROMPTS = (("recall", 2), ("sql_extract", 1), ("tree", 1), ("log_extract", 1), ("code_edit", 1), ("json_lookup", 1))
RATE = 0.5


def load_prompts() -> list[dict]:
    """The fixed prompts: test examples of each task that is available offline (seed 42)."""
    from harness.core.errors import HarnessError
    from harness.tasks.registry import build_task

    out = []
    for name, n in PROMPTS:
        try:
            examples = build_task(name).examples("test", n=n, seed=42)
        except HarnessError as exc:  # e.g. log_extract without the fail2ban logs
            print(f"skipping {name}: {exc}", file=sys.stderr)
            continue
        out += [{"id": f"{name}/{ex.id}", "text": ex.prompt, "question": ex.question} for ex in examples]
    return out


def make_bert(path: Path) -> None:
    """A tiny random BERT token classifier (seeded) for LLMLingua-2, saved once."""
    from harness.contract.testing import random_token_classifier

    random_token_classifier(path)


def worker(model: str, bert: str, out: Path) -> None:
    """Compress every prompt with every compressor on this interpreter; write the ids as JSON."""
    import importlib.metadata as md

    import torch

    from harness.baselines.kv_adapter import MARK
    from harness.baselines.models import resolve_model
    from harness.compressors import build_compressor
    from harness.data.tokenizers import get_tokenizer

    torch.set_num_threads(1)
    tok = get_tokenizer("cl100k_base")
    rows, adapter = [], None
    for name in COMPRESSORS:
        comp = build_compressor(f"{name}@rate={RATE},model={bert if name == 'llmlingua2' else model}", tok)
        for p in load_prompts():
            start = time.perf_counter()
            res = comp.compress(tok.encode(p["text"]), question=p["question"])
            rows.append(
                {
                    "compressor": name,
                    "prompt": p["id"],
                    "ids": res.ids,
                    "tokens_in": res.tokens_in,
                    "attempts": res.info.get("attempts"),
                    "seconds": round(time.perf_counter() - start, 3),
                }
            )
        if name == "llmlingua":
            adapter = dict(getattr(comp.scorer.model, MARK))  # what the hooks learned from the model's outputs
    meta = {
        "python": sys.executable,
        "transformers": md.version("transformers"),
        "llmlingua": md.version("llmlingua"),
        "torch": md.version("torch"),
        "model_dir": resolve_model(model, "model"),
        "adapter": adapter,
    }
    out.write_text(json.dumps({"meta": meta, "rows": rows}))


def run_worker(python: str, model: str, bert: Path, out: Path) -> dict:
    subprocess.run(
        [python, __file__, "--worker", "--model", model, "--bert", str(bert), "--json", str(out)], check=True
    )
    return json.loads(out.read_text())


def jaccard(a: list[int], b: list[int]) -> float:
    """Multiset Jaccard index of two token lists (1.0 when both are empty)."""
    ca, cb = Counter(a), Counter(b)
    union = sum((ca | cb).values())
    return sum((ca & cb).values()) / union if union else 1.0


def compare(old: dict, new: dict) -> dict[str, dict]:
    """Per compressor: prompts, identical outputs, Jaccard indices, library calls and seconds (old, new)."""
    pairs = {(r["compressor"], r["prompt"]): r for r in new["rows"]}
    out: dict[str, dict] = {}
    for r in old["rows"]:
        other = pairs[(r["compressor"], r["prompt"])]
        acc = out.setdefault(r["compressor"], {"n": 0, "identical": 0, "jaccard": [], "calls": [0, 0], "s": [0.0, 0.0]})
        acc["n"] += 1
        acc["identical"] += r["ids"] == other["ids"]
        acc["jaccard"].append(jaccard(r["ids"], other["ids"]))
        for i, row in enumerate((r, other)):
            acc["calls"][i] += row.get("attempts") or 0
            acc["s"][i] += row["seconds"]
    return out


def render(old: dict, runs: dict[str, dict]) -> str:
    """The Markdown report: versions, then one agreement table per comparison."""
    lines = ["# LLMLingua family: kept tokens on two transformers stacks", ""]
    for label, data in [("old", old), *runs.items()]:
        m = data["meta"]
        lines.append(
            f"- {label}: transformers {m['transformers']}, llmlingua {m['llmlingua']}, torch {m['torch']}, "
            f"scoring model `{m['model_dir']}`, KV adapter {m['adapter']}"
        )
    prompts = sorted({r["prompt"] for r in old["rows"]})
    lines += [
        "",
        f"Prompts ({len(prompts)}, tokens in: "
        + ", ".join(f"{p} {next(r['tokens_in'] for r in old['rows'] if r['prompt'] == p)}" for p in prompts)
        + f"); cl100k_base, rate {RATE}.",
        "",
    ]
    for label, data in runs.items():
        lines += [
            f"## old vs {label}",
            "",
            "| compressor | prompts | identical | mean Jaccard | least Jaccard "
            "| library calls old / new | seconds old / new |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, acc in compare(old, data).items():
            j, (c0, c1), (s0, s1) = acc["jaccard"], acc["calls"], acc["s"]
            lines.append(
                f"| {name} | {acc['n']} | {acc['identical']}/{acc['n']} | {sum(j) / len(j):.3f} | {min(j):.3f} "
                f"| {c0} / {c1} | {s0:.1f} / {s1:.1f} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--old", help="interpreter of the old stack (e.g. transformers 4.46.3)")
    p.add_argument("--new", help="interpreter of the new stack (e.g. transformers 5.x)")
    p.add_argument("--out", help="write the Markdown report here too")
    p.add_argument("--workdir", default="/tmp/lingua_versions", help="JSON outputs and the tiny BERT")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--model", default="smollm2", help=argparse.SUPPRESS)
    p.add_argument("--bert", help=argparse.SUPPRESS)
    p.add_argument("--json", help=argparse.SUPPRESS)
    p.add_argument("--make-bert", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.make_bert:
        make_bert(Path(args.make_bert))
        return 0
    if args.worker:
        worker(args.model, args.bert, Path(args.json))
        return 0
    if not (args.old and args.new):
        p.error("--old and --new interpreters are required")
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    bert = work / "tiny-bert-classifier"
    if not (bert / "config.json").is_file():
        subprocess.run([args.old, __file__, "--make-bert", str(bert)], check=True)
    old = run_worker(args.old, "smollm2", bert, work / "old.json")
    runs = {
        "new (own conversion)": run_worker(args.new, "smollm2", bert, work / "new.json"),
        "new (same directory)": run_worker(args.new, old["meta"]["model_dir"], bert, work / "new_shared.json"),
    }
    report = render(old, runs)
    print(report)
    if args.out:
        Path(args.out).write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
