"""Issue 12, findings 1, 2 and 6: one writer per output directory, checkpoint errors and --retrain at the
command line, and runs on a read-only or full disk.

Probes: two or three runs into one directory all exited 0 and records.jsonl held 80-120 lines instead of 40
(the leaderboard said n = 40 or 60 instead of 20); opening the store cut the file back to its last newline,
which could cut a record another process was writing; a completed run on a read-only mount and a full disk
ended in tracebacks (and an orphan <cell>.tmp<PID>).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from harness.core.errors import HarnessError
from harness.results import lock, records
from harness.results.records import RecordStore, RunLock, read_records

# one cell x 6 test examples: seconds on 2 shared cores (most of it is starting Python and torch)
ARGS = [
    "--tasks",
    "recall@records=3",
    "--compressors",
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
]
EXPECTED = 6


def command(output: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "harness", "run", *ARGS, "--output", str(output), *extra]


def run_cli(output: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(output, *extra), capture_output=True, text=True, timeout=300, cwd=ROOT)


def lines(output: Path) -> list[dict]:
    """Every line of records.jsonl, duplicates included (read_records would hide them)."""
    return [json.loads(line) for line in (output / "records.jsonl").read_text().splitlines()]


def one_line(err: str) -> str:
    err_lines = err.strip().splitlines()
    assert len(err_lines) == 1 and "Traceback" not in err, err
    return err_lines[0]


@pytest.fixture(scope="module")
def completed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("completed") / "run"
    proc = run_cli(out)
    assert proc.returncode == 0, proc.stderr
    assert len(lines(out)) == EXPECTED
    return out


# -- finding 1: one writer per directory -----------------------------------------------------------
def test_a_second_run_refuses_at_once_naming_the_holder(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    with RunLock(out):  # this test process is "the first run"
        start = time.monotonic()
        proc = run_cli(out)
    err = one_line(proc.stderr.replace(f"ltsc-bench run: output in {out}\n", ""))
    assert proc.returncode == 2 and f"PID {os.getpid()}" in err and "--wait" in err
    assert not (out / "records.jsonl").exists() and not (out / "checkpoints").exists()
    assert time.monotonic() - start < 60  # refused after validation, without training anything


def wait_for(path: Path, needle: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and needle in path.read_text():
            return
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared in {path}: {path.read_text() if path.exists() else ''}")


def test_wait_queues_behind_the_holder(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    log = tmp_path / "stderr"
    lock = RunLock(out)
    lock.acquire()
    try:
        with open(log, "w") as err:
            proc = subprocess.Popen(command(out, "--wait"), stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        wait_for(log, f"waiting for the run in {out} (PID {os.getpid()})", proc)
        time.sleep(0.5)
        assert proc.poll() is None and not (out / "records.jsonl").exists()  # blocked, nothing written
    finally:
        lock.release()
    assert proc.wait(timeout=300) == 0, log.read_text()
    assert len(lines(out)) == EXPECTED


def test_concurrent_runs_into_one_directory_never_duplicate(tmp_path):
    """Three runs started together (one with --wait): whoever loses refuses naming the winner's PID, the
    waiting one finishes after it, and records.jsonl holds each record exactly once."""
    out = tmp_path / "run"
    procs = []
    for i, extra in enumerate(([], [], ["--wait"])):
        err = open(tmp_path / f"err{i}", "w")
        procs.append((subprocess.Popen(command(out, *extra), stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT), err))
    codes = {}
    for proc, err in procs:
        codes[proc.pid] = proc.wait(timeout=600)
        err.close()
    errs = {proc.pid: (tmp_path / f"err{i}").read_text() for i, (proc, _) in enumerate(procs)}
    assert codes[procs[2][0].pid] == 0, errs  # --wait always gets its turn
    for pid, code in codes.items():
        assert code in (0, 2), errs[pid]
        if code == 2:
            assert "is in use by another ltsc-bench run" in errs[pid]
            holder = int(errs[pid].split("(PID ")[1].split(")")[0])
            assert codes.get(holder) == 0 and holder != pid
    got = lines(out)
    assert len(got) == EXPECTED and len({(r["cell"], r["example_id"]) for r in got}) == EXPECTED
    rows = json.loads((out / "leaderboard.json").read_text())
    assert [r["n"] for r in rows] == [EXPECTED]


def test_workers_append_under_their_parents_lock(tmp_path):
    """A worker process (spawned by the local backend) appends while its parent holds the run lock."""
    with RunLock(tmp_path):
        code = (
            "import sys; from harness.records import RecordStore; "
            "RecordStore(sys.argv[1]).append([{'cell': 'c', 'example_id': 'w'}])"
        )
        subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, cwd=ROOT, timeout=120)
    assert [r["example_id"] for r in read_records(tmp_path / "records.jsonl", required=records.KEYS)] == ["w"]


def test_the_lock_is_taken_once_and_released(tmp_path):
    with RunLock(tmp_path):
        with pytest.raises(HarnessError, match="in use by this process's own run"):
            RunLock(tmp_path).acquire()  # no re-entry: evaluate() takes it once for the whole run
        assert records.holder_pid(tmp_path) == str(os.getpid())
        assert str(Path(os.path.realpath(tmp_path))) in lock._HELD
    assert lock._HELD == {}
    with open(tmp_path / records.LOCK_FILE) as fh:  # free: another process could take it now
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_readers_count_duplicates_once_and_say_so(completed, tmp_path, capsys):
    from harness.cli import main

    out = tmp_path / "dup"
    shutil.copytree(completed, out)
    text = (out / "records.jsonl").read_text()
    (out / "records.jsonl").write_text(text + text.splitlines(keepends=True)[0] + text.splitlines(keepends=True)[3])
    assert len(lines(out)) == EXPECTED + 2
    assert len(read_records(out / "records.jsonl")) == EXPECTED
    warning = capsys.readouterr().err
    assert "2 duplicate record(s)" in one_line(warning)
    assert main(["leaderboard", str(out), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["n"] for r in rows] == [EXPECTED]


def test_opening_the_store_never_cuts_the_file(tmp_path):
    path = tmp_path / "records.jsonl"
    torn = b'{"cell": "a", "example_id": "1"}\n{"cell": "a", "exa'
    path.write_bytes(torn)
    store = RecordStore(tmp_path)  # a reader: another process may be in the middle of that write
    assert path.read_bytes() == torn and [r["example_id"] for r in store.records] == ["1"]
    store.append([{"cell": "a", "example_id": "2"}])  # the writer, under the lock, cuts the torn tail
    assert path.read_bytes() == b'{"cell": "a", "example_id": "1"}\n{"cell": "a", "example_id": "2"}\n'


def test_append_takes_the_exclusive_lock_and_fsyncs(tmp_path, monkeypatch):
    events = []
    real_flock, real_fsync = fcntl.flock, os.fsync

    def flock(fh, op):
        events.append(("flock", op))
        return real_flock(fh, op)

    def fsync(fd):
        events.append(("fsync", os.path.realpath(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else fd))
        return real_fsync(fd)

    monkeypatch.setattr(records.fcntl, "flock", flock)
    monkeypatch.setattr(records.os, "fsync", fsync)
    RecordStore(tmp_path).append([{"cell": "a", "example_id": "1"}])
    assert [e[0] for e in events] == ["flock", "fsync", "flock"]
    assert events[0][1] == fcntl.LOCK_EX and events[2][1] == fcntl.LOCK_UN
    if os.path.exists("/proc/self/fd"):
        assert events[1][1] == os.path.realpath(tmp_path / "records.jsonl")


def test_a_full_disk_while_appending_is_one_line_and_keeps_what_was_written(tmp_path, monkeypatch):
    store = RecordStore(tmp_path)
    store.append([{"cell": "a", "example_id": "1"}])

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(records.os, "fsync", full)
    with pytest.raises(HarnessError) as err:
        store.append([{"cell": "a", "example_id": "2"}])
    assert "the disk is full" in str(err.value) and "\n" not in str(err.value)
    monkeypatch.undo()
    assert [r["example_id"] for r in read_records(tmp_path / "records.jsonl", required=records.KEYS)][0] == "1"


def test_os_errors_reach_the_user_as_one_line(monkeypatch, capsys):
    from harness.cli import leaderboard_cmd, main

    def read_only(args):
        raise OSError(errno.EROFS, "Read-only file system", "runs/x/leaderboard.md")

    monkeypatch.setattr(leaderboard_cmd, "run", read_only)
    assert main(["leaderboard", "runs/x"]) == 2
    assert one_line(capsys.readouterr().err) == "ltsc-bench: error: runs/x/leaderboard.md: the file system is read-only"


# -- finding 2 at the command line: a corrupt checkpoint, then --retrain ------------------------------
def test_a_corrupt_checkpoint_stops_the_run_and_retrain_replaces_it(completed, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(completed, out)
    (out / "records.jsonl").unlink()  # so the cells need their checkpoints again
    ckpt = sorted((out / "checkpoints").iterdir())[0]
    weights = ckpt / "weights.pt"
    data = bytearray(weights.read_bytes())
    data[2000:2256] = bytes(256)
    weights.write_bytes(bytes(data))
    proc = run_cli(out)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()[-1]
    assert f"delete {ckpt}" in err and "--retrain" in err and "Traceback" not in proc.stderr
    assert not (out / "records.jsonl").exists()  # never evaluated with the corrupt model
    proc = run_cli(out, "--retrain")
    assert proc.returncode == 0, proc.stderr
    assert sorted(r["prediction"] for r in lines(out)) == sorted(r["prediction"] for r in lines(completed))
    assert len(lines(out)) == EXPECTED
    assert weights.read_bytes() == (completed / "checkpoints" / ckpt.name / "weights.pt").read_bytes()


# -- finding 6: a read-only output directory and a full disk, for real when this machine can mount -----
def namespace_shell(script: str) -> subprocess.CompletedProcess | None:
    """``script`` in a private mount namespace (``unshare -rm``), or None where that is not allowed."""
    if not shutil.which("unshare"):
        return None
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt 2>/dev/null || mount -t tmpfs tmpfs /tmp"],
        capture_output=True,
    )
    if probe.returncode != 0:
        return None
    return subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_a_completed_run_on_a_read_only_directory_is_one_line(completed, tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    run = " ".join(f"'{a}'" for a in command(mnt / "run"))
    proc = namespace_shell(
        f"mount -t tmpfs -o size=16m tmpfs {mnt} && cp -r {completed} {mnt}/run && "
        f"mount -o remount,ro {mnt} && {run}; echo rc=$?; wc -l < {mnt}/run/records.jsonl"
    )
    if proc is None:
        pytest.skip("no private mount namespace here (unshare -rm); the OSError path is tested above")
    out = proc.stdout.strip().splitlines()
    assert out[-2] == "rc=2" and out[-1].strip() == str(EXPECTED)  # refused; no record lost
    err = one_line(proc.stderr.replace(f"ltsc-bench run: output in {mnt / 'run'}\n", ""))
    assert "cannot write to output directory" in err and "ltsc-bench leaderboard" in err


def test_a_full_disk_is_one_line_and_leaves_no_temporary_directory(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    run = " ".join(f"'{a}'" for a in command(mnt / "run"))
    proc = namespace_shell(
        f"mount -t tmpfs -o size=40k tmpfs {mnt} && {run}; echo rc=$?; "
        f"ls -a {mnt}/run/checkpoints 2>/dev/null | grep -c tmp"
    )
    if proc is None:
        pytest.skip(
            "no private mount namespace here (unshare -rm); a full disk is simulated in test_hardening_checkpoints"
        )
    out = proc.stdout.strip().splitlines()
    assert out[-2] == "rc=2" and out[-1] == "0", proc.stdout  # no <cell>.tmp<PID> left
    err = proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr and ("disk is full" in err or "bytes free" in err), proc.stderr
