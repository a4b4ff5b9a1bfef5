"""The local backend: cells in this process, or in ``jobs`` worker processes on this machine.

Workers are spawned (not forked: torch and tokenizers hold threads) and die with their
parent, so a killed run leaves no orphan writing records. Each worker appends its own
records to the run's store (whole lines, under a file lock), batch by batch, and writes its
checkpoint to the run's checkpoint folder: one machine, one filesystem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class LocalBackend:
    """``run --backend local`` (the default): ``--jobs`` cells at a time on this machine."""

    name = "local"
    options: frozenset[str] = frozenset()
    checks_device = True

    def __init__(self, config):
        self.config = config

    def check(self) -> None:
        """Nothing to check: this machine runs the cells."""

    def __enter__(self) -> LocalBackend:
        if self.config.threads:
            set_threads(self.config.threads)
        return self

    def __exit__(self, *exc) -> None:
        return None

    def run_cells(self, runner, cells: Sequence[tuple[str, str]]) -> list[str]:
        from ..runner import run_cell_job

        jobs = [(runner.config, str(runner.output), t, c, runner.retrain) for t, c in cells]
        workers, threads = self.config.jobs, self.config.threads
        if workers > 1 and cells and all(runner.raw_trained(c) for _, c in cells):
            return self._evaluate_in_turn(jobs, threads * workers if threads else None)
        return run_cells(jobs, run_cell_job, workers=workers, threads=threads)

    @staticmethod
    def _evaluate_in_turn(jobs, threads: int | None) -> list[str]:
        """Cells that only evaluate (with the raw-trained model), one at a time in this process with all of the
        run's threads: their slow part is an LLM-scored compressor, which uses every thread it gets, while
        the cheap ones finish in seconds and would leave the other workers' cores idle."""
        from ..models.base import require_torch
        from ..runner import run_cell_job

        before = require_torch().get_num_threads()
        if threads:
            set_threads(threads)
        try:
            return run_cells(jobs, run_cell_job)
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
