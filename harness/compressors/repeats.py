"""Exact repeat discovery for the meta-token codecs: window classes, the repeat index, selection helpers.

Repeat discovery is exact, never hash-based: :class:`WindowClasses` ranks windows by
prefix doubling (two windows share a rank iff their tokens are equal) and
:class:`RepeatIndex` sorts all windows once, so the repeats of every length are
contiguous stretches (numpy, O(n log n) time, O(n log max_len) memory).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np


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
        return self._pair(ranks[:count], ranks[length - width : length - width + count])


@dataclass
class Groups:
    """Repeated runs of one length: run g occurs at ``sorted(index.order[starts[g]:ends[g]])``."""

    length: int
    starts: np.ndarray
    ends: np.ndarray
    counts: np.ndarray  # occurrences per run (free ones only, when a mask was given)
    firsts: np.ndarray  # first occurrence per run


#: from this many positions on, :func:`take_free` works on arrays (the same result, no per-position Python)
VECTOR_FROM = 2048


class RepeatIndex:
    """All window start positions sorted by content, with common-prefix lengths of neighbours.

    A suffix array truncated at ``max_len``: windows equal on their first L tokens are
    contiguous in :attr:`order`, so the repeated runs of every length L <= max_len are
    the stretches where the neighbours' common prefix ``lcp`` is at least L. One sort
    serves every length; equality is exact (ranks, not hashes).

    ``max_len`` is capped at the input length n (at least 2): two different windows share
    at most n-1 tokens, so the order, ``lcp`` and every group are those of any larger
    ``max_len``, and the sentinel padding (``max_len`` ids) stays O(n).
    """

    def __init__(self, tokens: np.ndarray, max_len: int):
        n = self.n = len(tokens)
        max_len = min(max_len, max(n, 2))
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
        #: where each entry of ``order`` sits in the unnarrowed index's order (None: this is that index)
        self.base: np.ndarray | None = None

    @cached_property
    def order_list(self) -> list[int]:
        return self.order.tolist()

    def _copy(self, **changes) -> RepeatIndex:
        new = object.__new__(RepeatIndex)
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k != "order_list"}, **changes)
        return new

    def capped(self, length: int) -> RepeatIndex:
        """This index seen with runs of at most ``length`` tokens: its groups of every length <= ``length``
        are those of an index built with ``max_len=length`` (the same occurrence sets), so a selection over
        it is the selection at that ``max_len``."""
        return self._copy(longest=min(self.longest, length))

    def narrowed(self, length: int) -> RepeatIndex:
        """This index restricted to the windows that repeat with at least ``length`` tokens.

        Groups of every length >= ``length`` are unchanged; the smaller arrays make them cheaper.
        """
        inner = self.lcp >= length
        active = np.zeros(len(self.order), bool)
        active[:-1] |= inner
        active[1:] |= inner
        keep = np.flatnonzero(active)
        # neighbours that were not adjacent had a short window between them: a boundary for good
        return self._copy(
            order=self.order[keep],
            lcp=np.where(keep[1:] == keep[:-1] + 1, self.lcp[keep[:-1]], 0),
            base=keep if self.base is None else self.base[keep],
        )

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
            free[: n - length + 1] = csum[length:] == csum[:-length]
            fcum = np.concatenate(([0], np.cumsum(free[self.order])))
            counts = fcum[ends] - fcum[starts]
        firsts = np.minimum.reduceat(self.order, starts) if m else starts
        keep = counts >= min_count
        return Groups(length, starts[keep], ends[keep], counts[keep], firsts[keep])

    def occurrences(self, start: int, end: int) -> list[int] | np.ndarray:
        """The start positions of the windows ``order[start:end]``, ascending: a list, or an int64 array
        from :data:`VECTOR_FROM` positions on (what :func:`take_free` reads fastest)."""
        if end - start >= VECTOR_FROM:
            return np.sort(self.order[start:end])
        return sorted(self.order_list[start:end])


def take_free(positions: Iterable[int], length: int, used: bytearray) -> list[int]:
    """Leftmost-greedy non-overlapping occurrences among ``positions`` (ascending) that are still free."""
    if isinstance(positions, np.ndarray) or (isinstance(positions, list) and len(positions) >= VECTOR_FROM):
        return _take_free_vector(np.asarray(positions, dtype=np.int64), length, used)
    taken = []
    next_free = -1
    for p in positions:
        if p >= next_free and used.find(1, p, p + length) < 0:
            taken.append(p)
            next_free = p + length
    return taken


def _take_free_vector(positions: np.ndarray, length: int, used: bytearray) -> list[int]:
    """:func:`take_free` for many positions: drop windows that touch a used position, then follow the
    leftmost-greedy chain (each pick jumps to the first window starting at or after its end)."""
    if not len(positions):
        return []
    flags = np.frombuffer(used, dtype=np.uint8)
    if len(positions) * length < len(flags):  # look at the windows themselves
        free = positions[~flags[positions[:, None] + np.arange(length)].any(axis=1)]
    else:  # one prefix sum over the whole input
        csum = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
        free = positions[csum[positions + length] == csum[positions]]
    jump = np.searchsorted(free, free + length).tolist()
    free_list = free.tolist()
    taken, i, count = [], 0, len(free_list)
    while i < count:
        taken.append(free_list[i])
        i = jump[i]
    return taken


def mark(used: bytearray, positions: Sequence[int], length: int) -> None:
    ones = b"\x01" * length
    for p in positions:
        used[p : p + length] = ones


@dataclass(frozen=True)
class Entry:
    """One dictionary entry: a token run and where it is replaced."""

    start: int  # position of one occurrence in the input (the run is tokens[start:start+length])
    length: int
    positions: tuple[int, ...]
