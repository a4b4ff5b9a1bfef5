"""The delta-ltsc peer behind our interface: id mapping, per-input round-trip check, missing package."""

from __future__ import annotations

import sys

import pytest
from codec_inputs import VOCAB, build, small_tokenizer

from harness.compressors import build_compressor
from harness.core.errors import HarnessError

IDS = [1, 2, 3, 4, 5, 900, 1, 2, 3, 4, 5, 901, 1, 2, 3, 4, 5, 902, 7, 8, 7, 8, 7, 8, 7, 8, 903] * 3


def test_missing_package_is_one_line_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "delta", None)  # makes `import delta` fail
    with pytest.raises(HarnessError, match=r"pip install delta-ltsc==0\.3\.1") as err:
        build_compressor("delta-ltsc", small_tokenizer())
    assert "\n" not in str(err.value)


def test_maps_symbols_to_extra_ids_and_round_trips():
    pytest.importorskip("delta")
    for spec in ("delta-ltsc", "delta-ltsc@hierarchical=false"):
        comp = build_compressor(spec, small_tokenizer())
        out = comp.compress(IDS)
        assert out.changed and out.tokens_out < len(IDS) and out.info["round_trip_failed"] is False
        assert out.ids[0] == VOCAB and VOCAB + 1 in out.ids
        assert all(0 <= i < VOCAB + comp.extra_vocab for i in out.ids)
        assert comp.decompress(out.ids) == IDS
        assert out.info["peer_seconds"] > 0


def test_failed_round_trip_is_passed_on_and_flagged(monkeypatch):
    delta = pytest.importorskip("delta")
    comp = build("delta-ltsc")
    real = delta.decompress
    monkeypatch.setattr(delta, "decompress", lambda tokens, config=None: real(tokens, config)[:-1])
    out = comp.compress(IDS)
    assert out.changed and out.tokens_out < len(IDS)
    assert out.info["round_trip_failed"] is True and "does not decompress" in out.info["peer_error"]
    assert comp.decompress(out.ids) != IDS  # the harness's own check sees the failure too


def test_failed_round_trip_with_fallback_passes_the_input(monkeypatch):
    delta = pytest.importorskip("delta")
    comp = build("delta-ltsc", fallback=True)
    monkeypatch.setattr(delta, "decompress", lambda tokens, config=None: [0])
    out = comp.compress(IDS)
    assert not out.changed and out.ids == IDS
    assert out.info["round_trip_failed"] is True and "does not decompress" in out.info["peer_error"]
    assert out.info["peer_tokens_out"] < len(IDS)


@pytest.mark.parametrize(
    "function, error, message",
    [
        ("decompress", ValueError, "bad dictionary"),  # an output that cannot be decompressed is not passed on
        ("compress", RuntimeError, "broken"),  # a peer exception falls back to the input, flagged
    ],
)
def test_peer_failures_fall_back_and_are_flagged(monkeypatch, function, error, message):
    delta = pytest.importorskip("delta")
    comp = build("delta-ltsc")

    def broken(tokens, config=None):
        raise error(message)

    monkeypatch.setattr(delta, function, broken)
    out = comp.compress(IDS)
    assert out.ids == IDS and out.info["round_trip_failed"] is True and message in out.info["peer_error"]


def test_parameters():
    pytest.importorskip("delta")
    comp = build_compressor("delta-ltsc@hierarchical=false,max_len=6,pool_size=50,seed=4", small_tokenizer())
    assert comp.params == {"hierarchical": False, "max_len": 6, "pool_size": 50, "seed": 4, "fallback": False}
    assert comp.extra_vocab == 2 + 50 + 6
    with pytest.raises(HarnessError, match="hierarchical must be .*'maybe'"):
        build_compressor("delta-ltsc@hierarchical=maybe", small_tokenizer())
    with pytest.raises(HarnessError, match="nor a delta-ltsc symbol"):
        comp.decompress([VOCAB + comp.extra_vocab])


