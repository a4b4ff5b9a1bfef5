"""Padding a batch of id sequences into ``(ids, mask)`` tensors (``torch.long``, mask 1 on real tokens).

Training and label scoring pad on the right (positions start at 0 in every row);
generation pads on the left, so that every row's next token is in the last column.
"""

from __future__ import annotations

from typing import Sequence

from ..env import require_torch


def _pad(seqs: Sequence[Sequence[int]], pad: int, left: bool, device=None):
    torch = require_torch()
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, s in enumerate(seqs):
        if not s:
            continue
        cols = slice(width - len(s), width) if left else slice(0, len(s))
        ids[row, cols] = torch.tensor(list(s), dtype=torch.long)
        mask[row, cols] = 1
    if device is not None:
        ids, mask = ids.to(device), mask.to(device)
    return ids, mask


def pad_right(seqs: Sequence[Sequence[int]], pad: int, device=None):
    """``seqs`` left-aligned in a ``pad``-filled batch: ``(ids, mask)``, on ``device`` if given."""
    return _pad(seqs, pad, left=False, device=device)


def pad_left(seqs: Sequence[Sequence[int]], pad: int, device=None):
    """``seqs`` right-aligned in a ``pad``-filled batch: ``(ids, mask)``, on ``device`` if given."""
    return _pad(seqs, pad, left=True, device=device)
