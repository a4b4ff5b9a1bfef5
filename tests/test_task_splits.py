"""The one split policy (tasks/splits.py): by unit content, the same for every task, independent of the seed."""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys

import pytest
from test_tasks import COMMITPACK

from harness.core.errors import HarnessError
from harness.tasks import build_task, tasks
from harness.tasks.splits import period_of, split_of

#: one spec per registered task (the commitpackft one reads a generated 40-row file), and its split period
SPECS = {
    "recall": 8,
    "recall@by=id,records=8,keys=99": 8,
    "path_recall": 8,
    "tree@stage=small": 50,
    "tree@stage=large": 50,
    "code_edit": 5,
    "json_lookup": 5,
    "json_lookup@dataset=vega_cars,records=10": 5,
    "table_lookup@table=customer,rows=10": 5,
    "log_extract": 5,
    "sql_extract": 5,
    COMMITPACK: 2,
}
GENERATED = {"train": 600, "test": 300}  # examples drawn from the unbounded generators (tree, recall, path_recall)


def test_every_registered_task_is_covered():
    assert {s.partition("@")[0] for s in SPECS} == set(tasks.names())


def test_the_rule():
    for key in ("", "a", "tree\n+AB", "é" * 7):
        value = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest(), "little")
        for period in (1, 2, 5, 8, 50):
            assert split_of(key, period) == ("test" if value % period == 0 else "train")
    assert {period_of(f) for f in (0.02, 0.0199)} == {50} and period_of(0.2) == 5 and period_of(0.125) == 8
    assert period_of(0.1) == 10 and period_of(0.5) == 2
    for bad in (0, -0.1, 0.6, 1, math.nan, "x", True):
        with pytest.raises(HarnessError, match="test_fraction must be"):
            period_of(bad)
    shares = [sum(split_of(str(i), p) == "test" for i in range(20000)) / 20000 for p in (5, 8, 50)]
    assert abs(shares[0] - 0.2) < 0.02 and abs(shares[1] - 0.125) < 0.015 and abs(shares[2] - 0.02) < 0.006


def _whole_split(task, split, seed):
    """Every example of a fixed dataset's split; a few hundred of a generator's."""
    n = task.available()[split] if task.available else GENERATED[split]
    return task.examples(split, n, seed)


def _build(spec):
    try:
        task = build_task(spec)
        task.examples("test", 1)
        return task
    except HarnessError as exc:
        pytest.skip(f"{spec}: data unavailable here ({exc})")


@pytest.mark.parametrize("spec", SPECS)
def test_splits_are_disjoint_by_unit_whatever_the_seed(spec):
    task = _build(spec)
    contexts = {
        (split, seed): {e.context for e in _whole_split(task, split, seed)}
        for split in ("train", "test")
        for seed in (0, 1)
    }
    train = contexts["train", 0] | contexts["train", 1]
    test = contexts["test", 0] | contexts["test", 1]
    assert train and test and train.isdisjoint(test)
    for split in ("train", "test"):  # every unit is where the rule puts it
        assert {split_of(c, SPECS[spec]) for c in contexts[split, 0] | contexts[split, 1]} == {split}
    if task.available:  # a fixed dataset: the seed reorders a split, never changes it
        assert contexts["test", 0] == contexts["test", 1] and contexts["train", 0] == contexts["train", 1]
        a, b = (task.examples("test", None, seed) for seed in (0, 1))
        assert [e.id for e in a] != [e.id for e in b]


@pytest.mark.parametrize("spec", [s for s in SPECS if not s.startswith(("recall", "path_recall", "tree"))])
def test_available_counts_match_the_splits(spec):
    task = _build(spec)
    for split, count in task.available().items():
        assert len(task.examples(split, count + 5, 3)) == count > 0


def test_examples_are_identical_in_another_process():
    spec = "tree@stage=large"
    code = (
        "import hashlib, sys; from harness.tasks import build_task; h = hashlib.sha256()\n"
        "for split in ('train', 'test'):\n"
        "    for e in build_task(sys.argv[1]).examples(split, 40, 5): h.update(repr((e.id, e.prompt, e.target)).encode())\n"
        "print(h.hexdigest())"
    )
    h = hashlib.sha256()
    for split in ("train", "test"):
        for e in build_task(spec).examples(split, 40, 5):
            h.update(repr((e.id, e.prompt, e.target)).encode())
    out = subprocess.run(
        [sys.executable, "-c", code, spec],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    ).stdout.strip()
    assert out == h.hexdigest()
