"""Scores in [0, 1]: Task.score, extra scorers, exact match, edit similarity."""

from __future__ import annotations

import math
import random

import pytest

from harness.core.errors import HarnessError
from harness.tasks import Task, build_task, edit_similarity, exact_match, levenshtein


def _task(scorer=exact_match, **extra):
    return Task(name="t", description="", source="", load=lambda split, n, seed: [], scorer=scorer, extra_scorers=extra)


def test_bool_and_float_scorers():
    task = _task()
    assert task.score("abc", "abc") == 1.0 and isinstance(task.score("abc", "abc"), float)
    assert task.score("abd", "abc") == 0.0
    assert _task(lambda p, t: 0.25).score("x", "y") == 0.25
    assert _task(lambda p, t: 1).score("x", "y") == 1.0
    assert task.extra_scores("a", "a") == {}
    both = _task(half=lambda p, t: 0.5, same=lambda p, t: p == t)
    assert both.extra_scores("a", "a") == {"half": 0.5, "same": 1.0}


@pytest.mark.parametrize("value", [1.5, -0.1, math.nan, math.inf, None, "1"])
def test_out_of_range_scores_are_rejected(value):
    with pytest.raises(HarnessError, match="must return a bool or a number in \\[0, 1\\]"):
        _task(lambda p, t: value).score("x", "y")
    with pytest.raises(HarnessError, match="scorer 'bad' of task 't'"):
        _task(bad=lambda p, t: value).extra_scores("x", "y")


def test_exact_match_strips_surrounding_whitespace_only():
    assert exact_match(" 42\n", "42") and exact_match("a b", "a b\n")
    assert not exact_match("A b", "a b") and not exact_match("a  b", "a b") and not exact_match("42.", "42")


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("kitten", "sitting", 1 - 3 / 7),
        ("", "", 1.0),
        ("abc", "", 0.0),
        ("", "abc", 0.0),
        ("abc", "abc", 1.0),
        ("abc", "xyz", 0.0),
        ("flaw", "lawn", 0.5),
        ("abc\n", "abc", 1.0),
        ("ab", "abcd", 0.5),
    ],
)
def test_edit_similarity_golden(a, b, expected):
    assert edit_similarity(a, b) == pytest.approx(expected)
    assert edit_similarity(b, a) == pytest.approx(expected)


def textbook_levenshtein(a: str, b: str) -> int:
    """The O(len(a) * len(b)) dynamic programme: the oracle of the bit-parallel ``levenshtein``."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_levenshtein_matches_the_textbook_dp():
    rand = random.Random(0)
    for _ in range(400):
        a = "".join(rand.choice("ab c\n") for _ in range(rand.randrange(0, 90)))
        b = "".join(rand.choice("abd c") for _ in range(rand.randrange(0, 90)))
        assert levenshtein(a, b) == textbook_levenshtein(a, b), (a, b)


def test_code_tasks_report_edit_similarity():
    from test_tasks import COMMITPACK, near_miss

    for spec in ("code_edit", COMMITPACK):
        task = build_task(spec)
        ex = task.examples("test", 1, 0)[0]
        assert task.score(ex.target, ex.target) == 1.0
        assert task.extra_scores(ex.target, ex.target) == {"edit_similarity": 1.0}
        miss = near_miss(ex.target)
        assert task.score(miss, ex.target) == 0.0
        assert task.extra_scores(miss, ex.target)["edit_similarity"] == pytest.approx(1 - 1 / len(ex.target.strip()))
        assert task.extra_scores(ex.context, ex.target)["edit_similarity"] < 1.0
    assert build_task("recall").extra_scores("1", "2") == {}
