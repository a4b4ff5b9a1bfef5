"""The configuration of a run (``ltsc-bench run``), validated before any output is written."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import HarnessError
from .pipeline import check_scope
from .training import TrainConfig
from .validate import integer, number, positive_int, text

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
    #: how cells are scheduled (:mod:`.backends`): ``local`` (this machine) or ``ray`` (a Ray cluster);
    #: this and the options below never enter a cell's id, so every backend writes the same records
    backend: str = "local"
    #: ray: the address of the cluster to join (None: a local Ray instance sized for ``jobs`` cells)
    ray_address: str | None = None
    #: ray: the CPUs and GPUs each cell's task reserves (None: 1 CPU, no GPU)
    cpus_per_cell: float | None = None
    gpus_per_cell: float | None = None
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
        for name, value in (("--train-examples", self.train_examples), ("--limit", self.test_examples),
                            ("--eval-batch", self.eval_batch), ("--jobs", self.jobs),
                            ("prefill_repeats", self.prefill_repeats)):
            positive_int(name, value)
        if self.threads is not None:
            positive_int("--threads", self.threads)
        validate_train(self.train)
        validate_backend(self)
        for spec in self.no_finetune:
            if spec not in self.compressors:
                raise HarnessError(f"--no-finetune {spec!r} is not among the compressors of this run "
                                   f"({', '.join(self.compressors)}); name it in --compressors too")


def validate_backend(cfg: RunConfig) -> None:
    """A registered backend, and only options that backend reads (a Ray option with ``local`` is an error)."""
    from .backends import BACKEND_OPTIONS, backend_names, get_backend

    backend = get_backend(cfg.backend)
    for name, flag in BACKEND_OPTIONS.items():
        if getattr(cfg, name) is not None and name not in backend.options:
            users = [b for b in backend_names() if name in get_backend(b).options]
            raise HarnessError(f"{flag} applies to --backend {' or '.join(users)}, not {cfg.backend}; "
                               f"add --backend {users[0]} or drop {flag}")
    if cfg.ray_address is not None:
        ray_address(cfg.ray_address)
    if cfg.cpus_per_cell is not None:
        number("--cpus-per-cell", cfg.cpus_per_cell, 0, low_open=True)
    if cfg.gpus_per_cell is not None:
        number("--gpus-per-cell", cfg.gpus_per_cell, 0)
    if cfg.checkpoint_dir is not None:
        text("--checkpoint-dir", cfg.checkpoint_dir)
        directory_option("--checkpoint-dir", cfg.checkpoint_dir)


#: ``--ray-address``: HOST:PORT (what ``ray start --head`` prints), SCHEME://HOST[:PORT] (``ray://`` clients), auto, local
_RAY_ADDRESS = re.compile(r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
                          r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(?P<port>[0-9]{1,5}))?")


def ray_address(value) -> str:
    """A syntactically valid ``--ray-address`` (checked before Ray is imported or anything is written)."""
    text("--ray-address", value)
    if value in ("auto", "local"):
        return value
    m = _RAY_ADDRESS.fullmatch(value)
    if not m or (m["scheme"] is None and m["port"] is None) or (m["port"] is not None and not 0 < int(m["port"]) < 65536):
        raise HarnessError(f"--ray-address {value!r} is not a Ray address; pass HOST:PORT (the address `ray start --head` "
                           "prints, e.g. 10.0.0.1:6379), ray://HOST:PORT or auto")
    return value


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
            raise HarnessError(f"{flag} {value}: {'it' if at == path else at} is not writable; pass a writable directory")
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
