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
from collections.abc import Sequence
from typing import ClassVar

from ..core import validate
from ..core.errors import HarnessError, missing_package
from .base import Compressed, Compressor, register
from .format import int_ids
from .metatoken import MAX_POOL_SIZE

#: the longest run delta may consider: its <Len:m> symbols take max_len ids above the pool
MAX_LEN = 2**16

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

    def __init__(
        self,
        tokenizer,
        hierarchical: bool = True,
        max_len: int = 8,
        pool_size: int = 500,
        seed: int = 0,
        fallback: bool = False,
    ):
        super().__init__(tokenizer)
        hierarchical, fallback = validate.boolean("hierarchical", hierarchical), validate.boolean("fallback", fallback)
        max_len = validate.integer("max_len", max_len, 2, MAX_LEN)
        pool_size = validate.positive_int("pool_size", pool_size, MAX_POOL_SIZE)
        seed = validate.integer("seed", seed, 0)
        self.params = {
            "hierarchical": hierarchical,
            "max_len": max_len,
            "pool_size": pool_size,
            "seed": seed,
            "fallback": fallback,
        }
        self.config = _delta().CompressionConfig(
            hierarchical_enabled=hierarchical,
            max_subsequence_length=max_len,
            meta_token_pool_size=pool_size,
            rng_seed=seed,
        )
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
        if 0 <= i < v:
            return i
        for token, fixed in self._fixed.items():
            if i == fixed:
                return token
        if v + 2 <= i < v + 2 + pool:
            return f"<MT_{i - v - 2}>"
        if v + 2 + pool <= i <= v + 1 + pool + max_len:
            return f"<Len:{i - v - 1 - pool}>"
        raise HarnessError(
            f"id {i} is neither a token (0..{v - 1}) nor a delta-ltsc symbol (valid extra ids: "
            f"{v}..{v + self.extra_vocab - 1})"
        )

    def compress(self, ids: Sequence[int], *, question: str | None = None) -> Compressed:
        ids = self.check_ids(ids).tolist()
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
        info: dict[str, object] = {"peer_seconds": seconds}
        out: list[int] | None = None
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
        assert out is not None  # no output means an error (the peer's, or the mapping's), returned just above
        if error is None and len(out) >= len(ids):
            return self.unchanged(ids, round_trip_failed=False, **info)
        info.update(round_trip_failed=error is not None, **({"peer_error": error} if error else {}))
        return Compressed(
            out,
            len(ids),
            dictionary_entries=len(result.dictionary_map),
            dictionary_tokens=len(result.dictionary_tokens),
            info=info,
        )

    def decompress(self, ids: Sequence[int]) -> list[int]:
        symbols = [self._to_symbol(i) for i in int_ids(ids).tolist()]
        try:
            return list(_delta().decompress(symbols, self.config))
        except Exception as exc:  # delta's own parser on a sequence it did not make: one line, named
            raise HarnessError(
                f"malformed compressed sequence: delta-ltsc could not decompress it "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
            ) from None
