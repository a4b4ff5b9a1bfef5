"""Backends schedule cells; they never compute anything themselves.

A backend is a class registered in :data:`BACKENDS` (``run --backend NAME``). The runner
makes one per run, calls :meth:`check` while validating (before any output), enters it
(``with backend:`` connects and releases), and hands it the cells of each phase of the
grid through ``run_cells(runner, cells) -> [cell id, ...]``, holding the directory's
:class:`~harness.records.RunLock` around it all. The backend choice never enters a cell's
id or configuration hash: every backend writes the same records.

``local`` (the default) runs the cells in this process or in ``--jobs`` worker processes on
this machine, each appending its own records. ``ray`` runs each cell as a Ray task on a
cluster; workers return their records and new checkpoints, and only the driver writes.
Class attributes: ``options`` (the :class:`~harness.config.RunConfig` fields only this
backend reads) and ``checks_device`` (the driver's own device is the one cells use).
"""

from __future__ import annotations

import importlib

from ..errors import HarnessError

#: name -> "module:class", imported only when chosen (``ray`` is an optional extra)
BACKENDS: dict[str, str] = {
    "local": "harness.backends.local:LocalBackend",
    "ray": "harness.backends.ray:RayBackend",
}

#: RunConfig fields that only some backends read -> the command-line flag that sets them
BACKEND_OPTIONS = {"ray_address": "--ray-address", "cpus_per_cell": "--cpus-per-cell", "gpus_per_cell": "--gpus-per-cell"}


def backend_names() -> list[str]:
    return sorted(BACKENDS)


def get_backend(name: str) -> type:
    """The backend class registered as ``name`` (a one-line error naming the choices otherwise)."""
    if name not in BACKENDS:
        raise HarnessError(f"unknown backend {name!r}; choose one of {', '.join(backend_names())} (--backend)")
    module, _, attr = BACKENDS[name].partition(":")
    return getattr(importlib.import_module(module), attr)
