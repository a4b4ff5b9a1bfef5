"""Backends schedule cells; they never compute anything themselves (:mod:`.base` says what one is).

A backend is a :class:`~harness.backends.base.Backend` subclass in the :data:`backends` registry
(``run --backend NAME``, ``evaluate(backend=NAME)``); third-party packages add theirs under the
entry-point group ``ltsc_bench.backends``. The runner makes one per run, calls :meth:`check`
while validating (before any output), enters it (``with backend:`` connects and releases), and
hands it each phase of the grid (:class:`~harness.backends.base.Phase`), while
:func:`harness.evaluate` holds the directory's lock around it all. The backend and its options
never enter a cell's id or configuration hash: every backend writes the same records.

``local`` (the default) runs the cells in this process or in ``--jobs`` worker processes on
this machine, each appending its own records. ``ray`` runs each cell as a Ray task on a
cluster; workers return their records and new checkpoints, and only the driver writes.
"""

from __future__ import annotations

from ..core.errors import HarnessError
from ..core.registry import Registry
from .base import Backend, NoOptions, Phase
from .local import LocalBackend
from .ray import RayBackend

__all__ = ["Backend", "NoOptions", "Phase", "backends", "backend_names", "get_backend", "all_backends"]

#: every backend by name (``ltsc_bench.backends`` entry points included)
backends: Registry[type[Backend]] = Registry("backend")
backends.register("local", LocalBackend)
backends.register("ray", RayBackend)


def backend_names() -> list[str]:
    return backends.names()


def get_backend(name: str) -> type[Backend]:
    """The backend class registered as ``name`` (a one-line error naming the choices otherwise)."""
    if name not in backends.names():
        raise HarnessError(f"unknown backend {name!r}; choose one of {', '.join(backend_names())} (--backend)")
    backend = backends.get(name).factory
    if not (isinstance(backend, type) and issubclass(backend, Backend)):
        raise HarnessError(f"backend plugin {name!r} is not a harness.backends.Backend subclass; fix the plugin")
    return backend


def all_backends() -> dict[str, type[Backend]]:
    """Every registered backend class by name."""
    return {name: get_backend(name) for name in backend_names()}
