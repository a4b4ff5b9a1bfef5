"""Compressor registry; importing this package registers the built-in compressors."""

from .base import Compressed, Compressor, build_compressor, compressors, register
from . import raw  # noqa: F401  (registers "raw")
from . import ltsc  # noqa: F401  (registers "ltsc")

__all__ = ["Compressed", "Compressor", "build_compressor", "compressors", "register"]
