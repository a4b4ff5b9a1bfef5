"""Scorers: ``f(prediction, target) -> bool | float``, a float in [0, 1] (a bool counts as 0 or 1).

``exact_match`` is every task's primary scorer. ``edit_similarity`` is reported next to
it by the code-editing tasks, where an almost-right file says more than a wrong one.
Both ignore surrounding whitespace only (a model's trailing newline), nothing else.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

from ..core.errors import HarnessError

Scorer = Callable[[str, str], bool | float]


def exact_match(prediction: str, target: str) -> bool:
    """Exact string match after stripping surrounding whitespace."""
    return prediction.strip() == target.strip()


def levenshtein(a: str, b: str) -> int:
    """Character edit distance (insertions, deletions, substitutions all cost 1).

    Common prefix and suffix are dropped first; the rest uses the bit-parallel algorithm
    of Myers (1999) as given by Hyyrö (2001) for edit distance, with Python ints as bit
    vectors: O(len(a) * len(b) / word size), so whole files stay fast.
    """
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(b):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask, last = (1 << m) - 1, 1 << (m - 1)
    pv, mv, dist = mask, 0, m
    for ch in a:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & last:
            dist += 1
        elif mh & last:
            dist -= 1
        ph = (ph << 1) | 1
        mh <<= 1
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv & mask
    return dist


def edit_similarity(prediction: str, target: str) -> float:
    """1 - Levenshtein distance / the longer length, over characters, surrounding whitespace stripped.

    1.0 for equal strings (two empty strings included), 0.0 when nothing can be kept.
    """
    a, b = prediction.strip(), target.strip()
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1.0 - levenshtein(a, b) / longest


def checked_score(value, scorer: str = "scorer") -> float:
    """``value`` as a float in [0, 1]; a bool gives 0.0 / 1.0; anything else is a one-line error."""
    if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":  # numpy bools too
        return float(bool(value))
    if isinstance(value, numbers.Real) and math.isfinite(value) and 0 <= value <= 1:
        return float(value)
    raise HarnessError(f"{scorer} returned {value!r}; a scorer must return a bool or a number in [0, 1]")
