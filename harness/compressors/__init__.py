"""Compressor registry; importing this package registers the built-in compressors."""

from .base import Compressed, Compressor, build_compressor, compressors, register
from . import raw  # noqa: F401  (registers "raw")
from . import ltsc  # noqa: F401  (registers "ltsc")
from . import ltsc_opt  # noqa: F401  (registers "ltsc-opt" and "ltsc-nested")
from . import delta_peer  # noqa: F401  (registers "delta-ltsc"; the package itself is imported lazily)
from . import text_markers  # noqa: F401  (registers "ltsc-text": the dictionary as plain text, no fine-tuning)

__all__ = ["Compressed", "Compressor", "build_compressor", "compressors", "register"]
from .. import baselines as _baselines  # noqa: E402,F401  (registers the lossy baselines, see baselines/)
