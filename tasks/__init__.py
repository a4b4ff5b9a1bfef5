"""Task registry (installed as ``harness.tasks``).

Built-in tasks register themselves with ``@tasks.register(name)`` (from :mod:`.registry`)
on a factory ``f(**params) -> Task``; third-party tasks use the entry-point group
``ltsc_bench.tasks``. Every task is built through :meth:`harness.registry.Registry.build`
(via :func:`build_task`).
"""

from . import code_edit, commitpackft, logs, lookup, paths, recall, sql, tree  # noqa: F401  (each registers itself)
from .base import Example, Task
from .registry import build_task, tasks
from .scoring import edit_similarity, exact_match, levenshtein

__all__ = ["Example", "Task", "build_task", "edit_similarity", "exact_match", "levenshtein", "tasks"]
