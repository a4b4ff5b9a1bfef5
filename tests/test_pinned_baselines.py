"""Pinned numbers of the rate convention and the naive lossy baselines (issue 14).

Target lengths are exact integers (``rate`` of ``n`` tokens, half rounded up), and truncation's kept parts are
exact slices, odd targets included. Uses the small integer tokenizer: no tokenizer files, no models.
"""

from __future__ import annotations

import numpy as np
import pytest
from codec_inputs import VOCAB, small_tokenizer

from harness.baselines.lossy import LossyCompressor, thin
from harness.baselines.rate import Rate
from harness.compressors import build_compressor
from harness.core.errors import HarnessError

IDS = list(range(100, 110))  # 10 tokens


def comp(spec):
    return build_compressor(spec, small_tokenizer())


@pytest.mark.parametrize(
    "rate,n,target",
    [
        (0.75, 10, 8),  # 7.5 rounds up (int(x) would give 7)
        (0.25, 10, 3),  # 2.5 rounds up too (half up, not Python's round-half-even)
        (0.74, 10, 7),
        (0.76, 10, 8),
        (0.5, 10, 5),
        (0.5, 9, 5),
        (0.3, 9, 3),
        (0.6, 7, 4),
        (1, 10, 10),
        (1.0, 1, 1),
        (0.05, 10, 1),
        (0.04, 10, 1),
        (0.001, 3, 1),  # at least one token of a non-empty input
        (0.5, 0, 0),
        (0.001, 0, 0),  # nothing from nothing
    ],
)
def test_fraction_target(rate, n, target):
    assert Rate.parse(rate, None).target(list(range(n))) == target


def test_rate_parse_and_str():
    r = Rate.parse(0.75, None)
    assert (r.fraction, r.match, str(r)) == (0.75, None, "0.75")
    assert str(Rate.parse(1, None)) == "1"
    tok = small_tokenizer()
    m = Rate.parse("match:ltsc@pool_size=4", tok)
    assert (m.fraction, m.match, str(m)) == (None, "ltsc@pool_size=4", "match:ltsc@pool_size=4")
    for bad in (0, -0.5, 1.01, "match:", "match: ", "half", "matches:ltsc", None, float("nan"), True):
        with pytest.raises(HarnessError, match="rate must be a fraction of tokens kept in \\(0, 1\\] .* or match:"):
            Rate.parse(bad, tok)


def test_match_target_is_the_lossless_length():
    tok = small_tokenizer()
    # ltsc: <Dict> m 1 2 3 4 5 </Dict> (8) + m 900 m 901 m 902 m 903 7 8 9 (11) = 19 of 27
    ids = [t for s in range(900, 904) for t in (1, 2, 3, 4, 5, s)] + [7, 8, 9]
    r = Rate.parse("match:ltsc", tok)
    assert len(build_compressor("ltsc", tok).compress(ids).ids) == 19
    assert r.target(ids) == 19
    first = r._matched_compressor()
    assert r.target(ids[:5]) == 5 and r._matched_compressor() is first  # built once; unchanged input: all of it
    assert Rate.parse("match:raw", tok).target(ids) == len(ids)
    with pytest.raises(HarnessError, match="rate=match:truncate needs a lossless compressor; 'truncate' is lossy"):
        Rate.parse("match:truncate", tok).target(ids)


@pytest.mark.parametrize(
    "rate,side,kept",
    [
        (0.5, "middle", [100, 101, 102, 108, 109]),  # odd target 5: the larger half (3) from the front
        (0.7, "middle", [100, 101, 102, 103, 107, 108, 109]),  # 7 = 4 + 3
        (0.6, "middle", [100, 101, 102, 107, 108, 109]),  # even target 6 = 3 + 3
        (0.1, "middle", [100]),  # 1 = 1 + 0
        (0.2, "middle", [100, 109]),
        (0.5, "tail", [100, 101, 102, 103, 104]),
        (0.5, "head", [105, 106, 107, 108, 109]),
        (0.3, "tail", [100, 101, 102]),
        (0.3, "head", [107, 108, 109]),
    ],
)
def test_truncate_keeps_exact_slices(rate, side, kept):
    out = comp(f"truncate@rate={rate},side={side}").compress(IDS)
    assert out.ids == kept
    assert (out.tokens_in, out.target_tokens, out.changed) == (10, len(kept), True)
    assert out.info == {"rate": f"{rate:g}"}


