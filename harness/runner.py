"""The evaluation runner: task x compressor x model cells, trained, evaluated, recorded.

For each cell the runner tokenizes the task's train and test splits, compresses each
prompt (whole prompt or context only), trains the model on the train split of that
input format (same :class:`~harness.training.TrainConfig` for every format), saves a
checkpoint, and evaluates the test split: batched greedy decoding, or label scoring
when the task has ``choices``. One record per test example goes to
``DIR/records.jsonl`` as soon as its batch is done; a rerun skips finished examples
and reuses saved checkpoints, so a killed run resumes without losing or duplicating
anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .errors import HarnessError
from .records import RecordStore
from .training import TrainConfig

# --- the default suite (``ltsc-bench run`` with no arguments) ---------------------------
#: compressors compared in the default suite (the lossy baselines join at matched length).
#: ``pool_size=32``: a model trained from scratch in minutes must learn an embedding for every
#: meta-token id it may meet; with the default pool of 1024 ids drawn at random per prompt the
#: tiny model stayed on its loss plateau for the whole budget (measured), with 32 it learns.
#: The pool only changes which ids are drawn, never the compressed length.
DEFAULT_COMPRESSORS = ("raw", "ltsc@pool_size=32", "truncate@rate=match:ltsc", "llmlingua@rate=match:ltsc")
#: compressors the default suite evaluates with the model trained on raw prompts instead of
#: fine-tuning on their own output (``--no-finetune``): LLMLingua is applied at inference in
#: practice, and compressing the 12,000 training prompts with it (~0.4 s each on CPU) would not
#: fit the suite's 10 minutes. ``truncate`` is cheap, so it is fine-tuned like ``ltsc``.
DEFAULT_NO_FINETUNE = ("llmlingua@rate=match:ltsc",)
DEFAULT_TASKS = ("recall",)
#: two layers, d_model 64, and a short causal convolution over the embeddings (see models/tiny.py)
DEFAULT_MODEL = "tiny@d_model=64,layers=2,heads=4,conv=4"
DEFAULT_OUTPUT = "runs/default-suite"
#: the default suite's training budget (the same for every input format)
SUITE_TRAIN = TrainConfig(steps=800, batch_size=32, lr=1e-2, prompt_loss=0.0, seed=0)
SUITE_TRAIN_EXAMPLES = 12000
SUITE_TEST_EXAMPLES = 200
#: the model-free statistics part of the default suite: every offline task, these compressors
SUITE_STATS_COMPRESSORS = ("raw", "ltsc")
SUITE_STATS_LIMIT = 50
#: the tiny model trains faster on one thread than on two contended ones (measured on 2 shared cores)
SUITE_THREADS = 1
#: ... and the suite runs two cells at a time, one per core
SUITE_JOBS = 2

CHECKPOINTS = "checkpoints"
HARNESS_RECORD_VERSION = 1


@dataclass
class RunConfig:
    tasks: list[str] = field(default_factory=lambda: list(DEFAULT_TASKS))
    compressors: list[str] = field(default_factory=lambda: list(DEFAULT_COMPRESSORS))
    model: str = "tiny"
    tokenizer: str | None = None
    scope: str = "prompt"
    seed: int = 0
    train_examples: int = SUITE_TRAIN_EXAMPLES
    test_examples: int = SUITE_TEST_EXAMPLES
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


def _hash(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class Prepared:
    """One split of one input format: model-input ids (harness ids) and targets."""

    examples: list
    inputs: list[list[int]]
    raw_lengths: list[int]
    answers: list[list[int]]
    info: list[dict]


def prepare_split(task, split: str, n: int, seed: int, tokenizer, compressor, scope: str) -> Prepared:
    from .tasks import compress_prompt, encode_parts

    examples = task.examples(split, n, seed)
    inputs, raw_lengths, answers, info = [], [], [], []
    for ex in examples:
        parts = encode_parts(tokenizer, ex)
        ids, out = compress_prompt(compressor, parts, scope=scope, question=ex.question)
        inputs.append(list(ids))
        raw_lengths.append(sum(len(p) for p in parts))
        answers.append(tokenizer.encode(ex.target))
        info.append({"dictionary_entries": out.dictionary_entries, "dictionary_tokens": out.dictionary_tokens,
                     "changed": out.changed, "compressed_tokens": out.tokens_out, "target_tokens": out.target_tokens})
    return Prepared(examples, inputs, raw_lengths, answers, info)


def _save_checkpoint(model, directory: Path, summary: dict) -> None:
    tmp = directory.with_name(directory.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(tmp)
    (tmp / "train.json").write_text(json.dumps(summary, indent=2))
    if directory.exists():
        shutil.rmtree(directory)
    tmp.replace(directory)


def _flops(model, n: int) -> float:
    from .compute import forward_flops

    arch = model.architecture()
    return forward_flops(n, arch["params"], arch["layers"], arch["d_model"])


class Runner:
    def __init__(self, config: RunConfig, output: str | Path, validate: bool = True):
        self.config = config
        self.output = Path(output)
        if validate:  # worker processes skip it: the parent validated (and it builds every compressor)
            self.validate()
        try:
            self.output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HarnessError(f"cannot create output directory {self.output}: {exc.strerror}; pass a writable --output DIR") from None
        self.store = RecordStore(self.output)

    # -- one cell ----------------------------------------------------------------
    def run_cell(self, task_spec: str, compressor_spec: str) -> str:
        """Train (or load) and evaluate one cell; returns its id (the ``cell`` field of its records)."""
        from .compressors import build_compressor
        from .models import build_model
        from .models.base import require_torch, resolve_device
        from .spec import Spec
        from .tasks import build_task
        from .tokenizers import get_tokenizer

        cfg = self.config
        torch = require_torch()
        device = resolve_device(cfg.device)
        model = build_model(cfg.model)
        tok_name = cfg.tokenizer or model.preferred_tokenizer or "cl100k_base"
        if model.preferred_tokenizer and tok_name != model.preferred_tokenizer:
            raise HarnessError(f"model {cfg.model!r} reads tokenizer {model.preferred_tokenizer!r}, not {tok_name!r}; drop --tokenizer")
        tokenizer = get_tokenizer(tok_name)
        task = build_task(task_spec)
        compressor = build_compressor(compressor_spec, tokenizer)
        task_label = str(Spec(task.name, task.params))
        train_cfg = cfg.train if cfg.train.lr else replace(cfg.train, lr=model.default_lr)

        comparison = {
            "task": task_label, "model": str(Spec.parse(cfg.model)), "model_config": model.spec, "tokenizer": tokenizer.name, "scope": cfg.scope, "seed": cfg.seed,
            "train_examples": cfg.train_examples, "test_examples": cfg.test_examples, "train": train_cfg.to_dict(),
            "record_version": HARNESS_RECORD_VERSION,
        }
        def cell_config(spec: str, comp) -> dict:
            return dict(comparison, compressor=str(Spec.parse(spec)), compressor_config=comp.spec,
                        compressor_params=comp.params, compressor_lossless=comp.lossless, model_params=model.params)

        config = cell_config(compressor_spec, compressor)
        # --no-finetune: evaluate with the raw cell's checkpoint (trained on raw prompts)
        raw_trained = self.raw_trained(compressor_spec)
        trainer_spec = "raw" if raw_trained else compressor_spec
        trainer = build_compressor(trainer_spec, tokenizer) if raw_trained else compressor
        if raw_trained:
            config["trained_on"] = "raw"
        cell = _hash(config)
        train_cell = _hash(cell_config(trainer_spec, trainer)) if raw_trained else cell
        comparison_id = _hash(comparison)
        label = f"{task_label} | {config['compressor']} | {cfg.model}" + (" (raw-trained)" if raw_trained else "")

        test = prepare_split(task, "test", cfg.test_examples, cfg.seed, tokenizer, compressor, cfg.scope)
        todo = [i for i, ex in enumerate(test.examples) if not self.store.done(cell, ex.id)]
        if not todo:
            _log(f"[done]  {label}: {len(test.examples)} records already present")
            return cell

        ckpt = self.output / CHECKPOINTS / train_cell
        torch.manual_seed(train_cfg.seed)
        if (ckpt / "train.json").is_file():
            model.load(ckpt, device)
            summary = json.loads((ckpt / "train.json").read_text())
            _log(f"[load]  {label}: checkpoint {ckpt}")
        else:
            train = prepare_split(task, "train", cfg.train_examples, cfg.seed, tokenizer, trainer, cfg.scope)
            model.setup(tokenizer, trainer.extra_vocab, train.inputs + train.answers, device)
            prompts = [model.model_ids(p) for p in train.inputs]
            answers = [model.model_ids(a) + [model.eos] for a in train.answers]
            from .training import train as train_model

            _log(f"[train] {label}: {len(prompts)} examples, {train_cfg.steps} steps on {device}")
            summary = train_model(model, prompts, answers, train_cfg, desc=f"train {trainer_spec}", progress=cfg.progress)
            summary["max_answer_tokens"] = max((len(a) for a in train.answers), default=1)
            _save_checkpoint(model, ckpt, summary)
        model.train_mode(False)
        self._evaluate(model, task, tokenizer, compressor, test, todo, cell, comparison_id, config, summary, label)
        return cell

    def _evaluate(self, model, task, tokenizer, compressor, test: Prepared, todo, cell, comparison_id, config, summary, label):
        from tqdm import tqdm

        from .models.inference import greedy_decode, measure_prefill, score_choices

        cfg = self.config
        choices = [tokenizer.encode(c) for c in task.choices] if task.choices else None
        max_new = int(summary.get("max_answer_tokens", 8)) + 2
        batch = max(1, cfg.eval_batch)
        # fixed batches over the whole test split, so a resumed run decodes every example in the same batch
        todo_set = set(todo)
        starts = sorted({i // batch * batch for i in todo})
        bar = tqdm(total=len(todo), desc=f"eval {config['compressor']}", disable=not cfg.progress, leave=False, dynamic_ncols=True)
        for _ in range(3):  # warm-up, not recorded
            measure_prefill(model, model.model_ids(test.inputs[0]))
        for start in starts:
            idx = list(range(start, min(start + batch, len(test.examples))))
            prompts = [model.model_ids(test.inputs[i]) for i in idx]
            if choices is not None:
                picks = score_choices(model, prompts, [model.model_ids(c) for c in choices])
                preds = [task.choices[j] for j in picks]
            else:
                outs = greedy_decode(model, prompts, max_new)
                preds = [tokenizer.decode(model.output_text_ids(o)) for o in outs]
            records = []
            for i, prompt, pred in zip(idx, prompts, preds):
                if i not in todo_set:
                    continue
                ex = test.examples[i]
                n, n_raw = len(test.inputs[i]), test.raw_lengths[i]
                records.append({
                    "cell": cell, "comparison": comparison_id, "example_id": ex.id,
                    "task": config["task"], "compressor": config["compressor"], "compressor_params": compressor.params,
                    "model": config["model"], "tokenizer": config["tokenizer"], "scope": config["scope"],
                    "seed": config["seed"], "train_steps": config["train"]["steps"],
                    "trained_on": config.get("trained_on", "self"),
                    "input_tokens": n, "raw_tokens": n_raw, **test.info[i],
                    "attention_n2": n * n, "raw_attention_n2": n_raw * n_raw,
                    "flops": _flops(model, n), "raw_flops": _flops(model, n_raw),
                    "prediction": pred, "target": ex.target, "correct": bool(task.score(pred, ex.target)),
                    "prefill_seconds": measure_prefill(model, prompt, cfg.prefill_repeats),
                    "train_final_answer_loss": summary.get("final_answer_loss"),
                    "config": config,
                })
            self.store.append(records)
            bar.update(len(records))
        bar.close()
        _log(f"[eval]  {label}: {len(todo)} records written")

    # -- the grid ----------------------------------------------------------------
    def validate(self) -> None:
        """Fail on any bad name, parameter, path or device (before any work: call it first)."""
        from .compressors import build_compressor
        from .models import build_model
        from .models.base import resolve_device
        from .tasks import build_task
        from .tokenizers import get_tokenizer

        resolve_device(self.config.device)
        model = build_model(self.config.model)
        tokenizer = get_tokenizer(self.config.tokenizer or model.preferred_tokenizer or "cl100k_base")
        for spec in self.config.tasks:
            build_task(spec)
        for spec in self.config.compressors:
            build_compressor(spec, tokenizer)
        for spec in self.config.no_finetune:
            if spec not in self.config.compressors:
                raise HarnessError(f"--no-finetune {spec!r} is not among the compressors of this run "
                                   f"({', '.join(self.config.compressors)}); name it in --compressors too")

    def raw_trained(self, compressor_spec: str) -> bool:
        """Is this compressor evaluated with the model trained on raw prompts (``--no-finetune``)?"""
        from .spec import Spec

        return compressor_spec in self.config.no_finetune and Spec.parse(compressor_spec).name != "raw"

    def run(self) -> list[dict]:
        """Run every cell of the grid; returns the leaderboard rows of these cells (records of other
        configurations in the same directory stay in ``records.jsonl`` and in ``ltsc-bench leaderboard``)."""
        from .leaderboard import compute_rows

        (self.output / "run_config.json").write_text(json.dumps(asdict(self.config), indent=2, default=str))
        if self.config.threads:
            from .models.base import require_torch

            require_torch().set_num_threads(self.config.threads)
        from .spec import Spec

        compressors = list(self.config.compressors)
        if any(self.raw_trained(c) for c in compressors) and not any(Spec.parse(c).name == "raw" for c in compressors):
            compressors.insert(0, "raw")  # raw-trained cells need the raw cell's checkpoint
        # raw-trained cells run after the cells that train, so the raw checkpoint exists
        phases = [[(t, c) for t in self.config.tasks for c in compressors if self.raw_trained(c) is later]
                  for later in (False, True)]
        done: list[str] = []
        for cells in phases:
            done += self._run_cells(cells)
        mine = set(done)
        return compute_rows([r for r in self.store.records if r["cell"] in mine])

    def _run_cells(self, cells: list[tuple[str, str]]) -> list[str]:
        """Run cells, in ``jobs`` worker processes when asked; returns their cell ids."""
        jobs = min(self.config.jobs, len(cells))
        if jobs <= 1:
            return [self.run_cell(task_spec, compressor_spec) for task_spec, compressor_spec in cells]
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        pool = ctx.Pool(jobs, initializer=_worker_init, initargs=(self.config.threads,))
        try:
            done = list(pool.imap_unordered(_run_cell_job, [(self.config, str(self.output), t, c) for t, c in cells]))
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
        self.store = RecordStore(self.output)
        return done


def _worker_init(threads: int | None) -> None:
    """A worker process: dies with its parent (so a killed run leaves no orphan writing records)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if threads:
        from .models.base import require_torch

        require_torch().set_num_threads(threads)


