"""Selective Context: drop the least informative lexical units under a causal LM.

Method of Li et al. 2023, "Compressing Context to Enhance Inference Efficiency of
Large Language Models" (EMNLP 2023), implemented here (the PyPI package hard-codes hub
models and an old spaCy pin). Self-information of a token is ``-log p(x_t | x_<t)``
under the scoring LM; a lexical unit's self-information is the sum over its tokens,
and the least informative units are removed. Units here are words of the evaluated
tokenization (a unit starts at a token beginning with whitespace or punctuation, or
after a token ending in whitespace) instead of the paper's spaCy phrases; the paper's
percentile threshold becomes a token budget: units are kept in decreasing
self-information while they fit the target, so the output is a subsequence of the
input ids whose length equals the target whenever the unit sizes allow it.
"""

from __future__ import annotations

import numpy as np

from ..compressors.base import register
from .scored import ModelCompressor


def char_starts(tokenizer, ids: list[int]) -> tuple[str, np.ndarray]:
    """The decoded text and the character offset where each id starts (plus the end)."""
    text = tokenizer.decode(ids)
    pieces = [tokenizer.decode([i]) for i in ids]
    if "".join(pieces) == text:
        lengths = [len(p) for p in pieces]
    else:  # ids splitting a multi-byte character: measure decoded prefixes instead
        ends = np.maximum.accumulate([len(tokenizer.decode(ids[: k + 1])) for k in range(len(ids))])
        lengths = np.diff(np.concatenate([[0], ends])).tolist()
    return text, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def lm_self_information(hf_tokenizer, model, text: str, window: int = 1024, context: int = 256) -> np.ndarray:
    """Per-character self-information (nats): each LM token's ``-log p`` spread evenly over its characters."""
    import torch

    enc = hf_tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    toks, offsets = enc["input_ids"], enc["offset_mapping"]
    bos = hf_tokenizer.bos_token_id
    seq = ([bos] if bos is not None else []) + toks
    shift = len(seq) - len(toks)
    info = np.zeros(len(toks))
    with torch.no_grad():
        for start in range(shift, len(seq), window):  # score positions start..start+window, with left context
            left = max(0, start - context)
            chunk = torch.tensor([seq[left : start + window]], device=model.device)
            logp = torch.log_softmax(model(chunk).logits[0].float(), dim=-1)
            pos = torch.arange(start - left, chunk.shape[1], device=model.device)
            if pos.numel() and pos[0] == 0:
                pos = pos[1:]  # the very first token without BOS has no prediction
            scores = -logp[pos - 1, chunk[0, pos]]
            info[pos.cpu().numpy() + left - shift] = scores.cpu().numpy()
    density = np.zeros(len(text) + 1)
    for (a, b), value in zip(offsets, info):
        if b > a:
            density[a:b] += value / (b - a)
    return density


def word_units(pieces: list[str]) -> list[int]:
    """Start index of each unit (word) over the evaluated tokens' text pieces."""
    starts = []
    for i, piece in enumerate(pieces):
        prev = pieces[i - 1] if i else ""
        if i == 0 or not piece[:1].isalnum() and piece[:1] != "_" or prev[-1:].isspace():
            starts.append(i)
    return starts


def keep_by_score(scores: np.ndarray, sizes: np.ndarray, budget: int) -> np.ndarray:
    """Units kept: highest score first, skipping any that no longer fit the budget."""
    keep = np.zeros(len(scores), dtype=bool)
    left = budget
    for u in np.argsort(-scores, kind="stable"):
        if sizes[u] <= left:
            keep[u] = True
            left -= sizes[u]
            if not left:
                break
    return keep


@register
class SelectiveContext(ModelCompressor):
    """Selective Context (Li et al. 2023): drop the lowest self-information words under a causal LM"""

    name = "selective-context"

    def __init__(self, tokenizer, rate=0.5, model=None, device="cpu"):
        super().__init__(tokenizer, rate=rate, model=model, device=device)

    def shrink(self, ids, target, question):
        pc = self.scorer  # the same cached causal LM as llmlingua
        text, bounds = char_starts(self.tokenizer, ids)
        cum = np.concatenate([[0.0], np.cumsum(lm_self_information(pc.tokenizer, pc.model, text))])
        token_info = cum[bounds[1:]] - cum[bounds[:-1]]
        pieces = [text[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        starts = np.array(word_units(pieces) + [len(ids)])
        scores = np.add.reduceat(token_info, starts[:-1])
        keep = keep_by_score(scores, np.diff(starts), target)
        out = [t for u in np.flatnonzero(keep) for t in ids[starts[u] : starts[u + 1]]]
        return out, {"units": len(scores), "units_kept": int(keep.sum())}
