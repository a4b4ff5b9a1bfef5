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
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..core.errors import HarnessError, first_line
from ..core.progress import log
from ..core.validate import number, text
from ..engine import checkpoints
from .base import Backend, Phase

if TYPE_CHECKING:
    from ..engine.cells import Cell

#: times Ray reruns a cell whose worker died (a process killed, a node lost) before the run fails
MAX_RETRIES = 3
#: this process joined (or started) Ray in :meth:`RayBackend.check`, before any output: the run's backend then owns
#: that connection and shuts it down when the grid is done
_joined_by_check = False


def require_ray():
    try:
        import ray
    except ImportError:
        raise HarnessError(
            "--backend ray needs Ray, which is not installed: pip install 'ltsc-bench[ray]' "
            "(or leave out --backend to run on this machine)"
        ) from None
    return ray


#: ``--ray-address``: HOST:PORT (what ``ray start --head`` prints), SCHEME://HOST[:PORT] (``ray://`` clients), auto, local
_RAY_ADDRESS = re.compile(
    r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(?P<port>[0-9]{1,5}))?"
)


def ray_address(value) -> str:
    """A syntactically valid ``--ray-address`` (checked before Ray is imported or anything is written)."""
    text("--ray-address", value)
    if value in ("auto", "local"):
        return value
    m = _RAY_ADDRESS.fullmatch(value)
    if (
        not m
        or (m["scheme"] is None and m["port"] is None)
        or (m["port"] is not None and not 0 < int(m["port"]) < 65536)
    ):
        raise HarnessError(
            f"--ray-address {value!r} is not a Ray address; pass HOST:PORT (the address `ray start --head` "
            "prints, e.g. 10.0.0.1:6379), ray://HOST:PORT or auto"
        )
    return value


@dataclass(frozen=True)
class RayOptions:
    """The ray backend's own options (``--ray-address``, ``--cpus-per-cell``, ``--gpus-per-cell``)."""

    #: the cluster to join (None: a local Ray instance sized for ``--jobs`` cells)
    address: str | None = field(
        default=None,
        metadata=dict(
            flag="--ray-address",
            metavar="ADDR",
            help="join this Ray cluster (HOST:PORT, ray://HOST:PORT or auto); "
            "default: a local Ray instance for --jobs cells",
        ),
    )
    #: the CPUs and GPUs each cell's task reserves (None: 1 CPU, no GPU)
    cpus_per_cell: float | None = field(
        default=None,
        metadata=dict(
            flag="--cpus-per-cell", type=float, metavar="N", help="CPUs each cell's Ray task reserves (default 1)"
        ),
    )
    gpus_per_cell: float | None = field(
        default=None,
        metadata=dict(
            flag="--gpus-per-cell", type=float, metavar="N", help="GPUs each cell's Ray task reserves (default 0)"
        ),
    )

    def __post_init__(self):
        if self.address is not None:
            ray_address(self.address)
        if self.cpus_per_cell is not None:
            number("--cpus-per-cell", self.cpus_per_cell, 0, low_open=True)
        if self.gpus_per_cell is not None:
            number("--gpus-per-cell", self.gpus_per_cell, 0)


class RayBackend(Backend):
    """a Ray cluster (--ray-address, or a local instance): one Ray task per cell; only this process writes"""

    name = "ray"
    Options = RayOptions
    checks_device = False  # each worker resolves --device on its own node
    options: RayOptions

    def __init__(self, config, options=None):
        super().__init__(config, options)
        self._connected = False

    def check(self) -> None:
        """Ray is installed, ``--ray-address`` answers and is joined (or a local instance started), and some node
        has room for a cell: all before any output is written (the address's syntax is checked even earlier, when
        the options are made)."""
        global _joined_by_check
        ray = require_ray()
        if self.options.address:
            probe(self.options.address)
        if not ray.is_initialized():
            connect(ray, self.config, self.options)
            _joined_by_check = True
        fits(ray, self.options)

    def __enter__(self) -> RayBackend:
        global _joined_by_check
        ray = require_ray()
        if not ray.is_initialized():  # a caller that joined a cluster itself keeps its connection
            connect(ray, self.config, self.options)
            self._connected = True
        elif _joined_by_check:  # joined while checking the options: ours to shut down
            self._connected = True
        _joined_by_check = False
        fits(ray, self.options)
        return self

    def __exit__(self, *exc) -> None:
        if self._connected:
            require_ray().shutdown()
            self._connected = False

    def run_cells(self, phase: Phase) -> list[str]:
        """Submit every cell, then write each result as its task finishes; returns the cell ids in grid order."""
        from .ray_worker import ltsc_cell

        ray, opts = require_ray(), self.options
        task = ray.remote(ltsc_cell).options(
            num_cpus=opts.cpus_per_cell or 1,
            num_gpus=opts.gpus_per_cell or 0,
            max_retries=MAX_RETRIES,
            retry_exceptions=False,
        )
        done = done_by_cell(phase.records)
        shipped: dict[str, Any] = {}  # train id -> the object-store ref of its packed checkpoint
        pending: dict[Any, Cell] = {}  # task ref -> its cell
        for job in phase.jobs:
            cell = phase.plan(job)
            keys = [(cell.id, example) for example in done.get(cell.id, ())]
            quiet = replace(job, config=replace(job.config, progress=False))
            ref = task.remote(quiet, phase.run_detached, keys, ship(ray, phase, job, cell, shipped))
            pending[ref] = cell
        order = [cell.id for cell in pending.values()]
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                cell = pending.pop(ready[0])
                land(phase, cell, fetch(ray, ready[0], cell))
        finally:
            for ref in pending:  # a failed cell stops the run: nothing else is left running for it
                ray.cancel(ref, force=True)
        return order


