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

from .. import checkpoints
from ..errors import HarnessError
from ..runner import Runner

#: prefix of a task's scratch folder (``ltsc-cell-<worker PID>-<random>`` in the worker's temporary directory)
SCRATCH = "ltsc-cell-"


def ltsc_cell(config, task_spec: str, compressor_spec: str, retrain: bool, done: list, shipped: list) -> dict:
    """The Ray task of one cell (its worker's title is ``ray::ltsc_cell``): ``{"cell", "records", "checkpoint"}``,
    ``checkpoint`` being ``(train id, tar bytes)`` when this task trained one, else None."""
    if config.threads:
        from .local import set_threads

        set_threads(config.threads)
    sweep()
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH}{os.getpid()}-") as scratch:
        runner = CellRunner(config, scratch, retrain, done, shipped)
        cell_id = runner.run_cell(task_spec, compressor_spec)
        return {"cell": cell_id, "records": runner.store.records, "checkpoint": runner.trained}


def sweep() -> None:
    """Remove the scratch folders of killed workers (``ltsc-cell-<PID>-*`` whose process is gone)."""
    for path in Path(tempfile.gettempdir()).glob(f"{SCRATCH}*-*"):
        pid = path.name[len(SCRATCH):].split("-")[0]
        if pid.isdigit() and not checkpoints.pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


class Collector:
    """The record store of a cell on a worker: ``done`` keys from the driver, new records kept in memory."""

    def __init__(self, done):
        self._done = {tuple(key) for key in done}
        self.records: list[dict] = []

    def done(self, cell: str, example_id: str) -> bool:
        return (cell, example_id) in self._done

    def append(self, records: list[dict]) -> None:
        for rec in records:
            key = (rec["cell"], rec["example_id"])
            if key not in self._done:
                self._done.add(key)
                self.records.append(rec)


class CellRunner(Runner):
    """A :class:`Runner` whose records and checkpoints stay in ``scratch``; ``shipped``: ``[ref, driver path]``
    of the checkpoint the driver holds for this cell, or ``[]``."""

    def __init__(self, config, scratch: str, retrain: bool, done: list, shipped: list):
        super().__init__(config, scratch, validate=False, retrain=retrain, store=Collector(done),
                         checkpoint_root=Path(scratch) / checkpoints.CHECKPOINTS)
        self.shipped = shipped
        self.trained: tuple[str, bytes] | None = None

    def train_or_load(self, cell, parts) -> dict:
        path = self.checkpoint_path(cell.train_id)
        if not self.shipped:
            summary = super().train_or_load(cell, parts)
            self.trained = (cell.train_id, pack(path))
            return summary
        import ray

        ref, origin = self.shipped
        unpack(ray.get(ref), path)
        try:
            return super().train_or_load(cell, parts)
        except HarnessError as exc:  # name the driver's folder, not this scratch copy
            raise HarnessError(str(exc).replace(str(path), origin)) from None


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
        raise HarnessError(f"cannot write checkpoint {directory} ({exc.strerror or exc}); free space and rerun the "
                           "same command to resume, or pass another --checkpoint-dir") from None
