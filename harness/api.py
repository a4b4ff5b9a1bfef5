"""``evaluate()``: the one entry point of an evaluation run; ``ltsc-bench run`` is a thin shell around it.

    from harness import evaluate

    results = evaluate(tasks=["recall@records=3"], compressors=["raw", "ltsc"],
                       model="tiny@d_model=32,layers=1,heads=2", train=dict(steps=20), test_examples=40,
                       output="runs/notebook")
    results.leaderboard          # pandas DataFrame, one row per (task, compressor, model) cell

It owns a run from its configuration to its provenance, in this order: build the
:class:`~harness.config.RunConfig` (no arguments: the default suite), validate every option,
name, device and task before any output, take the output directory's lock once, write the
default suite's model-free statistics, run the grid (:class:`~harness.runner.Runner`,
scheduled by a backend), write the leaderboard and ``run_meta.json``, and return
:class:`Results`. A rerun with the same configuration resumes: finished examples are skipped.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .core.errors import HarnessError
from .engine.config import RunConfig
from .engine.training import TrainConfig

#: RunConfig fields that say how, not what, a run computes: they do not name its default output directory
EXECUTION = ("progress", "device", "jobs", "threads", "backend", "backend_options", "checkpoint_dir")


@dataclass
class Results:
    """What :func:`evaluate` returns: the run's leaderboard rows and records, and where they are on disk."""

    output_dir: Path
    config: RunConfig
    #: one leaderboard row per cell of this run (metrics as numbers; :attr:`leaderboard` as a DataFrame)
    rows: list[dict]
    #: every record of this run's cells (the directory may hold records of other configurations too)
    records: list[dict]
    #: the leaderboard as Markdown (``leaderboard.md``)
    table: str
    #: the default suite's model-free statistics as Markdown (``stats.md``), else None
    stats: str | None = None
    wall_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def leaderboard(self):
        """The rows as a pandas DataFrame (one row per cell)."""
        import pandas as pd

        return pd.DataFrame(self.rows)


