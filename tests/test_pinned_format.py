"""Pinned messages and edges of the strict meta-token format (issue 14): ``harness/compressors/format.py``.

The README promises one-line errors naming the position and the id; these tests pin their exact wording and
the id-range edges (int64 limits, unsigned arrays, moved delimiters), so a one-character change fails here.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from codec_inputs import VOCAB, build

from harness.compressors.format import Layout, int_ids, token_ids
from harness.core.errors import HarnessError

O, C, M = VOCAB, VOCAB + 1, VOCAB + 2
INT64_MAX = 2**63 - 1
NOT_FLAT = "token ids must be a flat list of integers"
RANGE = "is outside the tokenizer's range 0..999 (ids >= 1000 are reserved for meta-tokens); pass ids from tokenizer 'test-ints'"


def message(fn, *args) -> str:
    with pytest.raises(HarnessError) as err:
        fn(*args)
    return str(err.value)


def test_not_an_integer_names_it_clipped_to_40_characters():
    compress = build("ltsc").compress
    assert message(compress, [1, 2.5]) == f"token id 2.5 at position 1 is not an integer; {NOT_FLAT}"
    assert message(compress, [True]) == f"token id True at position 0 is not an integer; {NOT_FLAT}"
    forty = "b" * 38  # repr: 40 characters, shown whole
    assert message(compress, [3, forty]) == f"token id '{forty}' at position 1 is not an integer; {NOT_FLAT}"
    long = "a" * 39  # repr: 41 characters -> 37 + "..."
    assert message(compress, [long]) == f"token id '{'a' * 36}... at position 0 is not an integer; {NOT_FLAT}"
    assert message(int_ids, 5) == f"{NOT_FLAT}, got 5"


@pytest.mark.parametrize(
    "ids,value,pos",
    [
        ([2**63], 2**63, 0),
        ([-(2**63), 2**63], 2**63, 1),  # -2**63 fits in int64: the culprit is the next one
        ([10**18, -(2**63) - 1], -(2**63) - 1, 1),
        ([INT64_MAX, 2**64], 2**64, 1),
    ],
)
def test_python_ints_beyond_int64(ids, value, pos):
    assert message(int_ids, ids) == f"token id {value} at position {pos} is outside any valid range"
    assert message(build("ltsc").compress, ids) == f"token id {value} at position {pos} {RANGE}"


def test_int64_edges_are_integers():
    assert int_ids([-(2**63), INT64_MAX]).tolist() == [-(2**63), INT64_MAX]
    assert message(build("ltsc").compress, [5, INT64_MAX]) == f"token id {INT64_MAX} at position 1 {RANGE}"


def test_unsigned_arrays():
    compress = build("ltsc").compress
    assert int_ids(np.array([1, 2], dtype=np.uint64)).tolist() == [1, 2]
    assert int_ids(np.array([7], dtype=np.uint8)).dtype == np.int64
    top = np.array([5, INT64_MAX], dtype=np.uint64)  # the largest value that fits: an id, out of range
    assert message(compress, top) == f"token id {INT64_MAX} at position 1 {RANGE}"
    over = np.array([5, INT64_MAX, 2**63, 2**64 - 1], dtype=np.uint64)
    assert message(compress, over) == f"token id {2**63} at position 2 {RANGE}"
    assert message(int_ids, over) == f"token id {2**63} at position 2 is outside any valid range"


def test_first_id_outside_the_range_is_named():
    compress = build("ltsc").compress
    assert message(compress, [0, 1000]) == f"token id 1000 at position 1 {RANGE}"
    assert message(compress, [0, 999, -1]) == f"token id -1 at position 2 {RANGE}"
    assert token_ids([0, 999], VOCAB, "x").tolist() == [0, 999]


def test_layout_names_every_kind_of_id():
    layout = build("ltsc", pool_size=10).layout
    assert layout == Layout("ltsc", VOCAB, O, C, M, 10, False)
    assert Layout("x", 10, 10, 11, 12, 3).nested is False  # flat unless told
    assert hash(layout) == hash(Layout("ltsc", VOCAB, O, C, M, 10, False))
    with pytest.raises(dataclasses.FrozenInstanceError):
        layout.vocab = 5
    assert layout.what(O) == "<Dict> (1000)" and layout.what(C) == "</Dict> (1001)"
    assert layout.what(M) == "meta-token 1002" and layout.what(M + 9) == "meta-token 1011"
    assert layout.what(0) == "id 0" and layout.what(999) == "id 999"
    neither = "(neither a token 0..999 nor a meta-token 1002..1011)"
    assert layout.what(M + 10) == f"id 1012 {neither}"
    assert layout.what(-1) == f"id -1 {neither}"
    moved = build("ltsc", dict_open=VOCAB + 100, dict_close=VOCAB + 101, pool_size=10).layout
    assert moved.what(VOCAB) == f"id 1000 {neither}" and moved.what(VOCAB + 1) == f"id 1001 {neither}"


def test_structure_errors_are_pinned():
    decompress = build("ltsc").decompress
    bad = "malformed compressed sequence: "
    assert (
        message(decompress, [O, M, 1, 2, C, M, C])
        == f"{bad}</Dict> (1001) again at position 6; only the end of the dictionary (position 4) may hold it"
    )
    assert (
        message(decompress, [O, M, 1, 2, C, M, O]) == f"{bad}<Dict> (1000) at position 6; only position 0 may hold it"
    )
    assert (
        message(decompress, [O, C, 5])
        == f"{bad}empty dictionary <Dict></Dict>; an unchanged input is passed without one"
    )
    assert message(decompress, [O, M, 1, 2]) == f"{bad}<Dict> (1000) without </Dict> (1001)"
    assert (
        message(decompress, [O, M, 1, 2, C, 1012 + 1014])
        == f"{bad}id 2026 (neither a token 0..999 nor a meta-token 1002..2025) at position 5"
    )
    assert message(decompress, [1, 2, 1000]) == (
        f"{bad}<Dict> (1000) at position 2; a sequence without a dictionary (not starting with <Dict> 1000) "
        "holds token ids 0..999 only"
    )
    assert message(decompress, [O, M, 1, 2, C, M + 1]) == f"{bad}meta-token 1003 at position 5 is not in its dictionary"


def test_moved_delimiters_leave_vocab_size_an_ordinary_non_token():
    comp = build("ltsc", dict_open=VOCAB + 100, dict_close=VOCAB + 101, pool_size=10)
    o, c = VOCAB + 100, VOCAB + 101
    assert comp.decompress([o, M, 1, 2, c, M, 3]) == [1, 2, 3]
    bad = "malformed compressed sequence: "
    neither = "(neither a token 0..999 nor a meta-token 1002..1011)"
    assert message(comp.decompress, [o, M, 1, 2, c, M, VOCAB]) == f"{bad}id 1000 {neither} at position 6"
    assert message(comp.decompress, [o, M, 1, VOCAB, c, M]) == f"{bad}id 1000 {neither} at position 3"
    assert message(comp.decompress, [5, VOCAB]) == (
        f"{bad}id 1000 {neither} at position 1; a sequence without a dictionary (not starting with <Dict> 1100) "
        "holds token ids 0..999 only"
    )


def test_draw_seed_is_reduced_modulo_2_64():
    """Negative and huge seeds are valid: the draw is seeded by seed mod 2**64 (and the input's digest)."""
    from harness.compressors.metatoken import input_digest

    tokens = np.arange(40, dtype=np.int64) % 7
    for seed, reduced in ((-1, 2**64 - 1), (-5, 2**64 - 5), (2**64 + 3, 3), (2**65 + 2**64 + 9, 9)):
        got = build("ltsc", pool_size=50, seed=seed).draw(tokens)
        rng = np.random.default_rng([reduced, input_digest(tokens)])
        assert got == (M + rng.permutation(50)[:40]).tolist()
    assert build("ltsc", pool_size=50, seed=2**64 + 3).draw(tokens) == build("ltsc", pool_size=50, seed=3).draw(tokens)
