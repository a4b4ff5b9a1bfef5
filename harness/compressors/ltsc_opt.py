"""Improved meta-token codecs: ``ltsc-opt`` (flat, like ``ltsc``) and ``ltsc-nested``.

``ltsc-opt``: instead of visiting lengths longest first, every candidate run of every
length 2..max_len is ranked by the tokens its entry would save, N*K - (1+N+K), and
the best one is applied first (lazy greedy: a popped candidate is recounted on
still-free positions and pushed back if it lost occurrences; ties prefer the longer
run, then the earlier one). Candidates are maximal repeats: a run whose occurrences
all extend by the same token to the left or to the right is dominated by that longer
run and skipped. A final longest-first pass (the ``ltsc`` selection) picks up what
the ranking left free. Same exactness and output format as ``ltsc``.

Never worse than ``ltsc``: where ``ltsc``'s own selection (``max_len`` 8, or less) saves
more tokens, that is the output (ties keep the ranking's). The ranking alone can lose badly
on inputs like random binary ids, whose short, frequent runs fragment the input (1M ids:
457,741 tokens vs ``ltsc``'s 169,174). Resources stay O(n) like ``ltsc``'s: candidates are
numpy rows, occurrences are listed only for popped ones, and a popped candidate is first
bounded by what still fits (free positions / length; none longer than the longest free gap).

``ltsc-nested``: the same ranking, repeated on the body left by the previous pass,
whose meta-tokens are then ordinary symbols; so an entry may hold meta-tokens of
entries defined before it (its ``decompress`` resolves them; the flat codecs' reject them).
It skips the final longest-first pass: the next pass finds those runs anyway. Its whole
output is compared with ``ltsc``'s selection in the same way.
"""

from __future__ import annotations

import heapq
from typing import overload

import numpy as np

from ..core import validate
from .base import register
from .format import dictionary_of, substitute
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


