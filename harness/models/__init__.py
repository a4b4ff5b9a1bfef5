"""Model registry: ``tiny`` (from scratch), ``smollm2-135m`` (offline pretrained), ``hf:<name-or-path>``.

A model entry is a factory ``f(name, **params) -> LanguageModel``; third-party models
register through the entry-point group ``ltsc_bench.models``.
"""

from . import pretrained, tiny  # noqa: F401  (register the built-in models)
from .base import LanguageModel, build_model, models

__all__ = ["LanguageModel", "build_model", "models"]
