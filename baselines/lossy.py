"""The base class of every lossy baseline: rate handling and the result record."""

from __future__ import annotations

from collections.abc import Sequence

from ..compressors.base import Compressed, Compressor
from .rate import Rate


class LossyCompressor(Compressor):
    """Shortens ``ids`` to the length :class:`~.rate.Rate` asks for.

    Subclasses implement :meth:`shrink`; :meth:`compress` validates the input,
    computes the target and records it as ``target_tokens`` (rate adherence =
    ``tokens_out / target_tokens``). An input already at or under its target is
    returned unchanged.
    """

    lossless = False

    def __init__(self, tokenizer, rate=0.5, **params):
        super().__init__(tokenizer, rate=rate, **params)
        self.rate = Rate.parse(rate, tokenizer)

    def shrink(self, ids: list[int], target: int, question: str | None) -> tuple[list[int], dict]:
        """Return (at most about ``target`` ids, info)."""
        raise NotImplementedError

    def compress(self, ids: Sequence[int], *, question: str | None = None) -> Compressed:
        self.check_ids(ids)
        ids = list(ids)
        target = self.rate.target(ids, question)
        info = {"rate": str(self.rate)}
        if target >= len(ids):
            return Compressed(ids, len(ids), changed=False, info=info, target_tokens=target)
        out, extra = self.shrink(ids, target, question)
        info.update(extra)
        return Compressed(out, len(ids), changed=out != ids, info=info, target_tokens=target)


def thin(ids: list[int], target: int) -> list[int]:
    """Drop ``len(ids) - target`` evenly spaced tokens (the documented final trim)."""
    excess = len(ids) - target
    if excess <= 0:
        return ids
    n = len(ids)
    drop = {int((k + 0.5) * n / excess) for k in range(excess)}
    return [t for i, t in enumerate(ids) if i not in drop]
