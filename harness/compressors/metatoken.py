"""The base class of the lossless meta-token codecs (``ltsc`` and its variants).

Output format (design §2, read and checked by :mod:`.format`)::

    <Dict> mt_1 s_1 ... mt_k s_k </Dict> body

Each ``s_i`` is a run of ordinary tokens and ``body`` is the input with chosen
occurrences of ``s_i`` replaced by ``mt_i``. Flat codecs (``ltsc``, ``ltsc-opt``) put
no meta-tokens in entries; ``ltsc-nested`` lets an entry hold meta-tokens of entries
defined before it. An input that compression would not shorten is returned unchanged;
since input ids are below ``vocab_size`` it never starts with ``<Dict>``, so
``decompress`` can tell the two apart.

Ids above the tokenizer's vocabulary (``V = vocab_size``): ``<Dict>`` = V,
``</Dict>`` = V+1 (both overridable), and the meta-token pool V+2 .. V+1+pool_size.
Meta-tokens are drawn uniformly without replacement from the pool (a random
permutation, entries take them in order) by a RNG seeded from ``seed`` *and a
digest of the input*, so the same input always gets the same
output while different inputs get different meta-tokens: a model cannot memorise
what a meta-token means and has to read the dictionary.

Resources are bounded by the input, not the parameters: the repeat index caps
``max_len`` at the input length (:class:`~.repeats.RepeatIndex`), ``pool_size`` is at
most :data:`MAX_POOL_SIZE` (the draw permutes the whole pool: O(pool_size) time and
memory per input) and the delimiters lie below ``vocab_size +`` :data:`MAX_EXTRA_IDS`.
Repeat discovery lives in :mod:`.repeats`; its names are re-exported here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from ..core import validate
from .base import Compressed, Compressor
from .format import Layout, decode, dictionary_of, substitute, token_ids
from .repeats import Entry, Groups, RepeatIndex, WindowClasses, mark, min_count, pays, savings, take_free

__all__ = [
    "MAX_EXTRA_IDS",
    "MAX_POOL_SIZE",
    "MetaTokenCompressor",
    "check_params",
    "input_digest",
    # moved: repeat discovery (.repeats) and the format (.format), re-exported for existing importers
    "Entry",
    "Groups",
    "RepeatIndex",
    "WindowClasses",
    "mark",
    "min_count",
    "pays",
    "savings",
    "take_free",
    "Layout",
    "decode",
    "dictionary_of",
    "substitute",
    "token_ids",
]

#: the largest meta-token pool, 16,777,216 ids: a draw permutes the whole pool (at the bound 128 MiB and ~0.5 s
#: per input), and vocab_size + 2 + pool_size stays far inside int64
MAX_POOL_SIZE = 2**24
#: every id a meta-token codec emits is below vocab_size + MAX_EXTRA_IDS (delimiters included)
MAX_EXTRA_IDS = 2**25


def input_digest(tokens: np.ndarray) -> int:
    return int.from_bytes(hashlib.blake2b(tokens.astype(np.int64).tobytes(), digest_size=8).digest(), "big")


def check_params(vocab: int, max_len, pool_size, seed, dict_open, dict_close) -> dict:
    """The validated parameters (``dict_open``/``dict_close`` resolved), in :attr:`Compressor.params` order."""
    max_len = validate.integer("max_len", max_len, 2)
    pool_size = validate.positive_int("pool_size", pool_size, MAX_POOL_SIZE)
    seed = validate.integer("seed", seed)
    pool = range(vocab + 2, vocab + 2 + pool_size)
    delims = {}
    for name, value, default in (("dict_open", dict_open, vocab), ("dict_close", dict_close, vocab + 1)):
        value = validate.integer(name, default if value is None else value, vocab, vocab + MAX_EXTRA_IDS - 1)
        if value in pool:
            raise validate.InvalidParameter(
                f"{name} must be >= vocab_size {vocab} and outside the meta-token pool "
                f"{pool.start}..{pool.stop - 1}, got {value}"
            )
        delims[name] = value
    if delims["dict_open"] == delims["dict_close"]:
        raise validate.InvalidParameter(f"dict_open and dict_close must differ, got {delims['dict_open']} for both")
    return {"max_len": max_len, "pool_size": pool_size, "seed": seed, **delims}


class MetaTokenCompressor(Compressor):
    """Base of the lossless meta-token codecs; subclasses implement :meth:`select`.

    Parameters (all recorded in :attr:`params`):
      max_len    longest run considered for a dictionary entry (``ltsc``: 8, as in the public
                 reimplementation, the paper's is unknown; on stdlib code 8 also beat 16 and 32)
      pool_size  number of meta-token ids (1 .. MAX_POOL_SIZE); at most this many entries per input
      seed       seeds the per-input meta-token draw (mixed with a digest of the input)
      dict_open, dict_close  delimiter ids (default vocab_size and vocab_size+1)
    """

    lossless = True
    #: entries may refer to entries defined before them (``ltsc-nested``); flat codecs reject references
    nested: ClassVar[bool] = False

    def __init__(
        self,
        tokenizer,
        max_len: int = 8,
        pool_size: int = 1024,
        seed: int = 0,
        dict_open: int | None = None,
        dict_close: int | None = None,
    ):
        super().__init__(tokenizer)
        self.params = check_params(self.vocab_size, max_len, pool_size, seed, dict_open, dict_close)
        p = self.params
        self.max_len, self.pool_size, self.seed = p["max_len"], p["pool_size"], p["seed"]
        self.dict_open, self.dict_close = p["dict_open"], p["dict_close"]
        self.pool_start = self.vocab_size + 2
        self.layout = Layout(
            self.name, self.vocab_size, self.dict_open, self.dict_close, self.pool_start, self.pool_size, self.nested
        )

    @property
    def extra_vocab(self) -> int:
        return max(self.pool_start + self.pool_size, self.dict_open + 1, self.dict_close + 1) - self.vocab_size

    # -- selection (subclasses) ------------------------------------------------------
    def select(self, tokens: np.ndarray, max_entries: int) -> list[Entry]:
        """Choose at most ``max_entries`` entries with pairwise disjoint occurrences."""
        raise NotImplementedError

    def encode(self, ids: list[int], metas: list[int]) -> tuple[list[int], list[int], int]:
        """(dictionary entries ``mt s ...`` without delimiters, body, entry count); flat: one selection."""
        entries = self.select(np.asarray(ids, dtype=np.int64), len(metas))
        return dictionary_of(ids, entries, metas), substitute(ids, entries, metas), len(entries)

    # -- compress / decompress ---------------------------------------------------------
    def as_array(self, ids: Sequence[int]) -> np.ndarray:
        """The ids as int64, after checking they are integers in the tokenizer's range."""
        return token_ids(ids, self.vocab_size, self.tokenizer.name)

    def draw(self, tokens: np.ndarray) -> list[int]:
        """The meta-token ids in the order entries get them: a uniform random permutation of the pool,
        seeded by ``seed`` and a digest of the input (same input, same draw; other inputs, other draws).

        Only the first ``len(tokens)`` are returned: an entry covers at least 8 tokens, so no input uses
        more, and a large pool costs one permutation, not a Python list of it."""
        rng = np.random.default_rng([self.seed % 2**64, input_digest(tokens)])
        return (self.pool_start + rng.permutation(self.pool_size)[: len(tokens)]).tolist()

    def compress(self, ids: Sequence[int], *, question: str | None = None) -> Compressed:
        tokens = self.as_array(ids)
        seq: list[int] = tokens.tolist()
        n = len(seq)
        if n < 4:  # the smallest paying entry needs N*K >= 8 tokens
            return self.unchanged(seq)
        dictionary, body, entries = self.encode(seq, self.draw(tokens))
        if not entries or len(dictionary) + 2 + len(body) >= n:
            return self.unchanged(seq, note="no dictionary shortens this input")
        out = [self.dict_open, *dictionary, self.dict_close, *body]
        return Compressed(
            out,
            n,
            dictionary_entries=entries,
            dictionary_tokens=len(dictionary) + 2,
            info={"pool_exhausted": entries >= self.pool_size},
        )

    def decompress(self, ids: Sequence[int]) -> list[int]:
        """Invert :meth:`compress`, rejecting any sequence it cannot have produced (:func:`.format.decode`)."""
        return decode(self.layout, ids)
