"""How the embeddings of meta-tokens and dictionary delimiters start (``meta_init=...``).

A meta-token means something different in every prompt (its dictionary entry says
what), so no row can start "right"; what an initialisation decides is where the new
rows sit relative to the token embeddings the network already reads, and how easy
they are to tell apart. Every option is computed from the text-token rows ``W``
(``V x d``) and draws from torch's generator, which the runner seeds per cell:

- ``random``: ``N(0, s^2)`` per dimension, ``s`` the per-dimension standard deviation
  of ``W`` (centred at zero, not at the vocabulary's mean).
- ``mean``: every new row is the mean of ``W``, exactly: all meta-tokens start
  identical, and only training tells them apart.
- ``gaussian``: the mean of ``W`` plus ``N(0, s^2)`` noise, a sample that looks like a
  typical token (the pretrained models' default since they gained meta-tokens).
- ``orthogonal`` (this project's design): the mean of ``W`` plus mutually orthogonal
  offsets, each as long as a typical token's offset from the mean (the RMS of
  ``|W_i - mean|``). New rows stay "typical" in norm and direction, like
  ``gaussian``, but are as far apart from one another as ``d`` dimensions allow
  (exactly orthogonal while there are at most ``d`` new ids), so telling two
  meta-tokens apart does not have to be learned first.
"""

from __future__ import annotations

from ..core.validate import one_of
from .base import require_torch

CHOICES = ("random", "mean", "gaussian", "orthogonal")


def check(value: str) -> str:
    return one_of("meta_init", value, CHOICES)


def new_rows(text_rows, count: int, how: str):
    """``count`` new embedding rows (float32, on ``text_rows``' device) initialised as ``how`` says."""
    torch = require_torch()
    w = text_rows.detach().float()
    mean, std = w.mean(0), w.std(0)
    shape = (count, w.shape[1])
    if how == "random":
        return torch.randn(shape, device=w.device) * std
    if how == "mean":
        return mean.expand(shape).clone()
    if how == "gaussian":
        return mean + torch.randn(shape, device=w.device) * std
    check(how)
    offsets = torch.empty(shape, device=w.device)
    torch.nn.init.orthogonal_(offsets)  # orthonormal rows (or columns when count > d)
    offsets = offsets / offsets.norm(dim=1, keepdim=True).clamp_min(1e-12)
    typical = (w - mean).norm(dim=1).pow(2).mean().sqrt()
    return mean + offsets * typical
