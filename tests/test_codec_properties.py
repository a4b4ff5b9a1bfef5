"""Property tests for every registered lossless compressor: exact round trip, never longer, bad ids rejected."""

from __future__ import annotations

import random

import pytest
from codec_inputs import VOCAB, build, lossless_names, sequences
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from harness.compressors import compressors
from harness.compressors.metatoken import MAX_POOL_SIZE
from harness.core.errors import HarnessError

# ltsc-text writes text markers, so it needs a real text tokenizer: tests/test_text_markers.py covers its properties
NAMES = [n for n in lossless_names() if not getattr(compressors.get(n).factory, "needs_text_tokenizer", False)]
FAST = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def slow_above(name: str) -> int | None:
    """Superlinear peers (delta-ltsc) declare the input size beyond which one call takes minutes."""
    return getattr(compressors.get(name).factory, "slow_above", None)


def size_for(name: str, size: int) -> int:
    """Random inputs for slow peers stay small, so the suite stays fast."""
    return size if slow_above(name) is None else min(size, 200)


def check_round_trip(comp, ids: list[int]) -> None:
    out = comp.compress(ids)
    if out.info.get("round_trip_failed"):
        # a peer's own failure (delta-ltsc): it must be flagged, and visible to the harness's check
        assert getattr(comp, "peer", False)
        assert out.ids == ids or comp.decompress(out.ids) != ids
        return
    assert comp.decompress(out.ids) == ids
    assert all(0 <= i < comp.vocab_size + comp.extra_vocab for i in out.ids)  # ids a model has embeddings for
    assert out.tokens_in == len(ids)
    assert len(out.ids) <= len(ids)
    if not out.changed:
        assert out.ids == ids
    else:
        assert len(out.ids) < len(ids)


def test_registry_has_the_codecs():
    assert {"ltsc"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(data=st.data())
def test_round_trip(name, data):
    check_round_trip(build(name), data.draw(sequences(size_for(name, 600))))


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(data=st.data(), max_len=st.integers(2, 40), pool_size=st.integers(1, 8), seed=st.integers(0, 2**32))
def test_round_trip_any_parameters(name, data, max_len, pool_size, seed):
    ids = data.draw(sequences(size_for(name, 200)))
    try:
        comp = build(
            name,
            **{
                k: v
                for k, v in dict(max_len=max_len, pool_size=pool_size, seed=seed).items()
                if k in build(name).params
            },
        )
    except HarnessError:  # a compressor that names a parameter alike but allows other values
        assume(False)
    check_round_trip(comp, ids)


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(data=st.data(), pool_size=st.sampled_from([1, 2, 3, 5, 1024]))
def test_round_trip_small_pools(name, data, pool_size):
    if "pool_size" not in build(name).params:
        pytest.skip(f"{name} has no meta-token pool")
    check_round_trip(build(name, pool_size=pool_size), data.draw(sequences(size_for(name, 300))))


@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith("ltsc")])
def test_round_trip_largest_pool(name):
    """At MAX_POOL_SIZE the draw permutes 2**24 ids (~0.5 s), and still only ids the model has are emitted."""
    comp = build(name, pool_size=MAX_POOL_SIZE)
    ids = [rng_id for r in range(40) for rng_id in (r % 7, 3, 1, 4, 1, 5)]
    check_round_trip(comp, ids)
    assert comp.extra_vocab == MAX_POOL_SIZE + 2


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["random", "small-alphabet", "periodic", "all-equal", "blocks"])
def test_round_trip_very_long(name, kind):
    if slow_above(name) is not None:
        pytest.skip(
            f"{name} is superlinear (one call above {slow_above(name):,} tokens takes minutes); "
            "benchmarks/codec.py measures its round trip on real code"
        )
    rng = random.Random(kind)
    n = 100_003
    if kind == "random":
        ids = [rng.randrange(VOCAB) for _ in range(n)]
    elif kind == "small-alphabet":
        ids = [rng.randrange(6) for _ in range(n)]
    elif kind == "periodic":
        ids = [7, 8, 9, 7, 8] * (n // 5)
    elif kind == "all-equal":
        ids = [3] * n
    else:
        blocks = [[rng.randrange(50) for _ in range(rng.randint(1, 30))] for _ in range(40)]
        ids = []
        while len(ids) < n:
            ids += rng.choice(blocks) if rng.random() < 0.9 else [rng.randrange(VOCAB)]
    check_round_trip(build(name), ids)


@pytest.mark.parametrize("name", NAMES)
@settings(deadline=None, max_examples=40)
@given(
    ids=st.lists(st.integers(0, VOCAB - 1), max_size=50),
    bad=st.one_of(st.integers(VOCAB, 10 * VOCAB), st.integers(max_value=-1)),
    where=st.integers(0, 50),
)
def test_out_of_range_ids_rejected(name, ids, bad, where):
    ids = ids[:where] + [bad] + ids[where:]
    with pytest.raises(HarnessError, match="outside the tokenizer's range"):
        build(name).compress(ids)
