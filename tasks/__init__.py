"""Task registry (installed as ``harness.tasks``).

Built-in tasks register themselves with ``@tasks.register(name)`` on a factory
``f(**params) -> Task``; third-party tasks use the entry-point group ``ltsc_bench.tasks``.
Every task is built through :meth:`harness.registry.Registry.build` (via :func:`build_task`).
"""

from ..registry import Registry
from .base import Example, Task
from .scoring import edit_similarity, exact_match, levenshtein

tasks: Registry = Registry("task")


def build_task(spec) -> Task:
    """Instantiate a task from ``name@key=value,...`` (or a :class:`~harness.spec.Spec`).

    ``task.params`` is set to the parameters the user gave (they label results);
    ``task.resolved_params`` holds them with the factory's defaults filled in.
    """
    from ..spec import Spec

    spec = spec if isinstance(spec, Spec) else Spec.parse(str(spec))
    task = tasks.build(spec)
    task.params = dict(spec.params)
    return task


# built-in tasks: one import line each (each module registers itself)
from . import tree  # noqa: E402,F401
from . import lookup  # noqa: E402,F401
from . import logs  # noqa: E402,F401
from . import sql  # noqa: E402,F401
from . import code_edit  # noqa: E402,F401
from . import commitpackft  # noqa: E402,F401
from . import recall  # noqa: E402,F401

__all__ = ["Example", "Task", "build_task", "edit_similarity", "exact_match",
           "levenshtein", "tasks"]
