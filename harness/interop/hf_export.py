"""``export-model``: a cell fine-tuned by ``ltsc-bench run`` as a standard Hugging Face model directory.

The directory holds ``config.json``, the weights (safetensors), the tokenizer files and
``ltsc_bench.json`` (the compressor the model was trained on, its scope, the harness
tokenizer and vocabulary sizes, the cell and its training summary), so lm-eval's ``hf``
model, the ``ltsc-hf`` wrapper and plain ``AutoModelForCausalLM.from_pretrained(dir)``
all load it. Its embedding has a row for every id the compressor emits (meta-tokens and
delimiters at ``vocab_size`` and above); the tokenizer keeps ``vocab_size`` ids, so a
meta-token id means the same thing as in the run.

- ``tiny``: its remapped vocabulary is expanded back to the tokenizer's full id space plus
  the extra ids. Each id gets the row it had in training; ids never seen in training get
  tiny's unknown-token row (what tiny read for them); tiny's end-of-answer row becomes the
  tokenizer's end-of-text id. Embeddings stay tied, as in tiny. ``conv=K`` models have no
  transformers architecture and cannot be exported. The tokenizer must be one
  :mod:`.hf_tokenizer` can write (``cl100k_base``, ``o200k_base``, ``gpt2``, ``hf:<dir>``).
- ``smollm2-135m`` / ``hf:``: LoRA weights are merged; the meta-token rows trained next to
  the frozen table become rows ``vocab_size ..`` of one input embedding. The output layer
  is the run's (new ids get zero rows: as in the run, they are never predicted), so
  input and output embeddings are untied when there are new rows.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from ..core.errors import HarnessError

MANIFEST = "ltsc_bench.json"


def read_manifest(directory) -> dict:
    """``ltsc_bench.json`` of an exported model directory ({} when there is none)."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise HarnessError(f"{path} is unreadable ({exc.__class__.__name__}); export the model again") from None
    return data if isinstance(data, dict) else {}


# -- finding the cell ------------------------------------------------------------------
def run_config(run_dir: Path):
    """The :class:`RunConfig` a run directory was made with (``run_config.json``)."""
    from ..engine.config import RunConfig
    from ..engine.training import TrainConfig

    path = Path(run_dir) / "run_config.json"
    if not Path(run_dir).is_dir() or not path.is_file():
        raise HarnessError(f"{run_dir} has no run_config.json; pass the --output directory of an `ltsc-bench run`")
    data = json.loads(path.read_text())
    known = {f.name for f in fields(RunConfig)}
    train = TrainConfig(
        **{k: v for k, v in data.pop("train", {}).items() if k in {f.name for f in fields(TrainConfig)}}
    )
    return RunConfig(train=train, **{k: v for k, v in data.items() if k in known})


def _label(spec: str) -> str:
    from ..core.spec import Spec

    return str(Spec.parse(spec))


def _cell_labels(run_dir: Path, cell: str) -> tuple[str, str]:
    """(task label, compressor label) of the cell whose id starts with ``cell``, from the run's records."""
    from ..results.records import RECORDS_FILE, read_records

    found = {
        (r["task"], r["compressor"], r["cell"])
        for r in read_records(Path(run_dir) / RECORDS_FILE)
        if str(r.get("cell", "")).startswith(cell)
    }
    if len({c for _, _, c in found}) > 1:
        raise HarnessError(f"--cell {cell} matches several cells of {run_dir}; give more of its id")
    if not found:
        raise HarnessError(
            f"no cell {cell!r} in {run_dir}/records.jsonl; `ltsc-bench leaderboard {run_dir} --format json` "
            "lists the cells, or pass --compressor SPEC [--task SPEC]"
        )
    task, compressor, _ = found.pop()
    return task, compressor


def find_cell(run_dir, cell: str | None = None, compressor: str | None = None, task: str | None = None):
    """``(runner, task_spec, compressor_spec)`` of one cell of a run, named by id or by compressor (and task)."""
    from ..engine.runner import Runner

    run_dir = Path(run_dir)
    config = run_config(run_dir)
    if cell:
        task_label, comp_label = _cell_labels(run_dir, cell)
    else:
        if not compressor:
            raise HarnessError("name the cell: --cell ID or --compressor SPEC [--task SPEC]")
        comp_label = _label(compressor)
        if task:
            task_label = _label(task)
        elif len(config.tasks) == 1:
            task_label = _label(config.tasks[0])
        else:
            raise HarnessError(f"the run has several tasks ({', '.join(config.tasks)}); pass --task SPEC")
    tasks = [t for t in config.tasks if _label(t) == task_label]
    comps = [c for c in config.compressors if _label(c) == comp_label]
    if not tasks:
        raise HarnessError(f"task {task_label!r} is not in the run ({', '.join(config.tasks)})")
    if not comps:
        raise HarnessError(f"compressor {comp_label!r} is not in the run ({', '.join(config.compressors)})")
    return Runner(config, run_dir, validate=False), tasks[0], comps[0]