def ranked_candidates(index: RepeatIndex) -> np.ndarray:
    """Every maximal repeated run of every length, best first: rows (savings, length, first occurrence,
    stretch start, stretch end, rank) with the stretch in ``index``'s order; ties prefer the longer run,
    then the earlier one (arrays, not Python objects: O(n) memory however many candidates)."""
    parts = []
    narrowed = index
    for length in range(2, min(index.longest, index.n // 2) + 1):
        narrowed = narrowed.narrowed(length)
        groups = maximal_groups(narrowed, length)
        if not len(groups.starts):
            continue
        base = np.arange(len(narrowed.order)) if narrowed.base is None else narrowed.base
        counts = groups.counts.astype(np.int64)
        # the raw count bounds the non-overlapping count from above, as a lazy greedy needs
        parts.append(
            np.stack(
                [
                    length * counts - (1 + length + counts),
                    np.full(len(counts), length),
                    groups.firsts,
                    base[groups.starts],
                    base[groups.ends - 1] + 1,
                ],
                axis=1,
            )
        )
    table = np.concatenate(parts) if parts else np.zeros((0, 5), np.int64)
    table = table[np.lexsort((table[:, 2], -table[:, 1], -table[:, 0]))]
    return np.concatenate((table, np.arange(len(table))[:, None]), axis=1)


class _Queue:
    """The candidates best key first: the sorted table (read in chunks) merged with a heap of re-pushed
    ones. A key is (-gain bound, -length, first occurrence, rank); ranks make keys unique."""

    CHUNK = 4096

    def __init__(self, table: np.ndarray):
        self.table, self.row = table, 0
        #: the current chunk of the table, reversed (rows as :func:`ranked_candidates` makes them)
        self.rows: list[list[int]] = []
        #: re-pushed candidates: (-gain bound, -length, first, rank, occurrences or their stretch)
        self.heap: list[tuple] = []

    def _head(self):
        if not self.rows and self.row < len(self.table):
            self.rows = self.table[self.row : self.row + self.CHUNK].tolist()[::-1]
            self.row += self.CHUNK
        return self.rows[-1] if self.rows else None

    def best(self):
        """The best waiting key, or None."""
        head = self._head()
        if head is None:
            return self.heap[0][:4] if self.heap else None
        key = (-head[0], -head[1], head[2], head[5])
        return self.heap[0][:4] if self.heap and self.heap[0][:4] < key else key

    def pop(self):
        """(-gain bound, -length, first, rank, occurrences or their (start, end) stretch of the order)."""
        head = self._head()
        if head is None or (self.heap and self.heap[0][:4] < (-head[0], -head[1], head[2], head[5])):
            return heapq.heappop(self.heap)
        self.rows.pop()
        return -head[0], -head[1], head[2], head[5], (head[3], head[4])

    def push(self, item) -> None:
        heapq.heappush(self.heap, item)

    def drop_longer(self, length: int) -> None:
        """Forget the table's candidates longer than ``length`` (none of them fits any more)."""
        rest = self.table[self.row :]
        rows = np.array(self.rows[::-1], dtype=np.int64).reshape(-1, 6)
        rest = np.concatenate((rows, rest))
        self.table, self.row, self.rows = rest[rest[:, 1] <= length], 0, []


class _Free:
    """Positions still free, with two cheap bounds on how many windows of a length still fit: free
    positions / length, and none longer than the longest free gap (recomputed lazily, O(n))."""

    def __init__(self, n: int):
        self.used, self.count, self.longest_gap, self.stale, self.misses = bytearray(n), n, n, False, 0
        self.patience = 32 + n // 2048  # fruitless pops before the longest gap is worth recomputing

    def take(self, positions: list[int], length: int) -> None:
        mark(self.used, positions, length)
        self.count -= length * len(positions)
        self.stale, self.misses = True, 0

    def fit(self, length: int, count: int) -> int:
        return 0 if length > self.longest_gap else min(count, self.count // length)

    def missed(self) -> bool:
        """Count a fruitless pop; True when the longest gap was recomputed and shrank."""
        self.misses += 1
        if not self.stale or self.misses < self.patience:
            return False
        free = np.concatenate(([1], np.frombuffer(self.used, np.uint8), [1])) == 0
        edges = np.flatnonzero(free[1:] != free[:-1])
        gap = int((edges[1::2] - edges[::2]).max()) if len(edges) else 0
        shrank, self.longest_gap, self.stale = gap < self.longest_gap, gap, False
        return shrank


@overload
def greedy_by_savings(
    index: RepeatIndex, max_entries: int, cleanup: bool = True, must_beat: None = None
) -> list[Entry]: ...


@overload
def greedy_by_savings(
    index: RepeatIndex, max_entries: int, cleanup: bool = True, must_beat: int | None = None
) -> list[Entry] | None: ...


def greedy_by_savings(
    index: RepeatIndex, max_entries: int, cleanup: bool = True, must_beat: int | None = None
) -> list[Entry] | None:
    """Savings-ordered lazy greedy; ``cleanup`` adds a longest-first pass over what stays free.

    A popped candidate is bounded by what still fits (:class:`_Free`), then recounted on the free
    positions, and re-queued with that bound or its true gain unless it still beats every waiting key.
    Any valid bound gives the same selection: an entry is taken when its true key beats all bounds.
    With ``must_beat``, returns None as soon as the selection cannot save that many tokens (every
    later entry saves fewer tokens than the free positions it covers)."""
    queue, free = _Queue(ranked_candidates(index)), _Free(index.n)
    entries: list[Entry] = []
    saved = 0
    while len(entries) < max_entries:
        if must_beat is not None and saved + free.count < must_beat:
            return None
        item = queue.best() and queue.pop()
        if item is None:
            break
        _, neg_len, first, rank, run = item
        length = -neg_len
        if isinstance(run, tuple):  # not recounted yet: a stretch of the order; sort it only if it may win
            fit = free.fit(length, run[1] - run[0])
            if fit < run[1] - run[0] and not _beats((-savings(length, fit), neg_len, first), queue.best()):
                if savings(length, fit) > 0:
                    queue.push((-savings(length, fit), neg_len, first, rank, run))
                elif free.missed():
                    queue.drop_longer(free.longest_gap)
                continue
            run = index.occurrences(*run)
        taken = take_free(run, length, free.used)
        gain = savings(length, len(taken))
        if gain <= 0:
            if free.missed():
                queue.drop_longer(free.longest_gap)
            continue
        if not _beats((-gain, neg_len, taken[0]), queue.best()):
            queue.push((-gain, neg_len, taken[0], rank, taken))  # recounted: back with its true gain
            continue
        free.take(taken, length)
        saved += gain
        entries.append(Entry(taken[0], length, tuple(taken)))
    if cleanup and len(entries) < max_entries:
        entries += greedy_longest_first(index.narrowed(2), max_entries - len(entries), used=free.used)
    return entries


def _beats(key: tuple, best) -> bool:
    """Does ``key`` (-gain, -length, first) come before every waiting key (``best``, or None)?"""
    return best is None or key <= best[:3]


def total_savings(entries: list[Entry]) -> int:
    """Tokens a flat selection saves (dictionary included, delimiters not)."""
    return sum(savings(e.length, len(e.positions)) for e in entries)


#: ``ltsc``'s default ``max_len``: the ranked codecs fall back to its selection where it does better
LTSC_MAX_LEN = 8


def paper_selection(index: RepeatIndex, max_entries: int) -> list[Entry]:
    """``ltsc``'s selection at ``max_len = min(LTSC_MAX_LEN, this max_len)`` on the same index."""
    return greedy_longest_first(index.capped(LTSC_MAX_LEN).narrowed(2), max_entries)


@register
class LtscOpt(MetaTokenCompressor):
    """Savings-ordered meta-tokens across lengths (maximal repeats, lazy greedy), flat dictionary"""

    name = "ltsc-opt"
    #: finish with a longest-first pass over the positions the ranking left free
    cleanup = True

    def __init__(
        self,
        tokenizer,
        max_len: int = 32,
        pool_size: int = 1024,
        seed: int = 0,
        dict_open: int | None = None,
        dict_close: int | None = None,
    ):
        super().__init__(tokenizer, max_len, pool_size, seed, dict_open, dict_close)

    def select(self, tokens: np.ndarray, max_entries: int) -> list[Entry]:
        """The ranked selection, or ``ltsc``'s where that saves more (random binary input: the ranking's
        short, frequent runs fragment the input; the longest-first pass does not)."""
        index = RepeatIndex(tokens, self.max_len)
        paper = paper_selection(index, max_entries)
        ranked = greedy_by_savings(index, max_entries, self.cleanup, must_beat=total_savings(paper))
        return paper if ranked is None or total_savings(paper) > total_savings(ranked) else ranked


@register
class LtscNested(LtscOpt):
    """ltsc-opt, then repeated passes over the body: entries may refer to earlier entries"""

    name = "ltsc-nested"
    nested = True
    cleanup = False  # the next pass finds those runs again, and more (measured: shorter and faster)

    # max_len 16: nesting composes longer runs (on stdlib code 16 compressed as well as 64, faster)
    def __init__(
        self,
        tokenizer,
        max_len: int = 16,
        pool_size: int = 1024,
        seed: int = 0,
        dict_open: int | None = None,
        dict_close: int | None = None,
        max_depth: int = 3,
    ):
        super().__init__(tokenizer, max_len, pool_size, seed, dict_open, dict_close)
        self.max_depth = self.params["max_depth"] = validate.positive_int("max_depth", max_depth)

    def select(self, tokens: np.ndarray, max_entries: int) -> list[Entry]:
        """One pass: the ranking alone (:meth:`encode` compares whole outputs with ``ltsc``'s)."""
        return greedy_by_savings(RepeatIndex(tokens, self.max_len), max_entries, cleanup=self.cleanup)

    def encode(self, ids: list[int], metas: list[int]) -> tuple[list[int], list[int], int]:
        """Pass k runs the ranked selection on the body left by pass k-1, whose meta-tokens are then
        ordinary symbols: its entries may hold them, and follow theirs in the dictionary. Where ``ltsc``'s
        flat selection saves more than all passes together, that is the output."""
        index = RepeatIndex(np.asarray(ids, dtype=np.int64), self.max_len)
        paper = paper_selection(index, len(metas))
        dictionary: list[int] = []
        body, used = ids, 0
        for depth in range(self.max_depth):
            if used >= len(metas):
                break
            level = metas[used:]
            entries = (
                greedy_by_savings(index, len(level), cleanup=self.cleanup)
                if depth == 0
                else self.select(np.asarray(body, dtype=np.int64), len(level))
            )
            if not entries:
                break
            dictionary += dictionary_of(body, entries, level)
            body, used = substitute(body, entries, level), used + len(entries)
        if total_savings(paper) > len(ids) - len(dictionary) - len(body):
            return dictionary_of(ids, paper, metas), substitute(ids, paper, metas), len(paper)
        return dictionary, body, used
