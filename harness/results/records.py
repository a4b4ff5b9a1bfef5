"""Append-only, crash-safe JSON-lines records (``DIR/records.jsonl``), one writer per directory.

Every append writes whole lines in one ``write`` under an exclusive ``flock`` and then
flushes and fsyncs, so a run killed at any moment (SIGKILL included) loses nothing
already written. A torn last line (the write a kill interrupted) is ignored by readers
and cut off by the next append, under that lock, so the repair never races a writer.
Records are keyed by ``(cell, example_id)``: a resumed run skips finished work and
never writes a record twice, and readers keep the first of any duplicates (reporting them).

The writer lock of a run directory is :mod:`harness.lock`; where each kind of folder keeps its
records (a run, a published folder, lm-eval output) is :mod:`harness.layouts`.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..core.errors import HarnessError
from ..data.assets import logical_tokenizer
from .lock import LOCK_FILE, RunLock, holder_pid, writer_pid  # noqa: F401  (re-exported: the lock lives in lock.py)

RECORDS_FILE = "records.jsonl"
#: version of the record schema below (records without ``schema_version`` are version 1: no round trip, no scores)
SCHEMA_VERSION = 2


@dataclass
class Record:
    """One evaluated test example of one cell: the line format of ``records.jsonl`` (schema 2).

    Identity: ``cell`` (hash of the cell's full configuration), ``comparison`` (hash of what
    cells compared with each other share), ``example_id``. ``config`` holds the whole
    configuration, so any table cell can be recomputed from records alone.
    """

    cell: str
    comparison: str
    example_id: str
    task: str
    compressor: str
    compressor_params: dict
    model: str
    tokenizer: str
    scope: str
    seed: int
    train_steps: int
    trained_on: str
    # lengths and compute
    input_tokens: int
    raw_tokens: int
    dictionary_entries: int
    dictionary_tokens: int
    changed: bool
    compressed_tokens: int
    target_tokens: int | None
    attention_n2: int
    raw_attention_n2: int
    flops: float
    raw_flops: float
    codec_seconds: float
    #: decompress(compress(x)) == x for lossless compressors; None for lossy ones
    round_trip_ok: bool | None
    # the answer
    prediction: str
    target: str
    #: the task's score in [0, 1]; ``correct`` is ``score == 1``
    score: float
    correct: bool
    prefill_seconds: float
    train_final_answer_loss: float | None
    config: dict
    #: extra scores the task declares (e.g. ``edit_similarity``)
    scores: dict = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict:
        return asdict(self)


#: field -> accepted types; a record missing one, or with another type, is rejected by :func:`check_record`
REQUIRED = {
    "cell": str,
    "example_id": str,
    "task": str,
    "compressor": str,
    "model": str,
    "correct": bool,
    "input_tokens": int,
    "raw_tokens": int,
}


#: what the store itself needs of a record (resume bookkeeping)
KEYS = {"cell": str, "example_id": str}


def check_record(rec: dict, where: str, required: dict = REQUIRED) -> None:
    """Reject a record (hand-edited, truncated, another tool's) with one line naming ``where`` and the field:
    a missing field, a wrong type, or an impossible value (:func:`_impossible`)."""
    for key, kind in required.items():
        if key not in rec:
            raise HarnessError(f"{where}: corrupt record: it has no {key!r} field; fix or delete that line")
        value = rec[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise HarnessError(
                f"{where}: corrupt record: field {key!r} must be {kind.__name__}, got {value!r}; "
                "fix or delete that line"
            )
    problem = _impossible(rec) if "input_tokens" in required else None
    if problem:
        raise HarnessError(f"{where}: corrupt record: {problem}; fix or delete that line")


def _count(rec: dict, key: str):
    value = rec.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _impossible(rec: dict) -> str | None:
    """What makes a record's lengths or score impossible (None when they are consistent): negative lengths, an
    empty raw prompt, a dictionary longer than the input, attention terms that are not the squared lengths
    (how every record is written), a score outside [0, 1]."""
    n, n_raw = rec["input_tokens"], rec["raw_tokens"]
    if n < 0:
        return f"input_tokens is negative ({n})"
    if n_raw < 1:
        return f"raw_tokens must be at least 1, got {n_raw}"
    for key in ("compressed_tokens", "dictionary_tokens", "dictionary_entries", "target_tokens"):
        value = _count(rec, key)
        if value is not None and value < 0:
            return f"{key} is negative ({value})"
    dictionary = _count(rec, "dictionary_tokens")
    if dictionary is not None and dictionary > n:
        return f"dictionary_tokens ({dictionary}) exceeds input_tokens ({n})"
    for key, length in (("attention_n2", n), ("raw_attention_n2", n_raw)):
        value = _count(rec, key)
        if value is not None and value != length * length:
            return f"{key} ({value}) is not the square of its length ({length}): the lengths were edited"
    score = rec.get("score")
    if isinstance(score, (int, float)) and not isinstance(score, bool) and not 0.0 <= score <= 1.0:
        return f"score {score!r} lies outside [0, 1]"
    return None


def upgrade(rec: dict) -> dict:
    """A record as this version writes it: a legacy machine-specific tokenizer name (a converted model's cache
    path) becomes its logical name, in the record and its configuration. Cell ids stay as they were written."""
    config = rec.get("config")
    for holder in (rec, config if isinstance(config, dict) else {}):
        name = holder.get("tokenizer")
        if isinstance(name, str) and logical_tokenizer(name) != name:
            holder["tokenizer"] = logical_tokenizer(name)
    return rec


def read_records(path: Path, repair: bool = False, required: dict = REQUIRED) -> list[dict]:
    """All complete records in ``path``, the first of each ``(cell, example_id)`` only; a torn last line
    is ignored (and cut off when ``repair``: only for the directory's writer, see :class:`RunLock`).

    Each record must have the ``required`` fields with their types (:func:`check_record`).
    Duplicates (two writers in one directory before :class:`RunLock` existed) are reported on stderr.
    """
    path = Path(path)
    if not path.exists():
        return []
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HarnessError(f"cannot read records file {path}: {exc.strerror}") from None
    end = data.rfind(b"\n") + 1
    if repair and end < len(data):
        _truncate(path, end)
    out, seen, duplicates = [], set(), 0
    for lineno, line in enumerate(data[:end].splitlines(), 1):
        if not line.strip():
            continue
        rec = _parse(line, f"{path}:{lineno}", required)
        key = (rec.get("cell"), rec.get("example_id"))
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        out.append(rec)
    if duplicates and (str(path), duplicates) not in _WARNED:  # once per process, however often it is read
        _WARNED.add((str(path), duplicates))
        print(
            f"ltsc-bench: warning: {path}: {duplicates} duplicate record(s) of the same cell and example ignored "
            "(each counted once)",
            file=sys.stderr,
        )
    return out


_WARNED: set[tuple[str, int]] = set()


def _parse(line: bytes, where: str, required: dict) -> dict:
    try:
        rec = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HarnessError(f"{where} is not a JSON record; the file is corrupt: move it away to start afresh") from None
    if not isinstance(rec, dict):
        raise HarnessError(f"{where} is not a JSON object; the file is corrupt: move it away to start afresh")
    check_record(rec, where, required)
    return upgrade(rec)


def _truncate(path: Path, end: int) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(end)
        fh.flush()
        os.fsync(fh.fileno())


def _write_error(path: Path, exc: OSError) -> HarnessError:
    why = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    return HarnessError(
        f"cannot write {path}: {why}; the records written so far are kept, and rerunning the same "
        "command resumes after freeing space (or pass another --output)"
    )


class RecordStore:
    """The records of one output directory, with resume bookkeeping.

    Opening it only reads; :meth:`append` writes (and cuts a torn tail) under an exclusive lock.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.path = self.directory / RECORDS_FILE
        self.records = read_records(self.path, required=KEYS)
        self._done = {(r.get("cell"), r.get("example_id")) for r in self.records}

    def done(self, cell: str, example_id: str) -> bool:
        return (cell, example_id) in self._done

    def append(self, records: list[dict]) -> None:
        """Write ``records`` (skipping any already present) durably, as whole lines."""
        fresh = [r for r in records if (r["cell"], r["example_id"]) not in self._done]
        if not fresh:
            return
        payload = "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in fresh).encode()
        try:
            with open(self.path, "ab") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)  # parallel workers append whole lines, one writer at a time
                try:
                    _cut_torn_tail(fh)
                    fh.write(payload)
                    fh.flush()
                    os.fsync(fh.fileno())
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        except OSError as exc:
            raise _write_error(self.path, exc) from None
        for r in fresh:
            self._done.add((r["cell"], r["example_id"]))
        self.records.extend(fresh)


def _cut_torn_tail(fh) -> None:
    """Cut a partial last line (a killed write) off the file ``fh`` (opened for append, lock held)."""
    size = os.fstat(fh.fileno()).st_size
    if not size:
        return
    with open(fh.name, "rb") as reader:
        reader.seek(size - 1)
        if reader.read(1) == b"\n":
            return
        reader.seek(0)
        end = reader.read(size).rfind(b"\n") + 1
    fh.truncate(end)
