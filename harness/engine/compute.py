"""Per-example compute accounting (design notes section 4).

- the paper's proxy: n^2 (only the quadratic attention term);
- forward FLOPs of one prefill from the model's architecture: the linear terms
  ``2 * params * n`` (every weight matrix is used once per token; an embedding
  *lookup* is not a matmul, a tied output projection is) plus attention
  ``4 * layers * d_model * n^2`` (scores and weighted sum, each 2*n^2*d_model);
- measured prefill wall time lives in the records (``prefill_seconds``).
"""

from __future__ import annotations


def attention_proxy(n: int) -> int:
    """The paper's attention-compute proxy for a sequence of ``n`` tokens."""
    return n * n


def forward_flops(n: int, params: int, layers: int, d_model: int) -> float:
    """Approximate FLOPs of one forward pass over ``n`` tokens."""
    return 2.0 * params * n + 4.0 * layers * d_model * n * n


def reduction(compressed: float, raw: float) -> float:
    """1 - compressed/raw (0 when raw is 0)."""
    return 1.0 - compressed / raw if raw else 0.0
