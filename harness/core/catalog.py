"""Rows describing every registered component, for ``ltsc-bench list``; parameters come from the registries."""

from __future__ import annotations

import inspect


def _params(registry, name: str, positional: int = 0) -> str:
    """``key=default,...`` of an entry's parameters that have a default."""
    return ",".join(
        f"{k}={v}" for k, v in registry.parameters(name, positional).items() if v is not inspect.Parameter.empty
    )


def _shown(name: str) -> str:
    return name + ("<name-or-path>" if name.endswith(":") else "")


def tokenizer_rows() -> list[dict]:
    from ..data.tokenizers import tokenizers

    return [{"name": _shown(e.name), "description": e.description} for e in tokenizers.entries()]


def compressor_rows() -> list[dict]:
    from ..compressors import compressors

    return [
        {
            "name": e.name,
            "lossless": e.factory.lossless,
            "parameters": _params(compressors, e.name, positional=1),
            "description": e.description,
        }
        for e in compressors.entries()
    ]


def model_rows() -> list[dict]:
    from ..models import models

    return [
        {"name": _shown(e.name), "parameters": _params(models, e.name), "description": e.description}
        for e in models.entries()
    ]


def metric_rows() -> list[dict]:
    from ..results.metrics import metrics

    direction = {True: "higher", False: "lower", None: ""}
    return [
        {
            "name": e.name,
            "format": e.factory.fmt,
            "better": direction[e.factory.higher_is_better],
            "reads": ",".join(e.factory.needs),
            "description": e.description,
        }
        for e in metrics.entries()
    ]


def task_rows(sample: int = 4, tokenizer: str = "cl100k_base") -> list[dict]:
    """One row per registered task, built with its default parameters.

    ``mean_prompt_tokens`` is measured on the first ``sample`` test examples (kept small
    so listing stays fast); a task whose data is missing shows why instead of numbers.
    """
    from ..data.tokenizers import get_tokenizer
    from ..engine.pipeline import encode_parts
    from ..tasks import build_task, tasks
    from .errors import HarnessError

    tok = get_tokenizer(tokenizer)
    rows = []
    for entry in tasks.entries():
        row = {
            "name": entry.name,
            "source": "",
            "examples": "",
            "mean_prompt_tokens": None,
            "parameters": _params(tasks, entry.name),
            "description": entry.description,
        }
        try:
            task = build_task(entry.name)
            row["source"], row["description"] = task.source, task.description
            row["examples"] = _sizes(task)
            sample_ex = task.examples("test", sample)
            if sample_ex:
                row["mean_prompt_tokens"] = round(
                    sum(sum(map(len, encode_parts(tok, ex))) for ex in sample_ex) / len(sample_ex), 1
                )
        except HarnessError as exc:
            row["examples"] = f"unavailable: {exc}"
        rows.append(row)
    return rows


def _sizes(task) -> str:
    """'train/test' counts available, or the default sizes of an unbounded generator."""
    avail = task.available() if task.available else {"train": None, "test": None}
    if avail.get("train") is None or avail.get("test") is None:
        return f"unbounded (default {task.default_sizes['train']}/{task.default_sizes['test']})"
    return f"{avail['train']}/{avail['test']}"


def backend_rows() -> list[dict]:
    import dataclasses

    from ..backends import all_backends
    from ..backends.base import option_flags

    rows = []
    for name, backend in all_backends().items():
        flags = option_flags(backend)
        options = ", ".join(
            f"{f.name} ({flags[f.name]['flag']})" if f.name in flags else f.name
            for f in dataclasses.fields(backend.Options)
        )
        doc = (backend.__doc__ or "").strip().splitlines()
        rows.append({"name": name, "options": options, "description": doc[0] if doc else ""})
    return rows
