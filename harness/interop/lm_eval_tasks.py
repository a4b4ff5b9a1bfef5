"""``export-lm-eval``: our tasks as lm-eval tasks, offline (task YAMLs + local JSON-lines data + ``utils.py``).

For each task spec, ``DIR/<name>.yaml`` and ``DIR/<name>.jsonl`` hold the test split
(``--limit`` examples drawn with ``--seed``, as ``ltsc-bench run`` draws them), and
``DIR/utils.py`` (:mod:`.lm_eval_task_utils`) loads the data and scores it. The name is
``ltsc_`` + the spec in lowercase with every other character run as ``_``
(``tree`` -> ``ltsc_tree``, ``tree@stage=large`` -> ``ltsc_tree_stage_large``); every
exported task also carries the tag ``ltsc`` (``--tasks ltsc`` runs them all).

Each document is ``{"id", "prompt", "prefix", "context", "suffix", "target", ...}`` with
``prompt = prefix + context + suffix``. Tasks with fixed choices become ``multiple_choice``
(label scoring, ``target_delimiter: ""``: the choice follows the prompt as in the harness);
the others ``generate_until`` with greedy decoding that stops at the end of text only,
``max_gen_toks`` = the longest target in ``--tokenizer`` tokens + 2 (as the harness decodes).
Scores come from ``process_results`` in ``utils.py`` (exact match after stripping
surrounding whitespace, plus ``edit_similarity`` where the task reports it), never from a
metric lm-eval would fetch from a hub. Afterwards
``lm_eval --include_path DIR --tasks ltsc_tree ...`` runs offline.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from ..errors import HarnessError

TAG = "ltsc"
UTILS = Path(__file__).with_name("lm_eval_task_utils.py")
#: the fields of an exported document that hold the prompt's parts (``prompt = prefix + context + suffix``)
PARTS = ("prefix", "context", "suffix")


def is_exported_doc(doc) -> bool:
    """A document written by ``export-lm-eval`` (it carries the prompt's parts)."""
    return isinstance(doc, dict) and all(isinstance(doc.get(k), str) for k in PARTS)


def task_name(label: str) -> str:
    """The lm-eval task name of a task spec."""
    return "ltsc_" + re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def _docs(task, label: str, examples) -> list[dict]:
    from ..tasks.scoring import edit_similarity, exact_match

    standard = task.scorer is exact_match and all(f is edit_similarity for f in task.extra_scorers.values())
    choices = list(task.choices) if task.choices else None
    docs = []
    for ex in examples:
        doc = {"id": ex.id, "prompt": ex.prompt, "prefix": ex.prefix, "context": ex.context, "suffix": ex.suffix,
               "target": ex.target, "task_spec": label, "extra_scores": sorted(task.extra_scorers)}
        if not standard:
            doc["scorer"] = "harness"
        if choices:
            if ex.target not in choices:
                raise HarnessError(f"task {label}: target {ex.target!r} of example {ex.id} is not one of its "
                                   f"choices {choices}")
            doc.update(choices=choices, label=choices.index(ex.target))
        docs.append(doc)
    return docs


def _yaml(name: str, data_file: str, docs: list[dict], extra_scores: list[str], max_gen_toks: int) -> str:
    """The task YAML (written by hand: lm-eval reads ``!function`` tags; strings are JSON-quoted)."""
    q = json.dumps
    lines = [f"task: {name}", f"tag: {TAG}", "custom_dataset: !function utils.load", "dataset_kwargs:",
             f"  data_file: {q(data_file)}", "test_split: test", "doc_to_text: prompt"]
    if docs and docs[0].get("choices"):
        lines += ["output_type: multiple_choice", "doc_to_target: label", "doc_to_choice: choices", 'target_delimiter: ""']
    else:
        lines += ["output_type: generate_until", "doc_to_target: target", "generation_kwargs:", "  until: []",
                  "  do_sample: false", "  temperature: 0.0", f"  max_gen_toks: {max_gen_toks}"]
    lines += ["process_results: !function utils.process_results", "metric_list:"]
    for metric in ["exact_match", *extra_scores]:
        lines += [f"  - metric: {metric}", "    aggregation: mean", "    higher_is_better: true"]
    lines += ["metadata:", "  version: 1.0"]
    return "\n".join(lines) + "\n"


def export_tasks(directory, specs: list[str], limit: int | None = None, seed: int = 0, tokenizer: str = "cl100k_base",
                 max_gen_toks: int | None = None) -> list[dict]:
    """Write the lm-eval tasks of ``specs`` into ``directory``; returns one summary per task."""
    from ..spec import Spec
    from ..tasks import build_task
    from ..tokenizers import get_tokenizer
    from ..validate import integer, positive_int

    if limit is not None:
        positive_int("--limit", limit)
    integer("--seed", seed, 0)
    if max_gen_toks is not None:
        positive_int("--max-gen-toks", max_gen_toks)
    tasks = [(str(Spec.parse(s)), build_task(s)) for s in specs]  # every name checked before anything is written
    tok = get_tokenizer(tokenizer)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise HarnessError(f"{directory} exists and is not a directory; pass a directory")
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(UTILS, directory / "utils.py")
    summary = []
    for label, task in tasks:
        name = task_name(label)
        docs = _docs(task, label, task.examples("test", limit, seed))
        if not docs:
            raise HarnessError(f"task {label} has no test examples to export")
        gen = max_gen_toks or max(len(tok.encode(d["target"])) for d in docs) + 2
        with open(directory / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            fh.write("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs))
        (directory / f"{name}.yaml").write_text(_yaml(name, f"{name}.jsonl", docs, sorted(task.extra_scorers), gen))
        summary.append({"task": name, "spec": label, "examples": len(docs),
                        "output_type": "multiple_choice" if docs[0].get("choices") else "generate_until",
                        "yaml": str(directory / f"{name}.yaml")})
    return summary