def configure(
    tasks=None,
    compressors=None,
    model=None,
    *,
    config: RunConfig | None = None,
    suite: bool | None = None,
    train: TrainConfig | dict | None = None,
    **options: Any,
) -> tuple[RunConfig, bool]:
    """The run's configuration and whether it is the default suite (``suite``; None: nothing named, no tasks,
    compressors, model or config). Outside the suite, tasks and compressors left out take the suite's;
    ``options`` are RunConfig fields."""
    from .engine import suite as default_suite

    names = {f.name for f in fields(RunConfig)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise HarnessError(
            f"evaluate() has no option {unknown[0]!r}; its options: tasks, compressors, model, train, "
            f"{', '.join(sorted(names - {'tasks', 'compressors', 'model', 'train'}))}"
        )
    if suite is None:
        suite = config is None and not (tasks or compressors or model)
    if config is None:
        config = (
            default_suite.suite_config()
            if suite
            else RunConfig(tasks=list(default_suite.TASKS), compressors=list(default_suite.COMPRESSORS))
        )
    if train is not None and not isinstance(train, (dict, TrainConfig)):
        raise HarnessError(f"train must be a TrainConfig or a dict of its fields (e.g. dict(steps=20)), got {train!r}")
    if isinstance(train, dict):
        unknown = sorted(set(train) - {f.name for f in fields(TrainConfig)})
        if unknown:
            raise HarnessError(
                f"train has no field {unknown[0]!r}; its fields: {', '.join(f.name for f in fields(TrainConfig))}"
            )
        train = replace(config.train, **train)
    given = dict(tasks=_listed(tasks), compressors=_listed(compressors), model=model, train=train, **options)
    return replace(config, **{k: v for k, v in given.items() if v is not None}), suite


def _listed(value) -> list[str] | None:
    return [value] if isinstance(value, str) else (list(value) if value else None)


def default_output(cfg: RunConfig, suite: bool) -> Path:
    """``runs/default-suite`` for the suite, else ``runs/run-<hash of what the run computes>``."""
    from .engine.cells import config_hash
    from .engine.suite import OUTPUT

    if suite:
        return Path(OUTPUT)
    key = {k: v for k, v in cfg.__dict__.items() if k not in EXECUTION}
    return Path("runs") / f"run-{config_hash(key)[:10]}"


def check_tasks(cfg: RunConfig, notify: Callable[[str], None]) -> None:
    """Before any output: every task's data is present (its first test example loads), and a count the user set
    above what a task supplies gets one note; the task then supplies what it has (:meth:`Task.examples` caps it)."""
    from .engine.stats import task_label
    from .tasks import build_task
    from .tasks.base import size_note

    default = RunConfig()
    asked = [
        ("test", cfg.test_examples, "--limit", default.test_examples),
        ("train", cfg.train_examples, "--train-examples", default.train_examples),
    ]
    for spec in cfg.tasks:
        task = build_task(spec)
        task.examples("test", 1, cfg.seed)  # a missing dataset fails here, not after the output folder exists
        for split, n, flag, unset in asked:
            supply = task.supply(split) if n != unset else None  # a default larger than a small pool: no note
            if supply is not None and n > supply:
                notify(size_note(task_label(task), split, n, supply, flag, task.cap(split) is not None))


def _stderr(message: str) -> None:
    print(f"ltsc-bench: {message}", file=sys.stderr, flush=True)


def evaluate(
    tasks=None,
    compressors=None,
    model=None,
    *,
    config: RunConfig | None = None,
    suite: bool | None = None,
    output=None,
    train: TrainConfig | dict | None = None,
    wait: bool = False,
    retrain: bool = False,
    stats: bool = True,
    command: str | None = None,
    notify: Callable[[str], None] | None = _stderr,
    on_stats: Callable[[str], None] | None = None,
    **options: Any,
) -> Results:
    """Train and evaluate every (task, compressor) cell of a run and return its :class:`Results`.

    ``tasks``, ``compressors`` (specs, or one spec), ``model`` (a spec) and ``options`` (any
    :class:`RunConfig` field: ``seed``, ``test_examples``, ``train_examples``, ``device``, ``jobs``, ``threads``,
    ``no_finetune``, ``backend``, ``backend_options``, ...) describe the run, or ``config`` does; ``train`` is a
    :class:`TrainConfig` or a dict of its fields. Nothing named: the default suite (``suite`` says so explicitly:
    its statistics and its output folder). ``output``: the run directory
    (default ``runs/default-suite`` or ``runs/run-<hash>``). ``wait``: queue behind another run of the same
    directory instead of refusing; ``retrain``: train this run's cells anew. ``stats``: the suite's model-free
    statistics (``on_stats`` gets their table as soon as it is written). ``command``: what ``run_meta.json``
    records as the command (default: the shell command, else this call). ``notify``: one-line notes.
    """
    from .engine.runner import Runner
    from .engine.suite import run_suite_stats
    from .results.leaderboard import write_leaderboard
    from .results.provenance import record_run
    from .results.records import RecordStore, RunLock

    start = time.perf_counter()
    notes: list[str] = []

    def note(message: str) -> None:
        notes.append(message)
        if notify:
            notify(message)

    cfg, suite = configure(tasks, compressors, model, config=config, suite=suite, train=train, **options)
    output = Path(output) if output else default_output(cfg, suite)
    if output.exists() and not output.is_dir():
        raise HarnessError(f"--output {output} exists and is not a directory; pass a directory")
    cfg.validate()  # every option in its domain first; the Runner validates backend, device, model and compressors
    check_tasks(cfg, note)
    runner = Runner(cfg, output, retrain=retrain)  # validates, then creates the directory
    note(f"output in {output}")
    table_stats = None
    with RunLock(output, wait=wait):  # the only writer of this directory: statistics, records, leaderboard, provenance
        if suite and stats:
            table_stats = run_suite_stats(cfg, output)
            if table_stats and on_stats:
                on_stats(table_stats)
        rows, cells = runner.run()
        table = write_leaderboard(rows, output)
        record_run(
            output,
            start,
            command or _call(dict(tasks=tasks, compressors=compressors, model=model, train=train, **options)),
        )
    records = [r for r in RecordStore(output).records if r["cell"] in cells]
    return Results(output, cfg, rows, records, table, table_stats, round(time.perf_counter() - start, 1), notes)


def _call(given: dict) -> str | None:
    """This run's command: the shell's ``ltsc-bench run ...`` when it started there, else the Python call."""
    from .results.provenance import PYTHON_CALL, command_line

    shell = command_line("run")
    if shell:
        return shell
    args = ", ".join(
        f"{k}={str(v)!r}" if isinstance(v, Path) else f"{k}={v!r}" for k, v in given.items() if v is not None
    )
    return f"{PYTHON_CALL}harness.evaluate({args})"
