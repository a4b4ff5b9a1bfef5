"""A sample third-party plugin for ltsc-bench (see docs/extending.md)."""