def published_source(run_dir) -> str | None:
    """For a folder written by ``ltsc-bench publish`` (``publish.json`` and ``records.jsonl.gz``): the run folder
    it was published from, as its ``publish.json`` names it ("" when it names none); None for any other folder."""
    from ..results.layouts import PUBLISH_META, PUBLISHED_RECORDS

    run_dir = Path(run_dir)
    if not ((run_dir / PUBLISH_META).is_file() and (run_dir / PUBLISHED_RECORDS).is_file()):
        return None
    try:
        source = json.loads((run_dir / PUBLISH_META).read_text()).get("source")
    except (OSError, ValueError, AttributeError):
        source = None
    return source if isinstance(source, str) else ""


def published_error(run_dir, source: str) -> HarnessError:
    named = f"publish.json names it: {source}" if source else "its publish.json names no source"
    return HarnessError(
        f"{run_dir} is a published results folder, and published folders hold no checkpoints; "
        f"pass the --output directory of the run instead ({named})"
    )


def _checkpoint_root(run_dir: Path) -> Path:
    """Where the run of ``run_dir`` keeps its checkpoints (its --checkpoint-dir, else RUN_DIR/checkpoints)."""
    from ..engine import checkpoints

    try:
        chosen = json.loads((run_dir / "run_config.json").read_text()).get("checkpoint_dir")
    except (OSError, ValueError, AttributeError):
        chosen = None
    return Path(chosen) if isinstance(chosen, str) and chosen else run_dir / checkpoints.CHECKPOINTS


# -- the two model families --------------------------------------------------------------
def tiny_to_hf(model, tokenizer, hf_tok):
    """A ``LlamaForCausalLM`` over the tokenizer's ids (+ extra ids) equal to a trained ``tiny`` model."""
    import copy

    import torch
    from transformers import LlamaForCausalLM

    from ..models.tiny import EOS, PAD, UNK

    if model.dims.get("conv"):
        raise HarnessError(
            f"{model.spec}: its input convolution (conv={model.dims['conv']}) has no transformers "
            "architecture; only tiny models with conv=0 can be exported"
        )
    eos = hf_tok.eos_token_id
    if eos is None:
        raise HarnessError(f"tokenizer {tokenizer.name!r} has no end-of-text token to stand for tiny's end of answer")
    if eos in model._to_model:
        raise HarnessError(
            f"the end-of-text id {eos} of tokenizer {tokenizer.name!r} occurs in the training data, "
            "so it cannot also stand for tiny's end of answer"
        )
    pad = hf_tok.pad_token_id if hf_tok.pad_token_id is not None else eos
    total = max([tokenizer.vocab_size, *(i + 1 for i in model.vocab)])
    index = [model._to_model.get(i, UNK) for i in range(total)]
    index[eos] = EOS
    if pad != eos and pad not in model._to_model:
        index[pad] = PAD
    lm = model.module.lm
    rows = lm.get_input_embeddings().weight.detach()[torch.tensor(index)].clone()
    config = copy.deepcopy(lm.config)
    config.vocab_size, config.eos_token_id, config.bos_token_id, config.pad_token_id = total, eos, eos, pad
    config.tie_word_embeddings = True
    out = LlamaForCausalLM(config)
    state = {k: v for k, v in lm.state_dict().items() if k not in ("model.embed_tokens.weight", "lm_head.weight")}
    state["model.embed_tokens.weight"] = rows
    state["lm_head.weight"] = rows
    out.load_state_dict(state)
    out.tie_weights()
    return out.eval()


def pretrained_to_hf(model):
    """The fine-tuned pretrained model as one plain transformers model: LoRA merged, meta-token rows joined."""
    import torch

    module = model.module
    if hasattr(module, "merge_and_unload"):  # a peft model
        module = module.merge_and_unload()
    extra = int(model.extra_vocab)
    if not extra:
        return module.eval()
    base = model.base_vocab
    inp = module.get_input_embeddings().weight.detach()
    outp = module.get_output_embeddings().weight.detach()
    rows, d = inp.shape
    total = max(rows, base + extra)
    new_in = torch.zeros(total, d, dtype=inp.dtype)
    new_in[:rows] = inp
    new_in[base : base + extra] = model.embed.extra.weight.detach()[:extra].to(inp.dtype)
    new_out = torch.zeros(total, d, dtype=outp.dtype)
    new_out[: outp.shape[0]] = outp
    module.config.tie_word_embeddings = False
    module.config.vocab_size = total
    embedding = torch.nn.Embedding(total, d, dtype=inp.dtype)
    embedding.weight = torch.nn.Parameter(new_in)
    head = torch.nn.Linear(d, total, bias=False, dtype=outp.dtype)
    head.weight = torch.nn.Parameter(new_out)
    module.set_input_embeddings(embedding)
    module.set_output_embeddings(head)
    return module.eval()


