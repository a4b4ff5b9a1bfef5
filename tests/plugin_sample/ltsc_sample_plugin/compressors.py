"""Recipe 2, compressors: a lossless one (with ``decompress``) and a lossy one (at a rate)."""

from collections import Counter

from harness.baselines.lossy import LossyCompressor, thin
from harness.compressors import Compressed, Compressor
from harness.core.errors import HarnessError


class PairMerge(Compressor):
    """Lossless: the most frequent adjacent pair becomes one new id (sample plugin)"""

    name = "pair-merge"
    lossless = True

    def __init__(self, tokenizer, min_count: int = 4):
        super().__init__(tokenizer, min_count=min_count)
        self.min_count = min_count
        self.open, self.merged = self.vocab_size, self.vocab_size + 1  # ids above the vocabulary

    @property
    def extra_vocab(self) -> int:
        return 2

    def compress(self, ids, *, question=None) -> Compressed:
        self.check_ids(ids)
        ids = list(ids)
        pairs = Counter(zip(ids, ids[1:]))
        if not pairs:
            return self.unchanged(ids)
        (a, b), count = pairs.most_common(1)[0]
        body, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == (a, b):
                body.append(self.merged)
                i += 2
            else:
                body.append(ids[i])
                i += 1
        out = [self.open, a, b, *body]
        if count < self.min_count or len(out) >= len(ids):
            return self.unchanged(ids)
        return Compressed(out, len(ids), dictionary_entries=1, dictionary_tokens=3)

    def decompress(self, ids) -> list[int]:
        ids = list(ids)
        if not ids or ids[0] != self.open:
            return ids
        if len(ids) < 3:
            raise HarnessError("malformed pair-merge sequence: the dictionary is cut short")
        a, b = ids[1], ids[2]
        out = []
        for i in ids[3:]:
            out.extend((a, b) if i == self.merged else (i,))
        return out


class Thin(LossyCompressor):
    """Lossy: drop evenly spaced tokens down to the rate (sample plugin)"""

    name = "thin"

    def __init__(self, tokenizer, rate=0.5):
        super().__init__(tokenizer, rate=rate)

    def shrink(self, ids, target, question):
        return thin(ids, target), {}
