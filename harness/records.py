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
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import HarnessError

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
REQUIRED = {"cell": str, "example_id": str, "task": str, "compressor": str, "model": str, "correct": bool,
            "input_tokens": int, "raw_tokens": int}


#: what the store itself needs of a record (resume bookkeeping)
KEYS = {"cell": str, "example_id": str}


def check_record(rec: dict, where: str, required: dict = REQUIRED) -> None:
    """Reject a record (hand-edited, truncated, another tool's) with one line naming ``where`` and the field."""
    for key, kind in required.items():
        if key not in rec:
            raise HarnessError(f"{where}: corrupt record: it has no {key!r} field; fix or delete that line")
        value = rec[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise HarnessError(f"{where}: corrupt record: field {key!r} must be {kind.__name__}, got {value!r}; "
                              "fix or delete that line")


def read_records(path: Path, repair: bool = False, required: dict = REQUIRED) -> list[dict]:
    """All complete records in ``path``; a torn last line is ignored (and cut off when ``repair``).

    Each record must have the ``required`` fields with their types (:func:`check_record`).
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
        check_record(rec, f"{path}:{lineno}", required)
        out.append(rec)
    return out


class RecordStore:
    """The records of one output directory, with resume bookkeeping."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.path = self.directory / RECORDS_FILE
        self.records = read_records(self.path, repair=True, required=KEYS)
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
