"""The local backend: cells in this process, or in ``jobs`` worker processes on this machine.

Workers are spawned (not forked: torch and tokenizers hold threads) and die with their
parent, so a killed run leaves no orphan writing records. Each worker appends its own
records to the run's store (whole lines, under a file lock), batch by batch, and writes its
checkpoint to the run's checkpoint folder: one machine, one filesystem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .base import Backend, Phase


class LocalBackend(Backend):
    """this machine: --jobs cells at a time, in worker processes (the default)"""

    name = "local"
    checks_device = True

    def __enter__(self) -> LocalBackend:
        if self.config.threads:
            set_threads(self.config.threads)
        return self

    def run_cells(self, phase: Phase) -> list[str]:
        workers, threads = self.config.jobs, self.config.threads
        if workers > 1 and phase.jobs and all(job.raw_trained for job in phase.jobs):
            return self._evaluate_in_turn(phase, threads * workers if threads else None)
        return run_cells(phase.jobs, phase.run, workers=workers, threads=threads)

    @staticmethod
    def _evaluate_in_turn(phase: Phase, threads: int | None) -> list[str]:
        """Cells that only evaluate (with the raw-trained model), one at a time in this process with all of the
        run's threads: their slow part is an LLM-scored compressor, which uses every thread it gets, while
        the cheap ones finish in seconds and would leave the other workers' cores idle."""
        from ..models.base import require_torch

        before = require_torch().get_num_threads()
        if threads:
            set_threads(threads)
        try:
            return run_cells(phase.jobs, phase.run)
        finally:
            set_threads(before)


def run_cells(jobs: Sequence, run_one: Callable, workers: int = 1, threads: int | None = None) -> list:
    """``run_one(job)`` for every job (in ``workers`` processes when > 1); returns the results in job order."""
    workers = min(workers, len(jobs))
    if workers <= 1:
        return [run_one(job) for job in jobs]
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    pool = ctx.Pool(workers, initializer=_worker_init, initargs=(threads,))
    try:
        results = pool.map(run_one, list(jobs), chunksize=1)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return results


def _worker_init(threads: int | None) -> None:
    """A worker process: dies with its parent; uses ``threads`` torch threads."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if threads:
        set_threads(threads)


def set_threads(threads: int) -> None:
    from ..models.base import require_torch

    require_torch().set_num_threads(threads)
