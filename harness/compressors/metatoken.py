"""Shared machinery of the meta-token codecs (``ltsc`` and its variants).

Output format (design §2)::

    <Dict> mt_1 s_1 ... mt_k s_k </Dict> body

Each ``s_i`` is a run of ordinary tokens and ``body`` is the input with chosen
occurrences of ``s_i`` replaced by ``mt_i``. Flat codecs (``ltsc``, ``ltsc-opt``) put
no meta-tokens in entries; ``ltsc-nested`` lets an entry hold meta-tokens of entries
defined before it (a meta-token seen for the first time in the dictionary starts an
entry, a known one is a reference), and :meth:`decompress` reads both. An
input that compression would not shorten is returned unchanged; since input ids are
below ``vocab_size`` it never starts with ``<Dict>``, so ``decompress`` can tell the
two apart.

Ids above the tokenizer's vocabulary (``V = vocab_size``): ``<Dict>`` = V,
``</Dict>`` = V+1 (both overridable), and the meta-token pool V+2 .. V+1+pool_size.
Meta-tokens are drawn uniformly without replacement from the pool (a random
permutation, entries take them in order) by a RNG seeded from ``seed`` *and a
digest of the input*, so the same input always gets the same
output while different inputs get different meta-tokens: a model cannot memorise
what a meta-token means and has to read the dictionary.

Repeat discovery is exact, never hash-based: :class:`WindowClasses` ranks windows by
prefix doubling (two windows share a rank iff their tokens are equal) and
:class:`RepeatIndex` sorts all windows once, so the repeats of every length are
contiguous stretches (numpy, O(n log n) time, O(n log max_len) memory).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ..errors import HarnessError
from .base import Compressed, Compressor


def pays(length: int, count: int) -> bool:
    """The paper's condition: replacing ``count`` occurrences of a length-``length`` run saves tokens."""
    return length * count > 1 + length + count


def savings(length: int, count: int) -> int:
    """Tokens saved by one dictionary entry (body savings minus entry cost; delimiters excluded)."""
    return length * count - (1 + length + count)


def min_count(length: int) -> int:
    """The smallest K with ``pays(length, K)`` (length >= 2)."""
    return (1 + length) // (length - 1) + 1


