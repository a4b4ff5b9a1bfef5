"""The compressor interface and its registry.

A compressor maps the token ids of a prompt (or of its context part) to the ids the
model receives. Lossless compressors also invert that map exactly. Extra ids a
compressor introduces (meta-tokens, dictionary delimiters) lie at or above the
tokenizer's ``vocab_size``, so a model learns them as new embeddings.

Compressors are built from a spec (``name@key=value,...``) and a tokenizer::

    comp = build_compressor("ltsc@max_len=8", get_tokenizer("cl100k_base"))
    out = comp.compress(ids)
    assert comp.decompress(out.ids) == ids
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..core.errors import HarnessError
from ..core.registry import Registry
from ..core.spec import Spec
from .format import token_ids


@dataclass(frozen=True)
class Compressed:
    """The result of compressing one sequence."""

    ids: list[int]
    tokens_in: int
    dictionary_entries: int = 0
    #: tokens spent on the dictionary, delimiters included (0 when unchanged)
    dictionary_tokens: int = 0
    #: False when the output is the input unchanged (compression would not shorten it)
    changed: bool = True
    #: compressor-specific details (e.g. which lengths paid, pool exhaustion)
    info: dict = field(default_factory=dict)
    #: lossy compressors: the length they were asked for (rate adherence = tokens_out / target_tokens)
    target_tokens: int | None = None

    @property
    def tokens_out(self) -> int:
        return len(self.ids)

    @property
    def reduction(self) -> float:
        """1 - out/in (0 for an empty input)."""
        return 1.0 - self.tokens_out / self.tokens_in if self.tokens_in else 0.0

    @property
    def attention_reduction(self) -> float:
        """The paper's quadratic-attention proxy: 1 - out^2/in^2."""
        return 1.0 - (self.tokens_out / self.tokens_in) ** 2 if self.tokens_in else 0.0


class Compressor:
    """Base class. Subclasses set ``name``/``lossless`` and implement ``compress``.

    Constructor keyword arguments are the compressor's parameters; every one has a
    default, and :attr:`params` reports the resolved values so they can be recorded
    with every result.
    """

    name: ClassVar[str] = ""
    lossless: ClassVar[bool] = False

    def __init__(self, tokenizer, **params):
        self.tokenizer = tokenizer
        self.vocab_size = tokenizer.vocab_size
        self.params = params

    # -- the interface -------------------------------------------------------------
    def compress(self, ids: Sequence[int], *, question: str | None = None) -> Compressed:
        """Compress ``ids``. ``question`` is the task's question, for query-aware lossy methods."""
        raise NotImplementedError

    def decompress(self, ids: Sequence[int]) -> list[int]:
        """Invert :meth:`compress` exactly (lossless compressors only)."""
        raise HarnessError(f"compressor {self.name!r} is lossy: it has no decompress")

    @property
    def extra_vocab(self) -> int:
        """How many ids above ``vocab_size`` this compressor may emit."""
        return 0

    # -- helpers -------------------------------------------------------------------
    @property
    def spec(self) -> str:
        return str(Spec(self.name, self.params))

    def check_ids(self, ids: Sequence[int]) -> np.ndarray:
        """``ids`` as int64, after rejecting non-integers and ids outside the tokenizer's range (they would
        collide with meta-tokens)."""
        return token_ids(ids, self.vocab_size, self.tokenizer.name)

    def unchanged(self, ids: Sequence[int], **info) -> Compressed:
        return Compressed(list(ids), len(ids), changed=False, info=info)


compressors: Registry[type[Compressor]] = Registry("compressor")


def register(cls: type[Compressor]) -> type[Compressor]:
    """Class decorator: register a compressor under its ``name``."""
    compressors.register(cls.name, cls)
    return cls


def build_compressor(spec: str | Spec, tokenizer, **extra) -> Compressor:
    """Instantiate a registered compressor from ``name@key=value,...`` (``extra`` overrides the spec's
    parameters); every failure is one :class:`HarnessError` line (see :meth:`Registry.build`)."""
    return compressors.build(spec, tokenizer, **extra)
