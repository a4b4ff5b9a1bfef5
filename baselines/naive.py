"""The naive baselines: truncation and seeded random token dropping."""

from __future__ import annotations

import numpy as np

from ..compressors.base import register
from ..core import validate
from .lossy import LossyCompressor

SIDES = ("head", "tail", "middle")


@register
class Truncate(LossyCompressor):
    """Cut tokens from one side: side=head|tail|middle names the part removed"""

    name = "truncate"

    def __init__(self, tokenizer, rate=0.5, side="middle"):
        validate.one_of("side (the part removed)", side, SIDES)
        super().__init__(tokenizer, rate=rate, side=side)
        self.side = side

    def shrink(self, ids, target, question):
        if self.side == "head":
            return ids[len(ids) - target :], {}
        if self.side == "tail":
            return ids[:target], {}
        front = (target + 1) // 2
        return ids[:front] + ids[len(ids) - (target - front) :], {}


@register
class RandomDrop(LossyCompressor):
    """Keep a uniformly random subset of tokens (seeded), in order"""

    name = "random-drop"

    def __init__(self, tokenizer, rate=0.5, seed=0):
        seed = validate.integer("seed", seed, 0)
        super().__init__(tokenizer, rate=rate, seed=seed)
        self.seed = seed

    def shrink(self, ids, target, question):
        keep = np.sort(np.random.default_rng(self.seed).choice(len(ids), size=target, replace=False))
        return [ids[i] for i in keep.tolist()], {}
