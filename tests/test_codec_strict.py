"""Strict decoding, bounded resources and parameter errors of the meta-token codecs."""

from __future__ import annotations

import time

import numpy as np
import pytest
from codec_inputs import VOCAB, build, small_tokenizer
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.compressors import build_compressor
from harness.compressors.metatoken import MAX_POOL_SIZE, input_digest
from harness.core.errors import HarnessError

FLAT = ["ltsc", "ltsc-opt"]
OURS = [*FLAT, "ltsc-nested"]
O, C = VOCAB, VOCAB + 1  # <Dict>, </Dict>
A, B = VOCAB + 2 + 3, VOCAB + 2 + 7  # two meta-tokens of the default pool


def rejects(name: str, ids, *needles: str) -> str:
    """``decompress(ids)`` raises one line holding every needle; returns the message."""
    with pytest.raises(HarnessError) as err:
        build(name).decompress(ids)
    message = str(err.value)
    assert "\n" not in message and message
    for needle in needles:
        assert needle in message, message
    return message


# -- strict decoding: one test per malformed form ----------------------------------------------


@pytest.mark.parametrize("name", OURS)
def test_valid_sequence_still_decodes(name):
    assert build(name).decompress([O, A, 1, 2, C, A, 3, A]) == [1, 2, 3, 1, 2]
    assert build(name).decompress([5, 6, 7]) == [5, 6, 7] and build(name).decompress([]) == []


@pytest.mark.parametrize("name", OURS)
def test_dict_close_in_body(name):
    rejects(name, [O, A, 1, 2, C, A, C, A], "</Dict>", "position 6")


@pytest.mark.parametrize("name", OURS)
def test_dict_close_in_uncompressed_sequence(name):
    rejects(name, [1, C, 2], "</Dict>", "position 1", "without a dictionary")


@pytest.mark.parametrize("name", OURS)
@pytest.mark.parametrize(
    "ids,where",
    [
        ([O, A, 1, 2, C, A, O], 6),  # in the body
        ([O, O, 1, 2, C, 3], 1),  # as a meta-token of the dictionary
        ([O, A, 1, O, 2, C, A], 3),  # inside an entry
        ([1, O, 2], 1),
    ],
)  # in an uncompressed sequence
def test_dict_open_anywhere_but_position_0(name, ids, where):
    rejects(name, ids, "<Dict>", f"position {where}")


@pytest.mark.parametrize("name", OURS)
def test_trailing_empty_entry(name):
    rejects(name, [O, A, 1, 2, B, C, A], "empty entry", f"meta-token {B}", "last")


@pytest.mark.parametrize("name", OURS)
def test_empty_entry_in_the_middle(name):
    rejects(name, [O, A, B, 1, 2, C, B], "empty entry", f"meta-token {A}")


@pytest.mark.parametrize("name", OURS)
@pytest.mark.parametrize("bad", [VOCAB + 2 + 1024, VOCAB + 5000, 10**15])
def test_id_above_the_pool_in_the_dictionary(name, bad):
    rejects(name, [O, A, 1, bad, 2, C, A], f"id {bad}", "position 3", "neither a token")


@pytest.mark.parametrize("name", OURS)
def test_id_above_the_pool_in_the_body(name):
    rejects(name, [O, A, 1, 2, C, A, VOCAB + 5000], f"id {VOCAB + 5000}", "position 6")


@pytest.mark.parametrize("name", OURS)
def test_empty_dictionary(name):
    rejects(name, [O, C, 1, 2], "empty dictionary")


@pytest.mark.parametrize("name", OURS)
def test_dictionary_starting_with_a_token(name):
    rejects(name, [O, 1, 2, C, 3], "must start with a meta-token")


@pytest.mark.parametrize("name", OURS)
@pytest.mark.parametrize("compressed", [True, False])
@pytest.mark.parametrize(
    "bad,needle",
    [
        (-1, "id -1"),
        (-(2**70), "outside"),
        (2**70, "outside"),
        (1.0, "not an integer"),
        (2.5, "not an integer"),
        (True, "not an integer"),
        (False, "not an integer"),
        ("7", "not an integer"),
        (None, "not an integer"),
        ([1], "not an integer"),
        (np.float64(3), "not an integer"),
    ],
)
def test_non_token_ids(name, compressed, bad, needle):
    ids = [O, A, 1, 2, C, A, bad] if compressed else [1, bad, 2]
    rejects(name, ids, needle, f"position {6 if compressed else 1}")


