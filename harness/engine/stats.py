"""Model-free compression statistics: one row per task x compressor (``ltsc-bench stats``).

Every example goes through the prompt pipeline (:mod:`harness.pipeline`: tokenized
once per compressor, compressed in the chosen scope, the round trip checked for
lossless compressors); the per-example compression records are then aggregated by
the metrics registry (:mod:`harness.metrics`), the same definitions the run
leaderboard uses. Row fields (output names, a contract of ``stats --format json``):

- ``examples``, ``mean_tokens_raw``, ``mean_tokens`` (what the model would read,
  dictionary and delimiters included);
- ``length_reduction`` (mean of 1 - n_c/n_raw), ``length_reduction_pooled`` (1 - Σn_c/Σn_raw),
  ``attention_reduction`` (1 - Σn_c²/Σn_raw², the paper's proxy);
- ``dictionary_entries``; ``lossless_rate`` (round trip checked on every example; None for lossy);
- ``answer_retention``: the fraction of examples whose evidence (the task's declared evidence strings, else
  the answer itself when it appears in the prompt) survives verbatim in what the model reads: in the
  decompressed input for lossless compressors, in the compressed text for lossy ones. An upper bound on
  the accuracy of any reader; None for tasks whose answer cannot be found in the prompt (e.g. yes/no);
- ``codec_ms`` (compression time per example, tokenization excluded);
- ``rate_adherence`` (mean tokens_out / target_tokens, for compressors that aim at a length).
"""

from __future__ import annotations

from ..core.errors import HarnessError
from ..core.progress import progress as progress_bar
from ..core.spec import Spec
from ..core.validate import positive_int
from .pipeline import Pipeline, check_scope

DEFAULT_COMPRESSORS = ("raw", "ltsc")
DEFAULT_TOKENIZER = "cl100k_base"
DEFAULT_LIMIT = 100

#: the paper's averages (arXiv 2506.00307 abstract): length and attention-compute reduction per task
PAPER_FIGURES = {
    "tree": "27% / 47%",
    "code_edit": "18% / 33%",
    "commitpackft": "18% / 33%",
}

#: stats output field -> metric name (harness.metrics)
COLUMNS = {
    "examples": "n",
    "mean_tokens_raw": "mean_raw_tokens",
    "mean_tokens": "mean_tokens",
    "length_reduction": "length_reduction",
    "length_reduction_pooled": "length_reduction_sums",
    "attention_reduction": "attention_reduction",
    "dictionary_entries": "dictionary_entries",
    "lossless_rate": "round_trip_rate",
    "answer_retention": "answer_retention",
    "codec_ms": "codec_ms",
    "rate_adherence": "rate_adherence",
}


def default_tasks(notify=None) -> list:
    """Every registered offline task with its default parameters whose data is present here.

    Tasks whose data is missing are skipped; ``notify(message)`` is told why.
    """
    from ..tasks import build_task, tasks

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
    return str(Spec(task.name, task.params))


def example_record(prompt) -> dict:
    """The model-free per-example record of one prompt (the fields the compression metrics read)."""
    return {
        "raw_tokens": prompt.raw_tokens,
        "input_tokens": len(prompt.ids),
        "round_trip_ok": prompt.round_trip_ok,
        "codec_seconds": prompt.codec_seconds,
        "answer_retained": prompt.answer_retained,
        **prompt.info(),
    }


def aggregate(records: list[dict]) -> dict:
    """One stats row (the :data:`COLUMNS` fields) from per-example records."""
    import pandas as pd

    from ..results.metrics import compute

    values = compute(COLUMNS.values(), pd.DataFrame(records))
    return {out: values[name] for out, name in COLUMNS.items()}


def capped_examples(task, split: str, n: int | None, seed: int, flag: str, notify=None, progress: bool = False) -> list:
    """``task.examples(split, n, seed)``, never more than the task supplies: a generated task's declared cap, a
    fixed dataset's pool. A count above that is capped, and ``notify`` gets one line saying so (``flag`` names
    the option that asked), before generating for a cap, after loading for a pool."""
    from ..tasks.base import size_note

    cap = task.cap(split)
    if n is not None and cap is not None and n > cap and notify:
        notify(size_note(task_label(task), split, n, cap, flag, generated=True))
    examples = task.examples(split, n, seed, progress=progress)
    if n is not None and len(examples) < n and (cap is None or len(examples) < min(n, cap)) and examples and notify:
        notify(size_note(task_label(task), split, n, len(examples), flag, generated=False))
    return examples


def compression_stats(
    tasks=None,
    compressors=DEFAULT_COMPRESSORS,
    tokenizer=DEFAULT_TOKENIZER,
    *,
    scope: str = "prompt",
    limit: int | None = DEFAULT_LIMIT,
    seed: int = 42,
    split: str = "test",
    progress: bool = True,
    notify=None,
) -> list[dict]:
    """Rows of compression statistics, one per task x compressor.

    ``tasks``: task specs (``name@k=v``) or :class:`Task` objects (None = :func:`default_tasks`);
    ``compressors``: compressor specs; ``tokenizer``: a name or a Tokenizer.
    """
    from ..compressors import build_compressor
    from ..data.tokenizers import get_tokenizer
    from ..tasks import build_task

    check_scope(scope)
    if limit is not None:
        positive_int("--limit", limit)
    tok = get_tokenizer(tokenizer) if isinstance(tokenizer, str) else tokenizer
    labels = [str(c) for c in compressors]
    pipes = [Pipeline(tok, build_compressor(c, tok), scope) for c in compressors]  # bad names fail before any work
    task_objs = default_tasks(notify) if tasks is None else [build_task(t) if isinstance(t, str) else t for t in tasks]

    rows = []
    for task in task_objs:
        examples = capped_examples(task, split, limit, seed, "--limit", notify, progress)
        if not examples:
            raise HarnessError(f"task {task_label(task)} has no {split} examples; check its parameters")
        bar = progress_bar(len(examples) * len(pipes), task_label(task), progress, unit="ex")
        per_comp: list[list[dict]] = [[] for _ in pipes]
        for ex in examples:
            for pipe, recs in zip(pipes, per_comp):
                recs.append(example_record(pipe.prepare(ex)))
                bar.update(1)
        bar.close()
        for label, pipe, recs in zip(labels, pipes, per_comp):
            rows.append(
                {
                    "task": task_label(task),
                    "compressor": label,
                    **aggregate(recs),
                    "compressor_config": pipe.compressor.spec,
                    "tokenizer": tok.name,
                    "scope": scope,
                    "split": split,
                    "seed": seed,
                }
            )
    if rows and all(r["rate_adherence"] is None for r in rows):
        for r in rows:
            del r["rate_adherence"]
    return rows


CONFIG_KEYS = ("compressor_config", "tokenizer", "scope", "split", "seed")
PERCENT = (
    "length_reduction",
    "length_reduction_pooled",
    "attention_reduction",
    "lossless_rate",
    "answer_retention",
    "rate_adherence",
)


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


def render_stats(rows: list[dict], fmt: str = "markdown", floatfmt: str = ".1f") -> str:
    """``stats`` rows as a table (Markdown shows percentages and the paper's figures)."""
    from ..results.tables import render_rows

    if fmt == "markdown":
        return render_rows(markdown_rows(rows), "markdown", floatfmt=floatfmt)
    return render_rows(rows, fmt)
