"""The one train/test split policy of every task, and deterministic randomness.

**Split.** A task's data comes in *units*: a tree, a record block, a code window, a
table block, a run of log lines, a query, a CommitPackFT row. A unit's *key* is its
context text (what the model reads), so units that look the same are one unit. A unit
is in the test split iff

    int.from_bytes(sha256(key.encode("utf-8")).digest(), "little") % period == 0

and in the training split otherwise, with ``period = round(1 / test_fraction)``
(:func:`period_of`). The split of a unit depends on its content only: never on the
seed, the run, the process or the order it was met in, so train and test never share a
context, whatever seeds they were drawn with.

Fixed datasets (code windows, record and table blocks, log runs, queries, CommitPackFT
rows) are split once by key; generators (``tree``, ``recall``) generate units from the
seed and keep those whose key falls in the requested split.

**Seed.** The ``seed`` of :meth:`Task.examples` means the same for every task: which
units are generated or drawn, in which order, and which questions are asked about
them. It never moves a unit between splits.

Every random choice comes from a ``random.Random`` seeded with a string (Python hashes
string seeds with SHA-512, so results are identical across runs, platforms and
processes, unlike ``hash()``).
"""

from __future__ import annotations

import hashlib
import random

from ..core.validate import number, positive_int

SPLITS = ("train", "test")


def period_of(test_fraction: float) -> int:
    """The period of the split for a test fraction in (0, 0.5]: ``round(1 / test_fraction)``."""
    return round(1 / number("test_fraction", test_fraction, 0, 0.5, low_open=True))


def split_of(key: str, period: int) -> str:
    """``'test'`` if the unit with context ``key`` is a test unit (1 in ``period``), else ``'train'``."""
    period = positive_int("period", period)
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return "test" if int.from_bytes(digest, "little") % period == 0 else "train"


def rng(*key) -> random.Random:
    """A generator seeded by ``key`` (any reprs), stable across processes."""
    return random.Random(":".join(map(str, key)))


def check_split(split: str) -> None:
    from ..core.errors import HarnessError

    if split not in SPLITS:
        raise HarnessError(f"unknown split {split!r}; use 'train' or 'test'")
