"""ltsc-bench: a benchmark and evaluation harness for token-sequence compression in front of LLMs."""

__version__ = "0.1.0"
