"""The ray backend: each cell is a Ray task on a cluster, and only this process (the driver) writes.

Each cell runs as one task (:func:`~harness.backends.ray_worker.ltsc_cell`) reserving
``--cpus-per-cell`` CPUs and ``--gpus-per-cell`` GPUs. It gets the example ids already in
``records.jsonl`` and, when one exists, the cell's checkpoint from the driver, and returns the
cell's new records and any checkpoint it trained: no filesystem is shared. The driver writes
each result as its task finishes (``ray.wait``): checkpoint first, then records through the
run's :class:`~harness.records.RecordStore` (skipping any key already present). A task whose
worker dies is retried by Ray (``max_retries``) and recomputes the cell; its result is written
once, so nothing is duplicated. A killed driver loses only the cells in flight: a rerun skips
every example already written and reuses every checkpoint.
"""

from __future__ import annotations

import math
from dataclasses import replace

from .. import checkpoints
from ..errors import HarnessError, first_line
from ..progress import log
from . import BACKEND_OPTIONS

#: times Ray reruns a cell whose worker died (a process killed, a node lost) before the run fails
MAX_RETRIES = 3
#: this process joined (or started) Ray in :meth:`RayBackend.check`, before any output: the run's backend then owns
#: that connection and shuts it down when the grid is done
_joined_by_check = False


def require_ray():
    try:
        import ray
    except ImportError:
        raise HarnessError("--backend ray needs Ray, which is not installed: pip install 'ltsc-bench[ray]' "
                           "(or leave out --backend to run on this machine)") from None
    return ray


class RayBackend:
    """``run --backend ray [--ray-address ADDR]``: one Ray task per cell."""

    name = "ray"
    options = frozenset(BACKEND_OPTIONS)
    checks_device = False  # each worker resolves --device on its own node

    def __init__(self, config):
        self.config = config
        self._connected = False

    def check(self) -> None:
        """Ray is installed, ``--ray-address`` answers and is joined (or a local instance started), and some node
        has room for a cell: all before any output is written (the address's syntax is checked even earlier, by
        :func:`harness.config.ray_address`)."""
        global _joined_by_check
        ray = require_ray()
        if self.config.ray_address:
            probe(self.config.ray_address)
        if not ray.is_initialized():
            connect(ray, self.config)
            _joined_by_check = True
        fits(ray, self.config)

    def __enter__(self) -> RayBackend:
        global _joined_by_check
        ray = require_ray()
        if not ray.is_initialized():  # a caller that joined a cluster itself keeps its connection
            connect(ray, self.config)
            self._connected = True
        elif _joined_by_check:  # joined while checking the options: ours to shut down
            self._connected = True
        _joined_by_check = False
        fits(ray, self.config)
        return self

    def __exit__(self, *exc) -> None:
        if self._connected:
            require_ray().shutdown()
            self._connected = False

    def run_cells(self, runner, cells) -> list[str]:
        """Submit every cell, then write each result as its task finishes; returns the cell ids in grid order."""
        from .ray_worker import ltsc_cell

        ray, cfg = require_ray(), self.config
        task = ray.remote(ltsc_cell).options(num_cpus=cfg.cpus_per_cell or 1, num_gpus=cfg.gpus_per_cell or 0,
                                             max_retries=MAX_RETRIES, retry_exceptions=False)
        done = done_by_cell(runner.store.records)
        config, shipped, pending = replace(cfg, progress=False), {}, {}
        for task_spec, compressor_spec in cells:
            cell = runner.cell(task_spec, compressor_spec)
            keys = [(cell.id, example) for example in done.get(cell.id, ())]
            ref = task.remote(config, task_spec, compressor_spec, runner.retrain, keys, ship(ray, runner, cell, shipped))
            pending[ref] = cell
        order = [cell.id for cell in pending.values()]
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                cell = pending.pop(ready[0])
                land(runner, cell, fetch(ray, ready[0], cell))
        finally:
            for ref in pending:  # a failed cell stops the run: nothing else is left running for it
                ray.cancel(ref, force=True)
        return order


