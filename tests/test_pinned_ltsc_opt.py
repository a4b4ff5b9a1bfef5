"""``ltsc-opt`` and ``ltsc-nested`` against a brute-force reference of their documented selection (issue 14).

The reference is written from the module docstring, not from the code: candidates are the maximal repeated runs
(not all occurrences extended by one same real token on the left, nor on the right; every run at ``max_len``);
the plain lazy greedy (a heap of savings bounds; a popped candidate is recounted on the still-free positions and
taken if its key still comes first, else pushed back with what it kept); ``ltsc-opt`` finishes with the longest-first pass and falls back to ``ltsc``'s
selection (``max_len`` 8 or less) where that saves more; ``ltsc-nested`` repeats the ranking on each body.
The lazy queue, its bounds and shortcuts may change speed, never this selection.
"""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from codec_inputs import build

from harness.compressors.ltsc import greedy_longest_first
from harness.compressors.ltsc_opt import (
    _beats,
    _count_in_groups,
    greedy_by_savings,
    maximal_groups,
    paper_selection,
    ranked_candidates,
    total_savings,
)
from harness.compressors.repeats import Entry, RepeatIndex, min_count, savings


def occurrences(tokens: list[int], length: int) -> dict[tuple, list[int]]:
    out: dict[tuple, list[int]] = {}
    for i in range(len(tokens) - length + 1):
        out.setdefault(tuple(tokens[i : i + length]), []).append(i)
    return out


