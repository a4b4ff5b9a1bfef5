"""The cell plan: what one task x compressor x model cell trains, evaluates and is called.

A cell's identity is a hash of its full configuration (task, model, tokenizer, scope,
seed, budget, compressor and its resolved parameters). Cells that share everything but
the compressor share a ``comparison`` id (the leaderboard's Δ vs raw pairs them). A
``--no-finetune`` cell evaluates with the checkpoint of the ``raw`` cell (``train_id``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from ..core.spec import Spec

if TYPE_CHECKING:
    from ..compressors.base import Compressor
    from ..data.tokenizers import Tokenizer
    from ..models.base import LanguageModel
    from ..tasks.base import Task
    from .training import TrainConfig

#: the type of :attr:`CellJob.config`: the run's ``RunConfig``. A type parameter, not an import: ``engine.config``
#: imports the backends, which import this module (an import cycle, even under ``TYPE_CHECKING``)
ConfigT = TypeVar("ConfigT")

#: part of every hashed cell configuration (named ``record_version`` in it since the first schema);
#: bump it only to make every existing checkpoint and record of a directory stale on purpose
CELL_ID_VERSION = 1


def config_hash(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Cell:
    task_spec: str
    compressor_spec: str
    #: the compressor whose output the model is trained on (``raw`` for a --no-finetune cell)
    trainer_spec: str
    #: the full configuration recorded with every record (its hash is ``id``)
    config: dict
    id: str
    #: the cell whose checkpoint this cell evaluates (itself, or the raw cell)
    train_id: str
    comparison: str
    label: str

    @property
    def raw_trained(self) -> bool:
        return self.train_id != self.id


@dataclass(frozen=True)
class CellJob(Generic[ConfigT]):
    """One cell to run, as a backend hands it to a worker: what rebuilds and runs it anywhere (picklable)."""

    #: the run's :class:`~harness.config.RunConfig` (the runner makes ``CellJob[RunConfig]`` s)
    config: ConfigT
    #: the run's output directory
    output: str
    task: str
    compressor: str
    #: train anew, replacing the cell's checkpoint (``--retrain``)
    retrain: bool = False
    #: evaluated with the raw-trained model (``--no-finetune``): it only evaluates
    raw_trained: bool = False


def plan_cell(
    cfg,
    task_spec: str,
    task: Task,
    model: LanguageModel,
    tokenizer: Tokenizer,
    compressor_spec: str,
    compressor: Compressor,
    trainer_spec: str,
    trainer: Compressor,
    train_cfg: TrainConfig,
) -> Cell:
    """The :class:`Cell` of ``task`` x ``compressor``; ``trainer`` is the compressor the model is trained on
    (``compressor`` itself, or ``raw`` for a ``--no-finetune`` cell)."""
    task_label = str(Spec(task.name, task.params))
    comparison = {
        "task": task_label,
        "model": str(Spec.parse(cfg.model)),
        "model_config": model.spec,
        "tokenizer": tokenizer.name,
        "scope": cfg.scope,
        "seed": cfg.seed,
        "train_examples": cfg.train_examples,
        "test_examples": cfg.test_examples,
        "train": train_cfg.to_dict(),
        "record_version": CELL_ID_VERSION,
    }

    def cell_config(spec: str, comp: Compressor) -> dict:
        return dict(
            comparison,
            compressor=str(Spec.parse(spec)),
            compressor_config=comp.spec,
            compressor_params=comp.params,
            compressor_lossless=comp.lossless,
            model_params=model.params,
        )

    config = cell_config(compressor_spec, compressor)
    raw_trained = trainer is not compressor
    if raw_trained:
        config["trained_on"] = "raw"
    cell_id = config_hash(config)
    train_id = config_hash(cell_config(trainer_spec, trainer)) if raw_trained else cell_id
    label = f"{task_label} | {config['compressor']} | {cfg.model}" + (" (raw-trained)" if raw_trained else "")
    return Cell(task_spec, compressor_spec, trainer_spec, config, cell_id, train_id, config_hash(comparison), label)
