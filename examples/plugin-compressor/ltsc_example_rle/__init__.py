"""A lossless run-length compressor, as a third-party ltsc-bench plugin.

A run of ``k >= min_run`` equal tokens ``t`` becomes three ids: ``<Run> t <Len k>``, with
``<Run>`` = V (the tokenizer's vocabulary size) and ``<Len k>`` = V + 1 + (k - min_run);
runs longer than ``max_run`` are cut into pieces. Three ids replace at least four, so the
output is never longer than the input, and every id it emits lies below
``V + extra_vocab``. Input ids are below V, so ``decompress`` tells ``<Run>`` apart.
"""

from __future__ import annotations

from harness.compressors import Compressed, Compressor
from harness.core.errors import HarnessError
from harness.core.validate import integer


class RunLength(Compressor):
    """Lossless run-length coding: k >= min_run equal tokens become <Run> token <Len k> (example plugin)"""

    name = "rle"
    lossless = True

    def __init__(self, tokenizer, min_run: int = 4, max_run: int = 256):
        min_run = integer("min_run", min_run, 4, 65536)
        max_run = integer("max_run", max_run, min_run, 65536)
        super().__init__(tokenizer, min_run=min_run, max_run=max_run)
        self.min_run, self.max_run = min_run, max_run
        self.run_id = self.vocab_size

    @property
    def extra_vocab(self) -> int:
        return 1 + self.max_run - self.min_run + 1  # <Run> and one <Len k> per run length

    def compress(self, ids, *, question=None) -> Compressed:
        ids = self.check_ids(ids).tolist()
        out, i, runs = [], 0, 0
        while i < len(ids):
            j = i
            while j < len(ids) and ids[j] == ids[i] and j - i < self.max_run:
                j += 1
            if j - i >= self.min_run:
                out += [self.run_id, ids[i], self.run_id + 1 + (j - i - self.min_run)]
                runs += 1
            else:
                out += ids[i:j]
            i = j
        if not runs:
            return self.unchanged(ids)
        return Compressed(out, len(ids), info={"runs": runs})

    def decompress(self, ids) -> list[int]:
        ids, out, i = list(ids), [], 0
        v, top = self.vocab_size, self.vocab_size + self.extra_vocab
        while i < len(ids):
            t = ids[i]
            if not isinstance(t, int) or isinstance(t, bool) or not 0 <= t < top:
                raise HarnessError(f"rle: id {t!r} at position {i} is not a token or rle id")
            if t != self.run_id:
                if t > v:
                    raise HarnessError(f"rle: run length id {t} at position {i} without <Run> before it")
                out.append(t)
                i += 1
                continue
            if i + 2 >= len(ids) or not 0 <= ids[i + 1] < v or not v < ids[i + 2] < top:
                raise HarnessError(f"rle: malformed run at position {i}")
            out += [ids[i + 1]] * (ids[i + 2] - v - 1 + self.min_run)
            i += 3
        return out
