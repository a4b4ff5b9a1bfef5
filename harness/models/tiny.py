"""``tiny``: a small Llama-style transformer trained from scratch.

Its vocabulary is remapped to the ids that occur in the train split (plus every id
the compressor may emit above the tokenizer's vocabulary), so the embedding table
stays small whatever the tokenizer. Model ids: 0 = padding, 1 = end of answer,
2 = unknown (an id never seen in training), then the harness ids in sorted order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

from .base import LanguageModel, models, require_torch

PAD, EOS, UNK = 0, 1, 2
SPECIALS = 3


def _llama_config(vocab: int, d_model: int, layers: int, heads: int, ffn: int, max_positions: int):
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=vocab, hidden_size=d_model, intermediate_size=ffn, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=max_positions,
        tie_word_embeddings=True, pad_token_id=PAD, eos_token_id=EOS, bos_token_id=EOS,
        attention_dropout=0.0, rope_theta=10000.0,
    )


@models.register("tiny")
class Tiny(LanguageModel):
    """A small Llama-style transformer trained from scratch on the task (vocabulary remapped)"""

    eos, pad = EOS, PAD

    def __init__(self, name: str = "tiny", d_model: int = 128, layers: int = 2, heads: int = 4, ffn: int | None = None,
                 max_positions: int = 4096):
        super().__init__(name, **{k: v for k, v in dict(d_model=d_model, layers=layers, heads=heads, ffn=ffn,
                                                         max_positions=max_positions).items() if v is not None})
        if d_model % heads:
            raise ValueError(f"d_model={d_model} is not a multiple of heads={heads}")
        self.dims = dict(d_model=int(d_model), layers=int(layers), heads=int(heads),
                         ffn=int(ffn or 3 * d_model), max_positions=int(max_positions))
        self.vocab: list[int] = []
        self._to_model: dict[int, int] = {}

    # -- vocabulary --------------------------------------------------------------
    def _set_vocab(self, vocab: list[int]) -> None:
        self.vocab = vocab
        self._to_model = {h: i + SPECIALS for i, h in enumerate(vocab)}

    def model_ids(self, ids: Sequence[int]) -> list[int]:
        get = self._to_model.get
        return [get(i, UNK) for i in ids]

    def output_text_ids(self, ids: Sequence[int]) -> list[int]:
        return [self.vocab[i - SPECIALS] for i in ids if i >= SPECIALS and self.vocab[i - SPECIALS] < self.text_vocab]

    # -- network -----------------------------------------------------------------
    def _build(self, device: str) -> None:
        from transformers import LlamaForCausalLM

        config = _llama_config(len(self.vocab) + SPECIALS, self.dims["d_model"], self.dims["layers"], self.dims["heads"],
                               self.dims["ffn"], self.dims["max_positions"])
        self.module = LlamaForCausalLM(config).to(device)
        self.device = device

    def setup(self, tokenizer, extra_vocab: int, corpus: Iterable[Sequence[int]], device: str) -> None:
        require_torch()
        self.text_vocab = tokenizer.vocab_size
        seen: set[int] = set()
        for seq in corpus:
            seen.update(seq)
        seen.update(range(tokenizer.vocab_size, tokenizer.vocab_size + extra_vocab))
        self._set_vocab(sorted(seen))
        self._build(device)

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None, use_cache=False):
        if use_cache and past is None:
            from transformers import DynamicCache

            past = DynamicCache()
        out = self.module(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                          past_key_values=past, use_cache=use_cache)
        return out.logits, out.past_key_values

    def architecture(self) -> dict:
        emb = self.module.get_input_embeddings().weight.numel()
        total = sum(p.numel() for p in self.module.parameters())
        # the tied output projection is a matmul (counted); the input lookup is not
        return {"params": total, "layers": self.dims["layers"], "d_model": self.dims["d_model"], "embedding_params": emb}

    # -- checkpoints -------------------------------------------------------------
    def save(self, path: Path) -> None:
        torch = require_torch()
        path.mkdir(parents=True, exist_ok=True)
        torch.save(self.module.state_dict(), path / "weights.pt")
        (path / "tiny.json").write_text(json.dumps({"dims": self.dims, "vocab": self.vocab, "text_vocab": self.text_vocab}))

    def load(self, path: Path, device: str) -> None:
        torch = require_torch()
        meta = json.loads((path / "tiny.json").read_text())
        self.dims, self.text_vocab = meta["dims"], meta["text_vocab"]
        self._set_vocab(meta["vocab"])
        self._build(device)
        self.module.load_state_dict(torch.load(path / "weights.pt", map_location=device, weights_only=True))
