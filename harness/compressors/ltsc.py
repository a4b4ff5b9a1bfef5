"""``ltsc``: the paper's greedy meta-token codec (design §2), exact and near-linear.

Candidate lengths run from ``max_len`` down to 2, longest first. At each length the
runs whose free occurrences could satisfy N*K > 1+N+K are visited in order of
decreasing occurrence count (ties: first occurrence first); before each replacement
the occurrences are recounted among still-free positions, leftmost first without
overlap, and the condition is re-checked on them. Entries are flat. See
:mod:`.metatoken` for the format and the meta-token draw, :mod:`.repeats` for the index.
"""

from __future__ import annotations

import numpy as np

from .base import register
from .metatoken import MetaTokenCompressor
from .repeats import Entry, RepeatIndex, mark, min_count, pays, take_free


def greedy_longest_first(index: RepeatIndex, max_entries: int, used: bytearray | None = None) -> list[Entry]:
    """The paper's selection; ``used`` (1 = already replaced) is updated in place."""
    n = index.n
    used = bytearray(n) if used is None else used
    used_view = np.frombuffer(used, dtype=np.uint8) if n else np.zeros(0, np.uint8)
    entries: list[Entry] = []
    for length in range(min(index.longest, n // 2), 1, -1):
        groups = index.groups(length, min_count(length), used_view)
        order = np.lexsort((groups.firsts, -groups.counts))
        starts, ends = groups.starts.tolist(), groups.ends.tolist()
        for g in order.tolist():
            taken = take_free(index.occurrences(starts[g], ends[g]), length, used)
            if pays(length, len(taken)):
                mark(used, taken, length)
                entries.append(Entry(taken[0], length, tuple(taken)))
                if len(entries) >= max_entries:
                    return entries
    return entries


@register
class Ltsc(MetaTokenCompressor):
    """Paper-faithful lossless meta-tokens: longest-first greedy, flat dictionary"""

    name = "ltsc"

    def select(self, tokens: np.ndarray, max_entries: int) -> list[Entry]:
        return greedy_longest_first(RepeatIndex(tokens, self.max_len).narrowed(2), max_entries)
