"""Evaluation: batched greedy decoding, label scoring, and measured prefill time."""

from __future__ import annotations

import time
from collections.abc import Sequence

from .base import LanguageModel, require_torch
from .batching import pad_left, pad_right


def greedy_decode(model: LanguageModel, prompts: Sequence[Sequence[int]], max_new_tokens: int) -> list[list[int]]:
    """Greedy continuation of each prompt (model ids, left-padded batch), stopping at ``model.eos``."""
    torch = require_torch()
    if not model.supports_cache:
        return _greedy_without_cache(model, prompts, max_new_tokens)
    with torch.inference_mode():
        ids, mask = pad_left(prompts, model.pad, model.device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        logits, past = model.forward(ids, attention_mask=mask, position_ids=positions, use_cache=True)
        out: list[list[int]] = [[] for _ in prompts]
        done = torch.zeros(len(prompts), dtype=torch.bool, device=model.device)
        last_pos = positions[:, -1]
        for _ in range(max_new_tokens):
            nxt = logits[:, -1].argmax(-1)
            for row in (~done).nonzero().flatten().tolist():
                if int(nxt[row]) != model.eos:
                    out[row].append(int(nxt[row]))
            done |= nxt == model.eos
            if bool(done.all()):
                break
            mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
            last_pos = last_pos + 1
            logits, past = model.forward(
                nxt[:, None], attention_mask=mask, position_ids=last_pos[:, None], past=past, use_cache=True
            )
        return out


def _greedy_without_cache(model: LanguageModel, prompts, max_new_tokens: int) -> list[list[int]]:
    """Greedy decoding that recomputes the whole (left-padded) batch at every step."""
    torch = require_torch()
    seqs = [list(p) for p in prompts]
    out: list[list[int]] = [[] for _ in prompts]
    live = list(range(len(prompts)))
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            ids, mask = pad_left([seqs[i] for i in live], model.pad, model.device)
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            logits, _ = model.forward(ids, attention_mask=mask, position_ids=positions)
            nxt = logits[:, -1].argmax(-1).tolist()
            still = []
            for i, tok in zip(live, nxt):
                if tok != model.eos:
                    out[i].append(tok)
                    seqs[i].append(tok)
                    still.append(i)
            live = still
            if not live:
                break
    return out


def score_choices(
    model: LanguageModel, prompts: Sequence[Sequence[int]], choices: Sequence[Sequence[int]]
) -> list[int]:
    """Index of the most likely choice (sum of its tokens' log-probabilities, end token included) per prompt."""
    torch = require_torch()
    pairs = [(p, list(c) + [model.eos]) for p in prompts for c in choices]
    seqs = [list(p) + c for p, c in pairs]
    with torch.inference_mode():
        ids, mask = pad_right(seqs, model.pad, model.device)
        logits, _ = model.forward(ids, attention_mask=mask)
        logp = torch.log_softmax(logits[:, :-1].float(), dim=-1).gather(-1, ids[:, 1:, None])[..., 0]
        scores = []
        for row, (p, c) in enumerate(pairs):
            scores.append(float(logp[row, len(p) - 1 : len(p) - 1 + len(c)].sum()))
    per = len(choices)
    return [max(range(per), key=lambda j: scores[i * per + j]) for i in range(len(prompts))]


def measure_prefill(model: LanguageModel, prompt: Sequence[int], repeats: int = 1) -> float:
    """Wall seconds of one forward pass over ``prompt`` alone (batch 1, no padding), best of ``repeats``."""
    torch = require_torch()
    cuda = str(model.device).startswith("cuda")
    with torch.inference_mode():
        ids = torch.tensor([list(prompt)], dtype=torch.long, device=model.device)
        best = float("inf")
        for _ in range(repeats):
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            model.forward(ids)
            if cuda:
                torch.cuda.synchronize()
            best = min(best, time.perf_counter() - start)
    return best
