"""Deterministic randomness and train/test assignment shared by the built-in tasks.

Every random choice a task makes comes from a ``random.Random`` seeded with a string
key (Python hashes string seeds with SHA-512, so results are identical across runs,
platforms and processes, unlike ``hash()``). A unit of data (a tree, a code window, a
table row) belongs to exactly one split, so train and test never share a unit.
"""

from __future__ import annotations

import random


def rng(*key) -> random.Random:
    """A generator seeded by ``key`` (any reprs), stable across processes."""
    return random.Random(":".join(map(str, key)))


def split_of(unit, seed: int, test_fraction: float) -> str:
    """``'test'`` for about ``test_fraction`` of units, else ``'train'``; fixed per (unit, seed)."""
    return "test" if rng("split", seed, unit).random() < test_fraction else "train"


def check_split(split: str) -> None:
    from ..errors import HarnessError

    if split not in ("train", "test"):
        raise HarnessError(f"unknown split {split!r}; use 'train' or 'test'")
