"""``ltsc``: the paper's greedy meta-token codec (design §2), exact and near-linear.

Candidate lengths run from ``max_len`` down to 2, longest first. At each length the
runs whose free, non-overlapping occurrences satisfy N*K > 1+N+K are visited in
order of decreasing occurrence count (ties: first occurrence first); before each
replacement the occurrences are recounted among still-free positions and the
condition is re-checked. Entries are flat. See :mod:`.metatoken` for the format and
the meta-token draw.
"""

from __future__ import annotations

import numpy as np

from .base import register
from .metatoken import Entry, MetaTokenCompressor, WindowClasses, group_windows, mark, min_count, pays, take_free


def greedy_longest_first(tokens: np.ndarray, max_len: int, max_entries: int, used: bytearray | None = None,
                         min_len: int = 2) -> list[Entry]:
    """The paper's selection; ``used`` (1 = already replaced) is updated in place."""
    n = len(tokens)
    used = bytearray(n) if used is None else used
    used_view = np.frombuffer(used, dtype=np.uint8) if n else np.zeros(0, np.uint8)
    classes = WindowClasses(tokens, max_len)
    entries: list[Entry] = []
    for length in range(min(max_len, n // 2), min_len - 1, -1):
        groups = group_windows(classes, used_view, length, min_count(length))
        if not len(groups.starts):
            continue
        # visit the most frequent runs first; stable sort keeps first-occurrence order on ties
        firsts = groups.positions[groups.starts]
        order = np.lexsort((firsts, -groups.counts))
        positions, starts, ends = groups.positions.tolist(), groups.starts.tolist(), groups.ends.tolist()
        for g in order.tolist():
            taken = take_free(positions[starts[g]:ends[g]], length, used)
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
        return greedy_longest_first(tokens, self.max_len, max_entries)
