"""Pinned numbers of the meta-token codecs (issue 14): a one-line bug in the codec core must fail here.

Golden selections of the paper-faithful ``ltsc`` on hand-made inputs (verified by hand below), its golden
pooled reduction on ``tree@stage=x3large``, and the ids every lossless codec may emit at the pool's edges.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from codec_inputs import VOCAB, build, lossless_names, small_tokenizer

from harness.compressors import build_compressor, compressors
from harness.compressors.ltsc import greedy_longest_first
from harness.compressors.repeats import Entry, RepeatIndex
from harness.core.errors import HarnessError

O, C, M = VOCAB, VOCAB + 1, VOCAB + 2  # <Dict>, </Dict>, the first meta-token of the pool


def select(ids, max_len=8, max_entries=1024):
    return greedy_longest_first(RepeatIndex(np.asarray(ids, dtype=np.int64), max_len).narrowed(2), max_entries)


# Within one length the paper visits the runs with MOST occurrences first.
#   positions  0..3  1 2 3 100 | 4..7  1 2 3 101 | 8..19  (1 2 s) x4, s = 102..105 | 20..25  (2 3 s) x2, s = 106, 107
#   A = [1 2] at 0 4 8 11 14 17 (6 times), B = [2 3] at 1 5 20 23 (4 times); A and B overlap at 0/1 and 4/5.
#   Length 3: [1 2 3] occurs twice, 3*2 > 1+3+2 fails. Length 2 (every other bigram is unique):
#   most first:   A takes all 6 (2*6=12 > 9), then B has 2 free occurrences (20, 23): 2*2=4 > 5 fails -> [A x6]
#   fewest first: B takes 4 (8 > 7), then A has 4 free (8 11 14 17): 8 > 7 -> [B x4, A x4], a different output.
MOST_FIRST = (
    [1, 2, 3, 100, 1, 2, 3, 101]
    + [t for s in range(102, 106) for t in (1, 2, s)]
    + [t for s in (106, 107) for t in (2, 3, s)]
)

# Equal counts: the run whose first occurrence comes first wins.
#   0..3  1 2 3 100 | 4..15  (1 2 s) x4, s = 101..104 | 16..27  (2 3 s) x4, s = 105..108
#   A = [1 2] at 0 4 7 10 13, B = [2 3] at 1 16 19 22 25: 5 each; A first (0 < 1) takes 5 (10 > 8),
#   then B keeps 16 19 22 25 (8 > 7). An entry starts at its first *taken* occurrence (16, not 1).
TIE = [1, 2, 3, 100] + [t for s in range(101, 105) for t in (1, 2, s)] + [t for s in range(105, 109) for t in (2, 3, s)]


def test_golden_selection_most_occurrences_first():
    assert len(MOST_FIRST) == 26
    assert select(MOST_FIRST) == [Entry(0, 2, (0, 4, 8, 11, 14, 17))]


def test_golden_selection_ties_go_to_the_first_occurrence():
    assert len(TIE) == 28
    assert select(TIE) == [Entry(0, 2, (0, 4, 7, 10, 13)), Entry(16, 2, (16, 19, 22, 25))]


def test_golden_selection_longest_first_then_recount():
    # [1..6] three times (6*3 = 18 > 10) is taken first; its shorter runs ([1..5], [2 3] ...) then have no free
    # occurrence left, and [7 8] (4 times, 2*4 = 8 > 7) is taken at length 2. With max_len=5 the two 5-runs
    # [1..5] and [2..6] tie at 3 occurrences: [1..5] comes first (first occurrence 0 < 1) and blocks [2..6].
    ids = [1, 2, 3, 4, 5, 6, 90, 1, 2, 3, 4, 5, 6, 91, 1, 2, 3, 4, 5, 6, 92] + [7, 8, 93, 7, 8, 94, 7, 8, 95, 7, 8, 96]
    assert select(ids) == [Entry(0, 6, (0, 7, 14)), Entry(21, 2, (21, 24, 27, 30))]
    assert select(ids, max_entries=1) == [Entry(0, 6, (0, 7, 14))]
    assert select(ids, max_len=5) == [Entry(0, 5, (0, 7, 14)), Entry(21, 2, (21, 24, 27, 30))]


def test_golden_compressed_output():
    comp = build("ltsc", pool_size=1)  # one meta-token: the draw is M whatever the seed
    out = comp.compress(MOST_FIRST)
    body = [M, 3, 100, M, 3, 101, M, 102, M, 103, M, 104, M, 105, 2, 3, 106, 2, 3, 107]
    assert out.ids == [O, M, 1, 2, C, *body]
    assert (out.tokens_in, out.tokens_out, out.dictionary_entries, out.dictionary_tokens) == (26, 25, 1, 5)
    assert out.changed and out.info == {"pool_exhausted": True}
    assert comp.decompress(out.ids) == MOST_FIRST
    # the tie input: two entries, dictionary in selection order
    out = build("ltsc", pool_size=2).compress(TIE)
    a, b = out.ids[1], out.ids[4]
    assert {a, b} == {M, M + 1}
    assert out.ids[:8] == [O, a, 1, 2, b, 2, 3, C]
    assert out.ids[8:] == [a, 3, 100, a, 101, a, 102, a, 103, a, 104, b, 105, b, 106, b, 107, b, 108]
    assert (out.tokens_out, out.dictionary_entries, out.dictionary_tokens) == (27, 2, 8)


def test_draw_is_a_seeded_permutation_of_the_pool():
    comp = build("ltsc", pool_size=7, seed=11)
    tokens = np.asarray(MOST_FIRST, dtype=np.int64)
    drawn = comp.draw(tokens)
    assert sorted(drawn) == list(range(M, M + 7))  # the whole pool, each id once, nothing outside it
    assert comp.draw(tokens) == drawn
    assert len(build("ltsc", pool_size=100).draw(tokens)) == len(tokens)  # no more than the input can use
    others = {tuple(build("ltsc", pool_size=7, seed=s).draw(tokens)) for s in range(6)}
    assert len(others) > 1


# -- every emitted id is below vocab + extra_vocab, at the pool's edges ---------------------------------


def many_runs(count: int = 6) -> list[int]:
    """``count`` distinct 5-token runs, each 3 times between unique separators: each pays on its own."""
    ids, sep = [], 800
    for r in range(count):
        for _ in range(3):
            ids += [10 * r + j for j in range(5)] + [sep]
            sep += 1
    return ids


POOLED = [n for n in lossless_names() if "pool_size" in compressors.get(n).factory.__init__.__code__.co_varnames]


@pytest.mark.parametrize("name", lossless_names())
@pytest.mark.parametrize("pool_size", [1, 2, 3])
def test_ids_stay_below_vocab_plus_extra_vocab(name, pool_size):
    """Every id a lossless codec emits has an embedding: 0 <= id < vocab_size + extra_vocab, at the pool's
    top edge too (a pool used up emits its last id)."""
    factory = compressors.get(name).factory
    kwargs = {"pool_size": pool_size} if name in POOLED else {}
    if getattr(factory, "needs_text_tokenizer", False):
        from harness.data.tokenizers import get_tokenizer

        tok = get_tokenizer("cl100k_base")
        ids = tok.encode(
            "".join(f"value_{r} = compute(alpha, beta, gamma)  # {s}\n" for r in range(6) for s in range(3))
        )
        comp = build_compressor(name, tok, **kwargs)
    else:
        comp, ids = build(name, **kwargs), many_runs()
    out = comp.compress(ids)
    assert comp.decompress(out.ids) == ids and (out.changed or name == "raw")
    assert min(out.ids) >= 0 and max(out.ids) < comp.vocab_size + comp.extra_vocab
    if name.startswith("ltsc") and name in POOLED:  # ours: the pool is used up, so both of its ends are emitted
        assert comp.extra_vocab == pool_size + 2
        metas = {i for i in out.ids if i >= M}
        assert metas == set(range(M, M + pool_size)) and out.dictionary_entries == pool_size
        assert out.info["pool_exhausted"] is True
        assert out.ids[0] == O and out.ids.count(C) == 1


@pytest.mark.parametrize("name", [n for n in POOLED if n.startswith("ltsc")])
def test_pool_not_exhausted_is_reported(name):
    out = build(name, pool_size=64).compress(many_runs(2))
    assert out.dictionary_entries == 2 and out.info["pool_exhausted"] is False


def test_parameter_bounds_are_the_documented_ones():
    tok = small_tokenizer()
    assert build_compressor("ltsc@pool_size=16777216", tok).extra_vocab == 16777216 + 2
    top = VOCAB + 2**25 - 1
    assert build_compressor(f"ltsc@dict_open={top},pool_size=5", tok).extra_vocab == 2**25
    for bad in (
        "pool_size=16777217",
        f"dict_open={top + 1}",
        f"dict_close={top + 1}",
        "pool_size=0",
        f"dict_open={VOCAB + 2}",
        f"dict_close={VOCAB + 2 + 4},pool_size=5",
        f"dict_open={VOCAB + 1}",
    ):
        with pytest.raises(HarnessError, match="^compressor 'ltsc': "):
            build_compressor(f"ltsc@{bad}", tok)
    with pytest.raises(HarnessError, match="^compressor 'ltsc': seed must be an integer"):
        build_compressor("ltsc@seed=x", tok)
    with pytest.raises(HarnessError, match="^compressor 'ltsc': max_len must be an integer >= 2"):
        build_compressor("ltsc@max_len=1", tok)
    assert build_compressor("ltsc@max_len=2", tok).params["max_len"] == 2
    assert build_compressor("ltsc@seed=-3", tok).params["seed"] == -3
    # just outside the pool is allowed
    comp = build_compressor(f"ltsc@dict_open={VOCAB + 2 + 5},dict_close={VOCAB + 1},pool_size=5", tok)
    assert comp.params["dict_open"] == VOCAB + 7 and comp.extra_vocab == 8


def test_short_inputs_are_unchanged():
    comp = build("ltsc")
    for ids in ([], [5], [5, 5, 5], [1, 2, 1, 2]):
        out = comp.compress(ids)
        assert out.ids == ids and not out.changed and out.dictionary_entries == 0


# -- the paper's setting: tree@stage=x3large ------------------------------------------------------------


def test_tree_x3large_golden_pooled_reduction():
    from harness.compressors import build_compressor as build_any
    from harness.data.tokenizers import get_tokenizer
    from harness.engine.pipeline import Pipeline
    from harness.engine.stats import compression_stats
    from harness.tasks import build_task

    tok = get_tokenizer("cl100k_base")
    examples = build_task("tree@stage=x3large").examples("test", 40, 0)
    prompts = Pipeline(tok, build_any("ltsc", tok)).prepare_all(examples)
    raw = sum(p.raw_tokens for p in prompts)
    comp = sum(len(p.ids) for p in prompts)
    assert all(p.round_trip_ok for p in prompts)
    assert (len(prompts), raw, comp) == GOLDEN_TREE[:3]
    assert [p.compressed.dictionary_entries for p in prompts] == GOLDEN_TREE[3]
    digest = hashlib.sha256(repr([p.ids for p in prompts]).encode()).hexdigest()[:16]
    assert digest == GOLDEN_TREE[4]
    (row,) = compression_stats(["tree@stage=x3large"], ["ltsc"], limit=40, seed=0, progress=False)
    assert row["length_reduction_pooled"] == pytest.approx(1 - comp / raw, rel=1e-12)
    assert row["length_reduction_pooled"] == pytest.approx(GOLDEN_TREE[5], abs=5e-5)


#: (examples, Σ raw tokens, Σ compressed tokens, entries per example, digest of the ids, pooled reduction);
#: 40 test examples of seed 0 are 5 trees x 8 questions (the dictionary is per prompt, so per tree it barely moves)
GOLDEN_TREE = (40, 19915, 14595, [7] * 8 + [9] * 8 + [8] * 8 + [5] * 8 + [7] * 8, "9938650a61fe9231", 0.26714)
