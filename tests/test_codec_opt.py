"""The improved variants: strictly better than ``ltsc`` on real code, same format."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import numpy as np
import pytest
from codec_inputs import build

from harness.compressors import build_compressor
from harness.compressors.ltsc import greedy_longest_first
from harness.compressors.ltsc_opt import greedy_by_savings
from harness.compressors.metatoken import RepeatIndex, savings
from harness.core.errors import HarnessError
from harness.data.tokenizers import get_tokenizer

IMPROVED = ["ltsc-opt", "ltsc-nested"]


def total_savings(entries) -> int:
    return sum(savings(e.length, len(e.positions)) for e in entries)


def test_savings_order_beats_longest_first_at_a_boundary():
    # X = 1..8 occurs twice (saves 5); its last token starts S1 = [8 9 11] in one place and
    # S2 = [8 10 12] in the other, and each S occurs 5 more times (6 in all: saves 8).
    # Longest first: X, then S1 and S2 with 5 occurrences each (6 + 6): 17.
    # Savings first: S1 and S2 with 6 each (8 + 8), then X' = 1..7 twice (4): 20.
    x = [1, 2, 3, 4, 5, 6, 7, 8]
    ids = x + [9, 11, 100] + x + [10, 12, 101]
    for i in range(5):
        ids += [8, 9, 11, 200 + i, 8, 10, 12, 300 + i]
    tokens = np.asarray(ids)
    assert total_savings(greedy_longest_first(RepeatIndex(tokens, 16), 100)) == 17
    assert total_savings(greedy_by_savings(RepeatIndex(tokens, 16), 100)) == 20


def real_code_chunks(tokenizer, size=2048, count=4) -> list[list[int]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.glob("*.py"))[:40]
    ids = tokenizer.encode("".join(p.read_text(encoding="utf-8", errors="replace") for p in files))
    return [ids[i * size : (i + 1) * size] for i in range(count)]


@pytest.mark.parametrize("name", IMPROVED)
def test_improved_variant_compresses_real_code_more(name):
    tok = get_tokenizer("cl100k_base")
    base, better = build_compressor("ltsc", tok), build_compressor(name, tok)
    base_out = better_out = 0
    for chunk in real_code_chunks(tok):
        out = better.compress(chunk)
        assert better.decompress(out.ids) == chunk
        better_out += out.tokens_out
        base_out += base.compress(chunk).tokens_out
    assert better_out < base_out


@pytest.mark.parametrize("name", IMPROVED)
def test_same_format_as_ltsc(name):
    comp = build(name, seed=2)
    ids = [1, 2, 3, 4, 900] * 4
    out = comp.compress(ids)
    assert out.ids[0] == comp.dict_open and comp.dict_close in out.ids
    assert comp.params["max_len"] == comp.max_len and comp.extra_vocab == 2 + comp.pool_size


def test_nested_entries_refer_to_earlier_ones():
    # with max_len=6, X = 1..6 and Y = 7..12 get flat entries; the body then holds "mX mY" five
    # times: a second pass gives it an entry made of two meta-tokens (saves 2*5 - (1+2+5) = 2)
    ids = []
    for i in range(5):
        ids += list(range(1, 13)) + [500 + i]
    comp = build("ltsc-nested", max_len=6, seed=1)
    out = comp.compress(ids)
    assert comp.decompress(out.ids) == ids
    flat = build("ltsc-opt", max_len=6, seed=1).compress(ids)
    assert out.tokens_out == flat.tokens_out - 2 and out.dictionary_entries == 3
    close = out.ids.index(comp.dict_close)
    mx, my = out.ids[1], out.ids[8]
    assert out.ids[1:close] == [mx, 1, 2, 3, 4, 5, 6, my, 7, 8, 9, 10, 11, 12, out.ids[15], mx, my]


def test_decompress_resolves_references_and_rejects_bad_ones():
    comp = build("ltsc-nested")
    a, b = comp.pool_start + 3, comp.pool_start + 7
    nested = [comp.dict_open, a, 1, 2, b, a, 3, a, comp.dict_close, b, 9, a]
    assert comp.decompress(nested) == [1, 2, 3, 1, 2, 9, 1, 2]
    with pytest.raises(HarnessError, match="only refer to entries before it"):
        comp.decompress([comp.dict_open, a, 1, a, comp.dict_close, a])
    with pytest.raises(HarnessError, match="empty entry"):
        comp.decompress([comp.dict_open, a, b, 1, comp.dict_close, a])
    for flat in ("ltsc", "ltsc-opt"):  # flat dictionaries hold no references
        with pytest.raises(HarnessError, match=f"{flat}'s dictionary is flat"):
            build(flat).decompress(nested)


def test_nested_compresses_real_code_more_than_opt():
    tok = get_tokenizer("cl100k_base")
    opt, nested = build_compressor("ltsc-opt", tok), build_compressor("ltsc-nested", tok)
    chunks = real_code_chunks(tok, size=1024, count=4)
    assert sum(nested.compress(c).tokens_out for c in chunks) < sum(opt.compress(c).tokens_out for c in chunks)
