"""Checkpoints of trained cells: ``DIR/checkpoints/<cell id>/``, written atomically and verified on load.

A checkpoint holds what the model saves plus ``train.json`` (the training summary) and
``manifest.json`` (the cell id it belongs to and the SHA-256 of every file). Loading
checks both: a checkpoint of another cell, or one whose files changed, is never used
silently; the error names the directory to delete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from .errors import HarnessError

CHECKPOINTS = "checkpoints"
SUMMARY = "train.json"
MANIFEST = "manifest.json"


def _digests(directory: Path) -> dict[str, str]:
    out = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST):
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        out[str(path.relative_to(directory))] = h.hexdigest()
    return out


def checkpoint_dir(output: Path, cell_id: str) -> Path:
    return Path(output) / CHECKPOINTS / cell_id


def exists(directory: Path) -> bool:
    return (directory / SUMMARY).is_file()


def save(model, directory: Path, cell_id: str, summary: dict) -> None:
    """Save ``model`` and ``summary`` into ``directory`` atomically (a temporary folder, then a rename)."""
    tmp = directory.with_name(directory.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        model.save(tmp)
        (tmp / SUMMARY).write_text(json.dumps(summary, indent=2))
        (tmp / MANIFEST).write_text(json.dumps({"cell": cell_id, "files": _digests(tmp)}, indent=2))
        if directory.exists():
            shutil.rmtree(directory)
        tmp.replace(directory)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise HarnessError(f"cannot write checkpoint {directory}: {exc.strerror or exc}; free space or pass another --output") from None


def load(model, directory: Path, cell_id: str, device) -> dict:
    """Load a verified checkpoint into ``model``; returns its training summary."""
    fix = f"delete {directory} to retrain that cell"
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
        summary = json.loads((directory / SUMMARY).read_text())
    except (OSError, ValueError) as exc:
        raise HarnessError(f"checkpoint {directory} is incomplete or unreadable ({exc.__class__.__name__}); {fix}") from None
    if not isinstance(manifest, dict) or manifest.get("cell") != cell_id:
        raise HarnessError(f"checkpoint {directory} belongs to another cell ({manifest.get('cell') if isinstance(manifest, dict) else '?'}); {fix}")
    if manifest.get("files") != _digests(directory):
        raise HarnessError(f"checkpoint {directory} was modified or corrupted after it was written (file hashes differ); {fix}")
    try:
        model.load(directory, device)
    except HarnessError:
        raise
    except Exception as exc:  # noqa: BLE001  (any reader failure: the message names the directory)
        raise HarnessError(f"cannot load checkpoint {directory}: {str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__}; {fix}") from None
    return summary
