import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _offline_env():
    """Tests never touch a model hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.pop("LTSC_ALLOW_HUB", None)


def run_cli(*args, stdin: str | None = None, env: dict | None = None, timeout: int = 300):
    """Run `python -m harness ARGS` in a subprocess; returns CompletedProcess."""
    import subprocess

    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "harness", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=full_env, timeout=timeout)
