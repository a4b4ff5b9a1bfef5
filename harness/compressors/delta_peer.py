"""``delta-ltsc``: the packaged peer implementation (PyPI ``delta-ltsc`` 0.3.1) behind our interface.

Optional: install with ``pip install delta-ltsc==0.3.1`` (the ``peers`` extra). The
package works on arbitrary hashable tokens and emits strings for its own symbols;
they are mapped to ids above the tokenizer's vocabulary:

    <Dict> = V, </Dict> = V+1, <MT_k> = V+2+k (k < pool_size),
    <Len:m> = V+1+pool_size+m (1 <= m <= max_len)

The peer's output is checked on every input and ``info["round_trip_failed"]`` says
whether it failed to decompress to the input (delta's default hierarchical mode
sometimes loses data). By default the output is passed on as delta made it, so the
harness's own per-input check counts the failure too; with ``fallback=true`` a
failing output is replaced by the input itself (exact input for model runs, the
flag still set). If delta raises, emits a symbol outside the map above, or cannot
decompress its own output, there is no usable output: the input is passed on,
flagged, with ``info["peer_error"]``.
``info["peer_seconds"]`` is delta's own compression time.
"""

from __future__ import annotations

import re
import time
import warnings
from typing import ClassVar, Sequence

from ..errors import HarnessError, missing_package
from .base import Compressed, Compressor, register

_SYMBOL = re.compile(r"<(MT_|Len:)(\d+)>")


def _delta():
    try:
        import delta
    except ImportError:
        raise missing_package("delta-ltsc", "compressor 'delta-ltsc'", "pip install delta-ltsc==0.3.1") from None
    return delta


@register
class DeltaLtsc(Compressor):
    """Peer: PyPI delta-ltsc 0.3.1 (optional), round trip checked per input"""

    name = "delta-ltsc"
    lossless = True
    #: a third-party implementation: its own round-trip failures are flagged, not bugs of ours
    peer: ClassVar[bool] = True
    #: superlinear: property tests and benchmarks keep inputs below this many tokens
    slow_above: ClassVar[int] = 20_000

    def __init__(self, tokenizer, hierarchical: bool = True, max_len: int = 8, pool_size: int = 500, seed: int = 0,
                 fallback: bool = False):
        super().__init__(tokenizer)
        for name, value in (("hierarchical", hierarchical), ("fallback", fallback)):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false, got {value!r}")
        for name, value, low in (("max_len", max_len, 2), ("pool_size", pool_size, 1), ("seed", seed, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        self.params = {"hierarchical": hierarchical, "max_len": max_len, "pool_size": pool_size, "seed": seed,
                       "fallback": fallback}
        self.config = _delta().CompressionConfig(hierarchical_enabled=hierarchical, max_subsequence_length=max_len,
                                                 meta_token_pool_size=pool_size, rng_seed=seed)
        v = self.vocab_size
        self._fixed = {self.config.dict_start_token: v, self.config.dict_end_token: v + 1}

    @property
    def extra_vocab(self) -> int:
        return 2 + self.params["pool_size"] + self.params["max_len"]

    def _to_id(self, token) -> int:
        if isinstance(token, int):
            return token
        if token in self._fixed:
            return self._fixed[token]
        match = _SYMBOL.fullmatch(str(token))
        if match:
            kind, k = match.group(1), int(match.group(2))
            pool, max_len = self.params["pool_size"], self.params["max_len"]
            if kind == "MT_" and k < pool:
                return self.vocab_size + 2 + k
            if kind == "Len:" and 1 <= k <= max_len:
                return self.vocab_size + 1 + pool + k
        raise KeyError(token)

    def _to_symbol(self, i: int):
        v, pool, max_len = self.vocab_size, self.params["pool_size"], self.params["max_len"]
        if i < v:
            return i
        for token, fixed in self._fixed.items():
            if i == fixed:
                return token
        if i < v + 2 + pool:
            return f"<MT_{i - v - 2}>"
        if i <= v + 1 + pool + max_len:
            return f"<Len:{i - v - 1 - pool}>"
        raise HarnessError(f"id {i} is not a delta-ltsc symbol (valid extra ids: {v}..{v + self.extra_vocab - 1})")

    def compress(self, ids: Sequence[int], *, question: str | None = None) -> Compressed:
        self.check_ids(ids)
        ids = [int(i) for i in ids]
        delta = _delta()
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():  # its advisories (e.g. on max_len) are not errors here
                warnings.simplefilter("ignore")
                result = delta.compress(ids, self.config)
            error = None
        except Exception as exc:  # the peer's own failure: measured, not hidden
            result, error = None, f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - start
        info = {"peer_seconds": seconds}
        out = None
        if result is not None:
            info["peer_tokens_out"] = len(result.serialized_tokens)
            try:
                out = [self._to_id(t) for t in result.serialized_tokens]
            except KeyError as exc:
                error = f"unmapped symbol {exc.args[0]!r}"
            try:
                if out is not None and delta.decompress(result.serialized_tokens, self.config) != ids:
                    error = "output does not decompress to the input"
            except Exception as exc:  # an output that cannot even be decompressed is not passed on
                out, error = None, f"{type(exc).__name__} in decompress: {exc}"
        if error is not None and (out is None or self.params["fallback"]):
            return self.unchanged(ids, round_trip_failed=True, peer_error=error, **info)
        if error is None and len(out) >= len(ids):
            return self.unchanged(ids, round_trip_failed=False, **info)
        info.update(round_trip_failed=error is not None, **({"peer_error": error} if error else {}))
        return Compressed(out, len(ids), dictionary_entries=len(result.dictionary_map),
                          dictionary_tokens=len(result.dictionary_tokens), info=info)

    def decompress(self, ids: Sequence[int]) -> list[int]:
        return list(_delta().decompress([self._to_symbol(int(i)) for i in ids], self.config))
