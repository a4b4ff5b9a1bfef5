"""The base class of the model-based baselines (LLMLingua family, Selective Context)."""

from __future__ import annotations

from ..core.env import resolve_device
from .lossy import LossyCompressor
from .models import prompt_compressor, resolve_model


class ModelCompressor(LossyCompressor):
    """A lossy compressor driven by a scoring model (an ``llmlingua.PromptCompressor``).

    ``model``: ``smollm2`` (offline SmolLM2-135M), a local directory, or a hub name
    (only with ``LTSC_ALLOW_HUB=1``). ``device``: ``cpu`` (default), ``auto``, ``cuda`` or ``cuda:N``.
    """

    default_model = "smollm2"
    model_hint = "model=<local Hugging Face directory>"
    #: load the model as an LLMLingua-2 token classifier instead of a causal LM
    llmlingua2 = False

    def __init__(self, tokenizer, rate=0.5, model=None, device="cpu", **params):
        model = model or self.default_model
        super().__init__(tokenizer, rate=rate, model=model, device=device, **params)
        self.device = resolve_device(device)
        self.model_name = str(model)
        # loaded here (once per process, shared) so a missing model fails before any work and
        # per-example times exclude loading; importing the registry stays light
        self.scorer = prompt_compressor(self.model_path(), self.device, self.llmlingua2)

    def model_path(self) -> str:
        return resolve_model(self.model_name, self.model_hint)
