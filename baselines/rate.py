"""The one rate convention every lossy baseline shares.

``rate`` is either

* a number in (0, 1]: the fraction of the input's tokens kept, so the target length is
  ``round(rate * tokens_in)`` (at least 1 for a non-empty input); or
* ``match:NAME`` (``NAME`` any lossless compressor, optionally ``NAME@key=value``):
  that compressor is built with the same tokenizer, compresses the same ids, and the
  target is exactly the length of its output (dictionary included) for this example.

Lengths are counted in the evaluated tokenizer, never in a library's own tokenizer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..core import validate
from ..core.errors import HarnessError

MATCH = "match:"
DOMAIN = "a fraction of tokens kept in (0, 1] (e.g. rate=0.7) or match:<lossless compressor> (e.g. rate=match:ltsc)"


@dataclass
class Rate:
    """A parsed ``rate`` parameter; :meth:`target` gives the length asked for one input."""

    fraction: float | None = None
    match: str | None = None
    tokenizer: object = None
    _matched: object = None

    @classmethod
    def parse(cls, value, tokenizer) -> Rate:
        if isinstance(value, str) and value.startswith(MATCH) and value[len(MATCH) :].strip():
            return cls(match=value[len(MATCH) :], tokenizer=tokenizer)
        try:
            return cls(fraction=float(validate.number("rate", value, 0, 1, low_open=True)))
        except validate.InvalidParameter:
            raise validate.InvalidParameter(f"rate must be {DOMAIN}, got {value!r}") from None

    def _matched_compressor(self):
        if self._matched is None:
            from ..compressors.base import build_compressor

            comp = build_compressor(self.match, self.tokenizer)
            if not comp.lossless:
                raise HarnessError(f"rate=match:{self.match} needs a lossless compressor; {comp.name!r} is lossy")
            self._matched = comp
        return self._matched

    def target(self, ids: Sequence[int], question: str | None = None) -> int:
        """The number of tokens to keep for ``ids`` (never more than ``len(ids)``)."""
        n = len(ids)
        if self.match is not None:
            return min(n, len(self._matched_compressor().compress(ids, question=question).ids))
        return min(n, max(1 if n else 0, int(self.fraction * n + 0.5)))

    def __str__(self) -> str:
        return f"{MATCH}{self.match}" if self.match is not None else f"{self.fraction:g}"
