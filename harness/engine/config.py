"""The configuration of a run (``ltsc-bench run``), validated before any output is written."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import HarnessError
from ..core.validate import integer, number, positive_int, text
from .pipeline import check_scope
from .training import TrainConfig

#: seeds feed torch, numpy and Python generators alike: keep them in the range all accept
MAX_SEED = 2**32 - 1


@dataclass
class RunConfig:
    tasks: list[str] = field(default_factory=lambda: ["recall"])
    compressors: list[str] = field(default_factory=lambda: ["raw", "ltsc"])
    model: str = "tiny"
    tokenizer: str | None = None
    scope: str = "prompt"
    seed: int = 0
    train_examples: int = 12000
    test_examples: int = 200
    train: TrainConfig = field(default_factory=TrainConfig)
    device: str = "auto"
    eval_batch: int = 32
    #: prefill time per example = best of this many timed forward passes
    prefill_repeats: int = 3
    #: CPU threads for torch (None = torch's default); small models run faster on 1 thread when cores are shared
    threads: int | None = None
    #: cells run in parallel worker processes (each with ``threads`` threads)
    jobs: int = 1
    #: compressors evaluated with the checkpoint trained on raw prompts (not fine-tuned on their output)
    no_finetune: list[str] = field(default_factory=list)
    progress: bool = True
    #: how cells are scheduled (:mod:`.backends`): ``local`` (this machine), ``ray`` (a Ray cluster) or a plugin's;
    #: this and its options never enter a cell's id, so every backend writes the same records
    backend: str = "local"
    #: the backend's own options by field name (e.g. ray: ``address``, ``cpus_per_cell``, ``gpus_per_cell``)
    backend_options: dict = field(default_factory=dict)
    #: where checkpoints go (None: OUTPUT/checkpoints); with ``ray`` only the driver writes there
    checkpoint_dir: str | None = None

    def validate(self) -> None:
        """Every option in its domain (one-line errors naming the option), before any work or output."""
        if not self.tasks or not all(isinstance(t, str) and t.strip() for t in self.tasks):
            raise HarnessError("no tasks given; name at least one task (see `ltsc-bench list tasks`)")
        if not self.compressors or not all(isinstance(c, str) and c.strip() for c in self.compressors):
            raise HarnessError("no compressors given; name at least one compressor (see `ltsc-bench list compressors`)")
        check_scope(self.scope)
        integer("--seed", self.seed, 0, MAX_SEED)
        for name, value in (
            ("--train-examples", self.train_examples),
            ("--limit", self.test_examples),
            ("--eval-batch", self.eval_batch),
            ("--jobs", self.jobs),
            ("prefill_repeats", self.prefill_repeats),
        ):
            positive_int(name, value)
        if self.threads is not None:
            positive_int("--threads", self.threads)
        validate_train(self.train)
        validate_backend(self)
        for spec in self.no_finetune:
            if spec not in self.compressors:
                raise HarnessError(
                    f"--no-finetune {spec!r} is not among the compressors of this run "
                    f"({', '.join(self.compressors)}); name it in --compressors too"
                )


def validate_backend(cfg: RunConfig) -> None:
    """A registered backend with valid options of its own (a one-line error naming the option otherwise), and a
    usable ``--checkpoint-dir``."""
    from ..backends import get_backend

    if not isinstance(cfg.backend_options, dict):
        raise HarnessError(f"backend_options must be a dict of option names to values, got {cfg.backend_options!r}")
    get_backend(cfg.backend).parse_options(cfg.backend_options)
    if cfg.checkpoint_dir is not None:
        text("--checkpoint-dir", cfg.checkpoint_dir)
        directory_option("--checkpoint-dir", cfg.checkpoint_dir)


def directory_option(flag: str, value: str) -> Path:
    """A path that is, or can become, a writable directory: neither it nor a folder above it is a file."""
    path = Path(value)
    for at in [path, *path.parents]:
        if not os.path.lexists(at):
            continue
        if not at.is_dir():
            what = "a file" if at.is_file() else "not a directory"
            where = f"{flag} {value} is {what}" if at == path else f"{flag} {value}: {at} is {what}"
            raise HarnessError(f"{where}; pass a directory (it is created if missing)")
        if not os.access(at, os.W_OK | os.X_OK):
            raise HarnessError(
                f"{flag} {value}: {'it' if at == path else at} is not writable; pass a writable directory"
            )
        break
    return path


def validate_train(train: TrainConfig) -> None:
    positive_int("--train-steps", train.steps)
    positive_int("--batch-size", train.batch_size)
    if train.lr is not None:
        number("--lr", train.lr, 0, 10, low_open=True)
    number("--prompt-loss", train.prompt_loss, 0)
    integer("--seed", train.seed, 0, MAX_SEED)
    integer("warmup", train.warmup, 0)
    positive_int("--bucket-window", train.bucket_window)
    number("weight_decay", train.weight_decay, 0)
    number("grad_clip", train.grad_clip, 0)