@pytest.mark.parametrize("name", OURS)
def test_not_a_sequence_of_ids(name):
    rejects(name, 5, "flat list of integers")
    rejects(name, np.zeros((2, 2), np.int64), "not an integer")
    rejects(name, np.array([O, A, 1, 2, C, A], np.float64), "not an integer")


@pytest.mark.parametrize("name", OURS)
def test_numpy_ids_are_integers(name):
    ids = [O, A, 1, 2, C, A, 3, A]
    want = [1, 2, 3, 1, 2]
    comp = build(name)
    assert comp.decompress(np.array(ids)) == want == comp.decompress([np.int32(i) for i in ids])
    assert comp.decompress(np.array(ids, np.uint64)) == want


@pytest.mark.parametrize("name", OURS)
def test_undefined_meta_token_in_body(name):
    rejects(name, [O, A, 1, 2, C, A, B], f"meta-token {B}", "position 6", "not in its dictionary")


@pytest.mark.parametrize("name", FLAT)
def test_meta_token_defined_twice(name):
    rejects(name, [O, A, 1, 2, A, 3, 4, C, A], f"meta-token {A}", "already defined", "flat")


@pytest.mark.parametrize("name", FLAT)
def test_flat_entry_referring_to_another(name):
    rejects(name, [O, A, 1, 2, B, A, 3, C, B], f"meta-token {A} at position 5", "flat")


def test_nested_entry_may_refer_to_earlier_entries_only():
    comp = build("ltsc-nested")
    assert comp.decompress([O, A, 1, 2, B, A, 3, C, B]) == [1, 2, 3]
    rejects("ltsc-nested", [O, A, 1, 2, A, 3, C, A], "refers to its own entry", "only refer to entries before it")


@pytest.mark.parametrize("name", OURS)
def test_uncompressed_ids_must_be_tokens(name):
    rejects(name, [1, 2, VOCAB + 2 + 5], "position 2", "without a dictionary", f"0..{VOCAB - 1}")
    rejects(name, [1, -3], "id -3", "position 1")


@pytest.mark.parametrize("name", OURS)
def test_moved_delimiters(name):
    comp = build(name, dict_open=VOCAB + 100, dict_close=VOCAB + 101, pool_size=10)
    a = comp.pool_start
    assert comp.decompress([VOCAB + 100, a, 1, 2, VOCAB + 101, a, a]) == [1, 2, 1, 2]
    with pytest.raises(HarnessError, match="neither a token"):  # between the pool and the delimiters
        comp.decompress([VOCAB + 100, a, 1, VOCAB + 50, VOCAB + 101, a])
    with pytest.raises(HarnessError, match="without a dictionary"):  # the default <Dict> is now nothing
        comp.decompress([VOCAB, a, 1, 2, VOCAB + 1, a])


@pytest.mark.parametrize("name", OURS)
@settings(deadline=None, max_examples=300)
@given(data=st.data(), pool_size=st.integers(1, 4))
def test_decompress_of_anything_is_tokens_or_one_line_error(name, data, pool_size):
    """Fuzz: any id list decodes to token ids in range, or is rejected with a HarnessError (nothing else)."""
    comp = build(name, pool_size=pool_size)
    ids_near = st.one_of(st.integers(0, 6), st.integers(VOCAB - 2, VOCAB + pool_size + 3), st.integers(-2, -1))
    body = data.draw(st.lists(ids_near, max_size=25))
    ids = data.draw(st.sampled_from([body, [O] + body]))
    try:
        out = comp.decompress(ids)
    except HarnessError as exc:
        assert "\n" not in str(exc)
        return
    assert all(type(i) is int and 0 <= i < VOCAB for i in out)


# -- bounded resources -----------------------------------------------------------------------


@pytest.mark.parametrize("name", OURS)
@pytest.mark.parametrize("ids", [[1, 2, 3, 1, 2, 3, 1, 2, 3, 4, 5], [1, 2, 3] * 5 + [4]])
def test_huge_max_len_is_capped_at_the_input(name, ids):
    start = time.perf_counter()
    huge = build_compressor(f"{name}@max_len=100000000", small_tokenizer())
    out = huge.compress(ids)
    assert time.perf_counter() - start < 1.0  # uncapped: 1e7 took 24 s and 2.4 GB, 1e8 ran out of memory
    assert huge.params["max_len"] == 100000000
    assert out.ids == build(name, max_len=len(ids)).compress(ids).ids
    assert huge.decompress(out.ids) == ids
    assert build_compressor(f"{name}@max_len=1e8", small_tokenizer()).params["max_len"] == 100000000


