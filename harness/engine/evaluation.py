"""Evaluating one cell: batched greedy decoding (or label scoring), scoring, one record per example.

Batches are fixed over the whole test split: examples sorted by (length, index) and cut
into batches (little padding), so a resumed run decodes every example in the same batch
as an uninterrupted one and gets the same predictions. Records of a batch are handed to ``write`` as soon as the
batch is done.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.progress import progress
from ..models.batching import sorted_batches
from ..results.records import Record
from .compute import forward_flops


def _flops(arch: dict, n: int) -> float:
    return forward_flops(n, arch["params"], arch["layers"], arch["d_model"])


def predict(model, task, tokenizer, prompts: list[list[int]], max_new: int) -> list[str]:
    """Predictions for a batch of model-id prompts: the best label (tasks with choices) or greedy text."""
    from ..models.inference import greedy_decode, score_choices

    if task.choices:
        choices = [model.model_ids(tokenizer.encode(c)) for c in task.choices]
        return [task.choices[j] for j in score_choices(model, prompts, choices)]
    outs = greedy_decode(model, prompts, max_new)
    return [tokenizer.decode(model.output_text_ids(o)) for o in outs]


def make_record(cell, prompt, prediction: str, task, arch: dict, prefill: float, summary: dict) -> Record:
    """The record of one evaluated example."""
    config = cell.config
    ex = prompt.example
    n, n_raw = len(prompt.ids), prompt.raw_tokens
    score = task.score(prediction, ex.target)
    return Record(
        cell=cell.id,
        comparison=cell.comparison,
        example_id=ex.id,
        task=config["task"],
        compressor=config["compressor"],
        compressor_params=config["compressor_params"],
        model=config["model"],
        tokenizer=config["tokenizer"],
        scope=config["scope"],
        seed=config["seed"],
        train_steps=config["train"]["steps"],
        trained_on=config.get("trained_on", "self"),
        input_tokens=n,
        raw_tokens=n_raw,
        **prompt.info(),
        attention_n2=n * n,
        raw_attention_n2=n_raw * n_raw,
        flops=_flops(arch, n),
        raw_flops=_flops(arch, n_raw),
        codec_seconds=prompt.codec_seconds,
        round_trip_ok=prompt.round_trip_ok,
        prediction=prediction,
        target=ex.target,
        score=score,
        correct=score == 1.0,
        scores=task.extra_scores(prediction, ex.target),
        prefill_seconds=prefill,
        train_final_answer_loss=summary.get("final_answer_loss"),
        config=config,
    )


def evaluate(
    model,
    task,
    tokenizer,
    test: list,
    todo: list[int],
    cell,
    summary: dict,
    write: Callable[[list[dict]], None],
    *,
    batch: int = 32,
    prefill_repeats: int = 3,
    show_progress: bool = True,
) -> int:
    """Evaluate the examples ``todo`` (indices into ``test``, a list of pipeline prompts); returns records written."""
    from ..models.inference import measure_prefill

    max_new = int(summary.get("max_answer_tokens", 8)) + 2
    batch = max(1, batch)
    todo_set = set(todo)
    arch = model.architecture()
    bar = progress(len(todo), f"eval {cell.config['compressor']}", show_progress, unit="ex")
    for _ in range(3):  # warm-up, not recorded
        measure_prefill(model, model.model_ids(test[0].ids))
    written = 0
    for idx in sorted_batches([len(p.ids) for p in test], batch):
        if todo_set.isdisjoint(idx):
            continue
        prompts = [model.model_ids(test[i].ids) for i in idx]
        preds = predict(model, task, tokenizer, prompts, max_new)
        records = [
            make_record(
                cell, test[i], pred, task, arch, measure_prefill(model, prompt, prefill_repeats), summary
            ).to_dict()
            for i, prompt, pred in zip(idx, prompts, preds)
            if i in todo_set
        ]
        write(records)
        written += len(records)
        bar.update(len(records))
    bar.close()
    return written