def connect(ray, config, options: RayOptions) -> None:
    """Join ``--ray-address``, or start a local Ray instance with CPUs for ``--jobs`` cells."""
    if options.address:
        kwargs: dict[str, object] = {"address": options.address}
        where = f"the Ray cluster at {options.address}"
    else:
        cpus = max(1, math.ceil(config.jobs * (options.cpus_per_cell or 1)))
        kwargs, where = {"num_cpus": cpus, "include_dashboard": False}, "a local Ray instance"
    try:
        ray.init(logging_level="WARNING", **kwargs)
    except (ConnectionError, RuntimeError, ValueError, ray.exceptions.RayError) as exc:
        raise HarnessError(
            f"cannot start or join {where}: {first_line(exc)}; start one with `ray start --head` "
            "and pass its address as --ray-address (see docs/running.md, 'Running on a Ray cluster')"
        ) from None


def fits(ray, options: RayOptions) -> None:
    """Some node of the cluster has room for one cell (Ray would otherwise leave the tasks pending for ever)."""
    need = {"CPU": options.cpus_per_cell or 1, "GPU": options.gpus_per_cell or 0}
    nodes = [n.get("Resources", {}) for n in ray.nodes() if n.get("Alive")]
    if not any(all(node.get(k, 0) >= v for k, v in need.items()) for node in nodes):
        largest = max(((n.get("CPU", 0), n.get("GPU", 0)) for n in nodes), default=(0, 0))
        raise HarnessError(
            f"no node of the Ray cluster has {need['CPU']:g} CPUs and {need['GPU']:g} GPUs for a cell "
            f"(the largest has {largest[0]:g} CPUs, {largest[1]:g} GPUs); lower --cpus-per-cell or "
            "--gpus-per-cell, or add a node that has them"
        )


def probe(address: str, timeout: float = 10.0) -> None:
    """Fail at once on a ``host:port`` nobody listens on (Ray itself retries such an address for many minutes)."""
    import socket

    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:  # "auto", ray:// client addresses: Ray's own checks
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise HarnessError(
            f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); start it with "
            "`ray start --head` (its output names the address) or fix --ray-address"
        ) from None


def done_by_cell(records: list[dict]) -> dict[str, list[str]]:
    """Example ids already written, per cell id (what each task skips)."""
    out: dict[str, list[str]] = {}
    for rec in records:
        out.setdefault(rec["cell"], []).append(rec["example_id"])
    return out


def ship(ray, phase: Phase, job, cell, cache: dict) -> list:
    """``[ref, path]`` of the checkpoint this cell loads, put in the object store once per phase; ``[]`` when
    there is none, or when ``--retrain`` retrains it."""
    from .ray_worker import pack

    path = phase.checkpoint_path(cell.train_id)
    if (job.retrain and not cell.raw_trained) or not checkpoints.exists(path):
        return []
    if cell.train_id not in cache:
        try:
            cache[cell.train_id] = ray.put(pack(path))
        except OSError as exc:
            raise HarnessError(
                f"cannot read checkpoint {path} ({exc.strerror or exc}); delete it (or pass "
                "--retrain) to retrain that cell"
            ) from None
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
        raise HarnessError(
            f"{cell.label}: its Ray task failed after {MAX_RETRIES} retries ({first_line(exc)}); "
            "the records of finished cells are kept: rerun the same command to resume"
        ) from None


def land(phase: Phase, cell, result: dict) -> None:
    """Write a cell's result: its checkpoint (when it trained one), then its records (each key once)."""
    from .ray_worker import install

    if result["checkpoint"] is not None:
        train_id, data = result["checkpoint"]
        install(data, phase.checkpoint_path(train_id))
    before = len(phase.records)
    phase.append(result["records"])
    written = len(phase.records) - before
    log(f"[ray]   {cell.label}: {written} records written" if written else f"[ray]   {cell.label}: nothing left to do")
