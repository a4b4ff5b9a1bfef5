"""Task registry (installed as ``harness.tasks``).

Built-in tasks register themselves with ``@tasks.register(name)`` on a factory
``f(**params) -> Task``; third-party tasks use the entry-point group ``ltsc_bench.tasks``.
"""

from ..registry import Registry
from .base import Example, Task, compress_prompt, encode_parts, exact_match

tasks: Registry = Registry("task")


def build_task(spec):
    """Instantiate a task from ``name@key=value,...``."""
    from ..errors import HarnessError
    from ..spec import Spec

    spec = spec if isinstance(spec, Spec) else Spec.parse(spec)
    factory = tasks.get(spec.name).factory
    import inspect

    accepted = inspect.signature(factory).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        unknown = sorted(set(spec.params) - set(accepted))
        if unknown:
            raise HarnessError(f"task {spec.name!r} has no parameter {unknown[0]!r}; its parameters: {', '.join(accepted) or 'none'}")
    try:
        task = factory(**spec.params)
    except TypeError as exc:
        raise HarnessError(f"bad parameters for task {spec.name!r}: {exc}") from None
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

__all__ = ["Example", "Task", "build_task", "compress_prompt", "encode_parts", "exact_match", "tasks"]