class WindowClasses:
    """Exact equality classes of all length-L windows of a token array.

    ``ranks[j]`` holds dense ranks of the windows of length 2**j (prefix doubling).
    A window of any length L <= max_len is identified by the ranks of the two
    power-of-two windows that cover it, combined into one int64 key.
    """

    def __init__(self, tokens: np.ndarray, max_len: int):
        self.n = len(tokens)
        _, rank = np.unique(tokens, return_inverse=True)
        self.ranks = [rank.astype(np.int64).ravel()]
        width = 1
        while width * 2 <= max_len and width * 2 <= self.n:
            prev = self.ranks[-1]
            key = self._pair(prev[:-width], prev[width:])
            _, dense = np.unique(key, return_inverse=True)
            self.ranks.append(dense.astype(np.int64).ravel())
            width *= 2

    def _pair(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return left * (self.n + 1) + right

    def keys(self, length: int) -> np.ndarray:
        """Class key of every window ``tokens[i:i+length]``, i = 0 .. n-length."""
        level = length.bit_length() - 1
        width = 1 << level
        ranks = self.ranks[level]
        count = self.n - length + 1
        if width == length:
            return ranks[:count]
        return self._pair(ranks[:count], ranks[length - width: length - width + count])


@dataclass
class Groups:
    """Repeated runs of one length: run g occurs at ``sorted(index.order[starts[g]:ends[g]])``."""

    length: int
    starts: np.ndarray
    ends: np.ndarray
    counts: np.ndarray  # occurrences per run (free ones only, when a mask was given)
    firsts: np.ndarray  # first occurrence per run


class RepeatIndex:
    """All window start positions sorted by content, with common-prefix lengths of neighbours.

    A suffix array truncated at ``max_len``: windows equal on their first L tokens are
    contiguous in :attr:`order`, so the repeated runs of every length L <= max_len are
    the stretches where the neighbours' common prefix ``lcp`` is at least L. One sort
    serves every length; equality is exact (ranks, not hashes).
    """

    def __init__(self, tokens: np.ndarray, max_len: int):
        n = self.n = len(tokens)
        self.tokens, self.max_len = tokens, max_len
        # unique negative sentinels after the end: no common prefix runs past the input
        classes = WindowClasses(np.concatenate((tokens, -1 - np.arange(max_len))), max_len)
        self.order = np.argsort(classes.keys(max_len)[:n], kind="stable")
        a, b = self.order[:-1], self.order[1:]
        lcp = np.zeros(max(n - 1, 0), np.int64)
        for level in range(len(classes.ranks) - 1, -1, -1):
            width, ranks = 1 << level, classes.ranks[level]
            last = len(ranks) - 1
            same = ranks[np.minimum(a + lcp, last)] == ranks[np.minimum(b + lcp, last)]
            lcp += (same & (lcp + width <= max_len)) * width
        self.lcp = lcp
        #: the longest repeated run (capped at max_len): no longer length needs a look
        self.longest = int(lcp.max()) if len(lcp) else 0
        self.order_list = self.order.tolist()

    def narrowed(self, length: int) -> "RepeatIndex":
        """This index restricted to the windows that repeat with at least ``length`` tokens.

        Groups of every length >= ``length`` are unchanged; the smaller arrays make them cheaper.
        """
        inner = self.lcp >= length
        active = np.zeros(len(self.order), bool)
        active[:-1] |= inner
        active[1:] |= inner
        keep = np.flatnonzero(active)
        new = object.__new__(RepeatIndex)
        new.n, new.tokens, new.max_len, new.longest = self.n, self.tokens, self.max_len, self.longest
        new.order = self.order[keep]
        # neighbours that were not adjacent had a short window between them: a boundary for good
        new.lcp = np.where(keep[1:] == keep[:-1] + 1, self.lcp[keep[:-1]], 0)
        new.order_list = new.order.tolist()
        return new

    def groups(self, length: int, min_count: int, used: np.ndarray | None = None) -> Groups:
        """Runs of ``length`` with at least ``min_count`` occurrences (free ones, if ``used`` is given)."""
        n, m = self.n, len(self.order)
        cut = np.flatnonzero(self.lcp < length) + 1
        starts = np.concatenate(([0], cut))
        ends = np.concatenate((cut, [m]))
        if used is None:
            counts = ends - starts
        else:
            csum = np.concatenate(([0], np.cumsum(used, dtype=np.int64)))
            free = np.zeros(n, np.int64)
            free[:n - length + 1] = csum[length:] == csum[:-length]
            fcum = np.concatenate(([0], np.cumsum(free[self.order])))
            counts = fcum[ends] - fcum[starts]
        firsts = np.minimum.reduceat(self.order, starts) if m else starts
        keep = counts >= min_count
        return Groups(length, starts[keep], ends[keep], counts[keep], firsts[keep])

    def occurrences(self, start: int, end: int) -> list[int]:
        return sorted(self.order_list[start:end])


def take_free(positions: Iterable[int], length: int, used: bytearray) -> list[int]:
    """Leftmost-greedy non-overlapping occurrences among ``positions`` (ascending) that are still free."""
    taken = []
    next_free = -1
    for p in positions:
        if p >= next_free and used.find(1, p, p + length) < 0:
            taken.append(p)
            next_free = p + length
    return taken


def mark(used: bytearray, positions: Sequence[int], length: int) -> None:
    ones = b"\x01" * length
    for p in positions:
        used[p:p + length] = ones


@dataclass(frozen=True)
class Entry:
    """One dictionary entry: a token run and where it is replaced."""

    start: int  # position of one occurrence in the input (the run is tokens[start:start+length])
    length: int
    positions: tuple[int, ...]


def input_digest(tokens: np.ndarray) -> int:
    return int.from_bytes(hashlib.blake2b(tokens.astype(np.int64).tobytes(), digest_size=8).digest(), "big")


class MetaTokenCompressor(Compressor):
    """Base of the lossless meta-token codecs; subclasses implement :meth:`select`.

    Parameters (all recorded in :attr:`params`):
      max_len    longest run considered for a dictionary entry (``ltsc``: 8, as in the public
                 reimplementation, the paper's is unknown; on stdlib code 8 also beat 16 and 32)
      pool_size  number of meta-token ids; at most this many entries per input
      seed       seeds the per-input meta-token draw (mixed with a digest of the input)
      dict_open, dict_close  delimiter ids (default vocab_size and vocab_size+1)
    """

    lossless = True

    def __init__(self, tokenizer, max_len: int = 8, pool_size: int = 1024, seed: int = 0,
                 dict_open: int | None = None, dict_close: int | None = None):
        super().__init__(tokenizer)
        vocab = self.vocab_size
        dict_open = vocab if dict_open is None else dict_open
        dict_close = vocab + 1 if dict_close is None else dict_close
        for name, value in (("max_len", max_len), ("pool_size", pool_size), ("seed", seed),
                            ("dict_open", dict_open), ("dict_close", dict_close)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be an integer, got {value!r}")
        if max_len < 2:
            raise ValueError(f"max_len must be >= 2, got {max_len}")
        if pool_size < 1:
            raise ValueError(f"pool_size must be >= 1, got {pool_size}")
        self.pool_start = vocab + 2
        pool = range(self.pool_start, self.pool_start + pool_size)
        for name, value in (("dict_open", dict_open), ("dict_close", dict_close)):
            if value < vocab or value in pool:
                raise ValueError(f"{name}={value} must be >= vocab_size {vocab} and outside the meta-token pool "
                                 f"{pool.start}..{pool.stop - 1}")
        if dict_open == dict_close:
            raise ValueError("dict_open and dict_close must differ")
        self.max_len, self.pool_size, self.seed = max_len, pool_size, seed
        self.dict_open, self.dict_close = dict_open, dict_close
        self.params = {"max_len": max_len, "pool_size": pool_size, "seed": seed,
                       "dict_open": dict_open, "dict_close": dict_close}

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
        """The ids as int64, after checking they lie in the tokenizer's range."""
        try:
            arr = np.asarray(ids)
        except (OverflowError, TypeError, ValueError):
            arr = None
        if arr is not None and arr.ndim == 1:
            if arr.size == 0:
                return arr.astype(np.int64)
            if arr.dtype.kind in "iu" and arr.min() >= 0 and arr.max() < self.vocab_size:
                return arr.astype(np.int64)
        try:
            self.check_ids(ids)  # raises with the position of the first bad id
        except TypeError:
            pass
        raise HarnessError(f"token ids must be a flat list of integers in 0..{self.vocab_size - 1}")

    def draw(self, tokens: np.ndarray) -> list[int]:
        """The meta-token ids in the order entries get them: a uniform random permutation of the pool,
        seeded by ``seed`` and a digest of the input (same input, same draw; other inputs, other draws)."""
        rng = np.random.default_rng([self.seed % 2**64, input_digest(tokens)])
        return (self.pool_start + rng.permutation(self.pool_size)).tolist()

    def compress(self, ids: Sequence[int], *, question: str | None = None) -> Compressed:
        tokens = self.as_array(ids)
        ids = tokens.tolist()
        n = len(ids)
        if n < 4:  # the smallest paying entry needs N*K >= 8 tokens
            return self.unchanged(ids)
        dictionary, body, entries = self.encode(ids, self.draw(tokens))
        if not entries or len(dictionary) + 2 + len(body) >= n:
            return self.unchanged(ids, note="no dictionary shortens this input")
        out = [self.dict_open, *dictionary, self.dict_close, *body]
        return Compressed(out, n, dictionary_entries=entries, dictionary_tokens=len(dictionary) + 2,
                          info={"pool_exhausted": entries >= self.pool_size})

    def decompress(self, ids: Sequence[int]) -> list[int]:
        """Invert :meth:`compress`. Dictionary entries may refer to meta-tokens defined before them."""
        ids = list(ids)
        if not ids or ids[0] != self.dict_open:
            return ids
        try:
            close = ids.index(self.dict_close, 1)
        except ValueError:
            raise HarnessError(f"malformed compressed sequence: <Dict> ({self.dict_open}) without </Dict> "
                               f"({self.dict_close})") from None
        table: dict[int, list[int]] = {}
        current: list[int] | None = None
        for i in ids[1:close]:
            if i < self.vocab_size or i in table:  # a token, or a reference to an earlier entry
                if current is None or table.get(i) is current:
                    raise HarnessError("malformed dictionary: it must start with a meta-token, and an entry "
                                       "may only refer to entries before it")
                current.extend(table.get(i, (i,)))
            else:  # a new meta-token starts an entry
                if current is not None and not current:
                    raise HarnessError("malformed dictionary: empty entry")
                current = table[i] = []
        out: list[int] = []
        for i in ids[close + 1:]:
            if i < self.vocab_size:
                out.append(i)
            elif i in table:
                out.extend(table[i])
            else:
                raise HarnessError(f"malformed compressed sequence: meta-token {i} is not in its dictionary")
        return out


def dictionary_of(ids: list[int], entries: list[Entry], metas: list[int]) -> list[int]:
    """``mt s`` for each entry, in order."""
    out: list[int] = []
    for meta, entry in zip(metas, entries):
        out.append(meta)
        out.extend(ids[entry.start:entry.start + entry.length])
    return out


def substitute(ids: list[int], entries: list[Entry], metas: list[int]) -> list[int]:
    """``ids`` with every chosen occurrence replaced by its entry's meta-token."""
    replacements = sorted((p, entry.length, meta) for meta, entry in zip(metas, entries) for p in entry.positions)
    out: list[int] = []
    prev = 0
    for start, length, meta in replacements:
        out.extend(ids[prev:start])
        out.append(meta)
        prev = start + length
    out.extend(ids[prev:])
    return out
