"""The model interface and its registry.

A :class:`LanguageModel` hides how a network sees token ids. The harness speaks in
the tokenizer's ids, with meta-tokens and dictionary delimiters at or above
``tokenizer.vocab_size`` (``compressor.extra_vocab`` of them); each model maps these
to its own input ids (``tiny`` remaps the whole vocabulary to the ids that occur,
pretrained models add new embeddings for the extra ids). Answers never contain
meta-tokens, so outputs stay in the model's own vocabulary.

Models are made with :func:`build_model` (``name@key=value,...``), which goes through
:meth:`harness.registry.Registry.build`: parameter names are checked there, and each
model validates its values in its constructor, before any weights exist.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..core.env import require_torch, resolve_device
from ..core.registry import Registry
from ..core.spec import Spec

__all__ = ["LanguageModel", "build_model", "models", "require_torch", "resolve_device"]

#: model factories take the model's name first (``hf:<path>`` models read it)
models: Registry = Registry("model", pass_name=True)


class LanguageModel(ABC):
    """A causal LM the runner can train, checkpoint and evaluate.

    ``eos`` and ``pad`` are model ids. Ids passed to :meth:`forward` are model ids
    (see :meth:`model_ids`).
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
        #: the network (a ``torch.nn.Module``), built by :meth:`setup` or :meth:`load`; None before. ``Any``: torch
        #: is optional, and each model reaches attributes of its own network (``tiny``'s ``lm``, a Hugging Face config)
        self.module: Any = None
        self.device = "cpu"

    @property
    def spec(self) -> str:
        return str(Spec(self.name, self.params))

    @abstractmethod
    def setup(self, tokenizer, extra_vocab: int, corpus: Iterable[Sequence[int]], device: str) -> None:
        """Build the network on ``device`` for ``tokenizer`` plus ``extra_vocab`` ids above its vocabulary.
        ``corpus``: the train split's prompt and answer ids (harness ids)."""

    @abstractmethod
    def model_ids(self, ids: Sequence[int]) -> list[int]:
        """Harness ids -> this model's input ids."""

    @abstractmethod
    def output_text_ids(self, ids: Sequence[int]) -> list[int]:
        """Model output ids -> tokenizer ids (for decoding a prediction)."""

    @abstractmethod
    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None, use_cache=False):
        """``(logits, past)`` for a batch of model ids; ``past`` is a KV cache to continue from, and
        with ``use_cache`` the returned one (``None`` when :attr:`supports_cache` is False)."""

    @abstractmethod
    def save(self, path: Path) -> None:
        """Write what :meth:`load` needs (trained weights, vocabulary) under the directory ``path``."""

    @abstractmethod
    def load(self, path: Path, device: str) -> None:
        """Rebuild the network on ``device`` from a checkpoint written by :meth:`save`."""

    @abstractmethod
    def architecture(self) -> dict:
        """``params`` (non-embedding-lookup parameters), ``layers``, ``d_model`` for FLOP counts."""

    def trainable_parameters(self):
        return [p for p in self.module.parameters() if p.requires_grad]

    def train_mode(self, on: bool) -> None:
        self.module.train(on)


def build_model(spec: str | Spec) -> LanguageModel:
    """Instantiate a registered model from ``name@key=value,...`` (weights are built in :meth:`~LanguageModel.setup`)."""
    return models.build(spec)
