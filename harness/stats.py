"""Model-free compression statistics: one row per task x compressor (``ltsc-bench stats``).

For every example the prompt parts are tokenized once; each compressor then
compresses the prompt (``scope="prompt"``, the paper's setting) or only its context
(``scope="context"``). Lengths count what the model would receive, dictionary and
delimiters included (design notes §4):

- ``length_reduction``: mean over examples of 1 - n_c / n_raw;
  ``length_reduction_pooled``: 1 - sum(n_c) / sum(n_raw);
- ``attention_reduction``: the paper's quadratic proxy, 1 - sum(n_c^2) / sum(n_raw^2);
- ``lossless_rate``: for lossless compressors, the fraction of examples with
  ``decompress(compress(x)) == x`` (checked, never assumed); None for lossy ones;
- ``codec_ms``: mean compression time per example (tokenization excluded);
- ``rate_adherence``: mean tokens_out / target_tokens, for compressors that report a target.

:func:`compression_stats` is the entry point for other commands (the runner's default suite).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from .errors import HarnessError

DEFAULT_COMPRESSORS = ("raw", "ltsc")
DEFAULT_TOKENIZER = "cl100k_base"
DEFAULT_LIMIT = 100

#: the paper's averages (arXiv 2506.00307 abstract): length and attention-compute reduction per task
PAPER_FIGURES = {
    "tree": "27% / 47%",
    "code_edit": "18% / 33%",
    "commitpackft": "18% / 33%",
}


def default_tasks(notify=None) -> list:
    """Every registered offline task with its default parameters whose data is present here.

    Tasks whose data is missing are skipped; ``notify(message)`` is told why.
    """
    from .tasks import build_task, tasks

    out = []
    for name in tasks.names():
        try:
            task = build_task(name)
            if task.offline:
                task.examples("test", 1)  # fails fast if the data is missing
                out.append(task)
        except HarnessError as exc:
            if notify:
                notify(f"skipping task {name}: {exc}")
    return out


def task_label(task) -> str:
    from .spec import Spec

    return str(Spec(task.name, task.params))


@dataclass
class _Acc:
    """Per (task, compressor) sums."""

    n: int = 0
    raw: int = 0
    out: int = 0
    raw_sq: int = 0
    out_sq: int = 0
    reduction: float = 0.0
    entries: int = 0
    lossless_ok: int = 0
    seconds: float = 0.0
    adherence: list = field(default_factory=list)

    def add(self, n_raw: int, n_out: int, compressed, ok: bool | None, seconds: float) -> None:
        self.n += 1
        self.raw += n_raw
        self.out += n_out
        self.raw_sq += n_raw * n_raw
        self.out_sq += n_out * n_out
        self.reduction += 1.0 - n_out / n_raw if n_raw else 0.0
        self.entries += compressed.dictionary_entries
        self.lossless_ok += bool(ok)
        self.seconds += seconds
        if compressed.target_tokens:
            self.adherence.append(compressed.tokens_out / compressed.target_tokens)

    def row(self, lossless: bool) -> dict:
        n = max(self.n, 1)
        return {
            "examples": self.n,
            "mean_tokens_raw": self.raw / n,
            "mean_tokens": self.out / n,
            "length_reduction": self.reduction / n,
            "length_reduction_pooled": 1.0 - self.out / self.raw if self.raw else 0.0,
            "attention_reduction": 1.0 - self.out_sq / self.raw_sq if self.raw_sq else 0.0,
            "dictionary_entries": self.entries / n,
            "lossless_rate": self.lossless_ok / n if lossless else None,
            "codec_ms": 1000.0 * self.seconds / n,
            "rate_adherence": sum(self.adherence) / len(self.adherence) if self.adherence else None,
        }


def compression_stats(tasks=None, compressors=DEFAULT_COMPRESSORS, tokenizer=DEFAULT_TOKENIZER, *, scope: str = "prompt",
                      limit: int | None = DEFAULT_LIMIT, seed: int = 42, split: str = "test", progress: bool = True,
                      notify=None) -> list[dict]:
    """Rows of compression statistics, one per task x compressor.

    ``tasks``: task specs (``name@k=v``) or :class:`Task` objects (None = :func:`default_tasks`);
    ``compressors``: compressor specs; ``tokenizer``: a name or a Tokenizer.
    """
    from .compressors import build_compressor
    from .tasks import build_task, compress_prompt, encode_parts
    from .tokenizers import get_tokenizer

    if scope not in ("prompt", "context"):
        raise HarnessError(f"unknown scope {scope!r}; use 'prompt' or 'context'")
    if limit is not None and limit < 1:
        raise HarnessError(f"--limit must be a positive number of examples, got {limit}")
    tok = get_tokenizer(tokenizer) if isinstance(tokenizer, str) else tokenizer
    labels = [str(c) for c in compressors]
    comps = [build_compressor(c, tok) for c in compressors]  # fail on a bad name before any work
    task_objs = default_tasks(notify) if tasks is None else [build_task(t) if isinstance(t, str) else t for t in tasks]

    rows = []
    for task in task_objs:
        examples = task.examples(split, limit, seed)
        if not examples:
            raise HarnessError(f"task {task_label(task)} has no {split} examples; check its parameters")
        accs = [_Acc() for _ in comps]
        bar = _progress(len(examples) * len(comps), task_label(task), progress)
        for ex in examples:
            parts = encode_parts(tok, ex)
            n_raw = sum(map(len, parts))
            source = parts[0] + parts[1] + parts[2] if scope == "prompt" else parts[1]
            for comp, acc in zip(comps, accs):
                start = time.perf_counter()
                model_ids, out = compress_prompt(comp, parts, scope, question=ex.question)
                seconds = time.perf_counter() - start
                ok = comp.decompress(out.ids) == source if comp.lossless else None
                acc.add(n_raw, len(model_ids), out, ok, seconds)
                bar.update(1)
        bar.close()
        for label, comp, acc in zip(labels, comps, accs):
            rows.append({"task": task_label(task), "compressor": label, **acc.row(comp.lossless),
                         "compressor_config": comp.spec, "tokenizer": tok.name, "scope": scope, "split": split, "seed": seed})
    if rows and all(r["rate_adherence"] is None for r in rows):
        for r in rows:
            del r["rate_adherence"]
    return rows


def _progress(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    # disable=None: tqdm draws only on a terminal, so logs stay clean
    return tqdm(total=total, desc=desc, unit="ex", file=sys.stderr, disable=None if enabled else True, leave=False)


CONFIG_KEYS = ("compressor_config", "tokenizer", "scope", "split", "seed")
PERCENT = ("length_reduction", "length_reduction_pooled", "attention_reduction", "lossless_rate", "rate_adherence")


def markdown_rows(rows: list[dict]) -> list[dict]:
    """Rows for the Markdown table: percentages, and the paper's figures (lossless meta-token rows of the tasks
    that mirror the paper's own) for comparison."""
    out = []
    for r in rows:
        shown = {k: v for k, v in r.items() if k not in CONFIG_KEYS}
        for key in PERCENT:
            if key in shown:
                shown[key] = "—" if shown[key] is None else f"{100 * shown[key]:.1f}%"
        name = r["task"].partition("@")[0]
        meta_tokens = r["lossless_rate"] is not None and r["compressor"].partition("@")[0] != "raw"
        shown["paper (length / compute)"] = PAPER_FIGURES.get(name, "") if meta_tokens else ""
        out.append(shown)
    return out
