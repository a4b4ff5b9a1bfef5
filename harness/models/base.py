"""The model interface, its registry and device selection.

A :class:`LanguageModel` hides how a network sees token ids. The harness speaks in
the tokenizer's ids, with meta-tokens and dictionary delimiters at or above
``tokenizer.vocab_size`` (``compressor.extra_vocab`` of them); each model maps these
to its own input ids (``tiny`` remaps the whole vocabulary to the ids that occur,
pretrained models add new embeddings for the extra ids). Answers never contain
meta-tokens, so outputs stay in the model's own vocabulary.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import HarnessError, missing_package
from ..registry import Registry
from ..spec import Spec

models: Registry = Registry("model")


def require_torch():
    try:
        import torch
    except ImportError:
        raise missing_package("torch", "training and evaluating models", "pip install torch==2.13.0") from None
    return torch


def resolve_device(name: str = "auto") -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; ``cuda`` without a GPU is a user error."""
    torch = require_torch()
    name = (name or "auto").lower()
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise HarnessError(f"--device {name} was asked for but no CUDA GPU is visible to PyTorch; use --device cpu (or auto)")
        return name
    if name == "cpu":
        return name
    raise HarnessError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N")


class LanguageModel:
    """A causal LM the runner can train, checkpoint and evaluate.

    Subclasses implement :meth:`setup` (build the network for a tokenizer and the
    extra ids a compressor emits), :meth:`model_ids`, :meth:`forward`, :meth:`save`
    and :meth:`load`. ``eos`` and ``pad`` are model ids.
    """

    #: a pretrained model reads one tokenizer only; None = any tokenizer
    preferred_tokenizer: str | None = None
    #: peak learning rate used when the run does not set one
    default_lr: float = 3e-3
    eos: int = 0
    pad: int = 0
    #: False when forward() cannot continue from a KV cache (decoding then recomputes the whole sequence)
    supports_cache: bool = True

    def __init__(self, name: str, **params):
        self.name = name
        self.params = params
        self.module = None
        self.device = "cpu"

    @property
    def spec(self) -> str:
        return str(Spec(self.name, self.params))

    # -- to implement ------------------------------------------------------------
    def setup(self, tokenizer, extra_vocab: int, corpus: Iterable[Sequence[int]], device: str) -> None:
        """Build the network. ``corpus``: the train split's prompt and answer ids (harness ids)."""
        raise NotImplementedError

    def model_ids(self, ids: Sequence[int]) -> list[int]:
        """Harness ids -> this model's input ids."""
        raise NotImplementedError

    def output_text_ids(self, ids: Sequence[int]) -> list[int]:
        """Model output ids -> tokenizer ids (for decoding a prediction)."""
        raise NotImplementedError

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """Return ``(logits, past)`` for a batch of model ids."""
        raise NotImplementedError

    def trainable_parameters(self):
        return [p for p in self.module.parameters() if p.requires_grad]

    def save(self, path: Path) -> None:
        raise NotImplementedError

    def load(self, path: Path) -> None:
        raise NotImplementedError

    def architecture(self) -> dict:
        """``params`` (non-embedding-lookup parameters), ``layers``, ``d_model`` for FLOP counts."""
        raise NotImplementedError

    def train_mode(self, on: bool) -> None:
        self.module.train(on)


def check_params(factory, name: str, params: dict) -> None:
    """Reject parameters the factory does not take, listing the valid ones."""
    sig = inspect.signature(factory)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    valid = [p for p in sig.parameters if p != "name"]
    for key in params:
        if key not in valid:
            raise HarnessError(f"model {name!r} has no parameter {key!r}; its parameters: {', '.join(valid) or 'none'}")


def build_model(spec: str | Spec) -> LanguageModel:
    """Instantiate a registered model from ``name@key=value,...`` (weights are built in :meth:`setup`)."""
    spec = spec if isinstance(spec, Spec) else Spec.parse(spec)
    factory = models.get(spec.name).factory
    check_params(factory, spec.name, spec.params)
    try:
        return factory(spec.name, **spec.params)
    except (TypeError, ValueError) as exc:
        raise HarnessError(f"bad parameters for model {spec.name!r}: {exc}") from None
