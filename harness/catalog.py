"""Rows describing every registered component, for ``ltsc-bench list``."""

from __future__ import annotations

import inspect


def tokenizer_rows() -> list[dict]:
    from .tokenizers import tokenizers

    return [{"name": e.name + ("<name-or-path>" if e.name.endswith(":") else ""), "description": e.description}
            for e in tokenizers.entries()]


def _defaults(cls) -> str:
    sig = inspect.signature(cls.__init__)
    return ",".join(f"{p.name}={p.default}" for p in sig.parameters.values()
                    if p.default is not inspect.Parameter.empty)


def compressor_rows() -> list[dict]:
    from .compressors import compressors

    return [{"name": e.name, "lossless": e.factory.lossless, "parameters": _defaults(e.factory), "description": e.description}
            for e in compressors.entries()]


def task_rows(sample: int = 4, tokenizer: str = "cl100k_base") -> list[dict]:
    """One row per registered task, built with its default parameters.

    ``mean_prompt_tokens`` is measured on the first ``sample`` test examples (kept small
    so listing stays fast); a task whose data is missing shows why instead of numbers.
    """
    from .errors import HarnessError
    from .tasks import build_task, encode_parts, tasks
    from .tokenizers import get_tokenizer

    tok = get_tokenizer(tokenizer)
    rows = []
    for entry in tasks.entries():
        row = {"name": entry.name, "source": "", "examples": "", "mean_prompt_tokens": None,
               "parameters": _defaults_of(entry.factory), "description": entry.description}
        try:
            task = build_task(entry.name)
            row["source"], row["description"] = task.source, task.description
            row["examples"] = _sizes(task)
            sample_ex = task.examples("test", sample)
            if sample_ex:
                row["mean_prompt_tokens"] = round(sum(len(sum(encode_parts(tok, ex), [])) for ex in sample_ex) / len(sample_ex), 1)
        except HarnessError as exc:
            row["examples"] = f"unavailable: {exc}"
        rows.append(row)
    return rows


def _defaults_of(func) -> str:
    sig = inspect.signature(func)
    return ",".join(f"{p.name}={p.default}" for p in sig.parameters.values() if p.default is not inspect.Parameter.empty)


def _sizes(task) -> str:
    """'train/test' counts available, or the default sizes of an unbounded generator."""
    avail = task.available() if task.available else {"train": None, "test": None}
    if avail.get("train") is None or avail.get("test") is None:
        return f"unbounded (default {task.default_sizes['train']}/{task.default_sizes['test']})"
    return f"{avail['train']}/{avail['test']}"


def model_rows() -> list[dict]:
    from .models import models

    def params(factory) -> str:
        return ",".join(p for p in _defaults(factory).split(",") if p and not p.startswith("name="))

    return [{"name": e.name + ("<name-or-path>" if e.name.endswith(":") else ""), "parameters": params(e.factory),
             "description": e.description} for e in models.entries()]
