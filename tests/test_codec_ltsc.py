"""Unit tests of the paper-faithful codec: the N*K condition, the greedy order, the dictionary format."""

from __future__ import annotations

import numpy as np
import pytest
from codec_inputs import VOCAB, build, small_tokenizer

from harness.compressors import build_compressor
from harness.compressors.ltsc import greedy_longest_first
from harness.compressors.metatoken import RepeatIndex, WindowClasses, min_count, pays
from harness.core.errors import HarnessError

SEP = 900  # separators: unique ids so runs repeat only where a test puts them


def repeated(run: list[int], k: int, sep: int = SEP) -> list[int]:
    out = []
    for i in range(k):
        out += run + [sep + i]
    return out


def select(ids, max_len=16, max_entries=1024):
    return greedy_longest_first(RepeatIndex(np.asarray(ids, dtype=np.int64), max_len), max_entries)


@pytest.mark.parametrize(
    "n,k,expected",
    [(3, 2, False), (3, 3, True), (2, 3, False), (2, 4, True), (4, 2, True), (16, 1, False), (1, 100, False)],
)
def test_condition(n, k, expected):
    assert pays(n, k) is expected


def test_min_count_is_the_smallest_paying_count():
    for n in range(2, 40):
        k = min_count(n)
        assert pays(n, k) and not pays(n, k - 1)


@pytest.mark.parametrize("k,replaced", [(2, False), (3, True)])
def test_three_token_run(k, replaced):
    entries = select(repeated([1, 2, 3], k))
    assert [(e.length, len(e.positions)) for e in entries] == ([(3, k)] if replaced else [])


@pytest.mark.parametrize("k,replaced", [(3, False), (4, True)])
def test_two_token_run(k, replaced):
    assert bool(select(repeated([1, 2], k))) is replaced


def test_overlapping_occurrences_are_not_counted():
    # [1 1 1] sits at 6 overlapping places but only 2 disjoint ones: 3*2 does not pay;
    # [1 1] has 4 disjoint occurrences: 2*4 > 1+2+4 pays
    entries = select([1] * 5 + [SEP] + [1] * 5, max_len=3)
    assert [(e.length, e.positions) for e in entries] == [(2, (0, 2, 6, 8))]


def test_longest_first():
    run = [1, 2, 3, 4, 5, 6]
    entries = select(repeated(run, 3))
    assert [(e.length, len(e.positions)) for e in entries] == [(6, 3)]


def test_condition_rechecked_on_free_occurrences():
    # [1 2 3 4] occurs twice on its own and twice inside [1 2 3 4 5 6 7 8] (which occurs twice);
    # after the 8-run is replaced only 2 free occurrences remain: 4*2 > 1+4+2 still pays
    ids = repeated([1, 2, 3, 4, 5, 6, 7, 8], 2) + repeated([1, 2, 3, 4], 2, sep=950)
    entries = select(ids)
    assert [(e.length, len(e.positions)) for e in entries] == [(8, 2), (4, 2)]
    # with a 3-run inside the 8-run: after the 8-run takes two, one free left: 3*1 does not pay
    ids = repeated([1, 2, 3, 4, 5, 6, 7, 8], 2) + [1, 2, 3, 960]
    assert [(e.length, len(e.positions)) for e in select(ids)] == [(8, 2)]


def test_window_classes_are_exact():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 3, 300)
    classes = WindowClasses(tokens, 13)
    for length in range(1, 14):
        keys = classes.keys(length)
        windows = [tuple(tokens[i : i + length]) for i in range(len(tokens) - length + 1)]
        by_key, by_window = {}, {}
        for key, win in zip(keys.tolist(), windows):
            assert by_key.setdefault(key, win) == win
            assert by_window.setdefault(win, key) == key


def test_dictionary_format():
    comp = build("ltsc", seed=5)
    run = [11, 12, 13, 14]
    ids = repeated(run, 4)
    out = comp.compress(ids)
    assert out.changed and out.dictionary_entries == 1
    meta = out.ids[1]
    assert out.ids[:7] == [comp.dict_open, meta, *run, comp.dict_close]
    assert out.dictionary_tokens == 7
    assert comp.pool_start <= meta < comp.pool_start + comp.pool_size
    assert out.ids[7:] == [meta, SEP, meta, SEP + 1, meta, SEP + 2, meta, SEP + 3]
    assert comp.decompress(out.ids) == ids
    assert out.tokens_out == 15 and out.reduction == pytest.approx(1 - 15 / 20)
    assert out.attention_reduction == pytest.approx(1 - (15 / 20) ** 2)


