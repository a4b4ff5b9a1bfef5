"""The base class of the model-based baselines (LLMLingua family, Selective Context)."""

from __future__ import annotations

from .lossy import LossyCompressor
from .models import resolve_device, resolve_model


class ModelCompressor(LossyCompressor):
    """A lossy compressor driven by a scoring model, loaded lazily on first use.

    ``model``: ``smollm2`` (offline SmolLM2-135M), a local directory, or a hub name
    (only with ``LTSC_ALLOW_HUB=1``). ``device``: ``cpu`` (default), ``cuda`` or ``auto``.
    """

    default_model = "smollm2"
    model_hint = "model=<local Hugging Face directory>"

    def __init__(self, tokenizer, rate=0.5, model=None, device="cpu", **params):
        model = model or self.default_model
        super().__init__(tokenizer, rate=rate, model=model, device=device, **params)
        self.device = resolve_device(device)
        self.model_name = str(model)

    def model_path(self) -> str:
        return resolve_model(self.model_name, self.model_hint)
