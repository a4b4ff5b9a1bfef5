"""The task registry and its build path (task modules register here; ``harness.tasks`` re-exports both)."""

from __future__ import annotations

from ..core.registry import Registry
from .base import Task

tasks: Registry = Registry("task")


def build_task(spec) -> Task:
    """Instantiate a task from ``name@key=value,...`` (or a :class:`~harness.spec.Spec`).

    ``task.params`` is set to the parameters the user gave (they label results);
    ``task.resolved_params`` holds them with the factory's defaults filled in.
    """
    from ..core.spec import Spec

    spec = spec if isinstance(spec, Spec) else Spec.parse(str(spec))
    task = tasks.build(spec)
    task.params = dict(spec.params)
    return task
