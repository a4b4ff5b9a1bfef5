"""A backend plugin: the cells of each phase one after another in this process, in grid order or reversed.

It owns one option, ``order`` (``--sequential-order`` on the command line, ``backend_options={"order": ...}`` in
``evaluate``), and runs each job with the function the runner hands it: it never imports the runner.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from harness.backends import Backend
from harness.core.errors import HarnessError


@dataclass(frozen=True)
class SequentialOptions:
    order: str = field(
        default="grid",
        metadata=dict(
            flag="--sequential-order", metavar="ORDER", help="grid (default) or reverse: the order cells run in"
        ),
    )

    def __post_init__(self):
        if self.order not in ("grid", "reverse"):
            raise HarnessError(f"--sequential-order must be grid or reverse, got {self.order!r}")


class Sequential(Backend):
    """One cell after another in this process (a sample plugin backend)"""

    name = "sequential"
    Options = SequentialOptions

    def run_cells(self, phase) -> list[str]:
        jobs = phase.jobs[::-1] if self.options.order == "reverse" else phase.jobs
        done = {}
        for job in jobs:
            print(f"sequential: {job.task} | {job.compressor}", file=sys.stderr, flush=True)
            done[(job.task, job.compressor)] = phase.run(job)
        return [done[(job.task, job.compressor)] for job in phase.jobs]  # grid order, whatever order they ran in