@pytest.mark.parametrize("name", OURS)
def test_max_len_above_the_input_changes_nothing(name):
    rng = np.random.default_rng(7)
    for n in (4, 9, 30, 200):
        ids = rng.integers(0, 4, n).tolist()
        outs = {tuple(build(name, max_len=m).compress(ids).ids) for m in (n, n + 1, 3 * n, 10**9)}
        assert len(outs) == 1


@pytest.mark.parametrize("name", [*OURS, "delta-ltsc"])
@pytest.mark.parametrize("pool", ["1000000000", "1e9", str(MAX_POOL_SIZE + 1)])
def test_pool_size_is_bounded(name, pool):
    with pytest.raises(HarnessError) as err:
        build(name, pool_size=10)  # skips when the optional peer is missing
        build_compressor(f"{name}@pool_size={pool}", small_tokenizer())
    message = str(err.value)
    assert "\n" not in message and "pool_size must be" in message and str(MAX_POOL_SIZE) in message


def test_draw_is_a_prefix_of_the_pool_permutation():
    """The meta-token draw is pinned: a permutation of the whole pool (seeded by seed and input), cut at n."""
    for pool, seed in ((1, 0), (3, 5), (1024, 0), (5000, 2**40)):
        comp = build("ltsc", pool_size=pool, seed=seed)
        tokens = np.arange(50, dtype=np.int64) % 7
        rng = np.random.default_rng([seed % 2**64, input_digest(tokens)])
        assert comp.draw(tokens) == (comp.pool_start + rng.permutation(pool)).tolist()[:50]


# -- parameters: one line naming the parameter -----------------------------------------------

CODEC_BAD = [
    "max_len=1",
    "max_len=x",
    "max_len=2.5",
    "max_len=true",
    "max_len=none",
    "pool_size=0",
    "pool_size=-4",
    "pool_size=1.5",
    "seed=x",
    "seed=0.5",
    f"dict_open={VOCAB - 1}",
    f"dict_close={VOCAB + 5}",
    f"dict_open={10**12}",
    f"dict_close={VOCAB}",
]


@pytest.mark.parametrize("name", OURS)
@pytest.mark.parametrize("bad", CODEC_BAD)
def test_bad_codec_parameter_is_named(name, bad):
    param = bad.split("=")[0]
    with pytest.raises(HarnessError) as err:
        build_compressor(f"{name}@{bad}", small_tokenizer())
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"compressor {name!r}: ")
    assert param in message and "must" in message, message


@pytest.mark.parametrize("bad", ["max_depth=0", "max_depth=x", "max_depth=1.5"])
def test_bad_max_depth_is_named(bad):
    with pytest.raises(HarnessError, match="^compressor 'ltsc-nested': max_depth must be .*, got"):
        build_compressor(f"ltsc-nested@{bad}", small_tokenizer())


@pytest.mark.parametrize(
    "bad", ["hierarchical=maybe", "fallback=1", "max_len=1", "max_len=1000000000", "pool_size=0", "seed=-1", "seed=x"]
)
def test_bad_delta_parameter_is_named(bad):
    build("delta-ltsc")  # skips when the optional peer is missing
    with pytest.raises(HarnessError) as err:
        build_compressor(f"delta-ltsc@{bad}", small_tokenizer())
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"compressor 'delta-ltsc': {bad.split('=')[0]} must be")


def test_integral_floats_are_integers():
    comp = build_compressor("ltsc@max_len=8.0,pool_size=64.0", small_tokenizer())
    assert comp.params["max_len"] == 8 and isinstance(comp.params["max_len"], int)
    assert comp.spec == "ltsc@dict_close=1001,dict_open=1000,max_len=8,pool_size=64,seed=0"


def test_build_compressor_is_the_registry_build():
    tok = small_tokenizer()
    comp = build_compressor("ltsc@max_len=9", tok, seed=4)
    assert comp.params == {"max_len": 9, "pool_size": 1024, "seed": 4, "dict_open": VOCAB, "dict_close": VOCAB + 1}
    assert comp.resolved_params["max_len"] == 9
    with pytest.raises(HarnessError, match="has no parameter 'maxlen'"):
        build_compressor("ltsc", tok, maxlen=3)