def _run_cell_job(job) -> str:
    config, output, task_spec, compressor_spec = job
    return Runner(config, output, validate=False).run_cell(task_spec, compressor_spec)


def write_leaderboard(rows: list[dict], output: Path) -> str:
    """Write ``leaderboard.json`` and ``leaderboard.md`` into ``output``; return the Markdown."""
    from .leaderboard import render

    table = render(rows, "markdown")
    (output / "leaderboard.json").write_text(render(rows, "json") + "\n")
    (output / "leaderboard.md").write_text(table + "\n")
    return table


def run_suite_stats(cfg: RunConfig, output: Path) -> str:
    """The default suite's model-free part: compression statistics of every offline task.

    Writes ``stats.json`` and ``stats.md`` into ``output`` and returns the Markdown table.
    """
    from .cli.output import render
    from .stats import compression_stats, markdown_rows

    rows = compression_stats(None, SUITE_STATS_COMPRESSORS, cfg.tokenizer or "cl100k_base", scope=cfg.scope,
                             limit=SUITE_STATS_LIMIT, seed=cfg.seed, progress=cfg.progress, notify=_log)
    (output / "stats.json").write_text(render(rows, "json") + "\n")
    table = render(markdown_rows(rows), "markdown")
    (output / "stats.md").write_text(table + "\n")
    return table


def suite_config(**overrides) -> RunConfig:
    """The default suite's configuration (offline, CPU-sized)."""
    cfg = RunConfig(model=DEFAULT_MODEL, train=SUITE_TRAIN, threads=SUITE_THREADS, jobs=SUITE_JOBS,
                    no_finetune=list(DEFAULT_NO_FINETUNE))
    return replace(cfg, **overrides)
