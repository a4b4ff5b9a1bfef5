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

``--limit`` is capped at what a task supplies (a generated task's cap, a dataset's pool), with
a note. Every document is built before anything is written; the files are then written into
a temporary folder ``DIR/.ltsc-export.tmp<PID>`` and renamed into place, so a failure or an
interrupt leaves no partial file (and no ``DIR`` it created). Other files in ``DIR`` are
never touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import TypeGuard

from ..core.errors import HarnessError

TAG = "ltsc"
#: the temporary folder an export is written into (``<STAGING><PID>`` inside DIR), then renamed into place
STAGING = ".ltsc-export.tmp"
UTILS = Path(__file__).with_name("lm_eval_task_utils.py")
#: the fields of an exported document that hold the prompt's parts (``prompt = prefix + context + suffix``)
PARTS = ("prefix", "context", "suffix")


def is_exported_doc(doc: object) -> TypeGuard[dict]:
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
        doc = {
            "id": ex.id,
            "prompt": ex.prompt,
            "prefix": ex.prefix,
            "context": ex.context,
            "suffix": ex.suffix,
            "target": ex.target,
            "task_spec": label,
            "extra_scores": sorted(task.extra_scorers),
        }
        if not standard:
            doc["scorer"] = "harness"
        if choices:
            if ex.target not in choices:
                raise HarnessError(
                    f"task {label}: target {ex.target!r} of example {ex.id} is not one of its choices {choices}"
                )
            doc.update(choices=choices, label=choices.index(ex.target))
        docs.append(doc)
    return docs


def _yaml(name: str, data_file: str, docs: list[dict], extra_scores: list[str], max_gen_toks: int) -> str:
    """The task YAML (written by hand: lm-eval reads ``!function`` tags; strings are JSON-quoted)."""
    q = json.dumps
    lines = [
        f"task: {name}",
        f"tag: {TAG}",
        "custom_dataset: !function utils.load",
        "dataset_kwargs:",
        f"  data_file: {q(data_file)}",
        "test_split: test",
        "doc_to_text: prompt",
    ]
    if docs and docs[0].get("choices"):
        lines += [
            "output_type: multiple_choice",
            "doc_to_target: label",
            "doc_to_choice: choices",
            'target_delimiter: ""',
        ]
    else:
        lines += [
            "output_type: generate_until",
            "doc_to_target: target",
            "generation_kwargs:",
            "  until: []",
            "  do_sample: false",
            "  temperature: 0.0",
            f"  max_gen_toks: {max_gen_toks}",
        ]
    lines += ["process_results: !function utils.process_results", "metric_list:"]
    for metric in ["exact_match", *extra_scores]:
        lines += [f"  - metric: {metric}", "    aggregation: mean", "    higher_is_better: true"]
    lines += ["metadata:", "  version: 1.0"]
    return "\n".join(lines) + "\n"


def export_tasks(
    directory,
    specs: list[str],
    limit: int | None = None,
    seed: int = 0,
    tokenizer: str = "cl100k_base",
    max_gen_toks: int | None = None,
    *,
    notify=None,
    progress: bool = False,
) -> list[dict]:
    """Write the lm-eval tasks of ``specs`` into ``directory``; returns one summary per task.

    ``notify(line)`` hears about a ``limit`` capped at what a task supplies; ``progress`` shows progress bars
    while long splits are generated and written."""
    from ..core.progress import progress as progress_bar
    from ..core.spec import Spec
    from ..core.validate import integer, positive_int
    from ..data.tokenizers import get_tokenizer
    from ..engine.stats import capped_examples
    from ..tasks import build_task
    from ..tasks.base import PROGRESS_FROM

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
    built = []  # every document before any file: a task that fails leaves nothing behind
    for label, task in tasks:
        docs = _docs(task, label, capped_examples(task, "test", limit, seed, "--limit", notify, progress))
        if not docs:
            raise HarnessError(f"task {label} has no test examples to export")
        built.append((label, task, docs))

    def fill(staging: Path) -> list[dict]:
        shutil.copyfile(UTILS, staging / "utils.py")
        summary = []
        for label, task, docs in built:
            name = task_name(label)
            bar = progress_bar(len(docs), f"export {name}", progress and len(docs) >= PROGRESS_FROM, unit="doc")
            longest = 0
            with open(staging / f"{name}.jsonl", "w", encoding="utf-8") as fh:
                for d in docs:
                    fh.write(json.dumps(d, ensure_ascii=False) + "\n")
                    if not max_gen_toks:
                        longest = max(longest, len(tok.encode(d["target"])))
                    bar.update(1)
            bar.close()
            gen = max_gen_toks or longest + 2
            (staging / f"{name}.yaml").write_text(_yaml(name, f"{name}.jsonl", docs, sorted(task.extra_scorers), gen))
            summary.append(
                {
                    "task": name,
                    "spec": label,
                    "examples": len(docs),
                    "output_type": "multiple_choice" if docs[0].get("choices") else "generate_until",
                    "yaml": str(directory / f"{name}.yaml"),
                }
            )
        return summary

    return write_into(directory, fill)


def write_into(directory: Path, fill):
    """``fill(staging)`` writes files into a temporary folder inside ``directory`` (created if missing), which are
    then renamed into ``directory``, replacing files of the same name; returns what ``fill`` returns. On any
    failure or interrupt the temporary folder goes, and so does ``directory`` when this call created it; other
    files in ``directory`` are never touched. Temporary folders of dead processes are removed first."""
    from ..engine.checkpoints import pid_alive

    directory = Path(directory)
    created = [p for p in [directory, *directory.parents] if not os.path.lexists(p)]  # leaf first
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarnessError(f"cannot create {directory}: {exc.strerror}; pass a writable directory") from None
    for old in directory.glob(STAGING + "*"):
        pid = old.name[len(STAGING) :]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    staging = directory / f"{STAGING}{os.getpid()}"
    try:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        result = fill(staging)
        for path in sorted(staging.iterdir()):
            path.replace(directory / path.name)
        staging.rmdir()
        return result
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        for made in created:  # the folders this call made, if still empty
            try:
                made.rmdir()
            except OSError:
                break
        if isinstance(exc, OSError):
            raise HarnessError(
                f"cannot write into {directory} ({exc.strerror or exc}); free space or pass a "
                "writable directory, then rerun"
            ) from None
        raise