# A real failure of delta-ltsc 0.3.1's default (hierarchical) mode, rng_seed=0: found on a 2,048-token
# window of stdlib code (cl100k_base), shrunk by deleting chunks while it still failed, ids relabelled 0..54.
DELTA_FAILS_ON = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    0,
    1,
    2,
    3,
    4,
    5,
    7,
    0,
    1,
    2,
    3,
    4,
    5,
    8,
    0,
    1,
    2,
    3,
    4,
    5,
    2,
    3,
    4,
    5,
    1,
    9,
    3,
    4,
    5,
    1,
    2,
    3,
    4,
    5,
    10,
    1,
    2,
    3,
    4,
    5,
    10,
    1,
    9,
    3,
    4,
    5,
    0,
    1,
    2,
    3,
    4,
    5,
    11,
    0,
    1,
    2,
    3,
    4,
    5,
    11,
    12,
    0,
    1,
    2,
    3,
    4,
    5,
    11,
    13,
    12,
    0,
    1,
    2,
    3,
    4,
    5,
    0,
    14,
    4,
    0,
    4,
    15,
    4,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    21,
    23,
    24,
    16,
    17,
    18,
    19,
    20,
    22,
    21,
    22,
    21,
    23,
    24,
    15,
    4,
    0,
    16,
    17,
    18,
    19,
    20,
    25,
    26,
    25,
    27,
    21,
    22,
    28,
    29,
    30,
    31,
    32,
    29,
    30,
    31,
    32,
    15,
    29,
    30,
    31,
    32,
    15,
    28,
    29,
    30,
    31,
    32,
    15,
    4,
    0,
    4,
    33,
    34,
    27,
    0,
    4,
    35,
    15,
    4,
    36,
    0,
    4,
    15,
    4,
    37,
    38,
    39,
    40,
    37,
    41,
    18,
    19,
    27,
    21,
    22,
    21,
    23,
    42,
    43,
    44,
    40,
    45,
    46,
    47,
    48,
    49,
    19,
    20,
    25,
    26,
    25,
    27,
    21,
    22,
    21,
    23,
    42,
    40,
    37,
    41,
    18,
    19,
    25,
    27,
    21,
    22,
    21,
    23,
    42,
    43,
    44,
    40,
    45,
    46,
    47,
    48,
    49,
    50,
    17,
    18,
    19,
    20,
    25,
    26,
    25,
    27,
    21,
    22,
    21,
    23,
    42,
    15,
    4,
    37,
    38,
    39,
    0,
    14,
    4,
    51,
    0,
    4,
    33,
    34,
    27,
    15,
    4,
    51,
    0,
    4,
    37,
    41,
    18,
    19,
    20,
    25,
    26,
    25,
    27,
    21,
    22,
    21,
    23,
    42,
    43,
    52,
    40,
    45,
    46,
    47,
    48,
    49,
    50,
    19,
    20,
    25,
    26,
    25,
    27,
    21,
    22,
    21,
    23,
    42,
    43,
    37,
    41,
    18,
    19,
    20,
    25,
    26,
    25,
    27,
    21,
    22,
    21,
    23,
    42,
    43,
    52,
    40,
    45,
    46,
    47,
    48,
    49,
    50,
    17,
    18,
    19,
    20,
    25,
    26,
    25,
    27,
    21,
    22,
    21,
    23,
    42,
    15,
    0,
    4,
    21,
    22,
    15,
    4,
    53,
    0,
    14,
    4,
    19,
    20,
    25,
    26,
    25,
    27,
    21,
    22,
    21,
    23,
    42,
    21,
    22,
    15,
    4,
    53,
    54,
    0,
    16,
    17,
    18,
    19,
    20,
    25,
    26,
    25,
    27,
    21,
    22,
]


def test_real_peer_failure_is_flagged_and_visible():
    pytest.importorskip("delta")
    comp = build("delta-ltsc")
    out = comp.compress(DELTA_FAILS_ON)
    assert out.info["round_trip_failed"] is True
    assert comp.decompress(out.ids) != DELTA_FAILS_ON  # what the harness's per-input check sees
    safe = build("delta-ltsc", fallback=True).compress(DELTA_FAILS_ON)
    assert safe.ids == DELTA_FAILS_ON and safe.info["round_trip_failed"] is True
    flat = build("delta-ltsc", hierarchical=False).compress(DELTA_FAILS_ON)
    assert flat.info["round_trip_failed"] is False
    for name in ("ltsc", "ltsc-opt", "ltsc-nested"):
        ours = build(name)
        assert ours.decompress(ours.compress(DELTA_FAILS_ON).ids) == DELTA_FAILS_ON
