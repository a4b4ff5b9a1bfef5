"""A sample third-party plugin for ltsc-bench (see the README's "Extending" section)."""
