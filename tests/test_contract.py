"""The compressor contract: the built-in codecs keep it, planted defects break exactly the check they should."""

from __future__ import annotations

import random

import pytest

from harness.cli import main
from harness.compressors import Compressed, Compressor, compressors
from harness.contract.checks import PROPERTIES, check_compressor
from harness.contract.testing import assert_contract
from harness.core.registry import Entry

FAST = dict(tasks=["recall"], examples=2, long_tokens=3000, against=None, fresh_process=False)


@pytest.mark.parametrize("name", ["ltsc", "ltsc-opt", "ltsc-nested"])
def test_builtin_codecs_keep_the_contract(name):
    report = check_compressor(name, tasks=["recall", "tree@stage=large"], examples=3)
    assert report.passed, report.summary()
    statuses = {c.name: c.status for c in report.checks}
    assert all(statuses[p] == "PASS" for p in PROPERTIES), statuses
    long_rows = [r for r in report.stats if r["inputs"] == "long input"]
    assert {r["mean_tokens_raw"] for r in long_rows} == {100_000.0}  # the >= 100k-token input, both compressors
    assert {r["compressor"] for r in report.stats} == {name, "ltsc (reference)" if name == "ltsc" else "ltsc"}


class _Base(Compressor):
    lossless = True

    def __init__(self, tokenizer):
        super().__init__(tokenizer)

    def compress(self, ids, *, question=None):
        self.check_ids(ids)
        return Compressed(self.transform(list(ids)), len(ids))

    def transform(self, ids):
        return ids

    def decompress(self, ids):
        return list(ids)


class Liar(_Base):
    """Claims lossless, but drops the last token of long inputs"""

    def transform(self, ids):
        return ids[:-1] if len(ids) > 100 else ids


class Grower(_Base):
    """Lossless, but one token longer than its input"""

    def transform(self, ids):
        return ids + [0]

    def decompress(self, ids):
        return list(ids)[:-1]


class OutOfRange(_Base):
    """Emits an id at vocab_size but declares no extra vocabulary (lossy)"""

    lossless = False

    def transform(self, ids):
        return [self.vocab_size] + ids[1:] if ids else ids


class Coin(_Base):
    """Nondeterministic: a random token is dropped (claims lossy)"""

    lossless = False

    def transform(self, ids):
        return [t for i, t in enumerate(ids) if i != random.randrange(max(1, len(ids)))] if len(ids) > 2 else ids


class HashSeeded(_Base):
    """Deterministic within a process, not across: the output depends on Python's string hash seed"""

    lossless = False

    def transform(self, ids):
        return ids[hash("ltsc") % len(ids) :] if ids else ids  # which tokens are dropped depends on the seed


class Crasher(_Base):
    def transform(self, ids):
        if not ids:
            raise IndexError("list index out of range")
        return ids


class Trusting(_Base):
    """Accepts ids outside the vocabulary"""

    def compress(self, ids, *, question=None):
        return Compressed(list(ids), len(ids))


@pytest.mark.parametrize(
    "cls, broken",
    [
        (Liar, "exact round trip"),
        (Grower, "never longer than input"),
        (OutOfRange, "ids in range (extra_vocab)"),
        (Coin, "deterministic (same process)"),
        (Crasher, "compresses valid input"),
        (Trusting, "rejects out-of-range ids"),
    ],
)
def test_each_planted_defect_fails_its_check(cls, broken):
    report = check_compressor(cls, **FAST)
    failed = {c.name for c in report.failures()}
    assert failed == {broken} if cls is not Coin else broken in failed, report.summary()
    with pytest.raises(AssertionError, match=broken.replace("(", r"\(").replace(")", r"\)")):
        assert_contract(cls, **FAST)


def test_nondeterminism_across_processes_is_caught():
    fast = dict(FAST, fresh_process=True)
    report = check_compressor(HashSeeded, **fast)
    assert [c.name for c in report.failures()] == ["deterministic (fresh process)"], report.checks
    assert check_compressor(Grower, **fast).checks[-2].status == "PASS"  # importable and deterministic: same outputs


def test_cli_check_exit_codes(monkeypatch, capsys):
    monkeypatch.setitem(compressors._entries, "liar", Entry("liar", Liar))
    assert main(["check", "liar", "--tasks", "recall", "--examples", "2", "--long-tokens", "500"]) == 1
    out = capsys.readouterr().out
    assert "| exact round trip" in out and "FAIL" in out.splitlines()[0]
    assert main(["check", "raw", "--tasks", "recall", "--examples", "2", "--against", "none", "--format", "json"]) == 0
    assert main(["check", "nonesuch"]) == 2
    assert "unknown compressor 'nonesuch'" in capsys.readouterr().err
    assert main(["check", "raw", "--examples", "0"]) == 2
