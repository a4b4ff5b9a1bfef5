"""The evaluation runner: plans the task x compressor cells of a run and runs each one.

One cell: build its components (registries) -> plan it (:mod:`.cells`) -> the test split
through the prompt pipeline (:mod:`.pipeline`) -> train, or load the verified checkpoint
(:mod:`.checkpoints`) -> evaluate (:mod:`.evaluation`) -> records (:mod:`.records`). A
backend (:mod:`.backends`, ``run --backend``) schedules the cells: ``local`` writes records
as soon as a batch is done, ``ray`` as soon as a cell is done. A rerun skips finished
examples and reuses checkpoints, so a killed run resumes without losing or duplicating anything.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..backends import Phase, get_backend
from ..core.errors import HarnessError
from ..core.progress import log
from ..core.spec import Spec
from ..results.records import RecordStore
from . import checkpoints
from .cells import Cell, CellJob, plan_cell
from .config import RunConfig
from .pipeline import Pipeline

if TYPE_CHECKING:
    from ..compressors.base import Compressor
    from ..data.tokenizers import Tokenizer
    from ..models.base import LanguageModel
    from ..tasks.base import Task
    from .training import TrainConfig

__all__ = ["RunConfig", "Runner"]


@dataclass
class Components:
    """What one cell is made of, built through the registries."""

    model: LanguageModel
    tokenizer: Tokenizer
    task: Task
    compressor: Compressor
    #: the compressor the model is trained on: ``compressor`` itself, or ``raw`` for a ``--no-finetune`` cell
    trainer: Compressor
    train: TrainConfig
    device: str


class Runner:
    """``retrain``: train this run's cells anew, replacing their checkpoints (not part of the configuration).
    ``store`` (a :class:`RecordStore` of ``output`` by default) and ``checkpoint_root`` (the folder of the
    checkpoints: ``config.checkpoint_dir``, else ``OUTPUT/checkpoints``) let a Ray worker keep both in scratch space."""

    def __init__(
        self,
        config: RunConfig,
        output: str | Path,
        validate: bool = True,
        *,
        retrain: bool = False,
        store=None,
        checkpoint_root: str | Path | None = None,
    ):
        self.config = config
        self.output = Path(output)
        self.retrain = retrain
        self.checkpoint_root = Path(checkpoint_root or config.checkpoint_dir or self.output / checkpoints.CHECKPOINTS)
        if validate:  # worker processes skip it: the parent validated (and it builds every compressor)
            self.validate()
        try:
            self.output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HarnessError(
                f"cannot create output directory {self.output}: {exc.strerror}; pass a writable --output DIR"
            ) from None
        self.store = store if store is not None else RecordStore(self.output)

    # -- validation -------------------------------------------------------------------
    def validate(self) -> None:
        """Fail on any bad option, name, parameter, path or device (before any work: call it first)."""
        from ..compressors import build_compressor
        from ..core.env import resolve_device
        from ..models import build_model
        from ..tasks import build_task

        self.config.validate()
        backend = get_backend(self.config.backend)
        backend(self.config).check()  # its options were validated with the configuration
        if backend.checks_device:  # elsewhere the workers' devices count: each worker resolves its own
            resolve_device(self.config.device)
        model = build_model(self.config.model)
        tokenizer = self._tokenizer(model)
        for spec in self.config.tasks:
            build_task(spec)
        for spec in self.config.compressors:
            build_compressor(spec, tokenizer)

    def _tokenizer(self, model):
        from ..data.tokenizers import get_tokenizer

        name = self.config.tokenizer or model.preferred_tokenizer or "cl100k_base"
        if model.preferred_tokenizer and name != model.preferred_tokenizer:
            raise HarnessError(
                f"model {self.config.model!r} reads tokenizer {model.preferred_tokenizer!r}, not {name!r}; drop --tokenizer"
            )
        return get_tokenizer(name)

    def raw_trained(self, compressor_spec: str) -> bool:
        """Is this compressor evaluated with the model trained on raw prompts (``--no-finetune``)?"""
        return compressor_spec in self.config.no_finetune and Spec.parse(compressor_spec).name != "raw"

    # -- one cell ---------------------------------------------------------------------
    def components(self, task_spec: str, compressor_spec: str, device: str | None = None) -> Components:
        """The parts of one cell, on ``device`` (default: ``config.device`` resolved on this machine)."""
        from ..compressors import build_compressor
        from ..core.env import resolve_device
        from ..models import build_model
        from ..tasks import build_task

        cfg = self.config
        device = device or resolve_device(cfg.device)
        model = build_model(cfg.model)
        tokenizer = self._tokenizer(model)
        compressor = build_compressor(compressor_spec, tokenizer)
        trainer = build_compressor("raw", tokenizer) if self.raw_trained(compressor_spec) else compressor
        train = cfg.train if cfg.train.lr else replace(cfg.train, lr=model.default_lr)
        return Components(model, tokenizer, build_task(task_spec), compressor, trainer, train, device)

    def plan(self, task_spec: str, compressor_spec: str, parts: Components) -> Cell:
        trainer_spec = "raw" if parts.trainer is not parts.compressor else compressor_spec
        return plan_cell(
            self.config,
            task_spec,
            parts.task,
            parts.model,
            parts.tokenizer,
            compressor_spec,
            parts.compressor,
            trainer_spec,
            parts.trainer,
            parts.train,
        )

    def cell(self, task_spec: str, compressor_spec: str) -> Cell:
        """The plan of one cell (its id, label, checkpoint) without resolving a device: what a scheduler needs."""
        return self.plan(task_spec, compressor_spec, self.components(task_spec, compressor_spec, self.config.device))

    def run_cell(self, task_spec: str, compressor_spec: str) -> str:
        """Train (or load) and evaluate one cell; returns its id (the ``cell`` field of its records)."""
        cfg = self.config
        parts = self.components(task_spec, compressor_spec)
        cell = self.plan(task_spec, compressor_spec, parts)
        test = Pipeline(parts.tokenizer, parts.compressor, cfg.scope).split(
            parts.task, "test", cfg.test_examples, cfg.seed
        )
        todo = [i for i, p in enumerate(test) if not self.store.done(cell.id, p.example.id)]
        if not todo:
            log(f"[done]  {cell.label}: {len(test)} records already present")
            return cell.id
        failed = sum(p.round_trip_ok is False for p in test)
        if failed:
            log(
                f"[warn]  {cell.label}: {failed} of {len(test)} test prompts failed the round trip (recorded per example)"
            )
        summary = self.train_or_load(cell, parts)
        from .evaluation import evaluate

        written = evaluate(
            parts.model,
            parts.task,
            parts.tokenizer,
            test,
            todo,
            cell,
            summary,
            self.store.append,
            batch=cfg.eval_batch,
            prefill_repeats=cfg.prefill_repeats,
            show_progress=cfg.progress,
        )
        log(f"[eval]  {cell.label}: {written} records written")
        return cell.id

    def train_or_load(self, cell: Cell, parts: Components) -> dict:
        """The model of ``cell`` trained on its train split, or loaded from its verified checkpoint."""
        from ..core.env import require_torch
        from .training import train as train_model

        cfg, model = self.config, parts.model
        ckpt = self.checkpoint_path(cell.train_id)
        require_torch().manual_seed(parts.train.seed)
        # --retrain replaces the checkpoints this run trains; raw-trained cells load the one phase 1 just wrote
        fresh = self.retrain and parts.trainer is parts.compressor
        if checkpoints.exists(ckpt) and not fresh:
            summary = checkpoints.load(model, ckpt, cell.train_id, parts.device)
            log(f"[load]  {cell.label}: checkpoint {ckpt}")
        else:
            data = Pipeline(parts.tokenizer, parts.trainer, cfg.scope).split(
                parts.task, "train", cfg.train_examples, cfg.seed
            )
            inputs, answers = [p.ids for p in data], [p.answer for p in data]
            model.setup(parts.tokenizer, parts.trainer.extra_vocab, inputs + answers, parts.device)
            prompts = [model.model_ids(p) for p in inputs]
            targets = [model.model_ids(a) + [model.eos] for a in answers]
            log(f"[train] {cell.label}: {len(prompts)} examples, {parts.train.steps} steps on {parts.device}")
            summary = train_model(
                model, prompts, targets, parts.train, desc=f"train {cell.trainer_spec}", progress=cfg.progress
            )
            summary["max_answer_tokens"] = max((len(a) for a in answers), default=1)
            checkpoints.save(model, ckpt, cell.train_id, summary)
        model.train_mode(False)
        return summary

    def checkpoint_path(self, train_id: str) -> Path:
        """The checkpoint folder of the cell ``train_id`` (under ``--checkpoint-dir``, else ``OUTPUT/checkpoints``)."""
        return self.checkpoint_root / train_id

    # -- the grid ---------------------------------------------------------------------
    def grid(self) -> list[list[tuple[str, str]]]:
        """The cells in phases: cells that train first, then raw-trained cells (they need the raw checkpoint)."""
        compressors = list(self.config.compressors)
        if any(self.raw_trained(c) for c in compressors) and not any(Spec.parse(c).name == "raw" for c in compressors):
            compressors.insert(0, "raw")
        return [
            [(t, c) for t in self.config.tasks for c in compressors if self.raw_trained(c) is later]
            for later in (False, True)
        ]

    def phase(self, cells: list[tuple[str, str]]) -> Phase:
        """One phase of the grid as a backend receives it: picklable jobs and the functions that run them."""
        jobs = [CellJob(self.config, str(self.output), t, c, self.retrain, self.raw_trained(c)) for t, c in cells]
        return Phase(
            jobs,
            run_cell_job,
            run_cell_detached,
            lambda job: self.cell(job.task, job.compressor),
            self.store.records,
            self.store.append,
            self.checkpoint_path,
        )

    def run(self) -> tuple[list[dict], set[str]]:
        """Run every cell of the grid; returns the leaderboard rows of these cells and their ids (records of other
        configurations in the same directory stay in ``records.jsonl`` and in ``ltsc-bench leaderboard``).
        The caller holds the directory's :class:`~harness.records.RunLock` (:func:`harness.evaluate` does)."""
        from ..results.leaderboard import compute_rows

        backend = get_backend(self.config.backend)(self.config)
        self.store = RecordStore(self.output)  # what earlier runs (or the one waited for) wrote
        try:
            (self.output / "run_config.json").write_text(json.dumps(asdict(self.config), indent=2, default=str))
        except OSError as exc:
            raise HarnessError(
                f"cannot write {self.output / 'run_config.json'}: {exc.strerror}; pass a writable --output DIR"
            ) from None
        done: list[str] = []
        with backend:
            for cells in self.grid():
                done += backend.run_cells(self.phase(cells))
        self.store = RecordStore(self.output)
        mine = set(done)
        return compute_rows([r for r in self.store.records if r["cell"] in mine]), mine