def test_truncate_middle_on_odd_inputs():
    ids = list(range(11))
    assert comp("truncate@rate=0.5").compress(ids).ids == [0, 1, 2, 8, 9, 10]  # 5.5 -> 6 = 3 + 3
    assert comp("truncate@rate=0.45").compress(ids).ids == [0, 1, 2, 9, 10]  # 4.95 -> 5 = 3 + 2


def test_input_within_target_is_unchanged():
    out = comp("truncate@rate=1").compress(IDS)
    assert out.ids == IDS and not out.changed and out.target_tokens == 10 and out.tokens_in == 10
    assert out.info == {"rate": "1"}
    out = comp("random-drop@rate=0.5").compress([7])
    assert out.ids == [7] and not out.changed and out.target_tokens == 1
    out = comp("truncate").compress([])
    assert out.ids == [] and out.target_tokens == 0 and not out.changed


def test_lossy_defaults_and_checks():
    t = comp("truncate")
    assert isinstance(t, LossyCompressor) and t.lossless is False
    assert t.params == {"rate": 0.5, "side": "middle"} and str(t.rate) == "0.5"
    assert comp("random-drop").params == {"rate": 0.5, "seed": 0}
    with pytest.raises(HarnessError, match="outside the tokenizer's range"):
        t.compress([1, VOCAB])
    with pytest.raises(HarnessError, match="is lossy"):
        t.decompress([1, 2])
    with pytest.raises(NotImplementedError):
        LossyCompressor(small_tokenizer()).compress(IDS)
    with pytest.raises(
        HarnessError,
        match=r"^compressor 'truncate': side \(the part removed\) must be one of head, "
        "tail, middle; got 'left'$",
    ):
        comp("truncate@side=left")
    with pytest.raises(HarnessError, match="^compressor 'random-drop': seed must be an integer >= 0, got 'x'$"):
        comp("random-drop@seed=x")


class _KeepFirst(LossyCompressor):
    name = "pinned-keep-first"

    def shrink(self, ids, target, question):
        return ids[:target], {"kept": target, "question": question}


def test_shrink_info_is_recorded():
    out = _KeepFirst(small_tokenizer(), rate=0.3).compress(IDS, question="q?")
    assert out.ids == IDS[:3] and out.info == {"rate": "0.3", "kept": 3, "question": "q?"}
    assert out.target_tokens == 3 and out.changed


def test_random_drop_is_an_ordered_seeded_subset():
    ids = list(range(200, 240))
    a = comp("random-drop@rate=0.5,seed=3").compress(ids)
    assert a.target_tokens == 20 and len(a.ids) == 20 and a.changed
    assert a.ids == sorted(a.ids) and set(a.ids) <= set(ids)
    assert a.ids == comp("random-drop@rate=0.5,seed=3").compress(ids).ids
    assert a.ids != comp("random-drop@rate=0.5,seed=4").compress(ids).ids
    # the draw: numpy's seeded choice of positions, sorted
    keep = np.sort(np.random.default_rng(3).choice(40, size=20, replace=False)).tolist()
    assert a.ids == [ids[i] for i in keep]
    assert comp("random-drop@rate=0.3").compress(IDS).ids == [
        IDS[i] for i in np.sort(np.random.default_rng(0).choice(10, size=3, replace=False)).tolist()
    ]


@pytest.mark.parametrize(
    "n,target,kept",
    [
        (10, 7, [0, 2, 3, 4, 6, 7, 9]),  # drops int((k + .5) * 10 / 3) = 1, 5, 8
        (10, 9, [0, 1, 2, 3, 4, 6, 7, 8, 9]),  # drops 5
        (10, 5, [0, 2, 4, 6, 8]),  # drops 1 3 5 7 9
        (10, 0, []),
        (10, 10, list(range(10))),
        (10, 12, list(range(10))),
        (4, 1, [1]),  # 4 -> 1 drops 0, 2, 3
    ],
)
def test_thin_drops_evenly_spaced_tokens(n, target, kept):
    assert thin(list(range(n)), target) == kept
