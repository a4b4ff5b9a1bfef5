"""What a backend is: a scheduler of cell jobs, with options of its own.

A backend gets each phase of the grid as a :class:`Phase`: picklable
:class:`~harness.cells.CellJob` s and the functions that run them (``phase.run`` runs one
job here, writing into the run's folders; ``phase.run_detached`` runs one in scratch space and
returns its records and checkpoint, for workers that share no filesystem). It never imports
the runner, never computes anything itself, and returns the cell ids it ran in grid order.

Its options are a dataclass (:attr:`Backend.Options`): ``evaluate(backend_options={...})`` and
``RunConfig.backend_options`` carry them by field name, and each field's ``metadata`` may
name the command-line flag that sets it (``flag``, ``help``, ``type``), which
:func:`add_backend_arguments` adds to ``ltsc-bench run``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..core.errors import HarnessError
from ..engine.cells import Cell, CellJob


@dataclass
class Phase:
    """One phase of the grid, as a backend receives it."""

    jobs: list[CellJob]
    #: runs one job in this process, writing records and checkpoint into the run's folders; returns its cell id
    run: Callable[[CellJob], str]
    #: ``run_detached(job, scratch, done_keys, fetch_checkpoint) -> {"cell", "records", "trained"}``: one job with its
    #: records kept in memory and its checkpoint in ``scratch`` (``trained``: the folder of a checkpoint it trained)
    run_detached: Callable[..., dict]
    #: the plan of a job's cell (id, label, checkpoint id) without training anything
    plan: Callable[[CellJob], Cell]
    #: records already in the run's directory, and how to append new ones (each key written once)
    records: list[dict]
    append: Callable[[list[dict]], None]
    #: the run's checkpoint folder of a cell's ``train_id``
    checkpoint_path: Callable[[str], Path]


@dataclass(frozen=True)
class NoOptions:
    """A backend without options of its own."""


class Backend:
    """The base of every backend (``run --backend NAME``, ``evaluate(backend=NAME)``)."""

    name: ClassVar[str] = ""
    #: the dataclass of this backend's options (validated in its ``__post_init__``)
    Options: ClassVar[type] = NoOptions
    #: the driver's own device is the one cells use (validated before any output)
    checks_device: ClassVar[bool] = True

    def __init__(self, config, options=None):
        self.config = config
        self.options = options if options is not None else self.parse_options(config.backend_options)

    @classmethod
    def parse_options(cls, values: dict | None) -> Any:
        """This backend's options from ``values`` (field name -> value); unknown names are a one-line error."""
        values = dict(values or {})
        names = [f.name for f in dataclasses.fields(cls.Options)]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise HarnessError(
                f"backend {cls.name!r} has no option {unknown[0]!r}; its options: {', '.join(names) or 'none'}"
            )
        return cls.Options(**values)

    def check(self) -> None:
        """Fail before any output on anything this backend cannot do (called while validating a run)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def run_cells(self, phase: Phase) -> list[str]:
        raise NotImplementedError


def option_flags(backend: type[Backend]) -> dict[str, dict]:
    """``{field: metadata}`` of the options of ``backend`` that have a command-line flag."""
    return {f.name: dict(f.metadata) for f in dataclasses.fields(backend.Options) if f.metadata.get("flag")}


def add_backend_arguments(parser, backends: dict[str, type[Backend]]) -> None:
    """One argument group per backend with flags, for ``ltsc-bench run``."""
    for name, backend in backends.items():
        flags = option_flags(backend)
        if not flags:
            continue
        group = parser.add_argument_group(f"--backend {name}")
        for field, meta in flags.items():
            group.add_argument(
                meta["flag"],
                dest=_dest(name, field),
                type=meta.get("type", str),
                metavar=meta.get("metavar"),
                help=meta.get("help"),
            )


def backend_options_from_args(args, chosen: str, backends: dict[str, type[Backend]]) -> dict:
    """The options of the chosen backend given on the command line; a flag of another backend is a one-line error."""
    out: dict[str, Any] = {}
    for name, backend in backends.items():
        for field, meta in option_flags(backend).items():
            value = getattr(args, _dest(name, field), None)
            if value is None:
                continue
            if name != chosen:
                users = [
                    b
                    for b, cls in backends.items()
                    if any(m["flag"] == meta["flag"] for m in option_flags(cls).values())
                ]
                raise HarnessError(
                    f"{meta['flag']} applies to --backend {' or '.join(users)}, not {chosen}; "
                    f"add --backend {users[0]} or drop {meta['flag']}"
                )
            out[field] = value
    return out


def _dest(backend: str, field: str) -> str:
    return f"backend_option__{backend}__{field}"
