"""The worker side of the ``ray`` backend: one cell in scratch space, its records returned to the driver.

A worker never touches the run's directory. It resumes from the ``(cell, example)`` keys the
driver says are done, loads the checkpoint the driver ships (fetched only when the cell has
something left to evaluate), trains and evaluates in a temporary folder, and returns the
cell's new records and, when it trained, its checkpoint as tar bytes. A retried task (its
worker died) starts again from scratch and returns a whole result; the driver writes each
cell's result once. The next task on that machine removes a dead worker's scratch folder.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from ..core.errors import HarnessError
from ..engine import checkpoints

#: prefix of a task's scratch folder (``ltsc-cell-<worker PID>-<random>`` in the worker's temporary directory)
SCRATCH = "ltsc-cell-"


def ltsc_cell(job, run_detached, done: list, shipped: list) -> dict:
    """The Ray task of one cell (its worker's title is ``ray::ltsc_cell``): ``{"cell", "records", "checkpoint"}``,
    ``checkpoint`` being ``(train id, tar bytes)`` when this task trained one, else None. ``run_detached`` is the
    runner's function that runs a job in scratch space (:class:`~harness.backends.base.Phase`); ``shipped`` is
    ``[ref, driver path]`` of the checkpoint the driver holds for this cell, or ``[]``."""
    if job.config.threads:
        from .local import set_threads

        set_threads(job.config.threads)
    sweep()
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH}{os.getpid()}-") as scratch:
        result = run_detached(job, scratch, done, _fetcher(shipped))
        trained = result.pop("trained")
        result["checkpoint"] = (trained[0], pack(Path(trained[1]))) if trained else None
        return result


def _fetcher(shipped: list):
    """How the worker gets the driver's checkpoint of its cell: ``fetch(path) -> the driver's name for it``."""
    if not shipped:
        return None

    def fetch(path: Path) -> str:
        import ray

        ref, origin = shipped
        unpack(ray.get(ref), path)
        return origin

    return fetch


def sweep() -> None:
    """Remove the scratch folders of killed workers (``ltsc-cell-<PID>-*`` whose process is gone)."""
    for path in Path(tempfile.gettempdir()).glob(f"{SCRATCH}*-*"):
        pid = path.name[len(SCRATCH) :].split("-")[0]
        if pid.isdigit() and not checkpoints.pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def pack(directory: Path) -> bytes:
    """A checkpoint folder as uncompressed tar bytes (weights barely compress)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(str(directory), arcname=".")
    return buf.getvalue()


def unpack(data: bytes, directory: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(str(directory), filter="data")


def install(data: bytes, directory: Path) -> None:
    """Write a checkpoint a worker trained into ``directory`` (on the driver) atomically, as
    :func:`harness.checkpoints.save` does."""
    directory = Path(directory)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        checkpoints.write_atomically(directory, lambda tmp: unpack(data, tmp))
    except OSError as exc:
        raise HarnessError(
            f"cannot write checkpoint {directory} ({exc.strerror or exc}); free space and rerun the "
            "same command to resume, or pass another --checkpoint-dir"
        ) from None
