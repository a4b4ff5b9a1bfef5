"""ltsc-bench: a benchmark and evaluation harness for token-sequence compression in front of LLMs."""

from pathlib import Path as _Path

__version__ = "0.1.0"

# Installed, tasks/ and baselines/ become harness.tasks and harness.baselines (pyproject
# package-dir). Run from a source checkout that is not installed (PYTHONPATH=., or a
# script that puts the checkout on sys.path), the same names must resolve to the
# top-level folders beside this package.
_root = _Path(__file__).resolve().parent.parent
if (_root / "pyproject.toml").is_file() and (_root / "tasks" / "base.py").is_file():
    __path__.append(str(_root))  # noqa: F821  (the package's own __path__)