def maximal_runs(tokens: list[int], max_len: int) -> list[tuple[int, list[int]]]:
    """(length, occurrences) of every maximal repeated run, lengths 2 .. min(longest, n // 2)."""
    n = len(tokens)
    cap = min(max_len, max(n, 2))
    longest = max(
        (length for length in range(1, cap + 1) if any(len(p) > 1 for p in occurrences(tokens, length).values())),
        default=0,
    )
    out = []
    for length in range(2, min(longest, n // 2) + 1):
        for _run, pos in occurrences(tokens, length).items():
            if len(pos) < min_count(length):
                continue
            if length < cap:
                rights = {tokens[p + length] if p + length < n else None for p in pos}
                lefts = {tokens[p - 1] if p > 0 else None for p in pos}
                if (len(rights) == 1 and None not in rights) or (len(lefts) == 1 and None not in lefts):
                    continue
            out.append((length, pos))
    return out


def free_taken(pos: list[int], length: int, used: bytearray) -> list[int]:
    taken, nxt = [], -1
    for p in pos:
        if p >= nxt and not any(used[p : p + length]):
            taken.append(p)
            nxt = p + length
    return taken


def reference_ranking(tokens: list[int], max_len: int, max_entries: int, cleanup: bool) -> list[Entry]:
    """The plain lazy greedy over the brute-force candidates: a heap of (-savings bound, -length, first
    occurrence); a popped candidate is recounted on the free positions and taken if its key still comes first,
    else pushed back with its recounted occurrences (the selection of the first ``ltsc-opt``, before the
    queue, the fit bounds and the shortcuts were added to make it fast)."""
    heap, runs = [], []
    for length, pos in maximal_runs(tokens, max_len):
        heap.append((-savings(length, len(pos)), -length, pos[0], len(runs)))
        runs.append(pos)
    heapq.heapify(heap)
    used = bytearray(len(tokens))
    entries: list[Entry] = []
    while heap and len(entries) < max_entries:
        _, neg_len, _, idx = heapq.heappop(heap)
        length = -neg_len
        taken = free_taken(runs[idx], length, used)
        gain = savings(length, len(taken))
        if gain <= 0:
            continue
        if heap and (-gain, neg_len, taken[0]) > heap[0][:3]:
            runs[idx] = taken
            heapq.heappush(heap, (-gain, neg_len, taken[0], idx))
            continue
        for p in taken:
            used[p : p + length] = b"\x01" * length
        entries.append(Entry(taken[0], length, tuple(taken)))
    if cleanup and len(entries) < max_entries:
        index = RepeatIndex(np.asarray(tokens, dtype=np.int64), max_len).narrowed(2)
        entries += greedy_longest_first(index, max_entries - len(entries), used=used)
    return entries


def corpus(count: int, seed: int = 0) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    out = [[0, 1] * 40, [1, 2, 3, 4, 5, 6, 7, 8] * 5 + [1, 2, 3] * 6, [5] * 30]
    for k in range(count):
        kind = k % 3
        if kind == 0:  # small alphabet
            out.append(rng.integers(0, int(rng.integers(2, 5)), int(rng.integers(10, 160))).tolist())
        elif kind == 1:  # blocks of a few runs, shifted and mutated
            blocks = [rng.integers(0, 8, int(rng.integers(2, 7))).tolist() for _ in range(4)]
            ids: list[int] = []
            while len(ids) < int(rng.integers(20, 200)):
                ids += blocks[int(rng.integers(0, 4))] if rng.random() < 0.8 else [int(rng.integers(0, 50))]
            out.append(ids)
        else:  # random binary: the ranking's short runs fragment it, ltsc's selection wins
            out.append(rng.integers(0, 2, int(rng.integers(40, 240))).tolist())
    return out


CORPUS = corpus(60)


@pytest.mark.parametrize("max_len", [3, 6, 32])
def test_maximal_groups_are_the_maximal_runs(max_len):
    for tokens in CORPUS:
        arr = np.asarray(tokens, dtype=np.int64)
        index = RepeatIndex(arr, max_len)
        want = sorted((length, pos) for length, pos in maximal_runs(tokens, max_len))
        got = []
        narrowed = index
        for length in range(2, min(index.longest, len(tokens) // 2) + 1):
            narrowed = narrowed.narrowed(length)
            groups = maximal_groups(narrowed, length)
            got += [(length, list(narrowed.occurrences(s, e))) for s, e in zip(groups.starts, groups.ends)]
            assert groups.counts.tolist() == [e - s for s, e in zip(groups.starts, groups.ends)]
            assert groups.firsts.tolist() == [
                min(narrowed.occurrences(s, e)) for s, e in zip(groups.starts, groups.ends)
            ]
            assert all(g.length == length for g in [groups])
        assert sorted(got) == want, tokens


def test_ranked_candidates_table():
    tokens = [1, 2, 3, 9, 1, 2, 3, 8, 1, 2, 3, 7, 4, 5, 6, 4, 5, 4, 5, 4, 5]
    index = RepeatIndex(np.asarray(tokens, dtype=np.int64), 32)
    table = ranked_candidates(index)
    # maximal runs: [1 2 3] x3 saves 3*3 - 7 = 2; [4 5 4 5] at 15 and 17 (raw, overlapping count 2) 8 - 7 = 1;
    # [4 5] x4 (at 12 15 17 19) 8 - 7 = 1; best first, ties longer first. [1 2] and [2 3] always extend to
    # [1 2 3]; [5 4] occurs twice (a 2-run needs 4)
    rows = [(int(r[0]), int(r[1]), int(r[2])) for r in table]
    assert rows == [(2, 3, 0), (1, 4, 15), (1, 2, 12)]
    assert table[:, 5].tolist() == [0, 1, 2]
    for r in table:
        stretch = sorted(index.order[r[3] : r[4]].tolist())
        assert stretch[0] == r[2] and len(stretch) * r[1] - (1 + r[1] + len(stretch)) == r[0]
    assert ranked_candidates(RepeatIndex(np.arange(10, dtype=np.int64), 8)).shape == (0, 6)


@pytest.mark.parametrize("cleanup", [True, False])
@pytest.mark.parametrize("max_len", [4, 32])
def test_greedy_by_savings_matches_the_reference(cleanup, max_len):
    for tokens in CORPUS:
        index = RepeatIndex(np.asarray(tokens, dtype=np.int64), max_len)
        for max_entries in (1, 2, 3, 5, 1000):
            want = reference_ranking(tokens, max_len, max_entries, cleanup)
            got = greedy_by_savings(index, max_entries, cleanup)
            assert got == want and len(got) <= max_entries, (tokens, max_entries)


def test_the_cleanup_pass_stays_within_the_entry_budget():
    """Here the ranking stops at 1 entry and the longest-first cleanup has 2 more: with a budget of 2 it may add
    only one (more entries than meta-token ids would not decode)."""
    tokens = [
        1,
        3,
        2,
        1,
        1,
        3,
        3,
        2,
        2,
        2,
        2,
        2,
        2,
        3,
        3,
        1,
        0,
        1,
        2,
        2,
        2,
        1,
        2,
        1,
        2,
        3,
        3,
        1,
        0,
        2,
        1,
        2,
        1,
        1,
        1,
        2,
        3,
        1,
        2,
    ]
    index = RepeatIndex(np.asarray(tokens, dtype=np.int64), 32)
    assert len(greedy_by_savings(index, 1000, cleanup=False)) == 1 and len(greedy_by_savings(index, 1000)) == 3
    got = greedy_by_savings(index, 2)
    assert len(got) == 2 and got == reference_ranking(tokens, 32, 2, cleanup=True)


def test_must_beat_gives_up_only_when_it_cannot_win():
    for tokens in CORPUS:
        index = RepeatIndex(np.asarray(tokens, dtype=np.int64), 32)
        full = greedy_by_savings(index, 1000)
        reached = total_savings(full)
        assert greedy_by_savings(index, 1000, must_beat=reached) == full
        assert greedy_by_savings(index, 1000, must_beat=0) == full
        assert greedy_by_savings(index, 1000, must_beat=len(tokens) + 1) is None


@pytest.mark.parametrize("max_len", [5, 32])
def test_ltsc_opt_selection_is_the_better_of_the_two(max_len):
    comp = build("ltsc-opt", max_len=max_len)
    fallback = 0
    for tokens in CORPUS:
        arr = np.asarray(tokens, dtype=np.int64)
        ranked = reference_ranking(tokens, max_len, 1024, cleanup=True)
        paper = greedy_longest_first(RepeatIndex(arr, min(8, max_len)).narrowed(2), 1024)
        assert paper_selection(RepeatIndex(arr, max_len), 1024) == paper
        want = paper if total_savings(paper) > total_savings(ranked) else ranked
        fallback += want is paper
        assert comp.select(arr, 1024) == want
    assert 0 < fallback < len(CORPUS)  # both branches are exercised


def test_default_parameters_are_pinned():
    """Defaults are part of every cell id and of the published lengths."""
    assert {k: build("ltsc-opt").params[k] for k in ("max_len", "pool_size", "seed")} == {
        "max_len": 32,
        "pool_size": 1024,
        "seed": 0,
    }
    assert {k: build("ltsc-nested").params[k] for k in ("max_len", "pool_size", "seed", "max_depth")} == {
        "max_len": 16,
        "pool_size": 1024,
        "seed": 0,
        "max_depth": 3,
    }


def test_a_bad_max_depth_is_named():
    from harness.core.errors import HarnessError

    with pytest.raises(HarnessError, match=r"(?<!X)max_depth(?!X)"):
        build("ltsc-nested", max_depth=0)


@pytest.mark.parametrize("depth", [1, 3])
def test_ltsc_nested_passes_match_the_reference(depth):
    """Each pass is the savings ranking without the longest-first cleanup (the next pass finds those runs)."""
    from harness.compressors.format import dictionary_of, substitute

    comp = build("ltsc-nested", max_depth=depth, pool_size=64)
    metas = list(range(comp.pool_start, comp.pool_start + 64))
    wins = 0
    if depth == 1:  # the cleanup would change some single-pass selections: this test can tell
        assert any(
            reference_ranking(t, 16, 64, cleanup=True) != reference_ranking(t, 16, 64, cleanup=False) for t in CORPUS
        )
    for tokens in CORPUS:
        body, dictionary, used = tokens, [], 0
        for _ in range(depth):
            level = metas[used:]
            entries = reference_ranking(body, 16, len(level), cleanup=False)
            if not entries:
                break
            dictionary += dictionary_of(body, entries, level)
            body, used = substitute(body, entries, level), used + len(entries)
        paper = greedy_longest_first(RepeatIndex(np.asarray(tokens, dtype=np.int64), 8).narrowed(2), 64)
        if total_savings(paper) > len(tokens) - len(dictionary) - len(body):
            want = (dictionary_of(tokens, paper, metas), substitute(tokens, paper, metas), len(paper))
        else:
            want, wins = (dictionary, body, used), wins + 1
        assert comp.encode(tokens, metas) == want, tokens
    assert 0 < wins < len(CORPUS)


def test_helpers():
    assert _count_in_groups(np.array([1, 0, 1, 1, 0]), np.array([0, 2, 4]), np.array([2, 4, 5])).tolist() == [1, 2, 0]
    assert _beats((-3, -2, 5), None) and _beats((-3, -2, 5), (-3, -2, 5, 9)) and not _beats((-3, -2, 6), (-3, -2, 5, 0))
    assert _beats((-4, -2, 9), (-3, -5, 0)) and not _beats((-2, -9, 0), (-3, -2, 0))
    assert total_savings([Entry(0, 3, (0, 4, 8)), Entry(1, 2, (1, 5, 9, 13))]) == 2 + 1 and total_savings([]) == 0


LARGE = [
    np.random.default_rng(n + a).integers(0, a, n).tolist() for n, a in ((1500, 2), (3000, 2), (3000, 3), (6000, 2))
]
LARGE += [[0, 1] * 2500, [7] * 5000, ([1, 2, 3, 4] * 700 + [9]) * 2]


@pytest.mark.parametrize("cleanup", [True, False])
def test_large_inputs_match_the_reference(cleanup):
    """Inputs where the shortcuts act: fruitless pops shrink the longest free gap (candidates that no longer
    fit are dropped), and runs with thousands of occurrences take the vectorised paths."""
    for tokens in LARGE:
        index = RepeatIndex(np.asarray(tokens, dtype=np.int64), 32)
        for max_entries in (3, 1000):
            assert greedy_by_savings(index, max_entries, cleanup) == reference_ranking(tokens, 32, max_entries, cleanup)


# -- the queue and the free-position bounds that make it fast ---------------------------------------------


def test_free_positions_and_their_bounds():
    from harness.compressors.ltsc_opt import _Free

    free = _Free(10)
    assert (free.count, free.longest_gap, free.stale, free.misses, free.patience) == (10, 10, False, 0, 32)
    assert _Free(4096).patience == 34 and _Free(6143).patience == 34
    assert free.missed() is False and free.misses == 1  # nothing taken: nothing to recompute
    free.take([0, 5], 2)  # 0 1 and 5 6 used: free runs 2..4 and 7..9
    assert (free.count, free.stale, free.misses) == (6, True, 0) and free.used[:7] == bytearray(
        b"\x01\x01\0\0\0\x01\x01"
    )
    assert free.fit(3, 5) == 2 and free.fit(2, 2) == 2 and free.fit(4, 5) == 1 and free.fit(10, 5) == 0
    assert free.fit(11, 5) == 0 and type(free.fit(4, 5)) is int
    assert [free.missed() for _ in range(31)] == [False] * 31 and free.longest_gap == 10
    assert free.missed() is True  # the 32nd fruitless pop recomputes the longest gap: 3, it shrank
    assert (free.longest_gap, free.stale, free.misses) == (3, False, 32)
    assert free.fit(3, 5) == 2 and free.fit(4, 5) == 0
    assert free.missed() is False  # not stale: no recomputation
    free.take([2], 3)  # 2 3 4 used: only 7..9 free, the longest gap stays 3
    assert free.count == 3 and [free.missed() for _ in range(32)] == [False] * 32 and free.longest_gap == 3
    free.take([7], 3)
    assert [free.missed() for _ in range(32)][-1] is True and free.longest_gap == 0 and free.count == 0
    assert free.fit(1, 5) == 0


def test_queue_merges_the_sorted_table_with_the_heap():
    from harness.compressors.ltsc_opt import _Queue

    # rows (savings, length, first, stretch start, stretch end, rank), best first
    table = np.array(
        [[9, 4, 0, 0, 3, 0], [5, 2, 7, 3, 8, 1], [5, 2, 9, 8, 12, 2], [2, 3, 1, 12, 14, 3], [1, 2, 4, 14, 18, 4]],
        dtype=np.int64,
    )
    queue = _Queue(table)
    queue.CHUNK = 2  # read the table two rows at a time
    assert queue.best() == (-9, -4, 0, 0)
    assert queue.pop() == (-9, -4, 0, 0, (0, 3))
    queue.push((-6, -2, 5, 1, [5, 11, 20]))  # a re-pushed candidate: its recounted occurrences
    queue.push((-5, -2, 8, 2, (8, 12)))
    assert queue.best() == (-6, -2, 5, 1)
    assert queue.pop() == (-6, -2, 5, 1, [5, 11, 20])
    assert queue.pop() == (-5, -2, 7, 1, (3, 8))  # the table's (-5, -2, 7) comes before the heap's (-5, -2, 8)
    assert queue.best() == (-5, -2, 8, 2)
    queue.drop_longer(2)  # the 3-run (row 3) can no longer fit anywhere; rows of length <= 2 stay
    assert [tuple(r) for r in queue.table.tolist()] == [(5, 2, 9, 8, 12, 2), (1, 2, 4, 14, 18, 4)]
    assert queue.pop() == (-5, -2, 8, 2, (8, 12))
    assert queue.pop() == (-5, -2, 9, 2, (8, 12))
    assert queue.pop() == (-1, -2, 4, 4, (14, 18))
    assert queue.best() is None
    empty = _Queue(np.zeros((0, 6), np.int64))
    assert empty.best() is None
    empty.push((-1, -2, 0, 7, [0, 4]))
    assert empty.best() == (-1, -2, 0, 7) and empty.pop() == (-1, -2, 0, 7, [0, 4]) and empty.best() is None


def test_must_beat_returns_none_exactly_when_it_cannot_be_reached():
    """The ranking gives up when saved + free positions < must_beat; at its end that is its savings plus the
    positions it left free."""
    for tokens in CORPUS[:30] + LARGE[:2]:
        index = RepeatIndex(np.asarray(tokens, dtype=np.int64), 32)
        ranked = reference_ranking(tokens, 32, 1000, cleanup=False)
        reach = total_savings(ranked) + len(tokens) - sum(e.length * len(e.positions) for e in ranked)
        assert greedy_by_savings(index, 1000, cleanup=False, must_beat=reach) == ranked
        assert greedy_by_savings(index, 1000, cleanup=False, must_beat=reach + 1) is None


def test_queue_drop_longer_keeps_the_buffered_rows_in_order():
    from harness.compressors.ltsc_opt import _Queue

    table = np.array(
        [[9, 2, 0, 0, 2, 0], [5, 2, 3, 2, 4, 1], [4, 3, 5, 4, 6, 2], [3, 2, 8, 6, 8, 3], [1, 2, 9, 8, 10, 4]],
        dtype=np.int64,
    )
    queue = _Queue(table)
    queue.CHUNK = 4
    assert queue.pop() == (-9, -2, 0, 0, (0, 2))  # rows 1..3 wait in the buffer, row 4 in the table
    queue.drop_longer(2)
    assert queue.table.tolist() == [[5, 2, 3, 2, 4, 1], [3, 2, 8, 6, 8, 3], [1, 2, 9, 8, 10, 4]]
    assert [queue.pop()[2] for _ in range(3)] == [3, 8, 9] and queue.best() is None
