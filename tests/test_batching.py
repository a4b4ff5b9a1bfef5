"""Length-aware batching: deterministic, complete, less padding; bucket_window=1 keeps the original stream."""

from __future__ import annotations

import random

import torch

from harness.engine.training import TrainConfig, next_batch
from harness.models.batching import bucketed_batches, padding_waste, sorted_batches

_RNG = random.Random(7)
LENGTHS = [_RNG.randint(5, 400) for _ in range(1000)]


def test_padding_waste_by_hand():
    assert padding_waste([[0, 1], [2]], [2, 4, 3]) == 1 - 9 / (2 * 4 + 3)
    assert padding_waste([], []) == 0.0


def test_bucketed_batches_cover_every_index_once_and_are_deterministic():
    a = bucketed_batches(LENGTHS, 32, torch.Generator().manual_seed(3), 50)
    b = bucketed_batches(LENGTHS, 32, torch.Generator().manual_seed(3), 50)
    assert a == b
    assert sorted(i for batch in a for i in batch) == list(range(len(LENGTHS)))
    assert a != bucketed_batches(LENGTHS, 32, torch.Generator().manual_seed(4), 50)


def test_bucketing_cuts_padding_waste_below_ten_percent():
    plain = bucketed_batches(LENGTHS, 32, torch.Generator().manual_seed(0), 1)
    bucketed = bucketed_batches(LENGTHS, 32, torch.Generator().manual_seed(0), 50)
    assert padding_waste(plain, LENGTHS) > 0.4
    assert padding_waste(bucketed, LENGTHS) < 0.10


def test_window_one_keeps_the_original_stream():
    """The stream before length-aware batching: one permutation after another, consumed batch_size at a time."""
    cfg = TrainConfig(batch_size=3, bucket_window=1)
    gen, ref = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    queue: list[list[int]] = []
    got = [next_batch(queue, [1] * 7, cfg, gen) for _ in range(5)]
    stream = (
        torch.randperm(7, generator=ref).tolist()
        + torch.randperm(7, generator=ref).tolist()
        + torch.randperm(7, generator=ref).tolist()
    )
    assert got == [stream[i : i + 3] for i in range(0, 15, 3)]


def test_bucketed_training_batches_are_full_and_similar_in_length():
    cfg = TrainConfig(batch_size=32, bucket_window=50)
    gen, queue = torch.Generator().manual_seed(0), []
    batches = [next_batch(queue, LENGTHS, cfg, gen) for _ in range(60)]  # more than one epoch (31 full batches)
    assert all(len(b) == 32 for b in batches)
    assert padding_waste(batches, LENGTHS) < 0.10


def test_sorted_eval_batches():
    assert sorted_batches([5, 1, 5, 2], 2) == [[1, 3], [0, 2]]
