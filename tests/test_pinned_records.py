"""Pinned behaviour of the record store (issue 14): exact lines and counts, in process, in seconds.

``harness/records.py``: what ``append`` writes byte for byte, what a reopened store says is done, what readers
accept, and a resumed run's exact record count (physical lines: readers drop duplicates, so only the file
itself shows one). The flock/fsync spies and the multi-process lock tests live in ``test_hardening_runs.py``.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import threading
import time
from dataclasses import fields

import pytest

from harness.core.errors import HarnessError
from harness.results import lock as lockmod
from harness.results import records
from harness.results.records import KEYS, REQUIRED, Record, RecordStore, RunLock, check_record, holder_pid, read_records


def line(rec: dict) -> bytes:
    return (json.dumps(rec, sort_keys=True, ensure_ascii=False) + "\n").encode()


R1 = {"example_id": "1", "cell": "c", "x": "é", "a": 1}
R2 = {"cell": "c", "example_id": "2", "x": [1, 2]}
R3 = {"cell": "d", "example_id": "1", "x": None}


def test_constants():
    assert records.RECORDS_FILE == "records.jsonl" and records.SCHEMA_VERSION == 2 and records.LOCK_FILE == ".lock"
    assert KEYS == {"cell": str, "example_id": str}
    assert REQUIRED == {
        "cell": str,
        "example_id": str,
        "task": str,
        "compressor": str,
        "model": str,
        "correct": bool,
        "input_tokens": int,
        "raw_tokens": int,
    }


def test_append_writes_exact_lines_and_resumes_exactly(tmp_path):
    path = tmp_path / "records.jsonl"
    store = RecordStore(tmp_path)
    store.append([])
    assert not path.exists()  # nothing to write: no file
    store.append([R1, R2])
    first = path.read_bytes()
    assert first == b'{"a": 1, "cell": "c", "example_id": "1", "x": "\xc3\xa9"}\n' + line(R2)
    assert store.done("c", "1") and store.done("c", "2") and not store.done("d", "1") and not store.done("c", "3")
    again = RecordStore(tmp_path)  # a resumed run
    assert again.records == [R1, R2] and again.done("c", "2") and not again.done("d", "1")
    again.append([dict(R2, x="changed"), R3, R1])  # the two already present are skipped
    assert path.read_bytes() == first + line(R3)  # append-only: the old bytes untouched, one new line
    assert again.records == [R1, R2, R3] and again.done("d", "1")
    again.append([R1, R2, R3])
    assert path.read_bytes() == first + line(R3)
    assert len(path.read_bytes().splitlines()) == 3


def test_append_cuts_a_torn_tail_under_the_lock(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_bytes(line(R1) + b'{"cell": "c", "exa')
    store = RecordStore(tmp_path)
    assert store.records == [R1] and path.read_bytes().endswith(b'"exa')  # reading never cuts
    store.append([R2])
    assert path.read_bytes() == line(R1) + line(R2)
    path.write_bytes(b'{"cell": "torn, no newline at all')
    RecordStore(tmp_path).append([R3])
    assert path.read_bytes() == line(R3)
    path.write_bytes(line(R1) + b"{")  # a one-byte torn tail: the byte before it is a newline
    RecordStore(tmp_path).append([R2])
    assert path.read_bytes() == line(R1) + line(R2)
    path.write_bytes(b"\n" + line(R1) + b'{"torn')  # a file that starts with a newline, torn at its end
    RecordStore(tmp_path).append([R2])
    assert path.read_bytes() == b"\n" + line(R1) + line(R2)


def test_a_failed_write_is_one_line_and_not_marked_done(tmp_path, monkeypatch):
    store = RecordStore(tmp_path)

    def denied(fd):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(records.os, "fsync", denied)
    with pytest.raises(HarnessError) as err:
        store.append([R1])
    assert str(err.value) == (
        f"cannot write {tmp_path / 'records.jsonl'}: Permission denied; the records written so "
        "far are kept, and rerunning the same command resumes after freeing space (or pass "
        "another --output)"
    )
    assert not store.done("c", "1") and store.records == []

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(records.os, "fsync", full)
    with pytest.raises(HarnessError, match=r"records.jsonl: the disk is full; the records written so far are kept"):
        store.append([R2])


def test_read_records_accepts_complete_lines_only(tmp_path):
    path = tmp_path / "records.jsonl"
    assert read_records(path) == []
    path.write_bytes(line(R1) + b"\n  \n" + line(R2) + b'{"cell": "d", "ex')
    assert read_records(path, required=KEYS) == [R1, R2]
    assert path.read_bytes().endswith(b'"ex')
    assert read_records(path, repair=True, required=KEYS) == [R1, R2]
    assert path.read_bytes() == line(R1) + b"\n  \n" + line(R2)  # cut back to the last complete line
    assert read_records(path, repair=True, required=KEYS) == [R1, R2]


@pytest.mark.parametrize(
    "content,message",
    [
        (line(R1) + b"not json\n", ":2 is not a JSON record; the file is corrupt: move it away to start afresh"),
        (
            b"\n" + line(R1) + b"\xff\xfe\n",
            ":3 is not a JSON record; the file is corrupt: move it away to start afresh",
        ),
        (b"[1, 2]\n", ":1 is not a JSON object; the file is corrupt: move it away to start afresh"),
        (b'{"cell": "c"}\n', ":1: corrupt record: it has no 'example_id' field; fix or delete that line"),
        (
            b'{"cell": "c", "example_id": 1}\n',
            ":1: corrupt record: field 'example_id' must be str, got 1; fix or delete that line",
        ),
    ],
)
def test_read_records_rejects_with_the_line_number(tmp_path, content, message):
    path = tmp_path / "records.jsonl"
    path.write_bytes(content)
    with pytest.raises(HarnessError) as err:
        read_records(path, required=KEYS)
    assert str(err.value) == f"{path}{message}"


def test_check_record_types():
    good = {
        "cell": "c",
        "example_id": "1",
        "task": "t",
        "compressor": "raw",
        "model": "m",
        "correct": True,
        "input_tokens": 3,
        "raw_tokens": 4,
    }
    check_record(good, "here")
    for key, value, shown in (
        ("input_tokens", True, "True"),
        ("correct", 1, "1"),
        ("raw_tokens", 2.0, "2.0"),
        ("model", None, "None"),
    ):
        with pytest.raises(HarnessError) as err:
            check_record({**good, key: value}, "here")
        kind = REQUIRED[key].__name__
        assert (
            str(err.value)
            == f"here: corrupt record: field {key!r} must be {kind}, got {shown}; fix or delete that line"
        )
    with pytest.raises(HarnessError, match="^here: corrupt record: it has no 'task' field"):
        check_record({k: v for k, v in good.items() if k != "task"}, "here")
    check_record({"cell": "c", "example_id": "1"}, "here", KEYS)


def test_duplicates_keep_the_first_and_warn_once(tmp_path, capsys):
    path = tmp_path / "records.jsonl"
    path.write_bytes(line(R1) + line(dict(R1, x="second")) + line(R2) + line(dict(R1, x="third")))
    assert read_records(path, required=KEYS) == [R1, R2]
    err = capsys.readouterr().err
    assert err == (
        f"ltsc-bench: warning: {path}: 2 duplicate record(s) of the same cell and example ignored (each counted once)\n"
    )
    assert read_records(path, required=KEYS) == [R1, R2]
    assert capsys.readouterr().err == ""  # once per process
    assert RecordStore(tmp_path).records == [R1, R2]


def test_unreadable_records_file(tmp_path):
    (tmp_path / "records.jsonl").mkdir()
    with pytest.raises(HarnessError, match="^cannot read records file .*records.jsonl: Is a directory$"):
        read_records(tmp_path / "records.jsonl")


def test_record_schema():
    names = [f.name for f in fields(Record)]
    assert names[:3] == ["cell", "comparison", "example_id"] and names[-2:] == ["scores", "schema_version"]
    assert set(REQUIRED) <= set(names)
    values = {f.name: 0 for f in fields(Record) if f.name not in ("scores", "schema_version")}
    a, b = Record(**values), Record(**values)
    assert a.schema_version == 2 and a.scores == {} and a.scores is not b.scores
    assert a.to_dict() == {**values, "scores": {}, "schema_version": 2}


# -- the run lock -------------------------------------------------------------------------------------------


def test_run_lock_writes_its_pid_and_is_taken_once(tmp_path):
    lock = RunLock(tmp_path)
    assert lock.key == os.path.realpath(tmp_path) and lock.wait is False
    with lock:
        assert holder_pid(tmp_path) == str(os.getpid()) == records.writer_pid(tmp_path)
        assert lockmod._HELD[lock.key].closed is False
        with pytest.raises(HarnessError) as err:
            RunLock(tmp_path).acquire()
        assert str(err.value) == (
            f"output directory {tmp_path} is in use by this process's own run (PID "
            f"{os.getpid()}); pass another --output"
        )
        assert lock.key in lockmod._HELD  # the refused second acquire released nothing
    assert lock.key not in lockmod._HELD and records.writer_pid(tmp_path) is None
    lock.release()  # releasing a lock not held does nothing
    with open(tmp_path / ".lock") as fh:  # free for anyone now
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_run_lock_refuses_or_waits_for_another_holder(tmp_path, capsys):
    (tmp_path / ".lock").write_text("4242\n")
    other = open(tmp_path / ".lock")  # another open file: flock treats it as another holder
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        with pytest.raises(HarnessError) as err:
            RunLock(tmp_path).acquire()
        assert str(err.value) == (
            f"output directory {tmp_path} is in use by another ltsc-bench run (PID 4242); wait "
            "for it to finish, pass --wait to queue behind it, or pass another --output"
        )
        assert os.path.realpath(tmp_path) not in lockmod._HELD
        threading.Timer(0.3, other.close).start()  # the holder finishes
        start = time.monotonic()
        with RunLock(tmp_path, wait=True):
            assert time.monotonic() - start >= 0.2
            assert holder_pid(tmp_path) == str(os.getpid())
        assert capsys.readouterr().err == f"ltsc-bench: waiting for the run in {tmp_path} (PID 4242) to finish\n"
    finally:
        other.close()


def test_holder_pid(tmp_path):
    assert holder_pid(tmp_path) == "?"
    (tmp_path / ".lock").write_text("garbage\n")
    assert holder_pid(tmp_path) == "?"
    (tmp_path / ".lock").write_text(" 17 \n")
    assert holder_pid(tmp_path) == "17"


def test_unwritable_output_directory(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(
        HarnessError, match=f"^cannot write to output directory {missing} .*; pass a writable --output$"
    ):
        RunLock(missing).acquire()


# -- a resumed run: exact record counts --------------------------------------------------------------------

ARGS = [
    "run",
    "--tasks",
    "recall@records=3",
    "--compressors",
    "raw",
    "ltsc",
    "--model",
    "tiny@d_model=32,layers=1,heads=2",
    "--train-steps",
    "4",
    "--train-examples",
    "12",
    "--limit",
    "6",
    "--eval-batch",
    "6",
    "--seed",
    "3",
    "--quiet",
    "--threads",
    "1",
]


def test_resume_writes_exactly_the_missing_records(tmp_path, monkeypatch):
    """2 cells x 6 examples. Cut the file to 8 lines and a torn ninth (a kill mid-write): the rerun evaluates
    exactly the 4 missing examples, and the file ends with exactly 12 lines, the first 8 untouched; a third
    run evaluates nothing and changes no byte."""
    import torch

    from harness.cli import main
    from harness.engine import evaluation

    torch_threads = torch.get_num_threads()  # --threads 1 is restored for the tests after this one
    try:
        _resume(tmp_path, monkeypatch, evaluation, main)
    finally:
        torch.set_num_threads(torch_threads)


def _resume(tmp_path, monkeypatch, evaluation, main):
    out = tmp_path / "run"
    assert main([*ARGS, "--output", str(out)]) == 0
    path = out / "records.jsonl"
    full = path.read_bytes().splitlines(keepends=True)
    assert len(full) == 12
    keys = [(json.loads(x)["cell"], json.loads(x)["example_id"]) for x in full]
    assert len(set(keys)) == 12 and len({c for c, _ in keys}) == 2
    path.write_bytes(b"".join(full[:8]) + full[8][:20])

    evaluated = []
    real = evaluation.evaluate

    def spy(model, task, tokenizer, test, todo, *args, **kwargs):
        evaluated.append([test[i].example.id for i in todo])
        return real(model, task, tokenizer, test, todo, *args, **kwargs)

    monkeypatch.setattr(evaluation, "evaluate", spy)
    assert main([*ARGS, "--output", str(out)]) == 0
    assert len(evaluated) == 1  # the 4 missing examples of the second cell, nothing else
    assert sorted(evaluated[0]) == sorted(eid for _, eid in keys[8:])
    resumed = path.read_bytes()
    lines = resumed.splitlines(keepends=True)
    assert len(lines) == 12 and b"".join(lines[:8]) == b"".join(full[:8])
    assert sorted((json.loads(x)["cell"], json.loads(x)["example_id"]) for x in lines) == sorted(keys)
    assert len(read_records(path)) == 12

    evaluated.clear()
    assert main([*ARGS, "--output", str(out)]) == 0
    assert evaluated == [] and path.read_bytes() == resumed


def test_data_is_in_the_file_before_each_fsync(tmp_path, monkeypatch):
    """fsync makes durable what the OS has: the appended lines (flushed) and the repaired length must be in the
    file when fsync runs, not in a Python buffer."""
    path = tmp_path / "records.jsonl"
    sizes = []
    real = os.fsync

    def spy(fd):
        sizes.append(os.fstat(fd).st_size)
        return real(fd)

    monkeypatch.setattr(records.os, "fsync", spy)
    RecordStore(tmp_path).append([R1, R2])
    assert sizes == [len(line(R1) + line(R2))]
    path.write_bytes(line(R1) + b'{"torn')
    assert read_records(path, repair=True, required=KEYS) == [R1]
    assert sizes == [len(line(R1) + line(R2)), len(line(R1))]  # the repair is fsynced too


def test_a_refused_lock_leaks_no_file(tmp_path):
    other = open(tmp_path / ".lock", "a+")
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        before = len(os.listdir("/proc/self/fd"))
        errors = []  # kept: each traceback keeps acquire's frame (and its file) alive, so only close() frees it
        for _ in range(3):
            with pytest.raises(HarnessError, match="is in use by another ltsc-bench run") as info:
                RunLock(tmp_path).acquire()
            errors.append(info)
        assert len(os.listdir("/proc/self/fd")) == before
    finally:
        other.close()
