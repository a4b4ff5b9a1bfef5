"""Improved meta-token codecs: ``ltsc-opt`` (flat, like ``ltsc``) and ``ltsc-nested``.

``ltsc-opt``: instead of visiting lengths longest first, every candidate run of every
length 2..max_len is ranked by the tokens its entry would save, N*K - (1+N+K), and
the best one is applied first (lazy greedy: a popped candidate is recounted on
still-free positions and pushed back if it lost occurrences; ties prefer the longer
run, then the earlier one). Candidates are maximal repeats: a run whose occurrences
all extend by the same token to the left or to the right is dominated by that longer
run and skipped. A final longest-first pass (the ``ltsc`` selection) picks up what
the ranking left free. Same exactness and output format as ``ltsc``.

``ltsc-nested``: the same ranking, repeated on the body left by the previous pass,
whose meta-tokens are then ordinary symbols; so an entry may hold meta-tokens of
entries defined before it (its ``decompress`` resolves them; the flat codecs' reject them).
It skips the final longest-first pass: the next pass finds those runs anyway.
"""

from __future__ import annotations

import heapq

import numpy as np

from .. import validate
from .base import register
from .ltsc import greedy_longest_first
from .metatoken import MetaTokenCompressor
from .repeats import Entry, Groups, RepeatIndex, mark, min_count, savings, take_free


def _count_in_groups(flags: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    csum = np.concatenate(([0], np.cumsum(flags)))
    return csum[stops] - csum[starts]


def maximal_groups(index: RepeatIndex, length: int) -> Groups:
    """Repeated runs of ``length`` not uniformly extendable to the left or right by a real token."""
    groups = index.groups(length, min_count(length))
    if length >= index.max_len or not len(groups.starts):
        return groups  # at max_len a longer run is out of reach: keep everything
    starts, ends = groups.starts, groups.ends
    # right: all neighbours share more than `length` tokens <=> no internal lcp equals `length`
    right = _count_in_groups(index.lcp == length, starts, ends - 1) == 0
    order = index.order
    prev = np.where(order > 0, index.tokens[np.maximum(order - 1, 0)], -1)
    left = (_count_in_groups(prev[1:] != prev[:-1], starts, ends - 1) == 0) & (prev[starts] >= 0)
    keep = ~(right | left)
    return Groups(length, starts[keep], ends[keep], groups.counts[keep], groups.firsts[keep])


def greedy_by_savings(index: RepeatIndex, max_entries: int, cleanup: bool = True) -> list[Entry]:
    """Savings-ordered lazy greedy; ``cleanup`` adds a longest-first pass over what stays free."""
    top = min(index.longest, index.n // 2)
    runs: list[list[int]] = []
    heap: list[tuple[int, int, int, int]] = []
    full = index
    for length in range(2, top + 1):
        index = index.narrowed(length)
        groups = maximal_groups(index, length)
        for s, e, count, first in zip(groups.starts.tolist(), groups.ends.tolist(), groups.counts.tolist(),
                                      groups.firsts.tolist()):
            # the raw count bounds the non-overlapping count from above, as a lazy greedy needs
            heap.append((-savings(length, count), -length, first, len(runs)))
            runs.append(index.occurrences(s, e))
    heapq.heapify(heap)
    used = bytearray(full.n)
    entries: list[Entry] = []
    while heap and len(entries) < max_entries:
        _, neg_len, first, idx = heapq.heappop(heap)
        length = -neg_len
        run = runs[idx]
        taken = take_free(run, length, used)
        gain = savings(length, len(taken))
        if gain <= 0:
            continue
        if heap and (-gain, neg_len, taken[0]) > heap[0][:3]:
            runs[idx] = taken  # recounted: push back with its true gain
            heapq.heappush(heap, (-gain, neg_len, taken[0], idx))
            continue
        mark(used, taken, length)
        entries.append(Entry(taken[0], length, tuple(taken)))
    if cleanup and len(entries) < max_entries:
        entries += greedy_longest_first(full.narrowed(2), max_entries - len(entries), used=used)
    return entries


@register
class LtscOpt(MetaTokenCompressor):
    """Savings-ordered meta-tokens across lengths (maximal repeats, lazy greedy), flat dictionary"""

    name = "ltsc-opt"
    #: finish with a longest-first pass over the positions the ranking left free
    cleanup = True

    def __init__(self, tokenizer, max_len: int = 32, pool_size: int = 1024, seed: int = 0,
                 dict_open: int | None = None, dict_close: int | None = None):
        super().__init__(tokenizer, max_len, pool_size, seed, dict_open, dict_close)

    def select(self, tokens: np.ndarray, max_entries: int) -> list[Entry]:
        return greedy_by_savings(RepeatIndex(tokens, self.max_len), max_entries, self.cleanup)


@register
class LtscNested(LtscOpt):
    """ltsc-opt, then repeated passes over the body: entries may refer to earlier entries"""

    name = "ltsc-nested"
    nested = True
    cleanup = False  # the next pass finds those runs again, and more (measured: shorter and faster)

    # max_len 16: nesting composes longer runs (on stdlib code 16 compressed as well as 64, faster)
    def __init__(self, tokenizer, max_len: int = 16, pool_size: int = 1024, seed: int = 0,
                 dict_open: int | None = None, dict_close: int | None = None, max_depth: int = 3):
        super().__init__(tokenizer, max_len, pool_size, seed, dict_open, dict_close)
        self.max_depth = self.params["max_depth"] = validate.positive_int("max_depth", max_depth)

    def encode(self, ids: list[int], metas: list[int]) -> tuple[list[int], list[int], int]:
        """Pass k runs the ``ltsc-opt`` selection on the body left by pass k-1, whose meta-tokens are
        then ordinary symbols: its entries may hold them, and follow theirs in the dictionary."""
        dictionary: list[int] = []
        body, used = ids, 0
        for _ in range(self.max_depth):
            if used >= len(metas):
                break
            level_dict, body_next, count = super().encode(body, metas[used:])
            if not count:
                break
            dictionary += level_dict
            body, used = body_next, used + count
        return dictionary, body, used
