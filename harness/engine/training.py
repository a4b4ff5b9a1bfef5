"""Fine-tuning (or training from scratch) on one input format of a task.

Each training sequence is ``prompt + answer + eos`` in model ids. The loss is on the
answer tokens (and the end-of-answer token) only, unless ``prompt_loss`` > 0 adds that
weight times the mean next-token loss on the prompt, which from-scratch models need to
learn structure quickly. Every input format of a comparison gets the same budget:
steps, batch size, learning rate schedule and seed come from one :class:`TrainConfig`.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import asdict, dataclass

from ..core.errors import HarnessError
from ..models.base import LanguageModel, require_torch
from ..models.batching import bucketed_batches, pad_right


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 600
    batch_size: int = 32
    #: peak learning rate; None = the model's default_lr
    lr: float | None = None
    warmup: int = 30
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    #: weight of the next-token loss on the prompt (0 = answer-only loss)
    prompt_loss: float = 0.0
    seed: int = 0
    #: length-aware batching: batches are formed within windows of this many batches sorted by length
    #: (1 = plain random batches, the behaviour before length-aware batching)
    bucket_window: int = 50

    def to_dict(self) -> dict:
        return asdict(self)


def batch_loss(model: LanguageModel, prompts, answers, prompt_weight: float):
    """Mean answer loss (+ ``prompt_weight`` x mean prompt loss) of one batch; also returns the answer loss."""
    torch = require_torch()
    seqs = [list(p) + list(a) for p, a in zip(prompts, answers)]
    ids, mask = pad_right(seqs, model.pad)
    # weight of predicting token t+1 from position t: answer tokens 1, prompt tokens prompt_weight
    is_answer = torch.zeros_like(ids, dtype=torch.bool)
    for row, (p, a) in enumerate(zip(prompts, answers)):
        is_answer[row, len(p) : len(p) + len(a)] = True
    ids, mask, is_answer = ids.to(model.device), mask.to(model.device), is_answer.to(model.device)
    logits, _ = model.forward(ids, attention_mask=mask)
    logits = logits[:, :-1].float()
    target = ids[:, 1:]
    # ids the output layer cannot produce (a pretrained model's new meta-token ids) are not predicted
    predictable = target < logits.shape[-1]
    nll = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), target.masked_fill(~predictable, 0).reshape(-1), reduction="none"
    )
    nll = nll.view(target.shape)
    valid = mask[:, 1:].bool() & predictable
    ans = is_answer[:, 1:] & valid
    answer_loss = (nll * ans).sum() / ans.sum().clamp(min=1)
    loss = answer_loss
    if prompt_weight > 0:
        prm = valid & ~is_answer[:, 1:]
        loss = loss + prompt_weight * (nll * prm).sum() / prm.sum().clamp(min=1)
    return loss, answer_loss


def next_batch(queue: list[list[int]], lengths: list[int], cfg: TrainConfig, gen) -> list[int]:
    """The next training batch of ``cfg.batch_size`` indices; ``queue`` holds the rest of the epoch.

    ``bucket_window=1`` keeps the original stream (a random permutation consumed batch_size at a time,
    carried over epoch boundaries); larger windows batch similar lengths together
    (:func:`~harness.models.batching.bucketed_batches`), dropping an epoch's short last batch.
    """
    if cfg.bucket_window <= 1:
        flat = queue[0] if queue else []
        if len(flat) < cfg.batch_size:
            flat += require_torch().randperm(len(lengths), generator=gen).tolist()
        queue[:] = [flat[cfg.batch_size :]]
        return flat[: cfg.batch_size]
    while not queue:
        queue += [
            b
            for b in bucketed_batches(lengths, cfg.batch_size, gen, cfg.bucket_window)
            if len(b) == cfg.batch_size or len(lengths) < cfg.batch_size
        ]
    return queue.pop(0)


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up, then cosine decay to 10% of the peak (``cfg.lr``, resolved: the runner sets the model's
    ``default_lr`` when the run leaves it None)."""
    peak = cfg.lr
    if peak is None:
        raise HarnessError("TrainConfig.lr is None: set the peak learning rate (e.g. the model's default_lr)")
    if step < cfg.warmup:
        return peak * (step + 1) / cfg.warmup
    frac = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))


def train(
    model: LanguageModel,
    prompts: list[list[int]],
    answers: list[list[int]],
    cfg: TrainConfig,
    desc: str = "train",
    progress: bool = True,
) -> dict:
    """Train ``model`` in place on (prompt, answer) pairs of model ids; returns a summary."""
    torch = require_torch()
    from ..core.progress import progress as progress_bar

    if not prompts:
        return {"steps": 0, "final_loss": None, "train_seconds": 0.0}
    gen = torch.Generator().manual_seed(cfg.seed)
    params = model.trainable_parameters()
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.98))
    model.train_mode(True)
    lengths = [len(p) + len(a) for p, a in zip(prompts, answers)]
    queue: list[list[int]] = []
    losses: list[float] = []
    cuda = str(model.device).startswith("cuda")
    start = time.perf_counter()
    bar = progress_bar(cfg.steps, desc, progress, unit="step")
    for step in range(cfg.steps):
        pick = next_batch(queue, lengths, cfg, gen)
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        with torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext():
            loss, answer_loss = batch_loss(
                model, [prompts[i] for i in pick], [answers[i] for i in pick], cfg.prompt_loss
            )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        losses.append(float(answer_loss.detach()))
        if step % 20 == 0:
            bar.set_postfix(answer_loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}")
        bar.update(1)
    bar.close()
    model.train_mode(False)
    tail = losses[-20:]
    return {
        "steps": cfg.steps,
        "final_answer_loss": sum(tail) / len(tail),
        "train_seconds": time.perf_counter() - start,
    }