def run_cell_job(job: CellJob[RunConfig]) -> str:
    """Run one cell into the run's own folders (in a worker process of the local backend when ``jobs`` > 1: it
    appends under its parent's :class:`~harness.records.RunLock`); returns its cell id."""
    return Runner(job.config, job.output, validate=False, retrain=job.retrain).run_cell(job.task, job.compressor)


class _Collector:
    """The record store of a detached cell: the ``done`` keys it skips, its new records kept in memory."""

    def __init__(self, done):
        self._done = {tuple(key) for key in done}
        self.records: list[dict] = []

    def done(self, cell: str, example_id: str) -> bool:
        return (cell, example_id) in self._done

    def append(self, records: list[dict]) -> None:
        for rec in records:
            key = (rec["cell"], rec["example_id"])
            if key not in self._done:
                self._done.add(key)
                self.records.append(rec)


class _DetachedRunner(Runner):
    """A :class:`Runner` whose records stay in memory and whose checkpoints stay in ``scratch``; ``fetch(path)``
    puts the run's checkpoint of the cell at ``path`` and returns the run's name for it (None: there is none)."""

    def __init__(self, job: CellJob[RunConfig], scratch: str, done: list, fetch):
        super().__init__(
            job.config,
            scratch,
            validate=False,
            retrain=job.retrain,
            store=_Collector(done),
            checkpoint_root=Path(scratch) / checkpoints.CHECKPOINTS,
        )
        self.fetch = fetch
        self.trained: tuple[str, str] | None = None

    def train_or_load(self, cell: Cell, parts: Components) -> dict:
        path = self.checkpoint_path(cell.train_id)
        if self.fetch is None:
            summary = super().train_or_load(cell, parts)
            self.trained = (cell.train_id, str(path))
            return summary
        origin = self.fetch(path)
        try:
            return super().train_or_load(cell, parts)
        except HarnessError as exc:  # name the run's folder, not this scratch copy
            raise HarnessError(str(exc).replace(str(path), origin)) from None


def run_cell_detached(job: CellJob[RunConfig], scratch: str, done: list, fetch=None) -> dict:
    """Run one cell in ``scratch`` for a worker that shares no filesystem with the run: skips the ``done``
    ``(cell, example)`` keys, loads the run's checkpoint through ``fetch`` when given, and returns
    ``{"cell", "records", "trained"}`` (``trained``: ``(train id, folder)`` of a checkpoint it trained, else None)."""
    runner = _DetachedRunner(job, scratch, done, fetch)
    cell_id = runner.run_cell(job.task, job.compressor)
    return {"cell": cell_id, "records": runner.store.records, "trained": runner.trained}