def test_entries_hold_no_meta_tokens():
    comp = build("ltsc")
    ids = repeated([1, 2, 3, 4, 5, 6, 7, 8], 3) + repeated([1, 2, 3, 4], 4, sep=950)
    out = comp.compress(ids)
    close = out.ids.index(comp.dict_close)
    body_entries = [i for i in out.ids[1:close]]
    metas = [i for i in body_entries if i >= VOCAB]
    assert len(metas) == out.dictionary_entries == 2
    assert all(i < VOCAB or i in metas for i in out.ids[close + 1 :])


def test_not_shorter_means_unchanged():
    comp = build("ltsc")
    ids = repeated([1, 2, 3], 3)  # entry saves 2, the delimiters cost 2
    out = comp.compress(ids)
    assert not out.changed and out.ids == ids and out.dictionary_entries == 0
    assert comp.decompress(out.ids) == ids


def test_parameters_reported_and_validated():
    tok = small_tokenizer()
    comp = build_compressor("ltsc@max_len=8,pool_size=64,seed=3", tok)
    assert comp.params == {"max_len": 8, "pool_size": 64, "seed": 3, "dict_open": VOCAB, "dict_close": VOCAB + 1}
    assert comp.extra_vocab == 66
    assert build_compressor(comp.spec, tok).params == comp.params
    moved = build_compressor(f"ltsc@dict_open={VOCAB + 100},dict_close={VOCAB + 101},pool_size=10", tok)
    ids = repeated([1, 2, 3, 4], 5)
    assert moved.compress(ids).ids[0] == VOCAB + 100 and moved.decompress(moved.compress(ids).ids) == ids
    assert moved.extra_vocab == 102
    for bad in ("max_len=1", "pool_size=0", f"dict_open={VOCAB - 1}", f"dict_close={VOCAB + 5}", "max_len=x"):
        name = bad.split("=")[0]
        with pytest.raises(HarnessError, match=f"^compressor 'ltsc': {name} must be"):
            build_compressor(f"ltsc@{bad}", tok)
    with pytest.raises(HarnessError, match="has no parameter 'maxlen'"):
        build_compressor("ltsc@maxlen=3", tok)


def test_pool_limits_entries():
    ids = []
    for r in range(5):
        ids += repeated([10 * r + j for j in range(5)], 3, sep=SEP + 10 * r)
    out = build("ltsc", pool_size=2).compress(ids)
    assert out.dictionary_entries == 2 and out.info["pool_exhausted"]


def test_meta_tokens_depend_on_seed_and_input():
    ids_a = repeated([11, 12, 13, 14], 4) + repeated([21, 22, 23, 24, 25], 3, sep=950)
    ids_b = ids_a[:-1] + [999]
    comp = build("ltsc")
    first = comp.compress(ids_a).ids
    assert comp.compress(ids_a).ids == first  # deterministic
    metas = lambda ids: [i for i in ids if i >= VOCAB + 2][:2]  # noqa: E731
    assert metas(build("ltsc", seed=1).compress(ids_a).ids) != metas(first)
    assert metas(comp.compress(ids_b).ids) != metas(first)


def test_malformed_compressed_input():
    comp = build("ltsc")
    with pytest.raises(HarnessError, match="without </Dict>"):
        comp.decompress([comp.dict_open, comp.pool_start, 1, 2])
    with pytest.raises(HarnessError, match="not in its dictionary"):
        comp.decompress([comp.dict_open, comp.pool_start, 1, 2, comp.dict_close, comp.pool_start + 1])


def test_non_integer_ids_rejected():
    with pytest.raises(HarnessError):
        build("ltsc").compress(["a", "b"])


@pytest.mark.parametrize("seed", range(4))
def test_repeat_index_groups_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 2 + seed, 200)
    max_len = 9
    index = RepeatIndex(tokens, max_len)
    for length in range(2, max_len + 1):
        expected = {}
        for i in range(len(tokens) - length + 1):
            expected.setdefault(tuple(tokens[i : i + length]), []).append(i)
        want = sorted(p for p in expected.values() if len(p) >= 2)
        for idx in (index, index.narrowed(length), index.narrowed(2)):
            groups = idx.groups(length, 2)
            got = sorted(idx.occurrences(s, e) for s, e in zip(groups.starts, groups.ends))
            assert got == want
            assert groups.firsts.tolist() == [min(idx.occurrences(s, e)) for s, e in zip(groups.starts, groups.ends)]
