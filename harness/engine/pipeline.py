"""The prompt pipeline: example -> tokenized parts -> compressed ids -> (round trip checked) -> model input.

This is the one place where a prompt is tokenized and compressed. ``stats``, the
runner, the benchmarks and every backend call it, so the numbers they report
describe the same sequences.

A prompt has three parts (``prefix + context + suffix``), each tokenized on its own so
the raw length does not depend on the scope. ``scope="prompt"`` (the paper's setting)
compresses the whole prompt; ``scope="context"`` only the context, with prefix and
suffix passed through. The answer is never compressed. For lossless compressors the
round trip ``decompress(compress(x)) == x`` is checked on every example and
recorded (``round_trip_ok``); lossy compressors record ``None``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.errors import HarnessError

if TYPE_CHECKING:
    from ..compressors.base import Compressed, Compressor
    from ..data.tokenizers import Tokenizer
    from ..tasks.base import Example, Task

SCOPES = ("prompt", "context")


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise HarnessError(f"unknown scope {scope!r}; use 'prompt' or 'context'")
    return scope


def encode_parts(tokenizer: Tokenizer, example: Example) -> tuple[list[int], list[int], list[int]]:
    """Token ids of (prefix, context, suffix), each part tokenized on its own."""
    return tokenizer.encode(example.prefix), tokenizer.encode(example.context), tokenizer.encode(example.suffix)


def compress_prompt(
    compressor: Compressor, parts: Sequence[list[int]], scope: str = "prompt", question: str | None = None
) -> tuple[list[int], Compressed, list[int]]:
    """Compress a tokenized prompt in ``scope``; returns ``(model_input_ids, Compressed, source_ids)``.

    ``source_ids`` is what the compressor saw (the whole prompt, or the context), i.e. what a
    lossless compressor's output must decompress to.
    """
    prefix, context, suffix = parts
    if check_scope(scope) == "prompt":
        source = prefix + context + suffix
        out = compressor.compress(source, question=question)
        return list(out.ids), out, source
    out = compressor.compress(context, question=question)
    return prefix + list(out.ids) + suffix, out, context


@dataclass
class Prompt:
    """One example through the pipeline."""

    example: Example
    #: the ids the model reads (harness ids: meta-tokens and delimiters at or above the vocabulary)
    ids: list[int]
    raw_tokens: int
    answer: list[int]
    #: the compressor's output (``Compressed``): dictionary sizes, target length, info
    compressed: Compressed
    #: ``decompress(compress(x)) == x`` for lossless compressors; None for lossy ones
    round_trip_ok: bool | None
    codec_seconds: float
    #: does the evidence the answer needs survive in what the model reads? None when the task declares none
    answer_retained: bool | None = None

    def info(self) -> dict:
        """The per-example compression fields every record carries."""
        out = self.compressed
        return {
            "dictionary_entries": out.dictionary_entries,
            "dictionary_tokens": out.dictionary_tokens,
            "changed": out.changed,
            "compressed_tokens": out.tokens_out,
            "target_tokens": out.target_tokens,
        }


@dataclass
class Pipeline:
    """Tokenizer + compressor + scope: turns examples into :class:`Prompt` objects."""

    tokenizer: Tokenizer
    compressor: Compressor
    scope: str = "prompt"
    #: check the round trip of lossless compressors (always on in the harness; benchmarks may time without it)
    check_round_trip: bool = True

    def __post_init__(self):
        check_scope(self.scope)

    def prepare(self, example: Example) -> Prompt:
        parts = encode_parts(self.tokenizer, example)
        start = time.perf_counter()
        ids, out, source = compress_prompt(self.compressor, parts, self.scope, question=example.question)
        seconds = time.perf_counter() - start
        ok = None
        if self.compressor.lossless and self.check_round_trip:
            ok = round_trip_ok(self.compressor, out.ids, source)
        retained = self.retained(example, ids, ok)
        return Prompt(
            example, ids, sum(map(len, parts)), self.tokenizer.encode(example.target), out, ok, seconds, retained
        )

    def retained(self, example: Example, ids: list[int], ok: bool | None) -> bool | None:
        """Answer retention: every piece of :func:`evidence` is verbatim in what the model reads (for a lossless
        compressor: in the decompressed input, i.e. whenever the round trip holds)."""
        pieces = evidence(example)
        if pieces is None:
            return None
        if self.compressor.lossless:
            return bool(ok) if self.check_round_trip else None
        text = self.tokenizer.decode(ids)
        return all(piece in text for piece in pieces)

    def prepare_all(self, examples) -> list[Prompt]:
        return [self.prepare(ex) for ex in examples]

    def split(self, task: Task, split: str, n: int | None, seed: int) -> list[Prompt]:
        """The task's ``split`` (``n`` examples, ``seed``) through the pipeline."""
        return self.prepare_all(task.examples(split, n, seed))


def evidence(example: Example) -> list[str] | None:
    """What the answer needs from the prompt: the task's declared ``meta["evidence"]`` strings, else the target
    itself when it appears in the prompt; None when neither (e.g. a yes/no answer)."""
    declared = example.meta.get("evidence") if isinstance(example.meta, dict) else None
    if declared:
        return [str(piece) for piece in declared]
    return [example.target] if example.target and example.target in example.prompt else None


def round_trip_ok(compressor: Compressor, compressed_ids: Sequence[int], source: Sequence[int]) -> bool:
    """Does ``compressed_ids`` decompress to ``source`` exactly? A decoding error counts as a failure."""
    try:
        return list(compressor.decompress(compressed_ids)) == list(source)
    except HarnessError:
        return False