def connect(ray, config) -> None:
    """Join ``--ray-address``, or start a local Ray instance with CPUs for ``--jobs`` cells."""
    if config.ray_address:
        kwargs, where = {"address": config.ray_address}, f"the Ray cluster at {config.ray_address}"
    else:
        cpus = max(1, math.ceil(config.jobs * (config.cpus_per_cell or 1)))
        kwargs, where = {"num_cpus": cpus, "include_dashboard": False}, "a local Ray instance"
    try:
        ray.init(logging_level="WARNING", **kwargs)
    except (ConnectionError, RuntimeError, ValueError, ray.exceptions.RayError) as exc:
        raise HarnessError(f"cannot start or join {where}: {first_line(exc)}; start one with `ray start --head` "
                           "and pass its address as --ray-address (see README, Running on a Ray cluster)") from None


def fits(ray, config) -> None:
    """Some node of the cluster has room for one cell (Ray would otherwise leave the tasks pending for ever)."""
    need = {"CPU": config.cpus_per_cell or 1, "GPU": config.gpus_per_cell or 0}
    nodes = [n.get("Resources", {}) for n in ray.nodes() if n.get("Alive")]
    if not any(all(node.get(k, 0) >= v for k, v in need.items()) for node in nodes):
        largest = max(((n.get("CPU", 0), n.get("GPU", 0)) for n in nodes), default=(0, 0))
        raise HarnessError(f"no node of the Ray cluster has {need['CPU']:g} CPUs and {need['GPU']:g} GPUs for a cell "
                           f"(the largest has {largest[0]:g} CPUs, {largest[1]:g} GPUs); lower --cpus-per-cell or "
                           "--gpus-per-cell, or add a node that has them")


def probe(address: str, timeout: float = 10.0) -> None:
    """Fail at once on a ``host:port`` nobody listens on (Ray itself retries such an address for many minutes)."""
    import socket

    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:  # "auto", ray:// client addresses: Ray's own checks
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise HarnessError(f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); start it with "
                           "`ray start --head` (its output names the address) or fix --ray-address") from None


def done_by_cell(records: list[dict]) -> dict[str, list[str]]:
    """Example ids already written, per cell id (what each task skips)."""
    out: dict[str, list[str]] = {}
    for rec in records:
        out.setdefault(rec["cell"], []).append(rec["example_id"])
    return out


def ship(ray, runner, cell, cache: dict) -> list:
    """``[ref, path]`` of the checkpoint this cell loads, put in the object store once per phase; ``[]`` when
    there is none, or when ``--retrain`` retrains it."""
    from .ray_worker import pack

    path = runner.checkpoint_path(cell.train_id)
    if (runner.retrain and not cell.raw_trained) or not checkpoints.exists(path):
        return []
    if cell.train_id not in cache:
        try:
            cache[cell.train_id] = ray.put(pack(path))
        except OSError as exc:
            raise HarnessError(f"cannot read checkpoint {path} ({exc.strerror or exc}); delete it (or pass "
                               "--retrain) to retrain that cell") from None
    return [cache[cell.train_id], str(path)]


def fetch(ray, ref, cell) -> dict:
    """The result of a finished task; a failure is one line naming the cell."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:  # the cell itself raised: not retried, the same input fails again
        if isinstance(exc.cause, HarnessError):
            raise HarnessError(f"{cell.label}: {exc.cause}") from None
        raise
    except ray.exceptions.RayError as exc:  # its worker or node died more than MAX_RETRIES times
        raise HarnessError(f"{cell.label}: its Ray task failed after {MAX_RETRIES} retries ({first_line(exc)}); "
                           "the records of finished cells are kept: rerun the same command to resume") from None


def land(runner, cell, result: dict) -> None:
    """Write a cell's result: its checkpoint (when it trained one), then its records (each key once)."""
    from .ray_worker import install

    if result["checkpoint"] is not None:
        train_id, data = result["checkpoint"]
        install(data, runner.checkpoint_path(train_id))
    before = len(runner.store.records)
    runner.store.append(result["records"])
    written = len(runner.store.records) - before
    log(f"[ray]   {cell.label}: {written} records written" if written else f"[ray]   {cell.label}: nothing left to do")
