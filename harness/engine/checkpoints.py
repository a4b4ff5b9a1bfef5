"""Checkpoints of trained cells: ``DIR/checkpoints/<cell id>/``, written atomically and verified on load.

A checkpoint holds what the model saves plus ``train.json`` (the training summary) and
``manifest.json`` (the cell id it belongs to and the SHA-256 of every file). Loading
checks both: a checkpoint of another cell, or one whose files changed, is never used
silently; the error names the directory to delete (or ``run --retrain``, which replaces
the checkpoints of the run's cells). A save that fails (a full disk) leaves no temporary
directory behind; one left by a killed process is removed by the next save of that cell.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from pathlib import Path

from ..core.errors import HarnessError, first_line

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
    """Is there anything at ``directory``? (An incomplete checkpoint counts: :func:`load` says what is wrong.)"""
    return os.path.lexists(directory)


def write_atomically(directory: Path, fill) -> None:
    """Write the folder ``directory`` atomically: ``fill(tmp)`` fills a temporary folder next to it (removed
    if anything fails), which then replaces ``directory``. Temporary folders of dead processes go first."""
    directory = Path(directory)
    tmp = directory.with_name(directory.name + f".tmp{os.getpid()}")
    remove_stale(directory)
    try:
        fill(tmp)
        if os.path.lexists(directory):
            _remove(directory)
        tmp.replace(directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save(model, directory: Path, cell_id: str, summary: dict) -> None:
    """Save ``model`` and ``summary`` into ``directory`` atomically (a temporary folder, then a rename)."""
    directory = Path(directory)

    def fill(tmp: Path) -> None:
        model.save(tmp)
        (tmp / SUMMARY).write_text(json.dumps(summary, indent=2))
        (tmp / MANIFEST).write_text(json.dumps({"cell": cell_id, "files": _digests(tmp)}, indent=2))

    try:
        write_atomically(directory, fill)
    except Exception as exc:  # noqa: BLE001  (torch reports a full disk as RuntimeError)
        if isinstance(exc, HarnessError):
            raise
        if isinstance(exc, OSError) and exc.errno in (
            errno.ENOTDIR,
            errno.EEXIST,
            errno.EACCES,
            errno.EPERM,
            errno.EROFS,
        ):
            raise HarnessError(
                f"cannot write checkpoint {directory} ({exc.strerror}); pass a writable directory as "
                "--checkpoint-dir (or --output) and rerun the same command to resume"
            ) from None
        raise HarnessError(
            f"cannot write checkpoint {directory} ({_reason(exc, directory)}); free space and rerun the "
            "same command to resume, or pass another --output (or --checkpoint-dir)"
        ) from None


def _reason(exc: Exception, directory: Path) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "the disk is full"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    try:
        free = shutil.disk_usage(directory.parent).free
    except OSError:
        free = None
    first = first_line(exc)
    if free == 0:
        return f"the disk is full: {first}"
    return f"{first}; {free:,} bytes free on that disk" if free is not None else first


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def remove_stale(directory: Path) -> None:
    """Remove ``<cell>.tmp<PID>`` folders of this cell whose process is gone (a save killed mid-way)."""
    for tmp in directory.parent.glob(directory.name + ".tmp*"):
        pid = tmp.name[len(directory.name) + 4 :]
        if pid.isdigit() and (int(pid) == os.getpid() or not pid_alive(int(pid))):
            shutil.rmtree(tmp, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def load(model, directory: Path, cell_id: str, device) -> dict:
    """Load a verified checkpoint into ``model``; returns its training summary."""
    fix = f"delete {directory} (or pass --retrain) to retrain that cell"
    manifest, summary = _read_json(directory, MANIFEST, fix), _read_json(directory, SUMMARY, fix)
    if manifest.get("cell") != cell_id:
        raise HarnessError(f"checkpoint {directory} belongs to another cell ({manifest.get('cell', '?')}); {fix}")
    try:
        digests = _digests(directory)
    except OSError as exc:
        raise HarnessError(f"checkpoint {directory} is unreadable ({exc.strerror}); {fix}") from None
    if manifest.get("files") != digests:
        raise HarnessError(
            f"checkpoint {directory} was modified or corrupted after it was written "
            f"({_difference(manifest.get('files'), digests)}); {fix}"
        )
    try:
        model.load(directory, device)
    except HarnessError:
        raise
    except Exception as exc:  # noqa: BLE001  (any reader failure: the message names the directory)
        raise HarnessError(f"cannot load checkpoint {directory}: {first_line(exc)}; {fix}") from None
    return summary


def _read_json(directory: Path, name: str, fix: str) -> dict:
    """A JSON object file of the checkpoint, or a one-line error naming it."""
    path = Path(directory) / name
    try:
        value = json.loads(path.read_text())
    except FileNotFoundError:
        raise HarnessError(f"checkpoint {directory} is incomplete: {name} is missing; {fix}") from None
    except OSError as exc:
        raise HarnessError(f"checkpoint {directory} is unreadable ({name}: {exc.strerror}); {fix}") from None
    except ValueError:
        raise HarnessError(f"checkpoint {directory} is corrupt: {name} is not valid JSON; {fix}") from None
    if not isinstance(value, dict):
        raise HarnessError(f"checkpoint {directory} is corrupt: {name} is not a JSON object; {fix}")
    return value


def _difference(expected, found: dict) -> str:
    """Which file of a checkpoint differs from its manifest (for the error)."""
    if not isinstance(expected, dict):
        return "its manifest lists no files"
    for name in sorted(set(expected) | set(found)):
        if name not in found:
            return f"{name} is missing"
        if name not in expected:
            return f"{name} was added"
        if expected[name] != found[name]:
            return f"{name} does not match its SHA-256"
    return "file hashes differ"
