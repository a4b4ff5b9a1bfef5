"""Compressor registry; importing this package registers the built-in compressors."""

from . import (
    delta_peer,  # noqa: F401  (registers "delta-ltsc"; the package itself is imported lazily)
    ltsc,  # noqa: F401  (registers "ltsc")
    ltsc_opt,  # noqa: F401  (registers "ltsc-opt" and "ltsc-nested")
    raw,  # noqa: F401  (registers "raw")
    text_markers,  # noqa: F401  (registers "ltsc-text": the dictionary as plain text, no fine-tuning)
)
from .base import Compressed, Compressor, build_compressor, compressors, register

__all__ = ["Compressed", "Compressor", "build_compressor", "compressors", "register"]
from .. import baselines as _baselines  # noqa: E402,F401  (registers the lossy baselines, see baselines/)
