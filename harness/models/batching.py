"""Padding a batch of id sequences into ``(ids, mask)`` tensors (``torch.long``, mask 1 on real tokens).

Training and label scoring pad on the right (positions start at 0 in every row);
generation pads on the left, so that every row's next token is in the last column.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.env import require_torch


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


def bucketed_batches(lengths: Sequence[int], batch_size: int, generator, window: int) -> list[list[int]]:
    """One epoch of training batches (indices), deterministic for ``generator``'s state.

    A random permutation is cut into windows of ``window`` batches; each window is sorted
    by length and cut into batches, and the batches of the window are shuffled. Batches
    then hold examples of similar length (little padding) while the data order stays
    random at the scale of a window. ``window <= 1`` gives plain random batches.
    """
    torch = require_torch()
    order = torch.randperm(len(lengths), generator=generator).tolist()
    if window <= 1:
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    batches: list[list[int]] = []
    span = batch_size * window
    for start in range(0, len(order), span):
        chunk = sorted(order[start : start + span], key=lambda i: lengths[i])
        cut = [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
        batches += [cut[j] for j in torch.randperm(len(cut), generator=generator).tolist()]
    return batches


def sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Evaluation batches: indices sorted by (length, index), cut into batches. Fixed for a split, so a
    resumed run decodes every example in the same batch as an uninterrupted one."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def padding_waste(batches: Sequence[Sequence[int]], lengths: Sequence[int]) -> float:
    """Fraction of the padded batch tensors that is padding."""
    total = sum(len(b) * max(lengths[i] for i in b) for b in batches if b)
    real = sum(lengths[i] for b in batches for i in b)
    return 1.0 - real / total if total else 0.0