# -- the command --------------------------------------------------------------------------
def export_model(
    run_dir, out_dir, *, cell: str | None = None, compressor: str | None = None, task: str | None = None
) -> dict:
    """Write the model of one cell of ``run_dir`` to ``out_dir``; returns the manifest written."""
    from ..engine import checkpoints
    from ..models.pretrained import Pretrained
    from ..models.tiny import Tiny
    from .hf_tokenizer import hf_tokenizer

    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise HarnessError(f"{out_dir} exists and is not an empty directory; pass a new OUT_DIR")
    source = published_source(run_dir)
    if source is not None and (cell or not _checkpoint_root(Path(run_dir)).is_dir()):
        raise published_error(run_dir, source)
    runner, task_spec, comp_spec = find_cell(run_dir, cell, compressor, task)
    parts = runner.components(task_spec, comp_spec)
    plan = runner.plan(task_spec, comp_spec, parts)
    ckpt = runner.checkpoint_path(plan.train_id)  # honours the run's --checkpoint-dir
    if not checkpoints.exists(ckpt):
        if source is not None:
            raise published_error(run_dir, source)
        raise HarnessError(f"cell {plan.label} has no checkpoint ({ckpt}); run `ltsc-bench run` for it first")
    model = parts.model
    if not isinstance(model, (Tiny, Pretrained)):
        raise HarnessError(
            f"model {runner.config.model!r} cannot be exported; export-model supports tiny, "
            "smollm2-135m and hf:<dir> models"
        )
    hf_tok = hf_tokenizer(parts.tokenizer)  # before loading weights: an unexportable tokenizer fails fast
    summary = checkpoints.load(model, ckpt, plan.train_id, "cpu")
    model.train_mode(False)
    hf_model = tiny_to_hf(model, parts.tokenizer, hf_tok) if isinstance(model, Tiny) else pretrained_to_hf(model)
    if hf_tok.pad_token_id is None and hf_tok.eos_token_id is not None:
        hf_tok.pad_token = hf_tok.eos_token
    manifest = {
        "exported_by": "ltsc-bench export-model",
        "format": 1,
        "compressor": parts.trainer.spec,
        "compressor_label": _label(plan.trainer_spec),
        "evaluated_compressor": parts.compressor.spec,
        "scope": runner.config.scope,
        "tokenizer": parts.tokenizer.name,
        "vocab_size": parts.tokenizer.vocab_size,
        "extra_vocab": parts.trainer.extra_vocab,
        "embedding_rows": int(hf_model.get_input_embeddings().weight.shape[0]),
        "task": str(plan.config["task"]),
        "model": runner.config.model,
        "model_label": str(plan.config["model"]),
        "model_config": model.spec,
        "cell": plan.id,
        "train_id": plan.train_id,
        "comparison": plan.comparison,
        "run_dir": str(Path(run_dir).resolve()),
        "seed": runner.config.seed,
        "train": dict(summary, **parts.train.to_dict()),
    }

    def fill(tmp: Path) -> None:
        hf_model.save_pretrained(tmp, safe_serialization=True)
        hf_tok.save_pretrained(tmp)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")

    write_new_dir(out_dir, fill)
    return manifest


def write_new_dir(out_dir: Path, fill) -> None:
    """Create ``out_dir`` (new, or an empty folder) whole or not at all: ``fill(tmp)`` writes a temporary folder
    next to it, ``.<name>.tmp<PID>``, renamed into place when complete. On any failure or interrupt the temporary
    folder goes, and so do the parent folders this call created; nothing else is touched."""
    import os
    import shutil

    out_dir = Path(out_dir)
    created = [p for p in out_dir.parents if not os.path.lexists(p)]  # nearest first
    tmp = out_dir.with_name(f".{out_dir.name}.tmp{os.getpid()}")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        fill(tmp)
        tmp.replace(out_dir)  # onto a missing or empty folder; a folder filled meanwhile makes it fail
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        for made in created:
            try:
                made.rmdir()
            except OSError:
                break
        if isinstance(exc, OSError):
            raise HarnessError(
                f"cannot write {out_dir} ({exc.strerror or exc}); nothing was written: free space or "
                "pass another OUT_DIR, then rerun"
            ) from None
        raise
