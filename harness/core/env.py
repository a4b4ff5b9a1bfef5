"""Environment settings in one place: the cache directory, hub access, torch and device choice.

Importing this module stays light: torch is imported only when a device other than
``cpu`` is resolved (or :func:`require_torch` is called).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import HarnessError, first_line, missing_package

DEVICE_FORMS = "auto, cpu, cuda or cuda:N"


def cache_dir() -> Path:
    """Where the harness keeps derived files (tiktoken cache, converted models): ``LTSC_CACHE_DIR``
    or ``~/.cache/ltsc-bench``."""
    root = os.environ.get("LTSC_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "ltsc-bench")
    return Path(root)


def hub_allowed() -> bool:
    """The user allows model-hub downloads only by setting LTSC_ALLOW_HUB=1 (or true/yes)."""
    return os.environ.get("LTSC_ALLOW_HUB", "").lower() in ("1", "true", "yes")


def refuse_remote_code(directory: Path, what: str) -> None:
    """Refuse a local Hugging Face directory whose configuration asks for custom code (``auto_map``):
    loading it would run Python from that directory. ltsc-bench never does (``trust_remote_code=False``)."""
    for name in ("config.json", "tokenizer_config.json"):
        try:
            data = json.loads((Path(directory) / name).read_text())
        except (OSError, ValueError):
            continue  # absent or unreadable: transformers reports it
        auto_map = data.get("auto_map") if isinstance(data, dict) else None
        if auto_map:
            first = next(iter(auto_map.values())) if isinstance(auto_map, dict) else auto_map
            ref = first[0] if isinstance(first, (list, tuple)) and first else first
            raise HarnessError(
                f"{what} {str(directory)!r} needs custom code: its {name} maps to {ref!r} (auto_map), "
                "Python from that directory that ltsc-bench never runs; use a model whose architecture "
                "transformers itself implements"
            )


def hf_load_error(what: str, target: str, exc: Exception, local: bool) -> HarnessError:
    """The one-line error for a failed Hugging Face load: custom code is refused; the hub hint only for hub names."""
    message = first_line(exc)
    if "trust_remote_code" in str(exc):
        return HarnessError(
            f"{what} {target!r} needs custom code (Python shipped with the model), which ltsc-bench "
            "never runs; use a model whose architecture transformers itself implements"
        )
    hint = "" if local or hub_allowed() else " (set LTSC_ALLOW_HUB=1 to allow downloading from the Hugging Face hub)"
    return HarnessError(f"cannot load Hugging Face {what} {target!r}: {message}{hint}")


def require_torch():
    """The ``torch`` module, or a one-line error saying how to install it."""
    try:
        import torch
    except ImportError:
        raise missing_package("torch", "training and evaluating models", "pip install torch==2.13.0") from None
    return torch


def resolve_device(name: str | None = "auto") -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; ``cpu``; ``cuda``; ``cuda:N``.

    ``cuda``/``cuda:N`` without a (that) GPU, a malformed index or any other name is a
    one-line :class:`HarnessError`.
    """
    name = str(name or "auto").strip().lower()
    if name == "cpu":
        return name
    kind, sep, index = name.partition(":")
    if name != "auto" and kind != "cuda":
        raise HarnessError(f"unknown device {name!r}; use {DEVICE_FORMS}")
    if sep and not (index.isascii() and index.isdigit()):
        raise HarnessError(f"device {name!r}: the GPU index N in cuda:N must be a non-negative integer")
    torch = require_torch()
    available = torch.cuda.is_available()
    if name == "auto":
        return "cuda" if available else "cpu"
    if not available:
        raise HarnessError(f"device {name!r} was asked for but no CUDA GPU is visible to PyTorch; use cpu or auto")
    count = torch.cuda.device_count()
    if sep and int(index) >= count:
        raise HarnessError(
            f"device {name!r}: no GPU with index {int(index)}; PyTorch sees {count} (valid: cuda:0..cuda:{count - 1})"
        )
    return f"cuda:{int(index)}" if sep else name
