"""ltsc-bench: a benchmark and evaluation harness for token-sequence compression in front of LLMs.

``from harness import evaluate`` runs an evaluation (:func:`harness.api.evaluate`) and returns its
:class:`~harness.api.Results` (``.leaderboard`` is a pandas DataFrame). Imported lazily, so the
command line stays fast.
"""

__version__ = "0.1.0"

#: public name -> the module that defines it
_LAZY = {"evaluate": "harness.api", "Results": "harness.api", "RunConfig": "harness.config",
         "TrainConfig": "harness.training"}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
