"""Pinned invariants of the exact repeat index (issue 14): ``harness/compressors/repeats.py``.

Brute force on small random inputs: the window classes, the content order of the index, its neighbour
common prefixes, narrowed and capped views, and the vectorised ``take_free`` path against the scalar one.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness.compressors.ltsc import greedy_longest_first
from harness.compressors.repeats import (
    VECTOR_FROM,
    RepeatIndex,
    WindowClasses,
    _take_free_vector,
    mark,
    min_count,
    pays,
    savings,
    take_free,
)


def inputs(count=40, seed=0):
    rng = np.random.default_rng(seed)
    out = [np.arange(17, dtype=np.int64), np.zeros(9, dtype=np.int64), np.array([3, 1, 3, 1, 3], dtype=np.int64)]
    for _ in range(count):
        n = int(rng.integers(1, 70))
        out.append(rng.integers(0, int(rng.integers(1, 6)), n).astype(np.int64))
    return out


@pytest.mark.parametrize(
    "n,max_len,levels",
    [(300, 13, 4), (4, 4, 3), (5, 8, 3), (3, 8, 2), (8, 8, 4), (1, 2, 1), (2, 2, 2), (16, 3, 2), (9, 16, 4)],
)
def test_window_classes_levels_and_keys(n, max_len, levels):
    tokens = np.random.default_rng(n).integers(0, 3, n).astype(np.int64)
    classes = WindowClasses(tokens, max_len)
    assert len(classes.ranks) == levels  # windows of 1, 2, 4 ... up to min(max_len, n) tokens
    for length in range(1, min(max_len, n) + 1):
        keys = classes.keys(length).tolist()
        windows = [tuple(tokens[i : i + length]) for i in range(n - length + 1)]
        assert len(keys) == len(windows)
        for i in range(len(keys)):
            for j in range(len(keys)):
                assert (keys[i] == keys[j]) == (windows[i] == windows[j])


@pytest.mark.parametrize("tokens", inputs(), ids=lambda t: f"n{len(t)}")
def test_index_order_lcp_and_groups_are_exact(tokens):
    n = len(tokens)
    for max_len in (2, 3, 5, 8):
        index = RepeatIndex(tokens, max_len)
        cap = min(max_len, max(n, 2))
        assert index.n == n and index.max_len == cap
        # sorted by content: the windows (cut at max_len, shorter at the end sort first), ties by position
        window = lambda i, cap=cap: tuple(tokens[i : i + cap].tolist())
        assert index.order.tolist() == sorted(range(n), key=lambda i: (window(i), i))
        order = index.order.tolist()
        lcp = [
            next(
                (
                    k
                    for k in range(cap)
                    if window(a)[k : k + 1] != window(b)[k : k + 1] or k >= len(window(a)) or k >= len(window(b))
                ),
                cap,
            )
            for a, b in zip(order, order[1:])
        ]
        assert index.lcp.tolist() == lcp and index.lcp.shape == (max(n - 1, 0),)
        assert index.longest == (max(lcp) if lcp else 0)
        for length in range(1, cap + 1):
            want = {}
            for i in range(n - length + 1):
                want.setdefault(tuple(tokens[i : i + length].tolist()), []).append(i)
            want = sorted(p for p in want.values() if len(p) >= 2)
            for view in (index, index.narrowed(length), index.narrowed(1)):
                groups = view.groups(length, 2)
                assert sorted(list(view.occurrences(s, e)) for s, e in zip(groups.starts, groups.ends)) == want


def test_tiny_inputs():
    for tokens in ([], [7], [7, 7]):
        index = RepeatIndex(np.array(tokens, dtype=np.int64), 8)
        assert index.max_len == 2 and index.lcp.shape == (max(len(tokens) - 1, 0),)
        assert index.longest == (1 if tokens == [7, 7] else 0)
        assert greedy_longest_first(index, 10) == []


@pytest.mark.parametrize("seed", range(6))
def test_capped_index_selects_like_a_smaller_max_len(seed):
    rng = np.random.default_rng(100 + seed)
    tokens = rng.integers(0, 3, 150).astype(np.int64)
    index = RepeatIndex(tokens, 12)
    for length in (2, 3, 5, 8):
        capped = index.capped(length)
        assert capped.longest == min(index.longest, length) and capped.max_len == index.max_len
        assert greedy_longest_first(capped.narrowed(2), 50) == greedy_longest_first(
            RepeatIndex(tokens, length).narrowed(2), 50
        )
    assert index.capped(100).longest == index.longest


def test_pays_savings_min_count():
    assert [pays(2, k) for k in (3, 4)] == [False, True] and [pays(3, k) for k in (2, 3)] == [False, True]
    assert savings(4, 3) == 12 - 8 and savings(2, 3) == 0 and savings(2, 4) == 1
    assert [min_count(n) for n in (2, 3, 4, 5, 9)] == [4, 3, 2, 2, 2]


# -- take_free: the scalar loop and the vector path agree -------------------------------------------------


def _scalar(positions, length, used):
    taken, next_free = [], -1
    for p in positions:
        if p >= next_free and not any(used[p : p + length]):
            taken.append(p)
            next_free = p + length
    return taken


@pytest.mark.parametrize("seed", range(30))
def test_take_free_vector_matches_the_scalar_loop(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    length = int(rng.integers(1, 9))
    positions = sorted(rng.choice(n - length + 1, size=int(rng.integers(0, n - length + 2)), replace=False).tolist())
    used = bytearray(n)
    for p in rng.choice(n, size=int(rng.integers(0, n // 3 + 1)), replace=False).tolist():
        used[p] = 1
    want = _scalar(positions, length, used)
    assert take_free(positions, length, used) == want
    got = _take_free_vector(np.array(positions, dtype=np.int64), length, used)
    assert got == want and all(type(p) is int for p in got)
    arr = take_free(np.array(positions, dtype=np.int64), length, used)  # arrays take the vector path
    assert arr == want and all(type(p) is int for p in arr)


def test_take_free_vector_both_branches_and_edges():
    used = bytearray(40)
    mark(used, [0, 10], 3)  # 0 1 2 and 10 11 12 are used
    assert used[:4] == b"\x01\x01\x01\x00" and sum(used) == 6
    positions = np.arange(0, 38, 1, dtype=np.int64)
    # many windows (len * length >= n): prefix sums; few: the windows themselves
    assert _take_free_vector(positions, 2, used) == _scalar(positions.tolist(), 2, used)
    assert _take_free_vector(positions[[3, 13, 30]], 2, used) == [3, 13, 30]
    assert _take_free_vector(positions[[0, 2, 3, 9, 13]], 2, used) == [3, 13]
    assert _take_free_vector(np.array([3, 4, 5, 6], dtype=np.int64), 2, used) == [3, 5]
    assert _take_free_vector(np.array([], dtype=np.int64), 2, used) == []
    free = bytearray(10)
    assert _take_free_vector(np.array([0, 1, 2, 8], dtype=np.int64), 2, free) == [0, 2, 8]
    assert _take_free_vector(np.arange(0, 9, dtype=np.int64), 2, free) == [0, 2, 4, 6, 8]


def test_large_runs_take_the_vector_path_with_the_same_result():
    n = 3 * VECTOR_FROM
    tokens = np.tile(np.array([4, 5], dtype=np.int64), n // 2)
    index = RepeatIndex(tokens, 4).narrowed(2)
    groups = index.groups(2, 2)
    big = [(s, e) for s, e in zip(groups.starts.tolist(), groups.ends.tolist()) if e - s >= VECTOR_FROM]
    assert big
    occ = index.occurrences(*big[0])
    assert isinstance(occ, np.ndarray) and occ.tolist() == sorted(index.order[big[0][0] : big[0][1]].tolist())
    used = bytearray(n)
    used[7] = 1
    assert take_free(occ, 2, used) == _scalar(occ.tolist(), 2, used)
    assert take_free(occ.tolist(), 2, used) == _scalar(occ.tolist(), 2, used)


@pytest.mark.parametrize("tokens", [[1, 3, 2, 0], [2, 0, 3, 1, 4], list(np.random.default_rng(3).permutation(12))])
def test_window_classes_of_distinct_tokens(tokens):
    """All-distinct ids: the ranks reach n - 1, where a key that is not injective would collide
    (e.g. ranks (1, 3) and (2, 0) under left * (n - 1) + right)."""
    arr = np.asarray(tokens, dtype=np.int64)
    classes = WindowClasses(arr, len(tokens))
    for length in range(1, len(tokens) + 1):
        keys = classes.keys(length).tolist()
        assert len(set(keys)) == len(keys) == len(tokens) - length + 1


def test_entry_is_a_frozen_value():
    import dataclasses

    from harness.compressors.repeats import Entry

    e = Entry(0, 2, (0, 4))
    assert e == Entry(0, 2, (0, 4)) and hash(e) == hash(Entry(0, 2, (0, 4))) and len({e, Entry(0, 2, (0, 4))}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.length = 3
