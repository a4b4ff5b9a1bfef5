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


def task_rows() -> list[dict]:
    raise NotImplementedError  # filled in by the task registry


def model_rows() -> list[dict]:
    raise NotImplementedError  # filled in by the model registry
