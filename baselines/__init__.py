"""Lossy baselines (installed as ``harness.baselines``), compared at matched length.

Importing this package registers ``truncate``, ``random-drop``, ``selective-context``,
``llmlingua``, ``longllmlingua`` and ``llmlingua2``. Heavy libraries (torch,
transformers, llmlingua) are imported only when a baseline first compresses.
"""

from . import lingua, naive, selective_context  # noqa: F401  (each module registers its compressors)
