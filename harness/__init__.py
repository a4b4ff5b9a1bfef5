"""ltsc-bench: a benchmark and evaluation harness for token-sequence compression in front of LLMs.

``from harness import evaluate`` runs an evaluation (:func:`harness.api.evaluate`) and returns its
:class:`~harness.api.Results` (``.leaderboard`` is a pandas DataFrame). Imported lazily, so the
command line stays fast.

The packages follow the data flow: ``tasks`` -> ``data`` (tokenizers, offline assets) ->
``compressors`` -> ``models`` -> ``engine`` (plan, pipeline, train, evaluate: one run) scheduled by
``backends`` -> ``results`` (records, layouts on disk, metrics, leaderboard, compare, publish) ->
``site``; ``contract`` checks any compressor, ``interop`` talks to lm-eval and Hugging Face,
``cli`` is the command line, ``core`` what every layer uses (errors, registry, specs, validation).
"""

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"

#: public name -> the module that defines it
_LAZY = {
    "evaluate": "harness.api",
    "Results": "harness.api",
    "RunConfig": "harness.engine.config",
    "TrainConfig": "harness.engine.training",
}

#: module paths from before the modules were grouped by role -> where they live now (both import the same module)
MOVED = {
    "errors": "core.errors",
    "registry": "core.registry",
    "spec": "core.spec",
    "validate": "core.validate",
    "env": "core.env",
    "progress": "core.progress",
    "catalog": "core.catalog",
    "tokenizers": "data.tokenizers",
    "assets": "data.assets",
    "corpora": "data.corpora",
    "config": "engine.config",
    "cells": "engine.cells",
    "pipeline": "engine.pipeline",
    "runner": "engine.runner",
    "evaluation": "engine.evaluation",
    "training": "engine.training",
    "checkpoints": "engine.checkpoints",
    "compute": "engine.compute",
    "suite": "engine.suite",
    "stats": "engine.stats",
    "records": "results.records",
    "lock": "results.lock",
    "layouts": "results.layouts",
    "metrics": "results.metrics",
    "leaderboard": "results.leaderboard",
    "tables": "results.tables",
    "plots": "results.plots",
    "gate": "results.gate",
    "publish": "results.publish",
    "provenance": "results.provenance",
    "contract_inputs": "contract.inputs",
    "contract_report": "contract.report",
    "testing": "contract.testing",
    "pytest_plugin": "contract.pytest_plugin",
}

__all__ = ["__version__", *_LAZY]


class _Moved(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import harness.records`` (an older path) gives the module at its new place: the same object, so
    ``harness.validate``, ``harness.errors`` and ``harness.testing``, which the docs name, and every other older
    path keep working, monkeypatching included."""

    def find_spec(self, name, path=None, target=None):
        head, _, tail = name.partition(".")
        if head != "harness" or tail.partition(".")[0] not in MOVED:
            return None
        first, _, rest = tail.partition(".")
        new = f"harness.{MOVED[first]}" + (f".{rest}" if rest else "")
        return importlib.util.spec_from_loader(name, self, origin=new)

    def create_module(self, spec):
        return importlib.import_module(spec.origin)

    def exec_module(self, module):
        return None


if not any(isinstance(f, _Moved) for f in sys.meta_path):
    sys.meta_path.insert(0, _Moved())


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
