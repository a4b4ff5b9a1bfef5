"""The writer lock of a run directory: one run writes it at a time.

:class:`RunLock` makes one run the only writer of its directory (``DIR/.lock``, holding its PID):
a second run refuses at once, naming the holder, or waits (``--wait``). :func:`harness.evaluate`
takes it once for the whole run; the worker processes of a run append under their parent's lock.
:func:`writer_pid` tells a reader (``publish``) whether a run is still writing, without locking.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path
from typing import TextIO

from ..core.errors import HarnessError

LOCK_FILE = ".lock"
#: locks this process holds: resolved directory -> open lock file (a run takes it once, in :func:`harness.evaluate`)
_HELD: dict[str, TextIO] = {}


class RunLock:
    """The exclusive writer lock of an output directory (``DIR/.lock``, an ``flock`` holding the PID).

    Held for a whole run; released when the run ends or its process dies (SIGKILL included: the
    kernel drops the lock, the stale PID in the file means nothing). Taken once: a second acquire in the
    same process is refused like another run's. ``wait``: block until the holder is done instead of refusing.
    """

    def __init__(self, directory: Path, wait: bool = False):
        self.directory, self.wait = Path(directory), wait
        self.key = os.path.realpath(self.directory)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def acquire(self) -> None:
        if self.key in _HELD:
            raise HarnessError(
                f"output directory {self.directory} is in use by this process's own run (PID "
                f"{os.getpid()}); pass another --output"
            )
        path = self.directory / LOCK_FILE
        try:
            fh = open(path, "a+")
        except OSError as exc:
            raise HarnessError(
                f"cannot write to output directory {self.directory} ({exc.strerror}); the records in it "
                f"stay readable with `ltsc-bench leaderboard {self.directory}`; pass a writable --output"
            ) from None
        try:
            self._lock(fh)
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
        except BaseException:
            fh.close()
            raise
        _HELD[self.key] = fh

    def _lock(self, fh) -> None:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = holder_pid(self.directory)
        if not self.wait:
            raise HarnessError(
                f"output directory {self.directory} is in use by another ltsc-bench run (PID {holder}); "
                "wait for it to finish, pass --wait to queue behind it, or pass another --output"
            )
        print(
            f"ltsc-bench: waiting for the run in {self.directory} (PID {holder}) to finish", file=sys.stderr, flush=True
        )
        fcntl.flock(fh, fcntl.LOCK_EX)

    def release(self) -> None:
        held = _HELD.pop(self.key, None)
        if held is not None:
            held.close()  # closing drops the flock


def writer_pid(directory: Path) -> str | None:
    """The PID of the run holding ``directory``'s lock, or None when no run holds it. Only looks: never creates
    the lock file or takes the lock for longer than the test."""
    if os.path.realpath(directory) in _HELD:
        return str(os.getpid())
    try:
        fh = open(Path(directory) / LOCK_FILE)
    except OSError:
        return None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return holder_pid(directory)
        except OSError:
            return None
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None


def holder_pid(directory: Path) -> str:
    """The PID written by the run holding ``directory``'s lock ("?" when unreadable)."""
    try:
        text = (Path(directory) / LOCK_FILE).read_text().strip()
    except OSError:
        return "?"
    return text if text.isdigit() else "?"
