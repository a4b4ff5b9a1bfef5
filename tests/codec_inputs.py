"""Shared test inputs for the codec tests: a small offline tokenizer and hypothesis strategies."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from harness.compressors import build_compressor, compressors
from harness.core.errors import HarnessError
from harness.data.tokenizers import Tokenizer

VOCAB = 1000


def small_tokenizer(vocab: int = VOCAB) -> Tokenizer:
    """A tokenizer stand-in: ids are the text's whitespace-separated integers."""
    return Tokenizer("test-ints", vocab, lambda t: [int(x) for x in t.split()], lambda ids: " ".join(map(str, ids)))


def lossless_names() -> list[str]:
    """Every registered lossless compressor (so compressors added later are covered too)."""
    return [e.name for e in compressors.entries() if e.factory.lossless]


def build(name: str, **params):
    """Build a compressor for :func:`small_tokenizer`; skip the test when its optional package is missing."""
    try:
        return build_compressor(name, small_tokenizer(), **params)
    except HarnessError as exc:
        if "is not installed" in str(exc):
            pytest.skip(str(exc))
        raise


def _small_alphabet_list(max_size: int):
    return st.integers(1, VOCAB - 1).flatmap(lambda k: st.lists(st.integers(0, min(k, VOCAB - 1)), max_size=max_size))


def _periodic(max_size: int):
    return st.builds(
        lambda unit, reps, head, tail: head + unit * reps + tail,
        st.lists(st.integers(0, VOCAB - 1), min_size=1, max_size=12),
        st.integers(1, max(1, max_size // 12)),
        st.lists(st.integers(0, VOCAB - 1), max_size=5),
        st.lists(st.integers(0, VOCAB - 1), max_size=5),
    )


def _all_equal(max_size: int):
    return st.builds(lambda t, n: [t] * n, st.integers(0, VOCAB - 1), st.integers(0, max_size))


def _blocks(max_size: int):
    """Adversarial: many overlapping repeats built from a few short blocks (nested, shifted, mutated)."""
    block = st.lists(st.integers(0, 7), min_size=1, max_size=6)
    return st.builds(
        lambda blocks, picks, noise: [t for i in picks for t in blocks[i % len(blocks)]] + noise,
        st.lists(block, min_size=1, max_size=4),
        st.lists(st.integers(0, 3), max_size=max(1, max_size // 6)),
        st.lists(st.integers(0, 7), max_size=3),
    )


def _boundary():
    """Runs of length N repeated K times right at the N*K > 1+N+K boundary, separated by unique ids."""

    def make(n, k, extra_runs):
        out, sep = [], 500
        for r in range(1 + extra_runs):
            run = [10 * r + j for j in range(n)]
            for _ in range(k):
                out += run + [sep]
                sep += 1
        return out

    return st.builds(make, st.integers(2, 5), st.integers(1, 5), st.integers(0, 3))


def sequences(max_size: int = 600):
    """Token-id lists in 0..VOCAB-1 of every kind the codec must survive."""
    return st.one_of(
        st.just([]),
        st.lists(st.integers(0, VOCAB - 1), min_size=1, max_size=1),
        _small_alphabet_list(max_size),
        _periodic(max_size),
        _all_equal(max_size),
        _blocks(max_size),
        _boundary(),
    )
