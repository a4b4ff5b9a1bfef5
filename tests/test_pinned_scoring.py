"""Pinned scorers and split rule (issue 14): a lenient scorer or a moved split must fail here.

For every registered task the primary score forgives surrounding whitespace only: the target followed by
trailing text (what greedy decoding produces), a case change and the empty string all score 0. Whole-split
disjointness of every task is tested in ``test_task_splits.py``; here the split rule's arithmetic is pinned.
"""

from __future__ import annotations

import hashlib
import math
import random
import re

import numpy as np
import pytest
from test_task_scoring import textbook_levenshtein
from test_tasks import TASK_SPECS, available

from harness.core.errors import HarnessError
from harness.tasks import build_task, edit_similarity, exact_match, levenshtein, tasks
from harness.tasks.scoring import checked_score
from harness.tasks.splits import SPLITS, check_split, period_of, rng, split_of

SPECS = available(TASK_SPECS)


def test_every_registered_task_is_covered():
    assert set(tasks.names()) <= {s.partition("@")[0] for s in TASK_SPECS}


def _variants(target: str) -> list[str]:
    """Predictions that must score 0: trailing text, a truncation, a case change, nothing."""
    t = target.strip()
    out = [t + " x", t + "\nmore", t + t, t + ".", "x" + t, ""]
    if len(t) > 1:
        out.append(t[:-1])
    if any(c.isalpha() for c in t):
        out += [t.swapcase(), t.upper() if t.upper() != t else t.lower()]
    return out


@pytest.mark.parametrize("spec", SPECS)
def test_primary_score_is_strict(spec):
    task = build_task(spec)
    examples = task.examples("test", 4, 0)
    assert examples
    for ex in examples:
        target = ex.target
        assert task.score(target, target) == 1.0
        assert task.score(f"  {target.strip()}\n", target) == 1.0  # surrounding whitespace only is forgiven
        for wrong in _variants(target):
            assert task.score(wrong, target) == 0.0, (spec, wrong[:80], target[:80])
        if any(c.isalpha() for c in target):
            assert task.score(target.strip().swapcase(), target) == 0.0


@pytest.mark.parametrize(
    "prediction,target,expected",
    [
        ("42", "42", True),
        (" 42\n", "42", True),
        ("42", "\t42 ", True),
        ("", "", True),
        ("42 is the answer", "42", False),
        ("42\n43", "42", False),
        ("4", "42", False),
        ("", "42", False),
        ("True", "true", False),
        ("TRUE", "true", False),
        ("a b", "a  b", False),
        ("4 2", "42", False),
    ],
)
def test_exact_match(prediction, target, expected):
    assert exact_match(prediction, target) is expected


@pytest.mark.parametrize(
    "a,b,distance",
    [
        ("kitten", "sitting", 3),
        ("", "", 0),
        ("abc", "", 3),
        ("", "abcd", 4),
        ("abc", "abc", 0),
        ("flaw", "lawn", 2),
        ("intention", "execution", 5),
        ("ab", "ba", 2),
        ("abcdef", "azced", 3),
        ("a" * 70, "a" * 69 + "b", 1),
        ("x" + "a" * 80, "a" * 80 + "x", 2),
        ("abcabc", "abc", 3),
        ("prefix-middle-suffix", "prefix-MIDDLE-suffix", 6),
        ("aaaa", "aa", 2),
        ("ab", "aab", 1),
    ],
)
def test_levenshtein_golden(a, b, distance):
    assert levenshtein(a, b) == distance and levenshtein(b, a) == distance


def test_levenshtein_matches_the_dp_on_short_and_long_strings():
    rand = random.Random(14)
    for _ in range(300):
        a = "".join(rand.choice("abc") for _ in range(rand.randrange(0, 12)))
        b = "".join(rand.choice("abd") for _ in range(rand.randrange(0, 12)))
        assert levenshtein(a, b) == textbook_levenshtein(a, b), (a, b)
    for _ in range(20):  # beyond one 64-bit word
        a = "".join(rand.choice("ab") for _ in range(rand.randrange(60, 140)))
        b = "".join(rand.choice("ab") for _ in range(rand.randrange(60, 140)))
        assert levenshtein(a, b) == textbook_levenshtein(a, b)


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("abcd", "abcx", 0.75),
        ("abc", "abc", 1.0),
        ("  abc\n", "abc", 1.0),
        ("", "", 1.0),
        ("", "ab", 0.0),
        ("ab", "abcd", 0.5),
        ("abcdefghij", "abcdefghi", 0.9),
        ("xyz", "abc", 0.0),
    ],
)
def test_edit_similarity_golden(a, b, expected):
    assert edit_similarity(a, b) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "value,expected",
    [
        (True, 1.0),
        (False, 0.0),
        (np.bool_(True), 1.0),
        (np.bool_(False), 0.0),
        (0, 0.0),
        (1, 1.0),
        (0.0, 0.0),
        (1.0, 1.0),
        (0.25, 0.25),
        (np.float64(0.5), 0.5),
        (np.int64(1), 1.0),
        (-0.0, 0.0),
    ],
)
def test_checked_score_accepts(value, expected):
    got = checked_score(value)
    assert got == expected and type(got) is float


@pytest.mark.parametrize("value", [1.0000001, -1e-9, 2, -1, math.nan, math.inf, -math.inf, None, "1", [1]])
def test_checked_score_rejects(value):
    with pytest.raises(HarnessError, match="^my scorer returned .*; a scorer must return a bool or a number in "):
        checked_score(value, "my scorer")
    with pytest.raises(HarnessError, match=f"^scorer returned {re.escape(repr(value))}; a scorer must return"):
        checked_score(value)


# -- the split rule ---------------------------------------------------------------------------------


def test_split_rule_golden():
    keys = [f"unit {i}" for i in range(40)]
    for period in (1, 2, 3, 5, 8, 50):
        expected = [
            "test" if int.from_bytes(hashlib.sha256(k.encode()).digest(), "little") % period == 0 else "train"
            for k in keys
        ]
        assert [split_of(k, period) for k in keys] == expected
    assert {split_of(k, 1) for k in keys} == {"test"}
    # the digest read little-endian (big-endian would give 28 31 32 33 38 43 51 57 and none at period 50)
    units = [f"unit {i}" for i in range(60)]
    assert [i for i, k in enumerate(units) if split_of(k, 8) == "test"] == [0, 16, 19, 25, 33, 45, 52, 56, 57]
    assert [i for i, k in enumerate(units) if split_of(k, 50) == "test"] == [48, 53]
    assert split_of("é", 2) == ("test" if hashlib.sha256("é".encode()).digest()[0] % 2 == 0 else "train")
    with pytest.raises(HarnessError, match="^period must be a positive integer, got 0$"):
        split_of("x", 0)


def test_period_of():
    assert [period_of(f) for f in (0.5, 0.25, 0.2, 0.125, 0.1, 0.02, 0.3, 0.4, 0.01)] == [2, 4, 5, 8, 10, 50, 3, 2, 100]
    for bad in (0, 0.50001, 0.6, 1, -0.2):
        with pytest.raises(HarnessError, match="test_fraction must be"):
            period_of(bad)


def test_rng_and_check_split():
    assert rng("a", 1, None).random() == random.Random("a:1:None").random()
    assert rng(7).random() == random.Random("7").random() and rng().random() == random.Random("").random()
    assert SPLITS == ("train", "test")
    check_split("train")
    check_split("test")
    for bad in ("dev", "Test", ""):
        with pytest.raises(HarnessError, match=f"unknown split {bad!r}; use 'train' or 'test'"):
            check_split(bad)
