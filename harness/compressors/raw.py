"""The identity compressor: the uncompressed baseline every table compares against."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Compressed, Compressor, register


@register
class Raw(Compressor):
    """No compression: the model reads the original tokens"""

    name = "raw"
    lossless = True

    def __init__(self, tokenizer):
        super().__init__(tokenizer)

    def compress(self, ids: Sequence[int], *, question: str | None = None) -> Compressed:
        self.check_ids(ids)
        return self.unchanged(ids)

    def decompress(self, ids: Sequence[int]) -> list[int]:
        return self.check_ids(ids).tolist()
