"""Append-only, crash-safe JSON-lines records (``DIR/records.jsonl``).

Every append writes whole lines in one ``write`` and then flushes and fsyncs, so a
run killed at any moment (SIGKILL included) loses nothing already written. A torn
last line (the write the kill interrupted) is cut off when the file is opened again;
records are keyed by ``(cell, example_id)`` so a resumed run skips finished work and
never writes a record twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from .errors import HarnessError

RECORDS_FILE = "records.jsonl"


def read_records(path: Path, repair: bool = False) -> list[dict]:
    """All complete records in ``path``; a torn last line is ignored (and cut off when ``repair``)."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HarnessError(f"cannot read records file {path}: {exc.strerror}") from None
    end = data.rfind(b"\n") + 1
    if repair and end < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
    out = []
    for lineno, line in enumerate(data[:end].splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            raise HarnessError(f"{path}:{lineno} is not a JSON record; the file is corrupt: move it away to start afresh") from None
        if not isinstance(rec, dict):
            raise HarnessError(f"{path}:{lineno} is not a JSON object; the file is corrupt: move it away to start afresh")
        out.append(rec)
    return out


class RecordStore:
    """The records of one output directory, with resume bookkeeping."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.path = self.directory / RECORDS_FILE
        self.records = read_records(self.path, repair=True)
        self._done = {(r.get("cell"), r.get("example_id")) for r in self.records}

    def done(self, cell: str, example_id: str) -> bool:
        return (cell, example_id) in self._done

    def append(self, records: list[dict]) -> None:
        """Write ``records`` (skipping any already present) durably, as whole lines."""
        fresh = [r for r in records if (r["cell"], r["example_id"]) not in self._done]
        if not fresh:
            return
        payload = "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in fresh).encode()
        with open(self.path, "ab") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # parallel workers append whole lines, one writer at a time
            try:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        for r in fresh:
            self._done.add((r["cell"], r["example_id"]))
        self.records.extend(fresh)
